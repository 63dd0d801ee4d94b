import { Button, Details, Heading, Paragraph, Spinner, Table } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery } from 'urql';

import { ChoiceField } from '../../components/ChoiceField';
import { RequestError, errorFor } from '../../components/Errors';
import type { FieldError } from '../../components/Errors';
import type { Me } from '../../components/Layout';
import {
  PathwayAddTransitionItemDocument,
  PathwayDeviateMilestoneDocument,
  PathwayMeetMilestoneDocument,
  PathwayOfChildDocument,
  PathwayRecordSignalDocument,
  PathwaySignalsDocument,
  PathwayStartTransitionDocument,
  PathwayUpdateTransitionItemDocument,
  RightOfChildDocument,
} from '../../gql/graphql';
import type { PlanCategory, SignalKind, TransitionItemStatus, TransitionKind } from '../../gql/graphql';
import { formatDate, formatDateTime } from '../../format';
import { useReloadOnChange } from '../../live';
import type { PathwayMilestone, PathwayTransition } from '../../pathway/Timeline';
import { MilestoneTag, milestoneWhen } from '../../pathway/Timeline';
import { CATEGORIES, Done, PlanFormErrors, PlanTextField, memberName } from '../../plan/common';
import { StatusTag } from '../../right/common';
import { NextStep, Trail } from '../../right/Trail';
import type { WorkspaceChild } from './types';

const TRANSITION_KINDS: TransitionKind[] = ['HOSPITAL_TO_HOME', 'BARNEHAGE_TO_SCHOOL', 'CHANGE_OF_SCHOOL', 'TURNING_18'];
const ITEM_STATUSES: TransitionItemStatus[] = ['OPEN', 'DONE', 'NOT_NEEDED'];
const SIGNAL_KINDS: SignalKind[] = ['SCHOOL_ABSENCE', 'HOSPITAL_ADMISSION', 'CRISIS_AT_HOME', 'OTHER'];

function MilestoneActions({ milestone, onChanged }: { milestone: PathwayMilestone; onChanged: () => void }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [met, meet] = useMutation(PathwayMeetMilestoneDocument);
  const [deviated, deviate] = useMutation(PathwayDeviateMilestoneDocument);
  const prefix = `ms-${milestone.id}`;
  if (milestone.status === 'MET') return null;
  return (
    <div className="k-stack">
      <PlanFormErrors errors={errors} prefix={prefix} fields={['reason']} />
      <RequestError error={met.error ?? deviated.error} />
      <div>
        <Button
          variant="secondary"
          data-size="sm"
          disabled={met.fetching}
          aria-describedby={`${prefix}-title`}
          onClick={async () => {
            const response = await meet({ input: { milestoneId: milestone.id, version: milestone.version } });
            const found = response.data?.meetMilestone.errors ?? [];
            setErrors(found);
            if (!found.length) onChanged();
          }}
        >
          {t('pathway.markMet')}
        </Button>
      </div>
      <Details>
        <Details.Summary>{t('pathway.deviate')}</Details.Summary>
        <Details.Content>
          <form
            className="k-stack"
            aria-label={t('pathway.deviateFor', { title: milestone.title })}
            noValidate
            onSubmit={async (event: FormEvent) => {
              event.preventDefault();
              const response = await deviate({ input: { milestoneId: milestone.id, version: milestone.version, reason } });
              const found = response.data?.deviateMilestone.errors ?? [];
              setErrors(found);
              if (!found.length) {
                setReason('');
                onChanged();
              }
            }}
          >
            <PlanTextField prefix={prefix} name="reason" multiline label={t('pathway.reason')} value={reason} onChange={setReason} errors={errors} />
            <div>
              <Button type="submit" data-size="sm" disabled={deviated.fetching}>
                {t('pathway.saveDeviation')}
              </Button>
            </div>
          </form>
        </Details.Content>
      </Details>
    </div>
  );
}

function Milestones({ milestones, canManage, onChanged }: { milestones: PathwayMilestone[]; canManage: boolean; onChanged: () => void }) {
  const { t } = useTranslation();
  const sorted = [...milestones].sort((a, b) => a.dueOn.localeCompare(b.dueOn));
  return (
    // Focusable, so a keyboard can scroll the table sideways on a phone.
    <div className="k-table-wrap" tabIndex={0} role="group" aria-labelledby="milestones-heading">
      <Table>
        <Table.Head>
          <Table.Row>
            <Table.HeaderCell>{t('pathway.milestone')}</Table.HeaderCell>
            <Table.HeaderCell>{t('pathway.due')}</Table.HeaderCell>
            <Table.HeaderCell>{t('right.statusLabel')}</Table.HeaderCell>
            {canManage && <Table.HeaderCell>{t('pathway.actions')}</Table.HeaderCell>}
          </Table.Row>
        </Table.Head>
        <Table.Body>
          {sorted.map((m) => (
            <Table.Row key={m.id}>
              <Table.Cell>
                <strong id={`ms-${m.id}-title`}>{m.title}</strong>
                {m.metBy && <div className="k-muted">{m.metBy}</div>}
                {m.deviationReason && (
                  <div>
                    {t('pathway.reason')}: {m.deviationReason}
                  </div>
                )}
              </Table.Cell>
              <Table.Cell>{formatDate(m.dueOn)}</Table.Cell>
              <Table.Cell>
                <MilestoneTag status={m.status} />
                <div className="k-muted">{milestoneWhen(t, m)}</div>
              </Table.Cell>
              {canManage && (
                <Table.Cell>
                  <MilestoneActions milestone={m} onChanged={onChanged} />
                </Table.Cell>
              )}
            </Table.Row>
          ))}
        </Table.Body>
      </Table>
    </div>
  );
}

type ItemChange = { status?: TransitionItemStatus };

function TransitionCard({
  transition,
  child,
  canManage,
  myMemberIds,
  onChanged,
}: {
  transition: PathwayTransition;
  child: WorkspaceChild;
  canManage: boolean;
  myMemberIds: Set<string>;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const [form, setForm] = useState({ title: '', ownerMemberId: '', dueOn: '' });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [itemErrors, setItemErrors] = useState<FieldError[]>([]);
  const [added, setAdded] = useState(false);
  const [adding, add] = useMutation(PathwayAddTransitionItemDocument);
  const [updating, update] = useMutation(PathwayUpdateTransitionItemDocument);
  const prefix = `tr-${transition.id}`;
  const headingId = `${prefix}-heading`;
  async function change(item: PathwayTransition['items'][number], patch: ItemChange) {
    const response = await update({ input: { itemId: item.id, version: item.version, ...patch } });
    const found = response.data?.updateTransitionItem.errors ?? [];
    setItemErrors(found);
    if (!found.length) onChanged();
  }
  return (
    <section className="k-stack" aria-labelledby={headingId}>
      <Heading level={4} data-size="2xs" id={headingId}>
        {transition.title}
        {transition.dueOn ? ` – ${t('pathway.when.due', { date: formatDate(transition.dueOn) })}` : ''}
      </Heading>
      <PlanFormErrors errors={itemErrors} prefix={prefix} fields={[]} />
      <RequestError error={updating.error} />
      {transition.items.length === 0 ? (
        <Paragraph>{t('pathway.noItems')}</Paragraph>
      ) : (
        <ul className="k-stack">
          {transition.items.map((item) => {
            const mayUpdate = canManage || (item.owner && myMemberIds.has(item.owner.id));
            return (
              <li key={item.id}>
                <div>
                  <strong id={`item-${item.id}`}>{item.title}</strong>
                  {item.owner ? ` – ${memberName(item.owner)}` : ''}
                  {item.dueOn ? ` – ${t('pathway.when.due', { date: formatDate(item.dueOn) })}` : ''}
                </div>
                {mayUpdate ? (
                  <div className="k-form-narrow">
                  <ChoiceField
                    id={`item-${item.id}-status`}
                    label={t('pathway.itemStatusFor', { title: item.title })}
                    value={item.status}
                    onChange={(status) => void change(item, { status: status as TransitionItemStatus })}
                    choices={ITEM_STATUSES.map((s) => ({ value: s, label: t(`pathway.itemStatus.${s}`) }))}
                  />
                  </div>
                ) : (
                  <div>{t(`pathway.itemStatus.${item.status}`)}</div>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {canManage && (
        <Details>
          <Details.Summary>{t('pathway.addItem')}</Details.Summary>
          <Details.Content>
            <form
              className="k-stack"
              aria-label={t('pathway.addItemTo', { title: transition.title })}
              noValidate
              onSubmit={async (event: FormEvent) => {
                event.preventDefault();
                setAdded(false);
                const response = await add({
                  input: {
                    transitionId: transition.id,
                    title: form.title,
                    ownerMemberId: form.ownerMemberId || null,
                    dueOn: form.dueOn || null,
                  },
                });
                const found = response.data?.addTransitionItem.errors ?? [];
                setErrors(found);
                if (!found.length) {
                  setAdded(true);
                  setForm({ title: '', ownerMemberId: '', dueOn: '' });
                  onChanged();
                }
              }}
            >
              <PlanFormErrors errors={errors} prefix={prefix} fields={['title', 'ownerMemberId', 'dueOn']} />
              <RequestError error={adding.error} />
              <PlanTextField prefix={prefix} name="title" label={t('pathway.itemTitle')} value={form.title} onChange={(title) => setForm({ ...form, title })} errors={errors} />
              <ChoiceField
                id={`${prefix}-ownerMemberId`}
                label={t('pathway.owner')}
                value={form.ownerMemberId}
                onChange={(ownerMemberId) => setForm({ ...form, ownerMemberId })}
                choices={child.network
                  .filter((m) => m.isActive && m.role !== 'CHILD')
                  .map((m) => ({ value: m.id, label: memberName(m) }))}
                empty={t('pathway.noOwner')}
                error={errorFor(errors, 'ownerMemberId')}
              />
              <PlanTextField prefix={prefix} name="dueOn" type="date" label={t('pathway.due')} value={form.dueOn} onChange={(dueOn) => setForm({ ...form, dueOn })} errors={errors} />
              <Done show={added} text={t('pathway.itemAdded')} />
              <div>
                <Button type="submit" data-size="sm" disabled={adding.fetching}>
                  {t('pathway.addItem')}
                </Button>
              </div>
            </form>
          </Details.Content>
        </Details>
      )}
    </section>
  );
}

function StartTransition({ childId, onChanged }: { childId: string; onChanged: () => void }) {
  const { t } = useTranslation();
  const [form, setForm] = useState({ kind: 'HOSPITAL_TO_HOME' as TransitionKind, dueOn: '' });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [result, start] = useMutation(PathwayStartTransitionDocument);
  const prefix = 'start-transition';
  return (
    <form
      className="k-stack k-form"
      aria-label={t('pathway.startTransition')}
      noValidate
      onSubmit={async (event: FormEvent) => {
        event.preventDefault();
        setDone(false);
        const response = await start({ input: { childId, kind: form.kind, dueOn: form.dueOn || null } });
        const found = response.data?.startTransition.errors ?? [];
        setErrors(found);
        if (!found.length) {
          setDone(true);
          onChanged();
        }
      }}
    >
      <PlanFormErrors errors={errors} prefix={prefix} fields={['kind', 'dueOn']} />
      <RequestError error={result.error} />
      <ChoiceField
        id={`${prefix}-kind`}
        label={t('pathway.transitionKind')}
        value={form.kind}
        onChange={(kind) => setForm({ ...form, kind: kind as TransitionKind })}
        choices={TRANSITION_KINDS.map((k) => ({ value: k, label: t(`pathway.transitionKinds.${k}`) }))}
        error={errorFor(errors, 'kind')}
      />
      <PlanTextField prefix={prefix} name="dueOn" type="date" label={t('pathway.due')} value={form.dueOn} onChange={(dueOn) => setForm({ ...form, dueOn })} errors={errors} />
      <Done show={done} text={t('pathway.transitionStarted')} />
      <div>
        <Button type="submit" data-size="sm" disabled={result.fetching}>
          {t('pathway.startTransition')}
        </Button>
      </div>
    </form>
  );
}

function Signals({ childId, isStaff, changes }: { childId: string; isStaff: boolean; changes: number }) {
  const { t } = useTranslation();
  const [{ data, error }, refetch] = useQuery({ query: PathwaySignalsDocument, variables: { id: childId } });
  useReloadOnChange(changes, () => refetch({ requestPolicy: 'network-only' }));
  const [form, setForm] = useState({ kind: 'SCHOOL_ABSENCE' as SignalKind, description: '', category: '' });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [result, record] = useMutation(PathwayRecordSignalDocument);
  const prefix = 'signal';
  const signals = data?.child?.signals ?? [];
  return (
    <section className="k-stack" aria-labelledby="signals-heading">
      <Heading level={3} data-size="xs" id="signals-heading">
        {t('pathway.signals')}
      </Heading>
      <RequestError error={error} />
      {signals.length === 0 ? (
        <Paragraph>{t('pathway.noSignals')}</Paragraph>
      ) : (
        <ul className="k-stack">
          {signals.map((s) => (
            <li key={s.id}>
              <strong>{t(`pathway.signalKinds.${s.kind}`)}</strong> – {s.description}
              <div className="k-muted">
                {s.recordedByName}, {formatDateTime(s.recordedAt)} · {t(`plan.categories.${s.category}`)}
              </div>
            </li>
          ))}
        </ul>
      )}
      {isStaff && (
        <Details>
          <Details.Summary>{t('pathway.recordSignal')}</Details.Summary>
          <Details.Content>
            <form
              className="k-stack k-form"
              aria-label={t('pathway.recordSignal')}
              noValidate
              onSubmit={async (event: FormEvent) => {
                event.preventDefault();
                setDone(false);
                const response = await record({
                  input: {
                    childId,
                    kind: form.kind,
                    description: form.description,
                    category: (form.category || null) as PlanCategory | null,
                  },
                });
                const found = response.data?.recordSignal.errors ?? [];
                setErrors(found);
                if (!found.length) {
                  setDone(true);
                  setForm({ ...form, description: '' });
                  refetch({ requestPolicy: 'network-only' });
                }
              }}
            >
              <PlanFormErrors errors={errors} prefix={prefix} fields={['kind', 'description', 'category']} />
              <RequestError error={result.error} />
              <ChoiceField
                id={`${prefix}-kind`}
                label={t('pathway.signalKind')}
                value={form.kind}
                onChange={(kind) => setForm({ ...form, kind: kind as SignalKind })}
                choices={SIGNAL_KINDS.map((k) => ({ value: k, label: t(`pathway.signalKinds.${k}`) }))}
                error={errorFor(errors, 'kind')}
              />
              <PlanTextField prefix={prefix} name="description" multiline label={t('pathway.signalDescription')} value={form.description} onChange={(description) => setForm({ ...form, description })} errors={errors} />
              <ChoiceField
                id={`${prefix}-category`}
                label={t('pathway.signalCategory')}
                value={form.category}
                onChange={(category) => setForm({ ...form, category })}
                choices={CATEGORIES.map((c) => ({ value: c, label: t(`plan.categories.${c}`) }))}
                empty={t('pathway.categoryOfService')}
                error={errorFor(errors, 'category')}
              />
              <Done show={done} text={t('pathway.signalRecorded')} />
              <div>
                <Button type="submit" data-size="sm" disabled={result.fetching}>
                  {t('pathway.recordSignal')}
                </Button>
              </div>
            </form>
          </Details.Content>
        </Details>
      )}
    </section>
  );
}

function Requests({ childId, changes, me }: { childId: string; changes: number; me: Me }) {
  const { t } = useTranslation();
  const [{ data, error }, refetch] = useQuery({ query: RightOfChildDocument, variables: { id: childId } });
  useReloadOnChange(changes, () => refetch({ requestPolicy: 'network-only' }));
  const requests = data?.child?.coordinatorRequests ?? [];
  return (
    <section className="k-stack" aria-labelledby="child-requests-heading">
      <Heading level={3} data-size="xs" id="child-requests-heading">
        {t('pathway.requests')}
      </Heading>
      <RequestError error={error} />
      {requests.length === 0 ? (
        <Paragraph>{t('pathway.noRequests')}</Paragraph>
      ) : (
        requests.map((request) => (
          <div key={request.id} className="k-stack">
            <div className="k-row">
              <strong>{formatDateTime(request.submittedAt)}</strong>
              <StatusTag status={request.status} />
            </div>
            <NextStep request={request} headingLevel={4} asFamilyReads={me.kind === 'STAFF'} />
            <Trail request={request} label={t('right.family.trailFor', { name: request.childName })} />
          </div>
        ))
      )}
    </section>
  );
}

/** The child's pathway (forløp): milestones, transitions, signals and the request trail. */
export function PathwayPanel({
  child,
  me,
  canManage,
  myMemberIds,
  changes,
  opened,
}: {
  child: WorkspaceChild;
  me: Me;
  canManage: boolean;
  myMemberIds: Set<string>;
  changes: number;
  opened: boolean;
}) {
  const { t } = useTranslation();
  const [{ data, fetching, error }, refetch] = useQuery({
    query: PathwayOfChildDocument,
    variables: { id: child.id },
    pause: !opened,
  });
  const reload = () => refetch({ requestPolicy: 'network-only' });
  useReloadOnChange(changes, () => opened && reload());
  if (!opened) return null;
  if (fetching && !data) return <Spinner aria-label={t('app.loading')} />;
  const pathway = data?.child?.pathway;
  const transitions = data?.child?.transitions ?? [];
  return (
    <div className="k-stack">
      <Heading level={2} data-size="sm">
        {t('pathway.title')}
      </Heading>
      <RequestError error={error} />
      <section className="k-stack" aria-labelledby="milestones-heading">
        <Heading level={3} data-size="xs" id="milestones-heading">
          {t('pathway.milestones')}
        </Heading>
        {pathway ? (
          <>
            <Paragraph className="k-muted">
              {t('pathway.startedOn', { name: pathway.templateName, date: formatDate(pathway.startedOn) })}
            </Paragraph>
            <Milestones milestones={pathway.milestones} canManage={canManage} onChanged={reload} />
          </>
        ) : (
          <Paragraph>{t('pathway.noPathway')}</Paragraph>
        )}
      </section>
      <section className="k-stack" aria-labelledby="transitions-heading">
        <Heading level={3} data-size="xs" id="transitions-heading">
          {t('pathway.transitions')}
        </Heading>
        {transitions.length === 0 && <Paragraph>{t('pathway.noTransitions')}</Paragraph>}
        {transitions.map((transition) => (
          <TransitionCard
            key={transition.id}
            transition={transition}
            child={child}
            canManage={canManage}
            myMemberIds={myMemberIds}
            onChanged={reload}
          />
        ))}
        {canManage && (
          <Details>
            <Details.Summary>{t('pathway.startTransition')}</Details.Summary>
            <Details.Content>
              <StartTransition childId={child.id} onChanged={reload} />
            </Details.Content>
          </Details>
        )}
      </section>
      <Signals childId={child.id} isStaff={me.kind === 'STAFF'} changes={changes} />
      <Requests childId={child.id} changes={changes} me={me} />
    </div>
  );
}

import { Alert, Button, Details, Heading, Paragraph, Spinner, Tag } from '@digdir/designsystemet-react';
import { useCallback, useMemo, useState } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery } from 'urql';

import { RequestError } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import { ScoreChart } from '../components/ScoreChart';
import { ageOn, formatDate, formatDateTime } from '../format';
import { PlanConfirmDocument, PlanForFamilyDocument, PlanUpdateDocument } from '../gql/graphql';
import type { MemberFieldsFragment } from '../gql/graphql';
import { useReloadOnChange } from '../live';
import {
  Done,
  LIFE_AREAS,
  PlanContext,
  PlanFormErrors,
  PlanTextField,
  byHeading,
  hasConflict,
  memberName,
  usePlan,
} from './common';
import type { PlanData, PlanMeasure, PlanScope } from './common';
import { DisagreementList, RecordDisagreement } from './Disagreements';
import { AddVoice, VoiceList } from './Voices';
import './plan.css';

type Level = 3 | 4;

/** What the family may do in the plan (the policies decide again on the server). */
export type FamilyRights = { confirms: boolean; speaks: boolean; addsVoice: boolean };

/**
 * Guardians with parental responsibility confirm the plan, write what matters to the family
 * and disagree; from 16 the young person does. From 12 the child adds their own voice.
 */
export function familyRights(membership: MemberFieldsFragment | null, birthDate: string | null): FamilyRights {
  const age = ageOn(birthDate);
  const responsible = membership?.role === 'GUARDIAN' && membership.hasParentalResponsibility;
  const young = membership?.role === 'CHILD' && age !== null;
  const speaks = responsible || (young && age >= 16);
  return {
    confirms: (responsible && (age === null || age < 16)) || (young && age >= 16),
    speaks,
    addsVoice: speaks || (young && age >= 12),
  };
}

/** "What matters to us", in the family's own words (only that part of the plan). */
function EditSummary({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const { plan, reload, conflict, ids } = usePlan();
  const [text, setText] = useState(plan.familySummary ?? '');
  const [baseVersion] = useState(plan.version);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, update] = useMutation(PlanUpdateDocument);
  const prefix = `${ids}-summary-edit`;
  return (
    <form
      className="k-stack"
      aria-label={t('plan.family.editSummary')}
      noValidate
      onSubmit={async (event) => {
        event.preventDefault();
        const response = await update({ input: { id: plan.id, version: baseVersion, familySummary: text || null } });
        const found = response.data?.updatePlan.errors ?? [];
        if (hasConflict(found)) {
          onDone();
          conflict();
          return;
        }
        setErrors(found);
        if (!found.length) {
          reload();
          onDone();
        }
      }}
    >
      <PlanFormErrors errors={errors} prefix={prefix} fields={['familySummary']} />
      <RequestError error={result.error} />
      <PlanTextField
        prefix={prefix}
        name="familySummary"
        multiline
        label={t('plan.family.whatMatters')}
        description={t('plan.familySummaryHelp')}
        value={text}
        onChange={setText}
        errors={errors}
      />
      <div className="k-row">
        <Button type="submit" data-size="sm" disabled={result.fetching}>
          {t('plan.save')}
        </Button>
        <Button type="button" data-size="sm" variant="secondary" onClick={onDone}>
          {t('plan.cancel')}
        </Button>
      </div>
    </form>
  );
}

function Summary({ level, speaks }: { level: Level; speaks: boolean }) {
  const { t } = useTranslation();
  const { plan, ids, labelledBy } = usePlan();
  const [editing, setEditing] = useState(false);
  return (
    <section className="k-stack" aria-labelledby={labelledBy(`${ids}-summary`)}>
      <Heading level={level} data-size="xs" id={`${ids}-summary`}>
        {t('plan.family.whatMatters')}
      </Heading>
      {editing ? (
        <EditSummary onDone={() => setEditing(false)} />
      ) : (
        <>
          <Paragraph className="k-pre">{plan.familySummary || t('plan.family.noSummary')}</Paragraph>
          {speaks && (
            <div>
              <Button variant="secondary" data-size="sm" onClick={() => setEditing(true)}>
                {t('plan.family.editSummary')}
              </Button>
            </div>
          )}
        </>
      )}
    </section>
  );
}

function Confirm({ allowed }: { allowed: boolean }) {
  const { t } = useTranslation();
  const { plan, reload } = usePlan();
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [result, confirm] = useMutation(PlanConfirmDocument);
  const current = plan.confirmations.filter((c) => c.revision === plan.revision);
  return (
    <div className="k-stack k-plan-confirm">
      <Done show={done} text={t('plan.family.thanks')} />
      {!plan.needsConfirmation && current.length > 0 ? (
        <Paragraph>
          <Tag data-color="success">{t('plan.confirmed')}</Tag>{' '}
          {current
            .map((c) => t('plan.family.confirmedBy', { name: c.personName, date: formatDateTime(c.confirmedAt) }))
            .join(' ')}
        </Paragraph>
      ) : allowed ? (
        <>
          <Paragraph>
            {plan.confirmedRevision === null ? t('plan.family.pleaseConfirm') : t('plan.family.changedSince')}
          </Paragraph>
          <PlanFormErrors errors={errors} prefix="plan-confirm" fields={[]} />
          <RequestError error={result.error} />
          <div>
            <Button
              disabled={result.fetching}
              onClick={async () => {
                setDone(false);
                const response = await confirm({ input: { planId: plan.id, revision: plan.revision } });
                const found = response.data?.confirmPlan.errors ?? [];
                setErrors(found);
                if (!found.length) setDone(true);
                reload();
              }}
            >
              {t('plan.family.confirm')}
            </Button>
          </div>
        </>
      ) : (
        <Paragraph>{t('plan.family.notConfirmed')}</Paragraph>
      )}
    </div>
  );
}

function when(measure: PlanMeasure, t: TFunction): string | null {
  if (measure.startsOn && measure.endsOn) {
    return t('plan.fromTo', { from: formatDate(measure.startsOn), to: formatDate(measure.endsOn) });
  }
  if (measure.startsOn) return t('plan.from', { date: formatDate(measure.startsOn) });
  if (measure.endsOn) return t('plan.until', { date: formatDate(measure.endsOn) });
  return null;
}

function Facts({ items }: { items: [string, string | null | undefined][] }) {
  const shown = items.filter(([, value]) => !!value);
  if (!shown.length) return null;
  return (
    <dl className="k-facts">
      {shown.map(([label, value]) => (
        <div key={label} style={{ display: 'contents' }}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function FamilySections({ plan, level, rights }: { plan: PlanData; level: Level; rights: FamilyRights }) {
  const { t } = useTranslation();
  const { ids, labelledBy } = usePlan();
  const sub = (level + 1) as 4 | 5;
  const areas = LIFE_AREAS.filter((area) => plan.needs.some((n) => n.lifeArea === area));
  const tasks = [...plan.tasks].sort((a, b) => a.dueOn.localeCompare(b.dueOn));
  return (
    <div className="k-stack k-family-plan">
      <Confirm allowed={rights.confirms} />
      <Facts
        items={[
          [
            t('plan.family.period'),
            plan.periodEnd
              ? t('plan.fromTo', { from: formatDate(plan.periodStart), to: formatDate(plan.periodEnd) })
              : t('plan.from', { date: formatDate(plan.periodStart) }),
          ],
          [t('plan.family.nextRevision'), plan.nextRevisionOn && formatDate(plan.nextRevisionOn)],
          [t('network.coordinator'), memberName(plan.coordinator) || t('network.noCoordinator')],
        ]}
      />

      <Summary level={level} speaks={rights.speaks} />

      <section className="k-stack" aria-labelledby={labelledBy(`${ids}-needs`)}>
        <Heading level={level} data-size="xs" id={`${ids}-needs`}>
          {t('plan.family.needs')}
        </Heading>
        {areas.length === 0 ? (
          <Paragraph>{t('plan.family.noNeeds')}</Paragraph>
        ) : (
          <dl className="k-facts">
            {areas.map((area) => (
              <div key={area} style={{ display: 'contents' }}>
                <dt>{t(`plan.lifeAreas.${area}`)}</dt>
                <dd>
                  <ul className="k-plan-list">
                    {plan.needs
                      .filter((n) => n.lifeArea === area)
                      .map((n) => (
                        <li key={n.id} className="k-pre">
                          {n.description}
                        </li>
                      ))}
                  </ul>
                </dd>
              </div>
            ))}
          </dl>
        )}
      </section>

      <section className="k-stack" aria-labelledby={labelledBy(`${ids}-goals`)}>
        <Heading level={level} data-size="xs" id={`${ids}-goals`}>
          {t('plan.family.goals')}
        </Heading>
        {plan.goals.length === 0 && <Paragraph>{t('plan.family.noGoals')}</Paragraph>}
        {plan.goals.map((goal) => (
          <article key={goal.id} className="k-stack k-plan-item" aria-labelledby={`${ids}-goal-${goal.id}`}>
            <Heading level={sub} data-size="2xs" id={`${ids}-goal-${goal.id}`} className="k-pre">
              {goal.text}
            </Heading>
            <span className="k-muted">{t(`plan.family.goalVoices.${goal.inWhoseWords}`)}</span>
            <ScoreChart scores={goal.scores} goal={goal.text} />
            {goal.nextEvaluationOn && (
              <span>{t('plan.family.nextLook', { date: formatDate(goal.nextEvaluationOn) })}</span>
            )}
          </article>
        ))}
      </section>

      <section className="k-stack" aria-labelledby={labelledBy(`${ids}-measures`)}>
        <Heading level={level} data-size="xs" id={`${ids}-measures`}>
          {t('plan.family.measures')}
        </Heading>
        {plan.measures.length === 0 && <Paragraph>{t('plan.family.noMeasures')}</Paragraph>}
        {plan.measures.map((measure) => (
          <article key={measure.id} className="k-stack k-plan-item" aria-labelledby={`${ids}-measure-${measure.id}`}>
            <Heading level={sub} data-size="2xs" id={`${ids}-measure-${measure.id}`}>
              {measure.title}
            </Heading>
            {measure.description && <Paragraph className="k-pre">{measure.description}</Paragraph>}
            <Facts
              items={[
                [t('plan.family.who'), memberName(measure.responsible) || measure.service?.name],
                [t('plan.family.howOften'), measure.frequency],
                [t('plan.family.when'), when(measure, t)],
                [t('plan.family.status'), t(`plan.family.measureStatuses.${measure.status}`)],
              ]}
            />
          </article>
        ))}
      </section>

      <section className="k-stack" aria-labelledby={labelledBy(`${ids}-tasks`)}>
        <Heading level={level} data-size="xs" id={`${ids}-tasks`}>
          {t('plan.family.tasks')}
        </Heading>
        {tasks.length === 0 ? (
          <Paragraph>{t('plan.family.noTasks')}</Paragraph>
        ) : (
          <ul className="k-plan-list">
            {tasks.map((task) => (
              <li key={task.id} className="k-plan-item">
                <strong>{task.title}</strong>
                <div>
                  {[
                    memberName(task.assignee),
                    t('plan.family.by', { date: formatDate(task.dueOn) }),
                    t(`plan.family.taskStatuses.${task.status}`),
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section className="k-stack" aria-labelledby={labelledBy(`${ids}-voices`)}>
        <Heading level={level} data-size="xs" id={`${ids}-voices`}>
          {t('plan.family.voices')}
        </Heading>
        <Paragraph>{t('plan.family.voicesIntro')}</Paragraph>
        <VoiceList staff={false} />
        {rights.addsVoice && (
          <Details>
            <Details.Summary>{t('plan.family.addVoiceTitle')}</Details.Summary>
            <Details.Content>
              <AddVoice prefix={`${ids}-voice`} family />
            </Details.Content>
          </Details>
        )}
      </section>

      <section className="k-stack" aria-labelledby={labelledBy(`${ids}-disagreements`)}>
        <Heading level={level} data-size="xs" id={`${ids}-disagreements`}>
          {t('plan.family.disagreements')}
        </Heading>
        <Paragraph>{t('plan.family.disagreementsIntro')}</Paragraph>
        <DisagreementList staff={false} />
        {rights.speaks && (
          <Details>
            <Details.Summary>{t('plan.family.disagreeTitle')}</Details.Summary>
            <Details.Content>
              <RecordDisagreement prefix={`${ids}-disagreement`} family />
            </Details.Content>
          </Details>
        )}
      </section>
    </div>
  );
}

/**
 * The plan for the family (guardians, the young person): in plain words, no codes; confirm it,
 * add the child's voice, say where you disagree. Follows the live feed through `changes`.
 */
export function FamilyPlan({
  childId,
  birthDate,
  membership,
  myName,
  changes,
  level,
  titleId,
}: {
  childId: string;
  birthDate: string | null;
  membership: MemberFieldsFragment | null;
  myName: string | null;
  changes: number;
  level: Level;
  /** The element that names the plan (the child's), when a page shows several. */
  titleId?: string;
}) {
  const { t } = useTranslation();
  const [{ data, fetching, error }, refetch] = useQuery({ query: PlanForFamilyDocument, variables: { childId } });
  const reload = useCallback(() => refetch({ requestPolicy: 'network-only' }), [refetch]);
  useReloadOnChange(changes, reload);
  const plan = data?.child?.plan ?? null;
  const [conflicted, setConflicted] = useState(false);
  const scope = useMemo<PlanScope | null>(
    () =>
      plan && {
        plan,
        municipalityId: null,
        editable: true,
        role: membership?.role ?? null,
        myName,
        reload,
        conflict: () => {
          setConflicted(true);
          reload();
        },
        ids: `family-${childId}`,
        labelledBy: titleId ? (heading: string) => `${heading} ${titleId}` : byHeading,
      },
    [plan, reload, childId, membership?.role, myName, titleId],
  );
  if (fetching && !data) return <Spinner aria-label={t('app.loading')} />;
  if (error && !data) return <RequestError error={error} />;
  if (!plan || !scope) return <Paragraph>{t('plan.family.noPlan')}</Paragraph>;
  return (
    <PlanContext.Provider value={scope}>
      {conflicted && (
        <Alert data-color="warning" role="alert">
          {t('plan.conflict')}
        </Alert>
      )}
      <FamilySections plan={plan} level={level} rights={familyRights(membership, birthDate)} />
    </PlanContext.Provider>
  );
}

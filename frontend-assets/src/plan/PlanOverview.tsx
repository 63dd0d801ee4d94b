import { Alert, Button, Heading, Paragraph, Tag } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation } from 'urql';

import { RequestError } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import { formatDate, formatDateTime, todayInOslo } from '../format';
import { PlanCreateDocument, PlanUpdateDocument } from '../gql/graphql';
import { PlanFormErrors, PlanTextField, hasConflict, memberName, usePlan } from './common';
import type { PlanData } from './common';

const FIELDS = ['periodStart', 'periodEnd', 'familySummary', 'nextRevisionOn'];

type PlanForm = { periodStart: string; periodEnd: string; familySummary: string; nextRevisionOn: string };

function PlanFields({
  prefix,
  form,
  setForm,
  errors,
}: {
  prefix: string;
  form: PlanForm;
  setForm: (form: PlanForm) => void;
  errors: FieldError[];
}) {
  const { t } = useTranslation();
  return (
    <>
      <PlanTextField
        prefix={prefix}
        name="periodStart"
        type="date"
        label={t('plan.periodStart')}
        value={form.periodStart}
        onChange={(periodStart) => setForm({ ...form, periodStart })}
        errors={errors}
      />
      <PlanTextField
        prefix={prefix}
        name="periodEnd"
        type="date"
        label={t('plan.periodEnd')}
        value={form.periodEnd}
        onChange={(periodEnd) => setForm({ ...form, periodEnd })}
        errors={errors}
      />
      <PlanTextField
        prefix={prefix}
        name="familySummary"
        multiline
        label={t('plan.familySummary')}
        description={t('plan.familySummaryHelp')}
        value={form.familySummary}
        onChange={(familySummary) => setForm({ ...form, familySummary })}
        errors={errors}
      />
      <PlanTextField
        prefix={prefix}
        name="nextRevisionOn"
        type="date"
        label={t('plan.nextRevisionOn')}
        value={form.nextRevisionOn}
        onChange={(nextRevisionOn) => setForm({ ...form, nextRevisionOn })}
        errors={errors}
      />
    </>
  );
}

/** The first plan for a child: its period, the family's own words and when to revise it. */
export function CreatePlan({ childId, onCreated }: { childId: string; onCreated: () => void }) {
  const { t } = useTranslation();
  const [form, setForm] = useState<PlanForm>({
    periodStart: todayInOslo(),
    periodEnd: '',
    familySummary: '',
    nextRevisionOn: '',
  });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, create] = useMutation(PlanCreateDocument);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const response = await create({
      input: {
        childId,
        periodStart: form.periodStart,
        periodEnd: form.periodEnd || null,
        familySummary: form.familySummary || null,
        nextRevisionOn: form.nextRevisionOn || null,
      },
    });
    const found = response.data?.createPlan.errors ?? [];
    setErrors(found);
    if (!found.length && response.data?.createPlan.plan) onCreated();
  }
  return (
    <form onSubmit={submit} className="k-stack" aria-labelledby="plan-create-heading" noValidate>
      <Heading level={3} data-size="xs" id="plan-create-heading">
        {t('plan.createTitle')}
      </Heading>
      <PlanFormErrors errors={errors} prefix="plan-create" fields={FIELDS} />
      <RequestError error={result.error} />
      <PlanFields prefix="plan-create" form={form} setForm={setForm} errors={errors} />
      <div>
        <Button type="submit" disabled={result.fetching}>
          {t('plan.create')}
        </Button>
      </div>
    </form>
  );
}

function EditPlan({ plan, onDone }: { plan: PlanData; onDone: () => void }) {
  const { t } = useTranslation();
  const { reload, conflict } = usePlan();
  const [form, setForm] = useState<PlanForm>({
    periodStart: plan.periodStart,
    periodEnd: plan.periodEnd ?? '',
    familySummary: plan.familySummary ?? '',
    nextRevisionOn: plan.nextRevisionOn ?? '',
  });
  // The version the edit started from: a live refresh must not move it (no silent overwrite).
  const [baseVersion] = useState(plan.version);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, update] = useMutation(PlanUpdateDocument);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const response = await update({
      input: {
        id: plan.id,
        version: baseVersion,
        periodStart: form.periodStart,
        periodEnd: form.periodEnd || null,
        familySummary: form.familySummary || null,
        nextRevisionOn: form.nextRevisionOn || null,
      },
    });
    const found = response.data?.updatePlan.errors ?? [];
    if (hasConflict(found)) {
      onDone();
      conflict();
      return;
    }
    setErrors(found);
    if (!found.length && response.data?.updatePlan.plan) {
      reload();
      onDone();
    }
  }
  return (
    <form onSubmit={submit} className="k-stack" aria-labelledby="plan-edit-heading" noValidate>
      <Heading level={3} data-size="xs" id="plan-edit-heading">
        {t('plan.editTitle')}
      </Heading>
      <PlanFormErrors errors={errors} prefix="plan-edit" fields={FIELDS} />
      <RequestError error={result.error} />
      <PlanFields prefix="plan-edit" form={form} setForm={setForm} errors={errors} />
      <div className="k-row">
        <Button type="submit" disabled={result.fetching}>
          {t('plan.save')}
        </Button>
        <Button type="button" variant="secondary" onClick={onDone}>
          {t('plan.cancel')}
        </Button>
      </div>
    </form>
  );
}

/** Whether the current revision is confirmed by the family, in words and as a tag. */
export function ConfirmationStatus({ plan }: { plan: PlanData }) {
  const { t } = useTranslation();
  const current = plan.confirmations.filter((c) => c.revision === plan.revision);
  if (!plan.needsConfirmation && current.length > 0) {
    return (
      <div className="k-row">
        <Tag data-color="success">{t('plan.confirmed')}</Tag>
        <span>
          {current
            .map((c) => t('plan.confirmedBy', { name: c.personName, date: formatDateTime(c.confirmedAt) }))
            .join(' · ')}
        </span>
      </div>
    );
  }
  return (
    <div className="k-row">
      <Tag data-color="warning">{t('plan.notConfirmed')}</Tag>
      {plan.confirmedRevision !== null && (
        <span>{t('plan.lastConfirmed', { revision: plan.confirmedRevision })}</span>
      )}
    </div>
  );
}

/** The plan's frame: period, revision, who coordinates, who takes part, the family's words. */
export function PlanOverview({ plan }: { plan: PlanData }) {
  const { t } = useTranslation();
  const { editable, role, ids, labelledBy } = usePlan();
  const [editing, setEditing] = useState(false);
  const today = todayInOslo();
  const revisionDue = !!plan.nextRevisionOn && plan.nextRevisionOn < today;
  return (
    <section className="k-stack" aria-labelledby={labelledBy(`${ids}-overview-heading`)}>
      <Heading level={3} data-size="xs" id={`${ids}-overview-heading`}>
        {t('plan.overview')}
      </Heading>
      <ConfirmationStatus plan={plan} />
      {editing ? (
        <EditPlan plan={plan} onDone={() => setEditing(false)} />
      ) : (
        <>
          <dl className="k-facts">
            <dt>{t('plan.period')}</dt>
            <dd>
              {plan.periodEnd
                ? t('plan.fromTo', { from: formatDate(plan.periodStart), to: formatDate(plan.periodEnd) })
                : t('plan.from', { date: formatDate(plan.periodStart) })}
            </dd>
            <dt>{t('plan.revision')}</dt>
            <dd>{plan.revision}</dd>
            <dt>{t('plan.nextRevisionOn')}</dt>
            <dd>
              {plan.nextRevisionOn ? formatDate(plan.nextRevisionOn) : t('plan.notSet')}
              {revisionDue && (
                <>
                  {' '}
                  <Tag data-color="danger" data-size="sm">
                    {t('plan.revisionOverdue')}
                  </Tag>
                </>
              )}
            </dd>
            <dt>{t('network.coordinator')}</dt>
            <dd>{memberName(plan.coordinator) || t('network.noCoordinator')}</dd>
            <dt>{t('plan.participants')}</dt>
            <dd>{plan.participants.map(memberName).filter(Boolean).join(', ') || t('plan.none')}</dd>
          </dl>
          <div className="k-stack">
            <Heading level={4} data-size="2xs">
              {t('plan.familySummary')}
            </Heading>
            <Paragraph className="k-pre">{plan.familySummary || t('plan.noFamilySummary')}</Paragraph>
          </div>
          {editable && role === 'COORDINATOR' && !plan.isHistorical && (
            <div>
              <Button variant="secondary" onClick={() => setEditing(true)}>
                {t('plan.edit')}
              </Button>
            </div>
          )}
        </>
      )}
    </section>
  );
}

/** What needs attention now: overdue evaluations and tasks, open disagreements. */
export function PlanAttention({ plan }: { plan: PlanData }) {
  const { t } = useTranslation();
  const items = [
    plan.overdueEvaluationCount > 0 && t('plan.badges.overdueEvaluations', { count: plan.overdueEvaluationCount }),
    plan.overdueTaskCount > 0 && t('plan.badges.overdueTasks', { count: plan.overdueTaskCount }),
    plan.openDisagreementCount > 0 && t('plan.badges.openDisagreements', { count: plan.openDisagreementCount }),
  ].filter((item): item is string => !!item);
  if (!items.length || plan.isHistorical) return null;
  return (
    <Alert data-color="warning">
      <Heading level={3} data-size="xs">
        {t('plan.attention')}
      </Heading>
      <ul>
        {items.map((item) => (
          <li key={item}>{item}</li>
        ))}
      </ul>
    </Alert>
  );
}

import { Button, Card, Details, Heading, Paragraph, Tag } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery } from 'urql';

import { ChoiceField } from '../components/ChoiceField';
import { RequestError, errorFor } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import { formatDate } from '../format';
import { CatalogueMeasuresDocument, PlanAddMeasureDocument, PlanUpdateMeasureDocument } from '../gql/graphql';
import type {
  CatalogueMeasuresQuery,
  PlanCategory,
  MeasureProvision,
  MeasureStatus,
} from '../gql/graphql';
import {
  CATEGORIES,
  Done,
  MEASURE_STATUSES,
  PROVISIONS,
  PlanCheckboxes,
  PlanFormErrors,
  PlanTextField,
  formatCost,
  hasConflict,
  memberName,
  numberErrors,
  usePlan,
  wholeNumber,
} from './common';
import type { PlanData, PlanMeasure } from './common';
import { EvaluationList, RecordEvaluation } from './Evaluations';
import { NextEvaluation } from './GoalsSection';

type CatalogueEntry = CatalogueMeasuresQuery['measureCatalogue'][number];

const FIELDS = [
  'catalogueMeasureId',
  'title',
  'description',
  'provision',
  'serviceId',
  'responsibleMemberId',
  'frequency',
  'startsOn',
  'endsOn',
  'monthlyCost',
  'status',
  'needIds',
  'goalIds',
  'evaluationEveryWeeks',
  'category',
];

type MeasureForm = {
  catalogueMeasureId: string;
  title: string;
  description: string;
  provision: MeasureProvision;
  serviceId: string;
  responsibleMemberId: string;
  frequency: string;
  startsOn: string;
  endsOn: string;
  monthlyCost: string;
  status: MeasureStatus;
  needIds: string[];
  goalIds: string[];
  evaluationEveryWeeks: string;
  category: PlanCategory | '';
};

const EMPTY: MeasureForm = {
  catalogueMeasureId: '',
  title: '',
  description: '',
  provision: 'IN_HOUSE',
  serviceId: '',
  responsibleMemberId: '',
  frequency: '',
  startsOn: '',
  endsOn: '',
  monthlyCost: '',
  status: 'PLANNED',
  needIds: [],
  goalIds: [],
  evaluationEveryWeeks: '',
  category: '',
};

function services(plan: PlanData): { value: string; label: string }[] {
  const found = new Map<string, string>();
  for (const member of plan.participants) if (member.service) found.set(member.service.id, member.service.name);
  return [...found].map(([value, label]) => ({ value, label }));
}

function catalogueLabel(entry: CatalogueEntry, t: TFunction): string {
  const parts = [entry.title, t(`plan.evidence.${entry.evidenceLevel}`)];
  if (entry.capacity !== null) parts.push(t('plan.capacity', { inUse: entry.inUse, capacity: entry.capacity }));
  return parts.join(' – ');
}

/** The kommune's catalogue: picking one fills the form, which can then be adjusted. */
function CataloguePicker({
  prefix,
  form,
  setForm,
  errors,
}: {
  prefix: string;
  form: MeasureForm;
  setForm: (form: MeasureForm) => void;
  errors: FieldError[];
}) {
  const { t, i18n } = useTranslation();
  const { municipalityId } = usePlan();
  const [{ data }] = useQuery({
    query: CatalogueMeasuresDocument,
    variables: { municipalityId: municipalityId ?? '' },
    pause: !municipalityId,
  });
  const entries = data?.measureCatalogue ?? [];
  // Shown from the start (not when the catalogue arrives), so the form does not move under a click.
  if (!municipalityId) return null;
  const chosen = entries.find((e) => e.id === form.catalogueMeasureId);
  return (
    <div className="k-stack">
      <ChoiceField
        id={`${prefix}-catalogueMeasureId`}
        label={t('plan.fromCatalogue')}
        value={form.catalogueMeasureId}
        onChange={(id) => {
          const entry = entries.find((e) => e.id === id);
          setForm(
            entry
              ? {
                  ...form,
                  catalogueMeasureId: entry.id,
                  title: entry.title,
                  description: entry.description ?? '',
                  provision: entry.provision,
                  monthlyCost: entry.monthlyCost === null ? '' : String(entry.monthlyCost),
                }
              : { ...form, catalogueMeasureId: '' },
          );
        }}
        choices={entries.map((entry) => ({ value: entry.id, label: catalogueLabel(entry, t) }))}
        empty={t('plan.notFromCatalogue')}
        error={errorFor(errors, 'catalogueMeasureId')}
      />
      {chosen && (
        <Paragraph data-size="sm" className="k-muted">
          {[
            chosen.provider && t('plan.provider', { name: chosen.provider }),
            t(`plan.provisions.${chosen.provision}`),
            chosen.monthlyCost !== null &&
              t('plan.costPerMonth', { cost: formatCost(chosen.monthlyCost, i18n.language) }),
          ]
            .filter(Boolean)
            .join(' · ')}
        </Paragraph>
      )}
    </div>
  );
}

function MeasureFields({
  prefix,
  form,
  setForm,
  errors,
  adding,
}: {
  prefix: string;
  form: MeasureForm;
  setForm: (form: MeasureForm) => void;
  errors: FieldError[];
  adding: boolean;
}) {
  const { t } = useTranslation();
  const { plan } = usePlan();
  return (
    <>
      {adding && <CataloguePicker prefix={prefix} form={form} setForm={setForm} errors={errors} />}
      <PlanTextField
        prefix={prefix}
        name="title"
        label={t('plan.measureTitle')}
        value={form.title}
        onChange={(title) => setForm({ ...form, title })}
        errors={errors}
      />
      <PlanTextField
        prefix={prefix}
        name="description"
        multiline
        label={t('plan.measureDescription')}
        value={form.description}
        onChange={(description) => setForm({ ...form, description })}
        errors={errors}
      />
      <PlanCheckboxes
        prefix={prefix}
        name="needIds"
        legend={t('plan.measureNeeds')}
        description={t('plan.measureReasonHelp')}
        options={plan.needs.map((need) => ({
          value: need.id,
          label: `${t(`plan.lifeAreas.${need.lifeArea}`)}: ${need.description}`,
        }))}
        selected={form.needIds}
        onChange={(needIds) => setForm({ ...form, needIds })}
        errors={errors}
        empty={<Paragraph className="k-muted">{t('plan.noNeeds')}</Paragraph>}
      />
      <PlanCheckboxes
        prefix={prefix}
        name="goalIds"
        legend={t('plan.measureGoals')}
        options={plan.goals.map((goal) => ({ value: goal.id, label: goal.text }))}
        selected={form.goalIds}
        onChange={(goalIds) => setForm({ ...form, goalIds })}
        errors={errors}
        empty={<Paragraph className="k-muted">{t('plan.noGoals')}</Paragraph>}
      />
      <ChoiceField
        id={`${prefix}-provision`}
        label={t('plan.provision')}
        value={form.provision}
        onChange={(provision) => setForm({ ...form, provision: provision as MeasureProvision })}
        choices={PROVISIONS.map((p) => ({ value: p, label: t(`plan.provisions.${p}`) }))}
        error={errorFor(errors, 'provision')}
      />
      <ChoiceField
        id={`${prefix}-serviceId`}
        label={t('plan.service')}
        value={form.serviceId}
        onChange={(serviceId) => setForm({ ...form, serviceId })}
        choices={services(plan)}
        empty={t('plan.noService')}
        error={errorFor(errors, 'serviceId')}
      />
      <ChoiceField
        id={`${prefix}-responsibleMemberId`}
        label={t('plan.responsible')}
        value={form.responsibleMemberId}
        onChange={(responsibleMemberId) => setForm({ ...form, responsibleMemberId })}
        choices={plan.participants.map((m) => ({ value: m.id, label: memberName(m) }))}
        empty={t('plan.chooseMember')}
        error={errorFor(errors, 'responsibleMemberId')}
      />
      <PlanTextField
        prefix={prefix}
        name="frequency"
        label={t('plan.frequency')}
        description={t('plan.frequencyHelp')}
        value={form.frequency}
        onChange={(frequency) => setForm({ ...form, frequency })}
        errors={errors}
      />
      <PlanTextField
        prefix={prefix}
        name="startsOn"
        type="date"
        label={t('plan.startsOn')}
        value={form.startsOn}
        onChange={(startsOn) => setForm({ ...form, startsOn })}
        errors={errors}
      />
      <PlanTextField
        prefix={prefix}
        name="endsOn"
        type="date"
        label={t('plan.endsOn')}
        value={form.endsOn}
        onChange={(endsOn) => setForm({ ...form, endsOn })}
        errors={errors}
      />
      <PlanTextField
        prefix={prefix}
        name="monthlyCost"
        inputMode="numeric"
        label={t('plan.monthlyCost')}
        description={t('plan.monthlyCostHelp')}
        value={form.monthlyCost}
        onChange={(monthlyCost) => setForm({ ...form, monthlyCost })}
        errors={errors}
      />
      <ChoiceField
        id={`${prefix}-status`}
        label={t('plan.status')}
        value={form.status}
        onChange={(status) => setForm({ ...form, status: status as MeasureStatus })}
        choices={MEASURE_STATUSES.map((s) => ({ value: s, label: t(`plan.measureStatuses.${s}`) }))}
        error={errorFor(errors, 'status')}
      />
      <PlanTextField
        prefix={prefix}
        name="evaluationEveryWeeks"
        inputMode="numeric"
        label={t('plan.evaluationEveryWeeks')}
        value={form.evaluationEveryWeeks}
        onChange={(evaluationEveryWeeks) => setForm({ ...form, evaluationEveryWeeks })}
        errors={errors}
      />
      {adding && (
        <ChoiceField
          id={`${prefix}-category`}
          label={t('plan.category')}
          value={form.category}
          onChange={(category) => setForm({ ...form, category: category as PlanCategory | '' })}
          choices={CATEGORIES.map((c) => ({ value: c, label: t(`plan.categories.${c}`) }))}
          empty={t('plan.categoryDefault')}
          error={errorFor(errors, 'category')}
        />
      )}
    </>
  );
}

function fieldsOf(form: MeasureForm) {
  return {
    title: form.title,
    description: form.description || null,
    provision: form.provision,
    serviceId: form.serviceId || null,
    responsibleMemberId: form.responsibleMemberId || null,
    frequency: form.frequency || null,
    startsOn: form.startsOn || null,
    endsOn: form.endsOn || null,
    monthlyCost: wholeNumber(form.monthlyCost) ?? null,
    status: form.status,
    needIds: form.needIds,
    goalIds: form.goalIds,
    evaluationEveryWeeks: wholeNumber(form.evaluationEveryWeeks) ?? null,
  };
}

function localErrors(form: MeasureForm, t: TFunction): FieldError[] {
  return numberErrors(
    { monthlyCost: form.monthlyCost, evaluationEveryWeeks: form.evaluationEveryWeeks },
    t('plan.wholeNumber'),
  );
}

function AddMeasure() {
  const { t } = useTranslation();
  const { plan, reload } = usePlan();
  const [form, setForm] = useState<MeasureForm>(EMPTY);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [result, add] = useMutation(PlanAddMeasureDocument);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    const local = localErrors(form, t);
    if (local.length) return setErrors(local);
    const response = await add({
      input: {
        planId: plan.id,
        ...fieldsOf(form),
        catalogueMeasureId: form.catalogueMeasureId || null,
        category: form.category || null,
      },
    });
    const found = response.data?.addMeasure.errors ?? [];
    setErrors(found);
    if (!found.length && response.data?.addMeasure.measure) {
      setDone(true);
      setForm(EMPTY);
      reload();
    }
  }
  return (
    <form onSubmit={submit} className="k-stack" aria-label={t('plan.addMeasureTitle')} noValidate>
      <Done show={done} text={t('plan.measureAdded')} />
      <PlanFormErrors errors={errors} prefix="measure-new" fields={FIELDS} />
      <RequestError error={result.error} />
      <MeasureFields prefix="measure-new" form={form} setForm={setForm} errors={errors} adding />
      <div>
        <Button type="submit" disabled={result.fetching}>
          {t('plan.addMeasure')}
        </Button>
      </div>
    </form>
  );
}

function EditMeasure({ measure, onDone }: { measure: PlanMeasure; onDone: () => void }) {
  const { t } = useTranslation();
  const { reload, conflict } = usePlan();
  const prefix = `measure-${measure.id}`;
  const [form, setForm] = useState<MeasureForm>({
    catalogueMeasureId: measure.catalogueMeasure?.id ?? '',
    title: measure.title,
    description: measure.description ?? '',
    provision: measure.provision,
    serviceId: measure.service?.id ?? '',
    responsibleMemberId: measure.responsible?.id ?? '',
    frequency: measure.frequency ?? '',
    startsOn: measure.startsOn ?? '',
    endsOn: measure.endsOn ?? '',
    monthlyCost: measure.monthlyCost === null ? '' : String(measure.monthlyCost),
    status: measure.status,
    needIds: measure.needs.map((n) => n.id),
    goalIds: measure.goals.map((g) => g.id),
    evaluationEveryWeeks: measure.evaluationEveryWeeks === null ? '' : String(measure.evaluationEveryWeeks),
    category: measure.category,
  });
  const [baseVersion] = useState(measure.version);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, update] = useMutation(PlanUpdateMeasureDocument);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const local = localErrors(form, t);
    if (local.length) return setErrors(local);
    const response = await update({ input: { id: measure.id, version: baseVersion, ...fieldsOf(form) } });
    const found = response.data?.updateMeasure.errors ?? [];
    if (hasConflict(found)) {
      onDone();
      conflict();
      return;
    }
    setErrors(found);
    if (!found.length && response.data?.updateMeasure.measure) {
      reload();
      onDone();
    }
  }
  return (
    <form
      onSubmit={submit}
      className="k-stack"
      aria-label={t('plan.editMeasureNamed', { name: measure.title })}
      noValidate
    >
      <PlanFormErrors errors={errors} prefix={prefix} fields={FIELDS} />
      <RequestError error={result.error} />
      <MeasureFields prefix={prefix} form={form} setForm={setForm} errors={errors} adding={false} />
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

const STATUS_COLOR: Record<MeasureStatus, 'info' | 'success' | 'warning' | 'neutral'> = {
  PLANNED: 'info',
  ACTIVE: 'success',
  PAUSED: 'warning',
  ENDED: 'neutral',
};

function period(measure: PlanMeasure, t: TFunction): string {
  if (measure.startsOn && measure.endsOn) {
    return t('plan.fromTo', { from: formatDate(measure.startsOn), to: formatDate(measure.endsOn) });
  }
  if (measure.startsOn) return t('plan.from', { date: formatDate(measure.startsOn) });
  if (measure.endsOn) return t('plan.until', { date: formatDate(measure.endsOn) });
  return t('plan.notSet');
}

function MeasureCard({ measure }: { measure: PlanMeasure }) {
  const { t, i18n } = useTranslation();
  const { plan, editable } = usePlan();
  const [editing, setEditing] = useState(false);
  const writable = editable && !plan.isHistorical;
  const needs = plan.needs.filter((n) => measure.needs.some((m) => m.id === n.id));
  const goals = plan.goals.filter((g) => measure.goals.some((m) => m.id === g.id));
  return (
    <Card data-color={measure.evaluationOverdue ? 'danger' : 'neutral'} className="k-plan-card">
      <div className="k-stack">
        <Heading level={4} data-size="2xs">
          {measure.title}
        </Heading>
        <div className="k-row">
          <Tag data-color={STATUS_COLOR[measure.status]} data-size="sm">
            {t(`plan.measureStatuses.${measure.status}`)}
          </Tag>
          <NextEvaluation on={measure.nextEvaluationOn} overdue={measure.evaluationOverdue} />
        </div>
        {measure.description && <Paragraph className="k-pre">{measure.description}</Paragraph>}
        <dl className="k-facts">
          <dt>{t('plan.responsible')}</dt>
          <dd>{memberName(measure.responsible) || t('plan.notSet')}</dd>
          <dt>{t('plan.service')}</dt>
          <dd>{measure.service?.name ?? t('plan.noService')}</dd>
          <dt>{t('plan.provision')}</dt>
          <dd>{t(`plan.provisions.${measure.provision}`)}</dd>
          <dt>{t('plan.frequency')}</dt>
          <dd>{measure.frequency || t('plan.notSet')}</dd>
          <dt>{t('plan.period')}</dt>
          <dd>{period(measure, t)}</dd>
          {measure.monthlyCost !== null && (
            <>
              <dt>{t('plan.monthlyCost')}</dt>
              <dd>{formatCost(measure.monthlyCost, i18n.language)}</dd>
            </>
          )}
          <dt>{t('plan.why')}</dt>
          <dd>
            {[...needs.map((n) => n.description), ...goals.map((g) => g.text)].join('; ') || t('plan.notSet')}
          </dd>
          {measure.catalogueMeasure && (
            <>
              <dt>{t('plan.fromCatalogue')}</dt>
              <dd>{measure.catalogueMeasure.title}</dd>
            </>
          )}
        </dl>
        <Details>
          <Details.Summary>{t('plan.evaluationsCount', { count: measure.evaluations.length })}</Details.Summary>
          <Details.Content>
            <EvaluationList evaluations={measure.evaluations} />
          </Details.Content>
        </Details>
        {writable && (
          <RecordEvaluation
            target={{ measureId: measure.id }}
            prefix={`evaluation-measure-${measure.id}`}
            what={measure.title}
          />
        )}
        {writable &&
          (editing ? (
            <EditMeasure measure={measure} onDone={() => setEditing(false)} />
          ) : (
            <div>
              <Button
                variant="tertiary"
                data-size="sm"
                aria-label={t('plan.editMeasureNamed', { name: measure.title })}
                onClick={() => setEditing(true)}
              >
                {t('plan.change')}
              </Button>
            </div>
          ))}
      </div>
    </Card>
  );
}

/** Measures (tiltak): who does what, how often, from when to when, and why. */
export function MeasuresSection() {
  const { t } = useTranslation();
  const { plan, editable, ids, labelledBy } = usePlan();
  return (
    <section className="k-stack" aria-labelledby={labelledBy(`${ids}-measures-heading`)}>
      <Heading level={3} data-size="xs" id={`${ids}-measures-heading`}>
        {t('plan.measures')}
      </Heading>
      {plan.measures.length === 0 && <Paragraph>{t('plan.noMeasures')}</Paragraph>}
      <div className="k-stack">
        {plan.measures.map((measure) => (
          <MeasureCard key={measure.id} measure={measure} />
        ))}
      </div>
      {editable && !plan.isHistorical && (
        <Details>
          <Details.Summary>{t('plan.addMeasureTitle')}</Details.Summary>
          <Details.Content>
            <AddMeasure />
          </Details.Content>
        </Details>
      )}
    </section>
  );
}

import { Button, Card, Details, Heading, Paragraph, Tag } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation } from 'urql';

import { ChoiceField } from '../components/ChoiceField';
import { RequestError, errorFor } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import { ScoreChart } from '../components/ScoreChart';
import { formatDate } from '../format';
import { PlanAddGoalDocument, PlanUpdateGoalDocument } from '../gql/graphql';
import type { GoalVoice } from '../gql/graphql';
import {
  Done,
  GOAL_VOICES,
  PlanCheckboxes,
  PlanFormErrors,
  PlanTextField,
  hasConflict,
  numberErrors,
  usePlan,
  wholeNumber,
} from './common';
import type { PlanGoal } from './common';
import { EvaluationList, RecordEvaluation } from './Evaluations';

const FIELDS = ['text', 'inWhoseWords', 'needIds', 'evaluationEveryWeeks'];

type GoalForm = { text: string; inWhoseWords: GoalVoice; needIds: string[]; evaluationEveryWeeks: string };

function GoalFields({
  prefix,
  form,
  setForm,
  errors,
  withVoice,
}: {
  prefix: string;
  form: GoalForm;
  setForm: (form: GoalForm) => void;
  errors: FieldError[];
  withVoice: boolean;
}) {
  const { t } = useTranslation();
  const { plan } = usePlan();
  return (
    <>
      <PlanTextField
        prefix={prefix}
        name="text"
        multiline
        label={t('plan.goalText')}
        description={t('plan.goalTextHelp')}
        value={form.text}
        onChange={(text) => setForm({ ...form, text })}
        errors={errors}
      />
      {withVoice && (
        <ChoiceField
          id={`${prefix}-inWhoseWords`}
          label={t('plan.inWhoseWords')}
          value={form.inWhoseWords}
          onChange={(inWhoseWords) => setForm({ ...form, inWhoseWords: inWhoseWords as GoalVoice })}
          choices={GOAL_VOICES.map((v) => ({ value: v, label: t(`plan.goalVoices.${v}`) }))}
          error={errorFor(errors, 'inWhoseWords')}
        />
      )}
      <PlanCheckboxes
        prefix={prefix}
        name="needIds"
        legend={t('plan.goalNeeds')}
        options={plan.needs.map((need) => ({
          value: need.id,
          label: `${t(`plan.lifeAreas.${need.lifeArea}`)}: ${need.description}`,
        }))}
        selected={form.needIds}
        onChange={(needIds) => setForm({ ...form, needIds })}
        errors={errors}
        empty={<Paragraph className="k-muted">{t('plan.noNeeds')}</Paragraph>}
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
    </>
  );
}

function AddGoal() {
  const { t } = useTranslation();
  const { plan, reload } = usePlan();
  const empty: GoalForm = { text: '', inWhoseWords: 'CHILD', needIds: [], evaluationEveryWeeks: '' };
  const [form, setForm] = useState<GoalForm>(empty);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [result, add] = useMutation(PlanAddGoalDocument);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    const local = numberErrors({ evaluationEveryWeeks: form.evaluationEveryWeeks }, t('plan.wholeNumber'));
    if (local.length) return setErrors(local);
    const response = await add({
      input: {
        planId: plan.id,
        text: form.text,
        inWhoseWords: form.inWhoseWords,
        needIds: form.needIds,
        evaluationEveryWeeks: wholeNumber(form.evaluationEveryWeeks) ?? null,
      },
    });
    const found = response.data?.addGoal.errors ?? [];
    setErrors(found);
    if (!found.length && response.data?.addGoal.goal) {
      setDone(true);
      setForm(empty);
      reload();
    }
  }
  return (
    <form onSubmit={submit} className="k-stack" aria-label={t('plan.addGoalTitle')} noValidate>
      <Done show={done} text={t('plan.goalAdded')} />
      <PlanFormErrors errors={errors} prefix="goal-new" fields={FIELDS} />
      <RequestError error={result.error} />
      <GoalFields prefix="goal-new" form={form} setForm={setForm} errors={errors} withVoice />
      <div>
        <Button type="submit" disabled={result.fetching}>
          {t('plan.addGoal')}
        </Button>
      </div>
    </form>
  );
}

function EditGoal({ goal, onDone }: { goal: PlanGoal; onDone: () => void }) {
  const { t } = useTranslation();
  const { reload, conflict } = usePlan();
  const prefix = `goal-${goal.id}`;
  const [form, setForm] = useState<GoalForm>({
    text: goal.text,
    inWhoseWords: goal.inWhoseWords,
    needIds: goal.needs.map((n) => n.id),
    evaluationEveryWeeks: goal.evaluationEveryWeeks === null ? '' : String(goal.evaluationEveryWeeks),
  });
  const [baseVersion] = useState(goal.version);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, update] = useMutation(PlanUpdateGoalDocument);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const local = numberErrors({ evaluationEveryWeeks: form.evaluationEveryWeeks }, t('plan.wholeNumber'));
    if (local.length) return setErrors(local);
    const response = await update({
      input: {
        id: goal.id,
        version: baseVersion,
        text: form.text,
        needIds: form.needIds,
        evaluationEveryWeeks: wholeNumber(form.evaluationEveryWeeks) ?? null,
      },
    });
    const found = response.data?.updateGoal.errors ?? [];
    if (hasConflict(found)) {
      onDone();
      conflict();
      return;
    }
    setErrors(found);
    if (!found.length && response.data?.updateGoal.goal) {
      reload();
      onDone();
    }
  }
  return (
    <form
      onSubmit={submit}
      className="k-stack"
      aria-label={t('plan.editGoalNamed', { name: goal.text.slice(0, 60) })}
      noValidate
    >
      <PlanFormErrors errors={errors} prefix={prefix} fields={FIELDS} />
      <RequestError error={result.error} />
      <GoalFields prefix={prefix} form={form} setForm={setForm} errors={errors} withVoice={false} />
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

/** "Next evaluation 3 Mar 2026" with a red tag when it is overdue. */
export function NextEvaluation({ on, overdue }: { on: string | null; overdue: boolean }) {
  const { t } = useTranslation();
  if (!on && !overdue) return null;
  return (
    <span className="k-row">
      {on && <span>{t('plan.nextEvaluation', { date: formatDate(on) })}</span>}
      {overdue && (
        <Tag data-color="danger" data-size="sm">
          {t('plan.evaluationOverdue')}
        </Tag>
      )}
    </span>
  );
}

function GoalCard({ goal }: { goal: PlanGoal }) {
  const { t } = useTranslation();
  const { plan, editable } = usePlan();
  const [editing, setEditing] = useState(false);
  const needs = plan.needs.filter((n) => goal.needs.some((g) => g.id === n.id));
  const writable = editable && !plan.isHistorical;
  return (
    <Card data-color={goal.evaluationOverdue ? 'danger' : 'neutral'} className="k-plan-card">
      <div className="k-stack">
        <Heading level={4} data-size="2xs" className="k-pre">
          {goal.text}
        </Heading>
        <div className="k-row">
          <Tag data-color="info" data-size="sm">
            {t(`plan.goalVoices.${goal.inWhoseWords}`)}
          </Tag>
          <NextEvaluation on={goal.nextEvaluationOn} overdue={goal.evaluationOverdue} />
        </div>
        {needs.length > 0 && (
          <span className="k-muted">
            {t('plan.forNeeds', { needs: needs.map((n) => n.description).join('; ') })}
          </span>
        )}
        {goal.evaluationEveryWeeks !== null && (
          <span className="k-muted">{t('plan.everyWeeks', { count: goal.evaluationEveryWeeks })}</span>
        )}
        <ScoreChart scores={goal.scores} goal={goal.text} />
        <Details>
          <Details.Summary>{t('plan.evaluationsCount', { count: goal.evaluations.length })}</Details.Summary>
          <Details.Content>
            <EvaluationList evaluations={goal.evaluations} />
          </Details.Content>
        </Details>
        {writable && (
          <RecordEvaluation target={{ goalId: goal.id }} prefix={`evaluation-goal-${goal.id}`} what={goal.text} />
        )}
        {writable &&
          (editing ? (
            <EditGoal goal={goal} onDone={() => setEditing(false)} />
          ) : (
            <div>
              <Button variant="tertiary" data-size="sm" onClick={() => setEditing(true)}>
                {t('plan.changeGoal')}
              </Button>
            </div>
          ))}
      </div>
    </Card>
  );
}

/** Goals (mål), preferably in the child's or family's own words, with their scores over time. */
export function GoalsSection() {
  const { t } = useTranslation();
  const { plan, editable, ids, labelledBy } = usePlan();
  return (
    <section className="k-stack" aria-labelledby={labelledBy(`${ids}-goals-heading`)}>
      <Heading level={3} data-size="xs" id={`${ids}-goals-heading`}>
        {t('plan.goals')}
      </Heading>
      {plan.goals.length === 0 && <Paragraph>{t('plan.noGoals')}</Paragraph>}
      <div className="k-stack">
        {plan.goals.map((goal) => (
          <GoalCard key={goal.id} goal={goal} />
        ))}
      </div>
      {editable && !plan.isHistorical && (
        <Details>
          <Details.Summary>{t('plan.addGoalTitle')}</Details.Summary>
          <Details.Content>
            <AddGoal />
          </Details.Content>
        </Details>
      )}
    </section>
  );
}

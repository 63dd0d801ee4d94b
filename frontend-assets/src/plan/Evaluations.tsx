import { Button, Details, Paragraph, Tag } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation } from 'urql';

import { ChoiceField } from '../components/ChoiceField';
import { RequestError, errorFor } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import { signedScore } from '../components/ScoreChart';
import { formatDate, todayInOslo } from '../format';
import { PlanRecordEvaluationDocument } from '../gql/graphql';
import type { EvaluationDecision } from '../gql/graphql';
import {
  DECISIONS,
  Done,
  PlanCheckboxes,
  PlanFormErrors,
  PlanTextField,
  SCORE_CHOICES,
  memberName,
  usePlan,
} from './common';
import type { PlanEvaluation } from './common';

const DECISION_COLOR: Record<EvaluationDecision, 'success' | 'warning' | 'neutral'> = {
  CONTINUE: 'success',
  ADJUST: 'warning',
  END: 'neutral',
};

const FIELDS = ['evaluatedOn', 'score', 'observed', 'participantMemberIds', 'familyView', 'decision'];

/** "+1 Somewhat better than expected" */
function scoreText(score: number, t: (key: string) => string): string {
  return `${signedScore(score)} ${t(`plan.scores.${score}`)}`;
}

/** The dated judgements of one goal or measure, newest first. */
export function EvaluationList({ evaluations }: { evaluations: PlanEvaluation[] }) {
  const { t } = useTranslation();
  if (!evaluations.length) return <Paragraph className="k-muted">{t('plan.noEvaluations')}</Paragraph>;
  const newestFirst = [...evaluations].sort((a, b) => b.evaluatedOn.localeCompare(a.evaluatedOn));
  return (
    <ul className="k-plan-list">
      {newestFirst.map((evaluation) => (
        <li key={evaluation.id} className="k-plan-item k-stack">
          <div className="k-row">
            <strong>{formatDate(evaluation.evaluatedOn)}</strong>
            {evaluation.score !== null && <span>{scoreText(evaluation.score, t)}</span>}
            <Tag data-color={DECISION_COLOR[evaluation.decision]} data-size="sm">
              {t(`plan.decisions.${evaluation.decision}`)}
            </Tag>
          </div>
          <span className="k-pre">{evaluation.observed}</span>
          {evaluation.familyView && (
            <span className="k-pre">
              <strong>{t('plan.familyView')}:</strong> {evaluation.familyView}
            </span>
          )}
          {evaluation.participants.length > 0 && (
            <span className="k-muted">
              {t('plan.evaluatedWith', { names: evaluation.participants.map(memberName).join(', ') })}
            </span>
          )}
          {evaluation.recordedByName && (
            <span className="k-muted">{t('plan.recordedBy', { name: evaluation.recordedByName })}</span>
          )}
        </li>
      ))}
    </ul>
  );
}

/** Record an evaluation (evaluering) of a goal (with its score) or of a measure. */
export function RecordEvaluation({
  target,
  prefix,
  what,
}: {
  target: { goalId: string } | { measureId: string };
  prefix: string;
  what: string;
}) {
  const { t } = useTranslation();
  const { plan, reload } = usePlan();
  const forGoal = 'goalId' in target;
  const empty = {
    evaluatedOn: todayInOslo(),
    score: forGoal ? '0' : '',
    observed: '',
    participantMemberIds: [] as string[],
    familyView: '',
    decision: 'CONTINUE' as EvaluationDecision,
  };
  const [form, setForm] = useState(empty);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [result, record] = useMutation(PlanRecordEvaluationDocument);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    const response = await record({
      input: {
        ...target,
        evaluatedOn: form.evaluatedOn,
        score: form.score === '' ? null : Number(form.score),
        observed: form.observed,
        participantMemberIds: form.participantMemberIds,
        familyView: form.familyView || null,
        decision: form.decision,
      },
    });
    const found = response.data?.recordEvaluation.errors ?? [];
    setErrors(found);
    if (!found.length && response.data?.recordEvaluation.evaluation) {
      setDone(true);
      setForm(empty);
      reload();
    }
  }
  return (
    <Details>
      <Details.Summary>{t('plan.recordEvaluation')}</Details.Summary>
      <Details.Content>
        <form onSubmit={submit} className="k-stack" aria-label={t('plan.recordEvaluationTitle', { what })} noValidate>
          <Done show={done} text={t('plan.evaluationRecorded')} />
          <PlanFormErrors errors={errors} prefix={prefix} fields={FIELDS} />
          <RequestError error={result.error} />
          <PlanTextField
            prefix={prefix}
            name="evaluatedOn"
            type="date"
            label={t('plan.evaluatedOn')}
            value={form.evaluatedOn}
            onChange={(evaluatedOn) => setForm({ ...form, evaluatedOn })}
            errors={errors}
          />
          <ChoiceField
            id={`${prefix}-score`}
            label={t('plan.score')}
            value={form.score}
            onChange={(score) => setForm({ ...form, score })}
            choices={SCORE_CHOICES.map((score) => ({ value: String(score), label: scoreText(score, t) }))}
            empty={forGoal ? undefined : t('plan.noScore')}
            error={errorFor(errors, 'score')}
          />
          <PlanTextField
            prefix={prefix}
            name="observed"
            multiline
            label={t('plan.observed')}
            value={form.observed}
            onChange={(observed) => setForm({ ...form, observed })}
            errors={errors}
          />
          <PlanCheckboxes
            prefix={prefix}
            name="participantMemberIds"
            legend={t('plan.evaluationParticipants')}
            options={plan.participants.map((m) => ({ value: m.id, label: memberName(m) }))}
            selected={form.participantMemberIds}
            onChange={(participantMemberIds) => setForm({ ...form, participantMemberIds })}
            errors={errors}
          />
          <PlanTextField
            prefix={prefix}
            name="familyView"
            multiline
            label={t('plan.familyView')}
            description={t('plan.familyViewHelp')}
            value={form.familyView}
            onChange={(familyView) => setForm({ ...form, familyView })}
            errors={errors}
          />
          <ChoiceField
            id={`${prefix}-decision`}
            label={t('plan.decision')}
            value={form.decision}
            onChange={(decision) => setForm({ ...form, decision: decision as EvaluationDecision })}
            choices={DECISIONS.map((d) => ({ value: d, label: t(`plan.decisions.${d}`) }))}
            error={errorFor(errors, 'decision')}
          />
          <div>
            <Button type="submit" disabled={result.fetching}>
              {t('plan.saveEvaluation')}
            </Button>
          </div>
        </form>
      </Details.Content>
    </Details>
  );
}

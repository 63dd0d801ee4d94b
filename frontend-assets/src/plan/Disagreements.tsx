import { Button, Checkbox, Fieldset, Tag } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { useMutation } from 'urql';

import { ChoiceField } from '../components/ChoiceField';
import { RequestError, errorFor } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import { formatDate, formatDateTime } from '../format';
import {
  PlanAnswerDisagreementDocument,
  PlanRaiseDisagreementDocument,
  PlanRecordDisagreementDocument,
} from '../gql/graphql';
import type { DisagreementStatus } from '../gql/graphql';
import { Done, PlanFormErrors, PlanTextField, hasConflict, usePlan } from './common';
import type { PlanData, PlanDisagreement } from './common';

const STATUS_COLOR: Record<DisagreementStatus, 'warning' | 'info' | 'danger' | 'success'> = {
  OPEN: 'warning',
  ANSWERED: 'info',
  RAISED: 'danger',
  RESOLVED: 'success',
};

/** Every evaluation of the plan, with what it evaluated: to name one, or to pick one. */
function evaluations(plan: PlanData, t: TFunction) {
  const found: { id: string; label: string }[] = [];
  for (const goal of plan.goals) {
    for (const e of goal.evaluations) {
      found.push({ id: e.id, label: t('plan.evaluationOf', { what: goal.text, date: formatDate(e.evaluatedOn) }) });
    }
  }
  for (const measure of plan.measures) {
    for (const e of measure.evaluations) {
      found.push({ id: e.id, label: t('plan.evaluationOf', { what: measure.title, date: formatDate(e.evaluatedOn) }) });
    }
  }
  return found;
}

function subject(disagreement: PlanDisagreement, plan: PlanData, t: TFunction): string {
  if (disagreement.measureId) {
    const measure = plan.measures.find((m) => m.id === disagreement.measureId);
    return measure ? t('plan.aboutMeasure', { what: measure.title }) : t('plan.aboutAMeasure');
  }
  if (disagreement.evaluationId) {
    const evaluation = evaluations(plan, t).find((e) => e.id === disagreement.evaluationId);
    return evaluation ? evaluation.label : t('plan.aboutAnEvaluation');
  }
  return t('plan.aboutWholePlan');
}

function Answer({ disagreement }: { disagreement: PlanDisagreement }) {
  const { t } = useTranslation();
  const { reload, conflict } = usePlan();
  const prefix = `disagreement-${disagreement.id}`;
  const [form, setForm] = useState({ answer: disagreement.answer ?? '', resolved: false });
  // The version the answer was written against; after a save, the saved one.
  const [baseVersion, setBaseVersion] = useState(disagreement.version);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [result, answer] = useMutation(PlanAnswerDisagreementDocument);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const response = await answer({
      input: { id: disagreement.id, version: baseVersion, answer: form.answer, resolved: form.resolved },
    });
    const found = response.data?.answerDisagreement.errors ?? [];
    if (hasConflict(found)) return conflict();
    setErrors(found);
    const saved = response.data?.answerDisagreement.disagreement;
    setDone(!found.length && !!saved);
    if (!found.length && saved) {
      setBaseVersion(saved.version);
      reload();
    }
  }
  return (
    <form onSubmit={submit} noValidate>
      {/* A group, not a named form: answers to the same words must not be landmarks of one name. */}
      <Fieldset className="k-stack">
        <Fieldset.Legend>{t('plan.answerOf', { text: disagreement.text.slice(0, 60) })}</Fieldset.Legend>
        <Done show={done} text={t('plan.answerSent')} />
        <PlanFormErrors errors={errors} prefix={prefix} fields={['answer']} />
        <RequestError error={result.error} />
        <PlanTextField
          prefix={prefix}
          name="answer"
          multiline
          label={t('plan.answer')}
          value={form.answer}
          onChange={(value) => setForm({ ...form, answer: value })}
          errors={errors}
        />
        <Checkbox
          label={t('plan.resolved')}
          checked={form.resolved}
          onChange={(e) => setForm({ ...form, resolved: e.target.checked })}
        />
        <div>
          <Button type="submit" data-size="sm" disabled={result.fetching}>
            {t('plan.sendAnswer')}
          </Button>
        </div>
      </Fieldset>
    </form>
  );
}

function Raise({ disagreement, family }: { disagreement: PlanDisagreement; family: boolean }) {
  const { t } = useTranslation();
  const { reload, conflict } = usePlan();
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, raise] = useMutation(PlanRaiseDisagreementDocument);
  return (
    <div className="k-stack">
      <PlanFormErrors errors={errors} prefix={`raise-${disagreement.id}`} fields={[]} />
      <RequestError error={result.error} />
      <div>
        <Button
          variant="secondary"
          data-size="sm"
          disabled={result.fetching}
          onClick={async () => {
            const response = await raise({ input: { id: disagreement.id, version: disagreement.version } });
            const found = response.data?.raiseDisagreement.errors ?? [];
            if (hasConflict(found)) return conflict();
            setErrors(found);
            if (!found.length) reload();
          }}
        >
          {family ? t('plan.family.raise') : t('plan.raise')}
        </Button>
      </div>
    </div>
  );
}

/** Disagreements (uenighet) with the plan, a measure or an evaluation, tracked to an answer. */
export function DisagreementList({ staff }: { staff: boolean }) {
  const { t } = useTranslation();
  const { plan, editable, role, myName } = usePlan();
  const writable = editable && !plan.isHistorical;
  // The coordinator answers and raises; whoever disagreed may raise their own.
  const answers = staff && role === 'COORDINATOR';
  const raises = (d: PlanDisagreement) =>
    answers || (!!myName && d.raisedByName === myName && (d.status === 'OPEN' || d.status === 'ANSWERED'));
  if (!plan.disagreements.length) return <p>{t('plan.noDisagreements')}</p>;
  const newestFirst = [...plan.disagreements].sort((a, b) => b.raisedAt.localeCompare(a.raisedAt));
  return (
    <ul className="k-plan-list">
      {newestFirst.map((d) => (
        <li key={d.id} className="k-plan-item k-stack">
          <div className="k-row">
            <Tag data-color={STATUS_COLOR[d.status]} data-size="sm">
              {staff ? t(`plan.disagreementStatuses.${d.status}`) : t(`plan.family.disagreementStatuses.${d.status}`)}
            </Tag>
            <span>{subject(d, plan, t)}</span>
          </div>
          <span className="k-pre">{d.text}</span>
          <span className="k-muted">
            {[d.raisedByName, formatDateTime(d.raisedAt)].filter(Boolean).join(' · ')}
          </span>
          {d.answer && (
            <div className="k-pre">
              <strong>
                {d.answeredByName ? t('plan.answerBy', { name: d.answeredByName }) : t('plan.answer')}:
              </strong>{' '}
              {d.answer}
            </div>
          )}
          {writable && answers && d.status !== 'RESOLVED' && <Answer disagreement={d} />}
          {writable && d.status !== 'RESOLVED' && d.status !== 'RAISED' && raises(d) && (
            <Raise disagreement={d} family={!staff} />
          )}
        </li>
      ))}
    </ul>
  );
}

/** Record a disagreement: with the whole plan, one measure or one evaluation. */
export function RecordDisagreement({ prefix, family }: { prefix: string; family: boolean }) {
  const { t } = useTranslation();
  const { plan, reload } = usePlan();
  const empty = { text: '', about: '' };
  const [form, setForm] = useState(empty);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [result, record] = useMutation(PlanRecordDisagreementDocument);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    const [kind, id] = form.about.split(':');
    const response = await record({
      input: {
        planId: plan.id,
        text: form.text,
        measureId: kind === 'measure' ? id : null,
        evaluationId: kind === 'evaluation' ? id : null,
      },
    });
    const found = response.data?.recordDisagreement.errors ?? [];
    setErrors(found);
    if (!found.length && response.data?.recordDisagreement.disagreement) {
      setDone(true);
      setForm(empty);
      reload();
    }
  }
  return (
    <form
      onSubmit={submit}
      className="k-stack"
      aria-label={family ? t('plan.family.disagreeTitle') : t('plan.recordDisagreementTitle')}
      noValidate
    >
      <Done show={done} text={family ? t('plan.family.disagreementRecorded') : t('plan.disagreementRecorded')} />
      <PlanFormErrors errors={errors} prefix={prefix} fields={['text', 'about']} />
      <RequestError error={result.error} />
      <ChoiceField
        id={`${prefix}-about`}
        label={t('plan.disagreementAbout')}
        value={form.about}
        onChange={(about) => setForm({ ...form, about })}
        choices={[
          ...plan.measures.map((m) => ({ value: `measure:${m.id}`, label: t('plan.aboutMeasure', { what: m.title }) })),
          ...evaluations(plan, t).map((e) => ({ value: `evaluation:${e.id}`, label: e.label })),
        ]}
        empty={t('plan.aboutWholePlan')}
        error={errorFor(errors, 'measureId') ?? errorFor(errors, 'evaluationId')}
      />
      <PlanTextField
        prefix={prefix}
        name="text"
        multiline
        label={family ? t('plan.family.disagreeText') : t('plan.disagreementText')}
        value={form.text}
        onChange={(text) => setForm({ ...form, text })}
        errors={errors}
      />
      <div>
        <Button type="submit" disabled={result.fetching}>
          {family ? t('plan.family.disagree') : t('plan.recordDisagreement')}
        </Button>
      </div>
    </form>
  );
}

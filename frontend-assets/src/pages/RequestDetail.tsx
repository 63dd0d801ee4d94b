import { Alert, Button, Fieldset, Heading, Paragraph, Radio, Spinner, ValidationMessage } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';

import { ChoiceField } from '../components/ChoiceField';
import { RequestError, errorFor } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import type { Me } from '../components/Layout';
import {
  DirectoryDocument,
  RightDecideDocument,
  RightReassessDocument,
  RightRecordStatsforvalterDocument,
  RightRequestDocument,
} from '../gql/graphql';
import type { DecisionOutcome, ReassessmentOutcome, StatsforvalterOutcome } from '../gql/graphql';
import { formatDate, formatDateTime } from '../format';
import { useMyChanges, useReloadOnChange } from '../live';
import { Done, PlanFormErrors, PlanTextField, hasConflict } from '../plan/common';
import type { RightAppeal, RightRequest } from '../right/common';
import { StatusTag, openAppeal } from '../right/common';
import { NextStep, Trail } from '../right/Trail';
import { NotForYou } from './Admin';
import { NotFound } from './NotFound';

type Outcome = DecisionOutcome | ReassessmentOutcome | StatsforvalterOutcome;

/** A group of radio buttons for an outcome, with the server's error next to it. */
function OutcomeChoice<T extends Outcome>({
  prefix,
  legend,
  choices,
  value,
  onChange,
  errors,
  labels,
}: {
  prefix: string;
  legend: string;
  choices: T[];
  value: T | '';
  onChange: (value: T) => void;
  errors: FieldError[];
  labels: string;
}) {
  const { t } = useTranslation();
  const error = errorFor(errors, 'outcome');
  const errorId = `${prefix}-outcome-error`;
  return (
    <Fieldset id={`${prefix}-outcome`} tabIndex={-1} aria-describedby={error ? errorId : undefined}>
      <Fieldset.Legend>{legend}</Fieldset.Legend>
      {choices.map((choice) => (
        <Radio
          key={choice}
          name={`${prefix}-outcome`}
          value={choice}
          label={t(`${labels}.${choice}` as string)}
          checked={value === choice}
          onChange={() => onChange(choice)}
        />
      ))}
      {error && <ValidationMessage id={errorId}>{error}</ValidationMessage>}
    </Fieldset>
  );
}

function useStaff() {
  const [{ data }] = useQuery({ query: DirectoryDocument, variables: { search: '' } });
  return (data?.staffDirectory ?? []).map((p) => ({ value: p.id, label: p.name }));
}

type FormProps = { request: RightRequest; onDone: () => void; onConflict: () => void };

/** Grant (with the coordinator) or refuse (with reasons and legal basis) from the version the form was opened on. */
function DecisionForm({ request, onDone, onConflict }: FormProps) {
  const { t } = useTranslation();
  const staff = useStaff();
  // The version rule: the form sends the version it started from, never a newer one read later.
  const [version] = useState(request.version);
  const [form, setForm] = useState({ outcome: '' as DecisionOutcome | '', coordinatorPersonId: '', reasons: '', legalBasis: '' });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, decide] = useMutation(RightDecideDocument);
  const prefix = 'decide';
  const fields = ['outcome', 'coordinatorPersonId', 'reasons', 'legalBasis'];
  async function send(event: FormEvent) {
    event.preventDefault();
    if (!form.outcome) {
      setErrors([{ code: 'REQUIRED', field: 'outcome', message: t('right.decide.chooseOutcome') }]);
      return;
    }
    const granted = form.outcome === 'GRANTED';
    const response = await decide({
      input: {
        requestId: request.id,
        version,
        outcome: form.outcome,
        coordinatorPersonId: granted ? form.coordinatorPersonId || null : null,
        reasons: form.reasons || null,
        legalBasis: granted ? form.legalBasis || null : form.legalBasis || null,
      },
    });
    const found = response.data?.decideCoordinatorRequest.errors ?? [];
    setErrors(found);
    if (hasConflict(found)) onConflict();
    else if (!found.length && response.data?.decideCoordinatorRequest.request) onDone();
  }
  return (
    <form onSubmit={send} className="k-stack k-form" aria-labelledby="decide-heading" noValidate>
      <Heading level={2} data-size="sm" id="decide-heading">
        {t('right.decide.title')}
      </Heading>
      <PlanFormErrors errors={errors} prefix={prefix} fields={fields} />
      <RequestError error={result.error} />
      <OutcomeChoice
        prefix={prefix}
        legend={t('right.decide.outcome')}
        choices={['GRANTED', 'REFUSED'] as DecisionOutcome[]}
        value={form.outcome}
        onChange={(outcome) => setForm({ ...form, outcome })}
        errors={errors}
        labels="right.decide.outcomes"
      />
      {form.outcome === 'GRANTED' && (
        <ChoiceField
          id={`${prefix}-coordinatorPersonId`}
          label={t('right.coordinator')}
          value={form.coordinatorPersonId}
          onChange={(coordinatorPersonId) => setForm({ ...form, coordinatorPersonId })}
          choices={staff}
          empty={t('network.chooseStaff')}
          error={errorFor(errors, 'coordinatorPersonId')}
        />
      )}
      {form.outcome === 'REFUSED' && (
        <>
          <PlanTextField
            prefix={prefix}
            name="reasons"
            multiline
            label={t('right.reasons')}
            description={t('right.decide.reasonsHelp')}
            value={form.reasons}
            onChange={(reasons) => setForm({ ...form, reasons })}
            errors={errors}
          />
          <PlanTextField
            prefix={prefix}
            name="legalBasis"
            label={t('right.legalBasis')}
            description={t('right.decide.legalBasisHelp')}
            value={form.legalBasis}
            onChange={(legalBasis) => setForm({ ...form, legalBasis })}
            errors={errors}
          />
        </>
      )}
      <div>
        <Button type="submit" disabled={result.fetching}>
          {t('right.decide.submit')}
        </Button>
      </div>
    </form>
  );
}

function ReassessForm({ appeal, onDone, onConflict }: { appeal: RightAppeal; onDone: () => void; onConflict: () => void }) {
  const { t } = useTranslation();
  const staff = useStaff();
  const [version] = useState(appeal.version);
  const [form, setForm] = useState({ outcome: '' as ReassessmentOutcome | '', reasons: '', coordinatorPersonId: '' });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, reassess] = useMutation(RightReassessDocument);
  const prefix = 'reassess';
  async function send(event: FormEvent) {
    event.preventDefault();
    if (!form.outcome) {
      setErrors([{ code: 'REQUIRED', field: 'outcome', message: t('right.decide.chooseOutcome') }]);
      return;
    }
    const response = await reassess({
      input: {
        appealId: appeal.id,
        version,
        outcome: form.outcome,
        reasons: form.reasons,
        coordinatorPersonId: form.outcome === 'REVERSED' ? form.coordinatorPersonId || null : null,
      },
    });
    const found = response.data?.reassessAppeal.errors ?? [];
    setErrors(found);
    if (hasConflict(found)) onConflict();
    else if (!found.length && response.data?.reassessAppeal.request) onDone();
  }
  return (
    <form onSubmit={send} className="k-stack k-form" aria-labelledby="reassess-heading" noValidate>
      <Heading level={2} data-size="sm" id="reassess-heading">
        {t('right.reassess.title')}
      </Heading>
      <Paragraph>{t('right.reassess.intro')}</Paragraph>
      <PlanFormErrors errors={errors} prefix={prefix} fields={['outcome', 'reasons', 'coordinatorPersonId']} />
      <RequestError error={result.error} />
      <OutcomeChoice
        prefix={prefix}
        legend={t('right.decide.outcome')}
        choices={['UPHELD', 'REVERSED'] as ReassessmentOutcome[]}
        value={form.outcome}
        onChange={(outcome) => setForm({ ...form, outcome })}
        errors={errors}
        labels="right.reassess.outcomes"
      />
      {form.outcome === 'REVERSED' && (
        <ChoiceField
          id={`${prefix}-coordinatorPersonId`}
          label={t('right.coordinator')}
          value={form.coordinatorPersonId}
          onChange={(coordinatorPersonId) => setForm({ ...form, coordinatorPersonId })}
          choices={staff}
          empty={t('network.chooseStaff')}
          error={errorFor(errors, 'coordinatorPersonId')}
        />
      )}
      <PlanTextField
        prefix={prefix}
        name="reasons"
        multiline
        label={t('right.reasons')}
        value={form.reasons}
        onChange={(reasons) => setForm({ ...form, reasons })}
        errors={errors}
      />
      <div>
        <Button type="submit" disabled={result.fetching}>
          {t('right.reassess.submit')}
        </Button>
      </div>
    </form>
  );
}

function StatsforvalterForm({ appeal, onDone, onConflict }: { appeal: RightAppeal; onDone: () => void; onConflict: () => void }) {
  const { t } = useTranslation();
  const [version] = useState(appeal.version);
  const [form, setForm] = useState({ outcome: '' as StatsforvalterOutcome | '', reasons: '' });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, record] = useMutation(RightRecordStatsforvalterDocument);
  const prefix = 'statsforvalter';
  async function send(event: FormEvent) {
    event.preventDefault();
    if (!form.outcome) {
      setErrors([{ code: 'REQUIRED', field: 'outcome', message: t('right.decide.chooseOutcome') }]);
      return;
    }
    const response = await record({
      input: { appealId: appeal.id, version, outcome: form.outcome, reasons: form.reasons || null },
    });
    const found = response.data?.recordStatsforvalterOutcome.errors ?? [];
    setErrors(found);
    if (hasConflict(found)) onConflict();
    else if (!found.length && response.data?.recordStatsforvalterOutcome.request) onDone();
  }
  return (
    <form onSubmit={send} className="k-stack k-form" aria-labelledby="sf-heading" noValidate>
      <Heading level={2} data-size="sm" id="sf-heading">
        {t('right.statsforvalter.title')}
      </Heading>
      <PlanFormErrors errors={errors} prefix={prefix} fields={['outcome', 'reasons']} />
      <RequestError error={result.error} />
      <OutcomeChoice
        prefix={prefix}
        legend={t('right.decide.outcome')}
        choices={['UPHELD', 'REVERSED', 'SENT_BACK'] as StatsforvalterOutcome[]}
        value={form.outcome}
        onChange={(outcome) => setForm({ ...form, outcome })}
        errors={errors}
        labels="right.statsforvalter.outcomes"
      />
      <PlanTextField
        prefix={prefix}
        name="reasons"
        multiline
        label={t('right.reasons')}
        value={form.reasons}
        onChange={(reasons) => setForm({ ...form, reasons })}
        errors={errors}
      />
      <div>
        <Button type="submit" disabled={result.fetching}>
          {t('right.statsforvalter.submit')}
        </Button>
      </div>
    </form>
  );
}

/** One request for the coordinating unit: the facts, the trail, and the form its status calls for. */
export function RequestDetail({ me }: { me: Me }) {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const allowed = me.kind === 'STAFF' && me.inCoordinatingUnit;
  const changes = useMyChanges();
  const [{ data, fetching, error }, refetch] = useQuery({ query: RightRequestDocument, variables: { id }, pause: !allowed });
  const [conflict, setConflict] = useState(false);
  const [saved, setSaved] = useState(false);
  const reload = () => refetch({ requestPolicy: 'network-only' });
  useReloadOnChange(changes, reload);
  if (!allowed) return <NotForYou />;
  if (fetching && !data) return <Spinner aria-label={t('app.loading')} data-size="lg" />;
  if (error && !data) return <RequestError error={error} />;
  const request = data?.coordinatorRequest;
  if (!request) return <NotFound />;
  const appeal = openAppeal(request);
  const handlers = {
    onDone: () => {
      setConflict(false);
      setSaved(true);
      reload();
    },
    onConflict: () => {
      setSaved(false);
      setConflict(true);
      reload();
    },
  };
  return (
    <>
      <header className="k-stack">
        <div>
          <RouterLink to="/kommune/requests">{t('right.inbox.back')}</RouterLink>
        </div>
        <Heading level={1} data-size="lg">
          {t('right.detail.title', { name: request.childName })}
        </Heading>
        <div className="k-row">
          <StatusTag status={request.status} />
          <span className="k-muted">{t('app.live')}</span>
        </div>
      </header>
      <div aria-live="polite">
        {conflict && <Alert data-color="warning">{t('right.detail.conflict')}</Alert>}
      </div>
      <Done show={saved} text={t('right.detail.saved')} />
      <NextStep request={request} headingLevel={2} asFamilyReads />
      <section className="k-stack" aria-labelledby="facts-heading">
        <Heading level={2} data-size="sm" id="facts-heading">
          {t('right.detail.facts')}
        </Heading>
        <dl className="k-facts">
          <dt>{t('right.child')}</dt>
          <dd>
            {request.child ? <RouterLink to={`/children/${request.child.id}`}>{request.childName}</RouterLink> : request.childName}
          </dd>
          <dt>{t('right.detail.born')}</dt>
          <dd>
            {request.birthDate
              ? t('child.born', { date: formatDate(request.birthDate) })
              : request.expectedDate
                ? t('child.expected', { date: formatDate(request.expectedDate) })
                : ''}
          </dd>
          <dt>{t('child.municipality')}</dt>
          <dd>{request.municipality?.name ?? ''}</dd>
          <dt>{t('right.detail.situation')}</dt>
          <dd className="k-prewrap">{request.situation}</dd>
          <dt>{t('right.detail.services')}</dt>
          <dd>{request.servicesInvolved.join(', ')}</dd>
          <dt>{t('right.detail.unresolved')}</dt>
          <dd>{request.unresolved ? t('right.detail.yes') : t('right.detail.no')}</dd>
          <dt>{t('right.detail.submittedBy')}</dt>
          <dd>
            {request.submittedByName} ({t(`right.submitters.${request.submittedBy}`)})
          </dd>
          <dt>{t('right.submitted')}</dt>
          <dd>{formatDateTime(request.submittedAt)}</dd>
          <dt>{t('right.decisionDue')}</dt>
          <dd>{formatDate(request.decisionDueOn)}</dd>
        </dl>
      </section>
      <section className="k-stack" aria-labelledby="trail-heading">
        <Heading level={2} data-size="sm" id="trail-heading">
          {t('right.detail.trail')}
        </Heading>
        <Trail request={request} label={t('right.detail.trail')} />
      </section>
      {request.status === 'AWAITING_DECISION' && <DecisionForm key={request.version} request={request} {...handlers} />}
      {request.status === 'APPEALED' && appeal && <ReassessForm key={appeal.version} appeal={appeal} {...handlers} />}
      {request.status === 'WITH_STATSFORVALTEREN' && appeal && (
        <StatsforvalterForm key={appeal.version} appeal={appeal} {...handlers} />
      )}
    </>
  );
}

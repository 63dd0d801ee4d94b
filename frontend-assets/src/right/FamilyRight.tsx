import { Button, Card, Checkbox, Details, Heading, Paragraph, Spinner } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery } from 'urql';

import { ChoiceField } from '../components/ChoiceField';
import { RequestError, errorFor } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import {
  MunicipalitiesDocument,
  RightAppealDocument,
  RightMyRequestsDocument,
  RightSubmitDocument,
} from '../gql/graphql';
import { formatDate } from '../format';
import { useReloadOnChange } from '../live';
import { PathwayTimeline } from '../pathway/Timeline';
import { Done, PlanFormErrors, PlanTextField } from '../plan/common';
import type { RightDecision, RightRequest } from './common';
import { StatusTag, mayAppeal } from './common';
import { NextStep, Trail } from './Trail';

/** A registered child of the family, as the request form offers it. */
export type FamilyChild = { id: string; name: string; municipality: { id: string; name: string } | null };

const NEW_CHILD = 'new';
const SUBMIT_FIELDS = [
  'childId',
  'childGivenName',
  'childFamilyName',
  'birthDate',
  'expectedDate',
  'municipalityId',
  'situation',
  'servicesInvolved',
  'unresolved',
];

function RequestForm({ children, onSent }: { children: FamilyChild[]; onSent: () => void }) {
  const { t } = useTranslation();
  // The kommuner of the family's children first, then every kommune (public register facts).
  const [{ data: kommuner }] = useQuery({ query: MunicipalitiesDocument });
  const municipalities = [
    ...new Map([
      ...children.flatMap((c) => (c.municipality ? [[c.municipality.id, c.municipality] as const] : [])),
      ...(kommuner?.municipalities ?? []).map((m) => [m.id, m] as const),
    ]).values(),
  ];
  const empty = {
    childId: children[0]?.id ?? NEW_CHILD,
    childGivenName: '',
    childFamilyName: '',
    notBorn: true,
    birthDate: '',
    expectedDate: '',
    municipalityId: municipalities[0]?.id ?? '',
    situation: '',
    services: '',
    unresolved: false,
  };
  const [form, setForm] = useState(empty);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [result, submit] = useMutation(RightSubmitDocument);
  const prefix = 'rq';
  const isNew = form.childId === NEW_CHILD;

  async function send(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    const response = await submit({
      input: {
        childId: isNew ? null : form.childId,
        childGivenName: isNew ? form.childGivenName || null : null,
        childFamilyName: isNew ? form.childFamilyName || null : null,
        birthDate: isNew && !form.notBorn ? form.birthDate || null : null,
        expectedDate: isNew && form.notBorn ? form.expectedDate || null : null,
        municipalityId: isNew ? form.municipalityId || null : null,
        situation: form.situation,
        servicesInvolved: form.services
          .split('\n')
          .map((s) => s.trim())
          .filter(Boolean),
        unresolved: form.unresolved,
      },
    });
    const found = response.data?.submitCoordinatorRequest.errors ?? [];
    setErrors(found);
    if (!found.length && response.data?.submitCoordinatorRequest.request) {
      setDone(true);
      setForm(empty);
      onSent();
    }
  }

  return (
    <form onSubmit={send} className="k-stack k-form" aria-label={t('right.family.askTitle')} noValidate>
      <PlanFormErrors errors={errors} prefix={prefix} fields={SUBMIT_FIELDS} />
      <RequestError error={result.error} />
      <ChoiceField
        id={`${prefix}-childId`}
        label={t('right.family.forWhom')}
        value={form.childId}
        onChange={(childId) => setForm({ ...form, childId })}
        choices={[
          ...children.map((c) => ({ value: c.id, label: c.name })),
          { value: NEW_CHILD, label: t('right.family.newChild') },
        ]}
        error={errorFor(errors, 'childId')}
      />
      {isNew && (
        <>
          <PlanTextField
            prefix={prefix}
            name="childGivenName"
            label={t('right.family.givenName')}
            description={t('right.family.givenNameHelp')}
            value={form.childGivenName}
            onChange={(childGivenName) => setForm({ ...form, childGivenName })}
            errors={errors}
          />
          <PlanTextField
            prefix={prefix}
            name="childFamilyName"
            label={t('right.family.familyName')}
            value={form.childFamilyName}
            onChange={(childFamilyName) => setForm({ ...form, childFamilyName })}
            errors={errors}
          />
          <Checkbox
            label={t('right.family.notBorn')}
            checked={form.notBorn}
            onChange={(e) => setForm({ ...form, notBorn: e.target.checked })}
          />
          {form.notBorn ? (
            <PlanTextField
              prefix={prefix}
              name="expectedDate"
              type="date"
              label={t('right.family.expectedDate')}
              value={form.expectedDate}
              onChange={(expectedDate) => setForm({ ...form, expectedDate })}
              errors={errors}
            />
          ) : (
            <PlanTextField
              prefix={prefix}
              name="birthDate"
              type="date"
              label={t('right.family.birthDate')}
              value={form.birthDate}
              onChange={(birthDate) => setForm({ ...form, birthDate })}
              errors={errors}
            />
          )}
          <ChoiceField
            id={`${prefix}-municipalityId`}
            label={t('right.family.municipality')}
            value={form.municipalityId}
            onChange={(municipalityId) => setForm({ ...form, municipalityId })}
            choices={municipalities.map((m) => ({ value: m.id, label: m.name }))}
            empty={municipalities.length ? undefined : t('right.family.chooseMunicipality')}
            error={errorFor(errors, 'municipalityId')}
          />
        </>
      )}
      <PlanTextField
        prefix={prefix}
        name="situation"
        multiline
        label={t('right.family.situation')}
        description={t('right.family.situationHelp')}
        value={form.situation}
        onChange={(situation) => setForm({ ...form, situation })}
        errors={errors}
      />
      <PlanTextField
        prefix={prefix}
        name="servicesInvolved"
        multiline
        label={t('right.family.services')}
        description={t('right.family.servicesHelp')}
        value={form.services}
        onChange={(services) => setForm({ ...form, services })}
        errors={errors}
      />
      <Checkbox
        id={`${prefix}-unresolved`}
        label={t('right.family.unresolved')}
        description={t('right.family.unresolvedHelp')}
        checked={form.unresolved}
        onChange={(e) => setForm({ ...form, unresolved: e.target.checked })}
        error={errorFor(errors, 'unresolved')}
      />
      <Done show={done} text={t('right.family.sent')} />
      <div>
        <Button type="submit" disabled={result.fetching}>
          {t('right.family.send')}
        </Button>
      </div>
    </form>
  );
}

function AppealForm({ decision, onSent }: { decision: RightDecision; onSent: () => void }) {
  const { t } = useTranslation();
  const [grounds, setGrounds] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [result, appeal] = useMutation(RightAppealDocument);
  const prefix = `appeal-${decision.id}`;
  async function send(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    const response = await appeal({ input: { decisionId: decision.id, grounds } });
    const found = response.data?.appealDecision.errors ?? [];
    setErrors(found);
    if (!found.length && response.data?.appealDecision.request) {
      setDone(true);
      setGrounds('');
      onSent();
    }
  }
  return (
    <form onSubmit={send} className="k-stack k-form" aria-label={t('right.family.appealTitle')} noValidate>
      <Paragraph>
        {decision.appealDeadline
          ? t('right.family.appealIntro', { date: formatDate(decision.appealDeadline) })
          : t('right.family.appealIntroNoDate')}
      </Paragraph>
      <PlanFormErrors errors={errors} prefix={prefix} fields={['grounds']} />
      <RequestError error={result.error} />
      <PlanTextField
        prefix={prefix}
        name="grounds"
        multiline
        label={t('right.family.grounds')}
        value={grounds}
        onChange={setGrounds}
        errors={errors}
      />
      <Done show={done} text={t('right.family.appealSent')} />
      <div>
        <Button type="submit" disabled={result.fetching}>
          {t('right.family.appealSend')}
        </Button>
      </div>
    </form>
  );
}

function RequestCard({ request, changes, onChanged }: { request: RightRequest; changes: number; onChanged: () => void }) {
  const { t } = useTranslation();
  const appealable = mayAppeal(request);
  const headingId = `request-${request.id}`;
  return (
    <Card>
      <section className="k-stack" aria-labelledby={headingId}>
        <div className="k-row">
          <Heading level={3} data-size="xs" id={headingId}>
            {t('right.family.requestFor', { name: request.childName })}
          </Heading>
          <StatusTag status={request.status} family />
        </div>
        <NextStep request={request} headingLevel={4} />
        <Trail request={request} label={t('right.family.trailFor', { name: request.childName })} />
        {appealable && (
          <Details>
            <Details.Summary>{t('right.family.appealTitle')}</Details.Summary>
            <Details.Content>
              <AppealForm decision={appealable} onSent={onChanged} />
            </Details.Content>
          </Details>
        )}
        {request.child && <PathwayTimeline childId={request.child.id} changes={changes} level={4} />}
      </section>
    </Card>
  );
}

/**
 * The family's "Barnekoordinator" section: ask for one, and follow every request (the decision,
 * the appeal deadline, the appeal) and the pathway after it. It re-reads on every change pushed
 * to the person, so a decision shows without reload.
 */
export function FamilyRight({ children, changes }: { children: FamilyChild[]; changes: number }) {
  const { t } = useTranslation();
  const [{ data, fetching, error }, refetch] = useQuery({ query: RightMyRequestsDocument });
  const reload = () => refetch({ requestPolicy: 'network-only' });
  useReloadOnChange(changes, reload);
  const requests = data?.myCoordinatorRequests ?? [];
  return (
    <section className="k-stack" aria-labelledby="family-right-heading">
      <Heading level={2} data-size="md" id="family-right-heading">
        {t('right.family.title')}
      </Heading>
      <Paragraph>{t('right.family.intro')}</Paragraph>
      <RequestError error={error} />
      {fetching && !data ? (
        <Spinner aria-label={t('app.loading')} />
      ) : (
        requests.map((request) => (
          <RequestCard key={request.id} request={request} changes={changes} onChanged={reload} />
        ))
      )}
      <Details>
        <Details.Summary>{t('right.family.askTitle')}</Details.Summary>
        <Details.Content>
          <RequestForm children={children} onSent={reload} />
        </Details.Content>
      </Details>
    </section>
  );
}

import {
  Alert,
  Button,
  Field,
  Heading,
  Label,
  Paragraph,
  Select,
  Spinner,
  Table,
  Textfield,
  ValidationMessage,
} from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink } from 'react-router';
import type { CombinedError } from 'urql';
import { useClient, useMutation, useQuery } from 'urql';

import { FormErrors, RequestError, errorFor } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import type { Me } from '../components/Layout';
import {
  DeadNotificationsDocument,
  DirectoryDocument,
  RegisterServiceProviderDocument,
  ResendNotificationDocument,
} from '../gql/graphql';
import type { DeadNotificationsQuery, DirectoryQuery, ServiceType } from '../gql/graphql';
import { formatDateTime } from '../format';
import { kindName } from './Notifications';
import { TemplateEditor } from '../pathway/TemplateEditor';
import { RaisedDisagreements } from './RaisedDisagreements';
import { SecurityReview } from './SecurityReview';

type Municipality = DirectoryQuery['municipalities'][number];
type DeadLetter = DeadNotificationsQuery['deadNotifications']['edges'][number]['node'];

const SERVICE_TYPES: ServiceType[] = [
  'HELSESTASJON',
  'FASTLEGE',
  'BARNEHAGE',
  'SKOLE',
  'PPT',
  'BARNEVERN',
  'NAV',
  'HABILITERING',
  'BUP',
  'SYKEHUS',
  'AVLASTNING',
  'COORDINATING_UNIT',
  'OTHER',
];
const REGISTER_FIELDS = ['name', 'type', 'orgNumber', 'municipalityId'];

/** 123456789 as people read it: 123 456 789. */
export function formatOrgNumber(value: string): string {
  return /^\d{9}$/.test(value) ? value.replace(/(\d{3})(\d{3})(\d{3})/, '$1 $2 $3') : value;
}

export function NotForYou() {
  const { t } = useTranslation();
  return (
    <section className="k-stack">
      <Heading level={1} data-size="lg">
        {t('admin.notForYouTitle')}
      </Heading>
      <Paragraph>{t('admin.notForYou')}</Paragraph>
      <div>
        <RouterLink to="/">{t('admin.back')}</RouterLink>
      </div>
    </section>
  );
}

function RegisterService({ municipalities, onRegistered }: { municipalities: Municipality[]; onRegistered: () => void }) {
  const { t } = useTranslation();
  const empty = { name: '', type: 'OTHER' as ServiceType, orgNumber: '', municipalityId: municipalities[0]?.id ?? '' };
  const [form, setForm] = useState(empty);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState<string | null>(null);
  const [result, register] = useMutation(RegisterServiceProviderDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    const response = await register({
      input: {
        name: form.name,
        type: form.type,
        orgNumber: form.orgNumber.replace(/\s/g, ''),
        municipalityId: form.municipalityId || null,
      },
    });
    const found = response.data?.registerServiceProvider.errors ?? [];
    setErrors(found);
    const provider = response.data?.registerServiceProvider.serviceProvider;
    if (!found.length && provider) {
      setDone(provider.name);
      setForm({ ...empty, municipalityId: form.municipalityId });
      onRegistered();
    }
  }

  const typeError = errorFor(errors, 'type');
  const municipalityError = errorFor(errors, 'municipalityId');
  return (
    <form onSubmit={submit} className="k-stack" style={{ maxWidth: '36rem' }} aria-labelledby="register-service-heading" noValidate>
      <Heading level={3} data-size="xs" id="register-service-heading">
        {t('admin.registerTitle')}
      </Heading>
      {done && (
        <Alert data-color="success" role="status">
          {t('admin.registered', { name: done })}
        </Alert>
      )}
      <FormErrors errors={errors} fields={REGISTER_FIELDS} />
      <RequestError error={result.error} />
      <Textfield
        id="field-name"
        label={t('admin.name')}
        value={form.name}
        onChange={(e) => setForm({ ...form, name: e.target.value })}
        error={errorFor(errors, 'name')}
      />
      <Field>
        <Label htmlFor="field-type">{t('admin.type')}</Label>
        <Select
          id="field-type"
          value={form.type}
          onChange={(e) => setForm({ ...form, type: e.target.value as ServiceType })}
          aria-invalid={typeError ? true : undefined}
        >
          {SERVICE_TYPES.map((type) => (
            <Select.Option key={type} value={type}>
              {t(`admin.types.${type}`)}
            </Select.Option>
          ))}
        </Select>
        {typeError && <ValidationMessage>{typeError}</ValidationMessage>}
      </Field>
      <Textfield
        id="field-orgNumber"
        label={t('admin.orgNumber')}
        description={t('admin.orgNumberHelp')}
        inputMode="numeric"
        autoComplete="off"
        value={form.orgNumber}
        onChange={(e) => setForm({ ...form, orgNumber: e.target.value })}
        error={errorFor(errors, 'orgNumber')}
      />
      <Field>
        <Label htmlFor="field-municipalityId">{t('admin.municipality')}</Label>
        <Select
          id="field-municipalityId"
          value={form.municipalityId}
          onChange={(e) => setForm({ ...form, municipalityId: e.target.value })}
          aria-invalid={municipalityError ? true : undefined}
        >
          {municipalities.map((m) => (
            <Select.Option key={m.id} value={m.id}>
              {m.name}
            </Select.Option>
          ))}
          <Select.Option value="">{t('admin.outside')}</Select.Option>
        </Select>
        {municipalityError && <ValidationMessage>{municipalityError}</ValidationMessage>}
      </Field>
      <div>
        <Button type="submit" disabled={result.fetching}>
          {t('admin.register')}
        </Button>
      </div>
    </form>
  );
}

function Services() {
  const { t } = useTranslation();
  const [municipalityId, setMunicipalityId] = useState('');
  const [{ data, fetching, error }, refetch] = useQuery({
    query: DirectoryDocument,
    variables: { municipalityId: municipalityId || null },
  });
  const municipalities = data?.municipalities ?? [];
  const services = data?.serviceProviders ?? [];
  return (
    <section className="k-stack" aria-labelledby="services-heading">
      <Heading level={2} data-size="sm" id="services-heading">
        {t('admin.servicesTitle')}
      </Heading>
      <Paragraph>{t('admin.servicesIntro')}</Paragraph>
      <RequestError error={error} />
      {municipalities.length > 0 && (
        <Field style={{ maxWidth: '24rem' }}>
          <Label htmlFor="services-filter">{t('admin.filter')}</Label>
          <Select id="services-filter" value={municipalityId} onChange={(e) => setMunicipalityId(e.target.value)}>
            <Select.Option value="">{t('admin.allServices')}</Select.Option>
            {municipalities.map((m) => (
              <Select.Option key={m.id} value={m.id}>
                {m.name}
              </Select.Option>
            ))}
          </Select>
        </Field>
      )}
      {fetching && !data ? (
        <Spinner aria-label={t('app.loading')} />
      ) : services.length === 0 ? (
        <Paragraph>{t('admin.noServices')}</Paragraph>
      ) : (
        // Focusable, so a keyboard can scroll the table sideways on a phone.
        <div className="k-table-wrap" tabIndex={0} role="group" aria-labelledby="services-heading">
          <Table zebra>
            <Table.Head>
              <Table.Row>
                <Table.HeaderCell>{t('admin.name')}</Table.HeaderCell>
                <Table.HeaderCell>{t('admin.type')}</Table.HeaderCell>
                <Table.HeaderCell>{t('admin.orgNumber')}</Table.HeaderCell>
              </Table.Row>
            </Table.Head>
            <Table.Body>
              {services.map((service) => (
                <Table.Row key={service.id}>
                  <Table.Cell>{service.name}</Table.Cell>
                  <Table.Cell>{t(`admin.types.${service.type}`)}</Table.Cell>
                  <Table.Cell style={{ whiteSpace: 'nowrap' }}>{formatOrgNumber(service.orgNumber)}</Table.Cell>
                </Table.Row>
              ))}
            </Table.Body>
          </Table>
        </div>
      )}
      {data && <RegisterService municipalities={municipalities} onRegistered={() => refetch({ requestPolicy: 'network-only' })} />}
    </section>
  );
}

function failureText(t: (key: string) => string, letter: DeadLetter): string {
  const error = letter.lastError;
  if (!error) return '';
  const codes = [error.smtpCode, error.enhancedStatus].filter(Boolean).join(' ');
  const words = t(`admin.failures.${error.failure}`);
  return codes ? `${words} (${codes})` : words;
}

function DeadLetters() {
  const { t } = useTranslation();
  const client = useClient();
  const [{ data, fetching, error }, refetch] = useQuery({ query: DeadNotificationsDocument, variables: { first: 20 } });
  const [older, setOlder] = useState<{ letters: DeadLetter[]; cursor: string | null; hasMore: boolean } | null>(null);
  const [olderError, setOlderError] = useState<CombinedError | undefined>();
  const [resent, setResent] = useState<Set<string>>(new Set());
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [result, resend] = useMutation(ResendNotificationDocument);

  const first = data?.deadNotifications;
  const letters = [...(first?.edges.map((e) => e.node) ?? []), ...(older?.letters ?? [])].filter(
    (letter, index, all) => !resent.has(letter.id) && all.findIndex((l) => l.id === letter.id) === index,
  );
  const hasMore = older ? older.hasMore : (first?.pageInfo.hasNextPage ?? false);
  const cursor = older ? older.cursor : (first?.pageInfo.endCursor ?? null);

  async function showOlder() {
    const response = await client
      .query(DeadNotificationsDocument, { first: 20, after: cursor }, { requestPolicy: 'network-only' })
      .toPromise();
    setOlderError(response.error);
    const page = response.data?.deadNotifications;
    if (page) {
      setOlder({
        letters: [...(older?.letters ?? []), ...page.edges.map((e) => e.node)],
        cursor: page.pageInfo.endCursor ?? null,
        hasMore: page.pageInfo.hasNextPage,
      });
    }
  }

  async function sendAgain(letter: DeadLetter) {
    setDone(false);
    const response = await resend({ input: { id: letter.id } });
    const found = response.data?.resendNotification.errors ?? [];
    setErrors(found);
    if (!found.length && response.data?.resendNotification.delivery) {
      setResent(new Set(resent).add(letter.id));
      setDone(true);
      refetch({ requestPolicy: 'network-only' });
    }
  }

  return (
    <section className="k-stack" aria-labelledby="dead-heading">
      <Heading level={2} data-size="sm" id="dead-heading">
        {t('admin.deadTitle')}
      </Heading>
      <Paragraph>{t('admin.deadIntro')}</Paragraph>
      <RequestError error={error ?? olderError ?? result.error} />
      <FormErrors errors={errors} fields={[]} />
      {done && (
        <Alert data-color="success" role="status">
          {t('admin.resent')}
        </Alert>
      )}
      {fetching && !data ? (
        <Spinner aria-label={t('app.loading')} />
      ) : letters.length === 0 ? (
        <Paragraph>{t('admin.deadNone')}</Paragraph>
      ) : (
        <div className="k-table-wrap">
          <Table zebra>
            <Table.Head>
              <Table.Row>
                <Table.HeaderCell>{t('admin.kind')}</Table.HeaderCell>
                <Table.HeaderCell>{t('admin.channel')}</Table.HeaderCell>
                <Table.HeaderCell>{t('admin.attempts')}</Table.HeaderCell>
                <Table.HeaderCell>{t('admin.created')}</Table.HeaderCell>
                <Table.HeaderCell>{t('admin.lastAttempt')}</Table.HeaderCell>
                <Table.HeaderCell>{t('admin.error')}</Table.HeaderCell>
                <Table.HeaderCell>
                  <span className="k-sr-only">{t('admin.resend')}</span>
                </Table.HeaderCell>
              </Table.Row>
            </Table.Head>
            <Table.Body>
              {letters.map((letter) => (
                <Table.Row key={letter.id}>
                  <Table.Cell id={`dead-${letter.id}`}>{kindName(t, letter.kind)}</Table.Cell>
                  <Table.Cell>{t(`admin.channels.${letter.channel}`)}</Table.Cell>
                  <Table.Cell>{letter.attempts}</Table.Cell>
                  <Table.Cell>{formatDateTime(letter.createdAt)}</Table.Cell>
                  <Table.Cell>{formatDateTime(letter.lastAttemptAt)}</Table.Cell>
                  <Table.Cell>{failureText(t, letter)}</Table.Cell>
                  <Table.Cell>
                    <Button
                      variant="secondary"
                      data-size="sm"
                      aria-describedby={`dead-${letter.id}`}
                      disabled={result.fetching}
                      onClick={() => void sendAgain(letter)}
                    >
                      {t('admin.resend')}
                    </Button>
                  </Table.Cell>
                </Table.Row>
              ))}
            </Table.Body>
          </Table>
        </div>
      )}
      {hasMore && letters.length > 0 && (
        <div>
          <Button variant="secondary" onClick={() => void showOlder()}>
            {t('admin.older')}
          </Button>
        </div>
      )}
    </section>
  );
}

/**
 * Kommune administration. Citizens are told at once that it is not for them (and nothing is
 * asked of the server); for staff the server decides: the dead letters answer empty for anyone
 * outside a coordinating unit.
 */
export function Admin({ me }: { me: Me }) {
  const { t } = useTranslation();
  if (me.kind !== 'STAFF' || !me.inCoordinatingUnit) return <NotForYou />;
  return (
    <>
      <Heading level={1} data-size="lg">
        {t('admin.title')}
      </Heading>
      <Paragraph>{t('admin.intro')}</Paragraph>
      <Paragraph>
        <RouterLink to="/kommune/requests">{t('right.inbox.fromAdmin')}</RouterLink>
      </Paragraph>
      {me.leadsCoordinatingUnit && <RaisedDisagreements />}
      <Services />
      <TemplateEditor />
      <DeadLetters />
      <SecurityReview />
    </>
  );
}

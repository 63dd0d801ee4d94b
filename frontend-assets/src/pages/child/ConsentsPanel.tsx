import { Alert, Button, Heading, Paragraph, Table, Tag, Textfield } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery } from 'urql';

import { ChoiceField } from '../../components/ChoiceField';
import { FormErrors, RequestError, errorFor } from '../../components/Errors';
import type { FieldError } from '../../components/Errors';
import { ChildConsentsDocument, RecordConsentDocument, WithdrawConsentDocument } from '../../gql/graphql';
import type { ChildConsentsQuery, InformationCategory } from '../../gql/graphql';
import { useReloadOnChange } from '../../live';
import { formatDate, todayInOslo } from '../../format';
import type { WorkspaceChild } from './types';

type ConsentRow = NonNullable<ChildConsentsQuery['child']>['consents'][number];
const CATEGORIES: InformationCategory[] = ['HEALTH', 'SCHOOL', 'WELFARE', 'FAMILY', 'BARNEVERN'];
const GIVE_FIELDS = ['category', 'serviceId', 'validFrom', 'validTo'];

function GiveConsent({ child, onGiven }: { child: WorkspaceChild; onGiven: () => void }) {
  const { t } = useTranslation();
  const services = new Map(
    child.network.filter((m) => m.service).map((m) => [m.service!.id, m.service!.name] as const),
  );
  const [form, setForm] = useState({
    category: 'SCHOOL' as InformationCategory,
    serviceId: '',
    validFrom: todayInOslo(),
    validTo: '',
  });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [result, record] = useMutation(RecordConsentDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    const response = await record({
      input: {
        childId: child.id,
        category: form.category,
        serviceId: form.serviceId || null,
        validFrom: form.validFrom || null,
        validTo: form.validTo || null,
      },
    });
    const found = response.data?.recordConsent.errors ?? [];
    setErrors(found);
    if (!found.length && response.data?.recordConsent.consent) {
      setDone(true);
      onGiven();
    }
  }

  return (
    <form onSubmit={submit} className="k-stack" aria-labelledby="give-consent-heading" noValidate>
      <Heading level={3} data-size="xs" id="give-consent-heading">
        {t('consent.giveTitle')}
      </Heading>
      {done && (
        <Alert data-color="success" role="status">
          {t('consent.given')}
        </Alert>
      )}
      <FormErrors errors={errors} fields={GIVE_FIELDS} />
      <RequestError error={result.error} />
      <ChoiceField
        id="field-category"
        label={t('consent.category')}
        value={form.category}
        onChange={(category) => setForm({ ...form, category: category as InformationCategory })}
        choices={CATEGORIES.map((c) => ({ value: c, label: t(`consent.categories.${c}`) }))}
        error={errorFor(errors, 'category')}
      />
      <ChoiceField
        id="field-serviceId"
        label={t('consent.service')}
        value={form.serviceId}
        onChange={(serviceId) => setForm({ ...form, serviceId })}
        choices={[...services].map(([value, label]) => ({ value, label }))}
        empty={t('network.chooseService')}
        error={errorFor(errors, 'serviceId')}
      />
      <Textfield
        id="field-validFrom"
        type="date"
        label={t('consent.validFrom')}
        value={form.validFrom}
        onChange={(e) => setForm({ ...form, validFrom: e.target.value })}
        error={errorFor(errors, 'validFrom')}
      />
      <Textfield
        id="field-validTo"
        type="date"
        label={t('consent.validTo')}
        value={form.validTo}
        onChange={(e) => setForm({ ...form, validTo: e.target.value })}
        error={errorFor(errors, 'validTo')}
      />
      <div>
        <Button type="submit" disabled={result.fetching}>
          {t('consent.give')}
        </Button>
      </div>
    </form>
  );
}

function status(consent: ConsentRow, t: TFunction) {
  if (consent.withdrawnAt) return <Tag data-color="neutral">{t('consent.withdrawn', { date: formatDate(consent.withdrawnAt.slice(0, 10)) })}</Tag>;
  if (!consent.isActive) return <Tag data-color="neutral">{t('consent.expired')}</Tag>;
  return <Tag data-color="success">{t('consent.active')}</Tag>;
}

export function ConsentsPanel({
  child,
  myRole,
  changes,
  opened,
}: {
  child: WorkspaceChild;
  myRole: string | null;
  changes: number;
  /** The tab has been opened: only then are the consents read (and followed). */
  opened: boolean;
}) {
  const { t } = useTranslation();
  const [{ data, error }, refetch] = useQuery({
    query: ChildConsentsDocument,
    variables: { id: child.id },
    pause: !opened,
  });
  const [withdrawal, withdraw] = useMutation(WithdrawConsentDocument);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [withdrawn, setWithdrawn] = useState(false);
  useReloadOnChange(changes, () => opened && refetch({ requestPolicy: 'network-only' }));
  if (!opened) return null;
  const consents = data?.child?.consents ?? [];
  const mayDecide = myRole === 'GUARDIAN' || myRole === 'CHILD';
  return (
    <div className="k-stack">
      <Heading level={2} data-size="sm">
        {t('consent.title')}
      </Heading>
      <Paragraph>{t('consent.intro')}</Paragraph>
      <RequestError error={error ?? withdrawal.error} />
      <FormErrors errors={errors} fields={[]} />
      {withdrawn && (
        <Alert data-color="success" role="status">
          {t('consent.withdrawnNow')}
        </Alert>
      )}
      {consents.length === 0 ? (
        <Paragraph>{t('consent.none')}</Paragraph>
      ) : (
        <div className="k-table-wrap">
          <Table>
            <Table.Head>
              <Table.Row>
                <Table.HeaderCell>{t('consent.category')}</Table.HeaderCell>
                <Table.HeaderCell>{t('consent.service')}</Table.HeaderCell>
                <Table.HeaderCell>{t('consent.period')}</Table.HeaderCell>
                <Table.HeaderCell>{t('consent.status')}</Table.HeaderCell>
                {mayDecide && <Table.HeaderCell>{t('consent.withdraw')}</Table.HeaderCell>}
              </Table.Row>
            </Table.Head>
            <Table.Body>
              {consents.map((consent) => (
                <Table.Row key={consent.id}>
                  <Table.Cell>{t(`consent.categories.${consent.category}`)}</Table.Cell>
                  <Table.Cell>{consent.toGuardians ? t('consent.guardians') : consent.service?.name}</Table.Cell>
                  <Table.Cell>
                    {consent.validTo
                      ? t('network.fromTo', { from: formatDate(consent.validFrom), to: formatDate(consent.validTo) })
                      : t('network.from', { date: formatDate(consent.validFrom) })}
                  </Table.Cell>
                  <Table.Cell>{status(consent, t)}</Table.Cell>
                  {mayDecide && (
                    <Table.Cell>
                      {consent.isActive && !consent.withdrawnAt && (
                        <Button
                          variant="tertiary"
                          data-size="sm"
                          disabled={withdrawal.fetching}
                          onClick={async () => {
                            setWithdrawn(false);
                            const response = await withdraw({ input: { id: consent.id } });
                            const found = response.data?.withdrawConsent.errors ?? [];
                            setErrors(found);
                            if (!found.length) {
                              setWithdrawn(true);
                              refetch({ requestPolicy: 'network-only' });
                            }
                          }}
                        >
                          {t('consent.withdraw')}
                        </Button>
                      )}
                    </Table.Cell>
                  )}
                </Table.Row>
              ))}
            </Table.Body>
          </Table>
        </div>
      )}
      {mayDecide && <GiveConsent child={child} onGiven={() => refetch({ requestPolicy: 'network-only' })} />}
    </div>
  );
}

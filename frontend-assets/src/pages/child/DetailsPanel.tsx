import { Alert, Button, Heading, Paragraph, Select, Field, Label, Textfield } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery } from 'urql';

import { FormErrors, RequestError, errorFor } from '../../components/Errors';
import type { FieldError } from '../../components/Errors';
import {
  ChildDocument,
  ChildHealthWithholdingDocument,
  SetHealthWithholdingDocument,
  UpdateChildDocument,
} from '../../gql/graphql';
import type { AddressProtection } from '../../gql/graphql';
import { ageOn, formatDate } from '../../format';
import type { WorkspaceChild } from './types';

const FIELDS = ['givenName', 'familyName', 'preferredLanguage', 'interpreterLanguage', 'addressProtection'];

type Outcome = 'saved' | 'cancelled' | 'conflict';

function EditChild({ child, onDone }: { child: WorkspaceChild; onDone: (outcome: Outcome) => void }) {
  const { t } = useTranslation();
  const [form, setForm] = useState({
    givenName: child.givenName ?? '',
    familyName: child.familyName,
    preferredLanguage: child.preferredLanguage,
    interpreterLanguage: child.interpreterLanguage ?? '',
    addressProtection: child.addressProtection as AddressProtection,
  });
  // The version the edit started from: a live refresh of the page must not move it, or a
  // stale edit would silently overwrite a newer one.
  const [baseVersion] = useState(child.version);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, update] = useMutation(UpdateChildDocument);
  const [, reload] = useQuery({ query: ChildDocument, variables: { id: child.id }, pause: true });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const response = await update({
      input: {
        id: child.id,
        version: baseVersion,
        givenName: form.givenName || null,
        familyName: form.familyName,
        preferredLanguage: form.preferredLanguage,
        interpreterLanguage: form.interpreterLanguage || null,
        addressProtection: form.addressProtection,
      },
    });
    const found = response.data?.updateChild.errors ?? [];
    if (found.some((e) => e.code === 'CONFLICT')) {
      // Show the newer data, and say why the change was not saved.
      reload({ requestPolicy: 'network-only' });
      onDone('conflict');
      return;
    }
    setErrors(found);
    if (!found.length && response.data?.updateChild.child) onDone('saved');
  }

  return (
    <form onSubmit={submit} className="k-stack" noValidate>
      <FormErrors errors={errors} fields={FIELDS} />
      <RequestError error={result.error} />
      <Textfield
        id="field-givenName"
        label={t('child.givenName')}
        value={form.givenName}
        onChange={(e) => setForm({ ...form, givenName: e.target.value })}
        error={errorFor(errors, 'givenName')}
      />
      <Textfield
        id="field-familyName"
        label={t('child.familyName')}
        value={form.familyName}
        required
        onChange={(e) => setForm({ ...form, familyName: e.target.value })}
        error={errorFor(errors, 'familyName')}
      />
      <Textfield
        id="field-preferredLanguage"
        label={t('child.preferredLanguage')}
        value={form.preferredLanguage}
        onChange={(e) => setForm({ ...form, preferredLanguage: e.target.value })}
        error={errorFor(errors, 'preferredLanguage')}
      />
      <Textfield
        id="field-interpreterLanguage"
        label={t('child.interpreterLanguage')}
        value={form.interpreterLanguage}
        onChange={(e) => setForm({ ...form, interpreterLanguage: e.target.value })}
        error={errorFor(errors, 'interpreterLanguage')}
      />
      <Field>
        <Label htmlFor="field-addressProtection">{t('child.protection')}</Label>
        <Select
          id="field-addressProtection"
          value={form.addressProtection}
          onChange={(e) => setForm({ ...form, addressProtection: e.target.value as AddressProtection })}
        >
          {(['NONE', 'CONFIDENTIAL', 'STRICTLY_CONFIDENTIAL'] as const).map((level) => (
            <Select.Option key={level} value={level}>
              {t(`child.protectionLevels.${level}`)}
            </Select.Option>
          ))}
        </Select>
      </Field>
      <div className="k-row">
        <Button type="submit" disabled={result.fetching}>
          {t('child.save')}
        </Button>
        <Button type="button" variant="secondary" onClick={() => onDone('cancelled')}>
          {t('child.cancel')}
        </Button>
      </div>
    </form>
  );
}

function HealthWithholding({ child, myRole }: { child: WorkspaceChild; myRole: string | null }) {
  const { t } = useTranslation();
  const age = ageOn(child.birthDate);
  const [{ data }] = useQuery({ query: ChildHealthWithholdingDocument, variables: { id: child.id } });
  const [result, setWithholding] = useMutation(SetHealthWithholdingDocument);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const withheld = data?.child?.healthWithheldFromGuardians;
  if (withheld === null || withheld === undefined) return null;
  const mayChoose = myRole === 'CHILD' && age !== null && age >= 12 && age < 16;
  return (
    <section className="k-stack" aria-labelledby="health-heading">
      <Heading level={2} data-size="sm" id="health-heading">
        {t('child.healthWithholding')}
      </Heading>
      <Paragraph>{withheld ? t('child.withheld') : t('child.notWithheld')}</Paragraph>
      <FormErrors errors={errors} fields={[]} />
      <RequestError error={result.error} />
      {mayChoose && (
        <div>
          <Button
            variant="secondary"
            disabled={result.fetching}
            onClick={async () => {
              const response = await setWithholding({ input: { childId: child.id, withhold: !withheld } });
              setErrors(response.data?.setHealthWithholding.errors ?? []);
            }}
          >
            {withheld ? t('child.share') : t('child.withhold')}
          </Button>
        </div>
      )}
    </section>
  );
}

export function DetailsPanel({
  child,
  canEdit,
  myRole,
}: {
  child: WorkspaceChild;
  canEdit: boolean;
  myRole: string | null;
}) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  return (
    <div className="k-stack">
      <Heading level={2} data-size="sm">
        {t('child.details')}
      </Heading>
      {outcome === 'saved' && !editing && (
        <Alert data-color="success" role="status">
          {t('child.saved')}
        </Alert>
      )}
      {outcome === 'conflict' && !editing && (
        <Alert data-color="warning" role="alert">
          {t('child.conflict')}
        </Alert>
      )}
      {editing ? (
        <EditChild
          child={child}
          onDone={(result) => {
            setEditing(false);
            setOutcome(result);
          }}
        />
      ) : (
        <>
          <dl className="k-facts">
            <dt>{t('child.givenName')}</dt>
            <dd>{child.givenName}</dd>
            <dt>{t('child.familyName')}</dt>
            <dd>{child.familyName}</dd>
            <dt>{t('child.nationalId')}</dt>
            <dd>{child.nationalId ?? t('child.hidden')}</dd>
            <dt>{child.isExpected ? t('child.expectedDate') : t('child.birthDate')}</dt>
            <dd>{formatDate(child.isExpected ? child.expectedDate : child.birthDate)}</dd>
            <dt>{t('child.preferredLanguage')}</dt>
            <dd>{child.preferredLanguage}</dd>
            <dt>{t('child.interpreter')}</dt>
            <dd>{child.needsInterpreter ? child.interpreterLanguage : t('child.noInterpreter')}</dd>
            <dt>{t('child.municipality')}</dt>
            <dd>{child.municipality?.name ?? t('child.hidden')}</dd>
            <dt>{t('child.protection')}</dt>
            <dd>{t(`child.protectionLevels.${child.addressProtection}`)}</dd>
          </dl>
          {canEdit && (
            <div>
              <Button variant="secondary" onClick={() => (setOutcome(null), setEditing(true))}>
                {t('child.edit')}
              </Button>
            </div>
          )}
        </>
      )}
      <HealthWithholding child={child} myRole={myRole} />
    </div>
  );
}

import { Alert, Button, Checkbox, Fieldset, Heading, Paragraph, Textfield } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { useMutation } from 'urql';

import { FormErrors, RequestError, errorFor } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import { RegisterChildDocument } from '../gql/graphql';

const FIELDS = [
  'givenName',
  'familyName',
  'nationalId',
  'birthDate',
  'expectedDate',
  'guardians.0.name',
  'guardians.0.email',
];

export function RegisterChild() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [expected, setExpected] = useState(false);
  const [form, setForm] = useState({
    givenName: '',
    familyName: '',
    nationalId: '',
    birthDate: '',
    expectedDate: '',
    guardianName: '',
    guardianEmail: '',
    parental: true,
  });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, register] = useMutation(RegisterChildDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const response = await register({
      input: {
        givenName: form.givenName || null,
        familyName: form.familyName,
        nationalId: expected ? null : form.nationalId || null,
        birthDate: expected ? null : form.birthDate || null,
        expectedDate: expected ? form.expectedDate || null : null,
        guardians: [
          {
            name: form.guardianName || null,
            email: form.guardianEmail || null,
            hasParentalResponsibility: form.parental,
          },
        ],
      },
    });
    const found = response.data?.registerChild.errors ?? [];
    setErrors(found);
    const child = response.data?.registerChild.child;
    if (!found.length && child) navigate(`/children/${child.id}`);
  }

  const field = (name: keyof typeof form, label: string, errorField: string, type = 'text') => (
    <Textfield
      id={`field-${errorField}`}
      type={type as 'text'}
      label={label}
      value={String(form[name])}
      onChange={(e) => setForm({ ...form, [name]: e.target.value })}
      error={errorFor(errors, errorField)}
    />
  );

  return (
    <>
      <Heading level={1} data-size="lg">
        {t('register.title')}
      </Heading>
      <Paragraph>{t('register.intro')}</Paragraph>
      <form onSubmit={submit} className="k-stack" style={{ maxWidth: '36rem' }} noValidate>
        <FormErrors errors={errors} fields={FIELDS} />
        <RequestError error={result.error} />
        {result.data && !errors.length && !result.data.registerChild.child && (
          <Alert data-color="danger">{t('app.internalError')}</Alert>
        )}
        {field('givenName', t('child.givenName'), 'givenName')}
        {field('familyName', t('child.familyName'), 'familyName')}
        <Checkbox label={t('register.expected')} checked={expected} onChange={(e) => setExpected(e.target.checked)} />
        {expected ? (
          field('expectedDate', t('child.expectedDate'), 'expectedDate', 'date')
        ) : (
          <>
            {field('nationalId', t('child.nationalId'), 'nationalId')}
            {field('birthDate', t('child.birthDate'), 'birthDate', 'date')}
          </>
        )}
        <Fieldset>
          <Fieldset.Legend>{t('register.guardian')}</Fieldset.Legend>
          {field('guardianName', t('register.guardianName'), 'guardians.0.name')}
          {field('guardianEmail', t('register.guardianEmail'), 'guardians.0.email', 'email')}
          <Checkbox
            label={t('register.parental')}
            checked={form.parental}
            onChange={(e) => setForm({ ...form, parental: e.target.checked })}
          />
        </Fieldset>
        <div>
          <Button type="submit" disabled={result.fetching}>
            {t('register.submit')}
          </Button>
        </div>
      </form>
    </>
  );
}

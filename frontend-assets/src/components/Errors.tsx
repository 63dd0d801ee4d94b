import { Alert, ErrorSummary } from '@digdir/designsystemet-react';
import type { CombinedError } from 'urql';
import { useTranslation } from 'react-i18next';

export type FieldError = { code: string; field?: string | null; message: string };

/** The message for one input field, to show next to it. */
export function errorFor(errors: FieldError[], field: string): string | undefined {
  const found = errors.filter((e) => e.field === field).map((e) => e.message);
  return found.length ? found.join(' ') : undefined;
}

/** Errors that belong to no field on the form (or to a field it does not show). */
export function FormErrors({ errors, fields }: { errors: FieldError[]; fields: string[] }) {
  // The live region is always there, so screen readers announce errors when they appear.
  return (
    <div aria-live="assertive" aria-atomic="true">
      {errors.length > 0 && <Summary errors={errors} fields={fields} />}
    </div>
  );
}

function Summary({ errors, fields }: { errors: FieldError[]; fields: string[] }) {
  const { t } = useTranslation();
  return (
    <ErrorSummary>
      <ErrorSummary.Heading>{t('errors.summary')}</ErrorSummary.Heading>
      <ErrorSummary.List>
        {errors.map((e, i) => (
          <ErrorSummary.Item key={i}>
            {e.field && fields.includes(e.field) ? (
              <ErrorSummary.Link href={`#field-${e.field}`}>{e.message}</ErrorSummary.Link>
            ) : (
              e.message
            )}
          </ErrorSummary.Item>
        ))}
      </ErrorSummary.List>
    </ErrorSummary>
  );
}

/** A request that failed as a whole (network, server): the server's words, never internals. */
export function RequestError({ error }: { error?: CombinedError }) {
  const { t } = useTranslation();
  if (!error) return null;
  const message = error.networkError ? t('app.internalError') : error.graphQLErrors[0]?.message;
  return (
    <Alert data-color="danger" role="alert">
      {message || t('app.internalError')}
    </Alert>
  );
}

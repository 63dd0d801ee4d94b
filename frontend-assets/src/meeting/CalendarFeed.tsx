import { Alert, Button, Heading, Paragraph, Spinner, Textfield } from '@digdir/designsystemet-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery } from 'urql';

import { FormErrors, RequestError } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import { formatDateTime } from '../format';
import { CalendarCreateFeedDocument, CalendarFeedDocument, CalendarRevokeFeedDocument } from '../gql/graphql';

/**
 * The person's own calendar address (iCalendar): made here, shown once with a copy button,
 * replaced (the old address stops working) or revoked.
 */
export function CalendarFeedSection() {
  const { t } = useTranslation();
  const [{ data, fetching, error }, refetch] = useQuery({ query: CalendarFeedDocument });
  const [createResult, create] = useMutation(CalendarCreateFeedDocument);
  const [revokeResult, revoke] = useMutation(CalendarRevokeFeedDocument);
  const [url, setUrl] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [revoked, setRevoked] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const feed = data?.myCalendarFeed ?? null;

  async function make() {
    setCopied(false);
    setRevoked(false);
    const response = await create({});
    const found = response.data?.createCalendarFeed.errors ?? [];
    setErrors(found);
    setUrl(response.data?.createCalendarFeed.feed?.url ?? null);
    refetch({ requestPolicy: 'network-only' });
  }
  async function end() {
    setCopied(false);
    const response = await revoke({});
    const found = response.data?.revokeCalendarFeed.errors ?? [];
    setErrors(found);
    if (!found.length) {
      setUrl(null);
      setRevoked(true);
    }
    refetch({ requestPolicy: 'network-only' });
  }
  async function copy() {
    if (!url) return;
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
    } catch {
      // No clipboard (an old browser, no permission): the address is selected to copy by hand.
      (document.getElementById('calendar-url') as HTMLInputElement | null)?.select();
    }
  }

  return (
    <section className="k-stack" aria-labelledby="calendar-heading">
      <Heading level={2} data-size="sm" id="calendar-heading">
        {t('calendar.title')}
      </Heading>
      <Paragraph>{t('calendar.intro')}</Paragraph>
      <RequestError error={error ?? createResult.error ?? revokeResult.error} />
      <FormErrors errors={errors} fields={[]} />
      {fetching && !data ? (
        <Spinner aria-label={t('app.loading')} />
      ) : (
        <>
          <Paragraph data-calendar-state={feed ? 'active' : 'none'}>
            {feed ? t('calendar.active', { when: formatDateTime(feed.createdAt) }) : t('calendar.none')}
          </Paragraph>
          <div role="status">
            {revoked && (
              <Alert data-color="success" data-size="sm">
                {t('calendar.revoked')}
              </Alert>
            )}
          </div>
          {url && (
            <div className="k-stack">
              <Alert data-color="info" data-size="sm">
                {t('calendar.onlyOnce')}
              </Alert>
              <Textfield id="calendar-url" label={t('calendar.url')} value={url} readOnly onFocus={(e) => e.target.select()} />
              <div className="k-row">
                <Button variant="secondary" onClick={() => void copy()}>
                  {t('calendar.copy')}
                </Button>
                <span role="status">{copied ? t('calendar.copied') : ''}</span>
              </div>
            </div>
          )}
          <div className="k-row">
            <Button variant={feed ? 'secondary' : 'primary'} onClick={() => void make()} disabled={createResult.fetching}>
              {feed ? t('calendar.replace') : t('calendar.create')}
            </Button>
            {feed && (
              <Button variant="tertiary" data-color="danger" onClick={() => void end()} disabled={revokeResult.fetching}>
                {t('calendar.revoke')}
              </Button>
            )}
          </div>
          {feed && <Paragraph data-size="sm" className="k-muted">{t('calendar.replaceHelp')}</Paragraph>}
        </>
      )}
    </section>
  );
}

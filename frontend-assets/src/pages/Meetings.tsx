import { Heading, Paragraph, Spinner } from '@digdir/designsystemet-react';
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from 'urql';

import { RequestError } from '../components/Errors';
import { MeetingsMineDocument } from '../gql/graphql';
import { useMyChanges, useReloadOnChange } from '../live';
import { CalendarFeedSection } from '../meeting/CalendarFeed';
import { MeetingList } from '../meeting/MeetingList';

/** My meetings (organizer or invited, a guest's too), the coming ones first; my calendar address. */
export function Meetings() {
  const { t } = useTranslation();
  const changes = useMyChanges();
  const [upcoming, refetchUpcoming] = useQuery({ query: MeetingsMineDocument, variables: { past: false, first: 50 } });
  const [past, refetchPast] = useQuery({ query: MeetingsMineDocument, variables: { past: true, first: 20 } });
  const reload = useCallback(() => {
    refetchUpcoming({ requestPolicy: 'network-only' });
    refetchPast({ requestPolicy: 'network-only' });
  }, [refetchUpcoming, refetchPast]);
  useReloadOnChange(changes, reload);
  const coming = (upcoming.data?.myMeetings.edges ?? []).map((e) => e.node);
  const earlier = (past.data?.myMeetings.edges ?? []).map((e) => e.node);
  return (
    <>
      <Heading level={1} data-size="lg">
        {t('meeting.list.title')}
      </Heading>
      <Paragraph>{t('meeting.list.intro')}</Paragraph>
      <RequestError error={upcoming.error ?? past.error} />
      <section className="k-stack" aria-labelledby="upcoming-heading">
        <Heading level={2} data-size="sm" id="upcoming-heading">
          {t('meeting.list.upcoming')}
        </Heading>
        {upcoming.fetching && !upcoming.data ? (
          <Spinner aria-label={t('app.loading')} />
        ) : (
          <MeetingList meetings={coming} empty={t('meeting.list.noUpcoming')} showChild />
        )}
      </section>
      <section className="k-stack" aria-labelledby="past-heading">
        <Heading level={2} data-size="sm" id="past-heading">
          {t('meeting.list.past')}
        </Heading>
        {past.fetching && !past.data ? (
          <Spinner aria-label={t('app.loading')} />
        ) : (
          <MeetingList meetings={earlier} empty={t('meeting.list.noPast')} showChild />
        )}
      </section>
      <CalendarFeedSection />
    </>
  );
}

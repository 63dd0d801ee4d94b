import { Button, Heading, Paragraph, Spinner } from '@digdir/designsystemet-react';
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink } from 'react-router';
import { useQuery } from 'urql';

import { RequestError } from '../components/Errors';
import { MeetingsOfChildDocument } from '../gql/graphql';
import { useReloadOnChange } from '../live';
import { MeetingList } from './MeetingList';

/** The child workspace's "Møter" tab: coming and earlier meetings; the coordinator schedules one. */
export function ChildMeetings({
  childId,
  canSchedule,
  changes,
  opened,
}: {
  childId: string;
  canSchedule: boolean;
  changes: number;
  /** The tab has been opened: only then are the meetings read. */
  opened: boolean;
}) {
  const { t } = useTranslation();
  const [upcoming, refetchUpcoming] = useQuery({
    query: MeetingsOfChildDocument,
    variables: { childId, past: false, first: 50 },
    pause: !opened,
  });
  const [past, refetchPast] = useQuery({
    query: MeetingsOfChildDocument,
    variables: { childId, past: true, first: 20 },
    pause: !opened,
  });
  const reload = useCallback(() => {
    if (!opened) return;
    refetchUpcoming({ requestPolicy: 'network-only' });
    refetchPast({ requestPolicy: 'network-only' });
  }, [opened, refetchUpcoming, refetchPast]);
  useReloadOnChange(changes, reload);
  if (!opened) return null;
  return (
    <div className="k-stack">
      <div className="k-row" style={{ justifyContent: 'space-between', alignItems: 'center' }}>
        <Heading level={2} data-size="sm">
          {t('meeting.child.title')}
        </Heading>
        {canSchedule && (
          <Button asChild data-size="sm">
            <RouterLink to={`/children/${childId}/meetings/new`}>{t('meeting.child.schedule')}</RouterLink>
          </Button>
        )}
      </div>
      <RequestError error={upcoming.error ?? past.error} />
      <section className="k-stack" aria-labelledby="child-upcoming-heading">
        <Heading level={3} data-size="xs" id="child-upcoming-heading">
          {t('meeting.list.upcoming')}
        </Heading>
        {upcoming.fetching && !upcoming.data ? (
          <Spinner aria-label={t('app.loading')} />
        ) : (
          <MeetingList
            meetings={(upcoming.data?.childMeetings.edges ?? []).map((e) => e.node)}
            empty={t('meeting.list.noUpcoming')}
          />
        )}
      </section>
      <section className="k-stack" aria-labelledby="child-past-heading">
        <Heading level={3} data-size="xs" id="child-past-heading">
          {t('meeting.list.past')}
        </Heading>
        {past.fetching && !past.data ? (
          <Spinner aria-label={t('app.loading')} />
        ) : (
          <MeetingList meetings={(past.data?.childMeetings.edges ?? []).map((e) => e.node)} empty={t('meeting.list.noPast')} />
        )}
      </section>
      <Paragraph className="k-muted" data-size="sm">
        {t('meeting.child.note')}
      </Paragraph>
    </div>
  );
}

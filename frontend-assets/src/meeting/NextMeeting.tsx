import { Heading, Paragraph } from '@digdir/designsystemet-react';
import { useCallback, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink } from 'react-router';
import { useQuery } from 'urql';

import { MeetingsMineDocument, MeetingsOfChildDocument } from '../gql/graphql';
import { useReloadOnChange } from '../live';
import { ActionItemList } from './ActionItems';
import { AnswerTag, openActionItems } from './common';
import type { MeetingSummary } from './common';
import { formatStart, formatWhen } from './time';

/** The next scheduled meeting of each child, from the caller's own meetings (one request). */
export function useNextMeetings(changes: number): Map<string, MeetingSummary> {
  const [{ data }, refetch] = useQuery({ query: MeetingsMineDocument, variables: { past: false, first: 100 } });
  const reload = useCallback(() => refetch({ requestPolicy: 'network-only' }), [refetch]);
  useReloadOnChange(changes, reload);
  return useMemo(() => {
    const next = new Map<string, MeetingSummary>();
    const meetings = (data?.myMeetings.edges ?? []).map((e) => e.node).filter((m) => m.status === 'SCHEDULED');
    meetings.sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt));
    for (const meeting of meetings) if (!next.has(meeting.childId)) next.set(meeting.childId, meeting);
    return next;
  }, [data]);
}

/** A caseload cell: the child's next meeting, linked, or a dash. */
export function NextMeetingCell({ meeting }: { meeting: MeetingSummary | undefined }) {
  const { t } = useTranslation();
  if (!meeting) return <span className="k-muted">{t('meeting.caseload.none')}</span>;
  return (
    <RouterLink to={`/meetings/${meeting.id}`}>{formatStart(meeting.startsAt)}</RouterLink>
  );
}

/** In the family view: the child's next meeting and the action items still open. */
export function FamilyMeetings({
  childId,
  changes,
  level,
  name,
}: {
  childId: string;
  changes: number;
  level: 3 | 4;
  name: string;
}) {
  const { t } = useTranslation();
  const [upcoming, refetchUpcoming] = useQuery({ query: MeetingsOfChildDocument, variables: { childId, past: false, first: 5 } });
  const [past, refetchPast] = useQuery({ query: MeetingsOfChildDocument, variables: { childId, past: true, first: 10 } });
  const reload = useCallback(() => {
    refetchUpcoming({ requestPolicy: 'network-only' });
    refetchPast({ requestPolicy: 'network-only' });
  }, [refetchUpcoming, refetchPast]);
  useReloadOnChange(changes, reload);
  const coming = (upcoming.data?.childMeetings.edges ?? []).map((e) => e.node).filter((m) => m.status === 'SCHEDULED');
  const next = coming[0];
  const meetings = [...(past.data?.childMeetings.edges ?? []), ...(upcoming.data?.childMeetings.edges ?? [])].map((e) => e.node);
  const open = openActionItems(meetings.flatMap((m) => m.actionItems));
  const headingId = `family-meetings-${childId}`;
  if (!upcoming.data && !past.data) return null;
  return (
    <section className="k-stack" aria-labelledby={headingId}>
      <Heading level={level} data-size="xs" id={headingId}>
        {t('meeting.family.title', { name })}
      </Heading>
      {next ? (
        <Paragraph>
          {t('meeting.family.next')}{' '}
          <RouterLink to={`/meetings/${next.id}`}>{next.title}</RouterLink>, {formatWhen(next.startsAt, next.endsAt)}
          {next.placeLabel ? `, ${next.placeLabel}` : ''}{' '}
          {next.myInvitation && <AnswerTag answer={next.myInvitation.answer} />}
        </Paragraph>
      ) : (
        <Paragraph>{t('meeting.family.noNext')}</Paragraph>
      )}
      {open.length > 0 && (
        <>
          <Paragraph>{t('meeting.family.openItems', { count: open.length })}</Paragraph>
          <ActionItemList items={open} />
        </>
      )}
    </section>
  );
}

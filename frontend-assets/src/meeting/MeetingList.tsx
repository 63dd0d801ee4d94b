import { Paragraph } from '@digdir/designsystemet-react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink } from 'react-router';

import { AnswerTag, MeetingStatusTag } from './common';
import type { MeetingSummary } from './common';
import { formatWhen } from './time';

/** Meetings as a list: title (to the meeting), when, where, the reader's answer. */
export function MeetingList({
  meetings,
  empty,
  showChild = false,
}: {
  meetings: MeetingSummary[];
  empty: string;
  showChild?: boolean;
}) {
  const { t } = useTranslation();
  if (!meetings.length) return <Paragraph>{empty}</Paragraph>;
  return (
    <ul className="k-stack k-plain-list">
      {meetings.map((meeting) => (
        <li key={meeting.id} className="k-stack k-meeting-item">
          <div className="k-row" style={{ alignItems: 'center' }}>
            <RouterLink to={`/meetings/${meeting.id}`}>
              <strong>{meeting.title}</strong>
            </RouterLink>
            {meeting.status !== 'SCHEDULED' && <MeetingStatusTag status={meeting.status} />}
            {meeting.myInvitation && meeting.status === 'SCHEDULED' && <AnswerTag answer={meeting.myInvitation.answer} />}
            {meeting.viewerIsGuest && <span className="k-muted">{t('meeting.guest.tag')}</span>}
          </div>
          <span>
            <time dateTime={meeting.startsAt}>{formatWhen(meeting.startsAt, meeting.endsAt)}</time>
            {meeting.placeLabel ? ` · ${meeting.placeLabel}` : ''}
            {!meeting.placeLabel && meeting.videoUrl ? ` · ${t('meeting.view.video')}` : ''}
          </span>
          {showChild && <span className="k-muted">{t('meeting.list.about', { name: meeting.childName })}</span>}
        </li>
      ))}
    </ul>
  );
}

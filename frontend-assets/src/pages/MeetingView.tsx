import { Alert, Heading, Paragraph, Spinner } from '@digdir/designsystemet-react';
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink, useParams } from 'react-router';
import { useQuery } from 'urql';

import { RequestError } from '../components/Errors';
import type { Me } from '../components/Layout';
import { formatDateTime } from '../format';
import { MeetingDocument, MeetingPlanningDocument } from '../gql/graphql';
import { useMyChanges, useReloadOnChange } from '../live';
import { ActionItemsSection } from '../meeting/ActionItems';
import { AgendaSection } from '../meeting/Agenda';
import { AnswerForm } from '../meeting/AnswerForm';
import { MeetingStatusTag, coordinates, whereOf } from '../meeting/common';
import type { MeetingData } from '../meeting/common';
import { GuestPlan } from '../meeting/GuestPlan';
import { InvitationsSection } from '../meeting/Invitations';
import { MinutesSection } from '../meeting/MinutesSection';
import { formatWhen, languageName } from '../meeting/time';
import { NotFound } from './NotFound';

function Facts({ meeting }: { meeting: MeetingData }) {
  const { t } = useTranslation();
  const where = whereOf(meeting);
  return (
    <section className="k-stack" aria-labelledby="facts-heading">
      <Heading level={2} data-size="sm" id="facts-heading">
        {t('meeting.view.facts')}
      </Heading>
      <dl className="k-facts">
        <dt>{t('meeting.view.when')}</dt>
        <dd>
          <time dateTime={meeting.startsAt}>{formatWhen(meeting.startsAt, meeting.endsAt)}</time>
        </dd>
        <dt>{t('meeting.view.where')}</dt>
        <dd>
          {where || t('meeting.view.noPlace')}
          {meeting.placeProtected && meeting.place && (
            <div className="k-muted">{t('meeting.view.placeProtected')}</div>
          )}
        </dd>
        {meeting.videoUrl && (
          <>
            <dt>{t('meeting.view.video')}</dt>
            <dd>
              <a href={meeting.videoUrl} target="_blank" rel="noreferrer noopener">
                {t('meeting.view.joinVideo')}
              </a>
            </dd>
          </>
        )}
        {meeting.purpose && (
          <>
            <dt>{t('meeting.view.purpose')}</dt>
            <dd className="k-prewrap">{meeting.purpose}</dd>
          </>
        )}
        <dt>{t('meeting.view.organizer')}</dt>
        <dd>{meeting.organizerName}</dd>
        <dt>{t('meeting.view.child')}</dt>
        <dd>
          {meeting.viewerIsGuest ? (
            meeting.childName
          ) : (
            <RouterLink to={`/children/${meeting.childId}`}>{meeting.childName}</RouterLink>
          )}
          {meeting.childTakesPart && <div className="k-muted">{t('meeting.view.childTakesPart')}</div>}
        </dd>
        {meeting.interpreterLanguage && (
          <>
            <dt>{t('meeting.view.interpreter')}</dt>
            <dd>{languageName(meeting.interpreterLanguage)}</dd>
          </>
        )}
      </dl>
    </section>
  );
}

/** The meeting: when and where, the agenda, who comes, the live minutes and what was agreed. */
export function MeetingView({ me }: { me: Me }) {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const changes = useMyChanges();
  const [{ data, fetching, error }, refetch] = useQuery({ query: MeetingDocument, variables: { id } });
  const reload = useCallback(() => refetch({ requestPolicy: 'network-only' }), [refetch]);
  useReloadOnChange(changes, reload);
  const meeting = data?.meeting ?? null;
  // The coordinator needs the child's network (to invite, to name an owner); no one else reads it here.
  const [planning] = useQuery({
    query: MeetingPlanningDocument,
    variables: { childId: meeting?.childId ?? '' },
    pause: !meeting || !coordinates(meeting),
  });
  const network = meeting && coordinates(meeting) ? (planning.data?.child?.network ?? null) : null;

  if (fetching && !data) return <Spinner aria-label={t('app.loading')} data-size="lg" />;
  if (error && !data) return <RequestError error={error} />;
  if (!meeting) return <NotFound />;
  const invitation = meeting.myInvitation;
  return (
    <>
      <header className="k-stack">
        <div>
          {meeting.viewerIsGuest ? (
            <RouterLink to="/meetings">{t('meeting.backToMeetings')}</RouterLink>
          ) : (
            <RouterLink to={`/children/${meeting.childId}`}>{t('meeting.backToChild', { name: meeting.childName })}</RouterLink>
          )}
        </div>
        <Heading level={1} data-size="lg">
          {meeting.title}
        </Heading>
        <div className="k-row" style={{ alignItems: 'center' }}>
          <MeetingStatusTag status={meeting.status} />
          <span>{formatWhen(meeting.startsAt, meeting.endsAt)}</span>
          {meeting.canEdit && meeting.status === 'SCHEDULED' && (
            <RouterLink to={`/meetings/${meeting.id}/edit`}>{t('meeting.view.edit')}</RouterLink>
          )}
        </div>
      </header>
      <RequestError error={error} />
      {meeting.status === 'CANCELLED' && (
        <Alert data-color="warning">{t('meeting.cancelledNotice', { reason: meeting.cancelReason ?? '' })}</Alert>
      )}
      {meeting.viewerIsGuest && (
        <Alert data-color="info">
          {meeting.guestAccessUntil
            ? t('meeting.guest.notice', { when: formatDateTime(meeting.guestAccessUntil) })
            : t('meeting.guest.noticeNoDate')}
        </Alert>
      )}
      {/* The organizer comes: their own answer is not asked for. */}
      {invitation && !invitation.withdrawn && meeting.status === 'SCHEDULED' && !coordinates(meeting) && (
        <AnswerForm key={invitation.id} invitation={invitation} onDone={reload} />
      )}
      <Facts meeting={meeting} />
      <AgendaSection meeting={meeting} onChanged={reload} />
      <InvitationsSection meeting={meeting} network={network} onChanged={reload} />
      {meeting.viewerIsGuest && <GuestPlan meeting={meeting} />}
      <MinutesSection meeting={meeting} myName={me.name} onChanged={reload} />
      <ActionItemsSection meeting={meeting} network={network} onChanged={reload} />
      {!meeting.viewerIsGuest && meeting.status !== 'CANCELLED' && (
        <Paragraph className="k-muted" data-size="sm">
          {t('meeting.view.planNote')}
        </Paragraph>
      )}
    </>
  );
}

import { Alert, Button, Heading, Paragraph, Spinner } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';

import { RequestError } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import { MeetingCancelDocument, MeetingDocument, MeetingPlanningDocument, MeetingUpdateDocument } from '../gql/graphql';
import type { MeetingData } from '../meeting/common';
import { DETAIL_FIELDS, MeetingDetailsFields, detailsOf, timesOf } from '../meeting/MeetingForm';
import type { MeetingDetails } from '../meeting/MeetingForm';
import { PlanFormErrors, PlanTextField, hasConflict } from '../plan/common';
import { NotFound } from './NotFound';

function EditForm({ meeting, onConflict }: { meeting: MeetingData; onConflict: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  // The version rule: the form sends the version it was opened on.
  const [version] = useState(meeting.version);
  const [details, setDetails] = useState<MeetingDetails>(detailsOf(meeting));
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, update] = useMutation(MeetingUpdateDocument);
  const [{ data }] = useQuery({ query: MeetingPlanningDocument, variables: { childId: meeting.childId } });
  const prefix = 'meeting';
  async function send(event: FormEvent) {
    event.preventDefault();
    const times = timesOf(details, { date: t('meeting.form.dateMissing'), time: t('meeting.form.timeMissing') });
    if (Array.isArray(times)) {
      setErrors(times);
      return;
    }
    // Only what changed is sent (null: leave as it is); an emptied text is sent as "" to clear it.
    const before = detailsOf(meeting);
    const beforeTimes = { startsAt: meeting.startsAtLocal, endsAt: meeting.endsAtLocal };
    const changed = <K extends keyof MeetingDetails>(key: K) => (details[key] !== before[key] ? details[key] : null);
    const timesChanged = times.startsAt !== beforeTimes.startsAt || times.endsAt !== beforeTimes.endsAt;
    const response = await update({
      input: {
        meetingId: meeting.id,
        version,
        title: changed('title'),
        purpose: changed('purpose'),
        startsAt: timesChanged ? times.startsAt : null,
        endsAt: timesChanged ? times.endsAt : null,
        place: changed('place'),
        videoUrl: changed('videoUrl'),
        placeProtected: changed('placeProtected'),
        childTakesPart: changed('childTakesPart'),
        interpreterLanguage: changed('interpreterLanguage'),
      },
    });
    const found = response.data?.updateMeeting.errors ?? [];
    setErrors(found);
    if (hasConflict(found)) onConflict();
    else if (!found.length && response.data?.updateMeeting.meeting) navigate(`/meetings/${meeting.id}`);
  }
  return (
    <form onSubmit={send} className="k-stack k-form" aria-labelledby="edit-heading" noValidate>
      <Heading level={2} data-size="sm" id="edit-heading">
        {t('meeting.edit.details')}
      </Heading>
      <Paragraph>{t('meeting.edit.intro')}</Paragraph>
      <PlanFormErrors errors={errors} prefix={prefix} fields={[...DETAIL_FIELDS, 'date']} />
      <RequestError error={result.error} />
      <MeetingDetailsFields
        prefix={prefix}
        value={details}
        onChange={setDetails}
        errors={errors}
        suggestedLanguage={data?.suggestedInterpreterLanguage ?? null}
      />
      <div>
        <Button type="submit" disabled={result.fetching}>
          {t('meeting.edit.save')}
        </Button>
      </div>
    </form>
  );
}

function CancelForm({ meeting, onConflict }: { meeting: MeetingData; onConflict: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [version] = useState(meeting.version);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, cancel] = useMutation(MeetingCancelDocument);
  const prefix = 'cancel';
  async function send(event: FormEvent) {
    event.preventDefault();
    const response = await cancel({ input: { meetingId: meeting.id, version, reason } });
    const found = response.data?.cancelMeeting.errors ?? [];
    setErrors(found);
    if (hasConflict(found)) onConflict();
    else if (!found.length && response.data?.cancelMeeting.meeting) navigate(`/meetings/${meeting.id}`);
  }
  return (
    <form onSubmit={send} className="k-stack k-form" aria-labelledby="cancel-heading" noValidate>
      <Heading level={2} data-size="sm" id="cancel-heading">
        {t('meeting.edit.cancelTitle')}
      </Heading>
      <Paragraph>{t('meeting.edit.cancelIntro')}</Paragraph>
      <PlanFormErrors errors={errors} prefix={prefix} fields={['reason']} />
      <RequestError error={result.error} />
      <PlanTextField
        prefix={prefix}
        name="reason"
        multiline
        label={t('meeting.edit.cancelReason')}
        value={reason}
        onChange={setReason}
        errors={errors}
      />
      <div>
        <Button type="submit" data-color="danger" variant="secondary" disabled={result.fetching}>
          {t('meeting.edit.cancelSend')}
        </Button>
      </div>
    </form>
  );
}

/** The coordinator changes a meeting (everyone invited is told) or cancels it with a reason. */
export function EditMeeting() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const [{ data, fetching, error }, refetch] = useQuery({ query: MeetingDocument, variables: { id } });
  const [conflict, setConflict] = useState(false);
  if (fetching && !data) return <Spinner aria-label={t('app.loading')} data-size="lg" />;
  if (error && !data) return <RequestError error={error} />;
  const meeting = data?.meeting;
  if (!meeting || !meeting.canEdit) return <NotFound />;
  const onConflict = () => {
    setConflict(true);
    refetch({ requestPolicy: 'network-only' });
  };
  return (
    <>
      <header className="k-stack">
        <div>
          <RouterLink to={`/meetings/${meeting.id}`}>{t('meeting.backToMeeting')}</RouterLink>
        </div>
        <Heading level={1} data-size="lg">
          {t('meeting.edit.title', { title: meeting.title })}
        </Heading>
      </header>
      <div aria-live="polite">{conflict && <Alert data-color="warning">{t('meeting.edit.conflict')}</Alert>}</div>
      {meeting.status === 'CANCELLED' ? (
        <Paragraph>{t('meeting.cancelledNotice', { reason: meeting.cancelReason ?? '' })}</Paragraph>
      ) : (
        <>
          <EditForm key={meeting.version} meeting={meeting} onConflict={onConflict} />
          <CancelForm key={`cancel-${meeting.version}`} meeting={meeting} onConflict={onConflict} />
        </>
      )}
    </>
  );
}

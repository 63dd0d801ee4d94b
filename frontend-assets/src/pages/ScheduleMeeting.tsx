import { Button, Fieldset, Heading, Paragraph, Spinner, Textfield, ValidationMessage } from '@digdir/designsystemet-react';
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';

import { RequestError, errorFor } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import { MeetingPlanningDocument, MeetingScheduleDocument } from '../gql/graphql';
import { MeetingDetailsFields, DETAIL_FIELDS, emptyDetails, timesOf } from '../meeting/MeetingForm';
import type { MeetingDetails } from '../meeting/MeetingForm';
import { PlanCheckboxes, PlanFormErrors, memberName } from '../plan/common';
import { childName } from './Caseload';
import { NotFound } from './NotFound';

type AgendaDraft = { key: number; title: string; detail: string };

/** Innkalling: the coordinator schedules a meeting of the child's network. */
export function ScheduleMeeting() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { id: childId = '' } = useParams();
  const [{ data, fetching, error }] = useQuery({ query: MeetingPlanningDocument, variables: { childId } });
  const [details, setDetails] = useState<MeetingDetails>(emptyDetails(null));
  const [invite, setInvite] = useState<string[] | null>(null);
  const [agenda, setAgenda] = useState<AgendaDraft[]>([{ key: 0, title: '', detail: '' }]);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, schedule] = useMutation(MeetingScheduleDocument);
  const prefix = 'meeting';
  const child = data?.child;
  const suggested = data?.suggestedInterpreterLanguage ?? null;
  const network = (child?.network ?? []).filter((m) => m.role !== 'COORDINATOR');

  // The interpreter language the child's record names is the starting choice.
  useEffect(() => {
    if (suggested) setDetails((d) => (d.interpreterLanguage ? d : { ...d, interpreterLanguage: suggested }));
  }, [suggested]);
  // A protected child's meeting place starts protected; untouched, the server decides from
  // the whole family's protection (a guardian's counts too).
  const protectedAtFirst = (child?.addressProtection ?? 'NONE') !== 'NONE';
  useEffect(() => {
    if (protectedAtFirst) setDetails((d) => ({ ...d, placeProtected: true }));
  }, [protectedAtFirst]);
  // Everyone in the network but the child is invited unless the coordinator unticks them.
  const selected = invite ?? network.filter((m) => m.role !== 'CHILD').map((m) => m.id);

  if (fetching && !data) return <Spinner aria-label={t('app.loading')} data-size="lg" />;
  if (error && !data) return <RequestError error={error} />;
  if (!child) return <NotFound />;
  const name = childName(child);

  async function send(event: FormEvent) {
    event.preventDefault();
    const times = timesOf(details, { date: t('meeting.form.dateMissing'), time: t('meeting.form.timeMissing') });
    if (Array.isArray(times)) {
      setErrors(times);
      return;
    }
    // Empty agenda rows are left out.
    const sent = agenda.flatMap((item, index) => (item.title.trim() || item.detail.trim() ? [index] : []));
    const response = await schedule({
      input: {
        childId,
        title: details.title,
        purpose: details.purpose || null,
        startsAt: times.startsAt,
        endsAt: times.endsAt,
        place: details.place || null,
        videoUrl: details.videoUrl || null,
        placeProtected: details.placeProtected === protectedAtFirst ? null : details.placeProtected,
        childTakesPart: details.childTakesPart,
        interpreterLanguage: details.interpreterLanguage || null,
        inviteMemberIds: selected,
        agenda: sent.map((index) => ({ title: agenda[index].title, detail: agenda[index].detail || null })),
      },
    });
    // The server counts the items sent; the form shows them where they were typed.
    const found = (response.data?.scheduleMeeting.errors ?? []).map((e) => {
      const match = /^agenda\.(\d+)\.(\w+)$/.exec(e.field ?? '');
      return match ? { ...e, field: `agenda.${sent[Number(match[1])] ?? match[1]}.${match[2]}` } : e;
    });
    setErrors(found);
    const meeting = response.data?.scheduleMeeting.meeting;
    if (!found.length && meeting) navigate(`/meetings/${meeting.id}`);
  }

  const agendaError = errorFor(errors, 'agenda');
  return (
    <>
      <header className="k-stack">
        <div>
          <RouterLink to={`/children/${childId}`}>{t('meeting.backToChild', { name })}</RouterLink>
        </div>
        <Heading level={1} data-size="lg">
          {t('meeting.schedule.title', { name })}
        </Heading>
        <Paragraph>{t('meeting.schedule.intro')}</Paragraph>
      </header>
      <form onSubmit={send} className="k-stack k-form" aria-label={t('meeting.schedule.title', { name })} noValidate>
        <PlanFormErrors errors={errors} prefix={prefix} fields={[
            ...DETAIL_FIELDS,
            'date',
            'inviteMemberIds',
            'agenda',
            ...agenda.flatMap((_, i) => [`agenda.${i}.title`, `agenda.${i}.detail`]),
          ]} />
        <RequestError error={result.error} />
        <MeetingDetailsFields prefix={prefix} value={details} onChange={setDetails} errors={errors} suggestedLanguage={suggested} />
        <PlanCheckboxes
          prefix={prefix}
          name="inviteMemberIds"
          legend={t('meeting.schedule.invite')}
          description={t('meeting.schedule.inviteHelp')}
          options={network.map((m) => ({ value: m.id, label: `${memberName(m)} – ${t(`network.roles.${m.role}`)}` }))}
          selected={selected}
          onChange={setInvite}
          errors={errors}
          empty={<Paragraph>{t('meeting.schedule.noNetwork')}</Paragraph>}
        />
        <Fieldset id={`${prefix}-agenda`} tabIndex={-1} aria-describedby={agendaError ? `${prefix}-agenda-error` : undefined}>
          <Fieldset.Legend>{t('meeting.agenda.title')}</Fieldset.Legend>
          <Fieldset.Description>{t('meeting.schedule.agendaHelp')}</Fieldset.Description>
          {agenda.map((item, index) => (
            <div key={item.key} className="k-stack k-agenda-draft">
              <AgendaDraftFields
                index={index}
                item={item}
                errors={errors}
                onChange={(next) => setAgenda(agenda.map((a) => (a.key === item.key ? next : a)))}
                onRemove={agenda.length > 1 ? () => setAgenda(agenda.filter((a) => a.key !== item.key)) : undefined}
              />
            </div>
          ))}
          <div>
            <Button
              type="button"
              variant="secondary"
              data-size="sm"
              onClick={() => setAgenda([...agenda, { key: Math.max(0, ...agenda.map((a) => a.key)) + 1, title: '', detail: '' }])}
            >
              {t('meeting.schedule.addItem')}
            </Button>
          </div>
          {agendaError && (
            <ValidationMessage id={`${prefix}-agenda-error`}>{agendaError}</ValidationMessage>
          )}
        </Fieldset>
        <div>
          <Button type="submit" disabled={result.fetching}>
            {t('meeting.schedule.send')}
          </Button>
        </div>
      </form>
    </>
  );
}

function AgendaDraftFields({
  index,
  item,
  errors,
  onChange,
  onRemove,
}: {
  index: number;
  item: AgendaDraft;
  errors: FieldError[];
  onChange: (item: AgendaDraft) => void;
  onRemove?: () => void;
}) {
  const { t } = useTranslation();
  return (
    <>
      <Textfield
        id={`meeting-agenda.${index}.title`}
        label={t('meeting.schedule.itemTitle', { number: index + 1 })}
        error={errorFor(errors, `agenda.${index}.title`)}
        value={item.title}
        onChange={(e) => onChange({ ...item, title: e.target.value })}
      />
      <Textfield
        id={`meeting-agenda.${index}.detail`}
        label={t('meeting.schedule.itemDetail', { number: index + 1 })}
        error={errorFor(errors, `agenda.${index}.detail`)}
        multiline
        rows={2}
        value={item.detail}
        onChange={(e) => onChange({ ...item, detail: e.target.value })}
      />
      {onRemove && (
        <div>
          <Button type="button" variant="tertiary" data-size="sm" onClick={onRemove}>
            {t('meeting.schedule.removeItem', { number: index + 1 })}
          </Button>
        </div>
      )}
    </>
  );
}

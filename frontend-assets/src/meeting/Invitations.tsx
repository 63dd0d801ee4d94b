import { Button, Details, Fieldset, Heading, Paragraph, Radio, Search, Tag, ValidationMessage } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery } from 'urql';

import { ChoiceField } from '../components/ChoiceField';
import { RequestError, errorFor } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import { formatDateTime } from '../format';
import {
  MeetingGuestCandidatesDocument,
  MeetingInviteGuestDocument,
  MeetingInviteMembersDocument,
  MeetingMakeGuestMemberDocument,
  MeetingObjectToGuestDocument,
  MeetingWithdrawInvitationDocument,
} from '../gql/graphql';
import type { NetworkRole } from '../gql/graphql';
import { Done, PlanCheckboxes, PlanFormErrors, PlanTextField, memberName, wholeNumber } from '../plan/common';
import type { PlanMember } from '../plan/common';
import { AnswerTag, coordinates } from './common';
import type { MeetingData, MeetingInvitation } from './common';

const MEMBER_ROLES: NetworkRole[] = ['SPECIALIST', 'MEMBER', 'OBSERVER'];

/** A guardian objects to a guest before the meeting; the coordinator sees it. */
function ObjectionForm({ invitation, onDone }: { invitation: MeetingInvitation; onDone: () => void }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [result, object] = useMutation(MeetingObjectToGuestDocument);
  const prefix = `objection-${invitation.id}`;
  async function send(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    const response = await object({ input: { invitationId: invitation.id, reason } });
    const found = response.data?.objectToGuest.errors ?? [];
    setErrors(found);
    if (!found.length && response.data?.objectToGuest.invitation) {
      setDone(true);
      setReason('');
      onDone();
    }
  }
  return (
    <form
      onSubmit={send}
      className="k-stack k-form"
      aria-label={t('meeting.invitations.objectTo', { name: invitation.personName })}
      noValidate
    >
      <PlanFormErrors errors={errors} prefix={prefix} fields={['reason']} />
      <RequestError error={result.error} />
      <PlanTextField
        prefix={prefix}
        name="reason"
        multiline
        label={t('meeting.invitations.reason')}
        description={t('meeting.invitations.reasonHelp')}
        value={reason}
        onChange={setReason}
        errors={errors}
      />
      <Done show={done} text={t('meeting.invitations.objected')} />
      <div>
        <Button type="submit" disabled={result.fetching}>
          {t('meeting.invitations.objectSend')}
        </Button>
      </div>
    </form>
  );
}

/** The coordinator makes a guest a member of the child's network after the meeting. */
function MakeMemberForm({ invitation, onDone }: { invitation: MeetingInvitation; onDone: () => void }) {
  const { t } = useTranslation();
  const [role, setRole] = useState<NetworkRole>('SPECIALIST');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, make] = useMutation(MeetingMakeGuestMemberDocument);
  const prefix = `member-${invitation.id}`;
  async function send(event: FormEvent) {
    event.preventDefault();
    const response = await make({ input: { invitationId: invitation.id, role } });
    const found = response.data?.makeGuestMember.errors ?? [];
    setErrors(found);
    if (!found.length && response.data?.makeGuestMember.meeting) onDone();
  }
  return (
    <form
      onSubmit={send}
      className="k-stack k-form"
      aria-label={t('meeting.invitations.makeMember', { name: invitation.personName })}
      noValidate
    >
      <PlanFormErrors errors={errors} prefix={prefix} fields={['role']} />
      <RequestError error={result.error} />
      <ChoiceField
        id={`${prefix}-role`}
        label={t('meeting.invitations.memberRole')}
        value={role}
        onChange={(value) => setRole(value as NetworkRole)}
        choices={MEMBER_ROLES.map((r) => ({ value: r, label: t(`network.roles.${r}`) }))}
        error={errorFor(errors, 'role')}
      />
      <div>
        <Button type="submit" variant="secondary" disabled={result.fetching}>
          {t('meeting.invitations.makeMemberSend')}
        </Button>
      </div>
    </form>
  );
}

function InvitationRow({
  meeting,
  invitation,
  onChanged,
}: {
  meeting: MeetingData;
  invitation: MeetingInvitation;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, withdraw] = useMutation(MeetingWithdrawInvitationDocument);
  const headingId = `invitation-${invitation.id}`;
  async function withdrawIt() {
    const response = await withdraw({ input: { invitationId: invitation.id, version: invitation.version } });
    const found = response.data?.withdrawInvitation.errors ?? [];
    setErrors(found);
    onChanged();
  }
  const role = invitation.guest
    ? t('meeting.invitations.guest')
    : invitation.role
      ? t(`network.roles.${invitation.role.toUpperCase()}`, { defaultValue: invitation.role })
      : '';
  return (
    <li className="k-stack k-invitation" data-withdrawn={invitation.withdrawn}>
      <div className="k-row" style={{ alignItems: 'center' }}>
        <strong id={headingId}>{invitation.personName}</strong>
        {invitation.withdrawn ? (
          <Tag data-color="neutral" data-size="sm">
            {t('meeting.invitations.withdrawn')}
          </Tag>
        ) : (
          <AnswerTag answer={invitation.answer} />
        )}
      </div>
      <span className="k-muted">
        {[role, invitation.organisation].filter(Boolean).join(', ')}
        {invitation.guest && invitation.accessUntil
          ? ` · ${t('meeting.invitations.accessUntil', { when: formatDateTime(invitation.accessUntil) })}`
          : ''}
      </span>
      {invitation.answerComment && <span className="k-prewrap">«{invitation.answerComment}»</span>}
      {invitation.objections.length > 0 && (
        <div className="k-stack">
          <strong>{t('meeting.invitations.objections')}</strong>
          <ul>
            {invitation.objections.map((o) => (
              <li key={o.id}>
                {t('meeting.invitations.objectionBy', { name: o.personName, when: formatDateTime(o.at) })}
                <div className="k-prewrap">{o.reason}</div>
              </li>
            ))}
          </ul>
        </div>
      )}
      <PlanFormErrors errors={errors} prefix={`withdraw-${invitation.id}`} fields={[]} />
      <RequestError error={result.error} />
      {!invitation.withdrawn && invitation.guest && meeting.canObjectToGuests && meeting.status === 'SCHEDULED' && (
        <Details>
          <Details.Summary>{t('meeting.invitations.objectTo', { name: invitation.personName })}</Details.Summary>
          <Details.Content>
            <ObjectionForm invitation={invitation} onDone={onChanged} />
          </Details.Content>
        </Details>
      )}
      {meeting.canEdit && !invitation.withdrawn && (
        <div className="k-row">
          {meeting.status === 'SCHEDULED' && meeting.myInvitation?.id !== invitation.id && (
            <Button
              variant="tertiary"
              data-size="sm"
              aria-describedby={headingId}
              onClick={() => void withdrawIt()}
              disabled={result.fetching}
            >
              {t('meeting.invitations.withdraw')}
            </Button>
          )}
        </div>
      )}
      {coordinates(meeting) && invitation.guest && !invitation.withdrawn && meeting.status !== 'CANCELLED' && (
        <Details>
          <Details.Summary>{t('meeting.invitations.makeMember', { name: invitation.personName })}</Details.Summary>
          <Details.Content>
            <MakeMemberForm invitation={invitation} onDone={onChanged} />
          </Details.Content>
        </Details>
      )}
    </li>
  );
}

/** Members of the network not yet invited: the coordinator invites them. */
function InviteMembers({
  meeting,
  network,
  onDone,
}: {
  meeting: MeetingData;
  network: PlanMember[];
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const invited = new Set(meeting.invitations.filter((i) => !i.withdrawn).map((i) => i.personName));
  const candidates = network.filter((m) => !m.person || !invited.has(m.person.name));
  const [selected, setSelected] = useState<string[]>([]);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [result, invite] = useMutation(MeetingInviteMembersDocument);
  const prefix = 'invite-members';
  async function send(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    const response = await invite({ input: { meetingId: meeting.id, memberIds: selected } });
    const found = response.data?.inviteMembers.errors ?? [];
    setErrors(found);
    if (!found.length && response.data?.inviteMembers.meeting) {
      setDone(true);
      setSelected([]);
      onDone();
    }
  }
  return (
    <form onSubmit={send} className="k-stack k-form" aria-label={t('meeting.invitations.inviteMembers')} noValidate>
      <PlanFormErrors errors={errors} prefix={prefix} fields={['memberIds']} />
      <RequestError error={result.error} />
      <PlanCheckboxes
        prefix={prefix}
        name="memberIds"
        legend={t('meeting.invitations.whom')}
        options={candidates.map((m) => ({ value: m.id, label: `${memberName(m)} – ${t(`network.roles.${m.role}`)}` }))}
        selected={selected}
        onChange={setSelected}
        errors={errors}
        empty={<Paragraph>{t('meeting.invitations.everyoneInvited')}</Paragraph>}
      />
      <Done show={done} text={t('meeting.invitations.invited')} />
      {candidates.length > 0 && (
        <div>
          <Button type="submit" disabled={result.fetching}>
            {t('meeting.invitations.inviteSend')}
          </Button>
        </div>
      )}
    </form>
  );
}

/** A specialist outside the network (sykehus, habilitering) for this meeting only. */
function InviteGuest({ meeting, onDone }: { meeting: MeetingData; onDone: () => void }) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const [personId, setPersonId] = useState('');
  const [hours, setHours] = useState('72');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [{ data, fetching }] = useQuery({
    query: MeetingGuestCandidatesDocument,
    variables: { search: search.trim() },
    pause: search.trim().length < 2,
  });
  const [result, invite] = useMutation(MeetingInviteGuestDocument);
  const prefix = 'invite-guest';
  const candidates = search.trim().length < 2 ? [] : (data?.staffDirectory ?? []);
  const personError = errorFor(errors, 'personId');
  async function send(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    const accessHoursAfter = wholeNumber(hours);
    if (accessHoursAfter === undefined || accessHoursAfter === null) {
      setErrors([{ code: 'INVALID', field: 'accessHoursAfter', message: t('meeting.invitations.hoursInvalid') }]);
      return;
    }
    if (!personId) {
      setErrors([{ code: 'REQUIRED', field: 'personId', message: t('meeting.invitations.chooseGuest') }]);
      return;
    }
    const response = await invite({ input: { meetingId: meeting.id, personId, accessHoursAfter } });
    const found = response.data?.inviteGuest.errors ?? [];
    setErrors(found);
    if (!found.length && response.data?.inviteGuest.meeting) {
      setDone(true);
      setPersonId('');
      setSearch('');
      onDone();
    }
  }
  return (
    <form onSubmit={send} className="k-stack k-form" aria-label={t('meeting.invitations.inviteGuest')} noValidate>
      <Paragraph>{t('meeting.invitations.guestIntro')}</Paragraph>
      <PlanFormErrors errors={errors} prefix={prefix} fields={['personId', 'accessHoursAfter']} />
      <RequestError error={result.error} />
      <Search>
        <Search.Input
          aria-label={t('meeting.invitations.searchStaff')}
          placeholder={t('meeting.invitations.searchStaff')}
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
        <Search.Clear onClick={() => setSearch('')} />
      </Search>
      <Fieldset id={`${prefix}-personId`} tabIndex={-1} aria-describedby={personError ? `${prefix}-personId-error` : undefined} aria-busy={fetching}>
        <Fieldset.Legend>{t('meeting.invitations.guestChoice')}</Fieldset.Legend>
        {search.trim().length < 2 ? (
          <Paragraph data-size="sm">{t('meeting.invitations.typeToSearch')}</Paragraph>
        ) : candidates.length === 0 && !fetching ? (
          <Paragraph data-size="sm">{t('meeting.invitations.noStaff')}</Paragraph>
        ) : (
          candidates.slice(0, 20).map((person) => (
            <Radio
              key={person.id}
              name={`${prefix}-person`}
              value={person.id}
              label={person.name}
              checked={personId === person.id}
              onChange={() => setPersonId(person.id)}
            />
          ))
        )}
        {personError && <ValidationMessage id={`${prefix}-personId-error`}>{personError}</ValidationMessage>}
      </Fieldset>
      <PlanTextField
        prefix={prefix}
        name="accessHoursAfter"
        label={t('meeting.invitations.hours')}
        description={t('meeting.invitations.hoursHelp')}
        inputMode="numeric"
        value={hours}
        onChange={setHours}
        errors={errors}
      />
      <Done show={done} text={t('meeting.invitations.guestInvited')} />
      <div>
        <Button type="submit" disabled={result.fetching}>
          {t('meeting.invitations.inviteGuestSend')}
        </Button>
      </div>
    </form>
  );
}

/** Innkallinger: who is invited and what they answered; the coordinator invites and withdraws. */
export function InvitationsSection({
  meeting,
  network,
  onChanged,
}: {
  meeting: MeetingData;
  /** The child's network, for the coordinator (null for others). */
  network: PlanMember[] | null;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const shown = meeting.invitations;
  const counts = { YES: 0, NO: 0, MAYBE: 0, PENDING: 0 };
  for (const invitation of shown) if (!invitation.withdrawn) counts[invitation.answer] += 1;
  return (
    <section className="k-stack" aria-labelledby="invitations-heading">
      <Heading level={2} data-size="sm" id="invitations-heading">
        {t('meeting.invitations.title')}
      </Heading>
      <Paragraph>{t('meeting.invitations.summary', counts)}</Paragraph>
      {shown.length === 0 ? (
        <Paragraph>{t('meeting.invitations.none')}</Paragraph>
      ) : (
        <ul className="k-stack k-plain-list">
          {shown.map((invitation) => (
            <InvitationRow key={invitation.id} meeting={meeting} invitation={invitation} onChanged={onChanged} />
          ))}
        </ul>
      )}
      {meeting.canEdit && meeting.status === 'SCHEDULED' && (
        <>
          {network && (
            <Details>
              <Details.Summary>{t('meeting.invitations.inviteMembers')}</Details.Summary>
              <Details.Content>
                <InviteMembers meeting={meeting} network={network} onDone={onChanged} />
              </Details.Content>
            </Details>
          )}
          <Details>
            <Details.Summary>{t('meeting.invitations.inviteGuest')}</Details.Summary>
            <Details.Content>
              <InviteGuest meeting={meeting} onDone={onChanged} />
            </Details.Content>
          </Details>
        </>
      )}
    </section>
  );
}

import { Alert, Button, Details, Fieldset, Heading, Paragraph, Radio, Tag } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation } from 'urql';

import { RequestError } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import { formatDateTime } from '../format';
import { MeetingCloseMinutesDocument, MeetingConfirmMinutesDocument, MeetingReopenMinutesDocument } from '../gql/graphql';
import { Done, PlanFormErrors, PlanTextField } from '../plan/common';
import { coordinates } from './common';
import type { MeetingData, MeetingMinutesVersion } from './common';
import { useMinutesDoc } from './live';
import type { MinutesStatus } from './live';
import { SharedText } from './SharedText';

function StatusLine({ status, readOnly, present }: { status: MinutesStatus; readOnly: boolean; present: string[] }) {
  const { t } = useTranslation();
  const color = status === 'connected' ? 'success' : status === 'connecting' || status === 'reconnecting' ? 'warning' : 'danger';
  return (
    <div className="k-row" style={{ alignItems: 'center' }}>
      <span aria-live="polite" data-minutes-status={status}>
        <Tag data-color={color} data-size="sm">
          {t(`meeting.minutes.status.${status}`)}
        </Tag>
      </span>
      {readOnly && <span className="k-muted">{t('meeting.minutes.readOnly')}</span>}
      {present.length > 0 && (
        <span className="k-muted">{t('meeting.minutes.present', { names: present.join(', ') })}</span>
      )}
    </div>
  );
}

/** The minutes as they are written: a general text and, per agenda item, what was discussed and decided. */
function LiveMinutes({ meeting, myName }: { meeting: MeetingData; myName: string | null }) {
  const { t } = useTranslation();
  const { minutes, status, present } = useMinutesDoc(meeting.id, true, myName);
  const ended = status === 'refused' || status === 'tooLarge' || status === 'signedOut';
  const readOnly = !meeting.canWriteMinutes || ended;
  return (
    <div className="k-stack">
      <StatusLine status={status} readOnly={readOnly} present={present} />
      {ended && (
        <Alert data-color="warning" data-size="sm">
          {t(`meeting.minutes.${status}`)}
        </Alert>
      )}
      {minutes && (
        <>
          <SharedText
            doc={minutes.doc}
            name="general"
            id="minutes-general"
            label={t('meeting.minutes.general')}
            description={t('meeting.minutes.generalHelp')}
            readOnly={readOnly}
          />
          {meeting.agenda.map((item, index) => (
            <Fieldset key={item.id}>
              <Fieldset.Legend>{t('meeting.minutes.itemLegend', { number: index + 1, title: item.title })}</Fieldset.Legend>
              <SharedText
                doc={minutes.doc}
                name={`item:${item.id}:discussion`}
                id={`minutes-${item.id}-discussion`}
                label={t('meeting.minutes.discussion')}
                readOnly={readOnly}
              />
              <SharedText
                doc={minutes.doc}
                name={`item:${item.id}:decisions`}
                id={`minutes-${item.id}-decisions`}
                label={t('meeting.minutes.decisions')}
                readOnly={readOnly}
              />
            </Fieldset>
          ))}
        </>
      )}
    </div>
  );
}

/** One frozen version of the minutes, as the coordinator closed it. */
function FrozenVersion({ version, level }: { version: MeetingMinutesVersion; level: 3 | 4 }) {
  const { t } = useTranslation();
  return (
    <div className="k-stack" data-minutes-version={version.number}>
      <Paragraph className="k-muted" data-size="sm">
        {t('meeting.minutes.closedBy', {
          number: version.number,
          name: version.closedByName,
          when: formatDateTime(version.closedAt),
        })}
      </Paragraph>
      <Heading level={level} data-size="2xs">
        {t('meeting.minutes.general')}
      </Heading>
      <Paragraph className="k-prewrap">{version.general || t('meeting.minutes.empty')}</Paragraph>
      {version.items.map((item, index) => (
        <section key={item.agendaItemId} className="k-stack" aria-labelledby={`frozen-${version.id}-${item.agendaItemId}`}>
          <Heading level={level} data-size="2xs" id={`frozen-${version.id}-${item.agendaItemId}`}>
            {t('meeting.minutes.itemLegend', { number: index + 1, title: item.title })}
          </Heading>
          <dl className="k-facts">
            <dt>{t('meeting.minutes.discussion')}</dt>
            <dd className="k-prewrap">{item.discussion || t('meeting.minutes.empty')}</dd>
            <dt>{t('meeting.minutes.decisions')}</dt>
            <dd className="k-prewrap">{item.decisions || t('meeting.minutes.empty')}</dd>
          </dl>
        </section>
      ))}
      {version.confirmations.length > 0 && (
        <>
          <Heading level={level} data-size="2xs">
            {t('meeting.minutes.confirmations')}
          </Heading>
          <ul>
            {version.confirmations.map((c, i) => (
              <li key={i}>
                {c.confirmed
                  ? t('meeting.minutes.confirmedBy', { name: c.personName, when: formatDateTime(c.at) })
                  : t('meeting.minutes.commentedBy', { name: c.personName, when: formatDateTime(c.at) })}
                {c.comment && <div className="k-prewrap">{c.comment}</div>}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

/** A guardian (or the young person from 16) confirms the closed minutes or comments on them. */
function ConfirmForm({ meeting, version, onDone }: { meeting: MeetingData; version: number; onDone: () => void }) {
  const { t } = useTranslation();
  const [choice, setChoice] = useState<'confirm' | 'comment' | ''>('');
  const [comment, setComment] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [result, confirm] = useMutation(MeetingConfirmMinutesDocument);
  const prefix = 'confirm-minutes';
  async function send(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    if (!choice) {
      setErrors([{ code: 'REQUIRED', field: 'confirmed', message: t('meeting.minutes.chooseConfirm') }]);
      return;
    }
    const response = await confirm({
      input: { meetingId: meeting.id, versionNumber: version, confirmed: choice === 'confirm', comment: comment || null },
    });
    const found = response.data?.confirmMinutes.errors ?? [];
    setErrors(found);
    if (!found.length && response.data?.confirmMinutes.meeting) {
      setDone(true);
      setComment('');
      onDone();
    }
  }
  return (
    <form onSubmit={send} className="k-stack k-form" aria-labelledby="confirm-minutes-heading" noValidate>
      <Heading level={3} data-size="xs" id="confirm-minutes-heading">
        {t('meeting.minutes.confirmTitle')}
      </Heading>
      <PlanFormErrors errors={errors} prefix={prefix} fields={['confirmed', 'comment']} />
      <RequestError error={result.error} />
      <Fieldset id={`${prefix}-confirmed`} tabIndex={-1}>
        <Fieldset.Legend>{t('meeting.minutes.confirmLegend')}</Fieldset.Legend>
        <Radio
          name={`${prefix}-choice`}
          value="confirm"
          label={t('meeting.minutes.confirmYes')}
          checked={choice === 'confirm'}
          onChange={() => setChoice('confirm')}
        />
        <Radio
          name={`${prefix}-choice`}
          value="comment"
          label={t('meeting.minutes.confirmNo')}
          checked={choice === 'comment'}
          onChange={() => setChoice('comment')}
        />
      </Fieldset>
      <PlanTextField
        prefix={prefix}
        name="comment"
        multiline
        label={t('meeting.minutes.comment')}
        value={comment}
        onChange={setComment}
        errors={errors}
      />
      <Done show={done} text={t('meeting.minutes.confirmSent')} />
      <div>
        <Button type="submit" disabled={result.fetching}>
          {t('meeting.minutes.confirmSend')}
        </Button>
      </div>
    </form>
  );
}

/** Referat: live while open, frozen versions once closed; the coordinator closes and reopens. */
export function MinutesSection({
  meeting,
  myName,
  onChanged,
}: {
  meeting: MeetingData;
  myName: string | null;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [closeResult, close] = useMutation(MeetingCloseMinutesDocument);
  const [reopenResult, reopen] = useMutation(MeetingReopenMinutesDocument);
  const closed = meeting.minutes?.state === 'CLOSED';
  const versions = meeting.minutes?.versions ?? [];
  const cancelled = meeting.status === 'CANCELLED';
  // Closed: the newest version is shown above; open: every frozen one is earlier than the text.
  const earlier = closed ? versions.slice(1) : versions;

  async function closeMinutes() {
    const response = await close({ input: { meetingId: meeting.id } });
    const found = response.data?.closeMinutes.errors ?? [];
    setErrors(found);
    if (!found.length) onChanged();
  }
  async function reopenMinutes() {
    const response = await reopen({ input: { meetingId: meeting.id } });
    const found = response.data?.reopenMinutes.errors ?? [];
    setErrors(found);
    if (!found.length) onChanged();
  }

  return (
    <section className="k-stack" aria-labelledby="minutes-heading">
      <div className="k-row" style={{ alignItems: 'center' }}>
        <Heading level={2} data-size="sm" id="minutes-heading">
          {t('meeting.minutes.title')}
        </Heading>
        <Tag data-color={closed ? 'success' : 'info'} data-size="sm">
          {t(`meeting.minutes.state.${closed ? 'CLOSED' : 'OPEN'}`)}
        </Tag>
      </div>
      <PlanFormErrors errors={errors} prefix="minutes" fields={[]} />
      <RequestError error={closeResult.error ?? reopenResult.error} />
      {cancelled ? (
        <Paragraph>{t('meeting.minutes.cancelled')}</Paragraph>
      ) : closed ? (
        versions[0] ? (
          <FrozenVersion version={versions[0]} level={3} />
        ) : (
          <Paragraph>{t('meeting.minutes.empty')}</Paragraph>
        )
      ) : (
        <LiveMinutes meeting={meeting} myName={myName} />
      )}
      {!cancelled && coordinates(meeting) && (
        <div className="k-row">
          {closed ? (
            <Button variant="secondary" onClick={() => void reopenMinutes()} disabled={reopenResult.fetching}>
              {t('meeting.minutes.reopen')}
            </Button>
          ) : (
            <Button onClick={() => void closeMinutes()} disabled={closeResult.fetching}>
              {t('meeting.minutes.close')}
            </Button>
          )}
        </div>
      )}
      {closed && meeting.canConfirmMinutes && meeting.minutes && (
        <ConfirmForm key={meeting.minutes.currentVersion} meeting={meeting} version={meeting.minutes.currentVersion} onDone={onChanged} />
      )}
      {earlier.length > 0 && (
        <Details>
          <Details.Summary>{t('meeting.minutes.earlier', { count: earlier.length })}</Details.Summary>
          <Details.Content>
            <div className="k-stack">
              {earlier.map((version) => (
                <FrozenVersion key={version.id} version={version} level={4} />
              ))}
            </div>
          </Details.Content>
        </Details>
      )}
    </section>
  );
}

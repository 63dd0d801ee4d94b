import { Button, Details, Heading, Paragraph } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation } from 'urql';

import { RequestError } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import { MeetingProposeAgendaItemDocument } from '../gql/graphql';
import { Done, PlanFormErrors, PlanTextField } from '../plan/common';
import type { MeetingData } from './common';

function ProposeForm({ meeting, onDone }: { meeting: MeetingData; onDone: () => void }) {
  const { t } = useTranslation();
  const empty = { title: '', detail: '' };
  const [form, setForm] = useState(empty);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [result, propose] = useMutation(MeetingProposeAgendaItemDocument);
  const prefix = 'agenda-new';
  async function send(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    const response = await propose({
      input: { meetingId: meeting.id, title: form.title, detail: form.detail || null },
    });
    const found = response.data?.proposeAgendaItem.errors ?? [];
    setErrors(found);
    if (!found.length && response.data?.proposeAgendaItem.meeting) {
      setDone(true);
      setForm(empty);
      onDone();
    }
  }
  return (
    <form onSubmit={send} className="k-stack k-form" aria-label={t('meeting.agenda.propose')} noValidate>
      <PlanFormErrors errors={errors} prefix={prefix} fields={['title', 'detail']} />
      <RequestError error={result.error} />
      <PlanTextField
        prefix={prefix}
        name="title"
        label={t('meeting.agenda.itemTitle')}
        value={form.title}
        onChange={(title) => setForm({ ...form, title })}
        errors={errors}
      />
      <PlanTextField
        prefix={prefix}
        name="detail"
        multiline
        label={t('meeting.agenda.itemDetail')}
        description={t('meeting.agenda.itemDetailHelp')}
        value={form.detail}
        onChange={(detail) => setForm({ ...form, detail })}
        errors={errors}
      />
      <Done show={done} text={t('meeting.agenda.proposed')} />
      <div>
        <Button type="submit" disabled={result.fetching}>
          {t('meeting.agenda.proposeSend')}
        </Button>
      </div>
    </form>
  );
}

/** Saksliste: the items in the coordinator's order, who proposed each; members propose more. */
export function AgendaSection({ meeting, onChanged }: { meeting: MeetingData; onChanged: () => void }) {
  const { t } = useTranslation();
  const items = [...meeting.agenda].sort((a, b) => a.position - b.position);
  const mayPropose = !meeting.viewerIsGuest && meeting.status === 'SCHEDULED';
  return (
    <section className="k-stack" aria-labelledby="agenda-heading">
      <Heading level={2} data-size="sm" id="agenda-heading">
        {t('meeting.agenda.title')}
      </Heading>
      {items.length === 0 ? (
        <Paragraph>{t('meeting.agenda.none')}</Paragraph>
      ) : (
        <ol className="k-stack">
          {items.map((item) => (
            <li key={item.id}>
              <strong>{item.title}</strong>
              {item.detail && <div className="k-prewrap">{item.detail}</div>}
              <div className="k-muted">{t('meeting.agenda.proposedBy', { name: item.proposedByName })}</div>
            </li>
          ))}
        </ol>
      )}
      {mayPropose && (
        <Details>
          <Details.Summary>{t('meeting.agenda.propose')}</Details.Summary>
          <Details.Content>
            <ProposeForm meeting={meeting} onDone={onChanged} />
          </Details.Content>
        </Details>
      )}
    </section>
  );
}

import { Button, Details, Fieldset, Heading, Paragraph, Radio, Tag } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation } from 'urql';

import { ChoiceField } from '../components/ChoiceField';
import { RequestError, errorFor } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import { formatDate } from '../format';
import { MeetingAgreeActionItemDocument } from '../gql/graphql';
import type { ActionItemKind } from '../gql/graphql';
import { Done, PlanFormErrors, PlanTextField, memberName } from '../plan/common';
import type { PlanMember } from '../plan/common';
import { actionStatus, coordinates, openActionItems } from './common';
import type { MeetingActionItem, MeetingData } from './common';

const KINDS: ActionItemKind[] = ['TASK', 'MEASURE'];
const FIELDS = ['kind', 'title', 'agendaItemId', 'ownerMemberId', 'dueOn'];

function AgreeForm({ meeting, network, onDone }: { meeting: MeetingData; network: PlanMember[]; onDone: () => void }) {
  const { t } = useTranslation();
  const empty = { kind: 'TASK' as ActionItemKind, title: '', agendaItemId: '', ownerMemberId: '', dueOn: '' };
  const [form, setForm] = useState(empty);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [result, agree] = useMutation(MeetingAgreeActionItemDocument);
  const prefix = 'action-new';
  async function send(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    const response = await agree({
      input: {
        meetingId: meeting.id,
        agendaItemId: form.agendaItemId || null,
        kind: form.kind,
        title: form.title,
        ownerMemberId: form.ownerMemberId,
        dueOn: form.dueOn,
      },
    });
    const found = response.data?.agreeActionItem.errors ?? [];
    setErrors(found);
    if (!found.length && response.data?.agreeActionItem.actionItem) {
      setDone(true);
      setForm(empty);
      onDone();
    }
  }
  const owners = network.filter((m) => m.role !== 'CHILD');
  return (
    <form onSubmit={send} className="k-stack k-form" aria-label={t('meeting.actions.agree')} noValidate>
      <PlanFormErrors errors={errors} prefix={prefix} fields={FIELDS} />
      <RequestError error={result.error} />
      <Fieldset id={`${prefix}-kind`} tabIndex={-1}>
        <Fieldset.Legend>{t('meeting.actions.kind')}</Fieldset.Legend>
        {KINDS.map((kind) => (
          <Radio
            key={kind}
            name={`${prefix}-kind-choice`}
            value={kind}
            label={t(`meeting.actions.kinds.${kind}`)}
            checked={form.kind === kind}
            onChange={() => setForm({ ...form, kind })}
          />
        ))}
      </Fieldset>
      <PlanTextField
        prefix={prefix}
        name="title"
        label={t('meeting.actions.itemTitle')}
        value={form.title}
        onChange={(title) => setForm({ ...form, title })}
        errors={errors}
      />
      <ChoiceField
        id={`${prefix}-agendaItemId`}
        label={t('meeting.actions.agendaItem')}
        value={form.agendaItemId}
        onChange={(agendaItemId) => setForm({ ...form, agendaItemId })}
        choices={meeting.agenda.map((item) => ({ value: item.id, label: item.title }))}
        empty={t('meeting.actions.noAgendaItem')}
        error={errorFor(errors, 'agendaItemId')}
      />
      <ChoiceField
        id={`${prefix}-ownerMemberId`}
        label={t('meeting.actions.owner')}
        value={form.ownerMemberId}
        onChange={(ownerMemberId) => setForm({ ...form, ownerMemberId })}
        choices={owners.map((m) => ({ value: m.id, label: memberName(m) }))}
        empty={t('meeting.actions.chooseOwner')}
        error={errorFor(errors, 'ownerMemberId')}
      />
      <PlanTextField
        prefix={prefix}
        name="dueOn"
        type="date"
        label={t('meeting.actions.dueOn')}
        value={form.dueOn}
        onChange={(dueOn) => setForm({ ...form, dueOn })}
        errors={errors}
      />
      <Done show={done} text={t('meeting.actions.agreed')} />
      <div>
        <Button type="submit" disabled={result.fetching}>
          {t('meeting.actions.agreeSend')}
        </Button>
      </div>
    </form>
  );
}

export function ActionItemList({ items, agenda }: { items: MeetingActionItem[]; agenda?: MeetingData['agenda'] }) {
  const { t } = useTranslation();
  const open = new Set(openActionItems(items).map((i) => i.id));
  return (
    <ul className="k-stack k-plain-list">
      {items.map((item) => {
        const agendaItem = agenda?.find((a) => a.id === item.agendaItemId);
        return (
          <li key={item.id} className="k-stack" data-action-item={item.id}>
            <div className="k-row" style={{ alignItems: 'center' }}>
              <strong>{item.title}</strong>
              <Tag data-color="neutral" data-size="sm">
                {t(`meeting.actions.kinds.${item.kind}`)}
              </Tag>
              {item.status && (
                <Tag data-color={open.has(item.id) ? 'info' : 'success'} data-size="sm">
                  {actionStatus(t, item.status)}
                </Tag>
              )}
            </div>
            <span className="k-muted">
              {[
                item.ownerName ? t('meeting.actions.ownerIs', { name: item.ownerName }) : null,
                t('meeting.actions.dueBy', { date: formatDate(item.dueOn) }),
                agendaItem ? t('meeting.actions.fromItem', { title: agendaItem.title }) : null,
              ]
                .filter(Boolean)
                .join(' · ')}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

/** Oppfølgingspunkter: agreed in the meeting, each a plan task or measure with an owner and a due date. */
export function ActionItemsSection({
  meeting,
  network,
  onChanged,
}: {
  meeting: MeetingData;
  network: PlanMember[] | null;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  if (meeting.viewerIsGuest && meeting.actionItems.length === 0) return null;
  return (
    <section className="k-stack" aria-labelledby="actions-heading">
      <Heading level={2} data-size="sm" id="actions-heading">
        {t('meeting.actions.title')}
      </Heading>
      {meeting.actionItems.length === 0 ? (
        <Paragraph>{t('meeting.actions.none')}</Paragraph>
      ) : (
        <ActionItemList items={meeting.actionItems} agenda={meeting.agenda} />
      )}
      {coordinates(meeting) && network && meeting.status !== 'CANCELLED' && (
        <Details>
          <Details.Summary>{t('meeting.actions.agree')}</Details.Summary>
          <Details.Content>
            <AgreeForm meeting={meeting} network={network} onDone={onChanged} />
          </Details.Content>
        </Details>
      )}
    </section>
  );
}

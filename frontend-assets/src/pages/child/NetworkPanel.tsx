import {
  Alert,
  Button,
  Checkbox,
  Heading,
  Paragraph,
  Table,
  Textfield,
} from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery } from 'urql';

import { ChoiceField } from '../../components/ChoiceField';
import type { Choice } from '../../components/ChoiceField';
import { FormErrors, RequestError, errorFor } from '../../components/Errors';
import type { FieldError } from '../../components/Errors';
import type { Me } from '../../components/Layout';
import {
  AddNetworkMemberDocument,
  AssignCoordinatorDocument,
  ChildDocument,
  DirectoryDocument,
  EndNetworkMembershipDocument,
} from '../../gql/graphql';
import type { DirectoryQuery, NetworkRole } from '../../gql/graphql';
import { formatDate, todayInOslo } from '../../format';
import type { Member, WorkspaceChild } from './types';

function period(member: Member, t: TFunction): string {
  const from = formatDate(member.activeFrom);
  return member.activeTo ? t('network.fromTo', { from, to: formatDate(member.activeTo) }) : t('network.from', { date: from });
}

function EndMember({ member, onEnded }: { member: Member; onEnded: () => void }) {
  const { t } = useTranslation();
  const [asking, setAsking] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, end] = useMutation(EndNetworkMembershipDocument);
  const name = member.person?.name ?? '';
  if (!asking) {
    return (
      <Button variant="tertiary" data-size="sm" onClick={() => setAsking(true)}>
        {t('network.end')}
      </Button>
    );
  }
  return (
    <div className="k-stack" role="group" aria-label={t('network.endConfirm', { name })}>
      <span>{t('network.endConfirm', { name })}</span>
      <FormErrors errors={errors} fields={[]} />
      <RequestError error={result.error} />
      <div className="k-row">
        <Button
          data-size="sm"
          data-color="danger"
          disabled={result.fetching}
          onClick={async () => {
            const response = await end({ input: { id: member.id, version: member.version } });
            const found = response.data?.endNetworkMembership.errors ?? [];
            setErrors(found);
            if (!found.length) onEnded();
          }}
        >
          {t('network.end')}
        </Button>
        <Button data-size="sm" variant="secondary" onClick={() => setAsking(false)}>
          {t('child.cancel')}
        </Button>
      </div>
    </div>
  );
}

function staffChoices(directory: DirectoryQuery | undefined): Choice[] {
  return (directory?.staffDirectory ?? []).map((person) => ({ value: person.id, label: person.name }));
}

const ADD_FIELDS = ['role', 'personId', 'serviceId', 'responsibilities', 'activeFrom', 'activeTo'];

function AddMember({ child, onChanged }: { child: WorkspaceChild; onChanged: () => void }) {
  const { t } = useTranslation();
  const [{ data: directory }] = useQuery({ query: DirectoryDocument, variables: { search: '' } });
  const [form, setForm] = useState({
    role: 'MEMBER' as NetworkRole,
    personId: '',
    serviceId: '',
    responsibilities: '',
    activeFrom: todayInOslo(),
  });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState<string | null>(null);
  const [result, add] = useMutation(AddNetworkMemberDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    const response = await add({
      input: {
        childId: child.id,
        role: form.role,
        personId: form.personId || null,
        serviceId: form.serviceId || null,
        responsibilities: form.responsibilities || null,
        activeFrom: form.activeFrom || null,
      },
    });
    const found = response.data?.addNetworkMember.errors ?? [];
    setErrors(found);
    const member = response.data?.addNetworkMember.member;
    if (!found.length && member) {
      setDone(t('network.added', { name: member.person?.name ?? '' }));
      setForm({ ...form, personId: '', responsibilities: '' });
      onChanged();
    }
  }

  return (
    <form onSubmit={submit} className="k-stack" aria-labelledby="add-member-heading" noValidate>
      <Heading level={3} data-size="xs" id="add-member-heading">
        {t('network.addTitle')}
      </Heading>
      {done && (
        <Alert data-color="success" role="status">
          {done}
        </Alert>
      )}
      <FormErrors errors={errors} fields={ADD_FIELDS} />
      <RequestError error={result.error} />
      <ChoiceField
        id="field-role"
        label={t('network.role')}
        value={form.role}
        onChange={(role) => setForm({ ...form, role: role as NetworkRole })}
        choices={(['MEMBER', 'SPECIALIST', 'OBSERVER'] as const).map((role) => ({
          value: role,
          label: t(`network.roles.${role}`),
        }))}
        error={errorFor(errors, 'role')}
      />
      <ChoiceField
        id="field-personId"
        label={t('network.staff')}
        value={form.personId}
        onChange={(personId) => setForm({ ...form, personId })}
        choices={staffChoices(directory)}
        empty={t('network.chooseStaff')}
        error={errorFor(errors, 'personId')}
      />
      <ChoiceField
        id="field-serviceId"
        label={t('network.service')}
        value={form.serviceId}
        onChange={(serviceId) => setForm({ ...form, serviceId })}
        choices={(directory?.serviceProviders ?? []).map((s) => ({ value: s.id, label: s.name }))}
        empty={t('network.noService')}
        error={errorFor(errors, 'serviceId')}
      />
      <Textfield
        id="field-responsibilities"
        multiline
        rows={3}
        label={t('network.responsibilities')}
        value={form.responsibilities}
        onChange={(e) => setForm({ ...form, responsibilities: e.target.value })}
        error={errorFor(errors, 'responsibilities')}
      />
      <Textfield
        id="field-activeFrom"
        type="date"
        label={t('network.activeFrom')}
        value={form.activeFrom}
        onChange={(e) => setForm({ ...form, activeFrom: e.target.value })}
        error={errorFor(errors, 'activeFrom')}
      />
      <div>
        <Button type="submit" disabled={result.fetching}>
          {t('network.add')}
        </Button>
      </div>
    </form>
  );
}

function AssignCoordinator({ child, onChanged }: { child: WorkspaceChild; onChanged: () => void }) {
  const { t } = useTranslation();
  const [{ data: directory }] = useQuery({ query: DirectoryDocument, variables: { search: '' } });
  const [personId, setPersonId] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState<string | null>(null);
  const [result, assign] = useMutation(AssignCoordinatorDocument);
  const label = child.coordinator ? t('network.handOver') : t('network.assign');
  return (
    <form
      className="k-stack"
      aria-label={label}
      onSubmit={async (event) => {
        event.preventDefault();
        const response = await assign({ input: { childId: child.id, personId } });
        const found = response.data?.assignCoordinator.errors ?? [];
        setErrors(found);
        const coordinator = response.data?.assignCoordinator.coordinator;
        if (!found.length && coordinator) {
          setDone(t('network.assigned', { name: coordinator.person?.name ?? '' }));
          onChanged();
        }
      }}
    >
      <Heading level={3} data-size="xs">
        {label}
      </Heading>
      {done && (
        <Alert data-color="success" role="status">
          {done}
        </Alert>
      )}
      <FormErrors errors={errors} fields={[]} />
      <RequestError error={result.error} />
      <ChoiceField
        id="field-coordinator"
        label={t('network.coordinator')}
        value={personId}
        onChange={setPersonId}
        choices={staffChoices(directory)}
        empty={t('network.chooseStaff')}
        error={errorFor(errors, 'personId')}
      />
      <div>
        <Button type="submit" variant="secondary" disabled={!personId || result.fetching}>
          {label}
        </Button>
      </div>
    </form>
  );
}

export function NetworkPanel({ child, me, canManage }: { child: WorkspaceChild; me: Me; canManage: boolean }) {
  const { t } = useTranslation();
  const [includeEnded, setIncludeEnded] = useState(false);
  const [{ data: withEnded }, refetchEnded] = useQuery({
    query: ChildDocument,
    variables: { id: child.id, includeEnded: true },
    pause: !includeEnded,
  });
  const [, refetch] = useQuery({ query: ChildDocument, variables: { id: child.id }, pause: true });
  const members = includeEnded && withEnded?.child ? withEnded.child.network : child.network;
  const changed = () => {
    refetch({ requestPolicy: 'network-only' });
    if (includeEnded) refetchEnded({ requestPolicy: 'network-only' });
  };
  return (
    <div className="k-stack">
      <Heading level={2} data-size="sm">
        {t('network.title')}
      </Heading>
      <Paragraph>
        {t('network.coordinator')}: {child.coordinator?.person?.name ?? t('network.noCoordinator')}
      </Paragraph>
      <Checkbox
        label={t('network.includeEnded')}
        checked={includeEnded}
        onChange={(e) => setIncludeEnded(e.target.checked)}
      />
      <div className="k-table-wrap">
        <Table>
          <Table.Head>
            <Table.Row>
              <Table.HeaderCell>{t('network.person')}</Table.HeaderCell>
              <Table.HeaderCell>{t('network.role')}</Table.HeaderCell>
              <Table.HeaderCell>{t('network.service')}</Table.HeaderCell>
              <Table.HeaderCell>{t('network.responsibilities')}</Table.HeaderCell>
              <Table.HeaderCell>{t('network.period')}</Table.HeaderCell>
              {canManage && <Table.HeaderCell>{t('network.end')}</Table.HeaderCell>}
            </Table.Row>
          </Table.Head>
          <Table.Body>
            {members.map((member) => (
              <Table.Row key={member.id}>
                <Table.Cell>
                  {member.person?.name}
                  {member.role === 'GUARDIAN' && member.hasParentalResponsibility ? ` (${t('network.parental')})` : ''}
                </Table.Cell>
                <Table.Cell>{t(`network.roles.${member.role}`)}</Table.Cell>
                <Table.Cell>{member.service?.name ?? ''}</Table.Cell>
                <Table.Cell>{member.responsibilities ?? ''}</Table.Cell>
                <Table.Cell>{member.isActive ? period(member, t) : t('network.ended')}</Table.Cell>
                {canManage && (
                  <Table.Cell>
                    {member.isActive && member.role !== 'COORDINATOR' && member.person?.id !== me.id && (
                      <EndMember member={member} onEnded={changed} />
                    )}
                  </Table.Cell>
                )}
              </Table.Row>
            ))}
          </Table.Body>
        </Table>
      </div>
      {canManage && (
        <div className="k-grid">
          <AddMember child={child} onChanged={changed} />
          <AssignCoordinator child={child} onChanged={changed} />
        </div>
      )}
    </div>
  );
}

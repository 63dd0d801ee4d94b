import { Button, Details, Heading, Paragraph, Table, Tag } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation } from 'urql';

import { ChoiceField } from '../components/ChoiceField';
import { RequestError, errorFor } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import { formatDate } from '../format';
import { PlanAddTaskDocument, PlanUpdateTaskDocument } from '../gql/graphql';
import type { TaskStatus } from '../gql/graphql';
import { Done, PlanFormErrors, PlanTextField, TASK_STATUSES, hasConflict, memberName, usePlan } from './common';
import type { PlanTask } from './common';

const FIELDS = ['title', 'assigneeMemberId', 'dueOn', 'measureId'];

function AddTask() {
  const { t } = useTranslation();
  const { plan, reload } = usePlan();
  const empty = { title: '', assigneeMemberId: '', dueOn: '', measureId: '' };
  const [form, setForm] = useState(empty);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [result, add] = useMutation(PlanAddTaskDocument);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    const response = await add({
      input: {
        planId: plan.id,
        title: form.title,
        assigneeMemberId: form.assigneeMemberId,
        dueOn: form.dueOn,
        measureId: form.measureId || null,
      },
    });
    const found = response.data?.addTask.errors ?? [];
    setErrors(found);
    if (!found.length && response.data?.addTask.task) {
      setDone(true);
      setForm(empty);
      reload();
    }
  }
  return (
    <form onSubmit={submit} className="k-stack" aria-label={t('plan.addTaskTitle')} noValidate>
      <Done show={done} text={t('plan.taskAdded')} />
      <PlanFormErrors errors={errors} prefix="task-new" fields={FIELDS} />
      <RequestError error={result.error} />
      <PlanTextField
        prefix="task-new"
        name="title"
        label={t('plan.taskTitle')}
        value={form.title}
        onChange={(title) => setForm({ ...form, title })}
        errors={errors}
      />
      <ChoiceField
        id="task-new-assigneeMemberId"
        label={t('plan.assignee')}
        value={form.assigneeMemberId}
        onChange={(assigneeMemberId) => setForm({ ...form, assigneeMemberId })}
        choices={plan.participants.map((m) => ({ value: m.id, label: memberName(m) }))}
        empty={t('plan.chooseMember')}
        error={errorFor(errors, 'assigneeMemberId')}
      />
      <PlanTextField
        prefix="task-new"
        name="dueOn"
        type="date"
        label={t('plan.dueOn')}
        value={form.dueOn}
        onChange={(dueOn) => setForm({ ...form, dueOn })}
        errors={errors}
      />
      <ChoiceField
        id="task-new-measureId"
        label={t('plan.taskMeasure')}
        value={form.measureId}
        onChange={(measureId) => setForm({ ...form, measureId })}
        choices={plan.measures.map((m) => ({ value: m.id, label: m.title }))}
        empty={t('plan.noMeasure')}
        error={errorFor(errors, 'measureId')}
      />
      <div>
        <Button type="submit" disabled={result.fetching}>
          {t('plan.addTask')}
        </Button>
      </div>
    </form>
  );
}

/** A task's status, changed in place (the version it was read at guards the write). */
function TaskStatusField({ task }: { task: PlanTask }) {
  const { t } = useTranslation();
  const { reload, conflict } = usePlan();
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, update] = useMutation(PlanUpdateTaskDocument);
  return (
    <div className="k-stack">
      <ChoiceField
        id={`task-${task.id}-status`}
        label={t('plan.statusOf', { name: task.title })}
        value={task.status}
        onChange={async (status) => {
          const response = await update({
            input: { id: task.id, version: task.version, status: status as TaskStatus },
          });
          const found = response.data?.updateTask.errors ?? [];
          if (hasConflict(found)) return conflict();
          setErrors(found);
          if (!found.length) reload();
        }}
        choices={TASK_STATUSES.map((s) => ({ value: s, label: t(`plan.taskStatuses.${s}`) }))}
        error={errors.map((e) => e.message).join(' ') || undefined}
      />
      <RequestError error={result.error} />
    </div>
  );
}

function EditTask({ task, onDone }: { task: PlanTask; onDone: () => void }) {
  const { t } = useTranslation();
  const { reload, conflict } = usePlan();
  const prefix = `task-${task.id}`;
  const [form, setForm] = useState({ title: task.title, dueOn: task.dueOn });
  const [baseVersion] = useState(task.version);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, update] = useMutation(PlanUpdateTaskDocument);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const response = await update({
      input: { id: task.id, version: baseVersion, title: form.title, dueOn: form.dueOn },
    });
    const found = response.data?.updateTask.errors ?? [];
    if (hasConflict(found)) {
      onDone();
      conflict();
      return;
    }
    setErrors(found);
    if (!found.length && response.data?.updateTask.task) {
      reload();
      onDone();
    }
  }
  return (
    <form onSubmit={submit} className="k-stack" aria-label={t('plan.editTaskNamed', { name: task.title })} noValidate>
      <PlanFormErrors errors={errors} prefix={prefix} fields={['title', 'dueOn']} />
      <RequestError error={result.error} />
      <PlanTextField
        prefix={prefix}
        name="title"
        label={t('plan.taskTitle')}
        value={form.title}
        onChange={(title) => setForm({ ...form, title })}
        errors={errors}
      />
      <PlanTextField
        prefix={prefix}
        name="dueOn"
        type="date"
        label={t('plan.dueOn')}
        value={form.dueOn}
        onChange={(dueOn) => setForm({ ...form, dueOn })}
        errors={errors}
      />
      <div className="k-row">
        <Button type="submit" data-size="sm" disabled={result.fetching}>
          {t('plan.save')}
        </Button>
        <Button type="button" data-size="sm" variant="secondary" onClick={onDone}>
          {t('plan.cancel')}
        </Button>
      </div>
    </form>
  );
}

function TaskTitle({ task, writable }: { task: PlanTask; writable: boolean }) {
  const { t } = useTranslation();
  const { plan } = usePlan();
  const [editing, setEditing] = useState(false);
  if (editing) return <EditTask task={task} onDone={() => setEditing(false)} />;
  return (
    <>
      {task.title}
      {task.measureId && (
        <div className="k-muted">{plan.measures.find((m) => m.id === task.measureId)?.title ?? ''}</div>
      )}
      {writable && (
        <div>
          <Button
            variant="tertiary"
            data-size="sm"
            aria-label={t('plan.editTaskNamed', { name: task.title })}
            onClick={() => setEditing(true)}
          >
            {t('plan.change')}
          </Button>
        </div>
      )}
    </>
  );
}

/** Tasks (oppgaver): who does what by when; overdue ones stand out. */
export function TasksSection() {
  const { t } = useTranslation();
  const { plan, editable, ids, labelledBy } = usePlan();
  const writable = editable && !plan.isHistorical;
  const sorted = [...plan.tasks].sort(
    (a, b) => Number(b.overdue) - Number(a.overdue) || a.dueOn.localeCompare(b.dueOn),
  );
  return (
    <section className="k-stack" aria-labelledby={labelledBy(`${ids}-tasks-heading`)}>
      <Heading level={3} data-size="xs" id={`${ids}-tasks-heading`}>
        {t('plan.tasks')}
      </Heading>
      {sorted.length === 0 ? (
        <Paragraph>{t('plan.noTasks')}</Paragraph>
      ) : (
        <div className="k-table-wrap">
          <Table>
            <caption className="k-sr-only">{t('plan.tasks')}</caption>
            <Table.Head>
              <Table.Row>
                <Table.HeaderCell>{t('plan.taskTitle')}</Table.HeaderCell>
                <Table.HeaderCell>{t('plan.assignee')}</Table.HeaderCell>
                <Table.HeaderCell>{t('plan.dueOn')}</Table.HeaderCell>
                <Table.HeaderCell>{t('plan.status')}</Table.HeaderCell>
              </Table.Row>
            </Table.Head>
            <Table.Body>
              {sorted.map((task) => (
                <Table.Row key={task.id} data-overdue={task.overdue || undefined}>
                  <Table.Cell>
                    <TaskTitle task={task} writable={writable} />
                  </Table.Cell>
                  <Table.Cell>{memberName(task.assignee) || t('plan.notSet')}</Table.Cell>
                  <Table.Cell>
                    {formatDate(task.dueOn)}{' '}
                    {task.overdue && (
                      <Tag data-color="danger" data-size="sm">
                        {t('plan.taskOverdue')}
                      </Tag>
                    )}
                  </Table.Cell>
                  <Table.Cell>
                    {writable ? <TaskStatusField task={task} /> : t(`plan.taskStatuses.${task.status}`)}
                  </Table.Cell>
                </Table.Row>
              ))}
            </Table.Body>
          </Table>
        </div>
      )}
      {writable && (
        <Details>
          <Details.Summary>{t('plan.addTaskTitle')}</Details.Summary>
          <Details.Content>
            <AddTask />
          </Details.Content>
        </Details>
      )}
    </section>
  );
}

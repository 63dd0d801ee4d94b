import { Alert, Button, Card, Checkbox, Heading, Paragraph, Spinner, Table, Tag } from '@digdir/designsystemet-react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink } from 'react-router';
import type { CombinedError } from 'urql';
import { useClient, useMutation, useQuery } from 'urql';

import { FormErrors, RequestError } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import {
  MarkNotificationReadDocument,
  MyNotificationPreferencesDocument,
  MyNotificationsDocument,
  SetNotificationPreferenceDocument,
} from '../gql/graphql';
import type { MyNotificationsQuery } from '../gql/graphql';
import { formatDateTime } from '../format';
import { useMyChanges } from '../live';

type Note = MyNotificationsQuery['myNotifications']['edges'][number]['node'];
type Entry = { cursor: string; node: Note };
type Channels = { inApp: boolean; email: boolean };

const PAGE = 20;
// What the server allows in one page: a live re-read covers at most this many.
const MAX_PAGE = 100;
// The unread count, as the menu asks for it (the same query, so one request serves both).
const UNREAD = { unreadOnly: true, first: 99 };

/** The notification kinds (backend/notify/kinds.py), in the order a person thinks of them. */
export const NOTIFICATION_KINDS = [
  'network.welcome',
  'network.coordinator_assigned',
  'consent.recorded',
  'consent.withdrawn',
  'child.protection_lowered',
  'plan.task_assigned',
  'plan.task_overdue',
  'plan.evaluation_overdue',
  'plan.disagreement_recorded',
  'plan.disagreement_answered',
  'plan.disagreement_raised',
  'plan.confirmed',
  'right.decided',
  'right.appeal_reassessed',
  'right.statsforvalter_outcome',
  'right.request_received',
  'right.appeal_received',
  'right.decision_due_soon',
  'right.decision_overdue',
  'pathway.milestone_due_soon',
  'pathway.milestone_missed',
  'pathway.milestone_missed_in_kommune',
  'pathway.signal_recorded',
  'plan.disagreement_raised_to_leader',
  'meeting.invited',
  'meeting.updated',
  'meeting.cancelled',
  'meeting.guest_invited',
  'meeting.guest_objected',
  'meeting.minutes_closed',
  'meeting.action_item_agreed',
  'reminder',
  'digest.daily',
] as const;

const key = (kind: string) => kind.replace(/\./g, '_');

export function kindName(t: TFunction, kind: string): string {
  return (NOTIFICATION_KINDS as readonly string[]).includes(kind)
    ? t(`notifications.kinds.${key(kind)}`)
    : t('notifications.kinds.other');
}

function detail(t: TFunction, note: Note): string {
  const payload = (note.payload ?? {}) as Record<string, unknown>;
  switch (note.kind) {
    case 'network.welcome': {
      const role = String(payload.role ?? '').toUpperCase();
      return t('notifications.details.network_welcome', {
        role: t(`network.roles.${role}`, { defaultValue: t('network.roles.MEMBER') }),
      });
    }
    case 'network.coordinator_assigned':
      return payload.position === 'new'
        ? t('notifications.details.coordinatorNew')
        : payload.position === 'previous'
          ? t('notifications.details.coordinatorPrevious')
          : t('notifications.details.coordinatorGuardian');
    case 'digest.daily':
      return t('notifications.details.digest_daily', { count: Number(payload.total ?? 0) });
    case 'meeting.invited':
    case 'meeting.updated':
    case 'meeting.cancelled':
    case 'meeting.guest_invited':
    case 'meeting.guest_objected':
    case 'meeting.minutes_closed':
    case 'meeting.action_item_agreed':
      return meetingDetail(t, note.kind, payload);
    case 'consent.recorded':
    case 'consent.withdrawn':
    case 'reminder':
    case 'child.protection_lowered':
    case 'plan.task_assigned':
    case 'plan.task_overdue':
    case 'plan.evaluation_overdue':
    case 'plan.disagreement_recorded':
    case 'plan.disagreement_answered':
    case 'plan.disagreement_raised':
    case 'plan.confirmed':
    case 'right.decided':
    case 'right.appeal_reassessed':
    case 'right.statsforvalter_outcome':
    case 'right.request_received':
    case 'right.appeal_received':
    case 'right.decision_due_soon':
    case 'right.decision_overdue':
    case 'pathway.milestone_due_soon':
    case 'pathway.milestone_missed':
    case 'pathway.milestone_missed_in_kommune':
    case 'pathway.signal_recorded':
    case 'plan.disagreement_raised_to_leader':
      return t(`notifications.details.${key(note.kind)}`);
    default:
      return '';
  }
}

/** A meeting's notification: its kind's words, with the meeting's title and time when given. */
function meetingDetail(t: TFunction, kind: string, payload: Record<string, unknown>): string {
  const text = t(`notifications.details.${key(kind)}`);
  const title = typeof payload.title === 'string' ? payload.title : '';
  const startsAt = typeof payload.startsAt === 'string' ? payload.startsAt : '';
  const guest = typeof payload.guestName === 'string' ? payload.guestName : '';
  const organisation = typeof payload.organisation === 'string' ? payload.organisation : '';
  const parts = [text];
  if (title) parts.push(startsAt ? t('notifications.meetingAt', { title, when: formatDateTime(startsAt) }) : `«${title}»`);
  if (guest) parts.push(organisation ? t('notifications.meetingGuestFrom', { name: guest, organisation }) : guest);
  return parts.join(' ');
}

/** The meeting a notification is about: its page (the only way in for a guest). */
function meetingPage(note: Note): string | null {
  if (!note.kind.startsWith('meeting.')) return null;
  const payload = (note.payload ?? {}) as Record<string, unknown>;
  const id = payload.meetingId ?? payload.meeting_id;
  return typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id) ? `/meetings/${id}` : '/meetings';
}

/** Where a notification about no one child leads: the page where it is handled. */
function pageFor(kind: string): string | null {
  switch (kind) {
    case 'right.request_received':
    case 'right.appeal_received':
    case 'right.decision_due_soon':
    case 'right.decision_overdue':
    case 'pathway.milestone_missed_in_kommune':
      return '/kommune/requests';
    case 'plan.disagreement_raised_to_leader':
      return '/admin';
    case 'right.decided':
    case 'right.appeal_reassessed':
    case 'right.statsforvalter_outcome':
      return '/family';
    default:
      return null;
  }
}

/** Newest first: ids are time-ordered, creation time first for clarity. */
function newestFirst(a: Entry, b: Entry): number {
  const byTime = Date.parse(b.node.createdAt) - Date.parse(a.node.createdAt);
  return byTime !== 0 ? byTime : b.node.id.localeCompare(a.node.id);
}

function NotificationList() {
  const { t } = useTranslation();
  const client = useClient();
  const changes = useMyChanges();
  const [entries, setEntries] = useState<Map<string, Entry>>(new Map());
  const [hasOlder, setHasOlder] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<CombinedError | undefined>();
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [, markRead] = useMutation(MarkNotificationReadDocument);
  const [unread, refetchUnread] = useQuery({ query: MyNotificationsDocument, variables: UNREAD });
  const size = useRef(PAGE);
  const firstRead = useRef(true);

  const merge = useCallback((edges: Entry[]) => {
    setEntries((previous) => {
      const next = new Map(previous);
      for (const edge of edges) next.set(edge.node.id, { cursor: edge.cursor, node: edge.node });
      return next;
    });
  }, []);

  // The newest ones again (as many as are shown, so their read marks are current too).
  const readNewest = useCallback(async () => {
    const result = await client
      .query(MyNotificationsDocument, { first: size.current }, { requestPolicy: 'network-only' })
      .toPromise();
    setError(result.error);
    const page = result.data?.myNotifications;
    if (!page) return;
    merge(page.edges);
    if (firstRead.current) {
      // Later re-reads only refresh the top; "show older" keeps track of what is below.
      firstRead.current = false;
      setHasOlder(page.pageInfo.hasNextPage);
    }
    setLoaded(true);
  }, [client, merge]);

  useEffect(() => {
    void readNewest();
  }, [readNewest, changes]);

  const shown = useMemo(() => [...entries.values()].sort(newestFirst), [entries]);

  async function showOlder() {
    const oldest = shown[shown.length - 1];
    if (!oldest) return;
    setLoading(true);
    const result = await client
      .query(MyNotificationsDocument, { first: PAGE, after: oldest.cursor }, { requestPolicy: 'network-only' })
      .toPromise();
    setLoading(false);
    setError(result.error);
    const page = result.data?.myNotifications;
    if (!page) return;
    merge(page.edges);
    setHasOlder(page.pageInfo.hasNextPage);
    size.current = Math.min(MAX_PAGE, shown.length + page.edges.length);
  }

  async function read(notes: Note[]) {
    const found: FieldError[] = [];
    for (const note of notes) {
      const response = await markRead({ input: { id: note.id } });
      const payload = response.data?.markNotificationRead;
      found.push(...(payload?.errors ?? []));
      if (payload?.notification) {
        const { readAt } = payload.notification;
        setEntries((previous) => {
          const entry = previous.get(note.id);
          if (!entry) return previous;
          const next = new Map(previous);
          next.set(note.id, { ...entry, node: { ...entry.node, readAt } });
          return next;
        });
      }
      if (response.error) setError(response.error);
    }
    setErrors(found);
    // The count here and in the menu (the same query) is the server's, read again.
    refetchUnread({ requestPolicy: 'network-only' });
  }

  const unreadShown = shown.filter((e) => !e.node.readAt).map((e) => e.node);
  const unreadCount = unread.data?.myNotifications.edges.length;

  return (
    <section className="k-stack" aria-labelledby="notifications-list-heading">
      <div className="k-row" style={{ justifyContent: 'space-between' }}>
        <Heading level={2} data-size="sm" id="notifications-list-heading">
          {t('notifications.listTitle')}
        </Heading>
        <span className="k-muted" aria-live="polite">
          {t('app.live')}
        </span>
      </div>
      {unreadCount !== undefined && (
        <Paragraph>
          {unreadCount > 0
            ? t('notifications.unreadCount', { count: unreadCount })
            : t('notifications.allRead')}
        </Paragraph>
      )}
      <RequestError error={error} />
      <FormErrors errors={errors} fields={[]} />
      {!loaded ? (
        <Spinner aria-label={t('app.loading')} />
      ) : shown.length === 0 ? (
        <Paragraph>{t('notifications.none')}</Paragraph>
      ) : (
        <>
          {unreadShown.length > 0 && (
            <div>
              <Button variant="secondary" data-size="sm" onClick={() => void read(unreadShown)}>
                {t('notifications.markAllRead')}
              </Button>
            </div>
          )}
          <ul className="k-stack" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
            {shown.map(({ node }) => {
              const headingId = `notification-${node.id}`;
              return (
                <li key={node.id}>
                  <Card
                    data-color="neutral"
                    className="k-stack k-notification"
                    data-unread={node.readAt ? 'false' : 'true'}
                  >
                    <div className="k-row" style={{ justifyContent: 'space-between', alignItems: 'center' }}>
                      <Heading level={3} data-size="xs" id={headingId}>
                        {kindName(t, node.kind)}
                      </Heading>
                      {node.readAt ? (
                        <span className="k-muted">
                          {t('notifications.read', { date: formatDateTime(node.readAt) })}
                        </span>
                      ) : (
                        <Tag data-color="info" data-size="sm">
                          {t('notifications.unread')}
                        </Tag>
                      )}
                    </div>
                    {detail(t, node) && <Paragraph>{detail(t, node)}</Paragraph>}
                    <div className="k-row" style={{ alignItems: 'center' }}>
                      <time className="k-muted" dateTime={node.createdAt}>
                        {formatDateTime(node.createdAt)}
                      </time>
                      {meetingPage(node) ? (
                        <RouterLink to={meetingPage(node) ?? '/meetings'} aria-describedby={headingId}>
                          {t('notifications.openMeeting')}
                        </RouterLink>
                      ) : node.childId ? (
                        <RouterLink to={`/children/${node.childId}`} aria-describedby={headingId}>
                          {t('notifications.openChild')}
                        </RouterLink>
                      ) : (
                        pageFor(node.kind) && (
                          <RouterLink to={pageFor(node.kind) ?? '/'} aria-describedby={headingId}>
                            {t('notifications.openPage')}
                          </RouterLink>
                        )
                      )}
                      {!node.readAt && (
                        <Button
                          variant="tertiary"
                          data-size="sm"
                          aria-describedby={headingId}
                          onClick={() => void read([node])}
                        >
                          {t('notifications.markRead')}
                        </Button>
                      )}
                    </div>
                  </Card>
                </li>
              );
            })}
          </ul>
          {hasOlder && (
            <div>
              <Button variant="secondary" onClick={() => void showOlder()} disabled={loading}>
                {t('notifications.older')}
              </Button>
            </div>
          )}
        </>
      )}
    </section>
  );
}

function Preferences() {
  const { t } = useTranslation();
  const [{ data, error }, refetch] = useQuery({ query: MyNotificationPreferencesDocument });
  const [result, setPreference] = useMutation(SetNotificationPreferenceDocument);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [saved, setSaved] = useState(false);
  // The choice shows at once; it is undone if the server refuses it.
  const [pending, setPending] = useState<Record<string, Channels>>({});
  const rows = data?.myNotificationPreferences ?? [];
  const fallback = rows.find((r) => r.kind == null);

  function chosen(kind: string): Channels {
    if (pending[kind]) return pending[kind];
    const row = rows.find((r) => r.kind === kind) ?? fallback;
    return { inApp: row?.inApp ?? true, email: row?.email ?? true };
  }

  async function change(kind: string, channels: Channels) {
    setSaved(false);
    setPending((previous) => ({ ...previous, [kind]: channels }));
    const response = await setPreference({ input: { kind, ...channels } });
    const found = response.data?.setNotificationPreference.errors ?? [];
    setErrors(found);
    const preference = response.data?.setNotificationPreference.preference;
    if (!found.length && preference) {
      setSaved(true);
      setPending((previous) => ({ ...previous, [kind]: { inApp: preference.inApp, email: preference.email } }));
    } else {
      setPending(({ [kind]: _undone, ...rest }) => rest);
    }
    // A first choice adds a row the cached list did not have: read the list again.
    refetch({ requestPolicy: 'network-only' });
  }

  return (
    <section className="k-stack" aria-labelledby="preferences-heading">
      <Heading level={2} data-size="sm" id="preferences-heading">
        {t('notifications.preferencesTitle')}
      </Heading>
      <Paragraph>{t('notifications.preferencesIntro')}</Paragraph>
      <RequestError error={error ?? result.error} />
      <FormErrors errors={errors} fields={[]} />
      {saved && (
        <Alert data-color="success" role="status">
          {t('notifications.saved')}
        </Alert>
      )}
      {!data ? (
        <Spinner aria-label={t('app.loading')} />
      ) : (
        <div className="k-table-wrap">
          <Table>
            <Table.Head>
              <Table.Row>
                <Table.HeaderCell>{t('notifications.kind')}</Table.HeaderCell>
                <Table.HeaderCell>{t('notifications.inApp')}</Table.HeaderCell>
                <Table.HeaderCell>{t('notifications.email')}</Table.HeaderCell>
              </Table.Row>
            </Table.Head>
            <Table.Body>
              {NOTIFICATION_KINDS.map((kind) => {
                const current = chosen(kind);
                const name = kindName(t, kind);
                return (
                  <Table.Row key={kind}>
                    <Table.Cell>{name}</Table.Cell>
                    <Table.Cell>
                      <Checkbox
                        aria-label={t('notifications.inAppFor', { kind: name })}
                        checked={current.inApp}
                        onChange={(e) => void change(kind, { ...current, inApp: e.target.checked })}
                      />
                    </Table.Cell>
                    <Table.Cell>
                      <Checkbox
                        aria-label={t('notifications.emailFor', { kind: name })}
                        checked={current.email}
                        onChange={(e) => void change(kind, { ...current, email: e.target.checked })}
                      />
                    </Table.Cell>
                  </Table.Row>
                );
              })}
            </Table.Body>
          </Table>
        </div>
      )}
    </section>
  );
}

export function Notifications() {
  const { t } = useTranslation();
  return (
    <>
      <Heading level={1} data-size="lg">
        {t('notifications.title')}
      </Heading>
      <Paragraph>{t('notifications.intro')}</Paragraph>
      <NotificationList />
      <Preferences />
    </>
  );
}

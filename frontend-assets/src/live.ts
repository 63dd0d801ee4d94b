import { print } from 'graphql';
import type { DocumentNode } from 'graphql';
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';

import { ws } from './client';
import { ChildEventsDocument, MyEventsDocument } from './gql/graphql';
import type { ChildEventsSubscription, MyEventsSubscription } from './gql/graphql';

// ---- Connection state: shown as "reconnecting" while the socket is down ----------------

type ConnectionState = 'connecting' | 'online' | 'reconnecting';
let connection: ConnectionState = 'connecting';
const listeners = new Set<() => void>();
function setConnection(next: ConnectionState) {
  if (connection !== next) {
    connection = next;
    listeners.forEach((listener) => listener());
  }
}
ws.on('connected', () => setConnection('online'));
ws.on('closed', () => setConnection(connection === 'connecting' ? 'connecting' : 'reconnecting'));
ws.on('error', () => setConnection(connection === 'online' ? 'reconnecting' : connection));

export function useConnection(): ConnectionState {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => connection,
  );
}

// ---- Streams that resume from their last cursor ------------------------------------------

/**
 * Subscribes with a payload whose `after` follows what has arrived: graphql-ws sends the same
 * payload object again when it reconnects, so a dropped connection resumes from the last
 * cursor (the server replays what was missed, once) instead of starting over.
 */
function follow<T>(
  document: DocumentNode,
  variables: Record<string, unknown>,
  advance: (payload: { variables: Record<string, unknown> }, item: T) => boolean | void,
  onItem: (item: T) => void,
): () => void {
  const payload = { query: print(document), variables: { ...variables } };
  let stopped = false;
  let restart = false;
  let dispose = () => {};
  const start = () => {
    dispose = ws.subscribe<T>(payload, {
      next: (result) => {
        if (result.data) {
          // `advance` answers true when the server asked for a resync (the stream ends).
          restart = advance(payload, result.data as T) === true || restart;
          onItem(result.data as T);
        }
      },
      error: () => undefined,
      complete: () => {
        if (!stopped && restart) {
          restart = false;
          start();
        }
      },
    });
  };
  start();
  return () => {
    stopped = true;
    dispose();
  };
}

// A burst of changes (a replayed history, a batch of notifications) is one re-read, not one
// per item: the pages re-read once the burst has settled, and at least once a second while
// changes keep coming.
const SETTLE_MS = 150;
const MAX_WAIT_MS = 1000;

/** Calls `fire` once per burst of `push`es: after SETTLE_MS of quiet, or MAX_WAIT_MS at most. */
function coalesce(fire: () => void): { push: () => void; stop: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let since = 0;
  return {
    push() {
      const now = Date.now();
      if (timer === undefined) since = now;
      else clearTimeout(timer);
      timer = setTimeout(
        () => {
          timer = undefined;
          fire();
        },
        Math.max(0, Math.min(SETTLE_MS, since + MAX_WAIT_MS - now)),
      );
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

// ---- My changes: one live feed per page load, whichever components follow it -----------

let myChanges = 0;
const myListeners = new Set<() => void>();
let stopMine: (() => void) | null = null;

function followMine(): () => void {
  const cursors = new Map<string, string>();
  const burst = coalesce(() => {
    myChanges += 1;
    myListeners.forEach((listener) => listener());
  });
  const stop = follow<MyEventsSubscription>(
    MyEventsDocument,
    {},
    (payload, data) => {
      const item = data.myEvents;
      if (item.__typename === 'Event') cursors.set(item.childId, item.cursor);
      if (item.__typename === 'LiveNotification') cursors.set('notifications', item.cursor);
      if (item.__typename === 'ResyncRequired') {
        if (item.latestCursor) cursors.set(item.childId, item.latestCursor);
        else cursors.delete(item.childId);
      }
      payload.variables.after = [...cursors.values()];
      return item.__typename === 'ResyncRequired';
    },
    burst.push,
  );
  return () => {
    stop();
    burst.stop();
  };
}

/**
 * A number that grows with the changes pushed to me (all my children and my notifications),
 * once per burst. Pages re-read what they show when it changes (`useReloadOnChange`); the
 * server authorizes every event again. The menu and the page share one subscription.
 */
export function useMyChanges(): number {
  return useSyncExternalStore(subscribeMine, () => myChanges);
}

// Module-level, so React keeps one subscription per component (a new function each render
// would unsubscribe and subscribe again, and with the last listener gone restart the feed).
function subscribeMine(listener: () => void): () => void {
  myListeners.add(listener);
  stopMine ??= followMine();
  return () => {
    myListeners.delete(listener);
    if (myListeners.size === 0 && stopMine) {
      stopMine();
      stopMine = null;
    }
  };
}

export type TimelineEvent = Extract<ChildEventsSubscription['childEvents'], { __typename: 'Event' }>;

/**
 * One child's events from the start of the kept history, then live: the timeline. `changes`
 * grows once per burst of new events (the replay of the history is one burst).
 */
export function useChildEvents(childId: string): { events: TimelineEvent[]; changes: number } {
  const [events, setEvents] = useState<TimelineEvent[]>([]);
  const [changes, setChanges] = useState(0);
  useEffect(() => {
    setEvents([]);
    const burst = coalesce(() => setChanges((n) => n + 1));
    const stop = follow<ChildEventsSubscription>(
      ChildEventsDocument,
      { childId },
      (payload, data) => {
        const item = data.childEvents;
        if (item.__typename === 'Event') payload.variables.after = item.cursor;
        if (item.__typename === 'ResyncRequired') {
          payload.variables.after = item.latestCursor;
          return true;
        }
        return false;
      },
      (data) => {
        const item = data.childEvents;
        if (item.__typename !== 'Event') return;
        setEvents((prev) => (prev.some((e) => e.id === item.id) ? prev : [...prev, item]));
        burst.push();
      },
    );
    return () => {
      stop();
      burst.stop();
    };
  }, [childId]);
  return { events, changes };
}

/**
 * Re-reads when something changed after the first read (a panel opened late does not re-read
 * the changes it was opened with).
 */
export function useReloadOnChange(changes: number, reload: () => void): void {
  const seen = useRef(changes);
  useEffect(() => {
    if (changes !== seen.current) {
      seen.current = changes;
      reload();
    }
  }, [changes, reload]);
}

import { print } from 'graphql';
import type { DocumentNode } from 'graphql';
import { useEffect, useState, useSyncExternalStore } from 'react';

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

/**
 * A number that grows with every change pushed to me (all my children and my notifications).
 * Pages re-read what they show when it changes; the server authorizes every event again.
 */
export function useMyChanges(): number {
  const [changes, setChanges] = useState(0);
  useEffect(() => {
    const cursors = new Map<string, string>();
    return follow<MyEventsSubscription>(
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
      () => setChanges((n) => n + 1),
    );
  }, []);
  return changes;
}

export type TimelineEvent = Extract<ChildEventsSubscription['childEvents'], { __typename: 'Event' }>;

/** One child's events from the start of the kept history, then live: the timeline. */
export function useChildEvents(childId: string): { events: TimelineEvent[]; changes: number } {
  const [state, setState] = useState<{ events: TimelineEvent[]; changes: number }>({
    events: [],
    changes: 0,
  });
  useEffect(() => {
    setState({ events: [], changes: 0 });
    return follow<ChildEventsSubscription>(
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
        setState((prev) =>
          prev.events.some((e) => e.id === item.id)
            ? prev
            : { events: [...prev.events, item], changes: prev.changes + 1 },
        );
      },
    );
  }, [childId]);
  return state;
}

import { useEffect, useState } from 'react';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

/**
 * connecting: first contact; connected: the document is in sync with the server;
 * reconnecting: the socket dropped and is tried again (what was typed meanwhile is sent then);
 * refused: the server closed it for good (no access, the session ended).
 */
export type MinutesStatus = 'connecting' | 'connected' | 'reconnecting' | 'refused' | 'tooLarge' | 'signedOut';

// The minutes socket's close codes (backend/meeting/minutes_socket.py).
const SESSION_ENDED = 4401;
const RELOAD = 4409;
const TOO_LARGE = 4413;

export type MinutesDoc = {
  doc: Y.Doc;
  provider: WebsocketProvider;
};

/** The origin the minutes' socket is at: this app's own host (the session cookie goes along). */
function socketOrigin(): string {
  return `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}`;
}

/** The meeting's shared minutes document, kept in sync over the minutes socket while `enabled`. */
export function useMinutesDoc(
  meetingId: string,
  enabled: boolean,
  myName: string | null,
): { minutes: MinutesDoc | null; status: MinutesStatus; present: string[] } {
  const [minutes, setMinutes] = useState<MinutesDoc | null>(null);
  const [status, setStatus] = useState<MinutesStatus>('connecting');
  const [present, setPresent] = useState<string[]>([]);
  // A new document from the server when it says this one holds changes it refused.
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (!enabled) return;
    const doc = new Y.Doc();
    // Everything goes through the server (which authorizes every update): no shortcut
    // between tabs of the same browser.
    const provider = new WebsocketProvider(socketOrigin() + '/minutes', meetingId, doc, {
      disableBc: true,
      maxBackoffTime: 5_000,
    });
    let synced = false;
    setStatus('connecting');
    provider.on('sync', (isSynced: boolean) => {
      if (isSynced) {
        synced = true;
        setStatus('connected');
      }
    });
    provider.on('status', ({ status: next }: { status: string }) => {
      if (next !== 'connected') setStatus(synced ? 'reconnecting' : 'connecting');
    });
    provider.on('closed', ({ code }: { code: number }) => {
      if (code === RELOAD) setGeneration((n) => n + 1);
      else setStatus(code === TOO_LARGE ? 'tooLarge' : code === SESSION_ENDED ? 'signedOut' : 'refused');
    });
    if (myName) provider.awareness.setLocalStateField('user', { name: myName });
    const onAwareness = () => {
      const names = new Set<string>();
      provider.awareness.getStates().forEach((state, clientId) => {
        const name = (state as { user?: { name?: unknown } }).user?.name;
        if (clientId !== doc.clientID && typeof name === 'string') names.add(name.slice(0, 200));
      });
      setPresent([...names].sort());
    };
    provider.awareness.on('change', onAwareness);
    setMinutes({ doc, provider });
    return () => {
      provider.awareness.off('change', onAwareness);
      provider.destroy();
      doc.destroy();
      setMinutes(null);
      setPresent([]);
    };
  }, [meetingId, enabled, myName, generation]);
  return { minutes, status, present };
}

/** The change from `prev` to `next` as one replaced range, placed where the caret says it was made. */
export function diff(prev: string, next: string, caret: number): { index: number; remove: number; insert: string } {
  let start = 0;
  const shortest = Math.min(prev.length, next.length);
  while (start < shortest && prev[start] === next[start]) start++;
  // Typing "a" into "aa" could be read as an insert at either place: the caret tells which.
  const grown = Math.max(0, next.length - prev.length);
  start = Math.max(0, Math.min(start, caret - grown));
  let end = 0;
  while (
    end < prev.length - start &&
    end < next.length - start &&
    prev[prev.length - 1 - end] === next[next.length - 1 - end]
  ) {
    end++;
  }
  return { index: start, remove: prev.length - start - end, insert: next.slice(start, next.length - end) };
}

/** Where a caret at `position` ends up after a change made elsewhere (a Y.Text delta). */
export function shift(position: number, delta: Y.YTextEvent['delta']): number {
  let index = 0;
  let result = position;
  for (const op of delta) {
    if (op.retain !== undefined) {
      index += op.retain;
    } else if (op.insert !== undefined) {
      const length = typeof op.insert === 'string' ? op.insert.length : 1;
      if (index < result) result += length;
      index += length;
    } else if (op.delete !== undefined) {
      if (index < result) result -= Math.min(op.delete, result - index);
    }
    if (index > result) break;
  }
  return result;
}

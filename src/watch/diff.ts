/**
 * What changed between two scans of the listening sockets. Pure: no I/O.
 *
 * A listener is identified by its socket, (protocol, family, address, port,
 * inode), not by its process: a server that forks workers sharing one socket
 * is one listener, and a server that restarts on the same port gets a new
 * inode, so it is a close followed by an open.
 */
import type { Family, Protocol } from '../model.js';

/** The fields that identify a listening socket. */
export interface ListenerKeyFields {
  protocol: Protocol;
  family: Family;
  localAddress: string;
  localPort: number;
  inode: number | null;
}

/** The identity of a listener as one string: `tcp|4|127.0.0.1|3000|12345`. */
export function listenerKey(socket: ListenerKeyFields): string {
  return `${socket.protocol}|${socket.family}|${socket.localAddress}|${socket.localPort}|${socket.inode ?? ''}`;
}

/** Listeners that appeared and disappeared between two scans. */
export interface ListenerDiff<T> {
  /** In `next` but not in `prev`, in `next`'s order. */
  opened: T[];
  /** In `prev` but not in `next`, in `prev`'s order. */
  closed: T[];
}

/**
 * Compares two scans. Duplicates within one scan (the same socket listed
 * twice) count once.
 * @param prev the previous scan, as a list or as a map keyed by {@link listenerKey}.
 */
export function diffListeners<T extends ListenerKeyFields>(prev: readonly T[] | ReadonlyMap<string, T>, next: readonly T[]): ListenerDiff<T> {
  const before = prev instanceof Map ? (prev as ReadonlyMap<string, T>) : indexListeners(prev as readonly T[]);
  const after = new Set<string>();
  const opened: T[] = [];
  for (const socket of next) {
    const key = listenerKey(socket);
    if (after.has(key)) continue;
    after.add(key);
    if (!before.has(key)) opened.push(socket);
  }
  const closed: T[] = [];
  for (const [key, socket] of before) if (!after.has(key)) closed.push(socket);
  return { opened, closed };
}

/** Indexes a scan by {@link listenerKey} (the first of duplicates wins). */
export function indexListeners<T extends ListenerKeyFields>(sockets: readonly T[]): Map<string, T> {
  const map = new Map<string, T>();
  for (const socket of sockets) {
    const key = listenerKey(socket);
    if (!map.has(key)) map.set(key, socket);
  }
  return map;
}

/** The identity fields of a freshly read socket, before anything is derived from it. */
export type RawListener = ListenerKeyFields;

/** The result of {@link reconcileListeners}. */
export interface Reconciled<T> extends ListenerDiff<T> {
  /** Every listener of the new scan: the previous object where the socket is unchanged, a new one otherwise. */
  listeners: T[];
  /** The new scan indexed for the next call. */
  index: Map<number | string, T>;
}

function sameSocket(a: ListenerKeyFields, b: ListenerKeyFields): boolean {
  return a.localPort === b.localPort && a.protocol === b.protocol && a.family === b.family && a.localAddress === b.localAddress;
}

/**
 * {@link diffListeners} for repeated scans of thousands of sockets: the
 * previous scan is indexed by inode (unique per socket on the machine; the
 * full key only for sockets without one), unchanged sockets keep their
 * previous object, and `make` builds an object only for new ones. The result
 * is the same as `diffListeners(prev, next.map(make))`. Pure.
 */
export function reconcileListeners<R extends RawListener, T extends ListenerKeyFields>(
  prev: ReadonlyMap<number | string, T>,
  next: readonly R[],
  make: (raw: R) => T,
): Reconciled<T> {
  const index = new Map<number | string, T>();
  const listeners: T[] = [];
  const opened: T[] = [];
  for (const raw of next) {
    // inode 0 / null: no inode to go by, use the whole key.
    const id = raw.inode ? raw.inode : listenerKey(raw);
    if (index.has(id)) continue;
    const before = prev.get(id);
    let socket: T;
    if (before !== undefined && sameSocket(before, raw)) {
      socket = before;
    } else {
      socket = make(raw);
      opened.push(socket);
    }
    index.set(id, socket);
    listeners.push(socket);
  }
  const closed: T[] = [];
  for (const [id, socket] of prev) {
    const now = index.get(id);
    if (now === undefined || now !== socket) closed.push(socket);
  }
  return { listeners, opened, closed, index };
}

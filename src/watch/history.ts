/**
 * Questions about listener history, for `berth history`, `berth who`,
 * `berth doctor` and the dashboard. Reading never creates a state store:
 * on a machine where nothing was ever recorded the answer is simply empty.
 */
import { existsSync } from 'node:fs';
import type { Protocol } from '../model.js';
import { isSameProcessAlive } from '../processes/index.js';
import { openState, read, type StateStore } from '../state/db.js';
import {
  historyStats,
  queryHistory,
  selectLastHolder,
  selectRecorder,
  type HistoryEntry,
  type HistoryStats,
  type RecorderRecord,
} from '../state/history.js';
import { statePath, stateHome } from '../state/paths.js';

/** Where the history lives. */
export interface HistoryStoreOptions {
  /** The state folder; default `$BERTH_HOME` or the platform's state folder. */
  home?: string;
}

/** Opens the store if it exists; null when berth never wrote one there. */
function openExisting(options: HistoryStoreOptions): StateStore | null {
  const home = options.home ?? stateHome();
  if (!existsSync(statePath(home))) return null;
  return openState({ home });
}

/** A history row with the facts a reader needs. */
export interface HistoryItem extends HistoryEntry {
  /**
   * When it stopped listening, or the last time it was seen while a recorder
   * was not watching any more (`closedAt` null and no live recorder): an
   * estimate, see `ended`.
   */
  until: number | null;
  /**
   * - `open`: a live recorder still sees it;
   * - `closed`: a recorder saw it go at `closedAt`;
   * - `unknown`: still marked open, but nothing has recorded since `lastSeenAt`.
   */
  ended: 'open' | 'closed' | 'unknown';
  /** `(closedAt ?? now) - openedAt` for open/closed, `lastSeenAt - openedAt` for unknown, in ms. */
  durationMs: number;
}

/** Options for {@link listHistory}. */
export interface ListHistoryOptions extends HistoryStoreOptions {
  port?: number;
  protocol?: Protocol;
  /** Only lifetimes that were still going at or after this time (ms since the epoch). */
  since?: number;
  /** Newest first, at most this many (default 1000). */
  limit?: number;
}

/** The recorder's state: whether history is being recorded now, by whom. */
export interface RecorderStatus {
  /** The registered recorder, alive or not; null when none is registered. */
  recorder: RecorderRecord | null;
  /** True when the registered recorder's process is still running. */
  alive: boolean;
  stats: HistoryStats;
}

function recorderAlive(recorder: RecorderRecord | null): boolean {
  return recorder !== null && isSameProcessAlive({ pid: recorder.pid, startMarker: recorder.startMarker });
}

function toItem(entry: HistoryEntry, live: boolean, now: number): HistoryItem {
  if (entry.closedAt !== null) return { ...entry, until: entry.closedAt, ended: 'closed', durationMs: entry.closedAt - entry.openedAt };
  if (live) return { ...entry, until: null, ended: 'open', durationMs: Math.max(0, now - entry.openedAt) };
  return { ...entry, until: entry.lastSeenAt, ended: 'unknown', durationMs: entry.lastSeenAt - entry.openedAt };
}

/**
 * Listener lifetimes, newest first: "who held 3000 today, and when".
 * @throws BerthError E_STATE_* when the store exists but cannot be read.
 */
export function listHistory(options: ListHistoryOptions = {}): { items: HistoryItem[]; status: RecorderStatus } {
  const store = openExisting(options);
  if (!store) return { items: [], status: { recorder: null, alive: false, stats: { rows: 0, open: 0, oldest: null } } };
  const now = Date.now();
  return read(store, (db) => {
    const recorder = selectRecorder(db);
    const alive = recorderAlive(recorder);
    const entries = queryHistory(db, {
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.protocol === undefined ? {} : { protocol: options.protocol }),
      ...(options.since === undefined ? {} : { since: options.since }),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
    });
    return { items: entries.map((e) => toItem(e, alive, now)), status: { recorder, alive, stats: historyStats(db) } };
  });
}

/**
 * The last recorded holder of a port, for "port 3000 is free; it was held by
 * vite in ~/app until 14:05". Null when nothing was ever recorded on it.
 * The answer may be a listener that is still open (`ended: 'open'`): callers
 * that ask because the port is free now should say so only when it is not.
 * @throws BerthError E_STATE_* when the store exists but cannot be read.
 */
export function lastHolder(port: number, options: HistoryStoreOptions & { protocol?: Protocol } = {}): HistoryItem | null {
  const store = openExisting(options);
  if (!store) return null;
  return read(store, (db) => {
    const entry = selectLastHolder(db, port, options.protocol);
    return entry ? toItem(entry, recorderAlive(selectRecorder(db)), Date.now()) : null;
  });
}

/**
 * Whether history is being recorded, by which process, and how much is stored.
 * @throws BerthError E_STATE_* when the store exists but cannot be read.
 */
export function recorderStatus(options: HistoryStoreOptions = {}): RecorderStatus {
  const store = openExisting(options);
  if (!store) return { recorder: null, alive: false, stats: { rows: 0, open: 0, oldest: null } };
  return read(store, (db) => {
    const recorder = selectRecorder(db);
    return { recorder, alive: recorderAlive(recorder), stats: historyStats(db) };
  });
}

/**
 * The history recorder: turns scans of the listening sockets into rows of
 * the state store's `listeners_seen` table.
 *
 * Writes are kept cheap: a scan with no change writes nothing; `last_seen_at`
 * of every open row is refreshed with one statement per flush interval (not
 * one per row per scan); old rows are purged once an hour. Only one recorder
 * writes at a time (the `recorder` row, checked with the pid's start marker);
 * another one stays idle and takes over when the first is gone.
 */
import type { ProcessInfo, Socket } from '../model.js';
import { isSameProcessAlive, readProcess } from '../processes/index.js';
import { transact, type StateStore } from '../state/db.js';
import {
  beatRecorder,
  claimRecorder,
  closeAtLastSeen,
  HISTORY_RETENTION_DAYS,
  insertOpened,
  listOpen,
  markClosed,
  purgeHistory,
  releaseRecorder,
  touchOpen,
  type ListenerHolderFacts,
  type ListenerIdentity,
  type RecorderKind,
  type RecorderRecord,
} from '../state/history.js';
import { listenerKey } from './diff.js';
import type { ListenerScan } from './scanner.js';

/** How often `last_seen_at` of open rows is written, in milliseconds: a crash loses at most this much. */
export const HISTORY_FLUSH_INTERVAL_MS = 30_000;
/** How often old rows are purged, in milliseconds. */
export const HISTORY_PURGE_INTERVAL_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Options for {@link createRecorder}. */
export interface RecorderOptions {
  store: StateStore;
  /** Who records: shown by `berth daemon status`. */
  kind: RecorderKind;
  /** The scan interval, stored for `berth daemon status`. */
  intervalMs: number;
  /** Closed rows older than this are deleted, in ms. Default {@link historyRetentionMs}. */
  retentionMs?: number;
  /** Default {@link HISTORY_FLUSH_INTERVAL_MS}. */
  flushIntervalMs?: number;
}

/** Writes scans to the store. Call {@link HistoryRecorder.record} with every scan, in order. */
export interface HistoryRecorder {
  /** True while this process is the one recording. */
  readonly recording: boolean;
  /** When not recording: the live recorder that is (another berth), else null. */
  readonly other: RecorderRecord | null;
  /** Records one scan (a no-op while another recorder is live; retries the claim every flush interval). */
  record(scan: ListenerScan): void;
  /** Writes `last_seen_at` and gives up the recorder role. Open rows stay open for the next recorder to adopt or close. */
  stop(): void;
}

/**
 * Retention of closed history rows in ms: `$BERTH_HISTORY_DAYS` days when set
 * to a positive number, else {@link HISTORY_RETENTION_DAYS}.
 */
export function historyRetentionMs(env: NodeJS.ProcessEnv = process.env): number {
  const days = Number(env.BERTH_HISTORY_DAYS);
  return (Number.isFinite(days) && days > 0 ? days : HISTORY_RETENTION_DAYS) * DAY_MS;
}

/** The holder a history row names: the parent among processes sharing the socket, else the lowest pid. */
export function primaryHolder(holders: readonly ProcessInfo[]): ProcessInfo | null {
  if (holders.length === 0) return null;
  const pids = new Set(holders.map((h) => h.pid));
  const roots = holders.filter((h) => h.ppid === null || !pids.has(h.ppid));
  return [...(roots.length > 0 ? roots : holders)].sort((a, b) => a.pid - b.pid)[0]!;
}

/** A socket as a history row's identity and holder facts. */
export function toHistoryFacts(socket: Socket): ListenerIdentity & ListenerHolderFacts {
  const holder = primaryHolder(socket.holders);
  return {
    protocol: socket.protocol,
    family: socket.family,
    address: socket.localAddress,
    port: socket.localPort,
    inode: socket.inode === null ? null : String(socket.inode),
    pid: holder?.pid ?? null,
    processName: holder?.name ?? null,
    command: holder?.command ?? null,
    cwd: holder?.cwd ?? null,
    user: holder?.user ?? socket.user,
  };
}

function rowKey(row: ListenerIdentity): string {
  return `${row.protocol}|${row.family}|${row.address}|${row.port}|${row.inode ?? ''}`;
}

/**
 * Creates a recorder and tries to become the one recording.
 * @throws BerthError E_STATE_* when the store cannot be written.
 */
export function createRecorder(options: RecorderOptions): HistoryRecorder {
  const { store } = options;
  const retentionMs = options.retentionMs ?? historyRetentionMs();
  const flushMs = options.flushIntervalMs ?? HISTORY_FLUSH_INTERVAL_MS;
  const me = readProcess(process.pid);
  const startedAt = Date.now();
  const rows = new Map<string, number>();
  let recording = false;
  let adopted = false;
  let other: RecorderRecord | null = null;
  let lastClaimAt = 0;
  let lastFlushAt = 0;
  let lastPurgeAt = 0;
  let lastScanAt = 0;

  const isAlive = (r: RecorderRecord): boolean => isSameProcessAlive({ pid: r.pid, startMarker: r.startMarker });

  function claim(at: number): void {
    lastClaimAt = at;
    const record: RecorderRecord = {
      pid: process.pid,
      startMarker: me?.startMarker ?? null,
      kind: options.kind,
      intervalMs: options.intervalMs,
      startedAt,
      heartbeatAt: at,
    };
    other = transact(store, (db) => claimRecorder(db, record, isAlive));
    recording = other === null;
    adopted = false;
  }

  /** First scan after claiming: continue rows still listening, close the rest at their last sighting. */
  function adopt(scan: ListenerScan): void {
    transact(store, (db) => {
      rows.clear();
      const open = new Map<string, number>();
      const stale: number[] = [];
      for (const row of listOpen(db)) {
        const key = rowKey(row);
        if (open.has(key)) stale.push(row.id);
        else open.set(key, row.id);
      }
      for (const socket of scan.listeners) {
        const key = listenerKey(socket);
        if (rows.has(key)) continue;
        const id = open.get(key);
        if (id !== undefined) {
          rows.set(key, id);
          open.delete(key);
        } else {
          rows.set(key, insertOpened(db, toHistoryFacts(socket), scan.at));
        }
      }
      closeAtLastSeen(db, [...stale, ...open.values()]);
      touchOpen(db, scan.at);
    });
    adopted = true;
    lastFlushAt = scan.at;
  }

  function apply(scan: ListenerScan): void {
    if (scan.opened.length === 0 && scan.closed.length === 0) return;
    transact(store, (db) => {
      for (const socket of scan.closed) {
        const key = listenerKey(socket);
        const id = rows.get(key);
        if (id === undefined) continue;
        markClosed(db, id, lastScanAt, scan.at);
        rows.delete(key);
      }
      for (const socket of scan.opened) {
        const key = listenerKey(socket);
        if (!rows.has(key)) rows.set(key, insertOpened(db, toHistoryFacts(socket), scan.at));
      }
    });
  }

  function flush(at: number): void {
    const still = transact(store, (db) => {
      touchOpen(db, at);
      return beatRecorder(db, process.pid, at);
    });
    lastFlushAt = at;
    // Someone took the role over (they judged this process dead): stop writing.
    if (!still) recording = false;
  }

  claim(startedAt);

  return {
    get recording() {
      return recording;
    },
    get other() {
      return other;
    },
    record(scan: ListenerScan): void {
      if (!recording) {
        if (scan.at - lastClaimAt < flushMs) return;
        claim(scan.at);
        if (!recording) return;
      }
      if (!adopted) adopt(scan);
      else apply(scan);
      if (scan.at - lastFlushAt >= flushMs) flush(scan.at);
      if (scan.at - lastPurgeAt >= HISTORY_PURGE_INTERVAL_MS) {
        transact(store, (db) => purgeHistory(db, scan.at - retentionMs));
        lastPurgeAt = scan.at;
      }
      lastScanAt = scan.at;
    },
    stop(): void {
      if (!recording) return;
      recording = false;
      transact(store, (db) => {
        if (lastScanAt > 0) touchOpen(db, lastScanAt);
        releaseRecorder(db, process.pid);
      });
    },
  };
}

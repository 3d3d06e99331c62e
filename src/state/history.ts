/**
 * The listener history tables: SQL only. One row of `listeners_seen` per
 * listener lifetime; one row of `recorder` naming the process that writes
 * them. Whether a recorder process is still alive is decided by the caller,
 * which passes a predicate; the store never reads processes. Functions that
 * write expect to run inside {@link transact}.
 */
import type { Family, Protocol } from '../model.js';
import { prepared, type Database } from './db.js';

/** Default retention of closed history rows, in days. */
export const HISTORY_RETENTION_DAYS = 30;
/** Most closed rows kept whatever their age, so a port scan storm cannot grow the file without end. */
export const HISTORY_MAX_ROWS = 200_000;

/** What identifies one listener: the socket, not the process (a fork shares it). */
export interface ListenerIdentity {
  protocol: Protocol;
  family: Family;
  address: string;
  port: number;
  /** Kernel socket inode as text; null where the platform has none. */
  inode: string | null;
}

/** Who held a listener, as far as it was readable when first seen. */
export interface ListenerHolderFacts {
  pid: number | null;
  processName: string | null;
  command: string | null;
  cwd: string | null;
  user: string | null;
}

/** One listener lifetime as stored. Times are milliseconds since the epoch. */
export interface HistoryEntry extends ListenerIdentity, ListenerHolderFacts {
  id: number;
  /** When a recorder first saw it (not earlier than the recorder's start). */
  openedAt: number;
  /** The last scan that still saw it (kept up to date in batches). */
  lastSeenAt: number;
  /** When a recorder first missed it; null while still open (or when no recorder has looked since). */
  closedAt: number | null;
}

interface HistoryRow {
  id: number;
  port: number;
  protocol: Protocol;
  family: Family;
  address: string;
  inode: string | null;
  pid: number | null;
  process_name: string | null;
  command: string | null;
  cwd: string | null;
  user: string | null;
  opened_at: number;
  last_seen_at: number;
  closed_at: number | null;
}

function toEntry(row: HistoryRow): HistoryEntry {
  return {
    id: row.id,
    protocol: row.protocol,
    family: row.family,
    address: row.address,
    port: row.port,
    inode: row.inode,
    pid: row.pid,
    processName: row.process_name,
    command: row.command,
    cwd: row.cwd,
    user: row.user,
    openedAt: row.opened_at,
    lastSeenAt: row.last_seen_at,
    closedAt: row.closed_at,
  };
}

/** Records a newly seen listener; returns its row id. */
export function insertOpened(db: Database, listener: ListenerIdentity & ListenerHolderFacts, at: number): number {
  const result = prepared(
      db,
      `INSERT INTO listeners_seen (port, protocol, family, address, inode, pid, process_name, command, cwd, user, opened_at, last_seen_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      listener.port,
      listener.protocol,
      listener.family,
      listener.address,
      listener.inode,
      listener.pid,
      listener.processName,
      listener.command,
      listener.cwd,
      listener.user,
      at,
      at,
    );
  return Number(result.lastInsertRowid);
}

/** Marks a row closed: it was last seen at `lastSeenAt` and missed at `closedAt`. */
export function markClosed(db: Database, id: number, lastSeenAt: number, closedAt: number): void {
  prepared(db, 'UPDATE listeners_seen SET last_seen_at = max(last_seen_at, ?), closed_at = ? WHERE id = ? AND closed_at IS NULL').run(
    lastSeenAt,
    closedAt,
    id,
  );
}

/** Sets `last_seen_at` of every open row at once: one statement per flush, not one per row per scan. */
export function touchOpen(db: Database, at: number): number {
  return prepared(db, 'UPDATE listeners_seen SET last_seen_at = ? WHERE closed_at IS NULL AND last_seen_at < ?').run(at, at).changes;
}

/** Every row still marked open, oldest first. */
export function listOpen(db: Database): HistoryEntry[] {
  return (prepared(db, 'SELECT * FROM listeners_seen WHERE closed_at IS NULL ORDER BY id').all() as HistoryRow[]).map(toEntry);
}

/** Closes open rows whose listener is gone, at the last time they were seen (a recorder that stopped or crashed). */
export function closeAtLastSeen(db: Database, ids: readonly number[]): void {
  const statement = prepared(db, 'UPDATE listeners_seen SET closed_at = last_seen_at WHERE id = ? AND closed_at IS NULL');
  for (const id of ids) statement.run(id);
}

/** What {@link queryHistory} returns rows for. */
export interface HistoryQuery {
  /** Only this port. */
  port?: number;
  /** Only this protocol. */
  protocol?: Protocol;
  /** Only lifetimes that overlap [since, now]: still open, or closed at or after `since` (ms since the epoch). */
  since?: number;
  /** At most this many rows (newest first). Default 1000. */
  limit?: number;
}

/** Listener lifetimes, newest first. */
export function queryHistory(db: Database, query: HistoryQuery = {}): HistoryEntry[] {
  const where: string[] = [];
  const params: Array<number | string> = [];
  if (query.port !== undefined) {
    where.push('port = ?');
    params.push(query.port);
  }
  if (query.protocol !== undefined) {
    where.push('protocol = ?');
    params.push(query.protocol);
  }
  if (query.since !== undefined) {
    where.push('(closed_at IS NULL OR closed_at >= ?)');
    params.push(query.since);
  }
  params.push(query.limit ?? 1000);
  const sql = `SELECT * FROM listeners_seen ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY opened_at DESC, id DESC LIMIT ?`;
  return (prepared(db, sql).all(...params) as HistoryRow[]).map(toEntry);
}

/**
 * The most recent lifetime on a port: the one that ended (or was last seen)
 * latest. Null when nothing was ever recorded there.
 */
export function selectLastHolder(db: Database, port: number, protocol?: Protocol): HistoryEntry | null {
  const row = prepared(
      db,
      `SELECT * FROM listeners_seen WHERE port = ? ${protocol ? 'AND protocol = ?' : ''}
       ORDER BY coalesce(closed_at, last_seen_at) DESC, id DESC LIMIT 1`,
    )
    .get(...(protocol ? [port, protocol] : [port])) as HistoryRow | undefined;
  return row ? toEntry(row) : null;
}

/**
 * Deletes closed rows that ended before `before` (ms since the epoch), then
 * the oldest closed rows beyond `maxRows`. Open rows are never purged.
 * Returns how many rows were deleted.
 */
export function purgeHistory(db: Database, before: number, maxRows: number = HISTORY_MAX_ROWS): number {
  let deleted = prepared(db, 'DELETE FROM listeners_seen WHERE closed_at IS NOT NULL AND closed_at < ?').run(before).changes;
  const { n } = prepared(db, 'SELECT count(*) AS n FROM listeners_seen').get() as { n: number };
  if (n > maxRows) {
    deleted += prepared(
      db,
      `DELETE FROM listeners_seen WHERE id IN (
         SELECT id FROM listeners_seen WHERE closed_at IS NOT NULL ORDER BY closed_at LIMIT ?)`,
    ).run(n - maxRows).changes;
  }
  return deleted;
}

/** Row counts, for `berth daemon status`. */
export interface HistoryStats {
  rows: number;
  open: number;
  /** Earliest `opened_at`; null when empty. */
  oldest: number | null;
}

/** Counts the history rows. */
export function historyStats(db: Database): HistoryStats {
  const row = prepared(db, 'SELECT count(*) AS rows, sum(closed_at IS NULL) AS open, min(opened_at) AS oldest FROM listeners_seen').get() as { rows: number; open: number | null; oldest: number | null };
  return { rows: row.rows, open: row.open ?? 0, oldest: row.oldest };
}

/** Which kind of berth process records. */
export type RecorderKind = 'daemon' | 'watch' | 'ui';

/** The process that records history, as stored. */
export interface RecorderRecord {
  pid: number;
  startMarker: string | null;
  kind: RecorderKind;
  intervalMs: number;
  startedAt: number;
  /** Last time it flushed (ms since the epoch). */
  heartbeatAt: number;
}

interface RecorderRow {
  pid: number;
  start_marker: string | null;
  kind: RecorderKind;
  interval_ms: number;
  started_at: number;
  heartbeat_at: number;
}

/** The recorder row, alive or not; null when none was ever registered (or it released). */
export function selectRecorder(db: Database): RecorderRecord | null {
  const row = prepared(db, 'SELECT * FROM recorder WHERE id = 1').get() as RecorderRow | undefined;
  if (!row) return null;
  return {
    pid: row.pid,
    startMarker: row.start_marker,
    kind: row.kind,
    intervalMs: row.interval_ms,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
  };
}

/**
 * Registers `me` as the recorder unless a live one (per `isAlive`) already
 * is. Returns null when `me` now records, else the recorder that does.
 */
export function claimRecorder(db: Database, me: RecorderRecord, isAlive: (recorder: RecorderRecord) => boolean): RecorderRecord | null {
  const current = selectRecorder(db);
  if (current && !(current.pid === me.pid && current.startMarker === me.startMarker) && isAlive(current)) return current;
  prepared(
    db,
    `INSERT INTO recorder (id, pid, start_marker, kind, interval_ms, started_at, heartbeat_at) VALUES (1, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, start_marker = excluded.start_marker, kind = excluded.kind,
       interval_ms = excluded.interval_ms, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at`,
  ).run(me.pid, me.startMarker, me.kind, me.intervalMs, me.startedAt, me.heartbeatAt);
  return null;
}

/** Updates the recorder's heartbeat, if `pid` is still the registered recorder. Returns false when it is not. */
export function beatRecorder(db: Database, pid: number, at: number): boolean {
  return prepared(db, 'UPDATE recorder SET heartbeat_at = ? WHERE id = 1 AND pid = ?').run(at, pid).changes === 1;
}

/** Removes the recorder row if `pid` is the registered recorder. */
export function releaseRecorder(db: Database, pid: number): void {
  prepared(db, 'DELETE FROM recorder WHERE id = 1 AND pid = ?').run(pid);
}

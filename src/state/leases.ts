/**
 * The lease tables: SQL only. Whether an owner is still alive is decided by
 * the caller (alloc/), which passes a predicate; the store itself never reads
 * processes. Functions taking a `Database` expect to run inside
 * {@link transact} when they write.
 */
import type { Protocol } from '../model.js';
import { prepared, type Database } from './db.js';

/** `lease`: named, for an owner. `reservation`: getPort()'s short hold until the caller binds. */
export type LeaseKind = 'lease' | 'reservation';

/** The process a lease belongs to; the lease ends when it exits. */
export interface LeaseOwner {
  pid: number;
  /** Opaque start marker, so a reused pid is not mistaken for the owner (null when unreadable). */
  startMarker: string | null;
  /** Process name when the lease was made, for people. */
  name: string | null;
}

/** One claimed port as stored. Times are milliseconds since the epoch. */
export interface LeaseRecord {
  id: number;
  port: number;
  protocol: Protocol;
  kind: LeaseKind;
  /** Null for reservations. */
  name: string | null;
  /** Project folder (git worktree root) the name belongs to; null for reservations. */
  project: string | null;
  /** The host the port is meant for, as asked; null for "any". */
  host: string | null;
  /** Null: no owner, only `expiresAt` ends it. */
  owner: LeaseOwner | null;
  createdAt: number;
  /** Null: lives as long as its owner. */
  expiresAt: number | null;
}

/** A claim to insert. */
export type NewLease = Omit<LeaseRecord, 'id'>;

interface LeaseRow {
  id: number;
  port: number;
  protocol: Protocol;
  kind: LeaseKind;
  name: string | null;
  project: string | null;
  host: string | null;
  owner_pid: number | null;
  owner_start: string | null;
  owner_name: string | null;
  created_at: number;
  expires_at: number | null;
}

function toRecord(row: LeaseRow): LeaseRecord {
  return {
    id: row.id,
    port: row.port,
    protocol: row.protocol,
    kind: row.kind,
    name: row.name,
    project: row.project,
    host: row.host,
    owner: row.owner_pid === null ? null : { pid: row.owner_pid, startMarker: row.owner_start, name: row.owner_name },
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

/** Which rows {@link findLeases} returns; every field narrows. */
export interface LeaseQuery {
  port?: number;
  protocol?: Protocol;
  kind?: LeaseKind;
  name?: string;
  project?: string;
  /** Only rows whose expiry is after this time (ms since the epoch), or that have none. */
  unexpiredAt?: number;
}

/** Lease rows matching `query`, ordered by port. */
export function findLeases(db: Database, query: LeaseQuery = {}): LeaseRecord[] {
  const where: string[] = [];
  const params: Array<string | number> = [];
  for (const [column, value] of [
    ['port', query.port],
    ['protocol', query.protocol],
    ['kind', query.kind],
    ['name', query.name],
    ['project', query.project],
  ] as const) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  if (query.unexpiredAt !== undefined) {
    where.push('(expires_at IS NULL OR expires_at > ?)');
    params.push(query.unexpiredAt);
  }
  const sql = `SELECT * FROM leases${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY port, protocol`;
  return (prepared(db, sql).all(...params) as LeaseRow[]).map(toRecord);
}

/** Deletes rows whose `expiresAt` has passed; returns how many. */
export function purgeExpired(db: Database, now: number): number {
  return prepared(db, 'DELETE FROM leases WHERE expires_at IS NOT NULL AND expires_at <= ?').run(now).changes;
}

/** The outcome of {@link claimPort}. */
export type ClaimResult = { ok: true; lease: LeaseRecord } | { ok: false; holder: LeaseRecord };

/**
 * Claims `claim.port` unless a live row holds it. A row that is not live (its
 * owner exited, its time ran out) is replaced: that is how leases are reclaimed.
 * Run inside {@link transact}, so the read and the insert are one step.
 */
export function claimPort(db: Database, claim: NewLease, isLive: (lease: LeaseRecord) => boolean): ClaimResult {
  const existing = prepared(db, 'SELECT * FROM leases WHERE port = ? AND protocol = ?').get(claim.port, claim.protocol) as LeaseRow | undefined;
  if (existing) {
    const record = toRecord(existing);
    if (isLive(record)) return { ok: false, holder: record };
    prepared(db, 'DELETE FROM leases WHERE id = ?').run(record.id);
  }
  const row = prepared(
    db,
    `INSERT INTO leases (port, protocol, kind, name, project, host, owner_pid, owner_start, owner_name, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  ).get(
      claim.port,
      claim.protocol,
      claim.kind,
      claim.name,
      claim.project,
      claim.host,
      claim.owner?.pid ?? null,
      claim.owner?.startMarker ?? null,
      claim.owner?.name ?? null,
      claim.createdAt,
      claim.expiresAt,
    ) as LeaseRow;
  return { ok: true, lease: toRecord(row) };
}

/** Deletes one row by id; true when it was still there. */
export function deleteLease(db: Database, id: number): boolean {
  return prepared(db, 'DELETE FROM leases WHERE id = ?').run(id).changes > 0;
}

/** Sets a row's expiry (null: as long as its owner lives); true when the row was still there. */
export function setLeaseExpiry(db: Database, id: number, expiresAt: number | null): boolean {
  return prepared(db, 'UPDATE leases SET expires_at = ? WHERE id = ?').run(expiresAt, id).changes > 0;
}

/** Records that `name` in `project` now has `port`. */
export function rememberPort(db: Database, project: string, name: string, protocol: Protocol, port: number, now: number): void {
  prepared(
    db,
    `INSERT INTO lease_names (project, name, protocol, port, used_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (project, name, protocol) DO UPDATE SET port = excluded.port, used_at = excluded.used_at`,
  ).run(project, name, protocol, port, now);
}

/** The port `name` last had in `project`, or null. */
export function rememberedPort(db: Database, project: string, name: string, protocol: Protocol): number | null {
  const row = prepared(db, 'SELECT port FROM lease_names WHERE project = ? AND name = ? AND protocol = ?').get(project, name, protocol) as
    | { port: number }
    | undefined;
  return row?.port ?? null;
}

/** Every port some name remembers, so that random picks can leave them to their names. */
export function rememberedPorts(db: Database, protocol: Protocol): Set<number> {
  const rows = prepared(db, 'SELECT port FROM lease_names WHERE protocol = ?').all(protocol) as Array<{ port: number }>;
  return new Set(rows.map((row) => row.port));
}

/** Forgets the port `name` had in `project` (all protocols); true when there was one. */
export function forgetName(db: Database, project: string, name: string): boolean {
  return prepared(db, 'DELETE FROM lease_names WHERE project = ? AND name = ?').run(project, name).changes > 0;
}

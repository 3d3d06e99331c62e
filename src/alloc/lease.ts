/**
 * Named port leases: `leasePort({ name })` gives a port that stays the same
 * for that name in this project and worktree, recorded in the state store
 * for its owner. A lease ends when it is released, when its TTL runs out, or
 * when its owner process exits; a dead lease is reclaimed by the next caller.
 */
import { BerthError } from '../errors.js';
import type { Protocol } from '../model.js';
import { openState, read, transact, type StateOptions, type StateStore } from '../state/db.js';
import {
  claimPort,
  deleteLease,
  findLeases,
  purgeExpired,
  rememberedPort,
  rememberPort,
  setLeaseExpiry,
  type LeaseOwner,
  type LeaseRecord,
} from '../state/leases.js';
import { claimedPorts, currentOwner, isLive } from './claims.js';
import { findProject } from './project.js';
import { bindProbe, candidates, noFreePort, prepareSearch, type PassedOver, type PortSearchOptions } from './search.js';

/** Options of {@link leasePort}. */
export interface LeaseOptions extends PortSearchOptions, StateOptions {
  /** The lease's name, such as `web` or `db`: letters, digits, `.`, `_`, `-`, `:`; at most 100 characters. */
  name: string;
  /** How long the lease lasts, in ms; default: as long as its owner runs. */
  ttlMs?: number | null;
  /** The owning process; default: this one. `null`: nobody (then `ttlMs` is required). */
  owner?: LeaseOwner | null;
  /** The project the name belongs to; default: the git worktree (or package) of the current folder. */
  project?: string;
}

/** A lease as returned to its holder. */
export interface Lease {
  readonly port: number;
  readonly protocol: Protocol;
  readonly name: string;
  readonly project: string;
  readonly owner: LeaseOwner | null;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  /** True when the port is the one this name had before (stable per worktree). */
  readonly reused: boolean;
  /** Ends the lease; false when it had already ended. */
  release(): Promise<boolean>;
  /** `await using lease = await leasePort(...)` releases it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** A stored lease with whether its owner still runs, for listings. */
export interface LeaseStatus extends LeaseRecord {
  live: boolean;
}

/** Checks a lease name; names become parts of routes and environment variable names. */
export function validateLeaseName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/.test(name)) {
    throw new BerthError('E_USAGE', `"${name}" is not a valid lease name.`, {
      hint: 'Use letters, digits, ".", "_", "-" or ":", starting with a letter or digit, such as web or api-db.',
      data: { name },
    });
  }
  return name;
}

function toLease(store: StateStore, record: LeaseRecord, reused: boolean): Lease {
  const release = async (): Promise<boolean> => transact(openState({ home: store.home }), (db) => deleteLease(db, record.id));
  return {
    port: record.port,
    protocol: record.protocol,
    name: record.name ?? '',
    project: record.project ?? '',
    owner: record.owner,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    reused,
    release,
    async [Symbol.asyncDispose]() {
      await release();
    },
  };
}

function sameOwner(a: LeaseOwner | null, b: LeaseOwner | null): boolean {
  if (a === null || b === null) return a === b;
  return a.pid === b.pid && a.startMarker === b.startMarker;
}

/**
 * Leases a port under `name` for this project and worktree. Asking again for
 * the same name returns the same live lease (renewed) when it has no owner or
 * the same owner; otherwise it is an error. A new lease gets the port the name
 * had before when that port is free, else a new one by the rules of getPort().
 * @throws BerthError E_USAGE (bad name, no owner and no TTL), E_LEASE_HELD
 *   (another live process holds the name), E_NO_FREE_PORT, E_STATE_*.
 */
export async function leasePort(options: LeaseOptions): Promise<Lease> {
  const name = validateLeaseName(options.name);
  const owner = options.owner === undefined ? currentOwner() : options.owner;
  const ttlMs = options.ttlMs ?? null;
  if (owner === null && ttlMs === null) {
    throw new BerthError('E_USAGE', 'A lease without an owner process needs a TTL, or it would never end.', {
      hint: 'Give it one (ttlMs, or --ttl 8h on the command line), or an owner.',
    });
  }
  const project = options.project ?? findProject().root;
  const search = await prepareSearch(options);
  const store = openState(options);

  // 1. The name is already leased here: hand the same lease back (renewed), or refuse.
  const existing = transact(store, (db) => {
    const now = Date.now();
    purgeExpired(db, now);
    for (const lease of findLeases(db, { name, project, kind: 'lease', protocol: search.protocol })) {
      if (!isLive(lease, now)) {
        deleteLease(db, lease.id);
        continue;
      }
      if (lease.owner !== null && !sameOwner(lease.owner, owner)) return { held: lease, renewed: undefined };
      const expiresAt = ttlMs === null ? null : now + ttlMs;
      setLeaseExpiry(db, lease.id, expiresAt);
      return { held: undefined, renewed: { ...lease, expiresAt } };
    }
    return null;
  });
  if (existing?.held) {
    const held = existing.held;
    throw new BerthError('E_LEASE_HELD', `The lease "${name}" (port ${held.port}) is held by pid ${held.owner?.pid} (${held.owner?.name ?? 'unknown'}) in ${project}.`, {
      hint: `Use another name, or end it: berth release ${name}`,
      data: { lease: held },
    });
  }
  if (existing?.renewed) return toLease(store, existing.renewed, true);

  // 2. A new lease: the remembered port first, then the search.
  const remembered = read(store, (db) => rememberedPort(db, project, name, search.protocol));
  if (remembered !== null && !search.preferred.includes(remembered)) search.preferred.unshift(remembered);
  const { claimed, remembered: others } = claimedPorts(store, search.protocol);
  if (remembered !== null) others.delete(remembered);
  const passedOver: PassedOver[] = [];
  for await (const port of candidates(search, claimed, others, passedOver)) {
    if (!(await bindProbe(port, search)).ok) continue;
    const record = transact(store, (db) => {
      const now = Date.now();
      const result = claimPort(
        db,
        {
          port,
          protocol: search.protocol,
          kind: 'lease',
          name,
          project,
          host: options.host ?? null,
          owner,
          createdAt: now,
          expiresAt: ttlMs === null ? null : now + ttlMs,
        },
        (row) => isLive(row, now),
      );
      if (!result.ok) return null;
      rememberPort(db, project, name, search.protocol, port, now);
      return result.lease;
    });
    if (record) return toLease(store, record, port === remembered);
  }
  throw noFreePort(search, passedOver);
}

/** Which leases {@link releaseLeases} ends. */
export interface ReleaseQuery extends StateOptions {
  /** By name (in `project`, default: the current one; `'*'`: in every project). */
  name?: string;
  project?: string;
  /** By port. */
  port?: number;
  protocol?: Protocol;
}

/**
 * Ends leases by name or port (reservations by port too); returns what ended.
 * @throws BerthError E_USAGE when neither name nor port is given; E_STATE_*.
 */
export function releaseLeases(query: ReleaseQuery): LeaseRecord[] {
  if (query.name === undefined && query.port === undefined) {
    throw new BerthError('E_USAGE', 'Say which lease to release: a name or a port.', { hint: 'berth release web   or   berth release 4123' });
  }
  const store = openState(query);
  const project = query.project === '*' ? undefined : (query.project ?? (query.name !== undefined ? findProject().root : undefined));
  return transact(store, (db) => {
    const rows = findLeases(db, {
      ...(query.name !== undefined ? { name: query.name } : {}),
      ...(project !== undefined ? { project } : {}),
      ...(query.port !== undefined ? { port: query.port } : {}),
      ...(query.protocol !== undefined ? { protocol: query.protocol } : {}),
    });
    for (const row of rows) deleteLease(db, row.id);
    return rows;
  });
}

/**
 * Every lease and reservation in the store with whether it is live; dead ones
 * (owner exited, TTL passed) are reclaimed on the way unless `keepDead`.
 */
export function listLeases(options: StateOptions & { keepDead?: boolean } = {}): LeaseStatus[] {
  const store = openState(options);
  return transact(store, (db) => {
    const now = Date.now();
    const seen = new Map<string, boolean>();
    const all = findLeases(db).map((lease) => ({ ...lease, live: isLive(lease, now, seen) }));
    if (options.keepDead) return all;
    for (const lease of all) if (!lease.live) deleteLease(db, lease.id);
    return all.filter((lease) => lease.live);
  });
}

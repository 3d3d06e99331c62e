/**
 * Claims in the state store: who counts as alive, the calling process as an
 * owner, and the claim-one-port step every allocation ends with.
 */
import { isSameProcessAlive, readProcess } from '../processes/index.js';
import { read, transact, type StateStore } from '../state/db.js';
import { claimPort, findLeases, purgeExpired, rememberedPorts, type LeaseOwner, type LeaseRecord, type NewLease } from '../state/leases.js';
import type { Protocol } from '../model.js';

let self: LeaseOwner | undefined;

/** This process as a lease owner. */
export function currentOwner(): LeaseOwner {
  if (!self) {
    const info = readProcess(process.pid);
    self = { pid: process.pid, startMarker: info?.startMarker ?? null, name: info?.name ?? null };
  }
  return self;
}

/** The owner for `pid`, read now; null when no such process runs. */
export function ownerOf(pid: number): LeaseOwner | null {
  if (pid === process.pid) return currentOwner();
  const info = readProcess(pid);
  return info ? { pid, startMarker: info.startMarker, name: info.name } : null;
}

/**
 * A lease is live while its time has not run out and its owner (if any) still
 * runs. Pass one `seen` map across a batch of rows: most rows share a few
 * owners, and each owner's /proc entry is then read once.
 */
export function isLive(lease: LeaseRecord, now: number = Date.now(), seen?: Map<string, boolean>): boolean {
  if (lease.expiresAt !== null && lease.expiresAt <= now) return false;
  if (lease.owner === null) return true;
  const key = `${lease.owner.pid}:${lease.owner.startMarker}`;
  let alive = seen?.get(key);
  if (alive === undefined) {
    alive = isSameProcessAlive({ pid: lease.owner.pid, startMarker: lease.owner.startMarker });
    seen?.set(key, alive);
  }
  return alive;
}

/** Ports claimed by live rows, and ports remembered by names (to leave to them). */
export function claimedPorts(store: StateStore, protocol: Protocol): { claimed: Set<number>; remembered: Set<number> } {
  return read(store, (db) => {
    const now = Date.now();
    const claimed = new Set<number>();
    const seen = new Map<string, boolean>();
    for (const lease of findLeases(db, { protocol, unexpiredAt: now })) if (isLive(lease, now, seen)) claimed.add(lease.port);
    return { claimed, remembered: rememberedPorts(db, protocol) };
  });
}

/** Claims a port atomically; null when a live row got there first. */
export function claim(store: StateStore, lease: NewLease): LeaseRecord | null {
  return transact(store, (db) => {
    purgeExpired(db, Date.now());
    const result = claimPort(db, lease, (existing) => isLive(existing));
    return result.ok ? result.lease : null;
  });
}

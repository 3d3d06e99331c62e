/**
 * The ports that sockets on this machine use right now, from the inventory.
 * A bind probe is the final word on a port; this catches what a bind cannot
 * see from here (a listener on an address the probes do not bind) and lets
 * the search skip taken ports without touching them.
 */
import { listSockets } from '../inventory/index.js';
import type { Protocol } from '../model.js';

/** How long a snapshot is reused inside one process; the bind probe covers anything newer. */
export const OCCUPIED_SNAPSHOT_MS = 1000;

const snapshots = new Map<Protocol, { at: number; ports: Promise<Set<number>> }>();

/** Local ports of listening TCP sockets or bound UDP sockets of `protocol`, any address and family. */
export function occupiedPorts(protocol: Protocol): Promise<Set<number>> {
  const now = Date.now();
  const cached = snapshots.get(protocol);
  if (cached && now - cached.at < OCCUPIED_SNAPSHOT_MS) return cached.ports;
  const ports = listSockets({ protocol, withHolders: false }).then((sockets) => new Set(sockets.map((s) => s.localPort)));
  // A failed read is not cached: the next caller tries again.
  ports.catch(() => snapshots.delete(protocol));
  snapshots.set(protocol, { at: now, ports });
  return ports;
}

/**
 * `getPort()`, `getPorts()` and `listenOnFreePort()`: free ports that no two
 * callers share, not even across processes asking at the same instant.
 *
 * getPort() records a short reservation in the state store for the port it
 * returns (owned by the calling process, ended by its exit or by
 * `reserveMs`), so a concurrent caller in any process moves on to another
 * port before the first one has bound it. listenOnFreePort() needs no
 * reservation: the bind is the claim.
 */
import { createServer, type Server } from 'node:net';
import { errnoCode } from '../errors.js';
import { openState, type StateOptions } from '../state/db.js';
import type { LeaseOwner } from '../state/leases.js';
import { claim, claimedPorts, currentOwner } from './claims.js';
import { bindProbe, candidates, noFreePort, prepareSearch, type PassedOver, type PortSearchOptions } from './search.js';

/** How long getPort()'s reservation keeps a port from other callers, by default. */
export const RESERVATION_MS = 30_000;

/** Options of {@link getPort}. */
export interface GetPortOptions extends PortSearchOptions, StateOptions {
  /** How long the port stays reserved for the caller to bind it, in ms; default {@link RESERVATION_MS}. */
  reserveMs?: number;
  /**
   * Who the reservation belongs to: it ends when that process exits. Default:
   * this process. `null`: nobody (only `reserveMs` ends it) — for a CLI that
   * exits before the port is bound.
   */
  owner?: LeaseOwner | null;
}

/** A port found, with the preferred ports passed over on the way. */
export interface PortPick {
  port: number;
  passedOver: PassedOver[];
}

/**
 * Finds free ports and reserves them; the detailed form behind getPort() and getPorts().
 * @throws BerthError E_NO_FREE_PORT, E_PORT_INVALID, E_USAGE (unknown host), E_STATE_* (store unusable).
 */
export async function pickPorts(count: number, options: GetPortOptions = {}): Promise<PortPick[]> {
  const search = await prepareSearch(options);
  const store = openState(options);
  const owner = options.owner === undefined ? currentOwner() : options.owner;
  const reserveMs = options.reserveMs ?? RESERVATION_MS;
  const { claimed, remembered } = claimedPorts(store, search.protocol);
  const picks: PortPick[] = [];
  const passedOver: PassedOver[] = [];
  for await (const port of candidates(search, claimed, remembered, passedOver)) {
    const probe = await bindProbe(port, search);
    if (!probe.ok) {
      if (search.preferred.includes(port)) passedOver.push({ port, reason: probe.reason });
      continue;
    }
    const now = Date.now();
    const row = claim(store, {
      port,
      protocol: search.protocol,
      kind: 'reservation',
      name: null,
      project: null,
      host: options.host ?? null,
      owner,
      createdAt: now,
      expiresAt: now + reserveMs,
    });
    if (row === null) {
      if (search.preferred.includes(port)) passedOver.push({ port, reason: 'claimed' });
      continue;
    }
    picks.push({ port, passedOver: passedOver.splice(0) });
    if (picks.length === count) return picks;
  }
  throw noFreePort(search, passedOver);
}

/**
 * A free port, reserved for this process: no other getPort()/leasePort()
 * caller on the machine gets it until this process exits or `reserveMs` passes.
 * Never a port in the ephemeral range, below the unprivileged floor, on the
 * browsers' unsafe list, leased to someone else, or bound on any of
 * 127.0.0.1, ::1, 0.0.0.0, :: (and `host`).
 * @throws BerthError E_NO_FREE_PORT, E_PORT_INVALID, E_STATE_*.
 */
export async function getPort(options: GetPortOptions = {}): Promise<number> {
  return (await pickPorts(1, options))[0]!.port;
}

/** `count` distinct free ports, each reserved as by {@link getPort}. */
export async function getPorts(count: number, options: GetPortOptions = {}): Promise<number[]> {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
  return (await pickPorts(count, options)).map((pick) => pick.port);
}

/** Options of {@link listenOnFreePort}. */
export interface ListenOptions extends PortSearchOptions, StateOptions {
  /** The server to bind; default a new net.Server (pass an http.Server to serve HTTP). */
  server?: Server;
  /** Listen backlog. */
  backlog?: number;
}

function listenOnce(server: Server, port: number, host: string | undefined, backlog: number | undefined): Promise<'ok' | 'taken'> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      const code = errnoCode(error);
      if (code === 'EADDRINUSE' || code === 'EACCES') resolve('taken');
      else reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve('ok');
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host: host ?? '127.0.0.1', ...(backlog === undefined ? {} : { backlog }), exclusive: true });
  });
}

/**
 * Binds `server` (default: a new net.Server) on a free port chosen by the same
 * rules as {@link getPort} and returns it listening: the bind is the claim,
 * so there is no window in which another process can take the port.
 * Binds 127.0.0.1 unless `host` says otherwise.
 * @throws BerthError E_NO_FREE_PORT; the listen error for anything but EADDRINUSE/EACCES.
 */
export async function listenOnFreePort<S extends Server = Server>(options: ListenOptions & { server?: S } = {}): Promise<S> {
  const server = (options.server ?? createServer()) as S;
  const search = await prepareSearch(options);
  const store = openState(options);
  const { claimed, remembered } = claimedPorts(store, search.protocol);
  const passedOver: PassedOver[] = [];
  for await (const port of candidates(search, claimed, remembered, passedOver)) {
    // Probe the other conflicting addresses first, so the port is free for every family, not only for the bound one.
    const probe = await bindProbe(port, search);
    if (!probe.ok) continue;
    if ((await listenOnce(server, port, options.host, options.backlog)) === 'ok') return server;
  }
  throw noFreePort(search, passedOver);
}

/**
 * The port search shared by getPort(), leasePort() and listenOnFreePort():
 * preferred ports first, then the allowed range from a random point; each
 * candidate must be allowed by the policy, unclaimed in the state store,
 * absent from the inventory, and bindable on every address that could
 * conflict. The claim itself (a row in the store, or a real bind) is the
 * caller's, so that it happens atomically.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { BerthError } from '../errors.js';
import type { Protocol } from '../model.js';
import { BROWSER_UNSAFE_PORTS, ephemeralRange, unprivilegedFloor } from '../ports/facts.js';
import { parsePort, parsePortRange, type PortRange } from '../ports/parse.js';
import { CONFLICT_HOSTS, tryBind, type BindFailure } from '../probe/bind.js';
import { allowedSegments, defaultRange, segmentsSize, skipReason, walkSegments, type PortPolicy, type SkipReason } from './candidates.js';
import { occupiedPorts } from './occupied.js';

/** What to look for. */
export interface PortSearchOptions {
  /** Preferred port(s), tried first in this order (still subject to every rule). */
  port?: number | readonly number[];
  /** Where to search: `{ from, to }` or text such as "4000-4999". Default: every unprivileged port. */
  range?: PortRange | string;
  /** Ports never to return. */
  exclude?: Iterable<number>;
  /** The host the caller will bind (an IP address or `localhost`); the port must be free there as well as on both loopbacks and wildcards. */
  host?: string;
  /** Default `tcp`. */
  protocol?: Protocol;
}

/** Why one preferred port was passed over. */
export interface PassedOver {
  port: number;
  reason: SkipReason | 'claimed' | 'in-use' | BindFailure;
}

/** A normalized search. */
export interface PortSearch {
  protocol: Protocol;
  preferred: number[];
  segments: PortRange[];
  policy: PortPolicy;
  /** Addresses to bind-probe. */
  hosts: string[];
  /** The range as asked, for messages. */
  range: PortRange;
}

function toPortList(port: number | readonly number[] | undefined): number[] {
  if (port === undefined) return [];
  const list = typeof port === 'number' ? [port] : [...port];
  return list.map((p) => parsePort(String(p)));
}

/** The addresses a port must be free on for `host`. */
export async function conflictHosts(host: string | undefined): Promise<string[]> {
  const hosts = [...CONFLICT_HOSTS];
  if (host === undefined || host === '' || host === 'localhost') return hosts;
  let addresses: string[];
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) addresses = [host.replace(/^\[|\]$/g, '')];
  else {
    try {
      addresses = (await lookup(host, { all: true })).map((a) => a.address);
    } catch (error) {
      throw new BerthError('E_USAGE', `"${host}" is not an address of this machine: it does not resolve.`, {
        hint: 'Give the address the server will bind, such as 127.0.0.1, ::1 or 0.0.0.0.',
        cause: error,
      });
    }
  }
  for (const address of addresses) {
    if (hosts.includes(address)) continue;
    // Port 0: the kernel picks any port, so only the address itself is tested.
    const check = await tryBind(0, address);
    if (!check.ok && check.reason === 'address-unavailable') {
      throw new BerthError('E_USAGE', `${address} is not an address of this machine (EADDRNOTAVAIL): nothing can listen there.`, {
        hint: 'Give an address of one of its interfaces (ip -br addr), or 127.0.0.1 / 0.0.0.0.',
        data: { host, address },
      });
    }
    if (!check.ok && check.reason === 'family-unsupported') {
      throw new BerthError('E_USAGE', `${address} is an IPv6 address, and IPv6 is not available on this machine (${check.code}).`, {
        hint: 'Use an IPv4 address such as 127.0.0.1, or enable IPv6.',
        data: { host, address },
      });
    }
    hosts.push(address);
  }
  return hosts;
}

/**
 * Normalizes search options against this machine's facts.
 * @throws BerthError E_PORT_INVALID for a bad port or range, E_USAGE for an unknown host.
 */
export async function prepareSearch(options: PortSearchOptions): Promise<PortSearch> {
  const excluded = new Set<number>();
  for (const p of options.exclude ?? []) excluded.add(parsePort(String(p)));
  const policy: PortPolicy = {
    ephemeral: ephemeralRange(),
    unprivilegedFloor: unprivilegedFloor(),
    browserUnsafe: BROWSER_UNSAFE_PORTS,
    excluded,
  };
  const range = options.range === undefined ? defaultRange(policy) : typeof options.range === 'string' ? parsePortRange(options.range) : options.range;
  return {
    protocol: options.protocol ?? 'tcp',
    preferred: toPortList(options.port),
    segments: allowedSegments(range, policy),
    policy,
    hosts: await conflictHosts(options.host),
    range,
  };
}

/** Binds every conflicting address; the first `in-use` or `permission` failure decides. */
export async function bindProbe(port: number, search: PortSearch): Promise<{ ok: true } | { ok: false; reason: BindFailure }> {
  for (const host of search.hosts) {
    const result = await tryBind(port, host, search.protocol);
    // A missing family (no IPv6) or an address not configured here cannot conflict.
    if (!result.ok && (result.reason === 'in-use' || result.reason === 'permission')) return { ok: false, reason: result.reason };
  }
  return { ok: true };
}

/**
 * Yields candidates that pass the policy, are not in `claimed`, and are not in
 * the inventory, preferred ones first; reports passed-over preferred ports to
 * `passedOver`. `avoid` holds ports to leave for others (remembered by other
 * names): skipped in the random walk, tried last of all.
 */
export async function* candidates(
  search: PortSearch,
  claimed: ReadonlySet<number>,
  avoid: ReadonlySet<number>,
  passedOver: PassedOver[],
): AsyncGenerator<number> {
  const occupied = await occupiedPorts(search.protocol);
  const tried = new Set<number>();
  for (const port of search.preferred) {
    if (tried.has(port)) continue;
    tried.add(port);
    const skip = skipReason(port, search.policy);
    if (skip) passedOver.push({ port, reason: skip });
    else if (claimed.has(port)) passedOver.push({ port, reason: 'claimed' });
    else if (occupied.has(port)) passedOver.push({ port, reason: 'in-use' });
    else yield port;
  }
  const size = segmentsSize(search.segments);
  const later: number[] = [];
  for (const port of walkSegments(search.segments, Math.random() * size)) {
    if (tried.has(port) || claimed.has(port) || occupied.has(port)) continue;
    if (avoid.has(port)) later.push(port);
    else yield port;
  }
  yield* later;
}

/** The error for a search that found nothing. */
export function noFreePort(search: PortSearch, passedOver: readonly PassedOver[]): BerthError {
  const size = segmentsSize(search.segments);
  const { from, to } = search.range;
  const why =
    size === 0
      ? `no port in ${from}-${to} may be handed out: it lies in the OS ephemeral range (${search.policy.ephemeral.from}-${search.policy.ephemeral.to}), below the unprivileged floor (${search.policy.unprivilegedFloor}) or on the browsers' unsafe list`
      : `all ${size} allowed ports in ${from}-${to} are in use, leased or excluded`;
  return new BerthError('E_NO_FREE_PORT', `No free ${search.protocol.toUpperCase()} port: ${why}.`, {
    hint: size === 0 ? 'Choose a range outside the ephemeral range, such as --range 4000-4999.' : 'Widen the range, or see what holds them: berth ls --port ' + `${from}-${to}`,
    data: { range: search.range, allowed: size, passedOver },
  });
}

/**
 * Bounded TCP connect probes, and the addresses a host name stands for.
 *
 * A probe is one connect to one IP literal, with its own timer, closed as soon
 * as it is answered. Every network outcome is a value ({@link ConnectResult});
 * the failure reasons are told apart because they call for different fixes:
 * "refused" (nobody listens there), "timeout" (a firewall drops it, or the
 * listener's accept queue is full), "unreachable" (no route), and
 * "self-connect" — a connect to a loopback port in the ephemeral range with
 * nobody listening can be answered by the connecting socket itself (TCP
 * simultaneous open, RFC 793 §3.4), which must never count as "ready".
 */
import { lookup } from 'node:dns/promises';
import { ADDRCONFIG, getDefaultResultOrder } from 'node:dns';
import { connect, getDefaultAutoSelectFamily, isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { BerthError, errnoCode } from '../errors.js';

/** Default bound on one connect attempt, in milliseconds. */
export const CONNECT_TIMEOUT_MS = 1000;

/** Why a connect did not succeed. */
export type ConnectFailure =
  /** ECONNREFUSED: the address exists, nobody listens on the port. */
  | 'refused'
  /** ETIMEDOUT or the probe's own timer: dropped by a firewall, a full accept queue, a dead host. */
  | 'timeout'
  /** EHOSTUNREACH / ENETUNREACH: no route to the address. */
  | 'unreachable'
  /** EADDRNOTAVAIL: the address cannot be used from here (no IPv6, no free local port). */
  | 'address-unavailable'
  /** ECONNRESET: the other end reset the connection during the handshake. */
  | 'reset'
  /** The socket connected to itself (local address and port equal the remote ones): nobody listens. */
  | 'self-connect'
  /** Anything else; `code` says what. */
  | 'other';

/** The outcome of one connect attempt. */
export type ConnectResult =
  | { ok: true; ms: number; address: string; family: 4 | 6; localPort: number }
  | { ok: false; reason: ConnectFailure; code: string; ms: number; address: string; family: 4 | 6 };

/** Options for {@link probeConnect}. */
export interface ProbeConnectOptions {
  /** Bound on the attempt in milliseconds (default {@link CONNECT_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Aborts the attempt; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Maps an errno code to a {@link ConnectFailure}. */
export function classifyConnectError(code: string): ConnectFailure {
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'unreachable';
    case 'EADDRNOTAVAIL':
      return 'address-unavailable';
    case 'ECONNRESET':
      return 'reset';
    default:
      return 'other';
  }
}

/** Strips the IPv4-mapped prefix so that `::ffff:127.0.0.1` compares equal to `127.0.0.1`. */
function plainAddress(address: string | undefined): string | undefined {
  return address?.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}

/**
 * True when a connected socket is connected to itself: same local and remote
 * address and port. This happens with nobody listening on a loopback port
 * inside the ephemeral range, when the kernel picks that very port as the
 * connecting socket's source port (TCP simultaneous open).
 */
export function isSelfConnect(local: { address?: string; port?: number }, remote: { address?: string; port?: number }): boolean {
  return (
    local.port !== undefined &&
    local.port === remote.port &&
    local.address !== undefined &&
    plainAddress(local.address) === plainAddress(remote.address)
  );
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/**
 * One bounded TCP connect to an IP literal; closes the socket at once.
 * Never throws for network outcomes: refused, timed out, unreachable and
 * self-connected attempts are values.
 * @param address an IPv4 or IPv6 literal (no brackets); names are not resolved here, see {@link resolveHost}.
 * @param port 1–65535.
 * @throws BerthError E_TARGET_INVALID when `address` is not an IP literal; rejects with the
 *   signal's reason (an AbortError by default) when `options.signal` aborts.
 */
export function probeConnect(address: string, port: number, options: ProbeConnectOptions = {}): Promise<ConnectResult> {
  const family = isIP(address);
  if (family === 0) {
    return Promise.reject(
      new BerthError('E_TARGET_INVALID', `"${address}" is not an IP address.`, {
        hint: 'probeConnect takes an IP literal; resolve names with resolveHost() first.',
        data: { address },
      }),
    );
  }
  const fam = family as 4 | 6;
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const timeoutMs = options.timeoutMs ?? CONNECT_TIMEOUT_MS;
  const start = performance.now();

  return new Promise<ConnectResult>((resolve, reject) => {
    let settled = false;
    // autoSelectFamily off: an IP literal needs no happy-eyeballs, and its timer would hide ours.
    const socket: Socket = connect({ host: address, port, family, autoSelectFamily: false });
    const finish = (result: ConnectResult | { abort: unknown }, reset = false): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('connect');
      socket.on('error', () => {}); // late errors after destroy are of no interest
      // A self-connected socket is reset rather than closed, so it leaves no TIME_WAIT on the
      // port a server is about to bind.
      if (reset && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
      else socket.destroy();
      if ('abort' in result) reject(result.abort);
      else resolve(result);
    };
    const onAbort = (): void => finish({ abort: abortReason(signal!) });
    const timer = setTimeout(() => {
      finish({ ok: false, reason: 'timeout', code: 'ETIMEDOUT', ms: performance.now() - start, address, family: fam });
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      const ms = performance.now() - start;
      if (isSelfConnect({ address: socket.localAddress, port: socket.localPort }, { address: socket.remoteAddress, port: socket.remotePort })) {
        finish({ ok: false, reason: 'self-connect', code: 'ESELFCONNECT', ms, address, family: fam }, true);
        return;
      }
      finish({ ok: true, ms, address, family: fam, localPort: socket.localPort ?? 0 });
    });
    socket.once('error', (error) => {
      const code = errnoCode(error) ?? 'UNKNOWN';
      finish({ ok: false, reason: classifyConnectError(code), code, ms: performance.now() - start, address, family: fam });
    });
  });
}

/** One address a host stands for. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** True for `localhost` and names under `.localhost`, which always mean loopback (RFC 6761 §6.3). */
export function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * Orders addresses the way Node 20's net.connect tries them: with
 * autoSelectFamily (on by default since Node 20) the families alternate,
 * starting with the family of the resolver's first answer, each address once.
 */
export function orderLikeNetConnect(addresses: readonly ResolvedAddress[]): ResolvedAddress[] {
  const unique = addresses.filter((a, i) => addresses.findIndex((b) => b.address === a.address) === i);
  if (!getDefaultAutoSelectFamily() || unique.length < 2) return unique;
  const firstFamily = unique[0]!.family;
  const first = unique.filter((a) => a.family === firstFamily);
  const second = unique.filter((a) => a.family !== firstFamily);
  const out: ResolvedAddress[] = [];
  for (let i = 0; i < Math.max(first.length, second.length); i++) {
    if (first[i]) out.push(first[i]!);
    if (second[i]) out.push(second[i]!);
  }
  return out;
}

/**
 * The addresses `host` stands for, in the order Node's net.connect would try
 * them: `dns.lookup(host, { all: true, hints: ADDRCONFIG })` in Node's default
 * result order (`verbatim` since Node 17, or whatever --dns-result-order says),
 * then families interleaved as autoSelectFamily does.
 *
 * IP literals (brackets allowed) return themselves. `localhost` and
 * `*.localhost` return both loopbacks without asking the resolver: many
 * /etc/hosts files list only one of them (Node then only ever tries
 * 127.0.0.1, which is why wait-on never sees a server on ::1). The order is
 * `::1` first, as glibc sorts them, unless the default order is `ipv4first`.
 * @throws BerthError E_TARGET_INVALID when the name does not resolve.
 */
export async function resolveHost(host: string): Promise<ResolvedAddress[]> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const family = isIP(bare);
  if (family !== 0) return [{ address: bare, family: family as 4 | 6 }];
  if (isLocalhostName(bare)) {
    const v4: ResolvedAddress = { address: '127.0.0.1', family: 4 };
    const v6: ResolvedAddress = { address: '::1', family: 6 };
    return getDefaultResultOrder() === 'ipv4first' ? [v4, v6] : [v6, v4];
  }
  let found: Array<{ address: string; family: number }>;
  try {
    found = await lookup(bare, { all: true, hints: ADDRCONFIG });
  } catch (error) {
    throw new BerthError('E_TARGET_INVALID', `Cannot resolve "${host}" (${errnoCode(error) ?? 'lookup failed'}).`, {
      hint: 'Check the host name, or give an address such as 127.0.0.1.',
      cause: error,
      data: { host },
    });
  }
  return orderLikeNetConnect(
    found.filter((a) => a.family === 4 || a.family === 6).map((a) => ({ address: a.address, family: a.family as 4 | 6 })),
  );
}

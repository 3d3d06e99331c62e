/**
 * Bind probes: can this process bind `host:port` right now? Each failure is
 * told apart, because "in use" is not the only reason a bind fails:
 * EACCES (privileged port), EADDRNOTAVAIL (address not on this machine) and
 * EAFNOSUPPORT (no IPv6 here) call for different fixes.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { errnoCode } from '../errors.js';
import type { Protocol } from '../model.js';

/** Why a bind failed. */
export type BindFailure =
  /** EADDRINUSE: something holds it. */
  | 'in-use'
  /** EACCES / EPERM: a privileged port, or a policy forbids it. */
  | 'permission'
  /** EADDRNOTAVAIL: the address is not configured on this machine. */
  | 'address-unavailable'
  /** EAFNOSUPPORT / EPROTONOSUPPORT: the family (usually IPv6) is disabled here. */
  | 'family-unsupported';

/** The outcome of one bind attempt; expected failures are values. */
export type BindResult = { ok: true } | { ok: false; reason: BindFailure; code: string };

/** The addresses whose binds conflict with a service on a port: both loopbacks and both wildcards. */
export const CONFLICT_HOSTS: readonly string[] = ['127.0.0.1', '::1', '0.0.0.0', '::'];

function classify(error: unknown): BindResult {
  const code = errnoCode(error) ?? 'UNKNOWN';
  switch (code) {
    case 'EADDRINUSE':
      return { ok: false, reason: 'in-use', code };
    case 'EACCES':
    case 'EPERM':
      return { ok: false, reason: 'permission', code };
    case 'EADDRNOTAVAIL':
      return { ok: false, reason: 'address-unavailable', code };
    case 'EAFNOSUPPORT':
    case 'EPROTONOSUPPORT':
      return { ok: false, reason: 'family-unsupported', code };
    default:
      throw error;
  }
}

/**
 * Tries to bind `host:port` and releases it at once.
 * @param host an IP literal; `::` binds IPv6-only here so each family is checked on its own.
 * @throws the original error for failures other than the four {@link BindFailure}s.
 */
export function tryBind(port: number, host: string, protocol: Protocol = 'tcp'): Promise<BindResult> {
  return new Promise((resolve, reject) => {
    const settle = (result: BindResult | Error): void => (result instanceof Error ? reject(result) : resolve(result));
    if (protocol === 'udp') {
      const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', ipv6Only: host.includes(':') });
      socket.once('error', (error) => {
        socket.close();
        try {
          settle(classify(error));
        } catch (other) {
          settle(other as Error);
        }
      });
      socket.bind({ port, address: host, exclusive: true }, () => socket.close(() => settle({ ok: true })));
      return;
    }
    const server = createServer();
    server.once('error', (error) => {
      try {
        settle(classify(error));
      } catch (other) {
        settle(other as Error);
      }
    });
    // exclusive: never share a handle with cluster workers; ipv6Only: test "::" apart from 0.0.0.0.
    server.listen({ port, host, exclusive: true, ipv6Only: host.includes(':') }, () => server.close(() => settle({ ok: true })));
  });
}

/** Per-address bind results for one port. */
export interface PortFreeResult {
  /** True when no address could not be bound because it is in use or forbidden. */
  free: boolean;
  /** Result for each host tried, in the order given. */
  results: Array<{ host: string; result: BindResult }>;
}

/**
 * Checks whether `port` is free for a service by binding every address that
 * could conflict (by default 127.0.0.1, ::1, 0.0.0.0 and ::). Addresses whose
 * family this machine lacks (no IPv6) or that are not configured do not make
 * the port busy; `in-use` and `permission` do.
 */
export async function checkPortFree(port: number, options: { protocol?: Protocol; hosts?: readonly string[] } = {}): Promise<PortFreeResult> {
  const results: PortFreeResult['results'] = [];
  for (const host of options.hosts ?? CONFLICT_HOSTS) {
    const result = await tryBind(port, host, options.protocol ?? 'tcp');
    results.push({ host, result });
    if (!result.ok && (result.reason === 'in-use' || result.reason === 'permission')) return { free: false, results };
  }
  return { free: true, results };
}

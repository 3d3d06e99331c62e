/**
 * Binding berth's long-running servers (static server, forwarder): loopback
 * by default, a warning when told to listen beyond it, bind failures turned
 * into BerthErrors, and a free port picked outside the OS ephemeral range
 * when none is given.
 */
import { randomInt } from 'node:crypto';
import { isIP, type Server } from 'node:net';
import { BerthError, errnoCode } from '../errors.js';
import { exposureOf } from '../ports/address.js';
import { isBrowserUnsafe } from '../ports/facts.js';
import { formatHostPort } from '../ports/parse.js';
import { checkPortFree } from '../probe/bind.js';

/** Where berth's servers listen when not told otherwise. */
export const DEFAULT_LISTEN_HOST = '127.0.0.1';

/**
 * Ports tried, at random, when no port is given: below every OS ephemeral
 * range, so that a client's outgoing connection can never take the port
 * while the server is down, and above the privileged ones.
 */
export const FREE_PORT_RANGE = { from: 8000, to: 8999 } as const;

/** How many random ports are tried before falling back to one the OS picks. */
export const FREE_PORT_ATTEMPTS = 25;

/** Where a server ended up listening. */
export interface ListenAddress {
  /** The address bound, as given (`127.0.0.1`, `::1`, `0.0.0.0`). */
  host: string;
  port: number;
  /** The URL form of the address (`127.0.0.1:8123`, `[::1]:8123`). */
  hostPort: string;
}

/** The bind address for a host the user typed: `localhost` is pinned to 127.0.0.1 so the result is predictable. */
export function bindHostOf(host: string | null | undefined): string {
  if (host === undefined || host === null || host === '') return DEFAULT_LISTEN_HOST;
  return host === 'localhost' ? DEFAULT_LISTEN_HOST : host;
}

/**
 * The warning to show before listening on `host`, or null for loopback.
 * Pure, so that tests can check it without binding a wildcard address.
 */
export function exposureWarning(host: string): string | null {
  const bind = bindHostOf(host);
  const exposure = exposureOf(bind);
  if (exposure === 'loopback') return null;
  if (exposure === 'all') {
    return `Listening on ${bind}: reachable from the network (every interface), not only from this machine.`;
  }
  return `Listening on ${bind}: reachable from the network through that address, not only from this machine.`;
}

function bindError(error: unknown, host: string, port: number): BerthError | unknown {
  const where = formatHostPort(host, port);
  switch (errnoCode(error)) {
    case 'EADDRINUSE':
      return new BerthError('E_PORT_IN_USE', `Cannot listen on ${where}: the port is in use.`, {
        hint: `See who holds it: berth who ${port} · or pick another port`,
        cause: error,
        data: { host, port },
      });
    case 'EACCES':
    case 'EPERM':
      return new BerthError('E_PERMISSION', `Cannot listen on ${where}: permission denied.`, {
        hint: port < 1024 ? 'Ports below 1024 need root (or CAP_NET_BIND_SERVICE); pick a port such as 8080.' : 'A security policy forbids this bind.',
        cause: error,
        data: { host, port },
      });
    case 'EADDRNOTAVAIL':
      return new BerthError('E_TARGET_INVALID', `Cannot listen on ${where}: ${host} is not an address of this machine.`, {
        hint: 'Use 127.0.0.1 (this machine only), or an address that `ip addr` shows.',
        cause: error,
        data: { host, port },
      });
    case 'EAFNOSUPPORT':
    case 'EPROTONOSUPPORT':
      return new BerthError('E_TARGET_INVALID', `Cannot listen on ${where}: IPv6 is disabled on this machine.`, {
        hint: 'Use 127.0.0.1 instead.',
        cause: error,
        data: { host, port },
      });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new BerthError('E_TARGET_INVALID', `Cannot listen on ${where}: cannot resolve ${host}.`, {
        hint: 'Give an IP address such as 127.0.0.1.',
        cause: error,
        data: { host, port },
      });
    default:
      return error;
  }
}

function listenOnce(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    // exclusive: never share the handle with cluster workers.
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/**
 * Starts `server` listening on `host:port`. Port 0 asks the OS for any port.
 * @throws BerthError E_PORT_IN_USE, E_PERMISSION or E_TARGET_INVALID when the bind fails.
 */
export async function listenOn(server: Server, host: string, port: number): Promise<ListenAddress> {
  try {
    const bound = await listenOnce(server, host, port);
    // After the bind, the server's only errors are failed accepts (EMFILE, ENFILE): the client
    // sees its connection fail, the server goes on. Without a listener they would kill the process.
    if (server.listenerCount('error') === 0) server.on('error', () => undefined);
    return { host, port: bound, hostPort: formatHostPort(host, bound) };
  } catch (error) {
    throw bindError(error, host, port);
  }
}

/**
 * Starts `server` on a free port of {@link FREE_PORT_RANGE}, chosen at random.
 * A candidate must be free on both loopbacks too, so that `localhost:PORT`
 * cannot reach another server over the other family. After
 * {@link FREE_PORT_ATTEMPTS} taken candidates the OS picks one (port 0).
 * @throws BerthError as {@link listenOn}.
 */
export async function listenOnFreePort(server: Server, host: string): Promise<ListenAddress> {
  const hosts = [...new Set([host, '127.0.0.1', '::1'])].filter((h) => isIP(h) !== 0);
  for (let attempt = 0; attempt < FREE_PORT_ATTEMPTS; attempt++) {
    const port = randomInt(FREE_PORT_RANGE.from, FREE_PORT_RANGE.to + 1);
    if (isBrowserUnsafe(port)) continue;
    const check = await checkPortFree(port, { hosts });
    if (!check.free) continue;
    try {
      return await listenOn(server, host, port);
    } catch (error) {
      // Taken between the check and the bind: try another.
      if (error instanceof BerthError && error.code === 'E_PORT_IN_USE') continue;
      throw error;
    }
  }
  return listenOn(server, host, 0);
}

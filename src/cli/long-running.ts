/**
 * What the long-running commands (serve, forward) share: parsing a listen
 * address, naming who holds a port that is in use, and waiting for Ctrl-C.
 */
import { isIP } from 'node:net';
import { BerthError, isBerthError } from '../errors.js';
import { whoIs } from '../inventory/index.js';
import { formatHostPort, parsePort, parseTarget } from '../ports/parse.js';

/** A listen address as typed: host null means the default (127.0.0.1). */
export interface ListenSpec {
  host: string | null;
  /** 0 lets the OS pick. */
  port: number;
}

/** Parses a port for a server: 1–65535, or 0 for "any free port the OS picks". */
export function parseListenPort(text: string): number {
  return /^:?0+$/.test(text) ? 0 : parsePort(text);
}

/** Parses a `--host` value: an IP (brackets allowed), `localhost` or a name. */
export function parseListenHost(text: string): string {
  const host = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIP(host) !== 0) return host;
  return parseTarget(`${host}:1`).host!;
}

/**
 * Parses a listen address: `8080`, `:8080`, `127.0.0.1:8080`, `[::1]:8080`,
 * `localhost:8080`; port 0 (`0`, `[::1]:0`) lets the OS pick.
 * @throws BerthError E_PORT_INVALID / E_TARGET_INVALID.
 */
export function parseListen(text: string): ListenSpec {
  const zero = /^(.*):0+$/.exec(text);
  if (/^:?0+$/.test(text)) return { host: null, port: 0 };
  if (zero) {
    const target = parseTarget(`${zero[1]!}:1`);
    return { host: target.host, port: 0 };
  }
  const target = parseTarget(text);
  if (target.scheme !== null) {
    throw new BerthError('E_TARGET_INVALID', `"${text}" is a URL; a listen address is a port or host:port.`, {
      hint: 'Such as 8080, 127.0.0.1:8080 or [::1]:8080.',
      data: { input: text },
    });
  }
  return { host: target.host, port: target.port };
}

/**
 * Adds who holds the port to an E_PORT_IN_USE error (berth who), so the
 * message names the process instead of just "in use". `otherwise` ends the
 * hint with the other way out ("pick another port"). Other errors pass through.
 */
export async function explainPortInUse(error: unknown, otherwise: string): Promise<unknown> {
  if (!isBerthError(error) || error.code !== 'E_PORT_IN_USE') return error;
  const host = typeof error.data.host === 'string' ? error.data.host : null;
  const port = typeof error.data.port === 'number' ? error.data.port : null;
  if (port === null) return error;
  let holder = '';
  try {
    const who = await whoIs({ host, port, scheme: null, input: formatHostPort(host, port) });
    const names = who.holders.map((h) => `pid ${h.process.pid} (${h.process.command || h.process.name})`);
    if (names.length > 0) holder = ` by ${names.join(', ')}`;
    else if (who.hidden) holder = ' by a process of another user';
  } catch {
    // Naming the holder is a courtesy; the bind error stands on its own.
  }
  return new BerthError('E_PORT_IN_USE', `Cannot listen on ${formatHostPort(host, port)}: the port is held${holder}.`, {
    hint: `Stop it with: berth kill ${port} · or ${otherwise}`,
    cause: error,
    data: { ...error.data },
  });
}

/**
 * Resolves with the signal's name on the first SIGINT (Ctrl-C) or SIGTERM,
 * then stops listening for them, so a second Ctrl-C kills at once.
 */
export function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * Parsing what users type: port numbers, port ranges and targets such as
 * `3000`, `:3000`, `127.0.0.1:3000`, `[::1]:3000`, `localhost:3000` or
 * `http://localhost:3000/x`. Pure functions; every failure is a BerthError
 * with code E_PORT_INVALID or E_TARGET_INVALID.
 */
import { isIP } from './ip.js';
import { BerthError } from '../errors.js';

/** Highest valid port number. */
export const MAX_PORT = 65535;

/** An inclusive range of port numbers. */
export interface PortRange {
  from: number;
  to: number;
}

/** Where a user pointed berth: a port, and optionally a host. */
export interface Target {
  /** Host as typed, without brackets (`localhost`, `127.0.0.1`, `::1`); null when only a port was given. */
  host: string | null;
  port: number;
  /** URL scheme when the target was a URL (`http`, `postgres` …), else null. */
  scheme: string | null;
  /** What the user typed, for messages. */
  input: string;
}

/** Default ports of the URL schemes berth understands. */
export const SCHEME_DEFAULT_PORTS: Readonly<Record<string, number>> = {
  http: 80,
  https: 443,
  ws: 80,
  wss: 443,
  ftp: 21,
  ssh: 22,
  postgres: 5432,
  postgresql: 5432,
  redis: 6379,
  rediss: 6379,
  mysql: 3306,
  mariadb: 3306,
  mongodb: 27017,
  amqp: 5672,
  nats: 4222,
  memcached: 11211,
};

const DIGITS = /^\d+$/;

function portError(input: string, why: string): BerthError {
  return new BerthError('E_PORT_INVALID', `"${input}" is not a valid port: ${why}.`, {
    hint: 'A port is a whole number from 1 to 65535, such as 3000.',
    data: { input },
  });
}

/**
 * Parses one port number (1–65535). A leading `:` is accepted (`:3000`).
 * @throws BerthError E_PORT_INVALID for anything else, including 0.
 */
export function parsePort(input: string): number {
  const text = input.startsWith(':') ? input.slice(1) : input;
  if (text.trim() === '') throw portError(input, 'it is empty');
  if (text !== text.trim()) throw portError(input, 'it contains spaces');
  if (text.startsWith('-') && DIGITS.test(text.slice(1))) throw portError(input, 'ports cannot be negative');
  if (!DIGITS.test(text)) throw portError(input, 'it is not a whole number');
  const port = Number(text);
  if (port === 0) {
    throw portError(input, 'port 0 asks the OS for any free port, so nothing can be found on it');
  }
  if (port > MAX_PORT) throw portError(input, `the highest port is ${MAX_PORT}`);
  return port;
}

/**
 * Parses a port or an inclusive range: `3000`, `3000-3999`.
 * @throws BerthError E_PORT_INVALID for open ranges (`3000-`), reversed ranges and bad numbers.
 */
export function parsePortRange(input: string): PortRange {
  const dash = input.indexOf('-', 1);
  if (dash === -1) {
    const port = parsePort(input);
    return { from: port, to: port };
  }
  const left = input.slice(0, dash);
  const right = input.slice(dash + 1);
  if (right === '') {
    throw new BerthError('E_PORT_INVALID', `"${input}" is not a valid port range: it has no end.`, {
      hint: 'Write a range as FROM-TO, such as 3000-3999.',
      data: { input },
    });
  }
  const from = parsePort(left);
  const to = parsePort(right);
  if (from > to) {
    throw new BerthError('E_PORT_INVALID', `"${input}" is not a valid port range: ${from} is above ${to}.`, {
      hint: `Did you mean ${to}-${from}?`,
      data: { input },
    });
  }
  return { from, to };
}

/** True when `port` lies inside `range`. */
export function inRange(port: number, range: PortRange): boolean {
  return port >= range.from && port <= range.to;
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

function targetError(input: string, why: string, hint: string): BerthError {
  return new BerthError('E_TARGET_INVALID', `"${input}" is not a valid target: ${why}.`, {
    hint,
    data: { input },
  });
}

const TARGET_HINT = 'Give a port (3000), host:port (127.0.0.1:3000, [::1]:3000, localhost:3000) or a URL (http://localhost:3000/).';

/** Validates a host as an IP literal or a DNS name; returns it without brackets. */
function checkHost(input: string, host: string): string {
  if (host === '') throw targetError(input, 'the host is empty', TARGET_HINT);
  if (isIP(host) !== 0) return host;
  // Reject things that look like broken IPv4 (999.1.1.1) rather than treat them as names.
  if (/^[\d.]+$/.test(host)) throw targetError(input, `"${host}" is not a valid IPv4 address`, TARGET_HINT);
  if (!HOSTNAME.test(host)) throw targetError(input, `"${host}" is not a valid host name or address`, TARGET_HINT);
  return host.toLowerCase();
}

/**
 * Parses a target: `3000`, `:3000`, `host:3000`, `[v6]:3000` or a URL with a
 * scheme (`http://localhost:3000/x`, `postgres://db:5432/app`). A URL without
 * a port gets its scheme's default port.
 * @throws BerthError E_TARGET_INVALID or E_PORT_INVALID.
 */
export function parseTarget(input: string): Target {
  const text = input.trim();
  if (text === '') throw targetError(input, 'it is empty', TARGET_HINT);

  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (scheme) return parseUrlTarget(input, text, scheme[1]!.toLowerCase());

  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) throw targetError(input, 'the "[" is never closed', 'Write IPv6 addresses as [::1]:3000.');
    const host = text.slice(1, close);
    if (isIP(host) !== 6) throw targetError(input, `"${host}" is not an IPv6 address`, TARGET_HINT);
    const rest = text.slice(close + 1);
    if (!rest.startsWith(':')) throw targetError(input, 'the port is missing after the address', 'Write IPv6 addresses as [::1]:3000.');
    return { host, port: parsePort(rest.slice(1)), scheme: null, input };
  }

  const colons = text.split(':').length - 1;
  if (colons === 0) {
    if (DIGITS.test(text) || /^-\d+$/.test(text)) return { host: null, port: parsePort(text), scheme: null, input };
    if (isIP(text) !== 0 || HOSTNAME.test(text)) {
      throw targetError(input, 'there is no port', `Add one, such as ${text}:3000.`);
    }
    throw portError(input, 'it is not a whole number');
  }
  if (colons === 1) {
    const [host = '', portText = ''] = text.split(':');
    if (host === '') return { host: null, port: parsePort(portText), scheme: null, input };
    if (portText === '') throw targetError(input, 'the port after ":" is missing', TARGET_HINT);
    return { host: checkHost(input, host), port: parsePort(portText), scheme: null, input };
  }
  // Several colons and no brackets: an IPv6 address. "::1:3000" is ambiguous, so ask for brackets.
  if (isIP(text) === 6) {
    const last = text.lastIndexOf(':');
    const head = text.slice(0, last);
    const tail = text.slice(last + 1);
    const guess = DIGITS.test(tail) && isIP(head) === 6 ? `Did you mean [${head}]:${tail}?` : `Write it as [${text}]:PORT.`;
    throw targetError(input, 'an IPv6 address needs brackets around it, and a port after them', guess);
  }
  throw targetError(input, 'it looks like an IPv6 address without brackets', 'Write IPv6 addresses as [::1]:3000.');
}

function parseUrlTarget(input: string, text: string, scheme: string): Target {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // WHATWG URL rejects ports above 65535 with a generic error; name it.
    const port = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/?#]*):(\d+)/i.exec(text);
    if (port) parsePort(port[1]!);
    throw targetError(input, 'it is not a valid URL', TARGET_HINT);
  }
  const rawHost = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const host = checkHost(input, decodeURIComponent(rawHost));
  let port: number;
  if (url.port !== '') {
    port = parsePort(url.port);
  } else {
    // WHATWG URL drops a port equal to the scheme default; also catches explicit ":0".
    const explicit = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/?#]*):(\d+)/i.exec(text);
    if (explicit) {
      port = parsePort(explicit[1]!);
    } else {
      const fallback = SCHEME_DEFAULT_PORTS[scheme];
      if (fallback === undefined) {
        throw targetError(input, `berth does not know the default port of ${scheme}://`, `Add the port, such as ${scheme}://${url.host}:3000.`);
      }
      port = fallback;
    }
  }
  return { host, port, scheme, input };
}

/** Formats host and port the way users type them: `127.0.0.1:3000`, `[::1]:3000`, `:3000`. */
export function formatHostPort(host: string | null, port: number): string {
  if (host === null) return `:${port}`;
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

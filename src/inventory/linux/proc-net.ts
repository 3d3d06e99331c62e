/**
 * Pure parser for /proc/net/{tcp,tcp6,udp,udp6}.
 *
 * Each line is `sl local rem st tx:rx tr:when retrnsmt uid timeout inode …`,
 * addresses printed by the kernel as the raw 32-bit words of the address in
 * host byte order (net/ipv4/tcp_ipv4.c get_tcp4_sock, net/ipv6/tcp_ipv6.c
 * get_tcp6_sock), so on little-endian machines each word's bytes are reversed.
 */
import type { Family, Protocol, Socket, SocketState } from '../../model.js';
import type { PortRange } from '../../ports/parse.js';

/** A socket as /proc/net lists it, before holders and derived facts: always with an inode and a uid. */
export type RawSocket = Pick<Socket, 'protocol' | 'family' | 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort' | 'state'> & {
  inode: number;
  uid: number;
};

/** Kernel TCP states, include/net/tcp_states.h. */
const TCP_STATES: readonly SocketState[] = [
  'UNKNOWN',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
];

const STATE_SYN_RECV = 0x03;
const STATE_LISTEN = 0x0a;
const STATE_CLOSE = 0x07;

/** Which lines to keep while parsing; filtering early keeps large tables cheap. */
export interface ParseOptions {
  /** Keep only TCP LISTEN and unconnected UDP sockets. */
  listeningOnly?: boolean;
  /** Keep only sockets whose local port (or, when `matchRemote`, remote port) is in range. */
  ports?: PortRange;
  /** Also keep sockets whose remote port is in `ports` (connections to that port). */
  matchRemote?: boolean;
  /** Byte order of the machine that produced the text; defaults to this machine's. */
  endianness?: 'LE' | 'BE';
}

function hexByte(hex: string, at: number): number {
  return parseInt(hex.slice(at, at + 2), 16);
}

/** Decodes one 8-hex-digit word into its 4 network-order bytes. */
function wordBytes(hex: string, at: number, endianness: 'LE' | 'BE'): number[] {
  const bytes = [hexByte(hex, at), hexByte(hex, at + 2), hexByte(hex, at + 4), hexByte(hex, at + 6)];
  return endianness === 'LE' ? bytes.reverse() : bytes;
}

/** Formats 16 network-order bytes as an RFC 5952 IPv6 string (`::1`, `::ffff:127.0.0.1`). */
export function formatIPv6(bytes: readonly number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // IPv4-mapped (::ffff:a.b.c.d): print the IPv4 part dotted, as every tool does.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i > 1) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}

/** Decodes a /proc/net address (`0100007F` or 32 hex digits) into text. */
export function decodeAddress(hex: string, family: Family, endianness: 'LE' | 'BE'): string {
  if (family === 4) return wordBytes(hex, 0, endianness).join('.');
  const bytes: number[] = [];
  for (let word = 0; word < 4; word++) bytes.push(...wordBytes(hex, word * 8, endianness));
  return formatIPv6(bytes);
}

function machineEndianness(): 'LE' | 'BE' {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'LE' : 'BE';
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 65 && code <= 70) return code - 55; // A-F
  if (code >= 97 && code <= 102) return code - 87; // a-f
  return -1;
}

/** Reads `digits` hex digits at `at` without allocating; -1 when they are not all hex. */
function readHex(text: string, at: number, digits: number): number {
  let value = 0;
  for (let i = 0; i < digits; i++) {
    const digit = hexValue(text.charCodeAt(at + i));
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/**
 * Reads the `index`th space-separated field in `text[from, to)` as a decimal
 * number, without splitting the line; -1 when it is missing or not a number.
 */
function readDecimalField(text: string, from: number, to: number, index: number): number {
  let at = from;
  for (let field = 0; ; field++) {
    while (at < to && text.charCodeAt(at) === 32) at++;
    if (at >= to) return -1;
    if (field === index) break;
    while (at < to && text.charCodeAt(at) !== 32) at++;
  }
  let value = 0;
  let digits = 0;
  for (; at < to; at++, digits++) {
    const code = text.charCodeAt(at);
    if (code === 32) break;
    if (code < 48 || code > 57) return -1;
    value = value * 10 + (code - 48);
  }
  return digits === 0 ? -1 : value;
}

function isZeroAddress(hex: string): boolean {
  for (let i = 0; i < hex.length; i++) if (hex.charCodeAt(i) !== 48) return false;
  return true;
}

/**
 * True when a line in `text[from, to)` shows that /proc/net/tcp{,6} has moved
 * past its listening sockets. The kernel prints every listener first (it walks
 * the listening hash, then the established hash: tcp_get_idx() in
 * net/ipv4/tcp_ipv4.c), so once a line in another state appears no listener
 * follows, and a reader that only wants listeners can stop reading there.
 * SYN_RECV does not count: kernels before 4.4 printed pending connection
 * requests right after their listener.
 */
export function passedListeners(text: string, from: number, to: number, family: Family): boolean {
  const stateOffset = family === 4 ? 28 : 76; // "LOCAL:PORT REMOTE:PORT " after the "sl: "
  let lineStart = from;
  while (lineStart < to) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1 || lineEnd > to) lineEnd = to;
    const slColon = text.indexOf(':', lineStart);
    if (slColon !== -1 && slColon < lineEnd) {
      const stateAt = slColon + 2 + stateOffset;
      const state = stateAt + 2 <= lineEnd ? readHex(text, stateAt, 2) : -1;
      if (state >= 0 && state !== STATE_LISTEN && state !== STATE_SYN_RECV) return true;
    }
    lineStart = lineEnd + 1;
  }
  return false;
}

/**
 * Parses the text of one /proc/net table into raw sockets.
 *
 * The kernel prints the address, port and state columns with fixed widths
 * (`%08X:%04X %08X:%04X %02X`, 32 hex digits per IPv6 address), so they are
 * read by offset and only the lines that pass the filters are split further:
 * a 10,000-socket table filtered to one port costs a fraction of a millisecond.
 * Malformed lines are skipped rather than fatal: the format is stable, but a
 * read of a changing table can end mid-line.
 */
export function parseProcNet(text: string, protocol: Protocol, family: Family, options: ParseOptions = {}): RawSocket[] {
  const endianness = options.endianness ?? machineEndianness();
  const { ports, listeningOnly = false, matchRemote = false } = options;
  const wantedState = protocol === 'tcp' ? STATE_LISTEN : STATE_CLOSE;
  const width = family === 4 ? 8 : 32; // hex digits of one address
  const sockets: RawSocket[] = [];
  // A machine has few distinct addresses and thousands of sockets on them: decode each once.
  const decoded = new Map<string, string>();
  const decode = (hex: string): string => {
    let address = decoded.get(hex);
    if (address === undefined) {
      address = decodeAddress(hex, family, endianness);
      decoded.set(hex, address);
    }
    return address;
  };
  let lineStart = text.indexOf('\n') + 1; // skip the header
  while (lineStart > 0 && lineStart < text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    const at = lineStart;
    lineStart = lineEnd + 1;

    // "  sl: LOCAL:PORT REMOTE:PORT ST …" — `sl` is right-aligned, so find its colon.
    const slColon = text.indexOf(':', at);
    if (slColon === -1 || slColon >= lineEnd) continue;
    const local = slColon + 2;
    const localPortAt = local + width + 1;
    const remote = localPortAt + 5;
    const remotePortAt = remote + width + 1;
    const stateAt = remotePortAt + 5;
    if (stateAt + 2 > lineEnd || text.charCodeAt(local + width) !== 58 || text.charCodeAt(remote + width) !== 58) continue;

    const stateCode = readHex(text, stateAt, 2);
    if (stateCode < 0) continue;
    if (listeningOnly && stateCode !== wantedState) continue;
    const localPort = readHex(text, localPortAt, 4);
    const remotePort = readHex(text, remotePortAt, 4);
    if (localPort < 0 || remotePort < 0) continue;
    if (ports) {
      const localHit = localPort >= ports.from && localPort <= ports.to;
      const remoteHit = matchRemote && remotePort >= ports.from && remotePort <= ports.to;
      if (!localHit && !remoteHit) continue;
    }
    // An unconnected UDP socket that is not bound to a port is nobody's listener.
    if (protocol === 'udp' && stateCode === STATE_CLOSE && localPort === 0) continue;

    // Only now read the rest: " tx:rx tr:when retrnsmt uid timeout inode …".
    const uid = readDecimalField(text, stateAt + 2, lineEnd, 3);
    const inode = readDecimalField(text, stateAt + 2, lineEnd, 5);
    if (uid < 0 || inode < 0) continue;
    let state: SocketState = TCP_STATES[stateCode] ?? 'UNKNOWN';
    if (protocol === 'udp') state = stateCode === STATE_CLOSE ? 'UNCONN' : stateCode === 1 ? 'ESTABLISHED' : state;
    const remoteHex = text.slice(remote, remote + width);
    const isUnconnected = remotePort === 0 && isZeroAddress(remoteHex);

    sockets.push({
      protocol,
      family,
      localAddress: decode(text.slice(local, local + width)),
      localPort,
      remoteAddress: isUnconnected ? null : decode(remoteHex),
      remotePort: isUnconnected ? null : remotePort,
      state,
      uid,
      inode,
    });
  }
  return sockets;
}

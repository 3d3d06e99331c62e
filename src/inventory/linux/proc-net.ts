/**
 * Pure parser for /proc/net/{tcp,tcp6,udp,udp6}.
 *
 * Each line is `sl local rem st tx:rx tr:when retrnsmt uid timeout inode …`,
 * addresses printed by the kernel as the raw 32-bit words of the address in
 * host byte order (net/ipv4/tcp_ipv4.c get_tcp4_sock, net/ipv6/tcp_ipv6.c
 * get_tcp6_sock), so on little-endian machines each word's bytes are reversed.
 */
import type { Family, Protocol, SocketState } from '../../model.js';
import type { PortRange } from '../../ports/parse.js';

/** A socket as /proc/net lists it, before holders and derived facts. */
export interface RawSocket {
  protocol: Protocol;
  family: Family;
  localAddress: string;
  localPort: number;
  remoteAddress: string | null;
  remotePort: number | null;
  state: SocketState;
  inode: number;
  uid: number;
}

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

/**
 * Parses the text of one /proc/net table into raw sockets.
 * Malformed lines are skipped rather than fatal: the kernel's format is stable,
 * but a truncated read of a changing table can end mid-line.
 */
export function parseProcNet(text: string, protocol: Protocol, family: Family, options: ParseOptions = {}): RawSocket[] {
  const endianness = options.endianness ?? machineEndianness();
  const { ports, listeningOnly = false, matchRemote = false } = options;
  const sockets: RawSocket[] = [];
  let lineStart = text.indexOf('\n') + 1; // skip the header
  while (lineStart > 0 && lineStart < text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    const line = text.slice(lineStart, lineEnd);
    lineStart = lineEnd + 1;

    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const local = fields[1]!;
    const remote = fields[2]!;
    const localColon = local.indexOf(':');
    const remoteColon = remote.indexOf(':');
    if (localColon === -1 || remoteColon === -1) continue;

    const stateCode = parseInt(fields[3]!, 16);
    if (listeningOnly && stateCode !== (protocol === 'tcp' ? STATE_LISTEN : STATE_CLOSE)) continue;

    const localPort = parseInt(local.slice(localColon + 1), 16);
    const remotePort = parseInt(remote.slice(remoteColon + 1), 16);
    if (ports) {
      const localHit = localPort >= ports.from && localPort <= ports.to;
      const remoteHit = matchRemote && remotePort >= ports.from && remotePort <= ports.to;
      if (!localHit && !remoteHit) continue;
    }
    // An unconnected UDP socket that is not bound to a port is nobody's listener.
    if (protocol === 'udp' && stateCode === STATE_CLOSE && localPort === 0) continue;

    let state: SocketState = TCP_STATES[stateCode] ?? 'UNKNOWN';
    if (protocol === 'udp') state = stateCode === STATE_CLOSE ? 'UNCONN' : stateCode === 1 ? 'ESTABLISHED' : state;
    const isUnconnected = remotePort === 0 && /^0+$/.test(remote.slice(0, remoteColon));

    sockets.push({
      protocol,
      family,
      localAddress: decodeAddress(local.slice(0, localColon), family, endianness),
      localPort,
      remoteAddress: isUnconnected ? null : decodeAddress(remote.slice(0, remoteColon), family, endianness),
      remotePort: isUnconnected ? null : remotePort,
      state,
      uid: Number(fields[7]),
      inode: Number(fields[9]),
    });
  }
  return sockets;
}

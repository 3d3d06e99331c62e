/**
 * The packets of a local TCP connect, as a firewall sees them, for the
 * iptables and nft rule evaluators. A connect over loopback crosses the
 * OUTPUT hook leaving the client and the INPUT hook reaching the server, for
 * the SYN (conntrack state NEW) and for the SYN-ACK coming back (ESTABLISHED);
 * a DROP on any of the four makes the connect hang.
 */
import { isIP } from 'node:net';
import type { Family } from '../../model.js';

/** The netfilter hook a packet crosses. */
export type Hook = 'prerouting' | 'input' | 'output' | 'postrouting';

/** One packet of the connect, with what the rule evaluators may match on. */
export interface Packet {
  family: Family;
  saddr: string;
  daddr: string;
  /** Source port; null for the client's ephemeral port (no fixed rule matches it). */
  sport: number | null;
  /** Destination port; null for the client's ephemeral port. */
  dport: number | null;
  /** Hooks the packet crosses. */
  hooks: Hook[];
  iif: string | null;
  oif: string | null;
  ctstate: 'new' | 'established';
  /** For messages: "SYN to 127.0.0.1:3000", "SYN-ACK from 127.0.0.1:3000". */
  label: string;
}

/** Three-valued logic for conditions berth cannot fully evaluate. */
export type Tri = true | false | 'unknown';

/** AND over three-valued results. */
export function and(values: readonly Tri[]): Tri {
  if (values.includes(false)) return false;
  return values.includes('unknown') ? 'unknown' : true;
}

/** True when `address` is inside `prefix/len` (same family). */
export function inPrefix(address: string, prefix: string, len: number): boolean {
  const a = addressBytes(address);
  const p = addressBytes(prefix);
  if (!a || !p || a.length !== p.length) return false;
  let bits = len;
  for (let i = 0; i < a.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((a[i]! & mask) !== (p[i]! & mask)) return false;
  }
  return true;
}

/** Network-order bytes of an IP literal; null when it is not one. */
export function addressBytes(address: string): number[] | null {
  const family = isIP(address);
  if (family === 4) return address.split('.').map(Number);
  if (family !== 6) return null;
  // An embedded IPv4 tail (::ffff:127.0.0.1) becomes two hex groups.
  const text = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a, b, c, d) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`,
  );
  const [head = '', rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? 0 : 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...Array<string>(Math.max(0, zeros)).fill('0'), ...restGroups].map((g) => Number.parseInt(g, 16));
  const bytes: number[] = [];
  for (const g of groups) bytes.push((g >> 8) & 0xff, g & 0xff);
  return bytes;
}

/** True when `address` (v4 or v6 literal) matches `cidr` (`127.0.0.0/8`, `::1/128`, `10.0.0.1`). */
export function matchesCidr(address: string, cidr: string): boolean {
  const [prefix = '', lenText] = cidr.split('/');
  const family = isIP(prefix);
  if (family === 0 || family !== isIP(address)) return false;
  const len = lenText === undefined ? (family === 4 ? 32 : 128) : Number(lenText);
  return inPrefix(address, prefix, len);
}

/** True when `port` matches a port spec: `3000`, `3000:3010` (iptables) or `3000-3010` (nft). */
export function matchesPortSpec(port: number | null, spec: string): Tri {
  if (port === null) return false;
  const range = /^(\d*)[:-](\d*)$/.exec(spec);
  if (range) {
    const from = range[1] === '' ? 0 : Number(range[1]);
    const to = range[2] === '' ? 65535 : Number(range[2]);
    return port >= from && port <= to;
  }
  if (/^\d+$/.test(spec)) return port === Number(spec);
  return 'unknown'; // a service name such as "http"
}

/**
 * The packets of a connect from this machine to `address:port` over
 * loopback (or to one of this machine's own addresses, which also travels
 * through lo).
 */
export function connectPackets(address: string, family: Family, port: number): Packet[] {
  // The kernel picks the destination itself as the source for a local destination.
  const base = { family, saddr: address, daddr: address };
  const where = family === 6 ? `[${address}]:${port}` : `${address}:${port}`;
  return [
    { ...base, sport: null, dport: port, hooks: ['output', 'postrouting'], iif: null, oif: 'lo', ctstate: 'new', label: `SYN to ${where} (leaving)` },
    { ...base, sport: null, dport: port, hooks: ['prerouting', 'input'], iif: 'lo', oif: null, ctstate: 'new', label: `SYN to ${where}` },
    { ...base, sport: port, dport: null, hooks: ['output', 'postrouting'], iif: null, oif: 'lo', ctstate: 'established', label: `SYN-ACK from ${where}` },
    { ...base, sport: port, dport: null, hooks: ['prerouting', 'input'], iif: 'lo', oif: null, ctstate: 'established', label: `SYN-ACK from ${where} (arriving)` },
  ];
}

/** Matches an interface name against a rule's (iptables `lo+` and nft `lo*` are prefixes). */
export function matchesInterface(actual: string | null, wanted: string): Tri {
  if (actual === null) return false;
  if (wanted.endsWith('+') || wanted.endsWith('*')) return actual.startsWith(wanted.slice(0, -1));
  return actual === wanted;
}

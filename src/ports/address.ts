/**
 * Facts about bind addresses: loopback, wildcard, IPv4-mapped IPv6, and the
 * exposure they give a socket.
 */
import type { Exposure, Family } from '../model.js';

/** True for the wildcard addresses `0.0.0.0` and `::`. */
export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`), else null. */
export function unmapIPv4(address: string): string | null {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match ? match[1]! : null;
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(address: string): boolean {
  const v4 = unmapIPv4(address) ?? address;
  return v4.startsWith('127.') || address === '::1';
}

/** Who can reach a socket bound to `address` (see {@link Exposure}). */
export function exposureOf(address: string): Exposure {
  if (isWildcard(address)) return 'all';
  if (isLoopback(address)) return 'loopback';
  return 'specific';
}

/** One sentence saying what an exposure means, for people. */
export function describeExposure(exposure: Exposure, address: string): string {
  switch (exposure) {
    case 'loopback':
      return 'reachable only from this machine';
    case 'all':
      return 'reachable from the network (bound to every interface)';
    case 'specific':
      return `reachable from the network through ${address} only`;
  }
}

/**
 * True when a socket bound to `bound` (of `family`) accepts a connection
 * addressed to `wanted`. A `::` socket also takes IPv4 on Linux unless
 * IPV6_V6ONLY is set, which /proc does not show, so it is counted as a match.
 */
export function acceptsAddress(bound: string, family: Family, wanted: string): boolean {
  const wantedV4 = unmapIPv4(wanted) ?? (wanted.includes(':') ? null : wanted);
  const boundV4 = unmapIPv4(bound) ?? (family === 4 ? bound : null);
  if (bound === '::') return true;
  if (bound === '0.0.0.0') return wantedV4 !== null;
  if (boundV4 !== null && wantedV4 !== null) return boundV4 === wantedV4;
  return bound.toLowerCase() === wanted.toLowerCase();
}

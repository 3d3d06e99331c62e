/**
 * `net.isIP`, loaded on first use. Loading node:net costs Node 20 about 3 ms,
 * which `berth who 3000` and `berth ls` would pay only to validate addresses
 * they are never given.
 */
import { createRequire } from 'node:module';

let netIsIP: ((input: string) => number) | undefined;

/** 4 or 6 for an IPv4 or IPv6 address (zone index allowed), else 0: exactly net.isIP. */
export function isIP(input: string): 0 | 4 | 6 {
  netIsIP ??= (createRequire(import.meta.url)('node:net') as typeof import('node:net')).isIP;
  return netIsIP(input) as 0 | 4 | 6;
}

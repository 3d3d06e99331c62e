/**
 * Identifying many ports at once (`berth ls --identify`), a few at a time so
 * that a machine with hundreds of listeners is not flooded.
 */
import type { Socket } from '../../model.js';
import { identifyPort, type Identification, type IdentifyOptions } from './index.js';

/** Default number of identifications in flight at once. */
export const IDENTIFY_CONCURRENCY = 8;

/** Options for {@link identifyMany}. */
export interface IdentifyManyOptions extends Omit<IdentifyOptions, 'hint'> {
  /** Identifications in flight at once (default {@link IDENTIFY_CONCURRENCY}). */
  concurrency?: number;
}

/**
 * The address to probe for a listener bound to `localAddress`: its loopback
 * for a wildcard (`0.0.0.0` → 127.0.0.1, `::` → ::1), the IPv4 address inside
 * an IPv4-mapped one, else the address itself.
 */
export function probeHostFor(localAddress: string): string {
  if (localAddress === '0.0.0.0') return '127.0.0.1';
  if (localAddress === '::') return '::1';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(localAddress);
  return mapped ? mapped[1]! : localAddress;
}

/**
 * Identifies every target, at most `concurrency` at a time; the same
 * host:port is probed once. Results come back in the order of `targets`.
 * @throws only what {@link identifyPort} throws for a bad target, or the signal's reason.
 */
export async function identifyMany(
  targets: ReadonlyArray<{ host: string; port: number }>,
  options: IdentifyManyOptions = {},
): Promise<Identification[]> {
  const { concurrency = IDENTIFY_CONCURRENCY, ...identifyOptions } = options;
  const unique = new Map<string, { host: string; port: number }>();
  for (const target of targets) unique.set(`${target.host}|${target.port}`, target);
  const keys = [...unique.keys()];
  const results = new Map<string, Identification>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const key = keys[next++]!;
      results.set(key, await identifyPort(unique.get(key)!, identifyOptions));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, keys.length)) }, worker));
  return targets.map((t) => results.get(`${t.host}|${t.port}`)!);
}

/**
 * Identifies the TCP listeners among `sockets` (wildcards probed on their
 * loopback); UDP and non-listening sockets get null. Order is kept.
 */
export async function identifySockets(
  sockets: ReadonlyArray<Pick<Socket, 'protocol' | 'state' | 'localAddress' | 'localPort'>>,
  options: IdentifyManyOptions = {},
): Promise<Array<Identification | null>> {
  const listeners = sockets.filter((s) => s.protocol === 'tcp' && s.state === 'LISTEN');
  const results = await identifyMany(
    listeners.map((s) => ({ host: probeHostFor(s.localAddress), port: s.localPort })),
    options,
  );
  const byKey = new Map(listeners.map((s, i) => [s, results[i]!]));
  return sockets.map((s) => byKey.get(s) ?? null);
}

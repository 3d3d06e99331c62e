/**
 * Which ports berth may hand out, and in what order it tries them. Pure
 * functions of the machine's facts, so they are tested without a machine.
 *
 * Never handed out: ports in the OS ephemeral range (the kernel gives those
 * to outgoing connections at any moment, so a server there can fail to start
 * later, or a client can connect to itself), ports below the unprivileged
 * floor (binding them needs root), and the browsers' unsafe ports (curl
 * works, Chrome and Firefox refuse with ERR_UNSAFE_PORT).
 */
import { MAX_PORT, type PortRange } from '../ports/parse.js';

/** Why a port is never handed out. */
export type SkipReason = 'ephemeral' | 'privileged' | 'browser-unsafe' | 'excluded';

/** The machine facts the policy needs. */
export interface PortPolicy {
  ephemeral: PortRange;
  unprivilegedFloor: number;
  browserUnsafe: ReadonlySet<number>;
  /** Ports the caller excluded. */
  excluded: ReadonlySet<number>;
}

/** Why `port` may not be handed out under `policy`, or null when it may. */
export function skipReason(port: number, policy: PortPolicy): SkipReason | null {
  if (policy.excluded.has(port)) return 'excluded';
  if (port < policy.unprivilegedFloor || port < 1) return 'privileged';
  if (port >= policy.ephemeral.from && port <= policy.ephemeral.to) return 'ephemeral';
  if (policy.browserUnsafe.has(port)) return 'browser-unsafe';
  return null;
}

/**
 * The default search range: every unprivileged port, capped at 1024 from
 * below so that berth never picks a well-known port on a machine where
 * binding one needs no privilege (containers often set the floor to 0).
 */
export function defaultRange(policy: PortPolicy): PortRange {
  return { from: Math.max(policy.unprivilegedFloor, 1024), to: MAX_PORT };
}

/** The allowed ports of `range`, as ascending disjoint segments: the range minus every blocked interval. */
export function allowedSegments(range: PortRange, policy: PortPolicy): PortRange[] {
  const blocked: PortRange[] = [{ from: 0, to: policy.unprivilegedFloor - 1 }, policy.ephemeral];
  for (const port of policy.browserUnsafe) blocked.push({ from: port, to: port });
  for (const port of policy.excluded) blocked.push({ from: port, to: port });
  blocked.sort((a, b) => a.from - b.from);
  const segments: PortRange[] = [];
  let next = Math.max(range.from, 1);
  for (const hole of blocked) {
    if (hole.to < next || hole.from > hole.to) continue;
    if (hole.from > range.to) break;
    if (hole.from > next) segments.push({ from: next, to: Math.min(hole.from - 1, range.to) });
    next = Math.max(next, hole.to + 1);
  }
  if (next <= range.to) segments.push({ from: next, to: range.to });
  return segments;
}

/** How many ports the segments hold. */
export function segmentsSize(segments: readonly PortRange[]): number {
  return segments.reduce((sum, s) => sum + (s.to - s.from + 1), 0);
}

/**
 * Every port of `segments` exactly once, starting at the `offset`-th one
 * (0 ≤ offset < size) and wrapping around: a random offset spreads callers
 * over the range instead of making them all fight over its first port.
 */
export function* walkSegments(segments: readonly PortRange[], offset: number): Generator<number> {
  const size = segmentsSize(segments);
  if (size === 0) return;
  const start = ((Math.floor(offset) % size) + size) % size;
  for (let i = 0; i < size; i++) yield portAt(segments, (start + i) % size);
}

function portAt(segments: readonly PortRange[], index: number): number {
  let rest = index;
  for (const s of segments) {
    const length = s.to - s.from + 1;
    if (rest < length) return s.from + rest;
    rest -= length;
  }
  throw new RangeError(`index ${index} is outside the segments`);
}

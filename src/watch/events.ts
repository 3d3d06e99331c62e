/**
 * `watchListeners()`: listening sockets opening and closing, as a stream of
 * events, for `berth watch`, the recorder and the dashboard.
 */
import type { Socket } from '../model.js';
import { listenerKey } from './diff.js';
import { createListenerScanner, type ListenerScan, type ListenerScanner } from './scanner.js';

/** How often the listeners are scanned by default, in milliseconds. */
export const WATCH_INTERVAL_MS = 1000;

/** Default CPU budget of a watch: at most this fraction of one core goes to scanning. */
export const WATCH_CPU_BUDGET = 0.05;

/** The CPU budget never spaces scans out by more than this many intervals. */
export const MAX_INTERVAL_STRETCH = 10;

/**
 * How long to wait before the next scan: the interval, stretched when a
 * scan costs more CPU than the budget allows (a machine with tens of
 * thousands of sockets), never below a quarter interval after a slow scan.
 * @param scanCpuMs CPU time (user + system) the last scan took; pass 0 for a
 *   first scan, whose one-off cost (every owner resolved) says nothing of the next ones.
 * @param elapsedMs wall time since the last scan started.
 * @param budget fraction of one core, e.g. 0.05.
 */
export function nextScanDelayMs(intervalMs: number, scanCpuMs: number, elapsedMs: number, budget: number): number {
  const period = Math.min(intervalMs * MAX_INTERVAL_STRETCH, Math.max(intervalMs, budget > 0 ? scanCpuMs / budget : 0));
  return Math.max(intervalMs / 4, period - elapsedMs);
}

/** CPU time used by this process since `start` (process.cpuUsage), in ms. */
export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** A listener appeared. */
export interface ListenerOpenedEvent {
  type: 'opened';
  /** When the scan that saw it first ran (ms since the epoch). */
  at: number;
  /** True when it was already listening when the watch started (from the first scan). */
  initial: boolean;
  socket: Socket;
}

/** A listener disappeared. */
export interface ListenerClosedEvent {
  type: 'closed';
  /** When the scan that missed it first ran (ms since the epoch). */
  at: number;
  /** True when it was already listening when the watch started, so `openedAt` is only a lower bound. */
  initial: boolean;
  /** When this watch first saw it. */
  openedAt: number;
  /** `at - openedAt`: how long it was seen listening. */
  durationMs: number;
  /** The socket as last seen, with its holders. */
  socket: Socket;
}

/** A listener opening or closing. */
export type ListenerEvent = ListenerOpenedEvent | ListenerClosedEvent;

/** Options for {@link watchListeners}. */
export interface WatchOptions {
  /** Time between scans, in milliseconds. Default {@link WATCH_INTERVAL_MS}. */
  intervalMs?: number;
  /** Stops the watch: the iteration ends (without an error) at the next wait. */
  signal?: AbortSignal;
  /** Emit the listeners present at the start as `opened` events with `initial: true` (default true). */
  initial?: boolean;
  /** Fraction of one core scanning may use; scans are spaced out beyond `intervalMs` to stay under it. Default {@link WATCH_CPU_BUDGET}; 0: no limit. */
  cpuBudget?: number;
  /** The scanner to use; default a new incremental one. */
  scanner?: ListenerScanner;
  /** Called with every scan, before its events are yielded (a recorder, a live table). */
  onScan?: (scan: ListenerScan) => void;
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Turns one scan into events: closings first (a restarted server reads as
 * `- old`, `+ new`), then openings, in port order.
 * @param firstSeen key → when first seen; updated in place.
 */
export function eventsOfScan(scan: ListenerScan, firstSeen: Map<string, { at: number; initial: boolean }>, initial = true): ListenerEvent[] {
  const events: ListenerEvent[] = [];
  for (const socket of scan.closed) {
    const key = listenerKey(socket);
    const seen = firstSeen.get(key) ?? { at: scan.at, initial: false };
    firstSeen.delete(key);
    events.push({ type: 'closed', at: scan.at, initial: seen.initial, openedAt: seen.at, durationMs: scan.at - seen.at, socket });
  }
  for (const socket of scan.opened) {
    firstSeen.set(listenerKey(socket), { at: scan.at, initial: scan.first });
    if (scan.first && !initial) continue;
    events.push({ type: 'opened', at: scan.at, initial: scan.first, socket });
  }
  return events;
}

/**
 * Scans the listening sockets every `intervalMs` and yields each listener
 * that opens or closes. Ends when `signal` aborts.
 * @throws BerthError E_PLATFORM when sockets cannot be listed on this OS.
 */
export async function* watchListeners(options: WatchOptions = {}): AsyncGenerator<ListenerEvent, void, undefined> {
  const intervalMs = options.intervalMs ?? WATCH_INTERVAL_MS;
  const scanner = options.scanner ?? createListenerScanner();
  const firstSeen = new Map<string, { at: number; initial: boolean }>();
  while (!options.signal?.aborted) {
    const started = Date.now();
    const cpu = process.cpuUsage();
    const scan = await scanner.scan();
    const scanCpuMs = scan.first ? 0 : cpuMsSince(cpu);
    options.onScan?.(scan);
    yield* eventsOfScan(scan, firstSeen, options.initial ?? true);
    await pause(nextScanDelayMs(intervalMs, scanCpuMs, Date.now() - started, options.cpuBudget ?? WATCH_CPU_BUDGET), options.signal);
  }
}

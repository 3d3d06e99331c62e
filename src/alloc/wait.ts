/**
 * waitFor(): wait until a port, host:port or URL is ready, or until a port
 * can be bound again.
 *
 * Every address the target stands for is polled on its own, in parallel
 * (`localhost` is both ::1 and 127.0.0.1, whatever /etc/hosts says), each
 * attempt with its own bound, so that one family that drops packets never
 * delays noticing the other. Ready as soon as any address accepts (or, over
 * HTTP, answers with an accepted status).
 *
 * Polling interval: starts at 10 ms and doubles every 2 s of waiting, up to
 * a cap (250 ms by default). Dev servers usually come up within a few
 * seconds, and a refused connect on loopback costs microseconds, so the
 * first seconds are polled closely (berth notices a listen() within ~10 ms);
 * a long wait (a database container) settles at the cap.
 *
 * A host name that does not resolve yet (a docker compose service whose
 * container is not up) is looked up again at the same pace until it does.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { BerthError, errnoCode } from '../errors.js';
import { parseDuration } from '../duration.js';
import { parseTarget, formatHostPort, type Target } from '../ports/parse.js';
import { CONFLICT_HOSTS, checkPortFree } from '../probe/bind.js';
import { probeConnect, resolveHost, CONNECT_TIMEOUT_MS, type ResolvedAddress } from '../probe/connect.js';
import { probeHttp, HTTP_TIMEOUT_MS } from '../probe/http.js';
import { explainNotReady, type Diagnosis } from './wait-diagnosis.js';

/** How long waitFor() waits by default, in milliseconds. */
export const WAIT_TIMEOUT_MS = 60_000;
/** First polling interval, in milliseconds. */
export const WAIT_FIRST_INTERVAL_MS = 10;
/** Default cap on the polling interval, in milliseconds. */
export const WAIT_MAX_INTERVAL_MS = 250;
/** The interval doubles every this many milliseconds of waiting. */
export const WAIT_DOUBLING_MS = 2000;

/** An inclusive range of HTTP statuses. */
export interface StatusRange {
  from: number;
  to: number;
}

/** HTTP statuses accepted by default: 2xx and 3xx (redirects are not followed). */
export const DEFAULT_STATUSES: readonly StatusRange[] = [{ from: 200, to: 399 }];

/** What waitFor() waits for. */
export type WaitMode = 'connect' | 'http' | 'free';

/** A target as waitFor() understood it. */
export interface WaitTarget {
  /** What was asked for, as typed. */
  input: string;
  mode: WaitMode;
  /** The host as typed; `localhost` when only a port was given. */
  host: string;
  port: number;
  /** The URL requested in `http` mode, else null. */
  url: string | null;
  /**
   * The addresses polled (connect, http) or bound (free). Empty while the
   * host name does not resolve: waitFor() then looks it up until it does.
   */
  addresses: ResolvedAddress[];
  /** Accepted HTTP statuses in `http` mode, else null. */
  statuses: StatusRange[] | null;
}

/** One attempt on one address, reduced to what progress and diagnosis need. */
export interface WaitAttempt {
  /** The IP address tried (connect, http) or bound (free); the host name while it does not resolve. */
  address: string;
  /** Null while the host name does not resolve. */
  family: 4 | 6 | null;
  ok: boolean;
  /**
   * Why it was not ready: a connect failure (`refused`, `timeout`, `self-connect` …),
   * an HTTP one (`protocol`, `tls`), `status` (an HTTP answer whose status is not
   * accepted), a bind failure (`in-use`, `permission` …) or `unresolved` (the
   * host name did not resolve; `code` says how: ENOTFOUND, EAI_AGAIN); null when ok.
   */
  reason: string | null;
  /** The errno or parser code behind `reason`, if any. */
  code: string | null;
  /** HTTP status, when a response arrived. */
  status: number | null;
  /** How long the attempt took, in milliseconds. */
  ms: number;
  /** When it ended, in milliseconds since the wait started. */
  atMs: number;
}

/** Reported after every attempt. */
export interface WaitProgress {
  target: WaitTarget;
  /** Milliseconds since the wait started. */
  elapsedMs: number;
  /** Attempts so far, over all addresses. */
  attempts: number;
  /** The attempt that just ended. */
  attempt: WaitAttempt;
}

/** Options for {@link waitFor}. */
export interface WaitOptions {
  /** How long to wait: a number of seconds or a duration such as "30s", "500ms" (default 60 s). */
  timeout?: number | string;
  /** How long to wait, in milliseconds; wins over `timeout`. */
  timeoutMs?: number;
  /** Wait for an HTTP answer even though the target is a port or host:port (GET http://host:port/). */
  http?: boolean;
  /** Accepted HTTP statuses: ranges, or text such as "200-299,404" (default 200-399). */
  statuses?: readonly StatusRange[] | string;
  /** Cap on the polling interval, in milliseconds (default {@link WAIT_MAX_INTERVAL_MS}). */
  intervalMs?: number;
  /** Bound on each attempt, in milliseconds (default 1 s for a connect, 2 s for HTTP). */
  attemptTimeoutMs?: number;
  /** Wait until the port can be bound again instead of until it answers. */
  free?: boolean;
  /** Stops the wait; waitFor() then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called after every attempt (for progress displays). Must not throw. */
  onAttempt?: (progress: WaitProgress) => void;
}

/** A successful wait. */
export interface WaitResult {
  ready: true;
  mode: WaitMode;
  /** The target as typed. */
  target: string;
  /** Milliseconds from the start of the wait until it was ready. */
  ms: number;
  /** The address that answered (connect, http), or null for `free` (every conflicting address was bindable). */
  address: string | null;
  family: 4 | 6 | null;
  /** Attempts made, over all addresses. */
  attempts: number;
  /** The HTTP status that ended the wait, in `http` mode. */
  status?: number;
}

function usageError(message: string, hint: string, data: Record<string, unknown>): BerthError {
  return new BerthError('E_USAGE', message, { hint, data });
}

/**
 * Parses accepted HTTP statuses: "200", "200-299", "200-299,404".
 * @throws BerthError E_USAGE for anything else, or a status outside 100–599.
 */
export function parseStatuses(input: string): StatusRange[] {
  const ranges: StatusRange[] = [];
  for (const part of input.split(',').map((p) => p.trim())) {
    const match = /^(\d{3})(?:-(\d{3}))?$/.exec(part);
    const from = match ? Number(match[1]) : NaN;
    const to = match ? Number(match[2] ?? match[1]) : NaN;
    if (!match || from < 100 || to > 599 || from > to) {
      throw usageError(`"${input}" is not a valid list of HTTP statuses.`, 'Write statuses like 200, 200-299 or 200-299,404 (each from 100 to 599).', { input });
    }
    ranges.push({ from, to });
  }
  return ranges;
}

/** Formats status ranges back to text: "200-299,404". */
export function formatStatuses(ranges: readonly StatusRange[]): string {
  return ranges.map((r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`)).join(',');
}

/** True when `status` lies in one of `ranges`. */
export function isAcceptedStatus(status: number, ranges: readonly StatusRange[]): boolean {
  return ranges.some((r) => status >= r.from && status <= r.to);
}

/**
 * The polling interval after `elapsedMs` of waiting, in milliseconds: 10 ms,
 * doubling every 2 s, never above `capMs`.
 */
export function pollDelayMs(elapsedMs: number, capMs = WAIT_MAX_INTERVAL_MS): number {
  return Math.min(capMs, WAIT_FIRST_INTERVAL_MS * 2 ** (elapsedMs / WAIT_DOUBLING_MS));
}

/** Resolves the wait's timeout option to milliseconds. */
function timeoutOf(options: WaitOptions): number {
  if (options.timeoutMs !== undefined) return options.timeoutMs;
  if (options.timeout === undefined) return WAIT_TIMEOUT_MS;
  if (typeof options.timeout === 'number') {
    if (!Number.isFinite(options.timeout) || options.timeout < 0) throw usageError(`The timeout ${options.timeout} is not a number of seconds.`, 'Give a timeout such as 30 (seconds) or "30s".', {});
    return options.timeout * 1000;
  }
  return parseDuration(options.timeout);
}

/**
 * Works out what waitFor() will poll: the mode, the URL and the addresses.
 * A host name that does not resolve (yet) leaves `addresses` empty, except
 * in `free` mode, where it is an error: there is nothing to bind.
 * @throws BerthError E_PORT_INVALID / E_TARGET_INVALID for a bad target (or, in free mode, a host that does not resolve), E_USAGE for bad statuses.
 */
export async function planWait(target: string | number | Target, options: Pick<WaitOptions, 'http' | 'statuses' | 'free'> = {}): Promise<WaitTarget> {
  const parsed = typeof target === 'object' ? target : parseTarget(String(target));
  const host = parsed.host ?? 'localhost';
  const httpScheme = parsed.scheme === 'http' || parsed.scheme === 'https';
  const mode: WaitMode = options.free ? 'free' : httpScheme || options.http ? 'http' : 'connect';
  if (mode === 'free') {
    // A bare port (or localhost) must be bindable on every address a server could want.
    const addresses: ResolvedAddress[] =
      parsed.host === null || parsed.host === 'localhost'
        ? CONFLICT_HOSTS.map((a) => ({ address: a, family: a.includes(':') ? 6 : 4 }))
        : await resolveHost(host);
    return { input: parsed.input, mode, host, port: parsed.port, url: null, addresses, statuses: null };
  }
  let url: string | null = null;
  if (mode === 'http') {
    if (httpScheme) {
      url = parsed.input.trim();
    } else if (parsed.scheme !== null) {
      throw usageError(`Cannot wait for HTTP on a ${parsed.scheme}:// target.`, `Give an http:// URL, or drop --http to wait for a TCP connect.`, { input: parsed.input });
    } else {
      url = `http://${formatHostPort(host, parsed.port)}/`;
    }
  }
  const statuses = mode === 'http' ? (typeof options.statuses === 'string' ? parseStatuses(options.statuses) : [...(options.statuses ?? DEFAULT_STATUSES)]) : null;
  return { input: parsed.input, mode, host, port: parsed.port, url, addresses: await resolveHost(host).catch(() => []), statuses };
}

/**
 * Looks `plan.host` up until it resolves, at the polling pace, and fills in
 * `plan.addresses`; false when the deadline (or the signal) came first. Each
 * failed lookup is reported as an `unresolved` attempt.
 */
async function resolveUntil(
  plan: WaitTarget,
  start: number,
  deadline: number,
  capMs: number,
  signal: AbortSignal,
  record: (attempt: Omit<WaitAttempt, 'atMs'>) => void,
): Promise<boolean> {
  for (;;) {
    const before = performance.now();
    try {
      plan.addresses = await resolveHost(plan.host);
      if (plan.addresses.length > 0) return true;
    } catch (error) {
      const code = errnoCode((error as { cause?: unknown }).cause) ?? null;
      record({ address: plan.host, family: null, ok: false, reason: 'unresolved', code, status: null, ms: performance.now() - before });
    }
    const pause = Math.min(pollDelayMs(performance.now() - start, capMs), deadline - performance.now());
    if (pause <= 0 || signal.aborted) return false;
    try {
      await sleep(pause, undefined, { signal });
    } catch {
      return false;
    }
  }
}

/** One attempt on one address. */
async function attemptOnce(plan: WaitTarget, address: ResolvedAddress, timeoutMs: number, signal: AbortSignal): Promise<Omit<WaitAttempt, 'atMs'>> {
  const base = { address: address.address, family: address.family };
  if (plan.mode === 'http') {
    const r = await probeHttp(plan.url!, { address: address.address, timeoutMs, signal });
    if (!r.ok) return { ...base, ok: false, reason: r.reason, code: r.code, status: null, ms: r.ms };
    const accepted = isAcceptedStatus(r.status, plan.statuses ?? DEFAULT_STATUSES);
    return { ...base, ok: accepted, reason: accepted ? null : 'status', code: null, status: r.status, ms: r.ms };
  }
  const r = await probeConnect(address.address, plan.port, { timeoutMs, signal });
  return r.ok ? { ...base, ok: true, reason: null, code: null, status: null, ms: r.ms } : { ...base, ok: false, reason: r.reason, code: r.code, status: null, ms: r.ms };
}

/** One bind round over every conflicting address (free mode). */
async function bindOnce(plan: WaitTarget): Promise<Omit<WaitAttempt, 'atMs'>> {
  const start = performance.now();
  const check = await checkPortFree(plan.port, { hosts: plan.addresses.map((a) => a.address) });
  const ms = performance.now() - start;
  const blocking = check.results.find((r) => !r.result.ok && (r.result.reason === 'in-use' || r.result.reason === 'permission'));
  const host = blocking?.host ?? plan.addresses[0]!.address;
  const family = host.includes(':') ? 6 : 4;
  if (check.free || !blocking || blocking.result.ok) return { address: host, family, ok: true, reason: null, code: null, status: null, ms };
  return { address: host, family, ok: false, reason: blocking.result.reason, code: blocking.result.code, status: null, ms };
}

/**
 * Waits until `target` is ready: a TCP connect succeeds on any address it
 * stands for, or (for http/https URLs and with `http: true`) a GET answers
 * with an accepted status. With `free: true`, waits until the port can be
 * bound on every conflicting address instead.
 *
 * Self-connects (a connect to an unused loopback port in the ephemeral range
 * that the kernel answers with the connecting socket itself) never count as
 * ready. HTTP requests never go through a proxy, and accept self-signed
 * certificates on loopback.
 * @param target a port (3000 = localhost:3000, both ::1 and 127.0.0.1), host:port, [v6]:port or URL.
 * @returns how long it took, the address that answered and the number of attempts.
 * @throws BerthError E_TIMEOUT when the time runs out; its `data.diagnosis` says why the
 *   target was not ready and how to fix it, `data.last` holds the last attempt per address.
 *   E_PORT_INVALID / E_TARGET_INVALID / E_DURATION_INVALID / E_USAGE for bad input.
 *   Rejects with the signal's reason when `options.signal` aborts.
 */
export async function waitFor(target: string | number | Target, options: WaitOptions = {}): Promise<WaitResult> {
  const timeoutMs = timeoutOf(options);
  const capMs = options.intervalMs ?? WAIT_MAX_INTERVAL_MS;
  if (!(capMs > 0)) throw usageError(`The polling interval must be above 0 ms.`, 'Example: an interval of 100 (ms).', { intervalMs: capMs });
  const { signal } = options;
  signal?.throwIfAborted();
  const plan = await planWait(target, options);
  const attemptTimeoutMs = options.attemptTimeoutMs ?? (plan.mode === 'http' ? HTTP_TIMEOUT_MS : CONNECT_TIMEOUT_MS);
  signal?.throwIfAborted();

  const start = performance.now();
  const deadline = start + timeoutMs;
  const inner = new AbortController();
  const last = new Map<string, WaitAttempt>();
  let attempts = 0;
  let winner = undefined as WaitAttempt | undefined; // set by a poller (a closure TS does not follow)

  const record = (attempt: Omit<WaitAttempt, 'atMs'>, cutShort: boolean): WaitAttempt => {
    const full = { ...attempt, atMs: performance.now() - start };
    attempts += 1;
    // An attempt cut short by the deadline says less than the one before it: keep that one.
    if (!(cutShort && full.reason === 'timeout' && last.has(full.address))) last.set(full.address, full);
    options.onAttempt?.({ target: plan, elapsedMs: full.atMs, attempts, attempt: full });
    return full;
  };

  // One poller per address (free mode: one poller binding them all), until one is ready. Each
  // attempt is bounded by the time left, so the pollers end by themselves at the deadline;
  // the first attempt is always made, so that a timeout of 0 means "is it ready now?".
  const poll = async (address: ResolvedAddress | null): Promise<void> => {
    try {
      for (let first = true; !inner.signal.aborted; first = false) {
        const remaining = deadline - performance.now();
        if (remaining <= 0 && !first) return;
        const boundMs = remaining <= 0 ? attemptTimeoutMs : Math.max(1, Math.min(attemptTimeoutMs, remaining));
        const raw = address === null ? await bindOnce(plan) : await attemptOnce(plan, address, boundMs, inner.signal);
        if (inner.signal.aborted) return;
        const attempt = record(raw, boundMs < attemptTimeoutMs);
        if (attempt.ok) {
          winner = attempt;
          inner.abort();
          return;
        }
        const pause = Math.min(pollDelayMs(performance.now() - start, capMs), deadline - performance.now());
        if (pause > 0) await sleep(pause, undefined, { signal: inner.signal });
      }
    } catch (error) {
      // Aborted sleeps and probes reject: that is how a poller learns that the wait is over.
      if (inner.signal.aborted) return;
      inner.abort();
      throw error;
    }
  };

  const onAbort = (): void => inner.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (plan.addresses.length === 0 && (await resolveUntil(plan, start, deadline, capMs, inner.signal, (a) => record(a, false)))) {
      last.clear(); // it resolves now: what counts is how its addresses answer
    }
    const pollers = plan.mode === 'free' ? [poll(null)] : plan.addresses.map((a) => poll(a));
    const failed = (await Promise.allSettled(pollers)).find((p): p is PromiseRejectedResult => p.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    inner.abort();
  }

  if (winner) {
    return {
      ready: true,
      mode: plan.mode,
      target: plan.input,
      ms: winner.atMs,
      address: plan.mode === 'free' ? null : winner.address,
      family: plan.mode === 'free' ? null : winner.family,
      attempts,
      ...(winner.status === null ? {} : { status: winner.status }),
    };
  }
  if (signal?.aborted) throw signal.reason;
  const lastAttempts = [...last.values()];
  const diagnosis: Diagnosis = await explainNotReady(plan, lastAttempts);
  throw new BerthError('E_TIMEOUT', `${describeGoal(plan)} after ${formatSeconds(timeoutMs)}: ${diagnosis.reason}`, {
    hint: diagnosis.fix,
    data: { target: plan.input, mode: plan.mode, url: plan.url, timeoutMs, attempts, last: lastAttempts, diagnosis },
  });
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${Number((ms / 1000).toFixed(1))}s`;
}

function describeGoal(plan: WaitTarget): string {
  if (plan.mode === 'free') return `Port ${plan.port} was still not free`;
  if (plan.mode === 'http') return `${plan.url} was not ready`;
  return `${formatHostPort(plan.host, plan.port)} was not ready`;
}

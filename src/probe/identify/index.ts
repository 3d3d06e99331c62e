/**
 * What speaks on a port, by safe read-only probes.
 *
 * One connection first: if the server talks first (SSH, SMTP, MySQL, an
 * HTTP/2 server's SETTINGS), its banner decides, and nothing is ever sent.
 * Otherwise client-first probes follow, each on a fresh connection, stopping
 * at the first that decides. Their order is chosen so that every probe a
 * server does not speak fails fast (the server answers or closes) instead of
 * waiting out a timeout:
 *
 *   HTTP GET /   - HTTP, Node inspector (then /json/version), MongoDB (answers HTTP with a fixed text)
 *   Redis PING   - 19 bytes with line ends: JDWP, MongoDB and PostgreSQL reject them at once
 *   MongoDB      - OP_MSG isMaster
 *   TLS          - after Redis, which would wait for a line end in a ClientHello
 *   h2c preface  - HTTP/2 servers that do not talk first
 *   JDWP         - after Redis and MongoDB, which would wait for more bytes
 *   PostgreSQL   - SSLRequest, last: 8 bytes that Redis, JDWP and h2c would wait on
 *
 * JDWP is the exception to "harmless": attaching and detaching lets a JVM
 * that waits for its debugger (suspend=y) run. For a port on this machine the
 * holder's JVM options are read first and such a JVM is not attached to
 * (jdwp-guard.ts); for a remote port that cannot be checked.
 *
 * A hint (the caller's, a URL scheme's, or the port's usual service) moves
 * its probe to the front and skips the banner wait, so that the common case
 * is one round trip.
 */
import type { Socket } from 'node:net';
import { BerthError } from '../../errors.js';
import { formatHostPort, parseTarget } from '../../ports/parse.js';
import { resolveHost } from '../connect.js';
import { recogniseBytes, unknownBytesVerdict } from './banner.js';
import { describeHttp2, http2Facts, requestHttp2 } from './h2c.js';
import { hintFromPort, hintFromScheme } from './hints.js';
import { jdwpWaitingVerdict } from './jdwp-guard.js';
import { hostHeader } from './http.js';
import { RAW_PROBES, decideReply, isRecognised, type RawProbeName } from './probes.js';
import { probeTls, type TlsFacts } from './tls.js';
import { PROTOCOL_IDS, type ProtocolId, type Verdict } from './verdict.js';
import { connectTcp, exchange, type ConnectResult } from './wire.js';

export type { ProtocolId } from './verdict.js';
export type { TlsFacts } from './tls.js';
export { PROTOCOL_IDS } from './verdict.js';

/** Default bound on one whole identification. */
export const IDENTIFY_TIMEOUT_MS = 3000;
/** How long to wait for a server-first banner on a fast (loopback) connection. */
export const BANNER_WAIT_MS = 250;
/** How long a client-first probe waits for its answer on a fast connection. */
export const PROBE_REPLY_MS = 750;
/** Bound on the first connection attempt. */
export const CONNECT_TIMEOUT_MS = 2000;

/** Names of the steps identification can take. */
export type ProbeName = 'banner' | 'tls' | RawProbeName | 'h2';

/** One step taken, for --json and for understanding a verdict. */
export interface ProbeStep {
  probe: ProbeName;
  /** decided · weak · silent · closed · reset · timeout · refused · not-tls · alert · unrecognised · aborted */
  outcome: string;
  ms: number;
}

/** What speaks on a port. */
export interface Identification {
  protocol: ProtocolId;
  /** One-line human summary, e.g. "HTTP/1.1 200 OK · Server: nginx/1.25" or "PostgreSQL (SSL: no)". */
  summary: string;
  /** Protocol-specific facts: http {status, server, ...}, tls {version, subject, issuer, alpn, selfSigned}, ssh {banner}, redis {version?, authRequired}, ... */
  details: Record<string, unknown>;
  /** The address actually probed and how long identification took. */
  address: string;
  port: number;
  ms: number;
  /** The protocol tried first (caller's hint, URL scheme or the port's usual service), or null. */
  hint: ProtocolId | null;
  /** The TLS handshake's facts when the port spoke TLS (https, tls, or a protocol inside TLS); else null. */
  tls: TlsFacts | null;
  /** The probes run, in order. */
  probes: ProbeStep[];
}

/** Options for {@link identifyPort}. */
export interface IdentifyOptions {
  /** Bound on the whole identification, in ms (default {@link IDENTIFY_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Aborts identification; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** The protocol to try first (default: from the URL scheme, else from the port number). */
  hint?: ProtocolId;
}

const DEFAULT_ORDER: readonly (RawProbeName | 'tls')[] = ['http', 'redis', 'mongodb', 'tls', 'h2c', 'jdwp', 'postgres'];

const FIRST_PROBE: Partial<Record<ProtocolId, RawProbeName | 'tls'>> = {
  http: 'http',
  https: 'tls',
  tls: 'tls',
  h2c: 'h2c',
  postgres: 'postgres',
  redis: 'redis',
  mongodb: 'mongodb',
  jdwp: 'jdwp',
  'node-inspector': 'devtools',
  'chrome-devtools': 'devtools',
};

/** The plan for a hint: its probe first and no banner wait, or the banner wait then the default order. */
export function planProbes(hint: ProtocolId | null): Array<RawProbeName | 'tls' | 'banner'> {
  const first = hint === null ? undefined : FIRST_PROBE[hint];
  if (first === undefined) return ['banner', ...DEFAULT_ORDER];
  return [first, ...DEFAULT_ORDER.filter((p) => p !== first)];
}

/** The addresses to try for a host: loopback for a bare port, `localhost` or a wildcard; resolved names otherwise (Node's order). */
async function candidateAddresses(host: string | null): Promise<string[]> {
  if (host === null) return ['127.0.0.1', '::1'];
  if (host === '0.0.0.0') return ['127.0.0.1'];
  if (host === '::') return ['::1'];
  return (await resolveHost(host)).map((a) => a.address);
}

const REFUSAL_WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused: nothing listens there',
  ETIMEDOUT: 'no answer to the connection (dropped by a firewall, or the host is away)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available on this machine',
  EAFNOSUPPORT: 'address family not supported here',
};

function stripVerdict(verdict: Verdict): Pick<Identification, 'protocol' | 'summary' | 'details'> {
  return { protocol: verdict.protocol, summary: verdict.summary, details: verdict.details };
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The identification was aborted.', 'AbortError');
}

/**
 * Identifies what speaks on a TCP port by safe, read-only probes: HTTP,
 * HTTPS/TLS, h2c, SSH, PostgreSQL, MySQL/MariaDB, Redis, MongoDB, the Node
 * inspector, Chrome DevTools, JDWP and SMTP.
 *
 * A port that does not accept connections is a value (`protocol: 'no-answer'`,
 * the connect error in `details`), not an exception; so is a port that
 * answers in no protocol berth knows (`'unknown'`).
 *
 * @param target `3000`, `127.0.0.1:3000`, `[::1]:3000`, `localhost:3000`, a URL
 *   (`postgres://db:5432/app`: the scheme becomes the hint), or `{ host, port }`.
 *   A bare port is tried on 127.0.0.1, then ::1.
 * @throws BerthError E_PORT_INVALID / E_TARGET_INVALID for a bad target or an
 *   unresolvable name; the signal's reason when aborted.
 */
export async function identifyPort(
  target: string | { host: string; port: number },
  options: IdentifyOptions = {},
): Promise<Identification> {
  const started = performance.now();
  const parsed = typeof target === 'string' ? parseTarget(target) : parseTarget(formatHostPort(target.host, target.port));
  const port = parsed.port;
  if (options.hint !== undefined && !PROTOCOL_IDS.includes(options.hint)) {
    throw new BerthError('E_USAGE', `"${String(options.hint)}" is not a protocol berth can identify.`, {
      hint: `Use one of: ${PROTOCOL_IDS.join(', ')}.`,
    });
  }
  const hint = options.hint ?? hintFromScheme(parsed.scheme) ?? hintFromPort(port);
  const { signal } = options;
  const deadline = started + Math.max(1, options.timeoutMs ?? IDENTIFY_TIMEOUT_MS);
  const remaining = (): number => Math.max(0, deadline - performance.now());
  const steps: ProbeStep[] = [];
  const elapsed = (): number => Math.round(performance.now() - started);
  const finish = (verdict: Pick<Identification, 'protocol' | 'summary' | 'details'>, address: string, tls: TlsFacts | null): Identification => ({
    ...verdict,
    address,
    port,
    ms: elapsed(),
    hint,
    tls,
    probes: steps,
  });
  const checkAbort = (): void => {
    if (signal?.aborted) throw abortReason(signal);
  };

  // The first connection picks the address that accepts.
  const candidates = await candidateAddresses(parsed.host);
  checkAbort();
  let first: Extract<ConnectResult, { ok: true }> | null = null;
  let address = candidates[0]!;
  const failures: Array<{ address: string; error: string; message: string }> = [];
  for (const candidate of candidates) {
    const attempt = await connectTcp(candidate, port, Math.min(CONNECT_TIMEOUT_MS, remaining()), signal);
    checkAbort();
    if (attempt.ok) {
      first = attempt;
      address = candidate;
      break;
    }
    failures.push({ address: candidate, error: attempt.code, message: attempt.message });
    if (remaining() === 0) break;
  }
  if (first === null) {
    const main = failures.find((f) => f.error === 'ECONNREFUSED') ?? failures[0];
    const error = main?.error ?? 'ETIMEDOUT';
    return finish(
      {
        protocol: 'no-answer',
        summary: `nothing answers on ${formatHostPort(main?.address ?? address, port)}: ${REFUSAL_WORDS[error] ?? main?.message ?? error}`,
        details: { error, message: main?.message ?? '', tried: failures },
      },
      main?.address ?? address,
      null,
    );
  }
  // Scale waits to the connection's round trip: loopback gets the short defaults.
  const rtt = first.ms;
  const bannerWait = Math.min(1000, Math.max(BANNER_WAIT_MS, rtt * 4));
  const replyWait = Math.max(PROBE_REPLY_MS, rtt * 6);

  let pending: Socket | null = first.socket;
  const openSocket = async (): Promise<Socket | null> => {
    if (pending) {
      const socket = pending;
      pending = null;
      return socket;
    }
    const attempt = await connectTcp(address, port, Math.min(CONNECT_TIMEOUT_MS, remaining()), signal);
    return attempt.ok ? attempt.socket : null;
  };

  const plan = planProbes(hint);
  const weakVerdicts: Verdict[] = [];
  let anyBytes = false;
  let refusedLater = false;
  let tlsFacts: TlsFacts | null = null;

  const runStep = async (name: RawProbeName | 'tls' | 'banner', index: number): Promise<Verdict | null> => {
    const stepStart = performance.now();
    const record = (outcome: string): void => void steps.push({ probe: name, outcome, ms: Math.round(performance.now() - stepStart) });
    const socket = await openSocket();
    if (socket === null) {
      refusedLater = true;
      record('refused');
      return null;
    }
    const hinted = index === 0 && name !== 'banner';
    const wait = Math.min(remaining(), name === 'banner' ? bannerWait : hinted ? Math.max(replyWait, remaining() / 2) : replyWait);
    if (name === 'tls') {
      const result = await probeTls(socket, { host: parsed.host ?? address, port, timeoutMs: wait, ...(signal ? { signal } : {}) });
      if (result.facts) tlsFacts = result.facts;
      record(result.verdict?.strength === 'weak' ? 'weak' : result.outcome);
      return result.verdict;
    }
    if (name === 'banner') {
      const read = await exchange(socket, null, {
        timeoutMs: wait,
        isComplete: (data) => {
          const known = recogniseBytes(data, 'banner');
          return known !== null && known !== 'more';
        },
        ...(signal ? { signal } : {}),
      });
      if (read.data.length === 0) {
        record(read.end === 'timeout' ? 'silent' : read.end);
        return null;
      }
      anyBytes = true;
      const known = recogniseBytes(read.data, 'banner');
      const verdict = known !== null && known !== 'more' ? known : unknownBytesVerdict(read.data, 'banner');
      record('decided');
      return verdict;
    }
    if (name === 'jdwp') {
      const waiting = await jdwpWaitingVerdict(address, port);
      if (waiting) {
        socket.destroy();
        record('decided');
        return waiting;
      }
    }
    const probe = RAW_PROBES[name];
    const read = await exchange(socket, probe.payload(parsed.host ?? address, port), {
      timeoutMs: wait,
      isComplete: (data) => probe.isComplete(data) || isRecognised(data),
      ...(signal ? { signal } : {}),
    });
    if (read.data.length > 0) anyBytes = true;
    const verdict = decideReply(probe, read.data);
    record(verdict === null ? read.end : verdict.strength === 'sure' ? 'decided' : verdict.protocol === 'unknown' ? 'unrecognised' : 'weak');
    return verdict;
  };

  const queue = [...plan];
  let decided: Verdict | null = null;
  for (let index = 0; queue.length > 0 && remaining() > 0 && !refusedLater; index++) {
    const name = queue.shift()!;
    const verdict = await runStep(name, index);
    checkAbort();
    if (verdict === null) continue;
    if (verdict.followUp === 'tls' && queue.includes('tls')) {
      queue.splice(queue.indexOf('tls'), 1);
      queue.unshift('tls');
    }
    if (verdict.strength === 'weak') {
      weakVerdicts.push(verdict);
      continue;
    }
    decided = verdict;
    break;
  }

  if (decided?.followUp === 'devtools' && remaining() > 0) {
    const debuggerVerdict = await runStep('devtools', 1);
    checkAbort();
    if (debuggerVerdict?.strength === 'sure' && debuggerVerdict.protocol !== 'http') decided = debuggerVerdict;
  }
  if (decided?.protocol === 'h2c' && remaining() > 0) decided = await describeH2c(decided);
  checkAbort();
  if (decided) return finish(stripVerdict(decided), address, decided.protocol === 'https' || decided.protocol === 'tls' || 'tls' in decided.details ? tlsFacts : null);

  const fallback = weakVerdicts.find((v) => v.protocol !== 'unknown') ?? weakVerdicts[0];
  if (fallback) return finish(stripVerdict(fallback), address, fallback.protocol === 'tls' ? tlsFacts : null);
  const timedOut = remaining() === 0;
  const summary = refusedLater
    ? 'accepted a connection, then stopped accepting them during identification'
    : anyBytes
      ? 'answers, but in no protocol berth knows'
      : steps.every((s) => s.outcome === 'closed' || s.outcome === 'reset' || s.outcome === 'not-tls')
        ? 'accepts connections, then closes them without answering any probe'
        : `accepts connections, but answered none of berth's probes${timedOut ? ' in time' : ''}`;
  return finish({ protocol: 'unknown', summary, details: { timedOut } }, address, null);

  /** Adds the status line of GET / over h2c. */
  async function describeH2c(verdict: Verdict): Promise<Verdict> {
    const stepStart = performance.now();
    const attempt = await connectTcp(address, port, Math.min(CONNECT_TIMEOUT_MS, remaining()), signal);
    if (!attempt.ok) return verdict;
    const answer = await requestHttp2(`http://${hostHeader(parsed.host ?? address, port)}`, attempt.socket, Math.min(remaining(), replyWait), signal);
    steps.push({ probe: 'h2', outcome: answer ? 'decided' : 'timeout', ms: Math.round(performance.now() - stepStart) });
    if (!answer) return verdict;
    return { ...verdict, summary: `${verdict.summary} · ${describeHttp2(answer)}`, details: { ...verdict.details, ...http2Facts(answer) } };
  }
}

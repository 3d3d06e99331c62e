/**
 * Gathers the facts doctor's rules read: the inventory of the port, bounded
 * connects to every address a client would try (and to both loopbacks), the
 * holder's state, kernel counters, the loopback interface, firewall rules,
 * proxy variables, sysctls and other network namespaces. Independent facts
 * are read in parallel; every probe is bounded; a probe still pending once
 * another fact has decided the case is aborted instead of waited out.
 */
import { lastHolder } from '../../watch/history.js';
import { getDefaultResultOrder } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { performance } from 'node:perf_hooks';
import { isBerthError } from '../../errors.js';
import { listSockets } from '../../inventory/index.js';
import type { Family, Socket } from '../../model.js';
import { acceptsAddress, isLoopback, unmapIPv4 } from '../../ports/address.js';
import { portFacts } from '../../ports/facts.js';
import type { Target } from '../../ports/parse.js';
import { hintFromPort } from '../../probe/identify/hints.js';
import { isLocalhostName, orderLikeNetConnect, probeConnect, resolveHost } from '../../probe/connect.js';
import type { AddressFact, DoctorFacts, ExpectedProtocol, FirewallFacts, IdentifyFact, LastHolderFact, ListenerFact, ProbeFact, TargetFacts } from '../types.js';
import { readFirewall } from './firewall.js';
import { readAcceptQueueLimits, readListenBacklogs, readLoopbackState, readSysctls, readTcpCounters, ssKey } from './kernel.js';
import { findForeignListeners, readNetns } from './namespaces.js';
import { scanNearbyListeners } from './nearby-scan.js';
import { proxyFacts } from './proxy.js';

/** What identification returns, as doctor uses it (see src/probe/identify). */
export interface IdentifyAnswer {
  protocol: string;
  summary: string;
  address: string;
  ms: number;
  /** True when no probe got a single byte back (the port accepts, then stays silent). */
  silent: boolean;
}

/** Identifies the protocol spoken on `host:port`; doctor passes src/probe/identify's identifyPort. */
export type IdentifyFn = (target: { host: string; port: number }, options: { timeoutMs: number; signal: AbortSignal; hint: string }) => Promise<IdentifyAnswer>;

/** Options for {@link gatherFacts}. */
export interface GatherOptions {
  /** Bound on each connect and on identification, in milliseconds. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Environment whose proxy variables apply (the user's). */
  env: Readonly<Record<string, string | undefined>>;
  /** The folder standing for the user's project, for "did you mean". */
  cwd: string;
  identify: IdentifyFn;
}

/** A connect still pending after this long is slow enough to read the firewall for. */
const FIREWALL_AFTER_MS = 50;

/** The protocol a URL scheme expects on its port. */
export function expectedProtocolOf(scheme: string | null): ExpectedProtocol | null {
  switch (scheme) {
    case 'http':
    case 'ws':
      return 'http';
    case 'https':
    case 'wss':
      return 'https';
    case 'postgres':
    case 'postgresql':
      return 'postgres';
    case 'mysql':
    case 'mariadb':
      return 'mysql';
    case 'redis':
      return 'redis';
    case 'rediss':
      return 'tls';
    case 'mongodb':
      return 'mongodb';
    case 'ssh':
      return 'ssh';
    default:
      return null;
  }
}

function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const entry of list ?? []) out.add(entry.address.replace(/%.*$/, ''));
  return out;
}

/** True when `address` belongs to this machine (loopback, or an interface's address). */
function isLocalAddress(address: string, own: ReadonlySet<string>): boolean {
  const plain = unmapIPv4(address) ?? address;
  return isLoopback(plain) || own.has(plain) || plain === '0.0.0.0' || plain === '::';
}

function describeTarget(target: Target, clientAddresses: readonly AddressFact[], own: ReadonlySet<string>): TargetFacts {
  const host = target.host ?? 'localhost';
  const kind: TargetFacts['hostKind'] = isLocalhostName(host) ? 'localhost' : isIP(host) !== 0 ? (isLoopback(host) ? 'loopback' : 'ip') : 'name';
  return {
    input: target.input,
    host,
    barePort: target.host === null,
    port: target.port,
    scheme: target.scheme,
    expected: expectedProtocolOf(target.scheme),
    hostKind: kind,
    local: clientAddresses.length > 0 && clientAddresses.every((a) => isLocalAddress(a.address, own)),
  };
}

/** What the system resolver says, in its order (getaddrinfo, as Node's dns.lookup with `verbatim`). */
async function resolverOrder(host: string): Promise<AddressFact[] | null> {
  if (isIP(host) !== 0) return null;
  try {
    const found = await lookup(host, { all: true, verbatim: getDefaultResultOrder() !== 'ipv4first' });
    return found.filter((a) => a.family === 4 || a.family === 6).map((a) => ({ address: a.address, family: a.family as Family }));
  } catch {
    return [];
  }
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: string }).code === 'ABORT_ERR');
}

/** Gathers every fact about `target`. Never throws for network outcomes. */
export async function gatherFacts(target: Target, options: GatherOptions): Promise<DoctorFacts> {
  const { timeoutMs } = options;
  const host = target.host ?? 'localhost';
  const gaps: string[] = [];
  const own = localAddresses();

  // Pending probes and identification are aborted once the case is decided, or by the caller.
  const pending = new AbortController();
  const onOuterAbort = (): void => pending.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });

  const inventoryP = listSockets({ ports: target.port, states: 'all', matchRemote: true }).catch((error: unknown) => {
    gaps.push(`inventory: ${error instanceof Error ? error.message : String(error)}`);
    return [] as Socket[];
  });
  const countersBeforeP = readTcpCounters();
  const loopbackP = readLoopbackState();
  const sysctlsP = readSysctls();
  const backlogsP = readListenBacklogs(target.port);
  const netnsP = readNetns('self');
  const resolverP = resolverOrder(host);

  // A client connects to what getaddrinfo answers, in Node's order. resolveHost() deliberately
  // answers both loopbacks for localhost (right for waiting on a server); doctor must see what
  // Node would really try, so names go through the system resolver here.
  let resolveError: string | null = null;
  let clientAddresses: AddressFact[] = [];
  const resolved = await resolverP;
  if (resolved !== null && resolved.length > 0) {
    clientAddresses = orderLikeNetConnect(resolved);
  } else {
    try {
      clientAddresses = (await resolveHost(host)).map((a) => ({ address: a.address, family: a.family }));
    } catch (error) {
      if (!isBerthError(error)) throw error;
      resolveError = error.message;
      gaps.push(`resolve: ${error.message}`);
    }
  }
  const targetFacts = describeTarget(target, clientAddresses, own);
  // With lo down, a local connect can only fail: no need to wait for it.
  void loopbackP.then((lo) => lo !== null && !lo.up && targetFacts.local && pending.abort());

  // Probes: every client address in Node's order, plus both loopbacks for a local target.
  const probeList: Array<AddressFact & { client: boolean }> = clientAddresses.map((a) => ({ ...a, client: true }));
  if (targetFacts.local || resolveError !== null) {
    for (const loop of [{ address: '127.0.0.1', family: 4 as Family }, { address: '::1', family: 6 as Family }]) {
      if (!probeList.some((p) => p.address === loop.address)) probeList.push({ ...loop, client: false });
    }
  }
  const started = performance.now();
  const probePromises = probeList.map(async (p): Promise<ProbeFact> => {
    try {
      const r = await probeConnect(p.address, target.port, { timeoutMs, signal: pending.signal });
      return r.ok
        ? { address: p.address, family: p.family, client: p.client, outcome: 'ok', code: null, ms: r.ms }
        : { address: p.address, family: p.family, client: p.client, outcome: r.reason, code: r.code, ms: r.ms };
    } catch (error) {
      if (!isAbort(error) && !pending.signal.aborted) throw error;
      return { address: p.address, family: p.family, client: p.client, outcome: 'aborted', code: null, ms: performance.now() - started };
    }
  });

  // The firewall is read only when some connect fails or is slow: on a healthy target it costs nothing.
  let firewallP: Promise<FirewallFacts> | null = null;
  const localProbeAddresses = probeList.filter((p) => isLocalAddress(p.address, own)).map(({ address, family }) => ({ address, family }));
  const readFirewallOnce = (): void => {
    firewallP ??= readFirewall(localProbeAddresses, target.port, timeoutMs);
  };
  let unsettled = probePromises.length;
  for (const p of probePromises) void p.then(() => unsettled--);
  const slowTimer = setTimeout(() => unsettled > 0 && readFirewallOnce(), FIREWALL_AFTER_MS);
  // A client address that fails, or any address that hangs, may be the firewall's doing.
  for (const p of probePromises) void p.then((r) => ((r.client && r.outcome !== 'ok' && r.outcome !== 'aborted') || r.outcome === 'timeout') && readFirewallOnce());

  // Identification of the first client address that answers, in the order a client tries them.
  const identifyP = (async (): Promise<IdentifyFact | null> => {
    for (let i = 0; i < probeList.length; i++) {
      if (!probeList[i]!.client) continue;
      const r = await probePromises[i]!;
      if (r.outcome !== 'ok') continue;
      try {
        const answer = await options.identify(
          { host: r.address, port: target.port },
          // Without a scheme, the port's usual protocol or else HTTP goes first: one round trip in the
          // common case, and a server that talks first (SSH, MySQL, SMTP) still identifies itself.
          { timeoutMs, signal: pending.signal, hint: targetFacts.expected ?? hintFromPort(target.port) ?? 'http' },
        );
        const aborted = pending.signal.aborted && (answer.protocol === 'no-answer' || answer.protocol === 'unknown');
        return { protocol: answer.protocol, summary: answer.summary, address: r.address, ms: answer.ms, aborted, silent: answer.silent && !aborted };
      } catch (error) {
        if (!isAbort(error) && !pending.signal.aborted) throw error;
        return { protocol: 'no-answer', summary: 'identification stopped: the case was already decided', address: r.address, ms: performance.now() - started, aborted: true, silent: false };
      }
    }
    return null;
  })();

  // Inventory: listeners, their holders and accept queues; it may decide a hang before any timer does.
  const sockets = await inventoryP;
  const backlogs = await backlogsP;
  const ours = await netnsP;
  const tcpListeners = sockets.filter((s) => s.protocol === 'tcp' && s.state === 'LISTEN' && s.localPort === target.port);
  const needLimits = tcpListeners.some((s) => (backlogs.get(s.inode ?? -1) ?? 0) > 0);
  const limits = needLimits ? await readAcceptQueueLimits(target.port, timeoutMs) : new Map<string, { current: number; max: number }>();
  const listeners: ListenerFact[] = await Promise.all(
    tcpListeners.map(async (s): Promise<ListenerFact> => {
      const current = backlogs.get(s.inode ?? -1);
      const limit = limits.get(ssKey(s.localAddress, s.family, s.localPort));
      return {
        address: s.localAddress,
        family: s.family,
        exposure: s.exposure,
        acceptsClient: clientAddresses.some((a) => acceptsAddress(s.localAddress, s.family, a.address)),
        holders: await Promise.all(
          s.holders.map(async (p) => ({ pid: p.pid, name: p.name, command: p.command, cwd: p.cwd, state: p.state, netns: await readNetns(p.pid) })),
        ),
        holdersHidden: s.holdersHidden,
        user: s.user,
        acceptQueue: current === undefined ? null : { current: limit ? Math.max(limit.current, current) : current, max: limit?.max ?? null },
      };
    }),
  );
  const serving = listeners.filter((l) => l.acceptsClient);
  const stopped = serving.length > 0 && serving.every((l) => l.holders.length > 0 && l.holders.every((h) => h.state === 'T' || h.state === 't'));
  const queueFull = serving.length > 0 && serving.every((l) => l.acceptQueue !== null && l.acceptQueue.max !== null && l.acceptQueue.current > l.acceptQueue.max);
  // A stopped holder never answers and a full queue drops every SYN: nothing left to wait for.
  if (stopped || queueFull) pending.abort();

  let nearbyP: Promise<DoctorFacts['nearby']> = Promise.resolve([]);
  let foreignP: Promise<DoctorFacts['foreignListeners']> = Promise.resolve([]);
  if (tcpListeners.length === 0 && targetFacts.local) {
    nearbyP = scanNearbyListeners(target.port, options.cwd).catch(() => []);
    foreignP = findForeignListeners(target.port, ours).catch(() => []);
  }

  await Promise.all(probePromises.filter((_, i) => probeList[i]!.client));
  const identify = await identifyP;
  // Every client address has its answer: the loopback probes still pending only add detail.
  clearTimeout(slowTimer);
  pending.abort();
  options.signal?.removeEventListener('abort', onOuterAbort);
  const probes = await Promise.all(probePromises);
  const [countersBefore, countersAfter, loopback, sysctls, resolver, nearby, foreignListeners] = await Promise.all([
    countersBeforeP,
    readTcpCounters(),
    loopbackP,
    sysctlsP,
    resolverP,
    nearbyP,
    foreignP,
  ]);
  const firewall: FirewallFacts = firewallP
    ? await firewallP
    : { readable: false, reason: 'not read: every connect answered at once', sources: [], matches: [] };

  const noListener = tcpListeners.length === 0;
  const previous = noListener && targetFacts.local ? readLastHolder(target.port, gaps) : null;
  return {
    target: targetFacts,
    platform: process.platform,
    resolver,
    resolveError,
    clientAddresses,
    probes,
    listeners,
    udp: sockets.filter((s) => s.protocol === 'udp' && s.state === 'UNCONN').map((s) => ({ address: s.localAddress, family: s.family })),
    timeWait: sockets.filter((s) => s.protocol === 'tcp' && s.state === 'TIME_WAIT').length,
    outgoingOnPort: noListener
      ? sockets.filter((s) => s.protocol === 'tcp' && s.localPort === target.port && s.state !== 'LISTEN' && s.state !== 'TIME_WAIT').length
      : 0,
    nearby,
    counters: { before: countersBefore, after: countersAfter },
    loopback,
    firewall,
    proxy: proxyFacts(options.env, host, target.scheme, targetFacts.local),
    sysctls,
    port: portFacts(target.port),
    netns: ours,
    foreignListeners,
    identify,
    lastHolder: previous,
    gaps,
  };
}

/** The port's last holder from the history store; null when none was recorded (or the store cannot be read: a gap). */
function readLastHolder(port: number, gaps: string[]): LastHolderFact | null {
  try {
    const item = lastHolder(port, { protocol: 'tcp' });
    if (item === null || item.ended === 'open') return null;
    return {
      pid: item.pid,
      name: item.processName,
      command: item.command,
      cwd: item.cwd,
      until: item.until ?? item.lastSeenAt,
      closed: item.ended === 'closed',
      durationMs: item.durationMs,
    };
  } catch (error) {
    gaps.push(`port history: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

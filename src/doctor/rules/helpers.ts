/**
 * Small pure helpers the rules share: reading facts and wording evidence.
 */
import { isIP } from 'node:net';
import type { DoctorFacts, HolderFact, ListenerFact, ProbeFact } from '../types.js';

/** `127.0.0.1:3000`, `[::1]:3000`. */
export function hostPort(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

/** "IPv4" / "IPv6". */
export function familyName(family: 4 | 6): string {
  return family === 4 ? 'IPv4' : 'IPv6';
}

/** The probes of the addresses a client tries, in its order. */
export function clientProbes(facts: DoctorFacts): ProbeFact[] {
  return facts.clientAddresses
    .map((a) => facts.probes.find((p) => p.client && p.address === a.address))
    .filter((p): p is ProbeFact => p !== undefined);
}

/** The first client address that accepted the connect, in the client's order; null when none did. */
export function answeredProbe(facts: DoctorFacts): ProbeFact | null {
  return clientProbes(facts).find((p) => p.outcome === 'ok') ?? null;
}

/** Listeners that accept connections to one of the client's addresses. */
export function servingListeners(facts: DoctorFacts): ListenerFact[] {
  return facts.listeners.filter((l) => l.acceptsClient);
}

/** True for a process stopped by job control (T) or by a tracer (t). */
export function isStopped(holder: HolderFact): boolean {
  return holder.state === 'T' || holder.state === 't';
}

/** `pid 123 (node)`, or `a hidden process` when holders could not be read. */
export function holderNames(listener: ListenerFact): string {
  if (listener.holders.length === 0) return listener.holdersHidden ? `a process of ${listener.user ?? 'another user'} (run with sudo to see it)` : 'an unknown process';
  return listener.holders.map((h) => `pid ${h.pid} (${h.name})`).join(', ');
}

/** "pid 123 (node) listens on [::1]:3000" */
export function listenerLine(listener: ListenerFact, port: number): string {
  return `${holderNames(listener)} listens on ${hostPort(listener.address, port)}${listener.holders[0] ? `: ${listener.holders[0].command}` : ''}`;
}

const OUTCOME_WORDS: Record<ProbeFact['outcome'], string> = {
  ok: 'connected',
  refused: 'refused',
  timeout: 'timed out',
  unreachable: 'unreachable',
  'address-unavailable': 'address not available',
  reset: 'reset',
  'self-connect': 'nobody listening (the socket connected to itself)',
  other: 'failed',
  aborted: 'not waited for (already decided)',
};

/** "connect to 127.0.0.1:3000: refused (ECONNREFUSED) in 0.4 ms" */
export function probeLine(probe: ProbeFact, port: number): string {
  const code = probe.code && probe.outcome !== 'ok' ? ` (${probe.code})` : '';
  const time = probe.outcome === 'aborted' ? '' : ` in ${formatMs(probe.ms)}`;
  return `connect to ${hostPort(probe.address, port)}: ${OUTCOME_WORDS[probe.outcome]}${code}${time}`;
}

/** Milliseconds for people: `0.4 ms`, `12 ms`, `1.5 s`. */
export function formatMs(ms: number): string {
  if (ms < 10) return `${Math.max(0, Math.round(ms * 10) / 10)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${Math.round(ms / 100) / 10} s`;
}

/** The target with another address or port, as the user would type it again. */
export function rewriteTarget(facts: DoctorFacts, change: { address?: string; port?: number }): string {
  const t = facts.target;
  const host = change.address ?? t.host;
  const port = change.port ?? t.port;
  const hostText = isIP(host) === 6 ? `[${host}]` : host;
  if (t.scheme !== null) return `${t.scheme}://${hostText}:${port}/`;
  if (t.barePort && change.address === undefined) return String(port);
  return `${hostText}:${port}`;
}

/** How the client reaches the port, for sentences: "localhost:3000 (127.0.0.1)". */
export function clientDescription(facts: DoctorFacts): string {
  const where = hostPort(facts.target.host, facts.target.port);
  if (facts.target.hostKind !== 'localhost' && facts.target.hostKind !== 'name') return where;
  const list = facts.clientAddresses.map((a) => a.address).join(', then ');
  return list ? `${where} (${list})` : where;
}

/** Addresses the resolver gave, for evidence: "localhost resolves to 127.0.0.1 only". */
export function resolverLine(facts: DoctorFacts): string | null {
  if (facts.resolver === null) return null;
  if (facts.resolver.length === 0) return `${facts.target.host} does not resolve here`;
  const list = facts.resolver.map((a) => a.address);
  return `${facts.target.host} resolves to ${list.join(', ')}${list.length === 1 ? ' only' : ' (in that order)'}`;
}

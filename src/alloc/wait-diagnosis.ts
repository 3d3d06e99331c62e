/**
 * Why a wait timed out, and what to do about it. One function on purpose:
 * it combines the last attempts with the socket inventory (whoIs) today, and
 * can be swapped for the doctor's findings later.
 */
import { isBerthError } from '../errors.js';
import { whoIs } from '../inventory/index.js';
import type { Socket } from '../model.js';
import { acceptsAddress, isLoopback } from '../ports/address.js';
import { isPrivileged, unprivilegedFloor } from '../ports/facts.js';
import { formatHostPort } from '../ports/parse.js';
import { tlsFailureKind } from '../probe/tls-errors.js';
import type { WaitAttempt, WaitTarget } from './wait.js';

/** What kind of reason a {@link Diagnosis} gives. Stable, for scripts. */
export type DiagnosisCode =
  /** Nobody listens on the port, on any address. */
  | 'nobody-listening'
  /** Someone listens on the port, but only on another address or family than the one waited on. */
  | 'other-address'
  /** The listener's process is stopped (SIGSTOP, Ctrl-Z): state T. */
  | 'stopped'
  /** The server answers HTTP, but never with an accepted status. */
  | 'status'
  /** Something listens, but does not answer HTTP. */
  | 'not-http'
  /** The TLS handshake failed (not TLS on that port, or a refused certificate). */
  | 'tls'
  /** Connects time out although someone listens: a full backlog or a firewall. */
  | 'timeout'
  /** The address cannot be reached or used from here. */
  | 'unreachable'
  /** The listener appeared just as the wait ended. */
  | 'late'
  /** `free` mode: a process still holds the port. */
  | 'still-held'
  /** `free` mode: no listener, but the port cannot be bound (connections, privileges). */
  | 'cannot-bind'
  /** The host name never resolved (a typo, or a docker compose service name outside its network). */
  | 'unresolved'
  /** Nothing more specific is known. */
  | 'unknown';

/** A listener found on the waited-for port. */
export interface DiagnosedListener {
  address: string;
  family: 4 | 6;
  port: number;
  /** Holder processes; empty when they cannot be seen. */
  processes: Array<{ pid: number; name: string; state: string | null }>;
  /** True when it accepts connections to one of the addresses waited on. */
  accepts: boolean;
}

/** Why a target was not ready, with the way out. */
export interface Diagnosis {
  code: DiagnosisCode;
  /** What is wrong, one sentence. */
  reason: string;
  /** What to do, ideally a command. */
  fix: string;
  /** The evidence: one short line per fact. */
  facts: string[];
  /** Listeners on the port (TCP), when the inventory could be read; null when it could not. */
  listeners: DiagnosedListener[] | null;
}


/** Why a TLS handshake with port `port` failed, and the way out, from the failed attempt's code (tls-errors.ts). */
function tlsDiagnosis(code: string | null, target: WaitTarget, port: number, holder: string): { reason: string; fix: string } {
  const kind = code === null ? null : tlsFailureKind(code);
  const speaks = `port ${port}${holder} speaks TLS, but`;
  const tcpWait = `berth wait ${formatHostPort(target.host, port)}`;
  switch (kind) {
    case 'untrusted':
      return {
        reason: `${speaks} its certificate is not signed by a CA this machine trusts (${code}).`,
        fix: `Trust the CA that signed it: NODE_EXTRA_CA_CERTS=/path/to/ca.pem berth wait ${target.url ?? target.host} (berth does not check certificates on loopback addresses).`,
      };
    case 'wrong-name':
      return { reason: `${speaks} its certificate is not made for ${target.host} (${code}).`, fix: `Wait on a name the certificate lists, or give the server a certificate for ${target.host}.` };
    case 'expired':
    case 'not-yet-valid':
      return { reason: `${speaks} its certificate is ${kind === 'expired' ? 'expired' : 'not valid yet'} (${code}).`, fix: `Renew the server's certificate (or check this machine's clock: date -u).` };
    case 'certificate':
      return { reason: `${speaks} its certificate is refused (${code}).`, fix: `See the certificate: openssl s_client -connect ${formatHostPort(target.host, port)} -showcerts` };
    case 'client-certificate':
      return { reason: `${speaks} it asks for a client certificate, and berth has none to give (${code}).`, fix: `Wait for a TCP connect instead: ${tcpWait}` };
    case 'handshake':
      return {
        reason: `${speaks} the handshake fails (${code}): no TLS version or cipher in common, or it wants a client certificate.`,
        fix: `Wait for a TCP connect instead (${tcpWait}); see what it speaks: berth identify ${formatHostPort(target.host, port)}`,
      };
    default:
      return {
        reason: `the TLS handshake with port ${port}${holder} fails: it does not speak TLS there.`,
        fix: `Use http:// instead of https://: berth wait ${target.url?.replace(/^https:/, 'http:') ?? port}`,
      };
  }
}

function who(listener: DiagnosedListener): string {
  if (listener.processes.length === 0) return 'a process berth cannot see';
  return listener.processes.map((p) => `pid ${p.pid} (${p.name})`).join(', ');
}

function where(listener: DiagnosedListener): string {
  return formatHostPort(listener.address, listener.port);
}

function describeAttempt(a: WaitAttempt): string {
  const what = a.reason === 'status' ? `HTTP ${a.status}` : `${a.reason}${a.code && a.code !== 'ESELFCONNECT' ? ` (${a.code})` : ''}`;
  return `${a.family === 6 ? `[${a.address}]` : a.address}: ${what}`;
}

async function readListeners(target: WaitTarget): Promise<DiagnosedListener[] | null> {
  try {
    const result = await whoIs({ host: null, port: target.port, scheme: null, input: String(target.port) });
    return result.listeners
      .filter((s: Socket) => s.protocol === 'tcp')
      .map((s) => ({
        address: s.localAddress,
        family: s.family,
        port: s.localPort,
        processes: s.holders.map((p) => ({ pid: p.pid, name: p.name, state: p.state })),
        accepts: target.addresses.some((a) => acceptsAddress(s.localAddress, s.family, a.address)),
      }));
  } catch (error) {
    if (isBerthError(error)) return null; // unsupported platform: explain from the attempts alone
    throw error;
  }
}

/**
 * Explains why `target` was not ready, from the last attempt on each address
 * and the listeners on the port right now.
 * @param last the last attempt per address (may be empty when none was made).
 */
export async function explainNotReady(target: WaitTarget, last: readonly WaitAttempt[]): Promise<Diagnosis> {
  const listeners = await readListeners(target);
  const facts = last.map(describeAttempt);
  const port = target.port;
  const diagnose = (code: DiagnosisCode, reason: string, fix: string): Diagnosis => ({ code, reason, fix, facts, listeners });
  for (const l of listeners ?? []) facts.push(`listening: ${where(l)} held by ${who(l)}${l.accepts ? '' : ' (does not accept the addresses waited on)'}`);

  if (target.mode !== 'free' && target.addresses.length === 0) {
    const code = last.find((a) => a.reason === 'unresolved')?.code;
    const local = listeners?.[0];
    return diagnose(
      'unresolved',
      `the name "${target.host}" does not resolve${code ? ` (${code})` : ''}.`,
      local
        ? `Check the name. Port ${port} listens on this machine (${where(local)}): if that is the service, wait on localhost:${port}.`
        : 'Check the name. A docker compose service name resolves only inside its network: from this machine, wait on localhost and the published port.',
    );
  }

  if (target.mode === 'free') {
    const held = listeners ?? [];
    if (held.length > 0) {
      return diagnose('still-held', `${held.map((l) => `${who(l)} still listens on ${where(l)}`).join('; ')}.`, `Stop it: berth kill ${port}`);
    }
    const blocked = last.find((a) => !a.ok);
    if (blocked?.reason === 'permission') {
      return diagnose('cannot-bind', `binding port ${port} needs privileges here (ports below ${unprivilegedFloor()}).`, `Use a port from ${unprivilegedFloor()} up, or run the server with CAP_NET_BIND_SERVICE.`);
    }
    return diagnose(
      'cannot-bind',
      `nothing listens on port ${port}, but binding ${blocked ? formatHostPort(blocked.address, port) : 'it'} still fails: connections still use the port (outgoing ones, or closed ones in TIME_WAIT held by a socket without SO_REUSEADDR).`,
      `See them: berth who ${port} --connections`,
    );
  }

  const accepting = (listeners ?? []).filter((l) => l.accepts);
  const elsewhere = (listeners ?? []).filter((l) => !l.accepts);
  const waitedOn = target.addresses.map((a) => formatHostPort(a.address, port)).join(' and ');

  const stopped = accepting.flatMap((l) => l.processes.filter((p) => p.state === 'T' || p.state === 't').map((p) => ({ l, p })));
  if (stopped.length > 0) {
    const { l, p } = stopped[0]!;
    return diagnose(
      'stopped',
      `pid ${p.pid} (${p.name}) listens on ${where(l)} but is stopped (state ${p.state}): the kernel queues connections, nobody accepts or answers them.`,
      `Resume it: kill -CONT ${p.pid} (or fg in the shell that started it).`,
    );
  }

  const withStatus = last.filter((a) => a.reason === 'status');
  if (withStatus.length > 0) {
    const statuses = [...new Set(withStatus.map((a) => a.status))];
    const accepted = (target.statuses ?? []).map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(',');
    return diagnose(
      'status',
      `${target.url} answers HTTP ${statuses.join(', ')}, and only ${accepted} counts as ready.`,
      `If HTTP ${statuses[0]} means ready for this service, accept it: --status ${accepted},${statuses[0]}. Otherwise the server's log says why it answers ${statuses[0]}.`,
    );
  }
  const holder = accepting[0] ? ` (${who(accepting[0])})` : '';
  if (last.some((a) => a.reason === 'protocol')) {
    return diagnose('not-http', `something listens on port ${port}${holder} but does not answer HTTP.`, `Wait for a TCP connect instead (berth wait ${formatHostPort(target.host, port)}), or check the port: berth who ${port}`);
  }
  const tls = last.find((a) => a.reason === 'tls');
  if (tls) {
    const { reason, fix } = tlsDiagnosis(tls.code, target, port, holder);
    return diagnose('tls', reason, fix);
  }

  if (accepting.length === 0 && elsewhere.length > 0) {
    const other = elsewhere[0]!;
    const otherTarget = isLoopback(other.address) ? `localhost:${port}` : formatHostPort(other.address, port);
    return diagnose(
      'other-address',
      `nothing listens on ${waitedOn}; ${who(other)} listens on ${elsewhere.map(where).join(', ')} only.`,
      `Wait on ${otherTarget}, or make the server listen on ${target.addresses.map((a) => a.address).join(' / ')} too (or on both families: host "::" accepts IPv4 and IPv6).`,
    );
  }
  if (listeners !== null && listeners.length === 0) {
    const self = last.some((a) => a.reason === 'self-connect') ? ' (a connect that landed on itself was not counted as ready)' : '';
    const privileged = isPrivileged(port) ? ` Port ${port} is privileged here (below ${unprivilegedFloor()}): a server not running as root cannot bind it (EACCES).` : '';
    return diagnose('nobody-listening', `nothing listens on port ${port}${self}.${privileged}`, `Start the server, or check which port it really uses: berth ls`);
  }

  const unreachable = last.find((a) => a.reason === 'unreachable' || a.reason === 'address-unavailable');
  if (unreachable) {
    return diagnose('unreachable', `${unreachable.address} cannot be reached from here (${unreachable.code}).`, `Check the address and the route: ip route get ${unreachable.address}`);
  }
  if (accepting.length > 0 && last.some((a) => a.reason === 'timeout')) {
    return diagnose(
      'timeout',
      `connects to ${waitedOn} time out although ${who(accepting[0]!)} listens: its backlog is full (the process is busy or hung) or a firewall drops the packets.`,
      `See what holds it: berth who ${port}; check the firewall: nft list ruleset`,
    );
  }
  if (accepting.length > 0) {
    return diagnose('late', `${who(accepting[0]!)} listens on ${where(accepting[0]!)} now: it came up just as the wait ended.`, `Give it more time: --timeout with a longer duration.`);
  }
  const reasons = [...new Set(last.map((a) => a.reason).filter((r) => r !== null))];
  if (reasons.length === 1 && (reasons[0] === 'refused' || reasons[0] === 'self-connect')) {
    return diagnose('nobody-listening', `nothing accepts connections on ${waitedOn} (connection refused).`, `Start the server, or check which port it really uses.`);
  }
  return diagnose('unknown', `the last attempts failed: ${facts.slice(0, last.length).join('; ') || 'no attempt finished in time'}.`, `Give it more time (--timeout), or look at the port: berth who ${port}`);
}

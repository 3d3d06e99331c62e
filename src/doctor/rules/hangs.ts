/**
 * Why a connection hangs, told apart three ways:
 * PROCESS_STOPPED: the holder is stopped (state T: Ctrl-Z or SIGSTOP; t: a
 * debugger's breakpoint), so the kernel completes handshakes nobody accepts;
 * ACCEPT_QUEUE_FULL: the listener's accept queue is full (or ListenOverflows
 * rose while probing), so the kernel drops new SYNs;
 * FIREWALL_DROP / FIREWALL_REJECT: a firewall rule drops or rejects the
 * packets (the rule is named).
 */
import type { FirewallRuleFact, Finding, Rule } from '../types.js';
import { clientProbes, holderNames, hostPort, isStopped, probeLine, servingListeners } from './helpers.js';

const STATE_WORDS: Record<string, string> = {
  T: 'T (stopped: Ctrl-Z or SIGSTOP)',
  t: 't (stopped by a debugger: a breakpoint or single-stepping)',
};

/** Fires when every holder of a listener that serves the client is stopped. */
/** One firewall rule as evidence: where it is, what it says, which packets it stops. */
function ruleLine(m: FirewallRuleFact): string {
  return `${m.source} ${m.chain}: ${m.rule}${m.packets.length ? ` — stops the ${m.packets.join(', ')}` : ''}`;
}

export const processStopped: Rule = (facts) => {
  const t = facts.target;
  const findings: Finding[] = [];
  const seen = new Set<number>();
  for (const listener of servingListeners(facts)) {
    if (listener.holders.length === 0 || !listener.holders.every(isStopped)) continue;
    for (const holder of listener.holders) {
      if (seen.has(holder.pid)) continue;
      seen.add(holder.pid);
      const traced = holder.state === 't';
      const evidence = [`pid ${holder.pid} (${holder.name}) is in state ${STATE_WORDS[holder.state ?? ''] ?? holder.state}: ${holder.command}`];
      evidence.push(`it holds ${hostPort(listener.address, t.port)}`);
      if (listener.acceptQueue) evidence.push(`${listener.acceptQueue.current} connection(s) wait in its accept queue${listener.acceptQueue.max !== null ? ` (limit ${listener.acceptQueue.max})` : ''}`);
      for (const p of clientProbes(facts)) {
        evidence.push(p.outcome === 'ok' ? `${probeLine(p, t.port)}: the kernel completes the handshake, but nobody reads the connection` : probeLine(p, t.port));
      }
      if (facts.identify?.aborted) evidence.push('no reply was waited for: a stopped process cannot send one');
      findings.push({
        code: 'PROCESS_STOPPED',
        severity: 'error',
        title: `The server (pid ${holder.pid}) is stopped`,
        message: traced
          ? `pid ${holder.pid} (${holder.name}) holds port ${t.port} but is paused by a debugger, so connections are accepted by the kernel and then hang without an answer.`
          : `pid ${holder.pid} (${holder.name}) holds port ${t.port} but is stopped (suspended with Ctrl-Z or SIGSTOP), so connections are accepted by the kernel and then hang without an answer.`,
        evidence,
        fix: traced
          ? { text: 'Continue the program in the debugger attached to it (it sits at a breakpoint), or detach the debugger.' }
          : { text: 'Resume it: `fg` in the shell that suspended it, or send it SIGCONT.', command: `kill -CONT ${holder.pid}` },
      });
    }
  }
  return findings;
};

/** Fires when a serving listener's accept queue is full, or SYNs were dropped while a connect hung. */
export const acceptQueueFull: Rule = (facts) => {
  const t = facts.target;
  const { before, after } = facts.counters;
  const rising = before !== null && after !== null && after.listenOverflows > before.listenOverflows;
  const hung = clientProbes(facts).some((p) => p.outcome === 'timeout');
  const findings: Finding[] = [];
  for (const listener of servingListeners(facts)) {
    const q = listener.acceptQueue;
    // Full is backlog > limit, not >=: sk_acceptq_is_full() in include/net/sock.h.
    const full = q !== null && q.max !== null && q.current > q.max;
    const likely = !full && rising && hung && (q === null || q.current > 0);
    if (!full && !likely) continue;
    const evidence: string[] = [];
    if (q) evidence.push(`accept queue of ${hostPort(listener.address, t.port)}: ${q.current} waiting${q.max !== null ? `, limit ${q.max}` : ''}`);
    if (before && after) {
      evidence.push(`TcpExt ListenOverflows ${rising ? 'rose' : 'stayed'} from ${before.listenOverflows} to ${after.listenOverflows} while probing (/proc/net/netstat)`);
    }
    if (facts.sysctls.somaxconn !== null) evidence.push(`net.core.somaxconn = ${facts.sysctls.somaxconn}`);
    for (const p of clientProbes(facts)) evidence.push(probeLine(p, t.port));
    const stopped = listener.holders.length > 0 && listener.holders.every(isStopped);
    const who = holderNames(listener);
    findings.push({
      code: 'ACCEPT_QUEUE_FULL',
      severity: 'error',
      title: `Accept queue full on ${hostPort(listener.address, t.port)}`,
      message: `${who} does not accept() connections as fast as they arrive, so its accept queue is full and the kernel drops new SYNs: connects hang until they time out.`,
      evidence,
      fix: stopped
        ? { text: 'The holder is stopped; resume it and the queue drains.', command: `kill -CONT ${listener.holders.map((h) => h.pid).join(' ')}` }
        : {
            text: `Find what keeps ${who} from accepting (a blocked event loop, a deadlock, too few workers); a longer queue only buys time.`,
            command: `sysctl -w net.core.somaxconn=4096`,
            code: `server.listen({ port: ${t.port}, backlog: 4096 })`,
          },
    });
  }
  return findings;
};

/** Fires when a connect hung (or was refused by a REJECT) and a firewall rule matches its packets. */
export const firewallBlocks: Rule = (facts) => {
  const t = facts.target;
  const hung = facts.probes.filter((p) => p.outcome === 'timeout');
  const refusedDespiteListener = facts.probes.filter(
    (p) => (p.outcome === 'refused' || p.outcome === 'unreachable') && facts.listeners.some((l) => l.acceptsClient || l.address === p.address),
  );
  const findings: Finding[] = [];
  const drops = facts.firewall.matches.filter((m) => m.verdict === 'drop');
  const rejects = facts.firewall.matches.filter((m) => m.verdict === 'reject');
  if (hung.length > 0 && drops.length > 0) {
    const rule = drops[0]!;
    findings.push({
      code: 'FIREWALL_DROP',
      severity: 'error',
      title: `Firewall rule drops port ${t.port}`,
      message: `A firewall rule (${rule.source}, ${rule.chain}) drops the packets of connects to port ${t.port}, so they hang until they time out instead of reaching the server.`,
      evidence: [
        ...drops.map(ruleLine),
        ...hung.map((p) => probeLine(p, t.port)),
      ],
      fix: { text: `Delete the rule, or add an accept rule for loopback (or port ${t.port}) before it.`, command: rule.deleteCommand },
    });
  }
  if (refusedDespiteListener.length > 0 && rejects.length > 0) {
    const rule = rejects[0]!;
    findings.push({
      code: 'FIREWALL_REJECT',
      severity: 'error',
      title: `Firewall rule rejects port ${t.port}`,
      message: `A firewall rule (${rule.source}, ${rule.chain}) rejects connects to port ${t.port}, so clients see "connection refused" although the server listens.`,
      evidence: [
        ...rejects.map(ruleLine),
        ...refusedDespiteListener.map((p) => probeLine(p, t.port)),
      ],
      fix: { text: 'Delete the rule, or add an accept rule for loopback before it.', command: rule.deleteCommand },
    });
  }
  return findings;
};

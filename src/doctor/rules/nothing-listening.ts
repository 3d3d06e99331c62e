/**
 * NOTHING_LISTENING: no TCP socket listens on the port, on any address, in
 * this network namespace or another; with "did you mean" the listener the
 * user probably wanted. RECENTLY_CLOSED: TIME_WAIT sockets on the port show
 * that something served it moments ago.
 */
import { formatWhen } from '../../clock.js';
import { shellQuote } from '../../shell.js';
import type { Finding, LastHolderFact, NearbyFact, Rule } from '../types.js';
import { clientProbes, hostPort, probeLine, rewriteTarget } from './helpers.js';

const REASON_WORDS: Record<NearbyFact['reason'], string> = {
  'same-folder': 'started from this folder',
  'same-command': 'its command names this folder',
  'dev-server': 'a dev server a few ports away',
};

function nearbyLine(n: NearbyFact): string {
  const who = n.pid === null ? 'a hidden process' : `pid ${n.pid} (${n.name})`;
  return `did you mean port ${n.port}? ${who} listens on ${hostPort(n.address, n.port)} (${REASON_WORDS[n.reason]})${n.command ? `: ${n.command}` : ''}`;
}

function lastHolderLine(h: LastHolderFact): string {
  const who = `${h.name ?? 'a process'}${h.pid === null ? '' : ` (pid ${h.pid})`}`;
  return `was held by ${who}${h.cwd ? ` in ${h.cwd}` : ''} ${h.closed ? 'until' : 'last seen at'} ${formatWhen(h.until)} (berth's port history)${h.command ? `: ${h.command}` : ''}`;
}

/** Fires when nothing listens on the port anywhere. */
export const nothingListening: Rule = (facts) => {
  const t = facts.target;
  if (!t.local || facts.listeners.length > 0 || facts.foreignListeners.length > 0) return [];
  if (clientProbes(facts).some((p) => p.outcome === 'ok')) return [];
  const evidence = [`no TCP socket listens on port ${t.port} on any address (checked /proc/net/tcp and tcp6)`];
  for (const p of facts.probes) evidence.push(probeLine(p, t.port));
  for (const u of facts.udp) evidence.push(`only a UDP socket is bound to ${hostPort(u.address, t.port)}: a TCP client never reaches it`);
  for (const n of facts.nearby) evidence.push(nearbyLine(n));
  const previous = facts.lastHolder;
  if (previous) evidence.push(lastHolderLine(previous));
  const best = facts.nearby[0];
  const finding: Finding = {
    code: 'NOTHING_LISTENING',
    severity: 'error',
    title: `Nothing listens on port ${t.port}`,
    message: `No program listens on port ${t.port}, so every connect to it is refused (ECONNREFUSED).`,
    evidence,
    fix: best
      ? {
          text: `Point the client at port ${best.port}, where ${best.name ?? 'a process'} ${REASON_WORDS[best.reason]} listens, or start the server you meant and check its output for the error that stopped it.`,
          command: `berth doctor ${rewriteTarget(facts, { port: best.port })}`,
        }
      : previous?.command
        ? {
            text: `Start it again (${previous.name ?? 'its last holder'} held it until ${formatWhen(previous.until)}), and read its output if it stops: it may have crashed.`,
            command: previous.cwd ? `cd ${shellQuote(previous.cwd)} && ${previous.command}` : previous.command,
          }
        : {
            text: 'Start the server, or read its output: it may have crashed or failed to bind (EADDRINUSE, EACCES); `berth ls` shows what does listen.',
            command: 'berth ls',
          },
  };
  return [finding];
};

/** Fires when nothing listens but TIME_WAIT sockets show a recent connection. */
export const recentlyClosed: Rule = (facts) => {
  const t = facts.target;
  if (!t.local || facts.listeners.length > 0 || facts.timeWait === 0) return [];
  return [
    {
      code: 'RECENTLY_CLOSED',
      severity: 'info',
      title: `Port ${t.port} was in use moments ago`,
      message: `${facts.timeWait} connection${facts.timeWait === 1 ? '' : 's'} on port ${t.port} ${facts.timeWait === 1 ? 'is' : 'are'} in TIME_WAIT, so something served this port within the last minute and has since exited or is restarting.`,
      evidence: [`${facts.timeWait} TCP socket${facts.timeWait === 1 ? '' : 's'} on port ${t.port} in state TIME_WAIT`],
      fix: {
        text: 'Check the server\'s output for a crash; if it is restarting (nodemon, a watcher), wait for it.',
        command: `berth wait ${rewriteTarget(facts, {})}`,
      },
    },
  ];
};

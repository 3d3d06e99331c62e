/**
 * SPECIFIC_ADDRESS_ONLY: the server listens on one specific address (a LAN
 * address, 127.0.0.2, a container bridge) but not where the client connects.
 * EXPOSED_WILDCARD: the server listens on every interface (0.0.0.0 or ::)
 * while the target is loopback: reachable from the network by accident.
 */
import { isWildcard } from '../../ports/address.js';
import type { Rule } from '../types.js';
import { bindFix } from './bind-fix.js';
import { clientDescription, clientProbes, hostPort, listenerLine, probeLine, rewriteTarget, servingListeners } from './helpers.js';

const MAIN_LOOPBACKS = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Fires when nothing accepts the client's addresses and a listener sits on a specific other address. */
export const specificAddressOnly: Rule = (facts) => {
  const t = facts.target;
  if (!t.local || servingListeners(facts).length > 0) return [];
  const specific = facts.listeners.filter((l) => !isWildcard(l.address) && !MAIN_LOOPBACKS.has(l.address));
  if (specific.length === 0) return [];
  const first = specific[0]!;
  const where = hostPort(first.address, t.port);
  const evidence = specific.map((l) => listenerLine(l, t.port));
  for (const p of clientProbes(facts)) evidence.push(probeLine(p, t.port));
  const kind = first.exposure === 'loopback' ? 'another loopback address' : 'one network address';
  return [
    {
      code: 'SPECIFIC_ADDRESS_ONLY',
      severity: 'error',
      title: `Listening on ${where} only`,
      message: `The server listens only on ${where} (${kind}), not on ${clientDescription(facts)} where the client connects, so the connect is refused.`,
      evidence,
      fix: {
        text: `Connect to ${where}, or bind the server to 127.0.0.1 if it should serve this machine.`,
        command: `berth doctor ${rewriteTarget(facts, { address: first.address })}`,
        code: `server.listen(${t.port}, '127.0.0.1')`,
      },
    },
  ];
};

/** Fires when a loopback target is served by a socket bound to every interface. */
export const exposedWildcard: Rule = (facts) => {
  const t = facts.target;
  if (!t.local || (t.hostKind !== 'localhost' && t.hostKind !== 'loopback')) return [];
  const wild = facts.listeners.filter((l) => l.exposure === 'all');
  if (wild.length === 0) return [];
  const first = wild[0]!;
  return [
    {
      code: 'EXPOSED_WILDCARD',
      severity: 'warning',
      title: `Reachable from the network on ${hostPort(first.address, t.port)}`,
      message: `The server listens on ${hostPort(first.address, t.port)}, every interface, so other machines on the network can reach it although it is used here through ${t.host}.`,
      evidence: wild.map((l) => `${listenerLine(l, t.port)} (bound to every interface)`),
      fix: bindFix(first.holders[0]?.command ?? null, t.port),
    },
  ];
};

/**
 * WRONG_FAMILY: the server listens on one address family's loopback and
 * the client connects to the other's (::1 versus 127.0.0.1).
 * LOCALHOST_RESOLVES_FIRST_TO_UNUSED_FAMILY: `localhost` resolves first to
 * the family nobody listens on; Node 17–19 (and any client without happy
 * eyeballs) then fails with `ECONNREFUSED ::1:3000` although the server runs.
 */
import { acceptsAddress, isWildcard } from '../../ports/address.js';
import type { ListenerFact, Rule } from '../types.js';
import { clientProbes, familyName, hostPort, listenerLine, probeLine, resolverLine, rewriteTarget, servingListeners } from './helpers.js';

/** A listener on the other family's loopback or wildcard. */
function otherFamilyListeners(listeners: readonly ListenerFact[], clientFamily: 4 | 6): ListenerFact[] {
  return listeners.filter((l) => l.family !== clientFamily && (isWildcard(l.address) || l.address === '127.0.0.1' || l.address === '::1'));
}

/** Fires when every client address is of one family and the server listens only on the other. */
export const wrongFamily: Rule = (facts) => {
  const t = facts.target;
  if (!t.local || facts.clientAddresses.length === 0 || servingListeners(facts).length > 0) return [];
  const families = new Set(facts.clientAddresses.map((a) => a.family));
  if (families.size !== 1) return [];
  const clientFamily = facts.clientAddresses[0]!.family;
  const other = otherFamilyListeners(facts.listeners, clientFamily);
  if (other.length === 0) return [];
  const listener = other[0]!;
  const serverAddress = isWildcard(listener.address) ? (listener.family === 6 ? '::1' : '127.0.0.1') : listener.address;
  const clientAddress = facts.clientAddresses[0]!.address;
  const evidence = other.map((l) => `${listenerLine(l, t.port)} (${familyName(l.family)} only)`);
  for (const p of clientProbes(facts)) evidence.push(probeLine(p, t.port));
  const resolved = resolverLine(facts);
  if (resolved) evidence.push(`${resolved} for Node (getaddrinfo); browsers and curl try both ::1 and 127.0.0.1 for localhost, Node does not`);
  return [
    {
      code: 'WRONG_FAMILY',
      severity: 'error',
      title: `Listening on ${familyName(listener.family)} only, connecting over ${familyName(clientFamily)}`,
      message: `The server listens on ${hostPort(listener.address, t.port)} (${familyName(listener.family)}) but the client connects to ${hostPort(clientAddress, t.port)} (${familyName(clientFamily)}), so the connect is refused.`,
      evidence,
      fix: {
        text: `Connect to ${hostPort(serverAddress, t.port)} instead, or make the server listen on ${clientAddress} too.`,
        command: `berth doctor ${rewriteTarget(facts, { address: serverAddress })}`,
        code: `server.listen(${t.port}, '${clientAddress}')`,
      },
    },
  ];
};

/** Fires when `localhost` resolves first to a loopback nobody listens on, and later to one somebody does. */
export const localhostFirstFamily: Rule = (facts) => {
  const t = facts.target;
  if (t.hostKind !== 'localhost' || facts.resolver === null || facts.resolver.length < 2) return [];
  const first = facts.resolver[0]!;
  const accepts = (address: string): boolean => facts.listeners.some((l) => acceptsAddress(l.address, l.family, address));
  if (accepts(first.address)) return [];
  const later = facts.resolver.slice(1).find((a) => a.family !== first.family && accepts(a.address));
  if (!later) return [];
  const evidence = [resolverLine(facts)!];
  for (const l of facts.listeners.filter((x) => acceptsAddress(x.address, x.family, later.address))) evidence.push(listenerLine(l, t.port));
  for (const p of clientProbes(facts)) evidence.push(probeLine(p, t.port));
  return [
    {
      code: 'LOCALHOST_RESOLVES_FIRST_TO_UNUSED_FAMILY',
      severity: 'warning',
      title: `localhost resolves first to ${first.address}, where nothing listens`,
      message: `localhost resolves to ${first.address} before ${later.address}, and the server listens only on ${later.address}: Node 17–19 and clients without happy-eyeballs fall back to nothing and fail with ECONNREFUSED ${hostPort(first.address, t.port)}.`,
      evidence,
      fix: {
        text: `Use ${later.address} in the URL, or make the server listen on ${first.address} too (or start Node with --dns-result-order=${later.family === 4 ? 'ipv4first' : 'verbatim'}).`,
        command: `berth doctor ${rewriteTarget(facts, { address: later.address })}`,
        code: `server.listen(${t.port}, '${first.address}')`,
      },
    },
  ];
};

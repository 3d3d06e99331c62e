/**
 * OTHER_NAMESPACE: the port is held from another network namespace: a
 * container's server that was never published, a socket forwarded by
 * docker-proxy / rootlessport / slirp4netns / pasta, or a holder that lives
 * in another namespace.
 */
import { containersCommand, isForwarder } from '../../processes/forwarders.js';
import type { Finding, Rule } from '../types.js';
import { hostPort, listenerLine, servingListeners } from './helpers.js';

/** Fires for a listener in another namespace, a forwarder, or a holder in another namespace. */
export const otherNamespace: Rule = (facts) => {
  const t = facts.target;
  if (!t.local) return [];
  if (facts.listeners.length === 0 && facts.foreignListeners.length > 0) {
    const first = facts.foreignListeners[0]!;
    return [
      {
        code: 'OTHER_NAMESPACE',
        severity: 'error',
        title: `Port ${t.port} listens in another network namespace`,
        message: `A server listens on ${hostPort(first.address, t.port)} inside another network namespace (a container or \`ip netns\`), not in this one, so connects from here are refused.`,
        evidence: facts.foreignListeners.map(
          (f) => `${hostPort(f.address, t.port)} listens in ${f.netns} (pid ${f.pid}, ${f.name}: ${f.command}); this process is in ${facts.netns ?? 'an unknown namespace'}`,
        ),
        fix: {
          text: 'Publish the port to this namespace (docker run -p 127.0.0.1:PORT:PORT …), or run the client inside that namespace.',
          command: `nsenter -t ${first.pid} -n berth doctor ${t.input}`,
        },
      },
    ];
  }
  const findings: Finding[] = [];
  const serving = servingListeners(facts);
  const forwarded = serving.find((l) => l.holders.some(isForwarder));
  if (forwarded) {
    const holder = forwarded.holders.find(isForwarder)!;
    const silent = facts.identify !== null && facts.identify.silent;
    findings.push({
      code: 'OTHER_NAMESPACE',
      severity: silent ? 'warning' : 'info',
      title: `Port ${t.port} is forwarded into a container by ${holder.name}`,
      message: `${holder.name} (pid ${holder.pid}) holds port ${t.port} and forwards it into a container, so the server itself runs in the container's network namespace${silent ? ' and did not answer through the forward' : ''}.`,
      evidence: [listenerLine(forwarded, t.port), ...(silent ? [`through the forward: ${facts.identify!.summary}`] : [])],
      fix: {
        text: 'If it does not answer, check that the server inside the container listens on 0.0.0.0 (not 127.0.0.1) on the published port.',
        command: containersCommand(holder, t.port),
      },
    });
  } else if (facts.netns !== null) {
    for (const listener of serving) {
      const foreign = listener.holders.find((h) => h.netns !== null && h.netns !== facts.netns);
      if (!foreign) continue;
      findings.push({
        code: 'OTHER_NAMESPACE',
        severity: 'info',
        title: `The holder of port ${t.port} runs in another network namespace`,
        message: `pid ${foreign.pid} (${foreign.name}) holds ${hostPort(listener.address, t.port)} in this namespace but itself runs in ${foreign.netns}, as container runtimes' port forwarders do.`,
        evidence: [listenerLine(listener, t.port), `pid ${foreign.pid} is in ${foreign.netns}; this process is in ${facts.netns}`],
        fix: { text: 'Nothing to do if it answers; otherwise check the program inside that namespace.', command: `nsenter -t ${foreign.pid} -n ss -ltn` },
      });
      break;
    }
  }
  return findings;
};

/**
 * LOOPBACK_DOWN: the loopback interface is down, so nothing on this machine
 * reaches 127.0.0.1 or ::1 (connects fail with ENETUNREACH, or hang).
 */
import type { Rule } from '../types.js';
import { hostPort, probeLine } from './helpers.js';

/** Fires when lo lacks IFF_UP. */
export const loopbackDown: Rule = (facts) => {
  if (facts.loopback === null || facts.loopback.up) return [];
  const loopProbes = facts.probes.filter((p) => p.address === '127.0.0.1' || p.address === '::1');
  return [
    {
      code: 'LOOPBACK_DOWN',
      severity: 'error',
      title: 'The loopback interface is down',
      message: `The loopback interface lo is down, so no program on this machine can reach 127.0.0.1 or ::1, ${hostPort('127.0.0.1', facts.target.port)} included.`,
      evidence: [
        `/sys/class/net/lo/flags = ${facts.loopback.flags} (IFF_UP is not set)`,
        ...loopProbes.map((p) => probeLine(p, facts.target.port)),
      ],
      fix: { text: 'Bring lo up (needs root; inside a container or network namespace, run it there).', command: 'ip link set lo up' },
    },
  ];
};

/**
 * Findings for what no specific rule explains, so that an unhealthy target
 * never ends without one: HOST_NOT_RESOLVED, CONNECT_TIMEOUT (a hang with no
 * known cause), CONNECT_FAILED (any other failure). Run after the other rules.
 */
import type { DoctorFacts, Finding } from '../types.js';
import { clientProbes, hostPort, probeLine } from './helpers.js';

/** Findings for a failure the other rules left unexplained. */
export function explainRemaining(facts: DoctorFacts, findings: readonly Finding[]): Finding[] {
  const t = facts.target;
  if (facts.resolveError !== null) {
    return [
      {
        code: 'HOST_NOT_RESOLVED',
        severity: 'error',
        title: `${t.host} does not resolve`,
        message: `${t.host} does not resolve to any address here, so a client cannot even try to connect.`,
        evidence: [facts.resolveError],
        fix: { text: `Check the spelling of ${t.host}, /etc/hosts and your DNS; or use an address such as 127.0.0.1.`, command: `getent ahosts ${t.host}` },
      },
    ];
  }
  const probes = clientProbes(facts);
  if (probes.length === 0 || probes.some((p) => p.outcome === 'ok')) return [];
  if (findings.some((f) => f.severity === 'error')) return [];
  const hung = probes.filter((p) => p.outcome === 'timeout');
  if (hung.length > 0) {
    const evidence = hung.map((p) => probeLine(p, t.port));
    evidence.push(facts.firewall.readable ? `no ${facts.firewall.sources.join('/')} rule matches these packets` : `firewall not checked: ${facts.firewall.reason ?? 'unreadable'}`);
    return [
      {
        code: 'CONNECT_TIMEOUT',
        severity: 'error',
        title: `Connects to ${hostPort(t.host, t.port)} hang`,
        message: `Connects to ${hostPort(t.host, t.port)} get no answer at all within the timeout, which means the packets are dropped on the way (a firewall, a route) or the host is down.`,
        evidence,
        fix: facts.firewall.readable
          ? { text: 'Check the route and any firewall between here and the host (a cloud security group, a VPN).', command: `ip route get ${hung[0]!.address}` }
          : { text: 'Run doctor as root so it can read the firewall rules.', command: `sudo berth doctor ${t.input}` },
      },
    ];
  }
  const first = probes[0]!;
  return [
    {
      code: 'CONNECT_FAILED',
      severity: 'error',
      title: `Cannot connect to ${hostPort(t.host, t.port)}`,
      message: `Every address of ${t.host} refused or failed the connect (${first.code ?? first.outcome}), so nothing there accepts connections on port ${t.port}.`,
      evidence: probes.map((p) => probeLine(p, t.port)),
      fix: t.local
        ? { text: 'See what listens on this machine, and start the server.', command: 'berth ls' }
        : { text: `Check that the server on ${t.host} runs and listens on port ${t.port} beyond its own loopback.` },
    },
  ];
}

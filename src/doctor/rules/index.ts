/**
 * The rule set. Each rule is pure (facts in, findings out) and lives in a
 * small module; this list fixes the order findings are reported in.
 */
import type { DoctorFacts, Finding, Rule, Severity } from '../types.js';
import { exposedWildcard, specificAddressOnly } from './addresses.js';
import { proxyWithoutNoProxy } from './environment.js';
import { localhostFirstFamily, wrongFamily } from './families.js';
import { acceptQueueFull, firewallBlocks, processStopped } from './hangs.js';
import { loopbackDown } from './loopback.js';
import { otherNamespace } from './namespaces.js';
import { nothingListening, recentlyClosed } from './nothing-listening.js';
import { browserUnsafePort, ephemeralPort, privilegedPort } from './port-number.js';
import { noResponse, protocolMismatch } from './protocol.js';
import { explainRemaining } from './unexplained.js';

/** Every rule, most fundamental first. */
export const RULES: ReadonlyArray<{ name: string; rule: Rule }> = [
  { name: 'loopbackDown', rule: loopbackDown },
  { name: 'nothingListening', rule: nothingListening },
  { name: 'otherNamespace', rule: otherNamespace },
  { name: 'wrongFamily', rule: wrongFamily },
  { name: 'localhostFirstFamily', rule: localhostFirstFamily },
  { name: 'specificAddressOnly', rule: specificAddressOnly },
  { name: 'processStopped', rule: processStopped },
  { name: 'acceptQueueFull', rule: acceptQueueFull },
  { name: 'firewallBlocks', rule: firewallBlocks },
  { name: 'protocolMismatch', rule: protocolMismatch },
  { name: 'noResponse', rule: noResponse },
  { name: 'proxyWithoutNoProxy', rule: proxyWithoutNoProxy },
  { name: 'exposedWildcard', rule: exposedWildcard },
  { name: 'browserUnsafePort', rule: browserUnsafePort },
  { name: 'recentlyClosed', rule: recentlyClosed },
  { name: 'ephemeralPort', rule: ephemeralPort },
  { name: 'privilegedPort', rule: privilegedPort },
];

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Runs every rule, adds a finding for any failure left unexplained, and orders them errors first. */
export function runRules(facts: DoctorFacts): Finding[] {
  const findings = RULES.flatMap(({ rule }) => rule(facts));
  findings.push(...explainRemaining(facts, findings));
  // Stable sort: within a severity, rule order stands.
  return findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}

export { explainRemaining };

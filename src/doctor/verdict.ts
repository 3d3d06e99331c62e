/**
 * The one-line verdict and the health of a target, from facts and findings. Pure.
 */
import { PROTOCOL_LABELS } from '../probe/identify/labels.js';
import type { DoctorFacts, DoctorReport, Finding } from './types.js';
import { answeredProbe, formatMs, hostPort } from './rules/helpers.js';


/** Builds healthy, verdict and answered for a report. */
export function decide(facts: DoctorFacts, findings: readonly Finding[]): Pick<DoctorReport, 'healthy' | 'verdict' | 'answered'> {
  const probe = answeredProbe(facts);
  const errors = findings.filter((f) => f.severity === 'error');
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  const id = facts.identify && facts.identify.address === probe?.address ? facts.identify : null;
  const answered = probe
    ? {
        address: probe.address,
        ms: Math.round(probe.ms * 10) / 10,
        ...(id && !id.aborted ? { protocol: id.protocol, summary: id.summary } : {}),
      }
    : undefined;
  const healthy = answered !== undefined && errors.length === 0;
  const target = facts.target.scheme ? facts.target.input : hostPort(facts.target.host, facts.target.port);
  if (healthy) {
    const what = id && !id.aborted && id.protocol !== 'no-answer' ? ` (${id.summary || (PROTOCOL_LABELS as Readonly<Record<string, string>>)[id.protocol] || id.protocol})` : '';
    const tail = warnings > 0 ? ` · ${warnings} warning${warnings === 1 ? '' : 's'}` : '';
    return { healthy, verdict: `${hostPort(probe!.address, facts.target.port)} answers${what} in ${formatMs(probe!.ms)}${tail}`, answered };
  }
  const first = errors[0];
  const more = errors.length > 1 ? ` (+${errors.length - 1} more)` : '';
  return {
    healthy,
    verdict: first ? `${target}: ${first.title}${more}` : `${target} does not answer`,
    ...(answered ? { answered } : {}),
  };
}

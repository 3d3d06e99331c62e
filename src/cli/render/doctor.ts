/**
 * Rendering `berth doctor`: each finding with its severity, sentence,
 * evidence and fix, then the one-line verdict.
 */
import type { DoctorReport, Finding } from '../../doctor/index.js';
import type { Style } from './style.js';

function marker(finding: Finding, style: Style): string {
  switch (finding.severity) {
    case 'error':
      return style.red('✘');
    case 'warning':
      return style.yellow('!');
    case 'info':
      return style.cyan('i');
  }
}

/** Renders one finding as a block of lines. */
export function renderFinding(finding: Finding, style: Style): string[] {
  const out = [`${marker(finding, style)} ${style.bold(finding.title)} ${style.dim(`[${finding.code}]`)}`];
  out.push(`  ${finding.message}`);
  for (const line of finding.evidence) out.push(style.dim(`    · ${line}`));
  out.push(`  ${style.bold('fix:')} ${finding.fix.text}`);
  if (finding.fix.command) out.push(`    ${style.bold(style.cyan(`$ ${finding.fix.command}`))}`);
  if (finding.fix.code) for (const line of finding.fix.code.split('\n')) out.push(`    ${style.cyan(line)}`);
  return out;
}

/** Renders a doctor report: findings, then the verdict. */
export function renderDoctor(report: DoctorReport, style: Style): string[] {
  const out: string[] = [];
  for (const finding of report.findings) out.push(...renderFinding(finding, style), '');
  out.push(report.healthy ? `${style.green('✔')} ${report.verdict}` : `${style.red('✘')} ${style.bold(report.verdict)}`);
  return out;
}

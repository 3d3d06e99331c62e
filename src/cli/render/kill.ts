/**
 * Rendering `berth kill`: the plan first, then what happened.
 */
import { formatDuration } from '../../duration.js';
import type { KillPlan, KillResult } from '../../kill/index.js';
import { formatHostPort } from '../../ports/parse.js';
import { readProcess } from '../../processes/index.js';
import { describeProcess } from './sockets.js';
import type { Style } from './style.js';

/** The plan: what will be stopped, what is protected, what is not held. */
export function renderKillPlan(plan: KillPlan, style: Style): string[] {
  const out: string[] = [];
  for (const target of plan.notHeld) {
    out.push(`Nothing is listening on ${formatHostPort(target.host, target.port)}; nothing to stop there.`);
  }
  if (plan.victims.length > 0) {
    const n = plan.victims.length;
    const ports = [...new Set(plan.victims.flatMap((v) => v.targets))].join(', ');
    out.push(`${n === 1 ? 'This process holds' : `These ${n} processes hold`} ${ports}:`);
    for (const victim of plan.victims) out.push(`  ${describeProcess(victim.process, style)}`);
  }
  for (const refusal of plan.refused) {
    out.push(style.yellow(refusal.message));
    if (refusal.hint) out.push(style.dim(`  ${refusal.hint}`));
  }
  if (plan.hidden.length > 0 && plan.victims.length > 0) {
    out.push(style.dim(`Some holders belong to other users and are not shown. Run with sudo to stop them too.`));
  }
  return out;
}

/** What happened to each process and each port. */
export function renderKillResult(result: KillResult, style: Style, timeoutMs: number, command: string): string[] {
  const ok = style.green('✔');
  const bad = style.red('✖');
  const out: string[] = [];
  if (result.dryRun) {
    out.push(style.dim('Dry run: nothing was signalled.'));
    return out;
  }
  if (!result.confirmed) {
    out.push('Nothing was stopped.');
    return out;
  }
  for (const p of result.processes) {
    const who = `pid ${p.pid} (${p.name})`;
    switch (p.outcome) {
      case 'exited':
        out.push(`${ok} ${who} exited after ${p.signals[0]}`);
        break;
      case 'killed':
        out.push(`${ok} ${who} was killed with SIGKILL`);
        break;
      case 'signalled':
        out.push(`${ok} ${who} was sent ${p.signals[0]}`);
        break;
      case 'gone':
        out.push(`${ok} ${who} had already exited`);
        break;
      case 'running':
        out.push(`${bad} ${who} is still running: it ignored ${p.signals[0]} for ${formatDuration(timeoutMs)}.`);
        out.push(style.dim(`  To send SIGKILL: ${command} --force`));
        break;
      case 'denied':
        out.push(`${bad} ${p.error?.message ?? `${who}: not allowed`}`);
        if (p.error?.hint) out.push(style.dim(`  ${p.error.hint}`));
        break;
    }
  }
  const victims = new Set(result.plan.victims.map((v) => v.process.pid));
  const refused = new Set(result.plan.refused.map((r) => r.process.pid));
  for (const port of result.ports) {
    const label = formatHostPort(null, port.port);
    if (result.plan.notHeld.some((t) => t.input === port.target)) continue;
    if (port.free) {
      out.push(`${ok} ${label} is free`);
      continue;
    }
    const holders = port.heldBy.map((p) => `pid ${p.pid} (${p.name})`).join(', ') || 'a hidden process';
    const respawned = port.heldBy.filter((p) => !victims.has(p.pid) && !refused.has(p.pid));
    if (port.heldBy.length > 0 && port.heldBy.every((p) => refused.has(p.pid))) {
      out.push(`${bad} ${label} is still held by ${holders}, which berth did not stop (see above)`);
    } else if (respawned.length > 0) {
      // A supervisor (systemd, a process manager, nodemon) started a new holder; init adopting it says nothing.
      const parent = respawned[0]!.ppid === null || respawned[0]!.ppid <= 1 ? null : readProcess(respawned[0]!.ppid);
      const by = parent ? `; its parent pid ${parent.pid} (${parent.name}) probably restarted it — stop that instead` : '';
      out.push(`${bad} ${label} is held again, by ${holders}${by}`);
    } else {
      out.push(`${bad} ${label} is still held by ${holders}`);
    }
  }
  return out;
}

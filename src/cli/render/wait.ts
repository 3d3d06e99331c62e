/**
 * Rendering `berth wait`: the ready line, the progress line on a terminal,
 * the diagnosis of a timeout and the end of a command that died first.
 */
import type { Diagnosis } from '../../alloc/wait-diagnosis.js';
import type { WaitAttempt, WaitProgress, WaitResult, WaitTarget } from '../../alloc/wait.js';
import { formatDuration } from '../../duration.js';
import type { BerthError } from '../../errors.js';
import { formatHostPort } from '../../ports/parse.js';
import type { Style } from './style.js';

/** What is waited for, as people read it: `localhost:3000`, `http://localhost:3000/`, `port 3000 (free)`. */
export function waitLabel(target: Pick<WaitTarget, 'mode' | 'host' | 'port' | 'url'>): string {
  if (target.mode === 'http' && target.url) return target.url;
  if (target.mode === 'free') return `port ${target.port}`;
  return formatHostPort(target.host, target.port);
}

function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)}s` : formatDuration(ms);
}

function bracket(attempt: Pick<WaitAttempt, 'address' | 'family'>): string {
  return attempt.family === 6 ? `[${attempt.address}]` : attempt.address;
}

/** The line printed when the target is ready. */
export function renderReady(result: WaitResult, label: string, style: Style): string {
  const tries = `${result.attempts} attempt${result.attempts === 1 ? '' : 's'}`;
  if (result.mode === 'free') return `${style.green('✔')} ${label} is free (after ${formatMs(result.ms)}, ${tries})`;
  const status = result.status === undefined ? '' : `, HTTP ${result.status}`;
  const by = result.address === null ? '' : ` ${bracket({ address: result.address, family: result.family ?? 4 })} answered`;
  return `${style.green('✔')} ${label} is ready:${by} after ${formatMs(result.ms)}${status} (${tries})`;
}

/** Short text for one attempt's outcome: `refused`, `HTTP 503`, `in use`. */
export function describeOutcome(attempt: WaitAttempt): string {
  if (attempt.reason === 'status') return `HTTP ${attempt.status}`;
  return (attempt.reason ?? 'ok').replace('-', ' ');
}

/** The progress line: elapsed, attempts, the last outcome per address. */
export function renderProgress(progress: WaitProgress, last: ReadonlyMap<string, WaitAttempt>, label: string, style: Style): string {
  const outcomes = [...last.values()].map((a) => `${bracket(a)} ${describeOutcome(a)}`).join(', ');
  return `${style.cyan('…')} waiting for ${label}  ${formatDuration(progress.elapsedMs)} · ${progress.attempts} attempt${progress.attempts === 1 ? '' : 's'} · ${style.dim(outcomes)}`;
}

/** A single updating line on a terminal (stderr); throttled, and cleared when done. */
export interface ProgressLine {
  update(text: string): void;
  clear(): void;
}

/** Creates a {@link ProgressLine} on `stream`; it draws at most every `everyMs` milliseconds. */
export function createProgressLine(stream: NodeJS.WriteStream, everyMs = 100): ProgressLine {
  let lastDraw = 0;
  let drawn = false;
  return {
    update(text) {
      const now = Date.now();
      if (now - lastDraw < everyMs) return;
      lastDraw = now;
      const columns = stream.columns ?? 80;
      // Cut by visible width; escape codes are short and only at the ends, so cut generously.
      const visible = text.replace(/\u001b\[[0-9;]*m/g, '');
      const shown = visible.length > columns - 1 ? `${visible.slice(0, columns - 2)}…` : text;
      stream.write(`\r\u001b[2K${shown}`);
      drawn = true;
    },
    clear() {
      if (drawn) stream.write('\r\u001b[2K');
      drawn = false;
    },
  };
}

/** A timed-out wait: what failed and why, the evidence, the fix. */
export function renderTimeout(error: BerthError, style: Style): string[] {
  const diagnosis = error.data.diagnosis as Diagnosis | undefined;
  const out = [`${style.red('berth:')} ${error.message}`];
  for (const fact of diagnosis?.facts ?? []) out.push(style.dim(`  · ${fact}`));
  if (error.hint) out.push(`  ${style.bold('fix:')} ${error.hint}`);
  return out;
}

/** How a command ended: `exited with code 1`, `was killed by SIGKILL`. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

/** A command that ended before the target was ready, with the tail of its stderr. */
export function renderCommandExited(error: BerthError, style: Style): string[] {
  const tail = (error.data.stderrTail as string | undefined) ?? '';
  const out = [`${style.red('berth:')} ${error.message}`];
  if (tail.trim() !== '') {
    out.push(style.dim('  last lines of its stderr:'));
    for (const line of tail.replace(/\n$/, '').split('\n')) out.push(`  ${style.dim('│')} ${line}`);
  }
  if (error.hint) out.push(`  ${style.bold('fix:')} ${error.hint}`);
  return out;
}

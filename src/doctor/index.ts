/**
 * `diagnose()`: why a port, host:port or URL does not answer, and what to
 * do about it. Gathers facts (bounded, in parallel), applies pure rules,
 * and returns findings with evidence and the exact fix.
 */
import { performance } from 'node:perf_hooks';
import { parseTarget, type Target } from '../ports/parse.js';
import { identifyPort } from '../probe/identify/index.js';
import { gatherFacts, type IdentifyFn } from './gather/index.js';
import { runRules } from './rules/index.js';
import type { DoctorReport } from './types.js';
import { decide } from './verdict.js';

export type * from './types.js';
export { RULES, runRules } from './rules/index.js';

/** Default bound on each connect and on identification, in milliseconds. */
export const DOCTOR_TIMEOUT_MS = 1500;

/** Options for {@link diagnose}. */
export interface DiagnoseOptions {
  /** Bound on each connect and on protocol identification, in ms (default {@link DOCTOR_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Aborts the probes still running; diagnose then reports what it has. */
  signal?: AbortSignal;
  /** Environment whose proxy variables apply (default: this process's). */
  env?: Readonly<Record<string, string | undefined>>;
  /** The folder standing for the user's project, for "did you mean" (default: process.cwd()). */
  cwd?: string;
}

/** Probe outcomes that mean "nothing came back" (see ProbeStep in probe/identify). */
const SILENT_OUTCOMES = new Set(['timeout', 'silent', 'aborted']);

const identify: IdentifyFn = async (target, options) => {
  const answer = await identifyPort(target, options as Parameters<typeof identifyPort>[1]);
  const silent = answer.protocol === 'no-answer' || (answer.protocol === 'unknown' && answer.probes.length > 0 && answer.probes.every((p) => SILENT_OUTCOMES.has(p.outcome)));
  return { protocol: answer.protocol, summary: answer.summary, address: answer.address, ms: answer.ms, silent };
};

/**
 * Diagnoses a target: `3000`, `127.0.0.1:3000`, `[::1]:3000`, `localhost:3000`
 * or a URL (http, https, ws, wss, postgres, redis, mysql, mongodb …). A bare
 * port means `localhost:PORT`, as a client would use it.
 * Network outcomes are findings, never exceptions.
 * @throws BerthError E_PORT_INVALID / E_TARGET_INVALID for a bad target.
 */
export async function diagnose(target: string | Target, options: DiagnoseOptions = {}): Promise<DoctorReport> {
  const started = performance.now();
  const parsed = typeof target === 'string' ? parseTarget(target) : target;
  const facts = await gatherFacts(parsed, {
    timeoutMs: options.timeoutMs ?? DOCTOR_TIMEOUT_MS,
    ...(options.signal ? { signal: options.signal } : {}),
    env: options.env ?? process.env,
    cwd: options.cwd ?? process.cwd(),
    identify,
  });
  const findings = runRules(facts);
  return {
    target: parsed.input,
    ...decide(facts, findings),
    findings,
    facts,
    ms: Math.round((performance.now() - started) * 10) / 10,
  };
}

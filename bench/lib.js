// Shared by the bench/*/run.js scripts.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

/** The Node that runs berth in a bench: BENCH_NODE, else the one npm runs (never a node_modules/.bin shim), else this one. */
export const DEFAULT_BENCH_NODE = process.env.BENCH_NODE ?? process.env.npm_node_execpath ?? process.execPath;

/** Prints a bench script's header comment (everything before its first import) as its --help, and exits. */
export function printHelpAndExit(scriptUrl) {
  console.log(readFileSync(fileURLToPath(scriptUrl), 'utf8').split('\nimport ')[0].replace(/^\/\/ ?/gm, ''));
  process.exit(0);
}

/** The median of `values` (any order; the mean of the two middle values for an even count); NaN when empty. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The nearest-rank percentile `p` (0-100) of `values` (any order): the smallest value with at least p% of them at or below it; NaN when empty. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** What a bench result needs to say about the machine it ran on. */
export function machineFacts() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // not Linux: os.cpus() says enough
  }
  return {
    cpu: cpu.trim(),
    nproc: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: os.release(),
    loadavgBefore: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/**
 * Starts bench/who/load.py (sleeping processes holding loopback sockets) in
 * its own process group. `ready` resolves with its ready line (targetPort,
 * targetPid, …) and rejects if it fails, exits first or takes over `timeoutMs`.
 * Closing `child.stdin` makes it take every child down.
 */
export function startLoadPy({ procs, sockets, python = 'python3', timeoutMs = 180_000 }) {
  const script = fileURLToPath(new URL('./who/load.py', import.meta.url));
  const child = spawn(python, [script, '--procs', String(procs), '--sockets', String(sockets)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    detached: true, // its own process group: teardown can reach every child
  });
  const ready = new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('load.py did not report ready in time')), timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl === -1) return;
      clearTimeout(timer);
      try {
        const parsed = JSON.parse(buf.slice(0, nl));
        if (parsed.ready) resolve(parsed);
        else reject(new Error(`load.py: ${parsed.error ?? buf.slice(0, nl)}`));
      } catch (error) {
        reject(error);
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`load.py exited early (${signal ?? code})`));
    });
  });
  ready.catch(() => {}); // the caller awaits it; never an unhandled rejection meanwhile
  return { child, ready };
}

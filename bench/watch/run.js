// bench/watch: what recording port history costs on a loaded machine.
//
//   npm run bench:watch                (builds, then runs this file)
//   node bench/watch/run.js [--seconds 30] [--interval 1000] [--churn 5000]
//                           [--procs 1000] [--sockets 10000] [--no-load] [--out FILE]
//   env: BENCH_SECONDS, BENCH_PROCS, BENCH_SOCKETS
//
// 1. bench/who/load.py (reused as is) forks ~1,000 sleeping processes holding
//    ~10,000 loopback sockets, ~7,000 of them listeners.
// 2. A churn process opens a new listener and closes the previous one every
//    --churn ms, so the recorder has events to write (each new socket makes
//    the incremental scanner read the fd tables once).
// 3. Each mode runs in its own forked process for --seconds at the default
//    scan interval; CPU time (user + system, process.cpuUsage) is measured
//    over the steady state and scaled to one minute:
//      idle      Node with the same timer, doing nothing (the floor)
//      scan      incremental scan (owners cached by inode), no store
//      recorder  incremental scan + history recorder: what berth daemon runs
//      naive     a full listSockets() every interval + the same recorder
//      daemon    the recorder as berth daemon runs it: scans spaced out so
//                that scanning stays under 2% of one core
// Prints a table, writes raw results to bench/watch/results-<date>.json, and
// tears the load down.
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { printHelpAndExit, startLoadPy } from '../lib.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LOAD_READY_TIMEOUT_MS = 180_000;

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: process.env.BENCH_SECONDS ?? '30' },
    interval: { type: 'string', default: '1000' },
    churn: { type: 'string', default: '5000' },
    procs: { type: 'string', default: process.env.BENCH_PROCS ?? '1000' },
    sockets: { type: 'string', default: process.env.BENCH_SOCKETS ?? '10000' },
    'no-load': { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) printHelpAndExit(import.meta.url);
const SECONDS = Number(flags.seconds);
const INTERVAL_MS = Number(flags.interval);
const CHURN_MS = Number(flags.churn);
const MODES = ['idle', 'scan', 'recorder', 'naive', 'daemon'];

async function startLoad() {
  const { child, ready } = startLoadPy({ procs: flags.procs, sockets: flags.sockets, timeoutMs: LOAD_READY_TIMEOUT_MS });
  return { child, info: await ready };
}

async function stopLoad(load) {
  if (!load) return;
  const exited = new Promise((resolve) => load.child.once('exit', resolve));
  load.child.stdin.end(); // EOF: load.py kills and reaps its children
  await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
  try {
    process.kill(-load.child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function startChurn() {
  const script = `
    const { createServer } = require('node:net');
    let current = null;
    setInterval(() => {
      const next = createServer().listen(0, '127.0.0.1');
      if (current) current.close();
      current = next;
    }, ${CHURN_MS});`;
  return spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
}

function runMode(mode, home) {
  return new Promise((resolve, reject) => {
    const worker = fork(path.join(HERE, 'worker.js'), [mode, String(SECONDS), String(INTERVAL_MS), home], { stdio: 'inherit' });
    let result = null;
    worker.on('message', (message) => (result = message));
    worker.on('exit', (code) => (result ? resolve(result) : reject(new Error(`${mode} worker exited with ${code}`))));
  });
}

const fmt = (n, digits = 0) => n.toFixed(digits);
let load = null;
let churn = null;
const home = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-watch-'));
try {
  if (!flags['no-load']) {
    process.stderr.write(`starting load: ${flags.procs} processes, ${flags.sockets} sockets…\n`);
    load = await startLoad();
    process.stderr.write(`ready in ${load.info.startSeconds}s\n`);
  }
  churn = CHURN_MS > 0 ? startChurn() : null;
  const results = [];
  for (const mode of MODES) {
    process.stderr.write(`${mode}: ${SECONDS}s…\n`);
    results.push(await runMode(mode, path.join(home, mode)));
  }
  const recorder = results.find((r) => r.mode === 'recorder');
  const naive = results.find((r) => r.mode === 'naive');
  const lines = [
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, Linux ${os.release()}, Node ${process.version}`,
    `Load: ${load ? `${load.info.procs} processes, ${load.info.sockets} sockets` : 'none'}; ${recorder?.listeners ?? '?'} listeners; churn: one listener opened and one closed every ${CHURN_MS / 1000}s; interval ${INTERVAL_MS}ms; ${SECONDS}s per mode`,
    '',
    '| mode | CPU ms per minute | % of one core | scans | scan median ms | scan p90 ms | owner lookups: targeted / full walk | first scan ms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.mode} | ${fmt(r.cpuMsPerMinute)} | ${fmt(r.corePercent, 1)} | ${r.scans} | ${fmt(r.scanMedianMs, 1)} | ${fmt(r.scanP90Ms, 1)} | ${r.targeted} / ${r.fullWalks} | ${fmt(r.firstScanMs)} |`),
    '',
    recorder && naive ? `recorder vs naive full rescan: ${fmt(naive.cpuMsPerMinute / Math.max(1, recorder.cpuMsPerMinute), 1)}× less CPU` : '',
  ];
  console.log(lines.join('\n'));
  const out = flags.out ?? path.join(HERE, `results-${new Date().toISOString().slice(0, 10)}.json`);
  writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), flags, load: load?.info ?? null, results }, null, 2)}\n`);
  process.stderr.write(`raw results: ${out}\n`);
} finally {
  churn?.kill('SIGKILL');
  await stopLoad(load);
  rmSync(home, { recursive: true, force: true });
}

// bench/doctor: how fast `berth doctor` answers, per scenario, next to what a
// developer would run by hand (curl), in one run.
//
//   npm run bench:doctor                 (builds, then runs this file)
//   npm run bench:doctor -- --runs 30    (options go after --)
//   node bench/doctor/run.js [--runs 15] [--node PATH] [--out FILE]
//   env: BENCH_RUNS, BENCH_NODE
//
// Scenarios, each a real server on loopback started by this script:
//   healthy     an HTTP server on 127.0.0.1, target http://127.0.0.1:PORT/
//   nothing     a port whose server just exited (NOTHING_LISTENING)
//   wrong-family  an HTTP server on ::1 only, target http://127.0.0.1:PORT/ (WRONG_FAMILY; skipped without IPv6)
//   stopped     an HTTP server stopped with SIGSTOP: the connection hangs (PROCESS_STOPPED)
//
// Each scenario is timed three ways, round-robin with a rotating start after
// one discarded warm-up round, so that background noise hits all alike:
//   cli       `berth doctor TARGET --json` as a whole process (Node start-up included)
//   library   diagnose(TARGET) inside one long-lived process (warm)
//   curl      `curl -sS --max-time 5 URL`, the check people run by hand (when curl exists)
// Every doctor answer is checked: the expected finding (or health) must be there.
// Prints median / p90 per scenario and method; --out writes the raw samples as JSON.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_BENCH_NODE, median, percentile, printHelpAndExit } from '../lib.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const BERTH = path.join(ROOT, 'bin/berth.cjs');
const HTTP_FIXTURE = path.join(ROOT, 'test/fixtures/servers/doctor-http.mjs');
const CURL_MAX_TIME_S = 5;

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: process.env.BENCH_RUNS ?? '15' },
    node: { type: 'string', default: DEFAULT_BENCH_NODE },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) printHelpAndExit(import.meta.url);
const RUNS = Number(flags.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) {
  console.error(`bench/doctor: --runs must be a positive integer, got "${flags.runs}"`);
  process.exit(2);
}
const NODE = flags.node;
if (!existsSync(path.join(ROOT, 'dist/src/doctor/index.js')) || !existsSync(path.join(ROOT, 'dist/cli/main.cjs'))) {
  console.error('bench/doctor: build first (npm run build, or npm run bench:doctor)');
  process.exit(2);
}
const { diagnose } = await import(pathToFileURL(path.join(ROOT, 'dist/src/doctor/index.js')).href);

// ---------------------------------------------------------------- servers

const children = new Set();
function cleanup() {
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGCONT');
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

async function startHttp(host) {
  const child = spawn(NODE, [HTTP_FIXTURE, host], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  children.add(child);
  const [line] = await once(child.stdout, 'data');
  return { ...JSON.parse(String(line)), child };
}

/** True when nobody listens on `port` at `host` (this machine's other processes hold many loopback ports). */
async function isFree(host, port) {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** An HTTP server on `host` whose port is free at `otherHost` too. */
async function startHttpAlone(host, otherHost) {
  for (let attempt = 0; ; attempt++) {
    const s = await startHttp(host);
    if ((await isFree(otherHost, s.port)) || attempt === 20) return s;
    process.kill(-s.child.pid, 'SIGKILL');
    children.delete(s.child);
  }
}

function canBindIPv6() {
  return spawnSync(NODE, ['-e', "require('net').createServer().listen(0,'::1',function(){this.close()}).on('error',()=>process.exit(1))"]).status === 0;
}

const hasCurl = spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0;

// ---------------------------------------------------------------- scenarios

const scenarios = [];
{
  const s = await startHttp('127.0.0.1');
  scenarios.push({ name: 'healthy', target: `http://127.0.0.1:${s.port}/`, check: (r) => r.healthy === true });
}
{
  const s = await startHttp('127.0.0.1');
  process.kill(-s.child.pid, 'SIGKILL');
  await once(s.child, 'exit');
  scenarios.push({ name: 'nothing', target: `http://127.0.0.1:${s.port}/`, check: (r) => r.findings[0]?.code === 'NOTHING_LISTENING' });
}
if (canBindIPv6()) {
  const s = await startHttpAlone('::1', '127.0.0.1');
  scenarios.push({ name: 'wrong-family', target: `http://127.0.0.1:${s.port}/`, check: (r) => r.findings.some((f) => f.code === 'WRONG_FAMILY') });
} else {
  console.log('wrong-family: skipped (no IPv6 loopback here)');
}
{
  const s = await startHttp('127.0.0.1');
  process.kill(s.pid, 'SIGSTOP');
  // The stop is delivered after kill() returns; wait until /proc shows it.
  while (!/\) T /.test(readFileSync(`/proc/${s.pid}/stat`, 'utf8'))) await new Promise((resolve) => setTimeout(resolve, 10));
  scenarios.push({ name: 'stopped', target: `http://127.0.0.1:${s.port}/`, check: (r) => r.findings.some((f) => f.code === 'PROCESS_STOPPED') });
}

// ---------------------------------------------------------------- methods

async function timeProcess(command, args) {
  const started = performance.now();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (err += c));
  const [code] = await once(child, 'close');
  return { ms: performance.now() - started, code, out, err };
}

const methods = {
  async cli(s) {
    const r = await timeProcess(NODE, [BERTH, 'doctor', s.target, '--json']);
    let report;
    try {
      report = JSON.parse(r.out);
    } catch {
      throw new Error(`cli on ${s.name}: exit ${r.code}, no JSON: ${r.err || r.out}`);
    }
    if (!s.check(report)) throw new Error(`cli on ${s.name}: unexpected answer ${report.verdict}`);
    return r.ms;
  },
  async library(s) {
    const started = performance.now();
    const report = await diagnose(s.target);
    const ms = performance.now() - started;
    if (!s.check(report)) throw new Error(`library on ${s.name}: unexpected answer ${report.verdict}`);
    return ms;
  },
  ...(hasCurl
    ? {
        async curl(s) {
          return (await timeProcess('curl', ['-sS', '-o', '/dev/null', '--max-time', String(CURL_MAX_TIME_S), s.target])).ms;
        },
      }
    : {}),
};

// ---------------------------------------------------------------- run

const samples = {};
for (const s of scenarios) for (const m of Object.keys(methods)) samples[`${s.name}|${m}`] = [];
const jobs = scenarios.flatMap((s) => Object.keys(methods).map((m) => ({ s, m })));
for (let round = 0; round <= RUNS; round++) {
  for (let i = 0; i < jobs.length; i++) {
    const { s, m } = jobs[(i + round) % jobs.length];
    const ms = await methods[m](s);
    if (round > 0) samples[`${s.name}|${m}`].push(ms);
  }
  process.stderr.write(`\rround ${round}/${RUNS}`);
}
process.stderr.write('\n');

const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

console.log(`\nberth doctor, ${RUNS} runs per cell, Node ${process.version}, ${new Date().toISOString()}`);
const names = Object.keys(methods);
console.log(['scenario'.padEnd(14), ...names.map((n) => `${n} median / p90`.padEnd(24))].join(''));
for (const s of scenarios) {
  const cells = names.map((m) => {
    const v = samples[`${s.name}|${m}`];
    return `${fmt(median(v))} / ${fmt(percentile(v, 90))}`.padEnd(24);
  });
  console.log([s.name.padEnd(14), ...cells].join(''));
}
const healthyCli = median(samples['healthy|cli']);
console.log(`\ntarget: a healthy target answers well under a second (cli median ${fmt(healthyCli)}): ${healthyCli < 1000 ? 'PASS' : 'FAIL'}`);
const stoppedLib = median(samples['stopped|library']);
console.log(`target: a stopped holder is told apart without waiting out a timeout (library median ${fmt(stoppedLib)}): ${stoppedLib < 1000 ? 'PASS' : 'FAIL'}`);

if (flags.out) {
  writeFileSync(flags.out, JSON.stringify({ node: process.version, runs: RUNS, date: new Date().toISOString(), scenarios: scenarios.map((s) => s.name), samples }, null, 2));
  console.log(`raw samples: ${flags.out}`);
}
cleanup();
process.exit(0);

// bench/who: how fast `berth who` / `berth ls` answer on a loaded machine,
// next to the tools people use instead, all in one run.
//
//   npm run bench:who                 (builds, then runs this file)
//   npm run bench:who -- --runs 30    (options go after --)
//   node bench/who/run.js [--runs 15] [--procs 1000] [--sockets 10000]
//                         [--warm-calls 5] [--no-load] [--node PATH] [--out FILE]
//   env: BENCH_RUNS, BENCH_PROCS, BENCH_SOCKETS, BENCH_WARM_CALLS, BENCH_NODE
//
// --node: the Node binary that runs berth, pid-port and find-process. Default:
// the Node that npm runs on (npm_node_execpath), else the one running this
// file. Under `npm run`, a `node` package in devDependencies would otherwise
// put its own binary first on PATH. berth runs as the `berth` command
// (bin/berth.cjs through its #! line), with that Node's folder first on PATH.
//
// 1. bench/who/load.py forks ~1,000 sleeping processes holding ~10,000
//    loopback sockets and names one target port held by exactly one of them.
// 2. Every command below runs N times as a whole process (Node start-up
//    included), round-robin with a rotating start, after one discarded warm-up
//    round, so that background noise hits all of them alike.
// 3. The warm library call whoIs(PORT) is timed inside one long-lived process,
//    driven between the other runs.
// 4. Every answer is checked: each tool must name the target's pid.
// Prints a table of median / p90 / ratios and the issue's targets as
// PASS/FAIL, writes the raw samples to bench/who/results-<date>.json, and
// tears the load down (and checks that no process of it is left).
import { fork, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_BENCH_NODE, machineFacts, median, percentile, printHelpAndExit, startLoadPy } from '../lib.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
// berth runs from a copy of the build taken at start (see snapshotBuild).
let BERTH = path.join(ROOT, 'bin/berth.cjs');
let BERTH_LIB = path.join(ROOT, 'dist/src/index.js');
let snapshotDir = null;
const LOAD_READY_TIMEOUT_MS = 180_000;
const CALL_TIMEOUT_MS = 60_000;
const TEARDOWN_TIMEOUT_MS = 30_000;
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: process.env.BENCH_RUNS ?? '15' },
    procs: { type: 'string', default: process.env.BENCH_PROCS ?? '1000' },
    sockets: { type: 'string', default: process.env.BENCH_SOCKETS ?? '10000' },
    'warm-calls': { type: 'string', default: process.env.BENCH_WARM_CALLS ?? '5' },
    'no-load': { type: 'boolean', default: false },
    node: { type: 'string', default: DEFAULT_BENCH_NODE },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) printHelpAndExit(import.meta.url);
const RUNS = positiveInt(flags.runs, 'runs');
const PROCS = positiveInt(flags.procs, 'procs');
const SOCKETS = positiveInt(flags.sockets, 'sockets');
const WARM_CALLS = positiveInt(flags['warm-calls'], 'warm-calls');
const NODE = flags.node;
// Node 20 builds its certificate store at start-up when this is set (~45 ms
// here); bin/berth.cjs keeps it from berth's own Node. Rows with and without it.
const EXTRA_CA = Boolean(process.env.NODE_EXTRA_CA_CERTS);

function positiveInt(text, name) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`bench/who: --${name} must be a positive integer, got "${text}"`);
    process.exit(2);
  }
  return n;
}

// ---------------------------------------------------------------- helpers

/** Full path of an executable on PATH (plus the sbin folders lsof/ss/fuser live in), or null. */
function which(name) {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

/** Nearest-rank percentile of sorted numbers. */

function ms(n) {
  return Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 1) : '—';
}

/** "2.1x slower" / "1.3x faster" for `value` compared with `reference`. */
function relative(value, reference) {
  if (!Number.isFinite(value) || !Number.isFinite(reference) || reference <= 0) return '—';
  const r = value / reference;
  if (Math.abs(r - 1) < 0.005) return 'same';
  return r >= 1 ? `${r.toFixed(2)}x slower` : `${(1 / r).toFixed(2)}x faster`;
}

function uniq(numbers) {
  return [...new Set(numbers)].sort((a, b) => a - b);
}

function pidsOnLines(text) {
  return uniq(
    text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^\d+$/.test(l))
      .map(Number),
  );
}

function machineInfo() {
  const pidCount = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length;
  return {
    ...machineFacts(),
    node: spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim(),
    nodePath: NODE,
    nodeExtraCaCerts: EXTRA_CA,
    berthCommit: gitCommit(),
    processesBefore: pidCount,
  };
}

function gitCommit() {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  if (head.status !== 0) return null;
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'bin', 'scripts'], { cwd: ROOT, encoding: 'utf8' });
  return `${head.stdout.trim()}${dirty.stdout.trim() ? ' + uncommitted changes' : ''}`;
}

function toolVersion(file, args) {
  if (!file) return null;
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 5000 });
  const text = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  const line = text.split('\n').find((l) => /\d+\.\d+/.test(l));
  return line ? line.trim() : null;
}

/** Idle and total jiffies of all CPUs, from the first line of /proc/stat (proc(5)). */
function cpuTimes() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { idle: fields[3] + (fields[4] ?? 0), total: fields.reduce((a, b) => a + b, 0) };
}

/** Pids whose process group is `pgid`, read from /proc/<pid>/stat. */
function pidsInGroup(pgid) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[0] is field 3 (state); field 5 (pgrp) is fields[2].
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') found.push(Number(entry));
    } catch {
      // gone
    }
  }
  return found;
}

/**
 * Copies bin/, dist/ and package.json to a temporary folder and runs berth
 * from there: a build started meanwhile (npm run build in the same tree)
 * cannot swap files under a running benchmark.
 */
function snapshotBuild() {
  snapshotDir = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
  for (const entry of ['bin', 'dist/cli', 'dist/src', 'package.json']) {
    cpSync(path.join(ROOT, entry), path.join(snapshotDir, entry), { recursive: true });
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(snapshotDir, 'node_modules'));
  BERTH = path.join(snapshotDir, 'bin/berth.cjs');
  BERTH_LIB = path.join(snapshotDir, 'dist/src/index.js');
}

function removeSnapshot() {
  if (snapshotDir) rmSync(snapshotDir, { recursive: true, force: true });
  snapshotDir = null;
}

// ---------------------------------------------------------------- the load

let load = null; // { child, info }

async function startLoad(procs, sockets) {
  const python = which('python3');
  if (!python) throw new Error('python3 is needed for bench/who/load.py');
  const { child, ready } = startLoadPy({ procs, sockets, python, timeoutMs: LOAD_READY_TIMEOUT_MS });
  load = { child, info: null };
  const info = await ready;
  load.info = info;
  return info;
}

/** Stops the load and waits until none of its processes is left; returns how many were left. */
async function stopLoad() {
  if (!load) return 0;
  const { child } = load;
  const pgid = child.pid;
  load = null;
  const exited = new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', resolve);
  });
  try {
    child.stdin.end(); // EOF: load.py kills and reaps its children
    process.kill(pgid, 'SIGTERM');
  } catch {
    // already gone
  }
  let timer;
  await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, TEARDOWN_TIMEOUT_MS)))]);
  clearTimeout(timer);
  let left = pidsInGroup(pgid);
  if (left.length > 0) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone in the meantime
    }
    for (let i = 0; i < 50 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = pidsInGroup(pgid);
    }
  }
  return left.length;
}

function emergencyStop() {
  removeSnapshot();
  if (!load) return;
  try {
    process.kill(-load.child.pid, 'SIGKILL');
  } catch {
    // gone
  }
  load = null;
}
process.on('exit', emergencyStop);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    emergencyStop();
    process.exit(130);
  });
}

// ---------------------------------------------------------------- the cases

/**
 * What each command answers for the target port, as the list of pids it names
 * (null: the command does not name pids, nothing to check).
 */
function lineHasPort(line, port) {
  return new RegExp(`[:.]${port}(?!\\d)`).test(line);
}

const answerOf = {
  berthWho: (out) => uniq([...out.matchAll(/^\s*pid (\d+)\b/gm)].map((m) => Number(m[1]))),
  bare: (out) => pidsOnLines(out),
  berthLs: (out, port) =>
    uniq(
      out
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((cols) => cols[0] === String(port))
        .flatMap((cols) => (cols[4] ?? '').split(',').filter((p) => /^\d+$/.test(p)).map(Number)),
    ),
  lsof: (out, port) =>
    uniq(
      out
        .split('\n')
        .slice(1)
        .filter((l) => lineHasPort(l.split(/\s+/).slice(8).join(' '), port))
        .map((l) => Number(l.split(/\s+/)[1])),
    ),
  ss: (out, port) =>
    uniq(
      out
        .split('\n')
        .filter((l) => lineHasPort(l.trim().split(/\s+/)[4] ?? '', port) || lineHasPort(l.trim().split(/\s+/)[3] ?? '', port))
        .flatMap((l) => [...l.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]))),
    ),
  netstat: (out, port) =>
    uniq(
      out
        .split('\n')
        .filter((l) => /^(tcp|udp)/.test(l) && lineHasPort(l.trim().split(/\s+/)[3] ?? '', port))
        .map((l) => Number(/(\d+)\/\S*\s*$/.exec(l)?.[1]))
        .filter((n) => Number.isInteger(n)),
    ),
  fuser: (out) => uniq(out.split(/\s+/).filter((t) => /^\d+$/.test(t)).map(Number)),
};

function buildCases(port, tools) {
  const node = NODE;
  const p = String(port);
  const cases = [
    { id: 'node-e0', label: 'node -e 0', group: 'start', file: node, args: ['-e', '0'] },
    ...(EXTRA_CA ? [{ id: 'node-e0-bare', label: 'node -e 0, NODE_EXTRA_CA_CERTS unset', group: 'start', file: node, args: ['-e', '0'], env: { NODE_EXTRA_CA_CERTS: undefined } }] : []),
    // berth runs as users run it: the `berth` command (bin/berth.cjs through its #! line).
    { id: 'berth-version', label: 'berth --version', group: 'start', file: BERTH, args: ['--version'] },
    { id: 'berth-who', label: `berth who ${p}`, group: 'who', file: BERTH, args: ['who', p], answer: answerOf.berthWho },
    ...(EXTRA_CA ? [{ id: 'berth-who-node', label: `node bin/berth.cjs who ${p}`, group: 'who', file: node, args: [BERTH, 'who', p], answer: answerOf.berthWho }] : []),
    { id: 'berth-who-q', label: `berth who -q ${p}`, group: 'who', file: BERTH, args: ['who', '-q', p], answer: answerOf.bare },
    { id: 'berth-ls', label: 'berth ls', group: 'ls', file: BERTH, args: ['ls'], answer: answerOf.berthLs },
    { id: 'lsof-i', label: `lsof -i :${p} -nP`, group: 'who', tool: 'lsof', args: ['-i', `:${p}`, '-nP'], answer: answerOf.lsof },
    { id: 'lsof-ti', label: `lsof -ti:${p}`, group: 'who', tool: 'lsof', args: [`-ti:${p}`], answer: answerOf.bare },
    { id: 'lsof-listen', label: 'lsof -iTCP -sTCP:LISTEN -nP', group: 'ls', tool: 'lsof', args: ['-iTCP', '-sTCP:LISTEN', '-nP'], answer: answerOf.lsof },
    { id: 'ss-ltnup', label: 'ss -ltnup', group: 'ls', tool: 'ss', args: ['-ltnup'], answer: answerOf.ss },
    { id: 'ss-ltnp', label: 'ss -ltnp', group: 'ls', tool: 'ss', args: ['-ltnp'], answer: answerOf.ss },
    { id: 'fuser', label: `fuser ${p}/tcp`, group: 'who', tool: 'fuser', args: [`${p}/tcp`], answer: answerOf.fuser },
    { id: 'netstat', label: 'netstat -tlnp', group: 'ls', tool: 'netstat', args: ['-tlnp'], answer: answerOf.netstat },
    { id: 'pid-port', label: `pid-port portToPid(${p})`, group: 'who', file: node, args: [path.join(HERE, 'pid-port.mjs'), p], answer: answerOf.bare },
    { id: 'find-process', label: `find-process find('port', ${p})`, group: 'who', file: node, args: [path.join(HERE, 'find-process.mjs'), p], answer: answerOf.bare },
    { id: 'whois-warm', label: `whoIs('${p}') warm, in-process`, group: 'warm', warm: true },
  ];
  for (const c of cases) {
    if (c.tool) {
      c.file = tools[c.tool];
      if (!c.file) c.missing = `${c.tool} not installed`;
    }
    c.samples = [];
    c.wrong = [];
    c.failures = [];
  }
  return cases;
}

function runOnce(c) {
  const start = process.hrtime.bigint();
  const r = spawnSync(c.file, c.args, {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: MAX_OUTPUT_BYTES,
    timeout: CALL_TIMEOUT_MS,
    env: { ...process.env, PATH: `${path.dirname(NODE)}${path.delimiter}${process.env.PATH ?? ''}`, NO_COLOR: '1', ...c.env },
  });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms: elapsed, status: r.status, signal: r.signal, error: r.error, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function startWarmWorker() {
  const worker = fork(path.join(HERE, 'warm.js'), [pathToFileURL(BERTH_LIB).href], { cwd: ROOT, execPath: NODE, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = [];
  worker.on('message', (m) => pending.shift()?.(m));
  worker.on('exit', () => {
    for (const resolve of pending.splice(0)) resolve({ error: 'warm worker exited' });
  });
  const ask = (message) =>
    new Promise((resolve) => {
      pending.push(resolve);
      if (message) worker.send(message);
    });
  return { worker, ready: ask(null), ask };
}

// ---------------------------------------------------------------- main

async function main() {
  if (!existsSync(path.join(ROOT, 'dist/src/index.js')) || !existsSync(path.join(ROOT, 'dist/cli/main.cjs'))) {
    console.error('bench/who: dist/ is missing; run `npm run build` first (npm run bench:who does).');
    process.exit(2);
  }
  snapshotBuild();
  const machine = machineInfo();
  const tools = { lsof: which('lsof'), ss: which('ss'), netstat: which('netstat'), fuser: which('fuser') };
  const versions = {
    lsof: toolVersion(tools.lsof, ['-v']),
    ss: toolVersion(tools.ss, ['-V']),
    netstat: toolVersion(tools.netstat, ['--version']),
    fuser: toolVersion(tools.fuser, ['-V']),
    'pid-port': JSON.parse(readFileSync(path.join(ROOT, 'node_modules/pid-port/package.json'), 'utf8')).version,
    'find-process': JSON.parse(readFileSync(path.join(ROOT, 'node_modules/find-process/package.json'), 'utf8')).version,
  };

  let info;
  const startedAt = new Date();
  if (flags['no-load']) {
    // Without the generated load: one listener of its own is the target.
    info = await startLoad(1, 1);
  } else {
    process.stderr.write(`bench/who: starting ${PROCS} processes with ${SOCKETS} sockets … `);
    info = await startLoad(PROCS, SOCKETS);
    process.stderr.write(`ready in ${info.startSeconds}s (target port ${info.targetPort}, pid ${info.targetPid})\n`);
  }
  const port = info.targetPort;
  const expected = [info.targetPid];

  // Reference answers on the loaded machine, before timing anything.
  const reference = {};
  if (tools.ss) {
    const r = spawnSync(tools.ss, ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    reference.ss = uniq([...(r.stdout ?? '').matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])));
  }
  if (tools.lsof) {
    const r = spawnSync(tools.lsof, [`-ti:${port}`], { encoding: 'utf8' });
    reference.lsof = pidsOnLines(r.stdout ?? '');
  }
  const loadedMachine = {
    processes: readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length,
    tcpLines: ['tcp', 'tcp6'].reduce((n, f) => n + readFileSync(`/proc/net/${f}`, 'utf8').split('\n').length - 2, 0),
    udpLines: ['udp', 'udp6'].reduce((n, f) => n + readFileSync(`/proc/net/${f}`, 'utf8').split('\n').length - 2, 0),
  };

  const cases = buildCases(port, tools);
  const warm = startWarmWorker();
  await warm.ready;
  const active = cases.filter((c) => !c.missing);

  const total = RUNS + 1;
  const t0 = Date.now();
  let cpuAtStart = cpuTimes();
  for (let round = 0; round < total; round++) {
    const counted = round > 0; // round 0 warms the page cache and is discarded
    if (round === 1) cpuAtStart = cpuTimes();
    // Rotate the order each round so no command always follows the same one.
    const order = active.map((_, i) => active[(i + round) % active.length]);
    for (const c of order) {
      if (c.warm) {
        const reply = await warm.ask({ port, calls: counted ? WARM_CALLS : 1, warmup: counted ? 1 : 5 });
        if (reply.error) {
          c.failures.push(reply.error);
          continue;
        }
        if (!counted) continue;
        c.samples.push(...reply.ms);
        if (JSON.stringify(uniq(reply.pids)) !== JSON.stringify(expected)) c.wrong.push(reply.pids);
        continue;
      }
      const r = runOnce(c);
      if (r.error || r.signal) {
        c.failures.push(String(r.error?.message ?? r.signal));
        continue;
      }
      if (c.answer) {
        const got = c.answer(r.stdout, port);
        if (JSON.stringify(got) !== JSON.stringify(expected)) {
          c.wrong.push(got);
          if (c.wrong.length === 1) c.firstWrongOutput = `${r.stdout.slice(0, 400)}\n--stderr--\n${r.stderr.slice(0, 400)}\nstatus ${r.status}`;
        }
      } else if (r.status !== 0) {
        c.failures.push(`exit ${r.status}: ${r.stderr.slice(0, 200)}`);
      }
      if (c.id === 'berth-ls') c.lines = r.stdout.split('\n').filter((l) => /^\s*\d+\s/.test(l)).length;
      if (c.id === 'ss-ltnup') c.lines = r.stdout.split('\n').filter((l) => /^(tcp|udp)/.test(l)).length;
      if (counted) c.samples.push(r.ms);
    }
    process.stderr.write(`\rbench/who: round ${round}/${RUNS}${round === 0 ? ' (warm-up)' : ''}   `);
  }
  const cpuAtEnd = cpuTimes();
  // The bench runs one command at a time, and berth uses at most 2 cores: on an
  // otherwise idle 2-core machine about half of the CPU time stays idle. Near 0%
  // means other work shared the machine and the figures are slower than they should be.
  const idlePercent = Math.round((100 * (cpuAtEnd.idle - cpuAtStart.idle)) / Math.max(1, cpuAtEnd.total - cpuAtStart.total));
  process.stderr.write(`\rbench/who: ${RUNS} rounds in ${((Date.now() - t0) / 1000).toFixed(1)}s              \n`);
  const warmExited = new Promise((resolve) => (warm.worker.exitCode !== null ? resolve() : warm.worker.once('exit', resolve)));
  warm.worker.kill();
  await warmExited;

  const loadavgAfter = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const left = await stopLoad();
  removeSnapshot();
  const leftAfterWorker = warm.worker.exitCode === null && warm.worker.signalCode === null ? 1 : 0;

  // ---------------------------------------------------------------- report
  for (const c of cases) {
    const sorted = [...c.samples].sort((a, b) => a - b);
    c.median = median(sorted);
    c.p90 = percentile(sorted, 90);
    c.min = sorted[0];
  }
  const by = Object.fromEntries(cases.map((c) => [c.id, c]));
  const who = by['berth-who'].median;
  const ls = by['berth-ls'].median;
  const nodeBase = by['node-e0'].median;

  const rows = cases.map((c) => {
    if (c.missing) return [c.label, 'not installed', '', '', '', '', ''];
    const checked = c.answer || c.warm;
    const n = c.samples.length;
    const ok = !checked ? '—' : c.wrong.length === 0 && c.failures.length === 0 ? `yes ${n}/${n}` : `NO (${c.wrong.length} wrong, ${c.failures.length} failed)`;
    return [
      c.label,
      ms(c.median),
      ms(c.p90),
      c.id === 'node-e0' ? '(baseline)' : c.group === 'start' ? `${relative(c.median, nodeBase)} than node -e 0` : c.id === 'berth-who' ? '(reference)' : relative(c.median, who),
      c.id === 'berth-ls' ? '(reference)' : c.group === 'ls' ? relative(c.median, ls) : '',
      ok,
    ];
  });
  const header = ['command', 'median ms', 'p90 ms', 'vs berth who', 'vs berth ls', 'right pid'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const fmt = (r) => r.map((cell, i) => (i === 1 || i === 2 ? String(cell ?? '').padStart(widths[i]) : String(cell ?? '').padEnd(widths[i]))).join('  ').trimEnd();

  const targets = [];
  const target = (name, pass, detail) => targets.push({ name, pass, detail });
  const lsofI = by['lsof-i'];
  const ssL = by['ss-ltnp'];
  // "Within 2x of ss": the faster of the two ss runs, to be strict.
  const ssBest = [by['ss-ltnp'], by['ss-ltnup']].filter((c) => !c.missing).sort((a, b) => a.median - b.median)[0];
  const faster = (other) => other.median / who;
  if (!lsofI.missing) target('berth who >= 1.5x faster than lsof -i :PORT', faster(lsofI) >= 1.5, `lsof ${ms(lsofI.median)} ms / berth who ${ms(who)} ms = ${faster(lsofI).toFixed(2)}x`);
  target('berth who >= 1.5x faster than pid-port', faster(by['pid-port']) >= 1.5, `pid-port ${ms(by['pid-port'].median)} ms / berth who ${ms(who)} ms = ${faster(by['pid-port']).toFixed(2)}x`);
  target('berth who >= 1.5x faster than find-process', faster(by['find-process']) >= 1.5, `find-process ${ms(by['find-process'].median)} ms / berth who ${ms(who)} ms = ${faster(by['find-process']).toFixed(2)}x`);
  if (ssBest) target(`berth who within 2x of ${ssBest.label}`, who / ssBest.median <= 2, `berth who ${ms(who)} ms / ${ssBest.label} ${ms(ssBest.median)} ms = ${(who / ssBest.median).toFixed(2)}x`);
  if (!ssL.missing) target('warm whoIs() no slower than ss -ltnp', by['whois-warm'].median <= ssL.median, `whoIs ${ms(by['whois-warm'].median)} ms vs ss -ltnp ${ms(ssL.median)} ms (${(by['whois-warm'].median / ssL.median).toFixed(2)}x)`);
  // With NODE_EXTRA_CA_CERTS set, berth skips the certificate store that
  // node -e 0 builds: its own start-up cost is then measured against the bare one.
  const startBase = EXTRA_CA ? by['node-e0-bare'] : by['node-e0'];
  target(`berth --version <= 1.3x ${startBase.label}`, by['berth-version'].median / startBase.median <= 1.3, `${ms(by['berth-version'].median)} ms / ${ms(startBase.median)} ms = ${(by['berth-version'].median / startBase.median).toFixed(2)}x`);
  const wrongAnywhere = cases.filter((c) => c.wrong.length > 0 || c.failures.length > 0);
  const berthRight = ['berth-who', 'berth-who-q', 'berth-ls', 'whois-warm'].every((id) => by[id].wrong.length === 0 && by[id].failures.length === 0);
  target(
    'berth names the right pid on the loaded machine',
    berthRight && JSON.stringify(reference.ss ?? expected) === JSON.stringify(expected) && JSON.stringify(reference.lsof ?? expected) === JSON.stringify(expected),
    `expected pid ${expected[0]}; ss -ltnpH sport = :${port} says ${JSON.stringify(reference.ss ?? 'n/a')}, lsof -ti says ${JSON.stringify(reference.lsof ?? 'n/a')}`,
  );

  const out = [];
  out.push('');
  out.push(
    `Machine: ${machine.cpu}, ${machine.nproc} cores, ${machine.memoryGiB} GiB, Linux ${machine.kernel}, Node ${machine.node} (${machine.nodePath}, NODE_EXTRA_CA_CERTS ${EXTRA_CA ? 'set' : 'unset'}), berth ${machine.berthCommit ?? 'unknown commit'}; ` +
      `load average ${machine.loadavgBefore.join(' ')} before, ${loadavgAfter.join(' ')} after; ` +
      `CPU idle during the timed rounds ${idlePercent}% (about 50% on an otherwise idle 2-core machine).`,
  );
  out.push(
    flags['no-load']
      ? 'Load: none (--no-load).'
      : `Load: ${info.procs} extra processes holding ${info.sockets} sockets (${info.tcpListeners} TCP listeners, ${info.established} established, ${info.udp} UDP); ` +
          `machine total ${loadedMachine.processes} processes, ${loadedMachine.tcpLines} TCP + ${loadedMachine.udpLines} UDP sockets in /proc/net.`,
  );
  out.push(`Target port ${port}, held by pid ${info.targetPid}. ${RUNS} runs each (after 1 warm-up round), round-robin; warm whoIs: ${WARM_CALLS} calls per round.`);
  out.push('');
  out.push(fmt(header));
  out.push(fmt(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) out.push(fmt(r));
  out.push('');
  if (by['berth-ls'].lines !== undefined && by['ss-ltnup'].lines !== undefined) {
    out.push(`berth ls listed ${by['berth-ls'].lines} sockets; ss -ltnup listed ${by['ss-ltnup'].lines}.`);
  }
  for (const c of cases.filter((x) => !x.missing && x.group !== 'start' && x.id !== 'berth-who')) {
    out.push(`  ${c.label.padEnd(40)} ${relative(c.median, who)} than berth who`);
  }
  out.push('');
  out.push('Targets (issue: whole process, Node start-up included):');
  for (const t of targets) out.push(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name.padEnd(48)} ${t.detail}`);
  for (const c of wrongAnywhere) {
    out.push(`  note: ${c.label}: ${c.wrong.length} wrong answer(s) ${c.wrong.length ? JSON.stringify(c.wrong[0]) : ''} ${c.failures.length} failure(s) ${c.failures[0] ?? ''}`.trimEnd());
  }
  out.push(`Cleanup: ${left + leftAfterWorker === 0 ? 'no bench process left' : `${left} load processes still running!`}.`);
  console.log(out.join('\n'));

  const stamp = startedAt.toISOString().replace(/:/g, '-').replace(/\..+$/, '');
  const file = flags.out ?? path.join(HERE, `results-${stamp}.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        machine: { ...machine, loadavgAfter, idlePercentDuringRounds: idlePercent },
        versions,
        load: flags['no-load'] ? null : { ...info, machine: loadedMachine },
        runs: RUNS,
        warmCallsPerRound: WARM_CALLS,
        port,
        expectedPids: expected,
        reference,
        cases: cases.map((c) => ({
          id: c.id,
          label: c.label,
          group: c.group,
          command: c.warm ? null : c.missing ? null : [c.file, ...c.args].join(' '),
          missing: c.missing ?? null,
          medianMs: c.median,
          p90Ms: c.p90,
          minMs: c.min,
          samplesMs: c.samples.map((x) => Math.round(x * 1000) / 1000),
          wrong: c.wrong,
          failures: c.failures,
          firstWrongOutput: c.firstWrongOutput ?? null,
          lines: c.lines ?? null,
        })),
        targets,
        leftoverProcesses: left,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`Raw results: ${path.relative(ROOT, file)}`);
  process.exitCode = left === 0 ? 0 : 1;
}

main().catch(async (error) => {
  console.error(`bench/who: ${error?.stack ?? error}`);
  await stopLoad().catch(() => emergencyStop());
  removeSnapshot();
  process.exitCode = 1;
});

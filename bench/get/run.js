// bench/get: how fast each port finder answers, and whether it hands the same
// port to two processes asking at once.
//
//   npm run bench:get
//   node bench/get/run.js [--calls 200] [--procs 20] [--race-calls 5] [--rounds 3]
//
// For every tool (berth's getPort(), get-port, portfinder, detect-port,
// get-port-please), two patterns: the default call, and "prefer port 4321".
// 1. throughput: one process makes CALLS sequential calls (after a warm-up
//    call); calls/s, repeated ROUNDS times round-robin, median kept; also
//    counts the same port returned twice to one process that never bound it.
// 2. race: PROCS processes each make RACE_CALLS calls at the same instant
//    (released together by a "go" line) and keep running until all have
//    answered; counts ports handed out more than once, and ports handed out
//    that berth's policy forbids (OS ephemeral range, browsers' unsafe list).
// berth runs with a throw-away BERTH_HOME. No port is bound by the bench.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median, printHelpAndExit } from '../lib.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WORKER = path.join(HERE, 'worker.mjs');
const TOOLS = ['berth', 'get-port', 'portfinder', 'detect-port', 'get-port-please'];
const PATTERNS = ['default', 'preferred'];

const { values: flags } = parseArgs({
  options: {
    calls: { type: 'string', default: '200' },
    procs: { type: 'string', default: '20' },
    'race-calls': { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) printHelpAndExit(import.meta.url);
const CALLS = Number(flags.calls);
const PROCS = Number(flags.procs);
const RACE_CALLS = Number(flags['race-calls']);
const ROUNDS = Number(flags.rounds);

const [ephemeralFrom, ephemeralTo] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
const { BROWSER_UNSAFE_PORTS } = await import('../../dist/src/ports/facts.js');
const forbidden = (port) => (port >= ephemeralFrom && port <= ephemeralTo) || BROWSER_UNSAFE_PORTS.has(port);

function worker(tool, pattern, calls, mode, env) {
  const child = spawn(process.execPath, [WORKER, tool, pattern, String(calls), mode], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  let buffer = '';
  const waiters = [];
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let i;
    while ((i = buffer.indexOf('\n')) !== -1) {
      lines.push(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
      waiters.splice(0).forEach((w) => w());
    }
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const nextLine = async () => {
    while (lines.length === 0) {
      const more = new Promise((resolve) => waiters.push(resolve));
      const done = await Promise.race([more.then(() => false), exited.then(() => true)]);
      if (done && lines.length === 0) throw new Error(`${tool} worker exited early`);
    }
    return lines.shift();
  };
  return { child, nextLine, exited };
}


const home = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-get-'));
const env = { ...process.env, BERTH_HOME: home };
const results = {};
try {
  for (const pattern of PATTERNS) {
    for (const tool of TOOLS) results[`${tool}/${pattern}`] = { tool, pattern, rates: [], forbidden: 0, repeats: 0, duplicates: 0, handedOut: 0, errors: 0 };
    // 1. throughput, round-robin with a rotating start.
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < TOOLS.length; k++) {
        const tool = TOOLS[(k + round) % TOOLS.length];
        const w = worker(tool, pattern, CALLS, 'throughput', env);
        const { ms, ports } = JSON.parse(await w.nextLine());
        await w.exited;
        const r = results[`${tool}/${pattern}`];
        r.rates.push((CALLS / ms) * 1000);
        r.forbidden += ports.filter(forbidden).length;
        r.repeats += ports.length - new Set(ports).size;
      }
    }
    // 2. race.
    for (const tool of TOOLS) {
      const workers = Array.from({ length: PROCS }, () => worker(tool, pattern, RACE_CALLS, 'race', env));
      for (const w of workers) if ((await w.nextLine()) !== 'ready') throw new Error('worker not ready');
      for (const w of workers) w.child.stdin.write('go\n');
      const answers = await Promise.all(workers.map(async (w) => JSON.parse(await w.nextLine())));
      for (const w of workers) w.child.stdin.end();
      await Promise.all(workers.map((w) => w.exited));
      const all = answers.flatMap((a) => a.ports);
      const counts = new Map();
      for (const p of all) counts.set(p, (counts.get(p) ?? 0) + 1);
      const r = results[`${tool}/${pattern}`];
      r.handedOut = all.length;
      r.duplicates = all.length - counts.size;
      r.errors = answers.reduce((n, a) => n + a.errors.length, 0);
      r.raceForbidden = all.filter(forbidden).length;
    }
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}

console.log(`bench/get — ${new Date().toISOString()} — node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ephemeral ${ephemeralFrom}-${ephemeralTo}`);
console.log(`throughput: ${CALLS} sequential calls per process, median of ${ROUNDS}; race: ${PROCS} processes x ${RACE_CALLS} calls at once\n`);
for (const pattern of PATTERNS) {
  const berthRate = median(results[`berth/${pattern}`].rates);
  console.log(`pattern: ${pattern === 'default' ? 'default call' : 'prefer port 4321'}`);
  console.log('| tool | calls/s | vs berth | same port twice in one process | race: duplicates across processes | forbidden ports handed out | errors |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const tool of TOOLS) {
    const r = results[`${tool}/${pattern}`];
    const rate = median(r.rates);
    console.log(`| ${tool} | ${rate.toFixed(0)} | ${(rate / berthRate).toFixed(2)}x | ${r.repeats} / ${CALLS * ROUNDS} | ${r.duplicates} / ${r.handedOut} | ${r.forbidden + r.raceForbidden} / ${CALLS * ROUNDS + r.handedOut} | ${r.errors} |`);
  }
  console.log('');
}

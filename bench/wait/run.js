// bench/wait: latency from a server's listen() to the waiter returning,
// berth next to wait-on and wait-port, all in one run.
//
//   npm run bench:wait                    (builds, then runs this file)
//   npm run bench:wait -- --runs 40       (options go after --)
//   node bench/wait/run.js [--runs 20] [--min-delay 300] [--max-delay 1500]
//                          [--no-cli] [--no-ipv6] [--node PATH] [--out FILE]
//   env: BENCH_RUNS, BENCH_NODE
//
// Every run: pick a port free on 127.0.0.1 and ::1; start the waiter (the
// library call in this process, or the CLI as a child process); after a random
// delay (--min-delay..--max-delay ms) a separate idle server process listens on
// the port and records the time of its listen() callback. The waiter's return
// is timed here: the promise settling (library) or the child's exit (CLI).
// Both clocks are performance.timeOrigin + performance.now() on this machine.
// Latency = return - listen. A waiter that has not returned max-delay + 2 s
// after it started "never returned"; one that returns before the listen is
// counted as a false "ready".
//
// Scenarios: the server listens on 127.0.0.1 (every tool should see it) and on
// ::1 only (waiting on localhost: /etc/hosts may map localhost to 127.0.0.1
// alone, as Node then resolves it).
// Variants: each tool with its defaults, plus wait-on and wait-port tuned to
// poll every 10 ms (wait-on: interval 10, window 10 — its stability window
// otherwise adds 750 ms on purpose). CLIs run through --node (default: the Node
// npm runs on), start-up included only as far as it overlaps the delay.
// Runs are round-robin with a rotating start so that noise hits all alike.
// Prints median / p90 per variant and writes the samples to
// bench/wait/results-<date>.json.
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_BENCH_NODE, median, percentile, printHelpAndExit } from '../lib.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const require = createRequire(import.meta.url);

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: process.env.BENCH_RUNS ?? '20' },
    'min-delay': { type: 'string', default: '300' },
    'max-delay': { type: 'string', default: '1500' },
    'no-cli': { type: 'boolean', default: false },
    'no-ipv6': { type: 'boolean', default: false },
    node: { type: 'string', default: DEFAULT_BENCH_NODE },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) printHelpAndExit(import.meta.url);
const RUNS = Number(flags.runs);
const MIN_DELAY_MS = Number(flags['min-delay']);
const MAX_DELAY_MS = Number(flags['max-delay']);
const GIVE_UP_MS = MAX_DELAY_MS + 2000;
const TARGET_MEDIAN_MS = 20;

const { waitFor } = await import(pathToFileURL(path.join(ROOT, 'dist/src/alloc/wait.js')).href);
const waitOn = require('wait-on');
const waitPort = require('wait-port');
const BIN = {
  berth: path.join(ROOT, 'bin/berth.cjs'),
  'wait-on': require.resolve('wait-on/bin/wait-on'),
  'wait-port': require.resolve('wait-port/bin/wait-port.js'),
};

const now = () => performance.timeOrigin + performance.now();

/** A library waiter: resolves true when the tool says ready, false when it gave up. */
const library = {
  'berth (lib)': (port) => waitFor(`localhost:${port}`, { timeoutMs: GIVE_UP_MS }).then(() => true),
  'wait-on (lib, defaults)': (port) => waitOn({ resources: [`tcp:localhost:${port}`], timeout: GIVE_UP_MS }).then(() => true),
  'wait-on (lib, 10ms)': (port) => waitOn({ resources: [`tcp:localhost:${port}`], timeout: GIVE_UP_MS, interval: 10, window: 10 }).then(() => true),
  'wait-port (lib, defaults)': (port) => waitPort({ host: 'localhost', port, timeout: GIVE_UP_MS, output: 'silent' }).then((r) => r.open === true),
  'wait-port (lib, 10ms)': (port) => waitPort({ host: 'localhost', port, timeout: GIVE_UP_MS, interval: 10, output: 'silent' }).then((r) => r.open === true),
};

/** Stderr of the last CLI run that did not exit 0, kept with its sample. */
let lastCliFailure = null;

/** A CLI waiter: the child's exit. */
function cli(args) {
  return (port) => {
    const child = spawn(flags.node, args(port), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), GIVE_UP_MS + 2000);
    return once(child, 'exit').then(([code, signal]) => {
      clearTimeout(timer);
      if (code !== 0) lastCliFailure = { code, signal, stderr };
      return code === 0;
    });
  };
}
const clis = flags['no-cli']
  ? {}
  : {
      'berth wait (cli)': cli((port) => [BIN.berth, 'wait', `localhost:${port}`, '--timeout', `${GIVE_UP_MS}ms`, '-q']),
      'wait-on (cli)': cli((port) => [BIN['wait-on'], `tcp:localhost:${port}`, '-t', String(GIVE_UP_MS)]),
      'wait-port (cli)': cli((port) => [BIN['wait-port'], `localhost:${port}`, '-t', String(GIVE_UP_MS), '-o', 'silent']),
    };
const variants = { ...library, ...clis };

function listenOnce(port, host) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

/** A port free on 127.0.0.1 and ::1 right now (the server binds it a moment later). */
async function freePort() {
  for (;;) {
    const v4 = await listenOnce(0, '127.0.0.1');
    const { port } = v4.address();
    try {
      const v6 = await listenOnce(port, '::1');
      await new Promise((r) => v6.close(r));
      await new Promise((r) => v4.close(r));
      return port;
    } catch {
      await new Promise((r) => v4.close(r));
    }
  }
}

const server = fork(path.join(HERE, 'server.mjs'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
function ask(message) {
  return new Promise((resolve) => {
    server.once('message', resolve);
    server.send(message);
  });
}

async function runOnce(name, scenario) {
  const port = await freePort();
  const delayMs = MIN_DELAY_MS + Math.random() * (MAX_DELAY_MS - MIN_DELAY_MS);
  const startedAt = now();
  let returnedAt = null;
  lastCliFailure = null;
  const waiter = variants[name](port).then(
    (ready) => ((returnedAt = now()), ready),
    () => ((returnedAt = now()), false),
  );
  const listened = await ask({ cmd: 'listen', port, host: scenario.host, delayMs });
  const ready = await waiter;
  await ask({ cmd: 'close' });
  if (listened.error) return { skipped: listened.error };
  const latency = returnedAt - listened.listenAt;
  return {
    port,
    delayMs,
    ready,
    latencyMs: ready ? latency : null,
    early: ready && latency < 0,
    waitedMs: returnedAt - startedAt,
    ...(lastCliFailure ? { cliFailure: lastCliFailure } : {}),
  };
}

const scenarios = [{ name: 'server on 127.0.0.1', host: '127.0.0.1' }];
if (!flags['no-ipv6']) scenarios.push({ name: 'server on ::1 only (waiting on localhost)', host: '::1' });
const names = Object.keys(variants);
const samples = {};
console.log(`bench/wait: ${RUNS} runs × ${names.length} variants × ${scenarios.length} scenarios; listen after ${MIN_DELAY_MS}–${MAX_DELAY_MS} ms; Node ${process.version} (CLIs: ${flags.node})`);
for (const scenario of scenarios) {
  samples[scenario.name] = Object.fromEntries(names.map((n) => [n, []]));
  for (let run = 0; run < RUNS; run++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(run + i) % names.length];
      const sample = await runOnce(name, scenario);
      if (!sample.skipped) samples[scenario.name][name].push(sample);
    }
    process.stderr.write(`\r  ${scenario.name}: run ${run + 1}/${RUNS}`);
  }
  process.stderr.write('\n');
}
server.disconnect();

const fmt = (ms) => (ms === null ? '—' : ms < 10 ? ms.toFixed(1) : Math.round(ms).toString());
const summary = {};
for (const scenario of scenarios) {
  console.log(`\n${scenario.name}`);
  console.log(`  ${'variant'.padEnd(28)} ${'median ms'.padStart(10)} ${'p90 ms'.padStart(8)} ${'ready'.padStart(7)} ${'never'.padStart(6)} ${'early'.padStart(6)}`);
  summary[scenario.name] = {};
  for (const name of names) {
    const list = samples[scenario.name][name];
    const latencies = list.filter((s) => s.ready && !s.early).map((s) => s.latencyMs).sort((a, b) => a - b);
    const row = {
      runs: list.length,
      ready: latencies.length,
      never: list.filter((s) => !s.ready).length,
      early: list.filter((s) => s.early).length,
      medianMs: latencies.length ? median(latencies) : null,
      p90Ms: latencies.length ? percentile(latencies, 90) : null,
    };
    summary[scenario.name][name] = row;
    console.log(
      `  ${name.padEnd(28)} ${fmt(row.medianMs).padStart(10)} ${fmt(row.p90Ms).padStart(8)} ${`${row.ready}/${row.runs}`.padStart(7)} ${String(row.never).padStart(6)} ${String(row.early).padStart(6)}`,
    );
  }
}
const berth = summary[scenarios[0].name]['berth (lib)'];
const pass = berth.medianMs !== null && berth.medianMs < TARGET_MEDIAN_MS;
console.log(`\nTarget: berth's median under ${TARGET_MEDIAN_MS} ms (library, server on 127.0.0.1): ${fmt(berth.medianMs)} ms — ${pass ? 'PASS' : 'FAIL'}`);

const out = flags.out ?? path.join(HERE, `results-${new Date().toISOString().replace(/:/g, '-').replace(/\..*/, '')}.json`);
writeFileSync(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cliNode: flags.node, cpus: os.cpus().length, runs: RUNS, minDelayMs: MIN_DELAY_MS, maxDelayMs: MAX_DELAY_MS, giveUpMs: GIVE_UP_MS, summary, samples }, null, 2)}\n`,
);
console.log(`Samples: ${path.relative(ROOT, out)}`);

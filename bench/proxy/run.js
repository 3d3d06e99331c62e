// bench/proxy: requests per second and p99 latency of a small HTTP app
// reached directly, through berth's .localhost proxy, and through portless's
// proxy, all in one run, with autocannon (keep-alive on).
//
//   npm run bench:proxy               (builds, then runs this file)
//   node bench/proxy/run.js [--rounds 3] [--duration 10] [--connections 32]
//                           [--warmup 3] [--body-bytes 12] [--out FILE]
//   env: BENCH_ROUNDS, BENCH_DURATION, BENCH_CONNECTIONS
//
// 1. The app is a plain node:http server on 127.0.0.1 answering 12 bytes
//    ("hello world\n"; --body-bytes N: N bytes, to see larger responses).
// 2. berth: `berth proxy run --port P` (Node of this process) with a
//    temporary BERTH_HOME, the app added with `berth alias app PORT`.
// 3. portless (0.13, needs Node 24: node_modules/node/bin/node from the
//    `node@24` package): `portless proxy start --no-tls -p P --foreground`
//    with PORTLESS_STATE_DIR in a temporary folder and PORTLESS_SYNC_HOSTS=0
//    (no /etc/hosts, no CA, no root), the app added with `portless alias app PORT`.
// 4. bare (reference, not a competitor): bench/proxy/bare-proxy.js, the least
//    a Node proxy can do per request over raw sockets (no routing, no checks),
//    to show what the machine allows any Node proxy.
// 5. Every request carries Host: app.localhost:P and goes to 127.0.0.1:P.
//    Each target gets a warm-up, then --rounds timed runs, round-robin with a
//    rotating start so background noise hits them alike. Every answer is
//    checked (status 200 and the exact body); a target with errors fails.
// Besides req/s and latency: CPU time per request of the server under test
// (the app for direct, the proxy otherwise), of the app, and of the load
// generator (autocannon runs in this process), and the cores each used.
// Prints medians, ratios and the issue's targets (>= 70% of direct, ahead of
// portless) as PASS/FAIL; writes raw results to bench/proxy/results-<date>.json.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from '../lib.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const BERTH = path.join(ROOT, 'bin/berth.cjs');
// Node 24 lives in its own folder, installed on demand: in the root package its `node` bin would
// shadow the Node that runs berth (npm puts node_modules/.bin first on PATH).
const NODE24_PREFIX = path.join(ROOT, 'bench/proxy/node24');
const NODE24 = path.join(NODE24_PREFIX, 'node_modules/node/bin/node');
const PORTLESS = path.join(ROOT, 'node_modules/portless/dist/cli.js');
const READY_TIMEOUT_MS = 20_000;

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: process.env.BENCH_ROUNDS ?? '3' },
    duration: { type: 'string', default: process.env.BENCH_DURATION ?? '10' },
    connections: { type: 'string', default: process.env.BENCH_CONNECTIONS ?? '32' },
    warmup: { type: 'string', default: '3' },
    'body-bytes': { type: 'string', default: '12' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log(
    (await import('node:fs')).readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\nimport ')[0].replace(/^\/\/ ?/gm, ''),
  );
  process.exit(0);
}
const ROUNDS = Number(flags.rounds);
const DURATION_S = Number(flags.duration);
const CONNECTIONS = Number(flags.connections);
const WARMUP_S = Number(flags.warmup);
const BODY_BYTES = Number(flags['body-bytes']);
if (!(Number.isInteger(BODY_BYTES) && BODY_BYTES > 0)) throw new Error(`--body-bytes must be a positive whole number, not ${flags['body-bytes']}`);
const BODY = BODY_BYTES === 12 ? 'hello world\n' : 'x'.repeat(BODY_BYTES);

const autocannon = createRequire(import.meta.url)('autocannon');
const children = [];
const temporary = [];

function cleanup() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // gone
      }
    }
  }
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

function tempDir(name) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `berth-bench-${name}-`));
  temporary.push(dir);
  return dir;
}

function start(command, args, env = {}) {
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  children.push(child);
  return { child, output: () => output };
}

function get(port, host) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

async function waitFor(port, host, what, proc) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const res = await get(port, host);
    if (res && res.status === 200 && res.body === BODY) return;
    if (Date.now() > deadline || (proc && proc.child.exitCode !== null)) {
      throw new Error(`${what} did not answer on port ${port}${proc ? `:\n${proc.output()}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function freePort() {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

function load(port, host, seconds) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `http://127.0.0.1:${port}/`, headers: { host }, connections: CONNECTIONS, duration: seconds, pipelining: 1, expectBody: BODY },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

// CPU time (user + system) a process has used, in ms: /proc/<pid>/stat fields 14 and 15, in USER_HZ (100/s) ticks.
// Less sensitive to other load on the machine than req/s: it is what each request costs the proxy itself.
function cpuMs(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}


// --- set-up -------------------------------------------------------------

if (!existsSync(path.join(ROOT, 'dist/cli/main.cjs'))) {
  console.error('bench/proxy: build first (npm run build), or run npm run bench:proxy');
  process.exit(2);
}

const app = start(process.execPath, [
  '-e',
  `const s=require('node:http').createServer((q,r)=>{r.writeHead(200,{'content-type':'text/plain','content-length':${Buffer.byteLength(BODY)}});r.end(${JSON.stringify(BODY)})});s.keepAliveTimeout=60000;s.listen(0,'127.0.0.1',()=>console.log(s.address().port))`,
]);
const appPort = await new Promise((resolve, reject) => {
  app.child.stdout.once('data', (chunk) => resolve(Number(String(chunk).trim())));
  app.child.once('exit', () => reject(new Error(`the app exited: ${app.output()}`)));
});

const targets = [{ name: 'direct', port: appPort, host: `127.0.0.1:${appPort}`, pid: app.child.pid, note: `node:http app on 127.0.0.1:${appPort}` }];

// berth
{
  const home = tempDir('berth');
  const port = await freePort();
  const env = { BERTH_HOME: home, NO_COLOR: '1' };
  const alias = spawnSync(process.execPath, [BERTH, 'alias', 'app', String(appPort), '--port', String(port)], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (alias.status !== 0) throw new Error(`berth alias failed: ${alias.stderr}`);
  const proc = start(process.execPath, [BERTH, 'proxy', 'run', '--port', String(port)], env);
  await waitFor(port, `app.localhost:${port}`, 'berth proxy', proc);
  targets.push({ name: 'berth', port, host: `app.localhost:${port}`, pid: proc.child.pid, note: `berth proxy run (Node ${process.versions.node})` });
}

// portless
let portlessSkipped = null;
if (!existsSync(NODE24)) spawnSync('npm', ['install', '--prefix', NODE24_PREFIX, '--no-audit', '--no-fund'], { stdio: 'inherit' });
if (!existsSync(NODE24) || !existsSync(PORTLESS)) {
  portlessSkipped = `not installed (${!existsSync(NODE24) ? NODE24 : PORTLESS} is missing; npm install --prefix bench/proxy/node24 adds Node 24; npm install adds portless)`;
} else {
  const state = tempDir('portless');
  const port = await freePort();
  const env = { PORTLESS_STATE_DIR: state, PORTLESS_SYNC_HOSTS: '0', PORTLESS_HTTPS: '0', PORTLESS_PORT: String(port), CI: '1', NO_COLOR: '1' };
  const proc = start(NODE24, [PORTLESS, 'proxy', 'start', '--no-tls', '-p', String(port), '--foreground'], env);
  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await get(port, `localhost:${port}`))) {
      if (Date.now() > deadline || proc.child.exitCode !== null) throw new Error(`portless proxy did not start:\n${proc.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const alias = spawnSync(NODE24, [PORTLESS, 'alias', 'app', String(appPort)], { env: { ...process.env, ...env }, encoding: 'utf8' });
    if (alias.status !== 0) throw new Error(`portless alias failed: ${alias.stdout}${alias.stderr}`);
    await waitFor(port, `app.localhost:${port}`, 'portless route', proc);
    const version = spawnSync(NODE24, ['--version'], { encoding: 'utf8' }).stdout.trim();
    targets.push({ name: 'portless', port, host: `app.localhost:${port}`, pid: proc.child.pid, note: `portless proxy --no-tls (Node ${version.replace(/^v/, '')})` });
  } catch (error) {
    portlessSkipped = error.message;
  }
}

// bare: the reference floor
{
  const port = await freePort();
  const proc = start(process.execPath, [path.join(HERE, 'bare-proxy.js'), String(port), String(appPort)]);
  await waitFor(port, `app.localhost:${port}`, 'bare proxy', proc);
  targets.push({ name: 'bare', port, host: `app.localhost:${port}`, pid: proc.child.pid, note: 'bench/proxy/bare-proxy.js: reference floor, no routing or checks' });
}

// --- measure ------------------------------------------------------------

console.log(`bench/proxy: ${targets.map((t) => t.name).join(', ')} · ${CONNECTIONS} keep-alive connections · ${ROUNDS} rounds × ${DURATION_S}s · ${os.cpus().length} CPUs`);
for (const target of targets) await load(target.port, target.host, WARMUP_S);

const samples = Object.fromEntries(targets.map((t) => [t.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < targets.length; i++) {
    const target = targets[(round + i) % targets.length];
    const cpuBefore = cpuMs(target.pid);
    const appBefore = cpuMs(app.child.pid);
    const selfBefore = process.cpuUsage();
    const startedAt = process.hrtime.bigint();
    const result = await load(target.port, target.host, DURATION_S);
    const elapsedUs = Number(process.hrtime.bigint() - startedAt) / 1000;
    const requests = Math.max(1, result.requests.total);
    // The server under test: the app for direct, the proxy process otherwise.
    const cpuUsPerRequest = ((cpuMs(target.pid) - cpuBefore) * 1000) / requests;
    const appUsPerRequest = ((cpuMs(app.child.pid) - appBefore) * 1000) / requests;
    const self = process.cpuUsage(selfBefore);
    const loadgenUsPerRequest = (self.user + self.system) / requests;
    // Cores in use: proxy (0 for direct) + app + load generator; 2.0 means the machine had nothing left.
    const cores = ((target.name === 'direct' ? 0 : cpuUsPerRequest) + appUsPerRequest + loadgenUsPerRequest) * requests / elapsedUs;
    const errors = result.errors + result.timeouts + result.non2xx + result.mismatches;
    samples[target.name].push({ rps: result.requests.average, p99: result.latency.p99, p50: result.latency.p50, total: result.requests.total, cpuUsPerRequest, appUsPerRequest, loadgenUsPerRequest, cores, errors });
    process.stdout.write(
      `  round ${round + 1} ${target.name.padEnd(8)} ${Math.round(result.requests.average).toString().padStart(7)} req/s  p99 ${result.latency.p99} ms  ${cpuUsPerRequest.toFixed(0)} µs CPU/req  (app ${appUsPerRequest.toFixed(0)}, autocannon ${loadgenUsPerRequest.toFixed(0)}; ${cores.toFixed(2)} cores busy)${errors ? `  ERRORS ${errors}` : ''}\n`,
    );
  }
}

// --- report -------------------------------------------------------------

const summary = targets.map((t) => {
  const s = samples[t.name];
  return {
    name: t.name,
    note: t.note,
    rps: median(s.map((x) => x.rps)),
    p99: median(s.map((x) => x.p99)),
    p50: median(s.map((x) => x.p50)),
    cpuUsPerRequest: median(s.map((x) => x.cpuUsPerRequest)),
    appUsPerRequest: median(s.map((x) => x.appUsPerRequest)),
    loadgenUsPerRequest: median(s.map((x) => x.loadgenUsPerRequest)),
    cores: median(s.map((x) => x.cores)),
    errors: s.reduce((n, x) => n + x.errors, 0),
  };
});
const direct = summary.find((s) => s.name === 'direct');
const berth = summary.find((s) => s.name === 'berth');
const portless = summary.find((s) => s.name === 'portless');
console.log('');
console.log('target    req/s (median)  of direct  p50 ms  p99 ms  server CPU µs/req  app µs/req  autocannon µs/req  cores busy  errors');
for (const s of summary) {
  console.log(
    `${s.name.padEnd(8)}  ${Math.round(s.rps).toString().padStart(14)}  ${`${Math.round((s.rps / direct.rps) * 100)}%`.padStart(9)}  ${String(s.p50).padStart(6)}  ${String(s.p99).padStart(6)}  ${s.cpuUsPerRequest.toFixed(0).padStart(17)}  ${s.appUsPerRequest.toFixed(0).padStart(10)}  ${s.loadgenUsPerRequest.toFixed(0).padStart(17)}  ${s.cores.toFixed(2).padStart(10)}  ${s.errors}`,
  );
}
console.log('');
const bare = summary.find((s) => s.name === 'bare');
if (bare) {
  console.log(`berth against the bare reference proxy (no routing, no checks): ${Math.round((berth.rps / bare.rps) * 100)}% of its req/s, ${berth.cpuUsPerRequest.toFixed(0)} vs ${bare.cpuUsPerRequest.toFixed(0)} µs CPU/req`);
}
const load1 = os.loadavg()[0];
console.log(`load average at the end: ${load1.toFixed(1)} on ${os.cpus().length} CPUs${load1 > os.cpus().length ? ' (the machine was busy: req/s ratios are unreliable; compare CPU µs/req)' : ''}`);
// Ratios are taken per round (the targets of one round ran back to back, under the same background load), then the median.
const ratio = (a, b) => median(samples[a].map((x, i) => x.rps / samples[b][i].rps));
const ofDirect = ratio('berth', 'direct');
console.log(`per-round ratios (median of ${ROUNDS}): berth/direct ${Math.round(ofDirect * 100)}%${bare ? `, bare/direct ${Math.round(ratio('bare', 'direct') * 100)}%` : ''}${portless ? `, portless/direct ${Math.round(ratio('portless', 'direct') * 100)}%, berth/portless ${ratio('berth', 'portless').toFixed(2)}x` : ''}`);
const checks = [[`berth >= 70% of direct throughput (${Math.round(ofDirect * 100)}%, median of per-round ratios)`, ofDirect >= 0.7 && berth.errors === 0]];
if (portless) {
  const ahead = ratio('berth', 'portless');
  checks.push([`berth ahead of portless (${ahead.toFixed(2)}x req/s, median of per-round ratios; p99 ${berth.p99} vs ${portless.p99} ms)`, ahead > 1 && berth.p99 <= portless.p99 && berth.errors === 0]);
} else {
  console.log(`portless: not measured: ${portlessSkipped}`);
}
for (const [text, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${text}`);

const out = flags.out ?? path.join(HERE, `results-${new Date().toISOString().slice(0, 10)}.json`);
writeFileSync(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.versions.node, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, connections: CONNECTIONS, durationS: DURATION_S, rounds: ROUNDS, targets, samples, summary, portlessSkipped }, null, 2)}\n`,
);
console.log(`raw results: ${path.relative(process.cwd(), out)}`);
process.exit(checks.every(([, ok]) => ok) ? 0 : 1);

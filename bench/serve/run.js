// bench/serve: `berth serve` next to the static servers people use instead,
// serving the same folder, measured in one run.
//
//   npm run bench:serve                 (builds, then runs this file)
//   node bench/serve/run.js [--duration 10] [--rounds 3] [--small-connections 32]
//                           [--large-connections 4] [--large-mb 50] [--only berth,sirv]
//                           [--out FILE]
//   env: BENCH_DURATION, BENCH_ROUNDS
//
// 1. A temporary folder gets small.txt (1 KiB) and large.bin (50 MiB, random).
// 2. Each server is started on its own loopback port and checked: both files
//    must come back byte for byte.
//      berth        node bin/berth.cjs serve DIR --port P
//      python3      python3 -m http.server P --bind 127.0.0.1 --directory DIR
//      serve        node_modules/.bin/serve DIR -l tcp://127.0.0.1:P -L -n
//      http-server  node_modules/.bin/http-server DIR -p P -a 127.0.0.1 -s
//      sirv-cli     node_modules/.bin/sirv DIR --port P --host 127.0.0.1 --quiet
//    Every server runs with its defaults otherwise (no extra caching flags).
// 3. Each server is loaded for the same duration: GET /small.txt with
//    autocannon (programmatic API, keep-alive, many connections), then
//    GET /large.bin with a few keep-alive node:http connections that count
//    body bytes (autocannon itself tops out near 20 MB/s on 50 MiB bodies, so
//    it would measure itself, not the server). One short discarded warm-up
//    per server and file, then N rounds, round-robin with a rotating start so
//    that machine noise hits every server alike. The load generator runs in
//    this process, on the same machine as the servers.
// 4. Reported per server: median over rounds of req/s and p99 latency for the
//    small file, MB/s (10^6 bytes) for the large one, and each as a ratio to
//    berth. Errors and non-2xx answers are counted and shown; a server with
//    any is flagged. Raw results go to bench/serve/results-<date>.json.
import autocannon from 'autocannon';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machineFacts, median, printHelpAndExit } from '../lib.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const BIN = path.join(ROOT, 'node_modules/.bin');
const READY_TIMEOUT_MS = 20_000;
const WARMUP_SECONDS = 2;

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: process.env.BENCH_DURATION ?? '10' },
    rounds: { type: 'string', default: process.env.BENCH_ROUNDS ?? '3' },
    'small-connections': { type: 'string', default: '32' },
    'large-connections': { type: 'string', default: '4' },
    'large-mb': { type: 'string', default: '50' },
    only: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) printHelpAndExit(import.meta.url);
const DURATION = positiveInt(flags.duration, 'duration');
const ROUNDS = positiveInt(flags.rounds, 'rounds');
const SMALL_CONNECTIONS = positiveInt(flags['small-connections'], 'small-connections');
const LARGE_CONNECTIONS = positiveInt(flags['large-connections'], 'large-connections');
const LARGE_BYTES = positiveInt(flags['large-mb'], 'large-mb') * 1024 * 1024;
const SMALL_BYTES = 1024;

function positiveInt(text, name) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`bench/serve: --${name} must be a positive integer, got "${text}"`);
    process.exit(2);
  }
  return n;
}

const SERVERS = [
  { name: 'berth', command: (dir, port) => [process.execPath, [path.join(ROOT, 'bin/berth.cjs'), 'serve', dir, '--port', String(port)]] },
  { name: 'python3 http.server', command: (dir, port) => ['python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir]] },
  { name: 'serve', command: (dir, port) => [path.join(BIN, 'serve'), [dir, '-l', `tcp://127.0.0.1:${port}`, '-L', '-n']] },
  { name: 'http-server', command: (dir, port) => [path.join(BIN, 'http-server'), [dir, '-p', String(port), '-a', '127.0.0.1', '-s']] },
  { name: 'sirv-cli', command: (dir, port) => [path.join(BIN, 'sirv'), [dir, '--port', String(port), '--host', '127.0.0.1', '--quiet']] },
].filter((s) => !flags.only || flags.only.split(',').some((o) => s.name.startsWith(o.trim())));

// Ports below the OS ephemeral range (32768+ on Linux): an ephemeral port can be taken at any
// moment by an outgoing connection (the bench's own fetches), and sirv-cli and serve silently
// move to another port when theirs is taken.
const PORT_FLOOR = 20000;
const PORT_SPAN = 10000;

function tryListen(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const handedOut = new Set();
async function freePort() {
  for (;;) {
    const port = PORT_FLOOR + Math.floor(Math.random() * PORT_SPAN);
    if (handedOut.has(port)) continue;
    if (await tryListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function versionOf(name) {
  const run = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8' });
  switch (name) {
    case 'berth':
      return run(process.execPath, [path.join(ROOT, 'bin/berth.cjs'), '--version']).stdout.trim();
    case 'python3 http.server':
      return run('python3', ['--version']).stdout.trim();
    case 'serve':
      return JSON.parse(readFileSync(path.join(ROOT, 'node_modules/serve/package.json'), 'utf8')).version;
    case 'http-server':
      return JSON.parse(readFileSync(path.join(ROOT, 'node_modules/http-server/package.json'), 'utf8')).version;
    case 'sirv-cli':
      return JSON.parse(readFileSync(path.join(ROOT, 'node_modules/sirv-cli/package.json'), 'utf8')).version;
    default:
      return null;
  }
}

const running = new Set();
function stopAll() {
  for (const child of running) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
}
process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopAll();
    process.exit(130);
  });
}

async function fetchBytes(url) {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

async function startServer(spec, dir, files) {
  const port = await freePort();
  const [command, args] = spec.command(dir, port);
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${spec.name} exited with ${child.exitCode}: ${stderr}`);
    try {
      const small = await fetchBytes(`${base}/small.txt`);
      if (!small.equals(files.small)) throw new Error(`${spec.name}: /small.txt came back different`);
      break;
    } catch (error) {
      if (String(error.message).includes('came back different')) throw error;
      if (Date.now() > deadline) throw new Error(`${spec.name} did not answer on ${base}: ${error.message} ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const large = await fetchBytes(`${base}/large.bin`);
  if (createHash('sha256').update(large).digest('hex') !== files.largeSha256) throw new Error(`${spec.name}: /large.bin came back different`);
  return {
    ...spec,
    base,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          resolve();
        }
        setTimeout(() => {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // gone
          }
        }, 3000).unref();
      }).then(() => running.delete(child)),
  };
}

function load(url, connections, seconds) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds, pipelining: 1 }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

// Large file: a plain keep-alive node:http client, N loops for the duration, counting body bytes
// as they arrive. autocannon tops out near 20 MB/s on 50 MiB bodies on the machine this was
// written on (curl gets 250-850 MB/s from the same server), so it would measure itself.
async function loadLarge(url, connections, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let bytes = 0;
  let responses = 0;
  let errors = 0;
  let non2xx = 0;
  const inflight = new Set();
  const one = () =>
    new Promise((resolve) => {
      const req = http.get(url, { agent }, (res) => {
        if (res.statusCode !== 200) non2xx++;
        res.on('data', (chunk) => (bytes += chunk.length));
        res.on('end', () => {
          responses++;
          resolve();
        });
        res.on('error', () => resolve());
      });
      inflight.add(req);
      req.on('close', () => inflight.delete(req));
      req.on('error', () => {
        if (performance.now() < deadline) errors++;
        resolve();
      });
    });
  const stopper = setTimeout(() => {
    for (const req of inflight) req.destroy();
  }, seconds * 1000);
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) await one();
    }),
  );
  clearTimeout(stopper);
  agent.destroy();
  const elapsedS = (performance.now() - started) / 1000;
  return { requestsPerSec: responses / elapsedS, p99Ms: null, bytesPerSec: bytes / elapsedS, requests: responses, errors, non2xx };
}

function summarise(result) {
  return {
    requestsPerSec: result.requests.average,
    p99Ms: result.latency.p99,
    bytesPerSec: result.throughput.average,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}


function machineInfo() {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  return { ...machineFacts(), node: process.version, berthCommit: head.status === 0 ? head.stdout.trim() : null };
}

function pad(text, width, right = false) {
  const s = String(text);
  return right ? s.padStart(width) : s.padEnd(width);
}

async function main() {
  const machine = machineInfo();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-serve-'));
  const small = Buffer.from('berth bench small file\n'.repeat(Math.ceil(SMALL_BYTES / 23))).subarray(0, SMALL_BYTES);
  const large = randomBytes(LARGE_BYTES);
  writeFileSync(path.join(dir, 'small.txt'), small);
  writeFileSync(path.join(dir, 'large.bin'), large);
  const files = { small, largeSha256: createHash('sha256').update(large).digest('hex') };

  console.log(`bench/serve: ${SERVERS.map((s) => s.name).join(', ')}`);
  console.log(`  ${machine.cpu} · ${machine.nproc} CPUs · ${machine.memoryGiB} GiB · Linux ${machine.kernel} · Node ${machine.node}`);
  console.log(`  ${ROUNDS} rounds × ${DURATION}s per server and file; small: ${SMALL_CONNECTIONS} connections, large: ${LARGE_CONNECTIONS}`);

  const servers = [];
  try {
    for (const spec of SERVERS) {
      servers.push(await startServer(spec, dir, files));
      servers.at(-1).version = versionOf(spec.name);
    }
    const tests = [
      { key: 'small', path: '/small.txt', connections: SMALL_CONNECTIONS },
      { key: 'large', path: '/large.bin', connections: LARGE_CONNECTIONS },
    ];
    const run = async (test, url, seconds) =>
      test.key === 'small' ? summarise(await load(url, test.connections, seconds)) : loadLarge(url, test.connections, seconds);
    for (const server of servers) {
      for (const test of tests) await run(test, server.base + test.path, WARMUP_SECONDS);
    }
    const samples = Object.fromEntries(servers.map((s) => [s.name, { small: [], large: [] }]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = servers.map((_, i) => servers[(i + round) % servers.length]);
      for (const test of tests) {
        for (const server of order) {
          const result = await run(test, server.base + test.path, DURATION);
          samples[server.name][test.key].push(result);
          process.stdout.write(`  round ${round + 1}/${ROUNDS} ${test.key.padEnd(5)} ${server.name.padEnd(20)} ${test.key === 'small' ? `${Math.round(result.requestsPerSec)} req/s, p99 ${result.p99Ms} ms` : `${(result.bytesPerSec / 1e6).toFixed(1)} MB/s`}${result.errors || result.non2xx ? `  (${result.errors} errors, ${result.non2xx} non-2xx)` : ''}\n`);
        }
      }
    }

    const rows = servers.map((server) => {
      const s = samples[server.name];
      return {
        name: server.name,
        version: server.version,
        smallRequestsPerSec: median(s.small.map((r) => r.requestsPerSec)),
        smallP99Ms: median(s.small.map((r) => r.p99Ms)),
        largeMBps: median(s.large.map((r) => r.bytesPerSec)) / 1e6,
        errors: [...s.small, ...s.large].reduce((n, r) => n + r.errors, 0),
        non2xx: [...s.small, ...s.large].reduce((n, r) => n + r.non2xx, 0),
      };
    });
    const berth = rows.find((r) => r.name === 'berth');
    const ratio = (value, base) => (base ? `${(value / base).toFixed(2)}×` : '—');
    console.log('');
    console.log(`| server | version | small req/s | ×berth | small p99 ms | ×berth | large MB/s | ×berth | errors |`);
    console.log(`|---|---|--:|--:|--:|--:|--:|--:|--:|`);
    for (const r of rows) {
      console.log(
        `| ${r.name} | ${r.version ?? ''} | ${Math.round(r.smallRequestsPerSec)} | ${ratio(r.smallRequestsPerSec, berth?.smallRequestsPerSec)} | ${r.smallP99Ms} | ${ratio(r.smallP99Ms, berth?.smallP99Ms)} | ${r.largeMBps.toFixed(1)} | ${ratio(r.largeMBps, berth?.largeMBps)} | ${r.errors + r.non2xx} |`,
      );
    }
    console.log('');
    console.log('×berth: the server\'s value divided by berth\'s (req/s and MB/s: above 1 is faster than berth; p99: above 1 is slower).');
    const out = flags.out ?? path.join(HERE, `results-${new Date().toISOString().slice(0, 10)}.json`);
    writeFileSync(
      out,
      `${JSON.stringify({ date: new Date().toISOString(), machine, settings: { duration: DURATION, rounds: ROUNDS, smallConnections: SMALL_CONNECTIONS, largeConnections: LARGE_CONNECTIONS, smallBytes: SMALL_BYTES, largeBytes: LARGE_BYTES }, rows, samples }, null, 2)}\n`,
    );
    console.log(`raw results: ${path.relative(ROOT, out)}`);
  } finally {
    for (const server of servers) await server.stop();
    stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`bench/serve: ${error.stack ?? error}`);
  stopAll();
  process.exit(1);
});

// One measured recorder run, forked by bench/watch/run.js. Reports CPU time
// (process.cpuUsage: user + system, this process only) over the steady state,
// after the first scan, which is reported on its own.
//   node bench/watch/worker.js MODE SECONDS INTERVAL_MS HOME
// MODE: recorder  incremental scanner + history recorder (what berth daemon runs)
//       scan      incremental scanner only, no store
//       naive     a full listSockets() every interval + the same recorder
//       daemon    recorder with berth daemon's CPU budget (scans spaced out
//                 beyond the interval when one costs more than 2% of a core)
//       idle      a Node process with the same timer and nothing else (the floor)
// Every mode but daemon scans at the fixed interval (no budget).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const [mode, secondsText, intervalText, home] = process.argv.slice(2);
const seconds = Number(secondsText);
const intervalMs = Number(intervalText);

const { createListenerScanner } = await import(path.join(ROOT, 'dist/src/watch/scanner.js'));
const { createRecorder } = await import(path.join(ROOT, 'dist/src/watch/recorder.js'));
const { openState, closeStates } = await import(path.join(ROOT, 'dist/src/state/db.js'));
const { nextScanDelayMs, cpuMsSince } = await import(path.join(ROOT, 'dist/src/watch/events.js'));
const { RECORDER_CPU_BUDGET } = await import(path.join(ROOT, 'dist/src/watch/daemon.js'));
const budget = mode === 'daemon' ? RECORDER_CPU_BUDGET : 0;

const scanner = mode === 'idle' ? null : createListenerScanner({ mode: mode === 'naive' ? 'full' : 'incremental' });
const recorder = mode === 'recorder' || mode === 'naive' || mode === 'daemon' ? createRecorder({ store: openState({ home }), kind: 'watch', intervalMs }) : null;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let listeners = 0;
let firstScanMs = 0;
if (scanner) {
  const t0 = performance.now();
  const first = await scanner.scan();
  recorder?.record(first);
  firstScanMs = performance.now() - t0;
  listeners = first.listeners.length;
}

const scanMs = [];
let events = 0;
let fullWalks = 0;
let targeted = 0;
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
const end = wall0 + seconds * 1000;
while (performance.now() < end) {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  if (scanner) {
    const scan = await scanner.scan();
    recorder?.record(scan);
    events += scan.opened.length + scan.closed.length;
    if (scan.ownerLookup === 'full') fullWalks++;
    if (scan.ownerLookup === 'targeted') targeted++;
    listeners = scan.listeners.length;
    scanMs.push(performance.now() - started);
  }
  await sleep(nextScanDelayMs(intervalMs, cpuMsSince(cpuStart), performance.now() - started, budget)); // the first scan ran before the loop
}
const cpu = process.cpuUsage(cpu0);
const wallS = (performance.now() - wall0) / 1000;
recorder?.stop();
closeStates();
scanMs.sort((a, b) => a - b);
const cpuMs = (cpu.user + cpu.system) / 1000;
process.send({
  mode,
  seconds: wallS,
  scans: scanMs.length,
  listeners,
  events,
  fullWalks,
  targeted,
  firstScanMs,
  cpuUserMs: cpu.user / 1000,
  cpuSystemMs: cpu.system / 1000,
  cpuMsPerMinute: (cpuMs / wallS) * 60,
  corePercent: (cpuMs / (wallS * 1000)) * 100,
  scanMedianMs: scanMs[Math.floor(scanMs.length / 2)] ?? 0,
  scanP90Ms: scanMs[Math.floor(scanMs.length * 0.9)] ?? 0,
});

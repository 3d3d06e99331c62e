/**
 * `berth daemon start|stop|status|run`: keep the history recorder running in
 * the background.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDuration, parseDuration } from '../../duration.js';
import { BerthError } from '../../errors.js';
import { isSameProcessAlive, readProcess } from '../../processes/index.js';
import { signalProcess } from '../../processes/signal.js';
import { openState } from '../../state/db.js';
import { HISTORY_RETENTION_DAYS } from '../../state/history.js';
import { stateHome } from '../../state/paths.js';
import { claimDaemonFile, DAEMON_LOG_NAME, readDaemonRecord, releaseDaemonFile, runRecorder, runningDaemon } from '../../watch/daemon.js';
import { WATCH_INTERVAL_MS } from '../../watch/events.js';
import { recorderStatus } from '../../watch/history.js';
import { historyRetentionMs } from '../../watch/recorder.js';
import { expectPositionals, parseCommandArgs } from '../args.js';
import { formatWhen } from '../../clock.js';
import { renderRecorderLine } from '../render/history.js';
import type { Io } from '../render/io.js';
import { toJson } from '../render/io.js';

export const help = `berth daemon — record port history in the background

Usage: berth daemon start|stop|status|run [options]

  start   start the recorder in the background (does nothing if it runs)
  stop    stop it (only the process named in its pid file, checked by start time)
  status  is it running, who records, how much history is stored
  run     run the recorder in the foreground (for systemd, launchd, a container)

The recorder notices listeners opening and closing and stores each one in the
state store ($BERTH_HOME): port, protocol, address, pid, command line, folder,
and how long it stayed. Query it with berth history. Only one recorder writes at
a time; while "berth watch --record" records, the daemon waits and takes over
when it ends.

Options:
  -i, --interval DUR  time between scans (default ${formatDuration(WATCH_INTERVAL_MS)})
  --keep DUR          keep closed history this long (default ${HISTORY_RETENTION_DAYS}d, or $BERTH_HISTORY_DAYS days)
  --json              print a JSON object (start, stop, status)
  -h, --help          show this help

Exit status: 0 done (status: running), 1 not running or failed, 2 on a bad command line.

Examples:
  berth daemon start
  berth daemon status --json
  BERTH_HISTORY_DAYS=7 berth daemon run`;

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;

function logTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-5).join('\n');
  } catch {
    return '';
  }
}

async function start(io: Io, json: boolean, flagArgs: string[]): Promise<number> {
  const home = stateHome();
  const live = runningDaemon(home);
  if (live) {
    if (json) io.out(toJson({ started: false, running: true, pid: live.pid, startedAt: live.startedAt }));
    else io.out(`berth daemon is already running (pid ${live.pid}, since ${formatWhen(live.startedAt)}).`);
    return 0;
  }
  openState({ home }); // fails here, in the foreground, when the store cannot be written
  const logPath = join(home, DAEMON_LOG_NAME);
  const log = openSync(logPath, 'a', 0o600);
  const entry = process.argv[1]!;
  const child = spawn(process.execPath, [...process.execArgv, entry, 'daemon', 'run', ...flagArgs], {
    detached: true,
    stdio: ['ignore', 'pipe', log],
    env: { ...process.env, BERTH_HOME: home, NO_COLOR: '1' },
  });
  closeSync(log);
  const ready = await new Promise<{ pid: number; recording: boolean; other: number | null } | Error>((resolve) => {
    let buffer = '';
    const timer = setTimeout(() => resolve(new Error(`it did not report ready within ${formatDuration(START_TIMEOUT_MS)}`)), START_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const newline = buffer.indexOf('\n');
      if (newline === -1) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buffer.slice(0, newline)) as { pid: number; recording: boolean; other: number | null });
      } catch {
        resolve(new Error(`it printed "${buffer.slice(0, newline)}"`));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(new Error(`it exited (${signal ?? `code ${code}`})`));
    });
  });
  child.stdout!.destroy();
  child.unref();
  if (ready instanceof Error) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const tail = logTail(logPath);
    throw new BerthError('E_DAEMON_FAILED', `berth daemon did not start: ${ready.message}.${tail ? `\n${tail}` : ''}`, {
      hint: `See the log: ${logPath}; or run it in the foreground to see why: berth daemon run`,
      data: { log: logPath },
    });
  }
  if (json) {
    io.out(toJson({ started: true, running: true, pid: ready.pid, recording: ready.recording, log: logPath }));
  } else {
    io.out(`berth daemon started (pid ${ready.pid}); history: berth history · log: ${logPath}`);
    if (!ready.recording && ready.other !== null) {
      io.out(io.style.dim(`pid ${ready.other} records history now; the daemon takes over when it ends.`));
    }
  }
  return 0;
}

async function runForeground(io: Io, intervalMs: number, retentionMs: number): Promise<number> {
  const home = stateHome();
  const other = claimDaemonFile(home, intervalMs);
  if (other) {
    throw new BerthError('E_DAEMON_FAILED', `berth daemon is already running (pid ${other.pid}).`, {
      hint: 'Stop it first: berth daemon stop',
      data: { pid: other.pid },
    });
  }
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, stop);
  // `start` reads one line from stdout and closes it; later writes must not crash the daemon.
  io.stdoutStream().on('error', () => {});
  const stamp = (): string => new Date().toISOString();
  try {
    io.err(`${stamp()} berth daemon pid ${process.pid}: recording every ${formatDuration(intervalMs)}, keeping ${formatDuration(retentionMs)}`);
    await runRecorder({
      home,
      kind: 'daemon',
      intervalMs,
      retentionMs,
      signal: controller.signal,
      onReady: (recorder) => io.out(JSON.stringify({ pid: process.pid, recording: recorder.recording, other: recorder.other?.pid ?? null })),
      onError: (error) => io.err(`${stamp()} ${error instanceof Error ? error.message : String(error)}`),
    });
    io.err(`${stamp()} berth daemon pid ${process.pid}: stopped`);
    return 0;
  } finally {
    for (const s of signals) process.off(s, stop);
    releaseDaemonFile(home);
  }
}

async function stopDaemon(io: Io, json: boolean): Promise<number> {
  const home = stateHome();
  const record = readDaemonRecord(home);
  if (!record || !isSameProcessAlive(record)) {
    if (json) io.out(toJson({ stopped: false, running: false }));
    else io.out('berth daemon is not running.');
    return 1;
  }
  const current = readProcess(record.pid);
  // Signal the process only as recorded: signalProcess re-checks this start marker right before the signal.
  const outcome = current ? signalProcess({ ...current, startMarker: record.startMarker }, 'SIGTERM', 'berth daemon stop') : 'gone';
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (outcome === 'sent' && isSameProcessAlive(record) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isSameProcessAlive(record)) {
    throw new BerthError('E_DAEMON_FAILED', `berth daemon (pid ${record.pid}) is still running ${formatDuration(STOP_TIMEOUT_MS)} after SIGTERM.`, {
      hint: `Stop it by hand: kill -KILL ${record.pid}`,
      data: { pid: record.pid },
    });
  }
  if (json) io.out(toJson({ stopped: true, running: false, pid: record.pid }));
  else io.out(`berth daemon (pid ${record.pid}) stopped.`);
  return 0;
}

function status(io: Io, json: boolean, retentionMs: number): number {
  const home = stateHome();
  const record = readDaemonRecord(home);
  const running = record !== null && isSameProcessAlive(record);
  const rec = recorderStatus({ home });
  if (json) {
    io.out(
      toJson({
        running,
        daemon: record ? { ...record, running } : null,
        recorder: rec.recorder ? { ...rec.recorder, alive: rec.alive } : null,
        history: { ...rec.stats, retentionMs },
        home,
      }),
    );
    return running ? 0 : 1;
  }
  io.out(running ? `berth daemon is running (pid ${record!.pid}, since ${formatWhen(record!.startedAt)}).` : 'berth daemon is not running.');
  io.out(renderRecorderLine(rec, io.style));
  const oldest = rec.stats.oldest === null ? '' : `, oldest from ${formatWhen(rec.stats.oldest)}`;
  io.out(io.style.dim(`History: ${rec.stats.rows} entries (${rec.stats.open} open${oldest}); closed ones kept ${formatDuration(retentionMs)}. State: ${home}`));
  return running ? 0 : 1;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('daemon', args, {
    interval: { type: 'string', short: 'i' },
    keep: { type: 'string' },
  });
  if (values.help) {
    io.out(help);
    return 0;
  }
  expectPositionals('daemon', positionals, 1, 1, 'an action: start, stop, status or run');
  const intervalMs = values.interval === undefined ? WATCH_INTERVAL_MS : parseDuration(values.interval);
  const retentionMs = values.keep === undefined ? historyRetentionMs() : parseDuration(values.keep);
  const json = values.json === true;
  const passOn = [...(values.interval === undefined ? [] : ['--interval', values.interval]), ...(values.keep === undefined ? [] : ['--keep', values.keep])];
  switch (positionals[0]) {
    case 'start':
      return start(io, json, passOn);
    case 'run':
      return runForeground(io, intervalMs, retentionMs);
    case 'stop':
      return stopDaemon(io, json);
    case 'status':
      return status(io, json, retentionMs);
    default:
      throw new BerthError('E_USAGE', `Unknown daemon action "${positionals[0]}".`, { hint: 'Use: berth daemon start | stop | status | run' });
  }
}

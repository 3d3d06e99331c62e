/**
 * The background recorder: a loop that scans and records until stopped, and
 * the pid file (`daemon.json` in the state folder) that names the running
 * daemon with its start marker, so `berth daemon stop` never signals a
 * process that merely reused its pid.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import { isSameProcessAlive, readProcess } from '../processes/index.js';
import { openState } from '../state/db.js';
import { stateHome } from '../state/paths.js';
import { cpuMsSince, nextScanDelayMs, WATCH_INTERVAL_MS } from './events.js';
import { createRecorder, type HistoryRecorder } from './recorder.js';
import { createListenerScanner } from './scanner.js';

/** File name of the daemon's pid file inside the state folder. */
export const DAEMON_FILE_NAME = 'daemon.json';
/** File name of the daemon's log inside the state folder. */
export const DAEMON_LOG_NAME = 'daemon.log';
/** Default CPU budget of the background recorder: at most this fraction of one core goes to scanning. */
export const RECORDER_CPU_BUDGET = 0.02;
/** Consecutive failed scans after which the recorder loop gives up. */
const MAX_CONSECUTIVE_FAILURES = 10;

/** The running daemon, as its pid file says. */
export interface DaemonRecord {
  pid: number;
  startMarker: string | null;
  startedAt: number;
  intervalMs: number;
}

/** Path of the pid file for `home` (default: the state folder). */
export function daemonFile(home: string = stateHome()): string {
  return join(home, DAEMON_FILE_NAME);
}

/** Reads the pid file; null when there is none or it is unreadable. */
export function readDaemonRecord(home: string = stateHome()): DaemonRecord | null {
  try {
    const parsed = JSON.parse(readFileSync(daemonFile(home), 'utf8')) as Partial<DaemonRecord>;
    if (typeof parsed.pid !== 'number' || typeof parsed.startedAt !== 'number') return null;
    return { pid: parsed.pid, startMarker: parsed.startMarker ?? null, startedAt: parsed.startedAt, intervalMs: parsed.intervalMs ?? WATCH_INTERVAL_MS };
  } catch {
    return null;
  }
}

/** The daemon that is running now (pid alive with the same start marker), else null. */
export function runningDaemon(home: string = stateHome()): DaemonRecord | null {
  const record = readDaemonRecord(home);
  return record && isSameProcessAlive(record) ? record : null;
}

/**
 * Writes this process's pid file unless a live daemon already has one.
 * Returns null on success, else the daemon that runs.
 */
export function claimDaemonFile(home: string, intervalMs: number): DaemonRecord | null {
  const live = runningDaemon(home);
  if (live && live.pid !== process.pid) return live;
  const me: DaemonRecord = { pid: process.pid, startMarker: readProcess(process.pid)?.startMarker ?? null, startedAt: Date.now(), intervalMs };
  try {
    unlinkSync(daemonFile(home));
  } catch {
    // none, or stale and removed
  }
  try {
    // wx: if two daemons start at once, only one creates the file.
    writeFileSync(daemonFile(home), `${JSON.stringify(me)}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return readDaemonRecord(home) ?? me;
    throw error;
  }
  return null;
}

/** Removes the pid file if it names this process. */
export function releaseDaemonFile(home: string): void {
  if (readDaemonRecord(home)?.pid !== process.pid) return;
  try {
    unlinkSync(daemonFile(home));
  } catch {
    // already gone
  }
}

/** Options for {@link runRecorder}. */
export interface RunRecorderOptions {
  /** The state folder; default `$BERTH_HOME` or the platform's. */
  home?: string;
  kind: 'daemon' | 'watch' | 'ui';
  /** Time between scans; default {@link WATCH_INTERVAL_MS}. */
  intervalMs?: number;
  /** Closed history older than this is purged (ms); default from `$BERTH_HISTORY_DAYS` or 30 days. */
  retentionMs?: number;
  /** Fraction of one core scanning may use (scans are spaced out to stay under it); default {@link RECORDER_CPU_BUDGET}; 0: no limit. */
  cpuBudget?: number;
  /** Stops the loop (the recorder flushes and releases its role). */
  signal: AbortSignal;
  /** A failed scan or write; the loop keeps going until too many fail in a row. */
  onError?: (error: unknown) => void;
  /** Called once the recorder exists, with whether it records or waits for another recorder to end. */
  onReady?: (recorder: HistoryRecorder) => void;
}

/**
 * Scans every `intervalMs` and records history until `signal` aborts.
 * @throws the last error after {@link MAX_CONSECUTIVE_FAILURES} failed scans in a row;
 *   BerthError E_STATE_* when the store cannot be opened.
 */
export async function runRecorder(options: RunRecorderOptions): Promise<void> {
  const intervalMs = options.intervalMs ?? WATCH_INTERVAL_MS;
  const store = openState(options.home === undefined ? {} : { home: options.home });
  const recorder = createRecorder({
    store,
    kind: options.kind,
    intervalMs,
    ...(options.retentionMs === undefined ? {} : { retentionMs: options.retentionMs }),
  });
  options.onReady?.(recorder);
  const scanner = createListenerScanner();
  let failures = 0;
  try {
    while (!options.signal.aborted) {
      const started = Date.now();
      const cpu = process.cpuUsage();
      let scanCpuMs = 0;
      try {
        const scan = await scanner.scan();
        recorder.record(scan);
        if (!scan.first) scanCpuMs = cpuMsSince(cpu);
        failures = 0;
      } catch (error) {
        failures++;
        options.onError?.(error);
        if (failures >= MAX_CONSECUTIVE_FAILURES) throw error;
      }
      const wait = nextScanDelayMs(intervalMs, scanCpuMs, Date.now() - started, options.cpuBudget ?? RECORDER_CPU_BUDGET);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, wait);
        function done(): void {
          clearTimeout(timer);
          options.signal.removeEventListener('abort', done);
          resolve();
        }
        options.signal.addEventListener('abort', done, { once: true });
      });
    }
  } finally {
    recorder.stop();
  }
}

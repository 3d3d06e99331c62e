/**
 * The proxy as a background service: `berth proxy start` spawns the CLI's
 * `berth proxy run` detached, with its output in a log under the state
 * folder; the running proxy records its pid and start marker in
 * `proxy-PORT.json`; `berth proxy stop` signals only that recorded process,
 * after checking its start marker. Whether a proxy is up is decided by asking
 * it ({@link STATUS_PATH}), never by the record alone.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError, errnoCode } from '../errors.js';
import { parsePort } from '../ports/parse.js';
import { isSameProcessAlive, readProcess } from '../processes/index.js';
import { signalProcess } from '../processes/signal.js';
import { stateHome } from '../state/paths.js';
import { readLogTail } from './down.js';
import { DEFAULT_PROXY_PORT, packageRoot, proxyLogPath, proxyRecordPath, proxyStartLockPath } from './paths.js';
import { createProxyServer, STATUS_PATH, type ProxyIdentity, type ProxyServer } from './server.js';

/** How long `start` waits for the new proxy to answer, in milliseconds. */
export const PROXY_START_TIMEOUT_MS = 10_000;

/** How long `stop` waits after SIGTERM before SIGKILL, in milliseconds. */
export const PROXY_STOP_TIMEOUT_MS = 5_000;

/** How long one status request may take, in milliseconds. */
export const PROXY_PROBE_TIMEOUT_MS = 1_000;

/** Which proxy: the state folder it serves and its port. */
export interface ProxyOptions {
  /** Default `$BERTH_HOME` or the platform's state folder. */
  home?: string;
  /** Default `$BERTH_PROXY_PORT`, else {@link DEFAULT_PROXY_PORT}. */
  port?: number;
}

/** What a running proxy writes about itself. */
export interface ProxyRecord {
  pid: number;
  startMarker: string | null;
  port: number;
  home: string;
  startedAt: number;
  logPath: string;
}

/** The answer of {@link proxyStatus}. */
export interface ProxyStatus {
  /** True when a berth proxy for this state folder answers on the port. */
  running: boolean;
  port: number;
  /** `http://localhost:PORT/`: routes are `http://NAME.localhost:PORT/`. */
  url: string;
  pid: number | null;
  home: string;
  startedAt: number | null;
  /** The daemon's log (start-up errors). */
  logPath: string;
  /** Why it is not running although something is there: another program or another state folder holds the port, or the recorded process does not answer. */
  problem: string | null;
}

/**
 * The proxy port: `flag` when given, else `$BERTH_PROXY_PORT`, else 1355.
 * @throws BerthError E_PORT_INVALID for a bad value.
 */
export function resolveProxyPort(flag?: string | number, env: NodeJS.ProcessEnv = process.env): number {
  if (typeof flag === 'number') return flag;
  if (flag !== undefined) return parsePort(flag);
  const fromEnv = env.BERTH_PROXY_PORT;
  if (fromEnv !== undefined && fromEnv !== '') return parsePort(fromEnv);
  return DEFAULT_PROXY_PORT;
}

function resolveOptions(options: ProxyOptions): { home: string; port: number } {
  return { home: resolve(options.home ?? stateHome()), port: options.port ?? resolveProxyPort() };
}

/** Asks whatever listens on 127.0.0.1:`port` whether it is a berth proxy; null when nothing answers like one. */
export function probeProxy(port: number, timeoutMs = PROXY_PROBE_TIMEOUT_MS): Promise<ProxyIdentity | null> {
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path: STATUS_PATH, headers: { host: `localhost:${port}` }, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > 64 * 1024) res.destroy();
      });
      res.on('error', () => done(null));
      res.on('end', () => {
        try {
          const identity = JSON.parse(body) as ProxyIdentity;
          done(res.statusCode === 200 && identity.service === 'berth-proxy' ? identity : null);
        } catch {
          done(null);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(null));
    req.end();
  });
}

/** Reads the record the proxy on `port` wrote; null when there is none or it is unreadable. */
export function readProxyRecord(home: string, port: number): ProxyRecord | null {
  try {
    return JSON.parse(readFileSync(proxyRecordPath(home, port), 'utf8')) as ProxyRecord;
  } catch {
    return null;
  }
}

function writeProxyRecord(record: ProxyRecord): void {
  const path = proxyRecordPath(record.home, record.port);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

function removeProxyRecord(home: string, port: number, pid: number): void {
  const record = readProxyRecord(home, port);
  if (record !== null && record.pid === pid) rmSync(proxyRecordPath(home, port), { force: true });
}

/**
 * Whether a proxy for this state folder answers on the port.
 * @throws BerthError E_PORT_INVALID for a bad $BERTH_PROXY_PORT.
 */
export async function proxyStatus(options: ProxyOptions = {}): Promise<ProxyStatus> {
  const { home, port } = resolveOptions(options);
  const base: ProxyStatus = { running: false, port, url: `http://localhost:${port}/`, pid: null, home, startedAt: null, logPath: proxyLogPath(home, port), problem: null };
  const identity = await probeProxy(port);
  const record = readProxyRecord(home, port);
  if (identity !== null && resolve(identity.home) === home) {
    return { ...base, running: true, pid: identity.pid, startedAt: identity.startedAt };
  }
  if (identity !== null) {
    return { ...base, pid: identity.pid, problem: `port ${port} is held by the berth proxy (pid ${identity.pid}) of another state folder, ${identity.home}` };
  }
  if (record !== null && isSameProcessAlive(record)) {
    return { ...base, pid: record.pid, startedAt: record.startedAt, problem: `the proxy process (pid ${record.pid}) is running but does not answer on port ${port}` };
  }
  return base;
}

/** The built CLI, which the daemon runs. */
function cliPath(): string {
  const root = packageRoot();
  if (root === null) {
    throw new BerthError('E_PROXY_FAILED', 'berth cannot find its own CLI (bin/berth.cjs) to start the proxy.', {
      hint: 'Run the proxy in the foreground instead: berth proxy run',
    });
  }
  return join(root, 'bin', 'berth.cjs');
}

/**
 * Starts the proxy in the background unless one for this state folder
 * already answers; waits until it answers.
 * @returns the status, with `started` true when this call started it.
 * @throws BerthError E_PORT_IN_USE (another program or another state folder's proxy holds the port),
 *   E_PROXY_FAILED (it exited or did not answer in {@link PROXY_START_TIMEOUT_MS}; the log tail is in the message).
 */
export async function startProxy(options: ProxyOptions = {}): Promise<ProxyStatus & { started: boolean }> {
  const { home, port } = resolveOptions(options);
  return withStartLock(home, port, () => startUnlocked(home, port));
}

/** True when the lock's holder is gone (or the lock is far older than any start): it may be taken over. */
function staleLock(path: string): boolean {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    if (Date.now() - statSync(path).mtimeMs > 3 * PROXY_START_TIMEOUT_MS) return true;
    if (!Number.isInteger(pid) || pid <= 0) return false; // being written right now
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return errnoCode(error) === 'ESRCH' || errnoCode(error) === 'ENOENT';
  }
}

/**
 * Runs `start` while holding the start lock of this state folder and port.
 * Two berths starting the proxy at once (two `berth run`, or two ensureProxy
 * calls in one process) each spawned a daemon: the one that lost the bind
 * could take the port later, after the first was stopped, as a proxy nobody
 * had started or would stop. The lock is a file created exclusively; one left
 * by a berth that died is taken over.
 */
async function withStartLock<T>(home: string, port: number, start: () => Promise<T>): Promise<T> {
  const path = proxyStartLockPath(home, port);
  const token = `${process.pid} ${randomBytes(6).toString('hex')}\n`;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + PROXY_START_TIMEOUT_MS + 2000;
  for (;;) {
    try {
      writeFileSync(path, token, { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw error;
      if (staleLock(path)) {
        rmSync(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new BerthError('E_PROXY_FAILED', `Another berth has been starting the proxy on port ${port} for too long.`, {
          hint: `If no berth is running, remove ${path} and try again.`,
          data: { port, lockPath: path },
        });
      }
      await sleep(25);
    }
  }
  try {
    return await start();
  } finally {
    try {
      if (readFileSync(path, 'utf8') === token) rmSync(path, { force: true });
    } catch {
      // already gone
    }
  }
}

async function startUnlocked(home: string, port: number): Promise<ProxyStatus & { started: boolean }> {
  const before = await proxyStatus({ home, port });
  if (before.running) return { ...before, started: false };
  if (before.pid !== null && before.problem !== null && !before.problem.includes('does not answer')) {
    throw new BerthError('E_PORT_IN_USE', `The proxy cannot start: ${before.problem}.`, {
      hint: `Use another port (--port or BERTH_PROXY_PORT), or stop that proxy: BERTH_HOME=… berth proxy stop --port ${port}`,
      data: { port, pid: before.pid },
    });
  }
  const logPath = proxyLogPath(home, port);
  mkdirSync(dirname(logPath), { recursive: true, mode: 0o700 });
  const log = openSync(logPath, 'a', 0o600);
  let exited: number | string | null = null;
  try {
    const child = spawn(process.execPath, [cliPath(), 'proxy', 'run', '--port', String(port)], {
      detached: true,
      cwd: home,
      env: { ...process.env, BERTH_HOME: home, BERTH_PROXY_PORT: String(port), NO_COLOR: '1' },
      stdio: ['ignore', log, log],
    });
    child.on('error', () => (exited = 'spawn failed'));
    child.on('exit', (code, signal) => (exited = code ?? signal ?? 'exited'));
    child.unref();
  } finally {
    closeSync(log);
  }
  const deadline = Date.now() + PROXY_START_TIMEOUT_MS;
  for (;;) {
    const status = await proxyStatus({ home, port });
    // Another berth run may have started it at the same moment: whoever won, a proxy for this folder answers.
    if (status.running) return { ...status, started: true };
    if (exited !== null || Date.now() > deadline) {
      const tail = (await readLogTail(logPath, 8)) ?? [];
      const held = status.problem !== null && !status.problem.includes('does not answer');
      throw new BerthError(
        held || tail.some((line) => line.includes('another socket holds it')) ? 'E_PORT_IN_USE' : 'E_PROXY_FAILED',
        `The proxy did not start on port ${port}${exited !== null ? ` (it exited: ${exited})` : ` within ${PROXY_START_TIMEOUT_MS / 1000}s`}.${tail.length > 0 ? `\n  ${tail.join('\n  ')}` : ''}`,
        { hint: `See who holds the port: berth who ${port}; the proxy's log: ${logPath}`, data: { port, logPath, exit: exited } },
      );
    }
    await sleep(50);
  }
}

/** The result of {@link stopProxy}. */
export interface ProxyStopResult {
  /** True when a recorded proxy process was running and is now gone. */
  stopped: boolean;
  pid: number | null;
  /** Set when the proxy did not end on SIGTERM in time and was killed. */
  killed: boolean;
}

/**
 * Stops the proxy this state folder recorded on the port: SIGTERM to the
 * recorded pid (only while its start marker matches), SIGKILL after
 * {@link PROXY_STOP_TIMEOUT_MS}. Never signals anything else.
 * @throws BerthError E_PERMISSION when the OS refuses the signal.
 */
export async function stopProxy(options: ProxyOptions = {}): Promise<ProxyStopResult> {
  const { home, port } = resolveOptions(options);
  const record = readProxyRecord(home, port);
  if (record === null) return { stopped: false, pid: null, killed: false };
  const info = readProcess(record.pid);
  if (info === null || !isSameProcessAlive(record)) {
    rmSync(proxyRecordPath(home, port), { force: true });
    return { stopped: false, pid: record.pid, killed: false };
  }
  const target = { ...info, startMarker: record.startMarker };
  if (signalProcess(target, 'SIGTERM', `berth proxy stop --port ${port}`) === 'gone') {
    rmSync(proxyRecordPath(home, port), { force: true });
    return { stopped: false, pid: record.pid, killed: false };
  }
  const deadline = Date.now() + PROXY_STOP_TIMEOUT_MS;
  let killed = false;
  while (isSameProcessAlive(record)) {
    if (Date.now() > deadline && !killed) {
      signalProcess(target, 'SIGKILL', `berth proxy stop --port ${port}`);
      killed = true;
    }
    await sleep(25);
  }
  rmSync(proxyRecordPath(home, port), { force: true });
  return { stopped: true, pid: record.pid, killed };
}

/** Where `berth run` finds the proxy. */
export interface EnsuredProxy {
  port: number;
  /** `http://localhost:PORT/`. */
  url: string;
  pid: number | null;
  /** True when this call started it. */
  started: boolean;
}

/**
 * Makes sure a proxy for this state folder runs (what `berth run` calls):
 * starts it in the background when needed.
 * @throws BerthError as {@link startProxy}.
 */
export async function ensureProxy(options: ProxyOptions = {}): Promise<EnsuredProxy> {
  const status = await startProxy(options);
  return { port: status.port, url: status.url, pid: status.pid, started: status.started };
}

/** A proxy running in this process, recorded for `berth proxy stop` / `status`. */
export interface ServedProxy {
  server: ProxyServer;
  record: ProxyRecord;
  /** Closes the server and removes the record. */
  close(): Promise<void>;
}

/**
 * Runs the proxy in this process (`berth proxy run`) and records it, so that
 * `berth proxy stop` and `status` find it.
 * @throws BerthError E_PORT_IN_USE, E_PERMISSION, E_PROXY_FAILED (see {@link ProxyServer.listen}).
 */
export async function serveProxy(options: ProxyOptions & { hosts?: string[] } = {}): Promise<ServedProxy> {
  const { home, port } = resolveOptions(options);
  const server = createProxyServer({ home, port, ...(options.hosts ? { hosts: options.hosts } : {}) });
  await server.listen();
  const record: ProxyRecord = {
    pid: process.pid,
    startMarker: readProcess(process.pid)?.startMarker ?? null,
    port: server.port,
    home,
    startedAt: Date.now(),
    logPath: proxyLogPath(home, server.port),
  };
  writeProxyRecord(record);
  let closed = false;
  return {
    server,
    record,
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      removeProxyRecord(home, record.port, process.pid);
    },
  };
}

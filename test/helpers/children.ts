/**
 * Real child processes for tests: listeners on port 0 that print their port
 * when ready. Every child is started in its own process group and killed,
 * with its whole group, when the test file ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';

/** The repository root (tests run from dist/test/…). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The built CLI. */
export const BIN = `${ROOT}bin/berth.cjs`;

const started = new Set<ChildProcess>();

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

after(() => {
  for (const child of started) killGroup(child);
});
process.on('exit', () => {
  for (const child of started) killGroup(child);
});

/** A started listener. */
export interface Listener {
  port: number;
  pid: number;
  /** The forked child that shares the socket, with --fork / reuseport. */
  childPid: number | null;
  process: ChildProcess;
  /** Kills the listener's whole process group and waits for it to exit. */
  stop(): Promise<void>;
}

/** Every process the helpers started (and the forked children they reported). */
const startedPids = new Set<number>();

/**
 * For killPort's `confirm`: yes only when every process the plan would
 * signal was started by these helpers. A port number can be shared with an
 * unrelated process (a UDP socket, another address): a test must never
 * signal it.
 */
export function onlyStartedHere(plan: { victims: ReadonlyArray<{ process: { pid: number } }> }): boolean {
  return plan.victims.every((v) => startedPids.has(v.process.pid));
}

/** Starts a command that prints one JSON line {port, pid, childPid}, and waits for that line. */
export async function startReadyProcess(command: string, args: string[], timeoutMs = 10_000): Promise<Listener> {
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  started.add(child);
  let buffer = '';
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} ${args.join(' ')} did not become ready`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const newline = buffer.indexOf('\n');
      if (newline !== -1) {
        clearTimeout(timer);
        resolve(buffer.slice(0, newline));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code} before it was ready`));
    });
  });
  const info = JSON.parse(line) as { port: number; pid: number; childPid: number | null };
  startedPids.add(info.pid);
  if (child.pid !== undefined) startedPids.add(child.pid);
  if (info.childPid !== null) startedPids.add(info.childPid);
  return {
    ...info,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      killGroup(child);
      await exited;
    },
  };
}

/** Options for {@link startListener}. */
export interface ListenerOptions {
  protocol?: 'tcp' | 'udp';
  host?: string;
  /** Share the socket with a forked child process. */
  fork?: boolean;
  /** Ignore SIGTERM. */
  ignoreTerm?: boolean;
  /** More words for its command line (a marker to find it by); listen.mjs ignores them. */
  extraArgs?: string[];
  /** Run Node through a symlink of this name, so that the process is called so (its comm): `docker-proxy`. */
  processName?: string;
}

const nameDirs: string[] = [];
after(() => {
  for (const dir of nameDirs) rmSync(dir, { recursive: true, force: true });
});

/** A path to this Node under another name (a symlink in a temporary folder). */
function nodeNamed(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-name-'));
  nameDirs.push(dir);
  const link = path.join(dir, name);
  symlinkSync(process.execPath, link);
  return link;
}

/** Starts a Node listener on port 0. */
export function startListener(options: ListenerOptions = {}): Promise<Listener> {
  const args = [`${ROOT}test/fixtures/servers/listen.mjs`, options.protocol ?? 'tcp', options.host ?? '127.0.0.1'];
  if (options.fork) args.push('--fork');
  if (options.ignoreTerm) args.push('--ignore-term');
  args.push(...(options.extraArgs ?? []));
  return startReadyProcess(options.processName ? nodeNamed(options.processName) : process.execPath, args);
}

/** Starts two processes in one SO_REUSEPORT group on the same TCP port. */
export function startReusePortPair(host = '127.0.0.1'): Promise<Listener> {
  return startReadyProcess('python3', [`${ROOT}test/fixtures/servers/reuseport.py`, host]);
}

/** Result of running the built CLI. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `berth` CLI with `args`; stdin is not a TTY, colours are off. */
export async function runBerth(args: string[], options: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...options.env },
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  started.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  started.delete(child);
  return { code, stdout, stderr };
}

/** True when the machine can bind IPv6 loopback. */
export async function hasIPv6(): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(0, '::1', () => server.close(() => resolve(true)));
  });
}

/**
 * Real database servers for tests: redis-server and PostgreSQL on free
 * loopback ports, in temporary folders, stopped (whole process group) and
 * cleaned up when the test file ends. .ci/run installs both.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

/** A running database server. */
export interface DbServer {
  port: number;
  pid: number;
  /** Stops the server (its whole process group) and removes its folder. */
  stop(): Promise<void>;
}

const running = new Set<DbServer>();
after(async () => {
  for (const server of running) await server.stop();
});

/** A port that was free a moment ago (the server binds it right after). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function track(child: ChildProcess, dir: string, port: number): DbServer {
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const server: DbServer = {
    port,
    pid: child.pid!,
    async stop() {
      running.delete(server);
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(server);
  return server;
}

function waitForLine(child: ChildProcess, pattern: RegExp, what: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${timeoutMs} ms:\n${log}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      log += chunk.toString();
      if (pattern.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}:\n${log}`));
    });
  });
}

/** True when redis-server is installed. */
export function hasRedis(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Starts redis-server on a free 127.0.0.1 port, without persistence. */
export async function startRedis(): Promise<DbServer> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const server = track(child, dir, port);
  try {
    await waitForLine(child, /Ready to accept connections/, 'redis-server', 15_000);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** The folder holding initdb and postgres, or null when PostgreSQL is not installed. */
export function postgresBin(): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'postgres'))) return dir;
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(path.join(root, v, 'bin', 'initdb'))) return path.join(root, v, 'bin');
  return null;
}

/** The uid/gid PostgreSQL runs as: it refuses root, so root runs it as the postgres (or nobody) user. */
function postgresUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (name: string): { uid: number; gid: number } | null => {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    return uid.status === 0 && gid.status === 0 ? { uid: Number(uid.stdout), gid: Number(gid.stdout) } : null;
  };
  return id('postgres') ?? id('nobody');
}

/** Starts a throwaway PostgreSQL cluster on a free 127.0.0.1 port (socket directory inside its folder). */
export async function startPostgres(): Promise<DbServer> {
  const bin = postgresBin();
  if (bin === null) throw new Error('PostgreSQL is not installed: apt-get install postgresql (.ci/run does)');
  const user = postgresUser();
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = path.join(dir, 'data');
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  const init = spawnSync(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], {
    encoding: 'utf8',
    ...asUser,
  });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  }
  const port = await freePort();
  const child = spawn(
    path.join(bin, 'postgres'),
    ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-c', 'fsync=off', '-c', 'shared_buffers=16MB', '-c', 'max_connections=10'],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...asUser },
  );
  const server = track(child, dir, port);
  try {
    await waitForLine(child, /ready to accept connections/, 'postgres', 30_000);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/**
 * Real servers for the identification tests: started on a free loopback
 * port, each in its own process group, all killed when the test file ends.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { after } from 'node:test';

const started = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
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

/** A free TCP port on 127.0.0.1 (bound, then released; for servers that cannot take port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The first existing path among `names` on PATH or in `dirs` (globs like /usr/lib/postgresql/NN/bin are expanded). */
export function findBinary(name: string, extraDirs: string[] = []): string | null {
  const dirs = [...(process.env.PATH ?? '').split(':'), ...extraDirs];
  for (const dir of dirs) {
    if (dir && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return null;
}

/** The bin folders of installed PostgreSQL versions (Debian layout), newest first. */
export function postgresBinDirs(): string[] {
  try {
    return readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)).map((v) => `/usr/lib/postgresql/${v}/bin`);
  } catch {
    return [];
  }
}

/** True when `command args` exits 0. */
export function runsOk(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

/** A started server process. */
export interface ServerProcess {
  process: ChildProcess;
  /** Text the process printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts a server; resolves when `ready` matches its output (and returns the
 * match) or, with `port`, when that port accepts connections.
 */
export async function startServer(
  command: string,
  args: string[],
  ready: { pattern?: RegExp; port?: number },
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<ServerProcess & { match: RegExpExecArray | null }> {
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...(options.cwd ? { cwd: options.cwd } : {}) });
  started.add(child);
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const server: ServerProcess = {
    process: child,
    output: () => text,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      killGroup(child);
      await exited;
    },
  };
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let match: RegExpExecArray | null = null;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${command} exited before it was ready:\n${text}`);
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${command} did not become ready:\n${text}`);
    }
    if (ready.pattern) {
      match = ready.pattern.exec(text);
      if (match) break;
    } else if (ready.port !== undefined && (await accepts(ready.port))) {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { ...server, match };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

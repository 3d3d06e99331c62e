/**
 * `runApp()`: what `berth run` does. Leases a port that is stable for the
 * app's name and worktree, starts the command with PORT and HOST (and the
 * flags of tools that ignore them), waits until the app answers, finds the
 * process that really holds its socket, and routes `name.localhost` to it.
 * The route lives as long as this process: it is removed when the app ends,
 * and a proxy drops it by itself when this process dies without cleaning up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { leasePort, type Lease } from '../alloc/lease.js';
import { BerthError, errnoCode } from '../errors.js';
import { routeUrl } from '../proxy/names.js';
import { findLiveRoute, registerRoute, routeProcessOf, unregisterRoute, currentProcess } from '../proxy/routes.js';
import type { RouteRecord } from '../state/routes.js';
import { stateHome } from '../state/paths.js';
import { deriveAppName, type AppName } from './name.js';
import { planCommand, type CommandPlan } from './frameworks.js';
import { findAppListener, type AppListener } from './listener.js';
import { descendantsOf, readProcess } from '../processes/index.js';
import { signalProcess } from '../processes/signal.js';

/** How often the start-up watch looks for the app's socket, in ms. */
export const READY_POLL_MS = 150;

/** How long berth still copies the app's output after it exited, in ms. */
export const OUTPUT_DRAIN_MS = 200;

/** Options of {@link runApp}. */
export interface RunOptions {
  /** The command and its arguments. */
  command: readonly string[];
  /** Route name; default package.json's name, else the folder (branch-prefixed in a linked worktree). */
  name?: string;
  cwd?: string;
  /** Extra environment for the app (merged over this process's). */
  env?: NodeJS.ProcessEnv;
  /** The address the app should listen on; default 127.0.0.1. */
  host?: string;
  /** A port to ask for first (still leased under the name). */
  port?: number;
  /** State folder; default `$BERTH_HOME` or the platform's. */
  home?: string;
  /** Take over a name a live route holds. */
  force?: boolean;
  /**
   * The `.localhost` proxy: `false` for none; otherwise started when needed
   * through `ensureProxy` (`port` overrides `$BERTH_PROXY_PORT`/1355).
   */
  proxy?: false | { port?: number };
  /** Where the app's output goes besides its log file; default this process's stdout/stderr. */
  stdout?: Writable;
  stderr?: Writable;
}

/** What is known once the app answers. */
export interface ReadyApp {
  name: string;
  port: number;
  /** The address it answers on: 127.0.0.1 or ::1. */
  host: string;
  /** `http://127.0.0.1:PORT/`. */
  directUrl: string;
  /** `http://name.localhost:1355/`, or null without a proxy. */
  url: string | null;
  /** The process that holds the socket (may be a grandchild of the command). */
  holderPid: number | null;
  route: RouteRecord;
  /** Set when the app ignored the port berth gave it and listens elsewhere. */
  movedFrom: number | null;
  /** Why the proxy could not be used, when it could not. */
  proxyError: BerthError | null;
}

/** How the app ended. */
export interface AppExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The exit status a shell would report: the code, or 128 + the signal number. */
  status: number;
}

/** A started app. */
export interface RunningApp {
  name: AppName;
  lease: Lease;
  plan: CommandPlan;
  child: ChildProcess;
  logPath: string;
  /** Resolves once the app answers and its route is registered; rejects when it exits first. */
  ready: Promise<ReadyApp>;
  /** Resolves when the app has exited and its route and lease are gone. */
  exited: Promise<AppExit>;
  /** Sends `signal` (default SIGTERM) to the app. */
  stop(signal?: NodeJS.Signals): void;
}

/**
 * Signals the command and every process below it. A shell between berth and
 * the server (`sh -c 'node server.js'`, `npm run dev`) does not pass SIGTERM
 * on, and the server would be left running, orphaned, holding the port.
 * Each pid is checked against its start marker right before the signal.
 */
function signalTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const tree = [...descendantsOf(child.pid)].map((pid) => readProcess(pid)).filter((p) => p !== null);
  // Deepest first would be nicer, but every process gets the signal at once anyway; the command itself last.
  for (const proc of tree.reverse()) {
    try {
      signalProcess(proc, signal);
    } catch {
      // Gone, or not ours to signal any more: nothing to do.
    }
  }
}

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const signals: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return 128 + (signal ? (signals[signal] ?? 1) : 1);
}

function openLog(home: string, name: string): { path: string; stream: WriteStream } {
  const folder = join(home, 'logs');
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const path = join(folder, `${name}.log`);
  return { path, stream: createWriteStream(path, { flags: 'w', mode: 0o600 }) };
}

/**
 * Starts an app behind a stable name. Resolves once the process is spawned;
 * `ready` and `exited` tell the rest.
 * @throws BerthError E_USAGE (empty command), E_ROUTE_TAKEN (a live route has the name; use `force`),
 *   E_ROUTE_NAME_INVALID, E_NO_FREE_PORT, E_LEASE_HELD, E_STATE_*, E_COMMAND_EXITED (the command cannot start).
 */
export async function runApp(options: RunOptions): Promise<RunningApp> {
  if (options.command.length === 0) {
    throw new BerthError('E_USAGE', 'berth run needs a command to start.', { hint: 'berth run -- npm run dev' });
  }
  const cwd = options.cwd ?? process.cwd();
  const home = options.home ?? stateHome();
  const host = options.host ?? '127.0.0.1';
  const name = deriveAppName({ ...(options.name !== undefined ? { name: options.name } : {}), cwd });
  const existing = options.force ? null : findLiveRoute(name.name, { home });
  if (existing) {
    const by = existing.kind === 'alias' ? `an alias to port ${existing.port}` : `berth run (pid ${existing.owner?.pid}${existing.command ? `, ${existing.command}` : ''}) on port ${existing.port}`;
    throw new BerthError('E_ROUTE_TAKEN', `${name.name}.localhost is already routed: ${by}.`, {
      hint: 'Pick another name (berth run --name other -- …), stop that one, or take the name over: berth run --force -- …',
      data: { name: name.name, holder: existing },
    });
  }
  const lease = await leasePort({
    home,
    name: `run:${name.name}`,
    project: name.project.root,
    host,
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
  const plan = planCommand(options.command, lease.port, host, cwd);
  const log = openLog(home, name.name);
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  // The app's output goes to a terminal: keep its colours although it writes to a pipe.
  const colour = (stdout as { isTTY?: boolean }).isTTY === true && process.env.NO_COLOR === undefined;
  const child = spawn(plan.argv[0]!, plan.argv.slice(1), {
    cwd,
    env: {
      ...process.env,
      ...(colour ? { FORCE_COLOR: process.env.FORCE_COLOR ?? '1' } : {}),
      ...options.env,
      PORT: String(lease.port),
      HOST: host,
      BERTH_NAME: name.name,
    },
    stdio: ['inherit', 'pipe', 'pipe'],
  });
  for (const [from, to] of [
    [child.stdout!, stdout],
    [child.stderr!, stderr],
  ] as const) {
    from.on('data', (chunk: Buffer) => {
      to.write(chunk);
      log.stream.write(chunk.toString('utf8').replace(ANSI, ''));
    });
  }

  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => {
      const code = errnoCode(error);
      reject(
        new BerthError('E_COMMAND_EXITED', `berth run could not start ${plan.argv[0]}: ${code === 'ENOENT' ? 'no such command' : error.message}.`, {
          hint: code === 'ENOENT' ? 'Check the command name and PATH; for a package script: berth run -- npm run dev' : 'Check the command and its permissions.',
          cause: error,
          data: { command: plan.argv },
        }),
      );
    });
  });
  const exitedRaw = new Promise<AppExit>((resolve) => {
    // 'exit', not 'close': a grandchild that outlives the command (sh → node) keeps the pipes open.
    child.once('exit', (code, signal) => {
      const exit = { code, signal, status: exitStatus(code, signal) };
      const timer = setTimeout(() => resolve(exit), OUTPUT_DRAIN_MS);
      child.once('close', () => {
        clearTimeout(timer);
        resolve(exit);
      });
    });
  });
  try {
    await spawned;
  } catch (error) {
    log.stream.end();
    await lease.release();
    throw error;
  }

  const owner = currentProcess();
  let route: RouteRecord | null = null;
  const exited = exitedRaw.then(async (exit) => {
    log.stream.end();
    if (route) unregisterRoute(route.name, { home, owner });
    await lease.release();
    return exit;
  });
  const ready = (async (): Promise<ReadyApp> => {
    const found = await findAppListener({ rootPid: child.pid!, port: lease.port, exited: exitedRaw, pollMs: READY_POLL_MS });
    if (found === null) {
      const exit = await exitedRaw;
      throw new BerthError('E_COMMAND_EXITED', `${plan.argv.join(' ')} exited (status ${exit.status}) before it answered on port ${lease.port}.`, {
        hint: `Its output is in ${log.path}`,
        data: { exit, logPath: log.path },
      });
    }
    return register(found);
  })();
  // A rejection nobody awaits yet must not crash the process; callers get it from `ready`.
  ready.catch(() => undefined);

  async function register(found: AppListener): Promise<ReadyApp> {
    route = registerRoute({
      home,
      name: name.name,
      port: found.port,
      host: found.host,
      kind: 'run',
      owner,
      app: found.pid === null ? null : routeProcessOf(found.pid),
      command: options.command.join(' '),
      cwd,
      project: name.project.root,
      logPath: log.path,
      force: options.force === true,
    });
    let url: string | null = null;
    let proxyError: BerthError | null = null;
    if (options.proxy !== false) {
      try {
        const { ensureProxy } = await import('../proxy/daemon.js');
        const proxy = await ensureProxy({ home, ...(options.proxy?.port !== undefined ? { port: options.proxy.port } : {}) });
        url = routeUrl(name.name, proxy.port);
      } catch (error) {
        if (!(error instanceof BerthError)) throw error;
        proxyError = error;
      }
    }
    const bracketed = found.host.includes(':') ? `[${found.host}]` : found.host;
    return {
      name: name.name,
      port: found.port,
      host: found.host,
      directUrl: `http://${bracketed}:${found.port}/`,
      url,
      holderPid: found.pid,
      route,
      movedFrom: found.port === lease.port ? null : lease.port,
      proxyError,
    };
  }

  return {
    name,
    lease,
    plan,
    child,
    logPath: log.path,
    ready,
    exited,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      signalTree(child, signal);
    },
  };
}

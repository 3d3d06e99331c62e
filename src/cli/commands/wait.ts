/**
 * `berth wait <target> [-- command...]`: wait until a port, host:port or URL
 * is ready (or, with --free, until a port can be bound again); optionally
 * start the command that should make it ready, and supervise it.
 */
import { diagnose, type DoctorReport } from '../../doctor/index.js';
import { renderFinding } from '../render/doctor.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { planWait, waitFor, WAIT_MAX_INTERVAL_MS, WAIT_TIMEOUT_MS, type WaitAttempt, type WaitOptions, type WaitResult, type WaitTarget } from '../../alloc/wait.js';
import { formatDuration, parseDuration } from '../../duration.js';
import { BerthError, isBerthError } from '../../errors.js';
import { probeConnect } from '../../probe/connect.js';
import { expectPositionals, parseCommandArgs } from '../args.js';
import type { Io } from '../render/io.js';
import { toJson } from '../render/io.js';
import {
  createProgressLine,
  describeExit,
  renderCommandExited,
  renderProgress,
  renderReady,
  renderTimeout,
  waitLabel,
} from '../render/wait.js';

export const help = `berth wait — wait until a port or URL is ready

Usage: berth wait TARGET [options] [-- COMMAND [ARGS...]]

TARGET is a port (3000 means localhost:3000), host:port, [::1]:3000 or a URL.
A port or host:port is ready when a TCP connect succeeds; an http:// or
https:// URL (or any target with --http) when a GET answers with an accepted
status. Every address the host stands for is tried in parallel: localhost is
both 127.0.0.1 and ::1, whatever /etc/hosts says, so a server listening on
only one of them is found. HTTP proxies are never used; self-signed
certificates are accepted on loopback, and elsewhere checked against Node's
CAs and NODE_EXTRA_CA_CERTS. A connect that lands on itself (an
unused loopback port in the ephemeral range) never counts as ready. A host
name that does not resolve yet (a docker compose service still starting) is
looked up again until it does.

Polling starts every 10ms and slows down the longer it waits (up to
--interval). On a terminal a progress line is shown on stderr.

With -- COMMAND, berth starts the command first (stdin and stdout are
inherited; its stderr passes through berth, which keeps the last lines):
  - if the command exits before the target is ready, berth fails at once with
    the command's exit code (1 if it exited with 0) and its last stderr lines;
  - if the wait times out, berth stops the command (SIGTERM, then SIGKILL
    after 5s) and exits 1 with the diagnosis;
  - once ready, berth says so on stderr and stays the command's parent:
    SIGTERM and SIGHUP are passed on to it (SIGINT too, unless on a terminal,
    where Ctrl-C already reaches it), and berth exits with its exit code.

Options:
  -t, --timeout DUR   how long to wait (default ${formatDuration(WAIT_TIMEOUT_MS)}; 500ms, 30s, 2m; a bare number is seconds)
      --http          wait for an HTTP answer on a port or host:port (GET /)
      --status LIST   HTTP statuses that mean ready (default 200-399; e.g. 200-299,404); implies --http
      --interval DUR  longest pause between attempts (default ${WAIT_MAX_INTERVAL_MS}ms)
      --free          wait until the port can be bound again (nothing holds it) instead
  -q, --quiet         no output when ready and no progress line (failures are still explained)
  --json              print a JSON object (see docs/json.md)
  -h, --help          show this help

Exit status: 0 ready (with a command: the command's exit status once it
ends), 1 timed out (with the reason and the fix), 2 on a bad command line;
the command's status when it dies before the target is ready.

Examples:
  berth wait 5432                           PostgreSQL accepts connections
  berth wait http://localhost:3000/health --timeout 30s
  berth wait 8080 --http --status 200-299,401
  berth wait --free 3000                    until the old server has let go
  berth wait 5173 -- npm run dev            start it, fail fast if it crashes`;

/** Lines of the command's stderr kept for the report when it dies. */
const STDERR_TAIL_LINES = 20;
/** Bytes of the command's stderr kept at most. */
const STDERR_TAIL_BYTES = 8192;
/** Grace between SIGTERM and SIGKILL when berth stops the command after a timeout. */
const STOP_GRACE_MS = 5000;

interface ParsedWait {
  target: string;
  options: WaitOptions;
  json: boolean;
  quiet: boolean;
  command: string[] | null;
}

function parse(args: string[]): ParsedWait | 'help' {
  const dash = args.indexOf('--');
  const own = dash === -1 ? args : args.slice(0, dash);
  const command = dash === -1 ? null : args.slice(dash + 1);
  const { values, positionals } = parseCommandArgs('wait', own, {
    timeout: { type: 'string', short: 't' },
    http: { type: 'boolean' },
    status: { type: 'string' },
    interval: { type: 'string' },
    free: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
  });
  if (values.help) return 'help';
  expectPositionals('wait', positionals, 1, 1, 'a port, host:port or URL (such as 3000 or http://localhost:3000/health)');
  const usage = (message: string): BerthError => new BerthError('E_USAGE', message, { hint: 'See: berth wait --help' });
  if (command !== null && command.length === 0) throw usage('Nothing follows "--": give the command to start, such as: berth wait 3000 -- npm start');
  if (values.free && (values.http || values.status !== undefined)) throw usage('--free waits for a port to be bindable; it does not go with --http or --status.');
  if (values.free && command !== null) throw usage('--free does not start a command; run the command after it: berth wait --free 3000 && npm start');
  const intervalMs = values.interval === undefined ? undefined : parseDuration(values.interval);
  if (intervalMs !== undefined && intervalMs <= 0) throw usage('--interval must be above 0, such as 100ms.');
  return {
    target: positionals[0]!,
    options: {
      timeoutMs: values.timeout === undefined ? WAIT_TIMEOUT_MS : parseDuration(values.timeout),
      http: values.http === true || values.status !== undefined,
      ...(values.status === undefined ? {} : { statuses: values.status }),
      ...(intervalMs === undefined ? {} : { intervalMs }),
      free: values.free === true,
    },
    json: values.json === true,
    quiet: values.quiet === true,
    command,
  };
}

export async function run(args: string[], io: Io): Promise<number> {
  const parsed = parse(args);
  if (parsed === 'help') {
    io.out(help);
    return 0;
  }
  // Plan first: bad targets and statuses are usage errors before anything starts.
  const plan = await planWait(parsed.target, parsed.options);
  const label = waitLabel(plan);
  if (parsed.command !== null) return runWithCommand(parsed, parsed.command, plan, io);

  const showProgress = io.stderrIsTTY && !parsed.json && !parsed.quiet;
  const progress = showProgress ? createProgressLine(io.stderrStream()) : null;
  const last = new Map<string, WaitAttempt>();
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  try {
    const result = await waitFor(parsed.target, {
      ...parsed.options,
      signal: stop.signal,
      ...(progress
        ? {
            onAttempt: (p) => {
              // Once the name resolves, its addresses speak for it.
              if (p.attempt.family !== null) for (const [key, a] of last) if (a.family === null) last.delete(key);
              last.set(p.attempt.address, p.attempt);
              progress.update(renderProgress(p, last, label, io.errStyle));
            },
          }
        : {}),
    });
    progress?.clear();
    if (parsed.json) io.out(toJson(result));
    else if (!parsed.quiet) io.out(renderReady(result, label, io.style));
    return 0;
  } catch (error) {
    progress?.clear();
    if (stop.signal.aborted) return 130;
    return await reportWaitError(error, parsed, io);
  } finally {
    process.off('SIGINT', onSignal);
  }
}

/** How long the doctor may look at a target that timed out, in ms. */
const DOCTOR_ON_TIMEOUT_MS = 1500;

/**
 * Timeouts get the wait's own diagnosis and then the doctor's findings on the
 * target (what is wrong, the evidence, the fix); anything else goes to the
 * CLI's one catch.
 */
async function reportWaitError(error: unknown, parsed: ParsedWait, io: Io): Promise<number> {
  if (!isBerthError(error) || error.code !== 'E_TIMEOUT') throw error;
  let doctor: DoctorReport | null = null;
  if (!parsed.options.free) {
    try {
      doctor = await diagnose(parsed.target, { timeoutMs: DOCTOR_ON_TIMEOUT_MS });
    } catch {
      // The wait's own diagnosis stands on its own.
    }
  }
  if (parsed.json) {
    io.out(toJson({ error, doctor }));
    return 1;
  }
  io.err(renderTimeout(error, io.errStyle));
  const findings = doctor?.findings.filter((f) => f.severity !== 'info') ?? [];
  if (findings.length > 0) {
    io.err(['', io.errStyle.bold('berth doctor says:')]);
    for (const finding of findings) io.err(renderFinding(finding, io.errStyle));
  }
  return 1;
}

function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal) return 128 + (constants.signals[signal] ?? 0);
  return code ?? 1;
}

/** Keeps the last lines of a stream while passing it through. */
function tailOf(child: ChildProcess, io: Io): () => string {
  let buffer = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    io.stderrStream().write(chunk); // pass through as it comes, unbuffered
    buffer = (buffer + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
  });
  return () => buffer.split('\n').slice(-STDERR_TAIL_LINES - 1).join('\n');
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

async function runWithCommand(parsed: ParsedWait, argv: string[], plan: WaitTarget, io: Io): Promise<number> {
  const name = argv.join(' ');
  const label = waitLabel(plan);
  // Someone already answering would make "ready" meaningless: say so before starting.
  if (plan.mode !== 'free') {
    const early = await Promise.all(plan.addresses.map((a) => probeConnect(a.address, plan.port, { timeoutMs: 200 })));
    if (early.some((r) => r.ok) && !parsed.quiet) {
      io.err(io.errStyle.yellow(`berth: ${label} already accepts connections before "${name}" started; an older server may answer for it (berth who ${plan.port}).`));
    }
  }

  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['inherit', 'inherit', 'pipe'] });
  const tail = tailOf(child, io);
  // 'exit', not 'close': a daemon the command forked may keep its stderr open for ever.
  // The pipe still gets a moment to deliver the last lines.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      const done = (): void => resolve({ code, signal });
      if (!child.stderr || child.stderr.readableEnded) return done();
      const timer = setTimeout(done, 200);
      child.stderr.once('end', () => {
        clearTimeout(timer);
        done();
      });
    });
  });
  // A command that cannot start (not found, not executable) emits 'error' and never 'exit'.
  const started = await new Promise<Error | null>((resolve) => {
    child.once('spawn', () => resolve(null));
    child.once('error', resolve);
  });
  if (started) return reportSpawnError(started, parsed, argv, io);
  const died = new AbortController();
  void exited.then(() => died.abort());

  // Signals: before ready they end the wait; after, they are passed on. On a terminal, Ctrl-C
  // reaches the whole foreground process group (the command too), so SIGINT is not sent twice.
  const interactive = io.interactive;
  const forward = (signal: NodeJS.Signals) => (): void => {
    if (!(signal === 'SIGINT' && interactive)) child.kill(signal);
    died.abort();
  };
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  try {
    let result: WaitResult;
    try {
      result = await waitFor(parsed.target, { ...parsed.options, signal: died.signal });
    } catch (error) {
      if (died.signal.aborted) {
        const failure = await exited;
        return reportCommandExited(parsed, argv, label, failure, tail(), io);
      }
      await stopChild(child, exited);
      const tailText = tail();
      if (isBerthError(error) && error.code === 'E_TIMEOUT') error.data.stderrTail = tailText;
      return await reportWaitError(error, parsed, io);
    }
    if (!parsed.quiet && !parsed.json) io.err(`${renderReady(result, label, io.errStyle)} ${io.errStyle.dim(`· supervising pid ${child.pid}`)}`);
    const end = await exited;
    const status = exitStatus(end.code, end.signal);
    if (parsed.json) io.out(toJson({ ...result, command: { argv, pid: child.pid ?? null, exitCode: end.code, signal: end.signal } }));
    return status;
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
  }
}

function reportCommandExited(
  parsed: ParsedWait,
  argv: string[],
  label: string,
  end: { code: number | null; signal: NodeJS.Signals | null },
  stderrTail: string,
  io: Io,
): number {
  const name = argv.join(' ');
  const error = new BerthError('E_COMMAND_EXITED', `"${name}" ${describeExit(end.code, end.signal)} before ${label} was ready.`, {
    hint: end.code === 0 ? `It ended without an error: does it start a server, or hand it to the background?` : `Its stderr says why; run it alone to see all of it: ${name}`,
    data: { command: argv, target: parsed.target, exitCode: end.code, signal: end.signal, stderrTail },
  });
  // The command's own status, so that scripts see why; 1 when it claimed success.
  return reportCommandError(error, end.code === 0 ? 1 : exitStatus(end.code, end.signal), parsed, io);
}

function reportSpawnError(failure: Error, parsed: ParsedWait, argv: string[], io: Io): number {
  const notFound = (failure as NodeJS.ErrnoException).code === 'ENOENT';
  const error = new BerthError('E_COMMAND_EXITED', `Cannot start "${argv.join(' ')}": ${failure.message}.`, {
    hint: notFound ? `Is "${argv[0]}" installed and on PATH? For shell syntax use: -- sh -c '…'` : `Check that "${argv[0]}" is executable.`,
    data: { command: argv, target: parsed.target, exitCode: null, signal: null, stderrTail: '' },
    cause: failure,
  });
  // The shell's conventions: 127 not found, 126 found but not executable.
  return reportCommandError(error, notFound ? 127 : 126, parsed, io);
}

function reportCommandError(error: BerthError, status: number, parsed: ParsedWait, io: Io): number {
  if (parsed.json) io.out(toJson({ error }));
  else io.err(renderCommandExited(error, io.errStyle));
  return status;
}

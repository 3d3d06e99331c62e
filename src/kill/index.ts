/**
 * `killPort()`: stop whatever holds one or more ports, safely.
 *
 * Guards: the process start time is re-checked right before every signal
 * (a reused pid is never hit); pid 1, berth itself and its ancestors (the
 * shell that ran it) are refused; so are a container's port forwarders
 * (docker-proxy …) unless asked for: stopping one leaves the container
 * running with its port broken. SIGKILL is sent only when asked. After
 * the stop, the ports are checked again and the result says whether they
 * are really free.
 */
import { BerthError, isBerthError } from '../errors.js';
import type { ProcessInfo, Protocol, Socket } from '../model.js';
import { whoIs } from '../inventory/index.js';
import { parseTarget, type Target } from '../ports/parse.js';
import { containersCommand, isForwarder } from '../processes/forwarders.js';
import { isSameProcessAlive, parentPid } from '../processes/index.js';
import { signalProcess } from '../processes/signal.js';
import { TERMINATING_SIGNALS } from './signals.js';

/** Default time a process gets to exit after the first signal. */
export const KILL_TIMEOUT_MS = 5000;
/** Time a process gets to vanish after SIGKILL (it cannot ignore it, but the kernel needs a moment). */
const SIGKILL_GRACE_MS = 2000;
/** How often berth checks whether signalled processes are gone. */
const EXIT_POLL_MS = 15;

/** A process berth plans to stop, with the ports it holds among the targets. */
export interface Victim {
  process: ProcessInfo;
  /** Targets (as the user typed them) that this process holds. */
  targets: string[];
}

/** A holder berth will not signal, and why. */
export interface Refusal {
  process: ProcessInfo;
  /** `forwarder`: it forwards the port into a container (see {@link KillOptions.forwarders}). */
  reason: 'init' | 'self' | 'ancestor' | 'forwarder';
  /** One sentence for people. */
  message: string;
  /** What to do instead, when there is something (the container to stop). */
  hint?: string;
}

/** What `killPort` found before signalling anything. */
export interface KillPlan {
  targets: Target[];
  /** Processes to signal. */
  victims: Victim[];
  /** Holders that the guards protect. */
  refused: Refusal[];
  /** Targets that nobody holds. */
  notHeld: Target[];
  /** Listening sockets on the targets whose holders are hidden (another user's; run with sudo). */
  hidden: Socket[];
}

/** What happened to one process. */
export interface ProcessOutcome {
  pid: number;
  name: string;
  /**
   * - `exited`: it ended after the first signal;
   * - `killed`: it ended after SIGKILL;
   * - `running`: still alive (it ignored the signal and no SIGKILL was allowed);
   * - `signalled`: a non-terminating signal (HUP, USR1 …) was delivered;
   * - `gone`: it had already exited (or its pid was reused) before berth signalled;
   * - `denied`: the OS refused (another user's process).
   */
  outcome: 'exited' | 'killed' | 'running' | 'signalled' | 'gone' | 'denied';
  /** Signals actually sent, in order. */
  signals: NodeJS.Signals[];
  /** For `denied`: the error with the user and the command to run instead. */
  error?: BerthError;
}

/** Whether a target port is free after the stop. */
export interface PortOutcome {
  target: string;
  port: number;
  free: boolean;
  /** Who holds it now, when not free (a supervisor may have restarted it). */
  heldBy: ProcessInfo[];
}

/** The result of {@link killPort}. */
export interface KillResult {
  plan: KillPlan;
  dryRun: boolean;
  /** False when the `confirm` callback said no: nothing was signalled. */
  confirmed: boolean;
  processes: ProcessOutcome[];
  ports: PortOutcome[];
  /** True when every target was held and is now free, and nothing was refused or denied. */
  ok: boolean;
}

/** Options for {@link killPort}. */
export interface KillOptions {
  /** First signal to send. Default SIGTERM. */
  signal?: NodeJS.Signals;
  /** How long to wait for processes to exit after the first signal, in ms. Default 5000. */
  timeoutMs?: number;
  /** Send SIGKILL to processes still alive after the timeout. */
  force?: boolean;
  /** Only plan: signal nothing. */
  dryRun?: boolean;
  /** Only the holders of this protocol's sockets on the targets (default: TCP and UDP). */
  protocol?: Protocol;
  /**
   * Also stop port forwarders of containers (docker-proxy, rootlessport …).
   * Default false: they are refused, with the command that finds the
   * container to stop instead.
   */
  forwarders?: boolean;
  /** Asked with the plan before anything is signalled; return false to stop. */
  confirm?: (plan: KillPlan) => boolean | Promise<boolean>;
  /** Asked when processes outlive the timeout and `force` is off; return true to send SIGKILL. */
  escalate?: (running: ProcessInfo[]) => boolean | Promise<boolean>;
  /** Progress: called when a signal is sent. */
  onSignal?: (process: ProcessInfo, signal: NodeJS.Signals) => void;
}

/** Pids berth must never signal: itself and every ancestor up to init. */
function protectedPids(): Map<number, Refusal['reason']> {
  const protectedSet = new Map<number, Refusal['reason']>([[1, 'init'], [process.pid, 'self']]);
  let pid = process.ppid;
  for (let depth = 0; pid > 1 && depth < 64; depth++) {
    if (!protectedSet.has(pid)) protectedSet.set(pid, 'ancestor');
    const parent = parentPid(pid);
    if (parent === null) break;
    pid = parent;
  }
  return protectedSet;
}

const REFUSAL_TEXT: Record<Refusal['reason'], string> = {
  init: 'it is pid 1 (init), and stopping it would stop the whole system or container',
  self: 'it is this berth process',
  ancestor: 'it is the shell or program that started berth',
  forwarder: 'it forwards the port into a container, which would keep running with its port broken',
};

/** A socket filter for `protocol` (every socket when undefined). */
function ofProtocol(protocol: Protocol | undefined): (socket: Socket) => boolean {
  return (socket) => protocol === undefined || socket.protocol === protocol;
}

/**
 * Finds what holds the targets and decides what may be signalled, without signalling.
 * @param options.forwarders also plan to stop containers' port forwarders.
 * @param options.protocol only the holders of this protocol's sockets.
 */
export async function planKill(targets: ReadonlyArray<string | Target>, options: { forwarders?: boolean; protocol?: Protocol } = {}): Promise<KillPlan> {
  const parsed = targets.map((t) => (typeof t === 'string' ? parseTarget(t) : t));
  const guard = protectedPids();
  const victims = new Map<number, Victim>();
  const refused = new Map<number, Refusal>();
  const notHeld: Target[] = [];
  const hidden: Socket[] = [];
  const wanted = ofProtocol(options.protocol);
  for (const target of parsed) {
    const who = await whoIs(target);
    const listeners = who.listeners.filter(wanted);
    if (listeners.length === 0) notHeld.push(target);
    for (const socket of listeners) if (socket.holdersHidden) hidden.push(socket);
    for (const { process: proc } of who.holders.filter((h) => h.sockets.some(wanted))) {
      const reason = guard.get(proc.pid) ?? (isForwarder(proc) && options.forwarders !== true ? 'forwarder' : undefined);
      if (reason) {
        const refusal: Refusal = { process: proc, reason, message: `pid ${proc.pid} (${proc.name}) is not stopped: ${REFUSAL_TEXT[reason]}.` };
        if (reason === 'forwarder') refusal.hint = `Stop the container instead (find it with: ${containersCommand(proc, target.port)}), or add --forwarders to stop ${proc.name} anyway.`;
        refused.set(proc.pid, refusal);
        continue;
      }
      const victim = victims.get(proc.pid) ?? { process: proc, targets: [] };
      if (!victim.targets.includes(target.input)) victim.targets.push(target.input);
      victims.set(proc.pid, victim);
    }
  }
  return { targets: parsed, victims: [...victims.values()], refused: [...refused.values()], notHeld, hidden };
}

async function waitForExit(procs: readonly ProcessInfo[], timeoutMs: number): Promise<Set<number>> {
  const deadline = Date.now() + timeoutMs;
  const alive = new Set(procs.map((p) => p.pid));
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  for (;;) {
    for (const pid of alive) if (!isSameProcessAlive(byPid.get(pid)!)) alive.delete(pid);
    if (alive.size === 0 || Date.now() >= deadline) return alive;
    await new Promise((resolve) => setTimeout(resolve, EXIT_POLL_MS));
  }
}

/**
 * Stops whatever holds the given ports: SIGTERM (or `signal`), a wait of
 * `timeoutMs`, SIGKILL only with `force` or when `escalate` agrees, then a
 * check that the ports are free.
 * @param targets ports or host:port targets, as `whoIs` takes them.
 * @throws BerthError E_PORT_INVALID / E_TARGET_INVALID for bad targets;
 *   E_PERMISSION when the only holders are hidden from this user.
 */
export async function killPort(targets: ReadonlyArray<string | Target> | string | Target, options: KillOptions = {}): Promise<KillResult> {
  const list = Array.isArray(targets) ? targets : [targets as string | Target];
  const signal = options.signal ?? 'SIGTERM';
  const timeoutMs = options.timeoutMs ?? KILL_TIMEOUT_MS;
  const plan = await planKill(list, { forwarders: options.forwarders === true, ...(options.protocol ? { protocol: options.protocol } : {}) });
  const retry = `berth kill ${plan.targets.map((t) => t.input).join(' ')}`;

  if (plan.victims.length === 0 && plan.refused.length === 0 && plan.hidden.length > 0) {
    const socket = plan.hidden[0]!;
    throw new BerthError(
      'E_PERMISSION',
      `Port ${socket.localPort} is held by a process of ${socket.user ?? 'another user'} that berth may not see or stop.`,
      { hint: `Run it with sudo: sudo ${retry}`, data: { port: socket.localPort, user: socket.user, uid: socket.uid } },
    );
  }

  const result: KillResult = { plan, dryRun: options.dryRun === true, confirmed: true, processes: [], ports: [], ok: false };
  if (options.dryRun || plan.victims.length === 0) return finish(result, options.protocol);
  if (options.confirm && !(await options.confirm(plan))) {
    result.confirmed = false;
    return result;
  }

  const outcomes = new Map<number, ProcessOutcome>();
  const signalled: ProcessInfo[] = [];
  for (const { process: proc } of plan.victims) {
    const outcome: ProcessOutcome = { pid: proc.pid, name: proc.name, outcome: 'gone', signals: [] };
    outcomes.set(proc.pid, outcome);
    try {
      if (signalProcess(proc, signal, retry) === 'sent') {
        outcome.signals.push(signal);
        signalled.push(proc);
        options.onSignal?.(proc, signal);
      }
    } catch (error) {
      if (!isBerthError(error) || error.code !== 'E_PERMISSION') throw error;
      outcome.outcome = 'denied';
      outcome.error = error;
    }
  }

  if (TERMINATING_SIGNALS.has(signal)) {
    let alive = await waitForExit(signalled, signal === 'SIGKILL' ? SIGKILL_GRACE_MS : timeoutMs);
    for (const proc of signalled) if (!alive.has(proc.pid)) outcomes.get(proc.pid)!.outcome = signal === 'SIGKILL' ? 'killed' : 'exited';
    const survivors = signalled.filter((p) => alive.has(p.pid));
    if (survivors.length > 0 && signal !== 'SIGKILL' && (options.force || (options.escalate && (await options.escalate(survivors))))) {
      for (const proc of survivors) {
        if (signalProcess(proc, 'SIGKILL', retry) === 'sent') {
          outcomes.get(proc.pid)!.signals.push('SIGKILL');
          options.onSignal?.(proc, 'SIGKILL');
        }
      }
      alive = await waitForExit(survivors, SIGKILL_GRACE_MS);
    }
    for (const proc of survivors) outcomes.get(proc.pid)!.outcome = alive.has(proc.pid) ? 'running' : 'killed';
  } else {
    for (const proc of signalled) outcomes.get(proc.pid)!.outcome = 'signalled';
  }
  result.processes = [...outcomes.values()];
  return finish(result, options.protocol);
}

async function finish(result: KillResult, protocol: Protocol | undefined): Promise<KillResult> {
  const { plan } = result;
  const wanted = ofProtocol(protocol);
  for (const target of plan.targets) {
    const who = await whoIs(target);
    result.ports.push({
      target: target.input,
      port: target.port,
      free: !who.listeners.some(wanted),
      heldBy: who.holders.filter((h) => h.sockets.some(wanted)).map((h) => h.process),
    });
  }
  result.ok =
    !result.dryRun &&
    result.confirmed &&
    plan.notHeld.length === 0 &&
    plan.refused.length === 0 &&
    result.ports.every((p) => p.free) &&
    result.processes.every((p) => p.outcome !== 'denied' && p.outcome !== 'running');
  return result;
}


/**
 * Process facts from /proc/<pid>/{stat,cmdline,cwd} (proc(5)).
 */
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, statSync } from 'node:fs';
import type { ProcessInfo } from '../model.js';
import { userName } from './users.js';

let procBuffer = Buffer.allocUnsafe(16 * 1024);

/**
 * Reads a small /proc file: open, read until EOF, close, into one reused
 * buffer. readFileSync costs two more syscalls (an fstat that reports size 0,
 * and a read to find EOF), which adds up over every process of `berth ls`.
 * @throws the fs error (ENOENT when the process is gone, EACCES, ESRCH).
 */
export function readProcFile(path: string): string {
  const fd = openSync(path, 'r');
  try {
    let length = 0;
    for (;;) {
      if (length === procBuffer.length) {
        const bigger = Buffer.allocUnsafe(procBuffer.length * 2);
        procBuffer.copy(bigger, 0, 0, length);
        procBuffer = bigger;
      }
      const n = readSync(fd, procBuffer, length, procBuffer.length - length, null);
      if (n === 0) break;
      length += n;
      // A short read of a proc file generated in one go (stat, cmdline) is its end.
      if (length < procBuffer.length) break;
    }
    return procBuffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

/** USER_HZ: /proc reports times in these ticks; fixed at 100 by the Linux ABI on every architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

let bootTimeMs: number | undefined;

/** Boot time in ms since the epoch, from the `btime` line of /proc/stat. */
function bootTime(): number {
  if (bootTimeMs === undefined) {
    const match = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    bootTimeMs = match ? Number(match[1]) * 1000 : 0;
  }
  return bootTimeMs;
}

/** Fields of /proc/<pid>/stat that berth uses. */
export interface ProcStat {
  name: string;
  state: string;
  ppid: number;
  /** Start time in clock ticks since boot (field 22). */
  startTicks: string;
}

/**
 * Parses /proc/<pid>/stat. The name (field 2) is in parentheses and may itself
 * contain spaces and parentheses, so fields are counted from the last ')'.
 */
export function parseStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open === -1 || close === -1) return null;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  if (rest.length < 20) return null;
  return { name: text.slice(open + 1, close), state: rest[0]!, ppid: Number(rest[1]), startTicks: rest[19]! };
}

/** Reads /proc/<pid>/stat; null when the process is gone. */
export function readStat(pid: number): ProcStat | null {
  try {
    return parseStat(readProcFile(`/proc/${pid}/stat`));
  } catch {
    return null;
  }
}

/** Reads everything berth shows about a process; null when it no longer exists. */
export function readProcess(pid: number): ProcessInfo | null {
  const stat = readStat(pid);
  if (stat === null) return null;
  let argv: string[] = [];
  try {
    const raw = readProcFile(`/proc/${pid}/cmdline`);
    argv = raw.split('\0');
    if (argv[argv.length - 1] === '') argv.pop();
  } catch {
    // unreadable: keep the short name
  }
  let uid: number | null = null;
  try {
    uid = statSync(`/proc/${pid}`).uid;
  } catch {
    // gone
  }
  let cwd: string | null = null;
  try {
    cwd = readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    // EACCES for another user's process without root
  }
  return {
    pid,
    ppid: stat.ppid,
    name: stat.name,
    argv,
    command: argv.length > 0 ? argv.join(' ') : `[${stat.name}]`,
    uid,
    user: uid === null ? null : userName(uid),
    cwd,
    startedAt: Math.round(bootTime() + (Number(stat.startTicks) * 1000) / CLOCK_TICKS_PER_SECOND),
    startMarker: stat.startTicks,
    state: stat.state,
  };
}

/** The current start marker of `pid` (null when it does not exist), for the pid-reuse guard. */
export function readStartMarker(pid: number): { marker: string; state: string } | null {
  const stat = readStat(pid);
  return stat === null ? null : { marker: stat.startTicks, state: stat.state };
}

/**
 * True when `pid` has fully exited: gone, or a zombie with no thread left.
 * The leader of a multi-threaded process shows state Z as soon as its own
 * thread exits, while the other threads still hold the fd table (and so the
 * sockets) until they finish too; see do_exit() in kernel/exit.c.
 */
export function hasExited(pid: number, state: string): boolean {
  if (state !== 'Z' && state !== 'X') return false;
  try {
    return readdirSync(`/proc/${pid}/task`).length <= 1;
  } catch {
    return true;
  }
}

/** Lists the pids under /proc (thread-group leaders only: threads share the fd table). */
export function listPids(procRoot = '/proc'): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync(procRoot)) {
    const code = entry.charCodeAt(0);
    if (code >= 48 && code <= 57) pids.push(Number(entry));
  }
  return pids;
}

/** `rootPid` and every process below it, from the parent links in /proc. */
export function descendantsOf(rootPid: number): Set<number> {
  const children = new Map<number, number[]>();
  let pids: number[] = [];
  try {
    pids = listPids();
  } catch {
    return new Set([rootPid]);
  }
  for (const pid of pids) {
    const stat = readStat(pid);
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(pid);
    children.set(stat.ppid, list);
  }
  const found = new Set<number>([rootPid]);
  const queue = [rootPid];
  while (queue.length > 0) {
    for (const child of children.get(queue.pop()!) ?? []) {
      if (!found.has(child)) {
        found.add(child);
        queue.push(child);
      }
    }
  }
  return found;
}

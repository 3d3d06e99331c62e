/**
 * Process facts and signalling, behind one interface for every platform.
 */
import { BerthError } from '../errors.js';
import type { ProcessInfo } from '../model.js';
import * as linux from './linux.js';

function unsupported(): never {
  throw new BerthError('E_PLATFORM', `berth cannot read processes on ${process.platform} yet.`, {
    hint: 'Linux is supported today; macOS and Windows backends are planned.',
    data: { platform: process.platform },
  });
}

/** Reads a process's pid, parent, name, command line, user, folder and start time; null when it is gone. */
export function readProcess(pid: number): ProcessInfo | null {
  if (process.platform === 'linux') return linux.readProcess(pid);
  return unsupported();
}

/**
 * True while `proc` is still the same running process: its pid exists, its
 * start marker is unchanged (so the pid was not reused) and it is not a zombie.
 */
export function isSameProcessAlive(proc: Pick<ProcessInfo, 'pid' | 'startMarker'>): boolean {
  if (process.platform !== 'linux') return unsupported();
  const now = linux.readStartMarker(proc.pid);
  if (now === null || linux.hasExited(proc.pid, now.state)) return false;
  return proc.startMarker === null || now.marker === proc.startMarker;
}

/** The parent of `pid`; null when it is gone, cannot be read, or the platform has no way to tell yet. */
export function parentPid(pid: number): number | null {
  if (process.platform === 'linux') return linux.readStat(pid)?.ppid ?? null;
  return null;
}

/** `rootPid` and every process below it (children, grandchildren …), from the parent links the OS reports. */
export function descendantsOf(rootPid: number): Set<number> {
  if (process.platform === 'linux') return linux.descendantsOf(rootPid);
  return unsupported();
}

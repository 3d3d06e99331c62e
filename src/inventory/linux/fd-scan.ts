/**
 * Maps socket inodes to the processes that hold them, by reading the
 * `socket:[INODE]` links in /proc/<pid>/fd (proc(5)). This is what lsof, ss -p
 * and fuser do; it needs no binary and works in slim containers.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { errnoCode } from '../../errors.js';

/** Result of one scan of /proc. */
export interface FdScan {
  /** Socket inode → pids holding it (each pid once). */
  holders: Map<number, number[]>;
  /** Pids whose fd table could not be read (another user's process, no root). */
  unreadablePids: number[];
}

const SOCKET_PREFIX = 'socket:[';

/** Lists the pids under /proc (thread-group leaders only: threads share the fd table). */
export function listPids(procRoot = '/proc'): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync(procRoot)) {
    const code = entry.charCodeAt(0);
    if (code >= 48 && code <= 57) pids.push(Number(entry));
  }
  return pids;
}

/**
 * Scans every process's fd table for the given socket inodes.
 * @param wanted inodes to look for; when omitted, every socket inode is recorded.
 */
export function scanSocketHolders(wanted?: ReadonlySet<number>, procRoot = '/proc'): FdScan {
  const holders = new Map<number, number[]>();
  const unreadablePids: number[] = [];
  if (wanted && wanted.size === 0) return { holders, unreadablePids };

  for (const pid of listPids(procRoot)) {
    const fdDir = `${procRoot}/${pid}/fd`;
    let fds: string[];
    try {
      fds = readdirSync(fdDir);
    } catch (error) {
      // EACCES: another user's process; ENOENT: it exited while we looked.
      if (errnoCode(error) === 'EACCES') unreadablePids.push(pid);
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`${fdDir}/${fd}`);
      } catch (error) {
        // EACCES here, even for root, under ptrace restrictions (Yama, LSMs, a
        // sandbox's init): the fd list is visible but its targets are not.
        if (errnoCode(error) === 'EACCES') {
          unreadablePids.push(pid);
          break;
        }
        continue; // closed between readdir and readlink
      }
      if (!link.startsWith(SOCKET_PREFIX)) continue;
      const inode = Number(link.slice(SOCKET_PREFIX.length, -1));
      if (wanted && !wanted.has(inode)) continue;
      const list = holders.get(inode);
      if (list === undefined) holders.set(inode, [pid]);
      else if (list[list.length - 1] !== pid) list.push(pid);
    }
  }
  return { holders, unreadablePids };
}

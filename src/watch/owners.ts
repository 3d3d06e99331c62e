/**
 * Finding the owners of a few new sockets without reading every process's fd
 * table. A new listener almost always belongs to a process that started since
 * the last look, or to one that already holds listeners (a server opening one
 * more port): those fd tables are read first, and the full walk of /proc
 * (inventory's scanSocketHolders) runs only for inodes still not found.
 *
 * The per-pid read mirrors inventory/linux/fd-scan.ts, which only offers the
 * walk over every pid; see the note in the scanner.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { errnoCode } from '../errors.js';
import { listPids, scanSocketHolders } from '../inventory/linux/fd-scan.js';

const SOCKET_PREFIX = 'socket:[';

/** Who holds which of the wanted inodes. */
export interface OwnerLookup {
  /** Inode → pids holding it. */
  holders: Map<number, number[]>;
  /** True when some fd table could not be read (another user's process): missing owners may be hidden, not absent. */
  someUnreadable: boolean;
  /** True when the full walk of /proc was needed. */
  fullWalk: boolean;
}

/** Reads one process's fd table for the wanted inodes; false when it cannot be read. */
function readPidSockets(pid: number, wanted: ReadonlySet<number>, holders: Map<number, number[]>): boolean {
  const fdDir = `/proc/${pid}/fd`;
  let fds: string[];
  try {
    fds = readdirSync(fdDir);
  } catch (error) {
    return errnoCode(error) !== 'EACCES'; // gone (ENOENT) is fine; EACCES is unreadable
  }
  for (const fd of fds) {
    let link: string;
    try {
      link = readlinkSync(`${fdDir}/${fd}`);
    } catch (error) {
      if (errnoCode(error) === 'EACCES') return false;
      continue;
    }
    if (!link.startsWith(SOCKET_PREFIX)) continue;
    const inode = Number(link.slice(SOCKET_PREFIX.length, -1));
    if (!wanted.has(inode)) continue;
    const list = holders.get(inode);
    if (list === undefined) holders.set(inode, [pid]);
    else if (!list.includes(pid)) list.push(pid);
  }
  return true;
}

/** Remembers which pids existed at the last lookup, so that "new since then" can be asked. */
export interface OwnerFinder {
  /**
   * Finds the holders of `wanted`: first in processes new since the last call,
   * then in `recent` (pids that opened the latest listeners: a test runner, a
   * dev server that rebinds), then in `listening` (pids holding listeners) when
   * they are few, and only for whatever is still missing, in every process.
   */
  find(wanted: ReadonlySet<number>, recent: Iterable<number>, listening: Iterable<number>): OwnerLookup;
}

/** Creates an owner finder (Linux). */
export function createOwnerFinder(): OwnerFinder {
  let knownPids: Set<number> | null = null;
  return {
    find(wanted, recent, listening) {
      const pids = listPids();
      const holders = new Map<number, number[]>();
      let someUnreadable = false;
      const missing = new Set(wanted);
      const look = (candidates: Iterable<number>, read: Set<number>): void => {
        // Every candidate is read, even once all are found: forked workers share the socket.
        for (const pid of candidates) {
          if (read.has(pid)) continue;
          read.add(pid);
          if (!readPidSockets(pid, wanted, holders)) someUnreadable = true;
          for (const inode of holders.keys()) missing.delete(inode);
        }
      };
      if (knownPids !== null) {
        const read = new Set<number>();
        // 1. Processes started since the last look: where most new listeners come from.
        const known = knownPids;
        look(pids.filter((pid) => !known.has(pid)), read);
        // 2. Processes that opened the latest listeners.
        if (missing.size > 0) look(recent, read);
        // 3. Processes that hold listeners, when they are few (on a machine where every
        //    process listens, this would be the full walk under another name).
        const holding = [...listening];
        if (missing.size > 0 && holding.length * 4 < pids.length) look(holding, read);
      }
      knownPids = new Set(pids);
      if (missing.size === 0) return { holders, someUnreadable, fullWalk: false };
      const walk = scanSocketHolders(missing);
      for (const [inode, found] of walk.holders) {
        const list = holders.get(inode) ?? [];
        for (const pid of found) if (!list.includes(pid)) list.push(pid);
        holders.set(inode, list);
      }
      return { holders, someUnreadable: walk.unreadablePids.length > 0, fullWalk: true };
    },
  };
}

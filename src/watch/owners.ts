/**
 * Finding the owners of a few new sockets without reading every process's fd
 * table. A new listener almost always belongs to a process that started since
 * the last look, or to one that already holds listeners (a server opening one
 * more port): those fd tables are read first, and the full walk of /proc
 * (inventory's scanSocketHolders) runs only for inodes still not found.
 */
import { listPids, scanSocketHolders } from '../inventory/linux/fd-scan.js';

/** Who holds which of the wanted inodes. */
export interface OwnerLookup {
  /** Inode → pids holding it. */
  holders: Map<number, number[]>;
  /** True when some fd table could not be read (another user's process): missing owners may be hidden, not absent. */
  someUnreadable: boolean;
  /** True when the full walk of /proc was needed. */
  fullWalk: boolean;
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
      const merge = (found: Map<number, number[]>): void => {
        for (const [inode, holderPids] of found) {
          const list = holders.get(inode) ?? [];
          for (const pid of holderPids) if (!list.includes(pid)) list.push(pid);
          holders.set(inode, list);
          missing.delete(inode);
        }
      };
      const look = (candidates: Iterable<number>, read: Set<number>): void => {
        // Every candidate is read, even once all are found: forked workers share the socket.
        const fresh = [...candidates].filter((pid) => !read.has(pid));
        if (fresh.length === 0) return;
        for (const pid of fresh) read.add(pid);
        const scan = scanSocketHolders(wanted, { pids: fresh });
        if (scan.unreadablePids.length > 0) someUnreadable = true;
        merge(scan.holders);
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
      merge(walk.holders);
      return { holders, someUnreadable: walk.unreadablePids.length > 0, fullWalk: true };
    },
  };
}

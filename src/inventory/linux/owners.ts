/**
 * Finding the owners of a few new sockets without reading every process's fd
 * table. A new listener almost always belongs to a process that started since
 * the last look, or to one that already holds listeners (a server opening one
 * more port): those fd tables are read first, and the full walk of /proc
 * (scanSocketHolders) runs only for inodes still not found. What berth watch
 * and the history recorder use between scans (watch/scanner.ts), through the
 * backend interface.
 */
import type { OwnerFinder } from '../backend.js';
import { listPids } from '../../processes/linux.js';
import { scanSocketHolders } from './fd-scan.js';

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

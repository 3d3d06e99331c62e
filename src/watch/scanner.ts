/**
 * Repeated scans of the listening sockets, made cheap enough to run every
 * second on a machine with thousands of sockets.
 *
 * Reading /proc/net/{tcp,tcp6,udp,udp6} is cheap; finding each socket's
 * owner means reading every /proc/<pid>/fd link, which is not. A listener's
 * owner is fixed when it is created, so owners are cached by socket inode
 * and fd tables are read only in a scan where a new inode appears: first
 * those of new processes and of processes that already hold listeners, the
 * full walk only for inodes still unexplained (see owners.ts).
 */
import type { ProcessInfo, Socket } from '../model.js';
import { listSockets, openIncrementalInventory, type IncrementalInventory } from '../inventory/index.js';
import { compareSockets, deriveSocket } from '../inventory/derive.js';
import { readProcess } from '../processes/index.js';
import { diffListeners, indexListeners, listenerKey, reconcileListeners } from './diff.js';

/** How many of the latest listener owners are looked at first for a new socket. */
const RECENT_OWNERS = 16;

/** One scan: every listener now, and what changed since the previous scan. */
export interface ListenerScan {
  /** When the scan ran (ms since the epoch). */
  at: number;
  /** Every listening socket (TCP LISTEN, bound UDP), sorted by port. */
  listeners: Socket[];
  /** Listeners that appeared since the previous scan (every listener on the first scan). */
  opened: Socket[];
  /** Listeners that disappeared since the previous scan, as they were last seen. */
  closed: Socket[];
  /** True for the first scan of this scanner. */
  first: boolean;
  /**
   * How owners of new sockets were found: `none` (no new socket), `targeted`
   * (fd tables of new processes and of listener holders only), `full` (every
   * process's fd table: the first scan, an unexplained socket, or `mode: 'full'`).
   */
  ownerLookup: 'none' | 'targeted' | 'full';
}

/** A source of successive {@link ListenerScan}s. */
export interface ListenerScanner {
  /** Scans now. Scans must not overlap: await one before starting the next. */
  scan(): Promise<ListenerScan>;
}

/** Options for {@link createListenerScanner}. */
export interface ScannerOptions {
  /**
   * `incremental` (default): owners cached by inode, fd tables read only for
   * new sockets. `full`: every scan is a complete listSockets() (for comparison).
   */
  mode?: 'incremental' | 'full';
}

interface Owners {
  holders: ProcessInfo[];
  hidden: boolean;
}

/**
 * Creates a scanner. On platforms without the incremental path, every scan
 * is a full {@link listSockets} call.
 * @throws (from `scan()`) BerthError E_PLATFORM when sockets cannot be listed.
 */
export function createListenerScanner(options: ScannerOptions = {}): ListenerScanner {
  /** The platform's incremental path: undefined until the first scan, null when there is none (or a full scan was asked for). */
  let incremental: IncrementalInventory | null | undefined = (options.mode ?? 'incremental') === 'incremental' ? undefined : null;
  let previous = new Map<string, Socket>();
  let first = true;
  const owners = new Map<number, Owners>();
  /** Pids that opened the latest listeners, most recent first. */
  const recentOwners: number[] = [];

  let index = new Map<number | string, Socket>();

  async function scanIncremental(inventory: IncrementalInventory): Promise<{ listeners: Socket[]; opened: Socket[]; closed: Socket[]; lookup: ListenerScan['ownerLookup'] }> {
    const raw = await inventory.listeners();
    // Owners only for sockets not seen before: one walk of the fd tables per scan that has new sockets.
    const fresh = new Set<number>();
    // Inode 0 (or none on a platform without inodes): no process to look for.
    for (const socket of raw) if (socket.inode && !owners.has(socket.inode)) fresh.add(socket.inode);
    const lookup = fresh.size > 0 ? resolveOwners(inventory, fresh) : 'none';
    const result = reconcileListeners(index, raw, (socket) => {
      const owner = socket.inode ? owners.get(socket.inode) : undefined;
      return deriveSocket({ ...socket, holders: owner?.holders ?? [], holdersHidden: owner?.hidden ?? false });
    });
    index = result.index;
    // Forget owners of sockets that are gone, so the cache stays the size of the listener set.
    for (const socket of result.closed) if (socket.inode !== null && !index.has(socket.inode)) owners.delete(socket.inode);
    return { listeners: result.listeners.sort(compareSockets), opened: result.opened, closed: result.closed, lookup };
  }

  function resolveOwners(inventory: IncrementalInventory, fresh: ReadonlySet<number>): 'targeted' | 'full' {
    const listening = new Set<number>();
    for (const owner of owners.values()) for (const holder of owner.holders) listening.add(holder.pid);
    const scan = inventory.finder.find(fresh, recentOwners, listening);
    const someHidden = scan.someUnreadable;
    const processes = new Map<number, ProcessInfo | null>();
    for (const inode of fresh) {
      const holders: ProcessInfo[] = [];
      for (const pid of scan.holders.get(inode) ?? []) {
        let info = processes.get(pid);
        if (info === undefined) {
          info = readProcess(pid);
          processes.set(pid, info);
        }
        if (info) holders.push(info);
      }
      owners.set(inode, { holders, hidden: holders.length === 0 && someHidden });
      for (const holder of holders) {
        const at = recentOwners.indexOf(holder.pid);
        if (at !== -1) recentOwners.splice(at, 1);
        recentOwners.unshift(holder.pid);
      }
    }
    recentOwners.length = Math.min(recentOwners.length, RECENT_OWNERS);
    return scan.fullWalk ? 'full' : 'targeted';
  }

  return {
    async scan(): Promise<ListenerScan> {
      const at = Date.now();
      let scan: ListenerScan;
      if (incremental === undefined) incremental = await openIncrementalInventory();
      if (incremental) {
        const { listeners, opened, closed, lookup } = await scanIncremental(incremental);
        scan = { at, listeners, opened, closed, first, ownerLookup: lookup };
      } else {
        const listeners = await listSockets({ states: 'listening' });
        const { opened, closed } = diffListeners(previous, listeners);
        previous = indexListeners(listeners);
        scan = { at, listeners, opened, closed, first, ownerLookup: 'full' };
      }
      first = false;
      return scan;
    },
  };
}

/** The key of a socket in a scan; re-exported for callers that keep their own maps. */
export { listenerKey };

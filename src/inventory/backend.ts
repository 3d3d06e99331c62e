/**
 * The interface every platform backend implements, so callers never know
 * which OS they run on.
 */
import type { ProcessInfo, Socket } from '../model.js';
import type { PortRange } from '../ports/parse.js';

/** What a backend is asked for. Filtering happens as early as the platform allows. */
export interface BackendQuery {
  protocols: Array<'tcp' | 'udp'>;
  /** Only TCP LISTEN and bound, unconnected UDP sockets. */
  listeningOnly: boolean;
  /** Only sockets with a local port in this range. */
  ports?: PortRange;
  /** With `ports`: also sockets whose remote port is in range (clients of that port). */
  matchRemote?: boolean;
  /** False: skip finding the holding processes (every socket gets `holders: []`); much cheaper on a busy machine. */
  withHolders?: boolean;
}

/** A socket with its holders, before derived facts are added. */
export type BackendSocket = Omit<Socket, 'exposure' | 'portClass' | 'service' | 'user' | 'holders'> & {
  holders: ProcessInfo[];
};

/** Who holds which of the wanted inodes. */
export interface OwnerLookup {
  /** Inode → pids holding it. */
  holders: Map<number, number[]>;
  /** True when some fd table could not be read (another user's process): missing owners may be hidden, not absent. */
  someUnreadable: boolean;
  /** True when the full walk of every process was needed. */
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

/** A platform's way of listing sockets. */
export interface InventoryBackend {
  listSockets(query: BackendQuery): Promise<BackendSocket[]>;
  /**
   * Optional: an owner finder for repeated scans (berth watch, the history
   * recorder), which looks up the holders of new sockets only. Without it,
   * every scan is a full listSockets().
   */
  createOwnerFinder?(): OwnerFinder;
}

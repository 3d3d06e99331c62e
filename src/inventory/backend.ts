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

/** A platform's way of listing sockets. */
export interface InventoryBackend {
  listSockets(query: BackendQuery): Promise<BackendSocket[]>;
}

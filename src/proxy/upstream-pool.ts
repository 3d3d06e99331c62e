/**
 * Keep-alive connections from the proxy's fast path to the apps: one LIFO
 * stack of idle sockets per `host|port` (the most recently used socket is the
 * one least likely to have been closed by the app). A connection has one
 * owner at a time; its socket events go to that owner, so no listener is
 * added or removed per request. An idle socket that the app closes, or that
 * sends anything, is dropped; idle sockets are closed after
 * {@link UPSTREAM_IDLE_MS}, before typical app keep-alive timeouts (Node: 5 s)
 * end them under the proxy.
 */
import { connect, type Socket } from 'node:net';

/** How long an idle connection to an app is kept, in milliseconds. */
export const UPSTREAM_IDLE_MS = 4000;

/** Idle connections kept per app address. */
export const MAX_IDLE_PER_APP = 128;

/** Who receives a connection's events while it carries an exchange. */
export interface UpstreamOwner {
  onUpstreamConnect(connection: UpstreamConnection): void;
  onUpstreamData(connection: UpstreamConnection, chunk: Buffer): void;
  onUpstreamDrain(connection: UpstreamConnection): void;
  /** The socket closed; `error` is what broke it, if anything did. */
  onUpstreamClose(connection: UpstreamConnection, error: Error | null): void;
}

/** One connection to an app. */
export class UpstreamConnection {
  readonly socket: Socket;
  readonly key: string;
  owner: UpstreamOwner | null = null;
  /** It already carried an exchange (a reset on it may just mean the app closed it while idle). */
  reused = false;
  connected = false;
  idleSince = 0;
  private error: Error | null = null;

  constructor(socket: Socket, key: string, pool: UpstreamPool) {
    this.socket = socket;
    this.key = key;
    socket.on('connect', () => {
      this.connected = true;
      socket.setNoDelay(true);
      this.owner?.onUpstreamConnect(this);
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.owner !== null) this.owner.onUpstreamData(this, chunk);
      else socket.destroy(); // an idle app connection must not speak
    });
    socket.on('drain', () => this.owner?.onUpstreamDrain(this));
    socket.on('error', (error) => {
      this.error = error;
    });
    socket.on('close', () => {
      pool.forget(this);
      const owner = this.owner;
      this.owner = null;
      owner?.onUpstreamClose(this, this.error);
    });
  }

  /** Ends the connection without telling its owner (the owner is giving it up). */
  destroy(): void {
    this.owner = null;
    this.socket.destroy();
  }
}

/** The idle connections of one proxy. */
export class UpstreamPool {
  private readonly idle = new Map<string, UpstreamConnection[]>();
  private readonly all = new Set<UpstreamConnection>();

  /** An idle connection to `host`:`port` now owned by `owner`, or a new one being opened for it. */
  acquire(host: string, port: number, owner: UpstreamOwner): UpstreamConnection {
    const key = `${host}|${port}`;
    const stack = this.idle.get(key);
    if (stack !== undefined) {
      const now = Date.now();
      while (stack.length > 0) {
        const connection = stack.pop()!;
        if (connection.socket.destroyed || now - connection.idleSince > UPSTREAM_IDLE_MS) {
          connection.destroy();
          continue;
        }
        connection.owner = owner;
        connection.reused = true;
        return connection;
      }
    }
    return this.open(host, port, owner);
  }

  /** A new connection to `host`:`port`, owned by `owner` (a retry after a reused connection failed). */
  open(host: string, port: number, owner: UpstreamOwner): UpstreamConnection {
    const connection = new UpstreamConnection(connect({ host, port }), `${host}|${port}`, this);
    connection.owner = owner;
    this.all.add(connection);
    return connection;
  }

  /** Takes back a connection whose exchange ended cleanly. */
  release(connection: UpstreamConnection): void {
    connection.owner = null;
    if (connection.socket.destroyed) return;
    let stack = this.idle.get(connection.key);
    if (stack === undefined) {
      stack = [];
      this.idle.set(connection.key, stack);
    }
    if (stack.length >= MAX_IDLE_PER_APP) {
      connection.destroy();
      return;
    }
    connection.idleSince = Date.now();
    stack.push(connection);
  }

  /** Called when a connection's socket closed. */
  forget(connection: UpstreamConnection): void {
    this.all.delete(connection);
    const stack = this.idle.get(connection.key);
    if (stack === undefined) return;
    const index = stack.indexOf(connection);
    if (index !== -1) stack.splice(index, 1);
    if (stack.length === 0) this.idle.delete(connection.key);
  }

  /** Closes idle connections older than {@link UPSTREAM_IDLE_MS}. */
  sweep(now = Date.now()): void {
    for (const stack of this.idle.values()) {
      for (const connection of stack) if (now - connection.idleSince > UPSTREAM_IDLE_MS) connection.destroy();
    }
  }

  /** Closes every connection, idle or not. */
  destroyAll(): void {
    for (const connection of this.all) connection.socket.destroy();
    this.all.clear();
    this.idle.clear();
  }
}

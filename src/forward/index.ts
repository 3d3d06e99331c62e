/**
 * `createForwarder()`: TCP forwarding from a local listen address to a
 * target, as behind `berth forward 62893 [::1]:5432`.
 *
 * Both directions are streamed with backpressure (pipe). Half-close is kept:
 * when one side sends FIN, only the other side's writing half is ended
 * (allowHalfOpen on both sockets), so a client that shuts down its sending
 * half still gets the reply; a pair closes once both directions have ended.
 * An error on either side (a reset, a refused or timed-out connect) destroys
 * that pair only, passing a reset on as a reset; it never reaches the process.
 */
import { EventEmitter } from 'node:events';
import { lookup as dnsLookup } from 'node:dns';
import { createServer, connect, type LookupFunction, type Server, type Socket } from 'node:net';
import { errnoCode } from '../errors.js';
import { formatHostPort } from '../ports/parse.js';
import { bindHostOf, listenOn, type ListenAddress } from '../serve/listen.js';

/** How long a connection to the target may take before the pair is dropped. */
export const FORWARD_CONNECT_TIMEOUT_MS = 10_000;

/** A host and port; a missing host means `localhost` for a target, 127.0.0.1 for a listen address. */
export interface HostPort {
  host?: string | null;
  port: number;
}

/** Options for {@link createForwarder}. */
export interface ForwarderOptions {
  /** Where to accept connections. Default host 127.0.0.1 (loopback only); port 0 lets the OS pick. */
  listen: HostPort;
  /**
   * Where to connect for each accepted connection. Names are resolved the way
   * Node's net.connect does (every address tried, happy eyeballs), except that
   * `localhost` is always both 127.0.0.1 and ::1. Default host: localhost.
   */
  target: HostPort;
  /** Connect timeout towards the target, ms. Default {@link FORWARD_CONNECT_TIMEOUT_MS}. */
  connectTimeoutMs?: number;
}

/** Counters of a forwarder since it started. */
export interface ForwardStats {
  /** Connections open right now. */
  open: number;
  /** Connections accepted in all. */
  total: number;
  /** Connections that ended with an error (target refused, reset, timeout). */
  failed: number;
  /** Bytes from clients to the target. */
  bytesUp: number;
  /** Bytes from the target to clients. */
  bytesDown: number;
}

/** A connection was accepted. */
export interface ForwardOpenEvent {
  id: number;
  /** The client, `127.0.0.1:51234`. */
  from: string;
}

/** The connection to the target was made. */
export interface ForwardConnectEvent {
  id: number;
  /** The address actually connected to (`[::1]:5432` when `localhost` was given). */
  to: string;
}

/** A connection pair closed. */
export interface ForwardCloseEvent {
  id: number;
  from: string;
  /** Bytes this connection carried from the client to the target. */
  bytesUp: number;
  /** Bytes this connection carried from the target to the client. */
  bytesDown: number;
  durationMs: number;
  /** Null for a clean close; else which side failed and how (`ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT` …). */
  error: { side: 'client' | 'target'; code: string; message: string } | null;
}

/** Events of a {@link Forwarder}. */
export interface ForwarderEvents {
  open: [ForwardOpenEvent];
  connect: [ForwardConnectEvent];
  close: [ForwardCloseEvent];
}

/**
 * dns.lookup, except that `localhost` and `*.localhost` are both loopbacks
 * (RFC 6761 §6.3), as everywhere in berth: many /etc/hosts files list only
 * 127.0.0.1, and a target listening on ::1 alone must still be reached.
 * Node's happy eyeballs (autoSelectFamily) then tries each address.
 */
const lookupTarget: LookupFunction = (hostname, options, callback) => {
  const name = hostname.toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) {
    const all = [
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ].filter((a) => !options.family || options.family === a.family);
    if (options.all) callback(null, all);
    else callback(null, all[0]!.address, all[0]!.family);
    return;
  }
  dnsLookup(hostname, options, callback as never);
};

function peerOf(socket: Socket): string {
  return socket.remoteAddress === undefined ? 'unknown' : formatHostPort(socket.remoteAddress, socket.remotePort ?? 0);
}

/** A TCP forwarder; not listening until {@link Forwarder.listen}. Emits `open`, `connect` and `close`. */
export class Forwarder extends EventEmitter<ForwarderEvents> {
  /** The underlying server. */
  readonly server: Server;
  readonly listenHost: string;
  readonly listenPort: number;
  /** The target host as given (`localhost` when none was). */
  readonly targetHost: string;
  readonly targetPort: number;
  private readonly connectTimeoutMs: number;
  private readonly counters: ForwardStats = { open: 0, total: 0, failed: 0, bytesUp: 0, bytesDown: 0 };
  private readonly pairs = new Set<Socket>();

  constructor(options: ForwarderOptions) {
    super();
    this.listenHost = bindHostOf(options.listen.host);
    this.listenPort = options.listen.port;
    this.targetHost = options.target.host ?? 'localhost';
    this.targetPort = options.target.port;
    this.connectTimeoutMs = options.connectTimeoutMs ?? FORWARD_CONNECT_TIMEOUT_MS;
    this.server = createServer({ allowHalfOpen: true }, (client) => this.accept(client));
  }

  /** The target as `host:port`, for messages. */
  get target(): string {
    return formatHostPort(this.targetHost, this.targetPort);
  }

  /** A copy of the counters. */
  stats(): ForwardStats {
    return { ...this.counters };
  }

  /**
   * Starts accepting connections.
   * @throws BerthError E_PORT_IN_USE, E_PERMISSION or E_TARGET_INVALID when the bind fails.
   */
  listen(): Promise<ListenAddress> {
    return listenOn(this.server, this.listenHost, this.listenPort);
  }

  /** Stops accepting, destroys every open pair, and resolves once the server is closed. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      for (const socket of this.pairs) socket.destroy();
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
    });
  }

  private accept(client: Socket): void {
    const id = ++this.counters.total;
    this.counters.open++;
    const from = peerOf(client);
    const started = Date.now();
    let bytesUp = 0;
    let bytesDown = 0;
    let error: ForwardCloseEvent['error'] = null;
    let closed = 0;

    const upstream = connect({ host: this.targetHost, port: this.targetPort, allowHalfOpen: true, lookup: lookupTarget });
    this.pairs.add(client);
    this.pairs.add(upstream);
    // Request/response protocols (RESP, the PostgreSQL wire protocol) would wait on Nagle otherwise.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    upstream.setTimeout(this.connectTimeoutMs, () => {
      const timeout = Object.assign(new Error(`no answer from ${this.target} within ${this.connectTimeoutMs} ms`), { code: 'ETIMEDOUT' });
      upstream.destroy(timeout);
    });
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
      this.emit('connect', { id, to: peerOf(upstream) });
    });

    client.on('data', (chunk: Buffer) => {
      bytesUp += chunk.length;
      this.counters.bytesUp += chunk.length;
    });
    upstream.on('data', (chunk: Buffer) => {
      bytesDown += chunk.length;
      this.counters.bytesDown += chunk.length;
    });
    // pipe() ends the destination's writing half when the source ends: that is the half-close.
    // Writes made before the target is connected are queued by the socket.
    client.pipe(upstream);
    upstream.pipe(client);

    const fail = (side: 'client' | 'target', failed: Socket, other: Socket) => (err: Error) => {
      if (error === null) error = { side, code: errnoCode(err) ?? 'ERROR', message: err.message };
      failed.destroy();
      // Pass a reset on as a reset, and answer a target that could not be reached with one,
      // so the client sees what really happened instead of a clean, empty close.
      if (errnoCode(err) === 'ECONNRESET' || (side === 'target' && !connected)) {
        if (!other.destroyed) other.resetAndDestroy();
      } else {
        other.destroy();
      }
    };
    client.on('error', fail('client', client, upstream));
    upstream.on('error', fail('target', upstream, client));

    const onClose = (self: Socket, other: Socket) => () => {
      this.pairs.delete(self);
      // One side gone: the other can no longer hand its data on. Finish what it was sending,
      // or drop it if it could still receive.
      if (!other.destroyed) {
        if (!other.readableEnded) other.destroy();
        else if (!other.writableEnded) other.end();
      }
      if (++closed < 2) return;
      this.counters.open--;
      if (error !== null) this.counters.failed++;
      this.emit('close', { id, from, bytesUp, bytesDown, durationMs: Date.now() - started, error });
    };
    client.once('close', onClose(client, upstream));
    upstream.once('close', onClose(upstream, client));
    this.emit('open', { id, from });
  }
}

/**
 * Creates a TCP forwarder from `options.listen` to `options.target`; call
 * `listen()` to start it. Listens on 127.0.0.1 unless told otherwise; a
 * target without a host is `localhost`.
 */
export function createForwarder(options: ForwarderOptions): Forwarder {
  return new Forwarder(options);
}

export type { ListenAddress };

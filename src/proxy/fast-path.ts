/**
 * The proxy's fast path: plain HTTP/1.1 requests to a known route are
 * forwarded over raw sockets, without Node's HTTP server and client objects
 * (which cost several times what the app itself spends on a small request).
 * One request at a time per client connection (pipelined ones wait in
 * order); the request head is parsed strictly (http1-head.ts) and rewritten
 * (http1-rewrite.ts), the body forwarded byte for byte by its own framing
 * (Content-Length or chunked), the response head parsed and rewritten, its
 * body forwarded by its framing (length, chunked, until close, or none for
 * HEAD/204/304), then both connections are reused. Backpressure both ways.
 *
 * Whatever is not plain (not HTTP/1.1, an upgrade, Expect, a name that is not
 * routed, a loop, a malformed or ambiguous head) is handed, at that request
 * boundary and with nothing consumed, to Node's HTTP server, which serves
 * the rest of the connection as before (server.ts): its pages, WebSockets,
 * 100-continue, and llhttp's own 400 for anything malformed.
 */
import type { Socket } from 'node:net';
import { errnoCode } from '../errors.js';
import type { RouteRecord } from '../state/routes.js';
import { firstHost, NOTHING_TRIED, rememberAnswer, retryAfter, type ProxyContext, type Tried } from './context.js';
import { isLoop } from './headers.js';
import { BodyFraming, Framing, requestFraming, responseFraming } from './http1-body.js';
import { parseRequestHead, parseResponseHead, type RequestHead } from './http1-head.js';
import { buildClientHead, buildOwnResponse, buildUpstreamHead, joinedField } from './http1-rewrite.js';
import { routeNameFromHost } from './names.js';
import { ROUTE_TRAIL_HEADER } from './headers.js';
import type { UpstreamConnection, UpstreamOwner, UpstreamPool } from './upstream-pool.js';

/** Largest request head the fast path reads, in bytes (Node's default --max-http-header-size); past it Node's server answers 431. */
export const MAX_REQUEST_HEAD_BYTES = 16 * 1024;

/** Largest response head accepted from an app, in bytes; past it the client gets 502. */
export const MAX_RESPONSE_HEAD_BYTES = 64 * 1024;

/** Bytes of a client's next (pipelined) requests buffered before reading from it pauses. */
const PENDING_PAUSE_BYTES = 64 * 1024;

/** A body part this small is sent in the same write as its head (one syscall, no writev). */
const MERGE_BYTES = 4096;

/** How long a connection the proxy is closing may wait for the client's FIN, in milliseconds. */
const CLOSING_GRACE_MS = 5000;

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

/** What the fast path needs from the proxy. */
export interface FastPathOptions {
  context: ProxyContext;
  pool: UpstreamPool;
  /** Gives the connection to Node's HTTP server; `rest` holds bytes read and not handled (put back first). */
  handOver(socket: Socket, rest: Buffer | null): void;
  /** The 502 page (HTML) for a route whose app did not answer; never rejects. */
  downPage(route: RouteRecord, error: unknown): Promise<string>;
  /** The 404 page (HTML) for a route that disappeared while its request was in flight. */
  notFoundPage(host: string): string;
  /** How long a request head may take to arrive, in milliseconds. */
  headersTimeoutMs: number;
  /** How long an idle client connection is kept, in milliseconds. */
  keepAliveMs: number;
}

const enum Phase {
  /** Waiting for (the rest of) a request head. */
  Head,
  /** Connecting to the app; body bytes wait in `pending`. */
  Connecting,
  /** Forwarding the request body. */
  Body,
  /** The request is sent; waiting for the response to end. */
  Wait,
  /** Making the proxy's own answer (502). */
  Page,
  /** Closing, closed, or handed to Node's HTTP server. */
  Closed,
}

const enum Reply {
  Head,
  Body,
  Done,
}

function hasBareLf(data: Buffer): boolean {
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) if (i === 0 || data[i - 1] !== 13) return true;
  return false;
}

function routeTrailOf(head: RequestHead): string[] {
  const text = joinedField(head, ROUTE_TRAIL_HEADER, ',');
  if (text === null) return [];
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Accepts connections for the fast path and keeps their timers. */
export class FastPath {
  readonly options: FastPathOptions;
  readonly connections = new Set<ClientConnection>();

  constructor(options: FastPathOptions) {
    this.options = options;
  }

  /** Serves a new client connection. */
  accept(socket: Socket): void {
    this.connections.add(new ClientConnection(socket, this));
  }

  /** Ends connections past their header, keep-alive or closing time; call about once a second. */
  sweep(now = Date.now()): void {
    const { headersTimeoutMs, keepAliveMs } = this.options;
    for (const connection of this.connections) connection.expire(now, headersTimeoutMs, keepAliveMs);
    this.options.pool.sweep(now);
  }
}

/** One client connection on the fast path. */
class ClientConnection implements UpstreamOwner {
  private readonly socket: Socket;
  private readonly owner: FastPath;
  private readonly client: string;
  private readonly proxyPort: string;
  private phase = Phase.Head;
  /** Bytes read from the client and not handled yet (a head, or the requests after the current one). */
  private pending: Buffer | null = null;
  /** When the connection last became idle; when it started closing. */
  private since = Date.now();
  /** When the current incomplete head started to arrive (0: none). */
  private headStartedAt = 0;
  private paused = false;
  /** The client sent FIN. */
  private ended = false;

  // The exchange in flight.
  private route: RouteRecord | null = null;
  private host = '';
  private requestHost = '';
  private upstream: UpstreamConnection | null = null;
  private upstreamHead = '';
  private isHead = false;
  private closeAfter = false;
  /** Where the request body ends; null between requests. */
  private requestBody: BodyFraming | null = null;
  private requestDone = true;
  /** The request has no body at all: safe to send again. */
  private bodyless = true;
  private tried: Tried = NOTHING_TRIED;
  private reply = Reply.Head;
  private replyPending: Buffer | null = null;
  /** Where the response body ends; null until its head is read. */
  private replyBody: BodyFraming | null = null;
  /** Bytes of this exchange's answer were written to the client. */
  private replyStarted = false;
  private keepUpstream = false;
  private upstreamPaused = false;

  private readonly onData = (chunk: Buffer): void => this.read(chunk);
  private readonly onEnd = (): void => this.clientEnded();
  private readonly onDrain = (): void => {
    if (this.upstreamPaused && this.upstream !== null) {
      this.upstreamPaused = false;
      this.upstream.socket.resume();
    }
  };
  private readonly onClose = (): void => this.clientClosed();
  private readonly onError = (): void => {};

  constructor(socket: Socket, owner: FastPath) {
    this.socket = socket;
    this.owner = owner;
    const address = socket.remoteAddress ?? '';
    this.client = address.startsWith('::ffff:') ? address.slice(7) : address;
    this.proxyPort = String(owner.options.context.port());
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('drain', this.onDrain);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
  }

  /** Closes the connection when a timer ran out (see {@link FastPath.sweep}). */
  expire(now: number, headersTimeoutMs: number, keepAliveMs: number): void {
    if (this.phase === Phase.Head) {
      if (this.headStartedAt !== 0 && now - this.headStartedAt > headersTimeoutMs) {
        this.phase = Phase.Closed;
        this.since = now;
        this.socket.end('HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      } else if (this.headStartedAt === 0 && now - this.since > keepAliveMs) {
        this.socket.destroy();
      }
    } else if (this.phase === Phase.Closed && now - this.since > CLOSING_GRACE_MS) {
      this.socket.destroy();
    }
  }

  // --- client side --------------------------------------------------------

  private read(chunk: Buffer): void {
    switch (this.phase) {
      case Phase.Head:
        this.pending = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
        this.next();
        return;
      case Phase.Body:
        this.forwardBody(chunk);
        return;
      case Phase.Closed:
        return;
      default:
        this.pending = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
        if (this.pending.length > PENDING_PAUSE_BYTES) this.pauseClient();
    }
  }

  /** Starts the next request in `pending`, or hands the connection over. */
  private next(): void {
    const pending = this.pending;
    if (pending === null) return;
    const end = pending.indexOf(HEAD_END);
    if (end === -1) {
      if (pending.length > MAX_REQUEST_HEAD_BYTES || hasBareLf(pending)) this.handOver();
      else if (this.ended) this.close();
      else if (this.headStartedAt === 0) this.headStartedAt = Date.now();
      return;
    }
    if (end > MAX_REQUEST_HEAD_BYTES) return this.handOver();
    const head = parseRequestHead(pending.toString('latin1', 0, end));
    if (head === null) return this.handOver();
    const name = routeNameFromHost(head.host);
    if (name === null) return this.handOver();
    let route: RouteRecord | null;
    try {
      route = this.owner.options.context.cache.get(name);
    } catch {
      return this.handOver();
    }
    if (route === null) return this.handOver();
    if (head.names.includes(ROUTE_TRAIL_HEADER) && isLoop(route.name, routeTrailOf(head))) return this.handOver();

    this.pending = pending.length > end + 4 ? pending.subarray(end + 4) : null;
    this.headStartedAt = 0;
    this.route = route;
    this.requestHost = head.host;
    this.isHead = head.method === 'HEAD';
    this.closeAfter = head.close;
    this.requestBody = requestFraming(head);
    this.requestDone = this.requestBody.done;
    this.bodyless = this.requestDone;
    this.tried = NOTHING_TRIED;
    this.reply = Reply.Head;
    this.replyPending = null;
    this.replyStarted = false;
    this.keepUpstream = false;
    this.upstreamHead = buildUpstreamHead(head, { client: this.client, proxyPort: this.proxyPort, routeName: route.name });
    this.connectTo(firstHost(this.owner.options.context, route), false);
  }

  /** Takes the body bytes of the current request from `chunk`; the rest is the next request. Null: invalid chunked framing. */
  private takeBody(chunk: Buffer): Buffer | null {
    const body = this.requestBody!.take(chunk);
    if (body === null) return null;
    this.requestDone = this.requestBody!.done;
    if (body.length < chunk.length) this.pending = chunk.subarray(body.length);
    return body;
  }

  private forwardBody(chunk: Buffer): void {
    const body = this.takeBody(chunk);
    if (body === null) return this.badRequest();
    if (body.length > 0 && !this.upstream!.socket.write(body)) this.pauseClient();
    if (this.requestDone) this.phase = Phase.Wait;
  }

  private clientEnded(): void {
    this.ended = true;
    if (this.phase === Phase.Head) this.close();
    else if (this.phase === Phase.Closed) this.socket.destroy();
    else if (this.phase === Phase.Body) this.abort(); // the body can never be complete
  }

  private clientClosed(): void {
    this.phase = Phase.Closed;
    this.owner.connections.delete(this);
    const upstream = this.upstream;
    this.upstream = null;
    upstream?.destroy();
  }

  private pauseClient(): void {
    if (!this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private resumeClient(): void {
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /** Gives the connection, with what it sent and nothing consumed, to Node's HTTP server. */
  private handOver(): void {
    this.phase = Phase.Closed;
    this.owner.connections.delete(this);
    const socket = this.socket;
    socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('drain', this.onDrain);
    socket.off('close', this.onClose);
    socket.off('error', this.onError);
    const rest = this.pending;
    this.pending = null;
    this.paused = false;
    this.owner.options.handOver(socket, rest);
  }

  /** Ends the connection once what was written is sent. */
  private close(): void {
    this.phase = Phase.Closed;
    this.since = Date.now();
    this.pending = null;
    this.resumeClient(); // read on, so the client's FIN is seen (then the socket is destroyed)
    this.socket.end();
  }

  /** Drops both sides at once (a broken exchange: the client must not take a cut answer for a whole one). */
  private abort(): void {
    this.phase = Phase.Closed;
    const upstream = this.upstream;
    this.upstream = null;
    upstream?.destroy();
    this.socket.destroy();
  }

  private badRequest(): void {
    const upstream = this.upstream;
    this.upstream = null;
    upstream?.destroy();
    if (this.replyStarted) return this.abort();
    this.socket.write('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n', 'latin1');
    this.close();
  }

  // --- app side -----------------------------------------------------------

  private connectTo(host: string, fresh: boolean): void {
    this.host = host;
    const { pool } = this.owner.options;
    const route = this.route!;
    const upstream = fresh ? pool.open(host, route.port, this) : pool.acquire(host, route.port, this);
    this.upstream = upstream;
    if (upstream.connected) this.sendRequest();
    else this.phase = Phase.Connecting;
  }

  onUpstreamConnect(upstream: UpstreamConnection): void {
    if (upstream === this.upstream && this.phase === Phase.Connecting) this.sendRequest();
  }

  private sendRequest(): void {
    const socket = this.upstream!.socket;
    let body: Buffer | null = null;
    if (!this.requestDone && this.pending !== null) {
      const pending = this.pending;
      this.pending = null;
      body = this.takeBody(pending);
      if (body === null) return this.badRequest();
    }
    let flowing: boolean;
    if (body === null || body.length === 0) {
      flowing = socket.write(this.upstreamHead, 'latin1');
    } else if (body.length <= MERGE_BYTES) {
      flowing = socket.write(this.upstreamHead + body.toString('latin1'), 'latin1');
    } else {
      socket.cork();
      socket.write(this.upstreamHead, 'latin1');
      flowing = socket.write(body);
      socket.uncork();
    }
    if (this.requestDone) {
      this.phase = Phase.Wait;
    } else if (this.ended) {
      this.abort();
    } else {
      this.phase = Phase.Body;
      if (flowing) this.resumeClient();
      else this.pauseClient();
    }
  }

  onUpstreamDrain(upstream: UpstreamConnection): void {
    if (upstream === this.upstream && this.phase === Phase.Body) this.resumeClient();
  }

  onUpstreamData(upstream: UpstreamConnection, chunk: Buffer): void {
    if (upstream !== this.upstream) return;
    if (this.reply === Reply.Head) this.readReplyHead(chunk);
    else if (this.reply === Reply.Body) this.forwardReply(chunk);
  }

  private readReplyHead(chunk: Buffer): void {
    let data = this.replyPending === null ? chunk : Buffer.concat([this.replyPending, chunk]);
    this.replyPending = null;
    for (;;) {
      const end = data.indexOf(HEAD_END);
      if (end === -1 || end > MAX_RESPONSE_HEAD_BYTES) {
        if (data.length > MAX_RESPONSE_HEAD_BYTES) return this.badGateway(new Error('The app sent a response head larger than 64 KiB.'));
        this.replyPending = data;
        return;
      }
      const head = parseResponseHead(data.toString('latin1', 0, end));
      if (head === null) return this.badGateway(new Error('The app sent a malformed or ambiguous HTTP response.'));
      const rest = data.subarray(end + 4);
      if (head.status < 200) {
        if (head.status === 101) return this.badGateway(new Error('The app switched protocols without being asked to.'));
        this.replyStarted = true;
        this.writeClient(buildClientHead(head, false));
        if (rest.length === 0) return;
        data = rest;
        continue;
      }
      const route = this.route!;
      rememberAnswer(this.owner.options.context, route, this.host);

      const body = responseFraming(head, this.isHead);
      this.keepUpstream = !head.close && body.framing !== Framing.UntilClose;
      if (body.framing === Framing.UntilClose) this.closeAfter = true;
      this.replyBody = body;
      const out = buildClientHead(head, this.closeAfter);
      this.replyStarted = true;
      if (body.done) {
        if (rest.length > 0) this.keepUpstream = false;
        this.writeClient(out);
        return this.replyDone();
      }
      this.reply = Reply.Body;
      const part = rest.length === 0 ? rest : this.takeReply(rest);
      if (part === null) return this.abort();
      if (part.length === 0) this.writeClient(out);
      else if (part.length <= MERGE_BYTES) this.writeClient(out + part.toString('latin1'));
      else {
        this.socket.cork();
        this.writeClient(out);
        this.writeClient(part);
        this.socket.uncork();
      }
      // takeReply may have ended the reply (TypeScript cannot see the field change).
      if ((this.reply as Reply) === Reply.Done) this.replyDone();
      return;
    }
  }

  /** Takes this response's body bytes from `chunk`, marking the reply done at its end. Null: invalid chunked framing. */
  private takeReply(chunk: Buffer): Buffer | null {
    const part = this.replyBody!.take(chunk);
    if (part === null || !this.replyBody!.done) return part;
    this.reply = Reply.Done;
    if (part.length < chunk.length) this.keepUpstream = false; // bytes past the response: the connection is out of step
    return part;
  }

  private forwardReply(chunk: Buffer): void {
    const part = this.takeReply(chunk);
    if (part === null) return this.abort();
    if (part.length > 0) this.writeClient(part);
    if (this.reply === Reply.Done) this.replyDone();
  }

  private writeClient(data: string | Buffer): void {
    const flowing = typeof data === 'string' ? this.socket.write(data, 'latin1') : this.socket.write(data);
    if (!flowing && !this.upstreamPaused && this.upstream !== null) {
      this.upstreamPaused = true;
      this.upstream.socket.pause();
    }
  }

  private replyDone(): void {
    this.reply = Reply.Done;
    if (this.phase === Phase.Body || this.phase === Phase.Connecting) {
      // The app answered before reading the whole request: the rest of it cannot be framed any more.
      this.keepUpstream = false;
      this.closeAfter = true;
    }
    this.finish();
  }

  /** Ends the exchange: the app connection back to the pool (or closed), then the next request. */
  private finish(): void {
    const upstream = this.upstream;
    this.upstream = null;
    this.route = null;
    if (upstream !== null) {
      if (this.upstreamPaused) upstream.socket.resume();
      if (this.keepUpstream) this.owner.options.pool.release(upstream);
      else upstream.destroy();
    }
    this.upstreamPaused = false;
    if (this.closeAfter) return this.close();
    this.phase = Phase.Head;
    this.since = Date.now();
    this.resumeClient();
    if (this.pending !== null) this.next();
    else if (this.ended) this.close();
  }

  onUpstreamClose(upstream: UpstreamConnection, error: Error | null): void {
    if (upstream !== this.upstream) return;
    this.upstream = null;
    if (this.reply === Reply.Body && this.replyBody?.framing === Framing.UntilClose) {
      this.reply = Reply.Done;
      this.keepUpstream = false;
      return this.replyDone();
    }
    if (this.reply === Reply.Head && !this.replyStarted) {
      if (this.replyPending === null) return this.upstreamFailed(upstream, error);
      return this.badGateway(error ?? new Error('The app closed the connection in the middle of its response head.'));
    }
    this.abort(); // cut off in the middle of a response
  }

  /** The app did not answer: retry as the proxy's policy says (retryAfter), else explain (502). */
  private upstreamFailed(upstream: UpstreamConnection, error: Error | null): void {
    const failure = error ?? Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const retry = retryAfter(this.owner.options.context, {
      route: this.route!,
      host: this.host,
      code: errnoCode(failure),
      unsent: !upstream.connected,
      resendable: upstream.reused && this.bodyless,
      tried: this.tried,
    });
    if (retry.kind === 'gone') return this.ownPage(404, this.owner.options.notFoundPage(this.requestHost));
    if (retry.kind === 'give-up') return this.badGateway(failure);
    this.route = retry.route;
    this.tried = retry.tried;
    this.connectTo(retry.host, true);
  }

  /** Answers 502 with the explanation page (when nothing of the answer was sent yet). */
  private badGateway(error: Error): void {
    const upstream = this.upstream;
    this.upstream = null;
    upstream?.destroy();
    if (this.replyStarted) return this.abort();
    const route = this.route!;
    this.phase = Phase.Page;
    if (!this.requestDone) this.closeAfter = true;
    void this.owner.options.downPage(route, error).then((html) => {
      if (this.phase === Phase.Page) this.ownPage(502, html);
    });
  }

  private ownPage(status: number, html: string): void {
    if (!this.requestDone) this.closeAfter = true;
    this.phase = Phase.Page;
    this.upstream?.destroy();
    this.upstream = null;
    this.replyStarted = true;
    this.writeClient(buildOwnResponse(status, 'text/html; charset=utf-8', html, this.closeAfter));
    this.reply = Reply.Done;
    this.finish();
  }
}

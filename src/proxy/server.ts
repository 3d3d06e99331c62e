/**
 * The `.localhost` reverse proxy: routes `NAME.localhost[:PORT]` by Host
 * header to the app in the route table. HTTP/1.1 with keep-alive pools to
 * each app, bodies streamed both ways with backpressure, WebSocket upgrades
 * piped through (websocket.ts). A missing name gets the list of live routes
 * (404), an app that does not answer gets an explanation (502), a request
 * that comes back to its own route gets 508. Client aborts, app resets and
 * slow clients end that one exchange, never the proxy.
 */
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { BerthError, errnoCode } from '../errors.js';
import { formatHostPort } from '../ports/parse.js';
import type { StateOptions } from '../state/db.js';
import { stateHome } from '../state/paths.js';
import type { RouteRecord } from '../state/routes.js';
import { renderDownHtml } from './down.js';
import { FastPath } from './fast-path.js';
import { isLoop, routeTrail, toClientHeaders, toUpstreamHeaders } from './headers.js';
import { routeNameFromHost } from './names.js';
import { escapeHtml, renderLoopPage, renderNotFoundPage } from './pages.js';
import { DEFAULT_PROXY_PORT } from './paths.js';
import { RouteCache } from './route-cache.js';
import { UpstreamPool } from './upstream-pool.js';
import { handleUpgrade } from './websocket.js';
import { firstHost, NOTHING_TRIED, rememberAnswer, retryAfter, type ProxyContext, type Tried } from './context.js';

/** Path on a non-route host (`localhost:1355`) where the proxy says who it is. */
export const STATUS_PATH = '/__berth/proxy';

/** How long a client may take to send a request's headers, in milliseconds (slowloris guard). */
export const HEADERS_TIMEOUT_MS = 30_000;

/** How long an idle keep-alive connection from a client is kept, in milliseconds. */
export const CLIENT_KEEP_ALIVE_MS = 30_000;

/** How often stale `run` routes are swept from the store, in milliseconds. */
export const SWEEP_INTERVAL_MS = 5_000;

/** How often the fast path's timers (header timeout, idle connections) are checked, in milliseconds. */
export const TIMER_SWEEP_INTERVAL_MS = 1_000;

/** What {@link createProxyServer} listens on. */
export interface ProxyServerOptions extends StateOptions {
  /** Default {@link DEFAULT_PROXY_PORT}; 0 picks a free port (tests). */
  port?: number;
  /** Addresses to listen on; default both loopbacks, `127.0.0.1` and `::1` (::1 skipped when the machine has no IPv6). */
  hosts?: string[];
}

/** What the proxy answers on {@link STATUS_PATH}. */
export interface ProxyIdentity {
  service: 'berth-proxy';
  pid: number;
  port: number;
  /** The state folder whose routes it serves. */
  home: string;
  startedAt: number;
}

/** A running (or ready to start) proxy. */
export interface ProxyServer {
  /** The port, once listening. */
  readonly port: number;
  /** The addresses it listens on, once listening. */
  readonly addresses: readonly string[];
  /** Starts listening. @throws BerthError E_PORT_IN_USE when the port is taken, E_PERMISSION below 1024 without rights. */
  listen(): Promise<void>;
  /** Stops listening and ends every connection, WebSockets included. */
  close(): Promise<void>;
}

/** Which retries a request already had. */
/** True when a request has a body to forward (RFC 9112 §6.3: Content-Length or Transfer-Encoding). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function sendPage(res: ServerResponse, status: number, html: string): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'x-berth-proxy': '1',
  });
  res.end(html);
}

/**
 * Creates the proxy for the route table of `options.home` (default $BERTH_HOME).
 * Call {@link ProxyServer.listen} to start it.
 */
export function createProxyServer(options: ProxyServerOptions = {}): ProxyServer {
  const cache = new RouteCache(options.home === undefined ? {} : { home: options.home });
  const agents = new Map<string, Agent>();
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  let port = options.port ?? DEFAULT_PROXY_PORT;
  const addresses: string[] = [];
  const startedAt = Date.now();
  const context: ProxyContext = { cache, port: () => port, preferred: new Map() };
  let sweeper: NodeJS.Timeout | undefined;
  let timers: NodeJS.Timeout | undefined;
  const pool = new UpstreamPool();
  const fastPath = new FastPath({
    context,
    pool,
    handOver: (socket, rest) => handOver(socket, rest),
    downPage: renderDownHtml,
    notFoundPage: (host) => {
      try {
        return renderNotFoundPage(host, cache.list(), port);
      } catch {
        return renderNotFoundPage(host, [], port);
      }
    },
    headersTimeoutMs: HEADERS_TIMEOUT_MS,
    keepAliveMs: CLIENT_KEEP_ALIVE_MS,
  });
  /** Per connection: the HTTP server that accepted it and Node's own connection listener of that server, for handOver. */
  const acceptedBy = new WeakMap<Socket, { server: Server; listener: (socket: Socket) => void }>();

  function handOver(socket: Socket, rest: Buffer | null): void {
    const accepted = acceptedBy.get(socket);
    if (accepted === undefined || socket.destroyed) {
      socket.destroy();
      return;
    }
    // Put back what the fast path read, then let Node's server parse the connection from there (as it would a new one).
    socket.pause();
    if (rest !== null) socket.unshift(rest);
    accepted.listener.call(accepted.server, socket);
    socket.resume();
  }

  function agentFor(host: string, targetPort: number): Agent {
    const key = `${host}|${targetPort}`;
    let agent = agents.get(key);
    if (!agent) {
      agent = new Agent({ keepAlive: true, scheduling: 'lifo', maxFreeSockets: 64 });
      agents.set(key, agent);
    }
    return agent;
  }

  function serveOwn(req: IncomingMessage, res: ServerResponse): void {
    if (req.url === STATUS_PATH) {
      const identity: ProxyIdentity = { service: 'berth-proxy', pid: process.pid, port, home: options.home ?? stateHome(), startedAt };
      const body = JSON.stringify(identity);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    sendRouteList(res, req.headers.host, 200);
  }

  function sendRouteList(res: ServerResponse, host: string | undefined, status: number): void {
    let routes: RouteRecord[] = [];
    try {
      routes = cache.list();
    } catch (error) {
      sendPage(res, 500, `<!doctype html><title>berth proxy</title><p>berth cannot read its routes: ${escapeHtml(String(error instanceof Error ? error.message : error))}</p>`);
      return;
    }
    sendPage(res, status, renderNotFoundPage(host, routes, port));
  }

  function sendDown(res: ServerResponse, route: RouteRecord, error: unknown): void {
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    void renderDownHtml(route, error).then((html) => sendPage(res, 502, html));
  }

  function forward(req: IncomingMessage, res: ServerResponse, route: RouteRecord, host: string, tried: Tried): void {
    const headers = toUpstreamHeaders(req.headers, { clientAddress: req.socket.remoteAddress, proxyPort: port, routeName: route.name, upgrade: false });
    const upstream = request({ host, port: route.port, method: req.method, path: req.url, headers, agent: agentFor(host, route.port) });
    const body = hasBody(req);
    let piping = false;
    if (body) {
      upstream.on('socket', (socket: Socket) => {
        // The body is piped only once connected, so a refused first address can be retried with the whole body intact.
        const startBody = (): void => {
          piping = true;
          req.pipe(upstream);
        };
        if (socket.connecting) socket.once('connect', startBody);
        else startBody();
      });
    } else {
      upstream.end();
    }
    const onClientGone = (): void => {
      if (!res.writableFinished) upstream.destroy();
    };
    res.once('close', onClientGone);
    upstream.on('error', (error) => {
      res.off('close', onClientGone);
      if (res.destroyed || (req.destroyed && !req.complete)) return;
      const retry = retryAfter(context, {
        route,
        host,
        code: errnoCode(error),
        unsent: !piping,
        resendable: !body && upstream.reusedSocket && !res.headersSent,
        tried,
      });
      if (retry.kind === 'again') forward(req, res, retry.route, retry.host, retry.tried);
      else if (retry.kind === 'gone') sendRouteList(res, req.headers.host, 404);
      else sendDown(res, route, error);
    });
    upstream.on('response', (upRes) => {
      rememberAnswer(context, route, host);
      if (res.destroyed) {
        upRes.destroy();
        return;
      }
      upRes.on('error', () => res.destroy());
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, toClientHeaders(upRes.headers));
      upRes.pipe(res);
    });
  }

  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    res.on('error', () => {});
    req.on('error', () => {});
    const name = routeNameFromHost(req.headers.host);
    if (name === null) {
      serveOwn(req, res);
      return;
    }
    let route: RouteRecord | null;
    try {
      route = cache.get(name);
    } catch (error) {
      const message = error instanceof BerthError ? `${error.message} ${error.hint ?? ''}` : String(error);
      sendPage(res, 500, `<!doctype html><title>berth proxy</title><p>berth cannot read its routes: ${escapeHtml(message)}</p>`);
      return;
    }
    if (route === null) {
      sendRouteList(res, req.headers.host, 404);
      return;
    }
    const trail = routeTrail(req.headers);
    if (isLoop(route.name, trail)) {
      req.resume();
      sendPage(res, 508, renderLoopPage(route.name, [...trail, route.name]));
      return;
    }
    forward(req, res, route, firstHost(context, route), NOTHING_TRIED);
  }

  function bind(server: Server, host: string, wanted: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      server.once('error', onError);
      server.listen({ port: wanted, host, ipv6Only: host.includes(':') }, () => {
        server.off('error', onError);
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : wanted);
      });
    });
  }

  function makeServer(): Server {
    const server = createServer({ requestTimeout: 0, headersTimeout: HEADERS_TIMEOUT_MS, keepAliveTimeout: CLIENT_KEEP_ALIVE_MS }, handleRequest);
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => handleUpgrade(context, req, socket, head));
    // Every connection starts on the fast path; Node's own listener (the one http.Server registers
    // in its constructor) runs only for connections handed over (handOver).
    const listeners = server.listeners('connection');
    const nodeListener = listeners.length === 1 ? (listeners[0] as (socket: Socket) => void) : undefined;
    if (nodeListener !== undefined) server.removeListener('connection', nodeListener);
    const accepted = nodeListener === undefined ? undefined : { server, listener: nodeListener };
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      if (accepted === undefined) return; // not the http.Server this was written for: Node serves every request
      acceptedBy.set(socket, accepted);
      fastPath.accept(socket);
    });
    server.on('clientError', (error: Error & { code?: string }, socket: Socket) => {
      // Malformed requests, resets and header timeouts: answer if the socket still can, then drop it.
      const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      if (socket.writable && !socket.destroyed) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      socket.destroy();
    });
    return server;
  }

  function listenError(error: unknown, host: string, wanted: number): BerthError {
    const code = errnoCode(error);
    if (code === 'EADDRINUSE') {
      return new BerthError('E_PORT_IN_USE', `The proxy cannot listen on ${formatHostPort(host, wanted)}: another socket holds it.`, {
        hint: `See who: berth who ${wanted}; or use another port: BERTH_PROXY_PORT=${wanted + 1} (or --port)`,
        cause: error,
        data: { host, port: wanted },
      });
    }
    if (code === 'EACCES') {
      return new BerthError('E_PERMISSION', `The proxy may not listen on port ${wanted}: ports below 1024 need root.`, {
        hint: `Use a port from 1024 up: --port ${DEFAULT_PROXY_PORT}`,
        cause: error,
        data: { host, port: wanted },
      });
    }
    return new BerthError('E_PROXY_FAILED', `The proxy cannot listen on ${formatHostPort(host, wanted)}: ${error instanceof Error ? error.message : String(error)}.`, {
      cause: error,
      data: { host, port: wanted },
    });
  }

  return {
    get port() {
      return port;
    },
    get addresses() {
      return addresses;
    },
    async listen(): Promise<void> {
      const hosts = options.hosts ?? ['127.0.0.1', '::1'];
      const explicit = options.hosts !== undefined;
      for (let attempt = 0; ; attempt++) {
        const bound: Server[] = [];
        let wanted = options.port ?? DEFAULT_PROXY_PORT;
        let failure: BerthError | null = null;
        for (const host of hosts) {
          const server = makeServer();
          try {
            wanted = await bind(server, host, wanted);
            bound.push(server);
            addresses.push(host);
          } catch (error) {
            const code = errnoCode(error);
            // No IPv6 on this machine: serve IPv4 only (browsers fall back to 127.0.0.1).
            if (!explicit && host === '::1' && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) continue;
            failure = listenError(error, host, wanted);
            break;
          }
        }
        if (failure === null) {
          servers.push(...bound);
          port = wanted;
          break;
        }
        await Promise.all(bound.map((s) => new Promise((resolve) => s.close(resolve))));
        addresses.length = 0;
        // Port 0: ::1 may already hold the port 127.0.0.1 got; pick again.
        if ((options.port ?? DEFAULT_PROXY_PORT) !== 0 || attempt >= 5) throw failure;
      }
      sweeper = setInterval(() => cache.sweep(), SWEEP_INTERVAL_MS);
      sweeper.unref();
      timers = setInterval(() => fastPath.sweep(), TIMER_SWEEP_INTERVAL_MS);
      timers.unref();
    },
    async close(): Promise<void> {
      clearInterval(sweeper);
      clearInterval(timers);
      const closed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
      for (const socket of sockets) socket.destroy();
      for (const server of servers) server.closeAllConnections();
      await Promise.all(closed);
      pool.destroyAll();
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
      servers.length = 0;
    },
  };
}

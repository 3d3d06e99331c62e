/**
 * `createUiServer()`: the local web dashboard behind `berth ui`.
 *
 * Loopback only. Every request must name the dashboard in its Host header
 * (127.0.0.1:PORT, localhost:PORT or [::1]:PORT), so a page on an attacker's
 * domain that was re-pointed at 127.0.0.1 (DNS rebinding) gets nothing.
 * Every state-changing request needs the per-run token and must come from
 * the dashboard's own origin. No CORS header is ever sent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { BerthError } from '../errors.js';
import { exposureOf } from '../ports/address.js';
import { formatHostPort } from '../ports/parse.js';
import { resolveProxyPort } from '../proxy/daemon.js';
import { listenOn, listenOnFreePort } from '../serve/listen.js';
import { openState } from '../state/db.js';
import { stateHome } from '../state/paths.js';
import { WATCH_INTERVAL_MS } from '../watch/events.js';
import { createRecorder, historyRetentionMs } from '../watch/recorder.js';
import type { ApiHandler, UiContext } from './api/context.js';
import { getEvents } from './api/events.js';
import { postKill } from './api/kill.js';
import { getPort, getPortDoctor } from './api/port.js';
import { getIdentify, getSockets } from './api/sockets.js';
import { getLeases, getRoutes } from './api/state.js';
import { sendError, sendFailure, setSecurityHeaders } from './http.js';
import { createLiveFeed, type FeedStatus, type LiveFeed } from './live-feed.js';
import { checkWrite, createToken, isAllowedHost, isCrossSiteRead } from './security.js';
import { loadStaticFiles, type StaticFile } from './static-files.js';

export type { UiSocket, FeedMessage, FeedStatus } from './live-feed.js';
export type { UiIdentification } from './identify-queue.js';
export type { KillRequest } from './api/kill.js';
export { TOKEN_HEADER, CONTENT_SECURITY_POLICY } from './security.js';

/** Options for {@link createUiServer}. */
export interface UiServerOptions {
  /** Port to listen on; omitted: a free port in 8000–8999; 0: any port the OS picks. */
  port?: number;
  /** `127.0.0.1` (default), `::1` or `localhost`; nothing beyond loopback. */
  host?: string;
  /** The state folder (history, routes, leases); default `$BERTH_HOME` or the platform's. */
  home?: string;
  /** The per-run token; default a fresh random one. Must be base64url text. */
  token?: string;
  /** Time between scans of the listeners, in ms (default 1000). */
  intervalMs?: number;
  /** Record history while the dashboard runs (default true); another live recorder keeps the role. */
  record?: boolean;
  /** Closed history kept this long, in ms, when recording (default 30 days or $BERTH_HISTORY_DAYS). */
  retentionMs?: number;
  /** Identify the protocol of TCP listeners, once each (default true). */
  identify?: boolean;
  /** Port of the `name.localhost` proxy for route links (default $BERTH_PROXY_PORT or 1355). */
  proxyPort?: number;
}

/** A running dashboard. */
export interface UiServer {
  /** `http://127.0.0.1:8123/`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The per-run token (also in the page's `<meta name="berth-token">`). */
  readonly token: string;
  readonly server: Server;
  /** The dashboard's watch: scanning, recording, identification. */
  readonly feed: LiveFeed;
  /** Whether history is recorded, by this dashboard or by another berth. */
  status(): FeedStatus;
  /** Stops listening, ends every open page's stream, stops scanning and recording. */
  close(): Promise<void>;
}

const GET_ROUTES: ReadonlyArray<[RegExp, ApiHandler]> = [
  [/^\/api\/sockets$/, getSockets],
  [/^\/api\/events$/, getEvents],
  [/^\/api\/identify$/, getIdentify],
  [/^\/api\/port\/([^/]+)$/, getPort],
  [/^\/api\/port\/([^/]+)\/doctor$/, getPortDoctor],
  [/^\/api\/routes$/, getRoutes],
  [/^\/api\/leases$/, getLeases],
];
const POST_ROUTES: ReadonlyArray<[RegExp, ApiHandler]> = [[/^\/api\/kill$/, postKill]];

/** The bind address: loopback only. */
function loopbackHost(host: string | undefined): string {
  if (host === undefined || host === 'localhost') return '127.0.0.1';
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) === 0 || exposureOf(bare) !== 'loopback') {
    throw new BerthError('E_TARGET_INVALID', `The dashboard listens on loopback only, not on ${host}.`, {
      hint: 'Use 127.0.0.1 or ::1; to reach it from elsewhere, forward the port over SSH.',
      data: { host },
    });
  }
  return bare;
}

function match(routes: ReadonlyArray<[RegExp, ApiHandler]>, path: string): { handler: ApiHandler; params: string[] } | null {
  for (const [pattern, handler] of routes) {
    const found = pattern.exec(path);
    if (found) return { handler, params: found.slice(1).map((p) => decodeURIComponent(p)) };
  }
  return null;
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`${text}\n`);
}

async function handleApi(req: IncomingMessage, res: ServerResponse, path: string, context: UiContext): Promise<void> {
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') {
    const found = match(GET_ROUTES, path);
    if (!found) return sendError(res, match(POST_ROUTES, path) ? 405 : 404, 'E_NOT_FOUND', `No ${method} ${path} here.`);
    if (isCrossSiteRead(req.headers)) return sendError(res, 403, 'E_FORBIDDEN', 'Another site may not use this dashboard.');
    return found.handler(req, res, context, found.params);
  }
  const found = match(POST_ROUTES, path);
  if (!found || method !== 'POST') return sendError(res, found || match(GET_ROUTES, path) ? 405 : 404, 'E_NOT_FOUND', `No ${method} ${path} here.`);
  const refusal = checkWrite(req.headers, context.token);
  if (refusal === 'token') {
    return sendError(res, 403, 'E_FORBIDDEN', 'This request needs the dashboard\'s token (X-Berth-Token).', 'Use the buttons of the dashboard page.');
  }
  if (refusal === 'origin') return sendError(res, 403, 'E_FORBIDDEN', 'This request did not come from the dashboard\'s own page.');
  return found.handler(req, res, context, found.params);
}

function handleStatic(req: IncomingMessage, res: ServerResponse, path: string, files: Map<string, StaticFile>): void {
  const file = files.get(path);
  if (!file) return plain(res, 404, 'Not found.');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return plain(res, 405, 'Method not allowed.');
  }
  res.writeHead(200, { 'Content-Type': file.type, 'Content-Length': file.body.length, 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : file.body);
}

/**
 * Starts the dashboard: binds loopback, starts the watch (and the history
 * recorder, unless `record: false` or another berth already records).
 * @throws BerthError E_TARGET_INVALID for a non-loopback host; E_PORT_IN_USE /
 *   E_PERMISSION when the port cannot be bound; E_STATE_* when the state store
 *   cannot be opened for recording; E_PLATFORM when the dashboard's files are missing.
 */
export async function createUiServer(options: UiServerOptions = {}): Promise<UiServer> {
  const host = loopbackHost(options.host);
  const home = options.home ?? stateHome();
  const token = options.token ?? createToken();
  const intervalMs = options.intervalMs ?? WATCH_INTERVAL_MS;
  const files = loadStaticFiles(token);
  const proxyPort = options.proxyPort ?? resolveProxyPort();
  let context: UiContext | null = null;
  let port = 0;

  const server = createServer((req, res) => {
    setSecurityHeaders(res);
    if (!isAllowedHost(req.headers.host, port)) {
      // DNS rebinding: a foreign name that resolves to this machine.
      return plain(res, 421, `This is berth's dashboard; it answers only to 127.0.0.1:${port}, localhost:${port} or [::1]:${port}.`);
    }
    if (context === null) return plain(res, 503, 'Starting.');
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://dashboard').pathname;
    } catch {
      return plain(res, 400, 'Bad request.');
    }
    const done = path.startsWith('/api/') ? handleApi(req, res, path, context) : handleStatic(req, res, path, files);
    void Promise.resolve(done).catch((error: unknown) => sendFailure(res, error));
  });

  const bound = options.port === undefined ? await listenOnFreePort(server, host) : await listenOn(server, host, options.port);
  port = bound.port;
  let feed: LiveFeed;
  try {
    const recorder =
      options.record === false
        ? null
        : createRecorder({ store: openState({ home }), kind: 'ui', intervalMs, retentionMs: options.retentionMs ?? historyRetentionMs() });
    feed = createLiveFeed({ intervalMs, recorder, identify: options.identify !== false });
  } catch (error) {
    server.close();
    throw error;
  }
  context = { feed, home, token, proxyPort };

  return {
    url: `http://${formatHostPort(host, port)}/`,
    host,
    port,
    token,
    server,
    feed,
    status: () => feed.status(),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await feed.close();
      await closed;
    },
  };
}

/**
 * `createStaticServer()`: the static file server behind `berth serve`, the
 * `python -m http.server` replacement. See handler.ts for what it answers
 * and resolve-path.ts for why nothing outside the root is ever served.
 */
import { realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { BerthError, errnoCode } from '../errors.js';
import { formatHostPort } from '../ports/parse.js';
import { handleRequest, type HandlerConfig } from './handler.js';
import { bindHostOf, listenOn, listenOnFreePort } from './listen.js';

/** Options for {@link createStaticServer}. */
export interface StaticServerOptions {
  /** The folder to serve. Symlinks inside it are followed only while they stay inside it. */
  root: string;
  /**
   * Single-page-app fallback: a GET for a missing path whose last segment has
   * no extension, from a client that accepts text/html, gets /index.html (200).
   * Default false.
   */
  spa?: boolean;
  /** List folders that have no index.html. Default true; when false they are 404. */
  listing?: boolean;
  /** Send `Access-Control-Allow-Origin: *` and answer CORS preflights. Default false. */
  cors?: boolean;
  /**
   * Serve hidden files and folders (names starting with ".": .env, .git/).
   * Default false: they are 404 and left out of listings (`.well-known` is
   * always served).
   */
  dotfiles?: boolean;
  /** Called once per request when its response has finished or the client went away. */
  onRequest?: (entry: AccessLogEntry) => void;
}

/** One line of the access log. */
export interface AccessLogEntry {
  /** When the request arrived (ms since the epoch). */
  time: number;
  method: string;
  /** The request target as received (`/a%20b?x=1`). */
  url: string;
  status: number;
  /** Body bytes of the response (its Content-Length); 0 for HEAD and 304. */
  bytes: number;
  /** Milliseconds from request to the end of the response. */
  durationMs: number;
  /** The client's address. */
  remoteAddress: string | null;
  /** True when the client closed the connection before the response was complete. */
  aborted: boolean;
  /** The handler's own failure, for a 500. */
  error?: unknown;
}

/** Where a static server listens. */
export interface ServeAddress {
  host: string;
  port: number;
  /** `http://127.0.0.1:8123/`, `http://[::1]:8123/`. */
  url: string;
}

/** Options for {@link StaticServer.listen}. */
export interface ServeListenOptions {
  /** Address to bind; default 127.0.0.1 (`localhost` also means 127.0.0.1). */
  host?: string;
  /**
   * Port to bind. Omitted: a random free port in 8000–8999 (outside the OS
   * ephemeral range), falling back to one the OS picks. 0: whatever the OS picks.
   */
  port?: number;
}

/** A static file server; not listening until {@link StaticServer.listen}. */
export interface StaticServer {
  /** The real path (symlinks resolved) of the folder served. */
  readonly root: string;
  /** The underlying HTTP server. */
  readonly server: Server;
  /** The request handler, for mounting in another node:http server. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /**
   * Starts listening.
   * @throws BerthError E_PORT_IN_USE, E_PERMISSION or E_TARGET_INVALID when the bind fails.
   */
  listen(options?: ServeListenOptions): Promise<ServeAddress>;
  /** Stops listening and closes every open connection, keep-alive ones included. */
  close(): Promise<void>;
}

/** Resolves and checks the folder to serve. */
function resolveRoot(root: string): string {
  let real: string;
  try {
    real = realpathSync(path.resolve(root));
  } catch (error) {
    const code = errnoCode(error);
    throw new BerthError('E_PATH_INVALID', code === 'EACCES' ? `Cannot read ${root}: permission denied.` : `${root} does not exist.`, {
      hint: 'Give the folder to serve, such as: berth serve ./dist',
      cause: error,
      data: { root },
    });
  }
  if (!statSync(real).isDirectory()) {
    throw new BerthError('E_PATH_INVALID', `${root} is a file, not a folder.`, {
      hint: `Serve its folder: berth serve ${path.dirname(root)}`,
      data: { root },
    });
  }
  return real;
}

/**
 * Creates a static file server for `options.root`: correct content types,
 * ETag / Last-Modified with 304, single byte ranges, HEAD, folder listings,
 * index.html, an optional SPA fallback, and no way out of the root (encoded
 * or double-encoded `..`, backslashes, NUL, symlinks pointing outside: 400 or 403).
 * Hidden files (.env, .git/) are 404 unless `dotfiles` is set.
 * Other methods than GET and HEAD get 405.
 * @throws BerthError E_PATH_INVALID when the root is missing or not a folder.
 */
export function createStaticServer(options: StaticServerOptions): StaticServer {
  const config: HandlerConfig = {
    rootReal: resolveRoot(options.root),
    spa: options.spa === true,
    listing: options.listing !== false,
    cors: options.cors === true,
    dotfiles: options.dotfiles === true,
  };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = Date.now();
    const startedNs = process.hrtime.bigint();
    // Read now: once the connection is gone, the socket no longer knows its peer.
    const remoteAddress = req.socket.remoteAddress ?? null;
    const done = handleRequest(req, res, config);
    let reported = false;
    const report = (aborted: boolean): void => {
      if (reported || !options.onRequest) return;
      reported = true;
      const durationMs = Number(process.hrtime.bigint() - startedNs) / 1e6;
      // The handler's facts (bytes, error) are known once its promise settles; it never rejects.
      void done.then((facts) =>
        options.onRequest?.({
          time: started,
          method: req.method ?? '',
          url: req.url ?? '',
          status: res.statusCode,
          bytes: facts.bytes,
          durationMs,
          remoteAddress,
          aborted,
          ...(facts.error === undefined ? {} : { error: facts.error }),
        }),
      );
    };
    res.once('finish', () => report(false));
    res.once('close', () => report(!res.writableFinished));
  };
  // No 'clientError' listener: Node's default answers a malformed request with 400 and
  // ignores a reset, which is what berth wants.
  const server = createServer(handle);
  // A client may send its request and then half-close (HTTP/1.0 tools, `nc -N`). Node's default
  // aborts the request on that FIN, before an async handler has answered; keep the socket
  // writable instead, and close it after the response (lib/_http_server.js socketOnEnd).
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  return {
    root: config.rootReal,
    server,
    handle,
    async listen(listenOptions = {}) {
      const host = bindHostOf(listenOptions.host);
      const bound = listenOptions.port === undefined ? await listenOnFreePort(server, host) : await listenOn(server, host, listenOptions.port);
      return { host: bound.host, port: bound.port, url: `http://${formatHostPort(bound.host, bound.port)}/` };
    },
    close() {
      return new Promise((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

export { mimeTypeOf, DEFAULT_MIME_TYPE } from './mime.js';
export { decodeRequestPath, type DecodedPath, type PathRejection } from './resolve-path.js';
export { decideRange, type RangeDecision } from './range.js';
export { etagOf } from './conditional.js';
export { exposureWarning, DEFAULT_LISTEN_HOST, FREE_PORT_RANGE } from './listen.js';

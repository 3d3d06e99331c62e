/**
 * State one proxy shares between its HTTP and WebSocket handlers.
 */
import type { RouteRecord } from '../state/routes.js';
import type { RouteCache } from './route-cache.js';

/** Per-proxy state shared with the WebSocket handler. */
export interface ProxyContext {
  readonly cache: RouteCache;
  readonly port: () => number;
  /** The loopback that answered last for a route (`127.0.0.1` ↔ `::1`), by `host|port`. */
  readonly preferred: Map<string, string>;
}

/** The other loopback address, for a retry when the recorded one refuses; null when `host` is not a loopback. */
export function otherLoopback(host: string): string | null {
  if (host === '127.0.0.1') return '::1';
  if (host === '::1') return '127.0.0.1';
  return null;
}

/** The address to try first for `route`: the one that answered last time. */
export function firstHost(context: ProxyContext, route: RouteRecord): string {
  return context.preferred.get(`${route.host}|${route.port}`) ?? route.host;
}


/**
 * Records the loopback that answered for `route`, so that the next request
 * tries it first (and forgets a preference once the recorded host answers).
 */
export function rememberAnswer(context: ProxyContext, route: RouteRecord, host: string): void {
  // Called for every response: the usual case (the recorded host answered, nothing preferred) touches nothing.
  if (host !== route.host) context.preferred.set(`${route.host}|${route.port}`, host);
  else if (context.preferred.size > 0) context.preferred.delete(`${route.host}|${route.port}`);
}

/** The retries already made for one request. */
export interface Tried {
  /** The other loopback family. */
  family: boolean;
  /** The route re-read from the store (the app may have moved to another port). */
  route: boolean;
  /** A fresh connection after a reused keep-alive one was reset. */
  reset: boolean;
}

/** Nothing tried yet. */
export const NOTHING_TRIED: Readonly<Tried> = { family: false, route: false, reset: false };

/** A request an app did not take, before any of its answer came back. */
export interface UpstreamFailure {
  route: RouteRecord;
  /** The address tried. */
  host: string;
  /** The errno of the failure (ECONNREFUSED, ECONNRESET …). */
  code: string | undefined;
  /** Nothing of the request was sent: it can go to another address whole. */
  unsent: boolean;
  /** The connection was a reused keep-alive one and the request has no body: safe to send again. */
  resendable: boolean;
  tried: Tried;
}

/** What to do about an {@link UpstreamFailure}. */
export type Retry =
  /** Send the request again, to `host` for `route` (over a new connection). */
  | { kind: 'again'; route: RouteRecord; host: string; tried: Tried }
  /** The route is gone from the store: answer as for an unknown name (404). */
  | { kind: 'gone' }
  /** Explain the failure (502). */
  | { kind: 'give-up' };

/**
 * The proxy's one retry policy, for both of its request paths (fast-path.ts
 * and server.ts): a refused connect goes to the other loopback, then to the
 * route as the store has it now (berth run restarted the app on another
 * port); a kept-alive connection the app closed just as it was reused is
 * replaced once (Node's documented pattern; only for requests without a body).
 */
export function retryAfter(context: ProxyContext, failure: UpstreamFailure): Retry {
  const { route, host, code, tried } = failure;
  const refused = code === 'ECONNREFUSED' || code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT';
  if (refused && failure.unsent) {
    const other = otherLoopback(host);
    if (!tried.family && other !== null) return { kind: 'again', route, host: other, tried: { ...tried, family: true } };
    if (!tried.route) {
      let fresh: RouteRecord | null;
      try {
        fresh = context.cache.refresh(route.name);
      } catch {
        fresh = route;
      }
      if (fresh === null) return { kind: 'gone' };
      if (fresh.port !== route.port || fresh.host !== route.host) {
        return { kind: 'again', route: fresh, host: firstHost(context, fresh), tried: { ...tried, family: false, route: true } };
      }
    }
  } else if (failure.resendable && !tried.reset && (code === 'ECONNRESET' || code === 'EPIPE')) {
    return { kind: 'again', route, host, tried: { ...tried, reset: true } };
  }
  return { kind: 'give-up' };
}

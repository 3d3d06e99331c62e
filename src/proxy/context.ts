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


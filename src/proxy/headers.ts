/**
 * Header rewriting between the browser and the app (RFC 9110 §7.6):
 * hop-by-hop headers (and every header the Connection header names) are
 * dropped in both directions; X-Forwarded-For/Proto/Host/Port and Via are
 * added; berth's own route trail header lets the proxy notice a request that
 * comes back to the route it came from (a loop).
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** Headers that describe one connection, never forwarded (RFC 9110 §7.6.1, plus the legacy Proxy-Connection). */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The header holding the routes a request already went through, comma-separated. */
export const ROUTE_TRAIL_HEADER = 'x-berth-route';

/** Routes one request may pass through (app → proxy → other app …) before it counts as a loop. */
export const MAX_ROUTE_HOPS = 8;

/** The Via token berth adds (RFC 9110 §7.6.3). */
export const VIA_TOKEN = '1.1 berth';

function connectionTokens(value: string | string[] | undefined): Set<string> | null {
  if (value === undefined) return null;
  const text = Array.isArray(value) ? value.join(',') : value;
  const tokens = new Set<string>();
  for (const part of text.split(',')) {
    const token = part.trim().toLowerCase();
    if (token !== '') tokens.add(token);
  }
  return tokens;
}

/** The routes a request already went through (from {@link ROUTE_TRAIL_HEADER}). */
export function routeTrail(headers: IncomingHttpHeaders): string[] {
  const value = headers[ROUTE_TRAIL_HEADER];
  if (value === undefined) return [];
  const text = Array.isArray(value) ? value.join(',') : value;
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** True when a request for route `name` with this trail is a loop. */
export function isLoop(name: string, trail: readonly string[]): boolean {
  return trail.includes(name) || trail.length >= MAX_ROUTE_HOPS;
}

/** Facts about the incoming connection, for the X-Forwarded-* headers. */
export interface ForwardContext {
  /** The client's address (`::ffff:` prefix removed). */
  clientAddress: string | undefined;
  /** The port the proxy received the request on. */
  proxyPort: number;
  /** The route the request goes to (appended to the trail). */
  routeName: string;
  /** Keep Connection: Upgrade and Upgrade (a WebSocket handshake). */
  upgrade: boolean;
}

/**
 * The headers to send to the app: the client's, minus hop-by-hop headers and
 * `Expect` (Node has already answered 100-continue), plus X-Forwarded-*, Via
 * and the route trail. Host is kept as the client sent it (`web.localhost:1355`),
 * which is what dev servers check their allowed hosts against.
 */
export function toUpstreamHeaders(incoming: IncomingHttpHeaders, context: ForwardContext): OutgoingHttpHeaders {
  const named = connectionTokens(incoming.connection);
  const out: OutgoingHttpHeaders = {};
  for (const key in incoming) {
    if (HOP_BY_HOP_HEADERS.has(key) || key === 'expect' || key === ROUTE_TRAIL_HEADER) continue;
    if (named !== null && named.has(key)) continue;
    out[key] = incoming[key];
  }
  const client = context.clientAddress?.startsWith('::ffff:') ? context.clientAddress.slice(7) : context.clientAddress;
  if (client !== undefined) {
    const previous = incoming['x-forwarded-for'];
    out['x-forwarded-for'] = previous === undefined || previous === '' ? client : `${previous}, ${client}`;
  }
  if (incoming['x-forwarded-proto'] === undefined) out['x-forwarded-proto'] = 'http';
  if (incoming['x-forwarded-host'] === undefined && incoming.host !== undefined) out['x-forwarded-host'] = incoming.host;
  if (incoming['x-forwarded-port'] === undefined) out['x-forwarded-port'] = String(context.proxyPort);
  const via = incoming.via;
  out.via = via === undefined || via === '' ? VIA_TOKEN : `${via}, ${VIA_TOKEN}`;
  const trail = incoming[ROUTE_TRAIL_HEADER];
  out[ROUTE_TRAIL_HEADER] = trail === undefined || trail === '' ? context.routeName : `${String(trail)},${context.routeName}`;
  if (context.upgrade && incoming.upgrade !== undefined) {
    out.connection = 'Upgrade';
    out.upgrade = incoming.upgrade;
  }
  return out;
}

/** The app's response headers minus hop-by-hop ones, for the client. */
export function toClientHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = connectionTokens(incoming.connection);
  const out: OutgoingHttpHeaders = {};
  for (const key in incoming) {
    if (HOP_BY_HOP_HEADERS.has(key)) continue;
    if (named !== null && named.has(key)) continue;
    out[key] = incoming[key];
  }
  return out;
}

/**
 * The fast path's header rewriting, on parsed heads (http1-head.ts), with the
 * same rules as headers.ts has for Node's header objects: hop-by-hop fields
 * and every field the Connection field names are dropped both ways;
 * X-Forwarded-For/Proto/Host/Port, Via and the route trail are added. The
 * framing fields (Content-Length, Transfer-Encoding: chunked) are kept as
 * received because the body is forwarded byte for byte, framing included;
 * a Connection field cannot remove them (nor Host).
 */
import type { RequestHead, ResponseHead } from './http1-head.js';
import { HOP_BY_HOP_HEADERS, ROUTE_TRAIL_HEADER, VIA_TOKEN } from './headers.js';

/** Fields a Connection token never removes: they frame or route the message. */
const PROTECTED: ReadonlySet<string> = new Set(['content-length', 'transfer-encoding', 'host']);

/** Reason phrases for the status codes the proxy sends itself. */
const REASONS: Readonly<Record<number, string>> = { 400: 'Bad Request', 431: 'Request Header Fields Too Large', 502: 'Bad Gateway' };

function isDropped(name: string, connection: string[] | null): boolean {
  if (name === 'transfer-encoding') return false;
  if (HOP_BY_HOP_HEADERS.has(name)) return true;
  return connection !== null && connection.includes(name) && !PROTECTED.has(name);
}

/** Facts about the client connection and route for {@link buildUpstreamHead}. */
export interface UpstreamHeadContext {
  /** The client's address (no `::ffff:` prefix). */
  client: string;
  /** The proxy's port, as text. */
  proxyPort: string;
  /** The route's name, appended to the trail. */
  routeName: string;
}

/** The values of every field called `name` (lower case), joined by `separator`; null when there is none. */
export function joinedField(head: RequestHead | ResponseHead, name: string, separator: string): string | null {
  let joined: string | null = null;
  const { names, fields } = head;
  for (let i = 0; i < names.length; i++) {
    if (names[i] === name) joined = joined === null ? fields[2 * i + 1]! : `${joined}${separator}${fields[2 * i + 1]!}`;
  }
  return joined;
}

/** The request head to send to the app, CRLF CRLF included. */
export function buildUpstreamHead(head: RequestHead, context: UpstreamHeadContext): string {
  const { names, fields, connection } = head;
  let out = `${head.method} ${head.target} HTTP/1.1\r\n`;
  let forwardedFor: string | null = null;
  let via: string | null = null;
  let trail: string | null = null;
  let proto = false;
  let forwardedHost = false;
  let forwardedPort = false;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const value = fields[2 * i + 1]!;
    if (isDropped(name, connection)) continue;
    if (name.charCodeAt(0) === 120 /* x */ || name === 'via') {
      // Fields berth extends: collected and written once, after the others.
      if (name === 'x-forwarded-for') {
        forwardedFor = forwardedFor === null ? value : `${forwardedFor}, ${value}`;
        continue;
      }
      if (name === 'via') {
        via = via === null ? value : `${via}, ${value}`;
        continue;
      }
      if (name === ROUTE_TRAIL_HEADER) {
        trail = trail === null ? value : `${trail},${value}`;
        continue;
      }
      if (name === 'x-forwarded-proto') proto = true;
      else if (name === 'x-forwarded-host') forwardedHost = true;
      else if (name === 'x-forwarded-port') forwardedPort = true;
    }
    out += `${fields[2 * i]!}: ${value}\r\n`;
  }
  out += `x-forwarded-for: ${forwardedFor === null || forwardedFor === '' ? context.client : `${forwardedFor}, ${context.client}`}\r\n`;
  if (!proto) out += 'x-forwarded-proto: http\r\n';
  if (!forwardedHost) out += `x-forwarded-host: ${head.host}\r\n`;
  if (!forwardedPort) out += `x-forwarded-port: ${context.proxyPort}\r\n`;
  out += `via: ${via === null || via === '' ? VIA_TOKEN : `${via}, ${VIA_TOKEN}`}\r\n`;
  out += `${ROUTE_TRAIL_HEADER}: ${trail === null || trail === '' ? context.routeName : `${trail},${context.routeName}`}\r\n\r\n`;
  return out;
}

/**
 * The response head to send to the client, CRLF CRLF included: always
 * HTTP/1.1 (the proxy speaks its own version, RFC 9110 §6.2), hop-by-hop
 * fields dropped, `Connection: close` added when the proxy will close.
 */
export function buildClientHead(head: ResponseHead, close: boolean): string {
  const { names, fields, connection } = head;
  let out = `HTTP/1.1 ${head.status} ${head.reason}\r\n`;
  for (let i = 0; i < names.length; i++) {
    if (isDropped(names[i]!, connection)) continue;
    out += `${fields[2 * i]!}: ${fields[2 * i + 1]!}\r\n`;
  }
  return close ? `${out}connection: close\r\n\r\n` : `${out}\r\n`;
}

/** A complete response the proxy makes itself (an error page), as one latin1 string. */
export function buildOwnResponse(status: number, contentType: string, body: string, close: boolean): string {
  const bytes = Buffer.from(body, 'utf8');
  return (
    `HTTP/1.1 ${status} ${REASONS[status] ?? ''}\r\ncontent-type: ${contentType}\r\ncontent-length: ${bytes.length}\r\n` +
    `cache-control: no-store\r\nx-berth-proxy: 1\r\n${close ? 'connection: close\r\n' : ''}\r\n${bytes.toString('latin1')}`
  );
}

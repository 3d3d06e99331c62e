/**
 * HTTP/1.x: the request berth sends (`GET /`, or `GET /json/version` for
 * debuggers), and pure parsers for what comes back.
 */
import { isIP } from 'node:net';
import { sure, weak, type Verdict } from './verdict.js';

/** A parsed HTTP/1.x response head and as much body as arrived. */
export interface HttpResponse {
  version: string;
  status: number;
  reason: string;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  /** True when the body is whole (Content-Length reached, last chunk seen, or no body). */
  complete: boolean;
}

/** The Host header value for `host:port` (IPv6 in brackets). */
export function hostHeader(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A safe, read-only HTTP/1.1 request that asks the server to close afterwards. */
export function buildHttpRequest(host: string, port: number, path = '/'): Buffer {
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: ${hostHeader(host, port)}\r\nUser-Agent: berth-identify\r\nAccept: */*\r\nConnection: close\r\n\r\n`,
    'latin1',
  );
}

function bodyComplete(head: Omit<HttpResponse, 'complete'>): boolean {
  if (head.status < 200 || head.status === 204 || head.status === 304) return true;
  const length = head.headers['content-length'];
  if (length !== undefined && /^\d+$/.test(length)) return head.body.length >= Number(length);
  if (/chunked/i.test(head.headers['transfer-encoding'] ?? '')) return /(?:^|\r\n)0\r\n\r\n$/.test(head.body.toString('latin1'));
  return false; // delimited by the server closing the connection
}

/**
 * Parses an HTTP/1.x response.
 * @returns the response, `'more'` while the head is incomplete, or null when `data` is not HTTP.
 */
export function parseHttpResponse(data: Buffer): HttpResponse | 'more' | null {
  const start = data.subarray(0, 9).toString('latin1');
  if (!'HTTP/1.'.startsWith(start.slice(0, 7)) && !/^HTTP\/\d/.test(start)) return null;
  let split = data.indexOf('\r\n\r\n');
  let gap = 4;
  if (split === -1) {
    split = data.indexOf('\n\n');
    gap = 2;
  }
  if (split === -1) return data.length > 32 * 1024 ? null : 'more';
  const lines = data.subarray(0, split).toString('latin1').split(/\r?\n/);
  const status = /^HTTP\/(\d(?:\.\d)?) (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
  if (!status) return null;
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const head = { version: status[1]!, status: Number(status[2]), reason: status[3] ?? '', headers, body: data.subarray(split + gap) };
  return { ...head, complete: bodyComplete(head) };
}

/** True once `data` holds a whole HTTP response (or clearly is not one). */
export function isHttpResponseComplete(data: Buffer): boolean {
  const response = parseHttpResponse(data);
  return response === null || (response !== 'more' && response.complete);
}

const TLS_WANTED = /plain HTTP request was sent to HTTPS port|sent an HTTP request to an HTTPS server|speaks? (?:only )?(?:TLS|SSL|HTTPS)|requires? (?:TLS|SSL|HTTPS)/i;
const MONGO_OVER_HTTP = /trying to access MongoDB over HTTP/i;
const NODE_INSPECTOR_PAGE = /WebSockets request was expected/;
const CHROME_DISCOVERY_PAGE = /<title>Inspectable pages<\/title>/i;

/** The facts berth reports about an HTTP response. */
export function httpFacts(response: HttpResponse): Record<string, unknown> {
  const h = response.headers;
  const facts: Record<string, unknown> = { version: response.version, status: response.status, reason: response.reason };
  if (h.server !== undefined) facts.server = h.server;
  if (h['x-powered-by'] !== undefined) facts.poweredBy = h['x-powered-by'];
  if (h['content-type'] !== undefined) facts.contentType = h['content-type'];
  if (h.location !== undefined) facts.location = h.location;
  if (h['www-authenticate'] !== undefined) facts.authenticate = h['www-authenticate'];
  return facts;
}

/** "HTTP/1.1 200 OK · Server: nginx/1.25" */
export function describeHttp(response: HttpResponse): string {
  const parts = [`HTTP/${response.version} ${response.status}${response.reason ? ` ${response.reason}` : ''}`];
  if (response.headers.server) parts.push(`Server: ${response.headers.server}`);
  else if (response.headers['x-powered-by']) parts.push(`X-Powered-By: ${response.headers['x-powered-by']}`);
  if (response.status >= 300 && response.status < 400 && response.headers.location) parts.push(`→ ${response.headers.location}`);
  return parts.join(' · ');
}

/**
 * What an HTTP response to `GET /` says about the port: plain HTTP, a
 * MongoDB port (mongod answers HTTP with a fixed text), a debugger's HTTP
 * endpoint (follow up with /json/version), or a TLS port complaining.
 */
export function httpVerdict(response: HttpResponse): Verdict {
  const body = response.body.subarray(0, 4096).toString('utf8');
  if (MONGO_OVER_HTTP.test(body)) {
    return sure('mongodb', 'MongoDB (answered HTTP with "It looks like you are trying to access MongoDB over HTTP")', {
      http: httpFacts(response),
    });
  }
  const verdict = sure('http', describeHttp(response), httpFacts(response));
  if (response.status === 400 && TLS_WANTED.test(body)) {
    return { ...weak('http', `${describeHttp(response)} (the server says it wants TLS)`, httpFacts(response)), followUp: 'tls' };
  }
  // Node's inspector and Chrome's DevTools server answer without Date or Server
  // headers, which every ordinary web server sends (RFC 9110 §6.6.1).
  const bare = response.headers.date === undefined && response.headers.server === undefined;
  if (NODE_INSPECTOR_PAGE.test(body) || CHROME_DISCOVERY_PAGE.test(body) || bare) return { ...verdict, followUp: 'devtools' };
  return verdict;
}

/**
 * The JSON of `GET /json/version` on a V8 inspector or Chrome DevTools port:
 * `{"Browser": "node.js/v20.11.0", "Protocol-Version": "1.1"}` for Node,
 * `{"Browser": "Chrome/120.0.6099.71", "Protocol-Version": "1.3", …}` for Chrome.
 * @returns a sure verdict, or null when the body is not that JSON.
 */
export function parseDevtoolsVersion(body: string): Verdict | null {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return null;
  }
  if (json === null || typeof json !== 'object') return null;
  const record = json as Record<string, unknown>;
  const browser = record.Browser;
  const protocolVersion = record['Protocol-Version'];
  if (typeof browser !== 'string' || typeof protocolVersion !== 'string') return null;
  const details: Record<string, unknown> = { browser, protocolVersion };
  for (const [key, name] of [['User-Agent', 'userAgent'], ['V8-Version', 'v8Version'], ['webSocketDebuggerUrl', 'webSocketDebuggerUrl']] as const) {
    if (typeof record[key] === 'string') details[name] = record[key];
  }
  if (/^(?:node\.js|deno|bun)\b/i.test(browser)) {
    return sure('node-inspector', `Node.js inspector (${browser}): a debugger port, whoever connects can run code`, details);
  }
  return sure('chrome-devtools', `Chrome DevTools (${browser}): a remote-debugging port, whoever connects controls the browser`, details);
}

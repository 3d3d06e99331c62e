/**
 * The dashboard's guards, as pure functions of a request's headers:
 * the Host check against DNS rebinding, the same-origin check and the
 * per-run token for state-changing requests, and the headers every
 * response carries. No CORS header is ever sent: other origins get
 * nothing they can read.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The header a state-changing request carries the per-run token in. */
export const TOKEN_HEADER = 'x-berth-token';

/**
 * Content-Security-Policy of every response: scripts, styles and requests
 * only from the dashboard itself, no inline script, no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers sent with every response, errors included. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  // Another site may not even embed the API's answers (as <script>, <img>).
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** A fresh per-run token: 32 random bytes, base64url (43 characters, safe in HTML attributes and headers). */
export function createToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares a presented token with the expected one in constant time. */
export function tokenMatches(presented: string | string[] | undefined, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The Host header values the dashboard answers to when listening on `port`:
 * `127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT` (lower case). A page
 * reached through any other name (a DNS-rebinding attacker's domain that
 * now resolves to 127.0.0.1) is refused.
 */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

/** True when the request's Host header names the dashboard itself. */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  if (typeof host !== 'string' || host === '') return false;
  return allowedHosts(port).has(host.toLowerCase());
}

/** Why a state-changing request was refused; null when it may go on. */
export type WriteRefusal = 'token' | 'origin' | null;

/**
 * Checks a state-changing request: the per-run token in {@link TOKEN_HEADER},
 * and proof that it comes from the dashboard's own page: an `Origin` equal
 * to `http://` + its (already checked) Host, or, from a browser that sends
 * no Origin, `Sec-Fetch-Site: same-origin`. A request with neither is
 * refused, as is one whose Sec-Fetch-Site says another site sent it.
 */
export function checkWrite(headers: IncomingHttpHeaders, token: string): WriteRefusal {
  if (!tokenMatches(headers[TOKEN_HEADER], token)) return 'token';
  const host = headers.host?.toLowerCase();
  const origin = headers.origin;
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return 'origin';
  if (origin !== undefined) return origin.toLowerCase() === `http://${host}` ? null : 'origin';
  return site === 'same-origin' ? null : 'origin';
}

/**
 * True when a browser says another site made this API request
 * (`Sec-Fetch-Site: cross-site` or `same-site`). Reading the answer would
 * fail anyway without CORS; refusing spares the work (a doctor run, a probe).
 */
export function isCrossSiteRead(headers: IncomingHttpHeaders): boolean {
  const site = headers['sec-fetch-site'];
  return site === 'cross-site' || site === 'same-site';
}

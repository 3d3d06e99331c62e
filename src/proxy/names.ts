/**
 * Route names and Host headers. A route `web` is served as `web.localhost`;
 * names are DNS names (RFC 1123 labels) so that browsers, which resolve every
 * `*.localhost` name to loopback themselves (RFC 6761 §6.3), accept them.
 */
import { BerthError } from '../errors.js';

/** The top-level domain routes are served under. */
export const ROUTE_TLD = 'localhost';

/** Longest DNS label, in characters (RFC 1035 §2.3.4). */
export const MAX_LABEL_LENGTH = 63;

/** Longest whole name including `.localhost`, in characters (RFC 1035 §2.3.4). */
export const MAX_HOST_LENGTH = 253;

const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

function invalid(input: string, why: string): BerthError {
  return new BerthError('E_ROUTE_NAME_INVALID', `"${input}" is not a valid route name: ${why}.`, {
    hint: 'Use lower-case letters, digits and dashes, with dots between parts: web, api, fix-login.web',
    data: { input },
  });
}

/**
 * Checks and normalises a route name as a user typed it: lower-cased, a
 * trailing `.localhost` (and trailing dot) dropped, so `Web`, `web.localhost`
 * and `web` are the same route `web`.
 * @throws BerthError E_ROUTE_NAME_INVALID (empty, bad characters, a label over 63 characters,
 *   a label starting or ending with '-', longer than a DNS name may be).
 */
export function parseRouteName(input: string): string {
  let name = input.trim().toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name === ROUTE_TLD) throw invalid(input, `it needs a name before .${ROUTE_TLD}`);
  if (name.endsWith(`.${ROUTE_TLD}`)) name = name.slice(0, -(ROUTE_TLD.length + 1));
  if (name === '') throw invalid(input, 'it is empty');
  if (name.length + ROUTE_TLD.length + 1 > MAX_HOST_LENGTH) {
    throw invalid(input, `${name}.${ROUTE_TLD} is longer than the ${MAX_HOST_LENGTH} characters a host name may have`);
  }
  for (const label of name.split('.')) {
    if (label === '') throw invalid(input, 'it has an empty part (two dots in a row, or a dot at an end)');
    if (label.length > MAX_LABEL_LENGTH) throw invalid(input, `"${label}" is longer than ${MAX_LABEL_LENGTH} characters`);
    if (!LABEL.test(label)) {
      throw invalid(
        input,
        /^-|-$/.test(label) ? `"${label}" starts or ends with a dash` : `"${label}" may only hold a-z, 0-9 and '-'`,
      );
    }
  }
  return name;
}

/**
 * Turns free text (a package.json name such as `@acme/Web_App`, a folder, a
 * git branch such as `feat/login`) into a valid route label: lower case,
 * scope dropped, anything else than a-z, 0-9 and '-' turned into '-', cut to
 * 63 characters. Returns null when nothing usable is left.
 */
export function toRouteLabel(text: string): string | null {
  const label = text
    .trim()
    .toLowerCase()
    .replace(/^@[^/]*\//, '')
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_LABEL_LENGTH)
    .replace(/-+$/, '');
  return label === '' ? null : label;
}

/** The host a route is served as: `web` → `web.localhost`. */
export function routeHost(name: string): string {
  return `${name}.${ROUTE_TLD}`;
}

/** The URL of a route behind a proxy on `proxyPort`: `http://web.localhost:1355/` (no port shown for 80). */
export function routeUrl(name: string, proxyPort: number): string {
  return `http://${routeHost(name)}${proxyPort === 80 ? '' : `:${proxyPort}`}/`;
}

/**
 * The route name a Host header asks for: `Web.localhost:1355` → `web`,
 * `api.web.localhost.` → `api.web`. Null for anything that is not a
 * `*.localhost` name (an IP literal, bare `localhost`, another domain).
 * Not validated: an unknown name simply matches no route.
 */
export function routeNameFromHost(host: string | undefined): string | null {
  if (host === undefined || host === '' || host.charCodeAt(0) === 91 /* '[' */) return null;
  const colon = host.lastIndexOf(':');
  let name = (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  const suffix = `.${ROUTE_TLD}`;
  if (!name.endsWith(suffix) || name.length === suffix.length) return null;
  return name.slice(0, -suffix.length);
}

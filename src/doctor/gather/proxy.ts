/**
 * Proxy variables: which of HTTP_PROXY / HTTPS_PROXY / ALL_PROXY an HTTP
 * client would use for the target, and whether NO_PROXY keeps the target's
 * host away from the proxy. Pure.
 *
 * NO_PROXY matching follows the common ground of curl, Python requests and
 * undici's EnvHttpProxyAgent: comma- or space-separated entries, `*` for
 * everything, a name matches itself and its subdomains (a leading dot is
 * optional), IP literals match exactly, CIDR blocks match their addresses.
 */
import { isIP } from 'node:net';
import { matchesCidr } from './firewall-packet.js';
import type { ProxyFacts } from '../types.js';

const HTTP_VARS = ['HTTP_PROXY', 'http_proxy'];
const HTTPS_VARS = ['HTTPS_PROXY', 'https_proxy'];
const ALL_VARS = ['ALL_PROXY', 'all_proxy'];
const NO_PROXY_VARS = ['NO_PROXY', 'no_proxy'];

/** The proxy variables an HTTP client reads for `scheme`; none for non-HTTP schemes. */
export function proxyVariablesFor(scheme: string | null): string[] {
  if (scheme === 'http' || scheme === 'ws') return [...HTTP_VARS, ...ALL_VARS];
  if (scheme === 'https' || scheme === 'wss') return [...HTTPS_VARS, ...ALL_VARS];
  if (scheme === null) return [...HTTP_VARS, ...HTTPS_VARS, ...ALL_VARS];
  return []; // database clients do not go through HTTP proxies
}

/** Hides the password of a proxy URL (`http://user:***@proxy:3128`). */
export function maskProxyValue(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}

/** True when the NO_PROXY value `noProxy` keeps `host` away from the proxy. */
export function noProxyCovers(noProxy: string, host: string): boolean {
  const wanted = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    if (entry.startsWith('[')) entry = entry.replace(/^\[([^\]]*)\](?::\d+)?$/, '$1');
    else if (isIP(entry) === 0 && !entry.includes('/')) entry = entry.replace(/:\d+$/, '');
    if (entry.includes('/')) {
      if (isIP(wanted) !== 0 && matchesCidr(wanted, entry)) return true;
      continue;
    }
    if (isIP(entry) !== 0) {
      if (entry === wanted) return true;
      continue;
    }
    const name = entry.replace(/^\*?\./, '');
    if (wanted === name || wanted.endsWith(`.${name}`)) return true;
  }
  return false;
}

/**
 * Proxy facts for a target: the variables a client would use, NO_PROXY as
 * set, and which local hosts (the target's, plus localhost, 127.0.0.1 and
 * ::1 when the target is local) NO_PROXY leaves uncovered.
 */
export function proxyFacts(env: Readonly<Record<string, string | undefined>>, host: string, scheme: string | null, local: boolean): ProxyFacts {
  const set = proxyVariablesFor(scheme)
    .filter((name) => (env[name] ?? '').trim() !== '')
    .map((name) => ({ name, value: maskProxyValue(env[name]!.trim()) }));
  const noProxy = NO_PROXY_VARS.filter((name) => env[name] !== undefined && env[name] !== '').map((name) => ({ name, value: env[name]! }));
  if (set.length === 0 || !local) return { set, noProxy, uncovered: [] };
  const joined = noProxy.map((n) => n.value).join(',');
  const hosts = [...new Set([host, 'localhost', '127.0.0.1', '::1'])];
  return { set, noProxy, uncovered: hosts.filter((h) => !noProxyCovers(joined, h)) };
}

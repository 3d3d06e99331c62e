/**
 * One bounded HTTP(S) GET, for readiness checks.
 *
 * Proxies: node:http and node:https never read HTTP_PROXY / HTTPS_PROXY /
 * NO_PROXY themselves (only undici's EnvHttpProxyAgent and, from Node 24,
 * NODE_USE_ENV_PROXY do). The request is sent with `agent: false`, a fresh
 * agent of its own, so a global agent replaced by a library (global-agent,
 * a proxy agent installed on http.globalAgent) cannot route it elsewhere, and
 * it is not fetch(), so undici's global dispatcher is not involved either.
 * The probe therefore always connects directly to the target.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions as HttpsRequestOptions } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { BerthError, errnoCode } from '../errors.js';
import { classifyConnectError, isLocalhostName, isSelfConnect, resolveHost, type ConnectFailure, type ResolvedAddress } from './connect.js';
import { tlsErrorCode, tlsFailureKind } from './tls-errors.js';
import { trustOptions } from './tls-trust.js';

/** Default bound on one HTTP probe (connect, request, response headers), in milliseconds. */
export const HTTP_TIMEOUT_MS = 2000;

/** Why an HTTP probe got no response. */
export type HttpFailure =
  | ConnectFailure
  /** The TLS handshake failed (wrong protocol on the port, certificate refused). */
  | 'tls'
  /** Something answered, but not with HTTP (or it closed the connection before the headers). */
  | 'protocol';

/** The outcome of one HTTP probe. `ok` means an HTTP response arrived, whatever its status. */
export type HttpResult =
  | { ok: true; status: number; ms: number; address: string }
  | { ok: false; reason: HttpFailure; code: string; ms: number; address?: string };

/** Options for {@link probeHttp}. */
export interface ProbeHttpOptions {
  /** Bound on the whole probe up to the response headers, in milliseconds (default {@link HTTP_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Aborts the probe; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Connect to this IP literal instead of resolving the URL's host; the Host
   * header and the TLS server name still come from the URL.
   */
  address?: string;
  /**
   * Accept any TLS certificate. Default: true for loopback targets
   * (localhost, *.localhost, 127.0.0.0/8, ::1), false otherwise.
   */
  insecure?: boolean;
}

function isLoopbackHost(host: string): boolean {
  if (isLocalhostName(host)) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || /^::ffff:127\./i.test(host);
}

function classifyHttpError(code: string): HttpFailure {
  if (code.startsWith('HPE_')) return 'protocol';
  if (tlsFailureKind(code) !== null) return 'tls';
  return classifyConnectError(code);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/**
 * Sends one GET to `url` and reports the status of the response, without
 * reading the body. Never throws for network outcomes: refused, timed out,
 * TLS and non-HTTP answers are values.
 *
 * Readiness, not trust: for https to a loopback target the certificate is
 * not verified (dev servers use self-signed certificates); pass
 * `insecure: false` to verify it anyway.
 *
 * Without `options.address`, the host is resolved with {@link resolveHost}
 * (so `localhost` means both ::1 and 127.0.0.1, whatever /etc/hosts says) and
 * the addresses are tried the way net.connect's autoSelectFamily tries them.
 * Never goes through an HTTP proxy (see the module comment).
 * @param url an http: or https: URL.
 * @throws BerthError E_TARGET_INVALID for another scheme, a bad URL or a name that does not resolve;
 *   rejects with the signal's reason when `options.signal` aborts.
 */
export async function probeHttp(url: string | URL, options: ProbeHttpOptions = {}): Promise<HttpResult> {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch (error) {
    throw new BerthError('E_TARGET_INVALID', `"${String(url)}" is not a valid URL.`, { hint: 'Example: http://localhost:3000/health', cause: error, data: { url: String(url) } });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new BerthError('E_TARGET_INVALID', `"${parsed.href}" is not an http or https URL.`, {
      hint: 'Probe other services with a TCP connect (probeConnect).',
      data: { url: parsed.href },
    });
  }
  const { signal } = options;
  if (signal?.aborted) throw abortReason(signal);
  const hostname = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  const addresses: ResolvedAddress[] =
    options.address !== undefined
      ? [{ address: options.address, family: isIP(options.address) === 6 ? 6 : 4 }]
      : await resolveHost(hostname);
  if (signal?.aborted) throw abortReason(signal);
  const insecure = options.insecure ?? (isLoopbackHost(hostname) && (options.address === undefined || isLoopbackHost(options.address)));
  const timeoutMs = options.timeoutMs ?? HTTP_TIMEOUT_MS;
  const start = performance.now();

  // A lookup that answers with our own addresses: net.connect then applies its usual
  // autoSelectFamily logic to them, and the Host header / SNI keep the URL's name.
  const lookup: LookupFunction = (_host, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) (callback as (e: null, a: ResolvedAddress[]) => void)(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };

  return new Promise<HttpResult>((resolve, reject) => {
    let settled = false;
    let req: ClientRequest | undefined;
    let remote: string | undefined;
    const finish = (result: HttpResult | { abort: unknown }, response?: IncomingMessage): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      response?.destroy();
      req?.on('error', () => {});
      req?.destroy();
      if ('abort' in result) reject(result.abort);
      else resolve(result);
    };
    const fail = (reason: HttpFailure, code: string): void => {
      const address = remote ?? (addresses.length === 1 ? addresses[0]!.address : undefined);
      finish({ ok: false, reason, code, ms: performance.now() - start, ...(address === undefined ? {} : { address }) });
    };
    const onAbort = (): void => finish({ abort: abortReason(signal!) });
    const timer = setTimeout(() => fail('timeout', 'ETIMEDOUT'), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });

    const send = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
    const requestOptions: HttpsRequestOptions & { autoSelectFamily?: boolean } = {
      method: 'GET',
      agent: false,
      lookup,
      // With a single address there is nothing to race.
      autoSelectFamily: addresses.length > 1,
      headers: { 'user-agent': 'berth-wait', accept: '*/*', connection: 'close' },
      ...(parsed.protocol === 'https:' ? { rejectUnauthorized: !insecure, ...(insecure ? {} : trustOptions({})) } : {}),
    };
    req = send(parsed, requestOptions);
    req.once('socket', (socket) => {
      socket.once('connect', () => {
        remote = socket.remoteAddress;
        const self = isSelfConnect({ address: socket.localAddress, port: socket.localPort }, { address: socket.remoteAddress, port: socket.remotePort });
        if (self) fail('self-connect', 'ESELFCONNECT');
      });
    });
    req.once('response', (response) => {
      finish({ ok: true, status: response.statusCode ?? 0, ms: performance.now() - start, address: remote ?? response.socket.remoteAddress ?? addresses[0]!.address }, response);
    });
    req.once('error', (error) => {
      // A TLS failure's code says which (tls-errors.ts): not TLS there, a refused certificate, no common version …
      const code = (parsed.protocol === 'https:' ? tlsErrorCode(error) : null) ?? errnoCode(error) ?? 'UNKNOWN';
      // "socket hang up" after the connect succeeded: something listens, but closed without answering HTTP.
      if (code === 'ECONNRESET' && remote !== undefined) fail('protocol', code);
      else fail(classifyHttpError(code), code);
    });
    req.end();
  });
}

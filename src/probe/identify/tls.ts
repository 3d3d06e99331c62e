/**
 * The TLS probe: a real handshake through node:tls that trusts nothing and
 * checks nothing (the point is to see, not to trust), then one HTTP request
 * inside it, HTTP/2 when the server picked it by ALPN.
 */
import type { Socket } from 'node:net';
import { connect as connectTls, type PeerCertificate, type TLSSocket } from 'node:tls';
import { trustOptions } from '../tls-trust.js';
import { errnoCode } from '../../errors.js';
import { recogniseBytes } from './banner.js';
import { describeHttp2, http2Facts, requestHttp2 } from './h2c.js';
import { buildHttpRequest, describeHttp, hostHeader, httpFacts, parseHttpResponse } from './http.js';
import { sure, weak, previewBytes, type Verdict } from './verdict.js';
import { exchange } from './wire.js';

/** What the TLS handshake showed. */
export interface TlsFacts {
  /** Negotiated version: `TLSv1.3`, `TLSv1.2` … */
  version: string | null;
  cipher: string | null;
  /** ALPN protocol the server picked (`h2`, `http/1.1`), or null. */
  alpn: string | null;
  /** Certificate subject and issuer as `CN=…, O=…`; null when the server sent no certificate. */
  subject: string | null;
  issuer: string | null;
  subjectAltName: string | null;
  validFrom: string | null;
  validTo: string | null;
  fingerprint256: string | null;
  selfSigned: boolean;
  /** Whether the system CAs trust the certificate for the name given (berth connects either way). */
  trusted: boolean;
  /** Why it is not trusted: `DEPTH_ZERO_SELF_SIGNED_CERT`, `CERT_HAS_EXPIRED` … */
  trustError: string | null;
}

function formatName(name: PeerCertificate['subject'] | undefined): string | null {
  if (!name || typeof name !== 'object') return null;
  const parts = Object.entries(name).map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`);
  return parts.length === 0 ? null : parts.join(', ');
}

/** Reads the facts of an established TLS connection. */
export function readTlsFacts(socket: TLSSocket): TlsFacts {
  const cert = socket.getPeerCertificate();
  const hasCert = cert !== null && typeof cert === 'object' && Object.keys(cert).length > 0;
  const subject = hasCert ? formatName(cert.subject) : null;
  const issuer = hasCert ? formatName(cert.issuer) : null;
  const trustError = socket.authorizationError ? String(socket.authorizationError) : null;
  return {
    version: socket.getProtocol() ?? null,
    cipher: socket.getCipher()?.name ?? null,
    alpn: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : null,
    subject,
    issuer,
    subjectAltName: hasCert && cert.subjectaltname ? cert.subjectaltname : null,
    validFrom: hasCert ? cert.valid_from : null,
    validTo: hasCert ? cert.valid_to : null,
    fingerprint256: hasCert ? cert.fingerprint256 : null,
    selfSigned: trustError === 'DEPTH_ZERO_SELF_SIGNED_CERT' || (subject !== null && subject === issuer),
    trusted: socket.authorized,
    trustError,
  };
}

/** "TLSv1.3 · certificate CN=localhost (self-signed)" */
export function describeTls(facts: TlsFacts): string {
  const cert = facts.subject === null ? 'no certificate' : `certificate ${facts.subject}${facts.selfSigned ? ' (self-signed)' : facts.trusted ? '' : ' (not trusted here)'}`;
  return `${facts.version ?? 'TLS'} · ${cert}`;
}

type Handshake = { ok: true; socket: TLSSocket; facts: TlsFacts } | { ok: false; alert: string | null; reason: string };

function isAlert(error: unknown): boolean {
  const code = errnoCode(error) ?? '';
  return /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_/.test(code) || /alert/i.test(error instanceof Error ? error.message : '');
}

/** Runs a TLS handshake over `socket` (already connected). Never throws. */
export function handshakeTls(socket: Socket, servername: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<Handshake> {
  return new Promise((resolve) => {
    let settled = false;
    const tlsSocket = connectTls({
      socket,
      // Without a name, the certificate is checked against the address connected to (not "localhost").
      ...(servername === undefined ? (socket.remoteAddress === undefined ? {} : { host: socket.remoteAddress }) : { servername }),
      rejectUnauthorized: false,
      ALPNProtocols: ['h2', 'http/1.1'],
      // Old servers should still be named, not mistaken for plain TCP. `trusted` below is
      // checked against the same store as Node's (NODE_EXTRA_CA_CERTS included: tls-trust.ts).
      ...trustOptions({ minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' }),
    });
    const finish = (result: Handshake): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (!result.ok) {
        tlsSocket.destroy();
        socket.destroy();
      }
      resolve(result);
    };
    const onAbort = (): void => finish({ ok: false, alert: null, reason: 'aborted' });
    const timer = setTimeout(() => finish({ ok: false, alert: null, reason: 'timeout' }), Math.max(0, timeoutMs));
    signal?.addEventListener('abort', onAbort, { once: true });
    tlsSocket.once('secureConnect', () => finish({ ok: true, socket: tlsSocket, facts: readTlsFacts(tlsSocket) }));
    tlsSocket.on('error', (error) => {
      const message = error instanceof Error ? error.message : String(error);
      finish(isAlert(error) ? { ok: false, alert: message, reason: 'alert' } : { ok: false, alert: null, reason: errnoCode(error) ?? message });
    });
    tlsSocket.once('close', () => finish({ ok: false, alert: null, reason: 'closed' }));
  });
}

/** Where and how long the TLS probe may talk. */
export interface TlsProbeContext {
  host: string;
  port: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The TLS probe's answer: a verdict (null: not TLS) and, when TLS was spoken, its facts. */
export interface TlsProbeResult {
  verdict: Verdict | null;
  facts: TlsFacts | null;
  outcome: string;
}

function withTls(verdict: Verdict, facts: TlsFacts): Verdict {
  return { ...verdict, summary: `${verdict.summary} · over ${describeTls(facts)}`, details: { ...verdict.details, tls: facts } };
}

/**
 * Handshakes, then asks `GET /` inside TLS (HTTP/2 if ALPN chose h2).
 * HTTP inside → `https`; a banner inside (SMTPS) → that protocol with `tls`
 * details; nothing berth knows inside → `tls`. A TLS alert from the server is
 * weak `tls` evidence (it speaks TLS, but refused this handshake).
 */
export async function probeTls(socket: Socket, context: TlsProbeContext): Promise<TlsProbeResult> {
  const started = performance.now();
  const servername = /^[a-z]/i.test(context.host) && !context.host.includes(':') ? context.host : undefined;
  const handshake = await handshakeTls(socket, servername, context.timeoutMs, context.signal);
  if (!handshake.ok) {
    if (handshake.alert !== null) {
      return { verdict: weak('tls', `TLS (the server refused the handshake: ${handshake.alert})`, { alert: handshake.alert }), facts: null, outcome: 'alert' };
    }
    return { verdict: null, facts: null, outcome: handshake.reason === 'timeout' ? 'timeout' : 'not-tls' };
  }
  const { facts } = handshake;
  const remaining = Math.max(50, context.timeoutMs - (performance.now() - started));
  if (facts.alpn === 'h2') {
    const answer = await requestHttp2(`https://${hostHeader(context.host, context.port)}`, handshake.socket, remaining, context.signal);
    if (answer) return { verdict: sure('https', `${describeHttp2(answer)} · over ${describeTls(facts)}`, { ...http2Facts(answer), tls: facts }), facts, outcome: 'decided' };
    return { verdict: sure('https', `HTTPS (HTTP/2 by ALPN; GET / got no answer) · over ${describeTls(facts)}`, { tls: facts }), facts, outcome: 'decided' };
  }
  const reply = await exchange(handshake.socket, buildHttpRequest(context.host, context.port), {
    timeoutMs: remaining,
    // The response head is enough here; so is a banner (SMTPS greets before reading).
    isComplete: (data) => {
      const known = recogniseBytes(data, 'reply');
      return known !== null && known !== 'more';
    },
    ...(context.signal ? { signal: context.signal } : {}),
  });
  const response = parseHttpResponse(reply.data);
  if (response !== null && response !== 'more') {
    return { verdict: sure('https', `${describeHttp(response)} · over ${describeTls(facts)}`, { ...httpFacts(response), tls: facts }), facts, outcome: 'decided' };
  }
  const inner = recogniseBytes(reply.data, 'reply');
  if (inner !== null && inner !== 'more') return { verdict: { ...withTls(inner, facts), strength: 'sure' }, facts, outcome: 'decided' };
  const details: Record<string, unknown> = { ...facts };
  if (reply.data.length > 0) details.reply = previewBytes(reply.data);
  return { verdict: sure('tls', `TLS, no HTTP inside · ${describeTls(facts)}`, details), facts, outcome: 'decided' };
}

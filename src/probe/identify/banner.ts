/**
 * Recognising what a server sends: server-first banners (SSH, SMTP, MySQL,
 * HTTP/2 SETTINGS, and a few others named for the user), and the tell-tale
 * replies of known servers to probes meant for someone else. Pure functions
 * over captured bytes.
 */
import { parseH2Frames, h2cVerdict } from './h2c.js';
import { httpVerdict, parseHttpResponse } from './http.js';
import { sure, weak, previewBytes, type Verdict } from './verdict.js';

/** A parser's answer: a verdict, `'more'` (a known prefix, bytes still missing) or null (not this protocol). */
export type Recognition = Verdict | 'more' | null;

/** Where the bytes came from: sent unprompted on connect, or in reply to a probe. */
export type ReplyContext = 'banner' | 'reply';

function firstLine(data: Buffer): string | null {
  const end = data.indexOf(0x0a);
  if (end === -1) return null;
  return data.subarray(0, end).toString('latin1').replace(/\r$/, '');
}

/**
 * SSH identification string (RFC 4253 §4.2): `SSH-protoversion-softwareversion SP comments CR LF`.
 * The server may send other lines first; those are skipped (at most 1 KiB of them).
 */
export function parseSshBanner(data: Buffer): Recognition {
  const text = data.subarray(0, 4096).toString('latin1');
  const at = text.startsWith('SSH-') ? 0 : text.indexOf('\nSSH-');
  if (at === -1) return 'SSH-'.startsWith(text.slice(0, 4)) && text.length < 4 ? 'more' : null;
  if (at > 1024) return null;
  const start = at === 0 ? 0 : at + 1;
  const end = text.indexOf('\n', start);
  if (end === -1) return 'more';
  const banner = text.slice(start, end).replace(/\r$/, '');
  const match = /^SSH-([\d.]+)-(\S+)(?: (.*))?$/.exec(banner);
  if (!match) return null;
  const details: Record<string, unknown> = { banner, protocolVersion: match[1], software: match[2] };
  if (match[3]) details.comments = match[3];
  return sure('ssh', banner, details);
}

const FTP_WORDS = /\bftp\b|ftpd|filezilla|ftp server/i;
const SMTP_WORDS = /\bE?SMTP\b|postfix|exim|sendmail|mail/i;

/**
 * A `220` greeting (RFC 5321 §4.2): SMTP, or FTP, which greets the same way.
 * Multi-line greetings (`220-…`) are read to their last line. 421/554
 * greetings (a server refusing service) count when they name SMTP.
 */
export function parseSmtpGreeting(data: Buffer): Recognition {
  const text = data.subarray(0, 4096).toString('latin1');
  if (!/^\d{0,3}$|^\d{3}[ -]/.test(text.slice(0, 4))) return null;
  const code = text.slice(0, 3);
  if (!['220', '421', '554'].includes(code) && text.length >= 3) return null;
  const lines = text.split('\n');
  const last = lines.findIndex((line) => /^\d{3} /.test(line) || /^\d{3}\r?$/.test(line));
  if (last === -1 || !text.includes('\n')) return 'more';
  const greeting = lines
    .slice(0, last + 1)
    .map((line) => line.replace(/\r$/, ''))
    .join(' | ');
  if (FTP_WORDS.test(greeting) && !SMTP_WORDS.test(greeting)) {
    return sure('unknown', `FTP · ${greeting}`, { service: 'ftp', banner: greeting });
  }
  if (code !== '220' && !SMTP_WORDS.test(greeting)) return null;
  const details: Record<string, unknown> = { banner: greeting, code: Number(code), esmtp: /\bESMTP\b/i.test(greeting) };
  return sure('smtp', code === '220' ? `SMTP · ${greeting}` : `SMTP, refusing service · ${greeting}`, details);
}

const CLIENT_SSL = 0x0800;

/**
 * The MySQL/MariaDB initial handshake packet (protocol 10), or the error
 * packet a server sends instead when it refuses the client outright
 * ("Host … is not allowed to connect", "Too many connections").
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets_protocol_handshake_v10.html
 */
export function parseMysqlGreeting(data: Buffer): Recognition {
  if (data.length === 0 || (data.length >= 2 && data[1]! > 0x10) || (data.length >= 3 && data[2] !== 0)) return null;
  if (data.length >= 4 && data[3] !== 0) return null;
  if (data.length < 5) return 'more';
  const length = data[0]! | (data[1]! << 8) | (data[2]! << 16);
  if (data[3] !== 0 || length < 3 || length > 4096) return null;
  const kind = data[4];
  if (kind !== 0x0a && kind !== 0xff) return null;
  if (data.length < 4 + length) return 'more';
  const payload = data.subarray(4, 4 + length);
  if (kind === 0xff) {
    const errorCode = payload.readUInt16LE(1);
    let message = payload.subarray(3).toString('utf8');
    if (message.startsWith('#')) message = message.slice(6);
    if (errorCode < 1000 || errorCode > 4999 || !/^[\x20-\x7e]+$/.test(message)) return null;
    const flavor = /mariadb/i.test(message) ? 'MariaDB' : 'MySQL';
    return sure('mysql', `${flavor === 'MariaDB' ? 'MariaDB' : 'MySQL/MariaDB'} refuses this client: ${message}`, {
      error: { code: errorCode, message },
    });
  }
  const nul = payload.indexOf(0, 1);
  if (nul === -1) return null;
  const rawVersion = payload.subarray(1, nul).toString('latin1');
  if (!/^\d+\.\d+[\x20-\x7e]*$/.test(rawVersion)) return null;
  // MariaDB 10+ prefixes "5.5.5-" so that old clients accept it; the real version follows.
  const serverVersion = rawVersion.replace(/^5\.5\.5-(?=\d+\.\d+.*MariaDB)/i, '');
  const flavor = /mariadb/i.test(serverVersion) ? 'MariaDB' : 'MySQL';
  const details: Record<string, unknown> = { serverVersion, flavor: flavor.toLowerCase() };
  let at = nul + 1;
  if (payload.length >= at + 4) details.connectionId = payload.readUInt32LE(at);
  at += 4 + 8 + 1; // connection id, auth-plugin-data part 1, filler
  if (payload.length >= at + 2) {
    const capabilities = payload.readUInt16LE(at);
    details.ssl = (capabilities & CLIENT_SSL) !== 0;
    at += 2 + 1 + 2 + 2; // capability low, charset, status, capability high
    if (payload.length > at) {
      const authLength = payload[at]!;
      at += 1 + 10 + Math.max(13, authLength - 8);
      const end = payload.indexOf(0, at);
      const plugin = payload.subarray(at, end === -1 ? payload.length : end).toString('latin1');
      if (/^[\w-]+$/.test(plugin)) details.authPlugin = plugin;
    }
  }
  const short = /^\d+(?:\.\d+)*/.exec(serverVersion)?.[0] ?? serverVersion;
  return sure('mysql', `${flavor} ${short}${details.ssl ? '' : ' (no TLS)'}`, details);
}

/** Server-first protocols berth names but does not identify as a ProtocolId. */
const OTHER_BANNERS: ReadonlyArray<{ test: RegExp; service: string; label: string }> = [
  { test: /^\* OK/, service: 'imap', label: 'IMAP' },
  { test: /^\+OK/, service: 'pop3', label: 'POP3' },
  { test: /^RFB \d{3}\.\d{3}/, service: 'vnc', label: 'VNC (RFB)' },
  { test: /^INFO \{/, service: 'nats', label: 'NATS' },
  { test: /^@RSYNCD:/, service: 'rsync', label: 'rsync daemon' },
  { test: /^\xff[\xfb-\xfe]/, service: 'telnet', label: 'Telnet' },
];

/** Replies of known servers to a probe meant for another protocol. */
const OTHER_REPLIES: ReadonlyArray<{ test: RegExp; service: string; label: string }> = [
  // An AMQP broker answers bad client bytes with its own protocol header, then closes.
  { test: /^AMQP[\x00-\x01]/, service: 'amqp', label: 'AMQP broker' },
];

/**
 * Recognises `data` as the start of any protocol berth knows. In `banner`
 * context the bytes came unprompted; in `reply` context they answered a probe,
 * so HTTP error pages and Redis errors are weak evidence only (the probe that
 * speaks that protocol will confirm it).
 * @returns a verdict, `'more'` while a known prefix is incomplete, or null.
 */
export function recogniseBytes(data: Buffer, context: ReplyContext): Recognition {
  if (data.length === 0) return null;
  let pending = false;
  for (const parse of [parseSshBanner, parseSmtpGreeting, parseMysqlGreeting]) {
    const result = parse(data);
    if (result === 'more') pending = true;
    else if (result !== null) return result;
  }
  const frames = parseH2Frames(data);
  if (frames !== null) {
    if (frames === 'more') pending = true;
    else return h2cVerdict(frames, context);
  }
  if (data.subarray(0, 5).toString('latin1') === 'HTTP/'.slice(0, Math.min(5, data.length))) {
    const response = parseHttpResponse(data);
    if (response === 'more') return 'more';
    if (response !== null) {
      const verdict = httpVerdict(response);
      // An HTTP answer to bytes that were not HTTP proves HTTP, but its status says nothing.
      return context === 'reply' ? { ...verdict, strength: verdict.protocol === 'http' ? 'weak' : verdict.strength } : verdict;
    }
  }
  const text = data.subarray(0, 256).toString('latin1');
  const table = context === 'banner' ? OTHER_BANNERS : OTHER_REPLIES;
  for (const entry of table) {
    if (entry.test.test(text)) {
      const line = firstLine(data) ?? previewBytes(data);
      return sure('unknown', `${entry.label} · ${previewBytes(Buffer.from(line, 'latin1'), 80)}`, { service: entry.service, banner: line });
    }
  }
  if (context === 'reply' && /^-(?:ERR unknown command|NOAUTH|DENIED|WRONGPASS)\b/.test(text)) {
    return weak('redis', 'Redis (answered a probe with a Redis error)', { reply: firstLine(data) });
  }
  return pending ? 'more' : null;
}

/** A verdict for bytes nobody recognised: protocol `unknown`, with a preview. */
export function unknownBytesVerdict(data: Buffer, context: ReplyContext): Verdict {
  const preview = previewBytes(data);
  const summary = context === 'banner' ? `sends a banner berth does not know: "${preview}"` : `answers in a protocol berth does not know: "${preview}"`;
  const details = { [context === 'banner' ? 'banner' : 'reply']: preview, bytes: data.length };
  return context === 'banner' ? sure('unknown', summary, details) : weak('unknown', summary, details);
}

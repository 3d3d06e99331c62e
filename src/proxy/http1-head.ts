/**
 * A strict parser for HTTP/1.1 message heads (RFC 9112 §2–§6), for the
 * proxy's fast path. It accepts only a clean subset: a request it is not
 * sure about gives null, and the connection is handed to Node's own HTTP
 * server (llhttp), which answers it or rejects it with 400 — so an ambiguous
 * request (Content-Length with Transfer-Encoding, two Content-Lengths,
 * obs-fold, a bare CR or LF, a space before the colon) is never framed by
 * this code (request smuggling, RFC 9112 §11.2). A response head it does not
 * accept is a bad gateway.
 */

/** A field-name (RFC 9110 §5.1: a token). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Every byte of a head: tab, visible ASCII, space, obs-text; CR only as part of CRLF, LF only after CR, no NUL or other controls. */
const HEAD_TEXT = /^[\t\x20-\x7e\x80-\xff]*(?:\r\n[\t\x20-\x7e\x80-\xff]*)*$/;

/** origin-form, absolute-form or asterisk-form targets; visible ASCII only. */
const TARGET = /^[\x21-\x7e]+$/;

/** Content-Length: digits only (no sign, no list), at most 15 of them (a safe integer). */
const LENGTH = /^\d{1,15}$/;

/** The status line of a response this proxy forwards (RFC 9112 §4): the reason phrase may be empty. */
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([\t\x20-\x7e\x80-\xff]*))?$/;

/** What a head says about itself, shared by requests and responses. */
interface Head {
  /** Field lines as [name, value, name, value, …]: names as sent, values without surrounding SP/HTAB. */
  fields: string[];
  /** Lower-case field names, one per field (fields[2i] lower-cased). */
  names: string[];
  /** Content-Length, or -1 when absent. */
  contentLength: number;
  /** The lower-case tokens of the Connection field(s), or null when there is none. */
  connection: string[] | null;
}

/** A request head the fast path can forward. */
export interface RequestHead extends Head {
  method: string;
  target: string;
  /** The one Host field. */
  host: string;
  /** Transfer-Encoding is exactly `chunked`. */
  chunked: boolean;
  /** The client asked to close after this exchange (Connection: close). */
  close: boolean;
}

/** A response head from an app. */
export interface ResponseHead extends Head {
  /** 1 for HTTP/1.1, 0 for HTTP/1.0. */
  minor: number;
  status: number;
  reason: string;
  /** The body is chunked (Transfer-Encoding ends in `chunked`); a Transfer-Encoding that does not is read until close. */
  chunked: boolean;
  /** Transfer-Encoding is present. */
  transferEncoding: boolean;
  /** The app will close the connection after this response (Connection: close, or HTTP/1.0 without keep-alive). */
  close: boolean;
}

function trimValue(text: string, start: number): string {
  let end = text.length;
  while (start < end && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9)) start++;
  while (end > start && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  return text.slice(start, end);
}

function splitTokens(value: string, into: string[]): void {
  if (value === 'keep-alive' || value === 'close') {
    into.push(value); // what nearly every Connection field says
    return;
  }
  for (const part of value.split(',')) {
    const token = trimValue(part, 0).toLowerCase();
    if (token !== '') into.push(token);
  }
}

/**
 * Reads the field lines of `text` from offset `start` (just after the start
 * line's CRLF) into `head`. Returns false for anything not clean: obs-fold, a
 * line without a colon, a bad field name (also whitespace before the colon).
 */
function parseFields(text: string, start: number, head: Head): boolean {
  let pos = start;
  const length = text.length;
  while (pos < length) {
    let end = text.indexOf('\r\n', pos);
    if (end === -1) end = length;
    const first = text.charCodeAt(pos);
    if (first === 32 || first === 9) return false; // obs-fold (RFC 9112 §5.2)
    const colon = text.indexOf(':', pos);
    if (colon === -1 || colon >= end) return false;
    const name = text.slice(pos, colon);
    if (!TOKEN.test(name)) return false;
    head.fields.push(name, trimValue(text.slice(colon + 1, end), 0));
    head.names.push(name.toLowerCase());
    pos = end + 2;
  }
  return true;
}

/**
 * Parses a request head: `text` is everything before the blank line (the
 * CRLF CRLF excluded), read as latin1. Returns null for whatever the fast
 * path leaves to Node's HTTP server: not HTTP/1.1, CONNECT, an upgrade,
 * Expect, no or several Host fields, ambiguous or unsupported framing, or
 * anything malformed.
 */
export function parseRequestHead(text: string): RequestHead | null {
  if (!HEAD_TEXT.test(text)) return null;
  const lineEnd = text.indexOf('\r\n');
  const line = lineEnd === -1 ? text : text.slice(0, lineEnd);
  const sp1 = line.indexOf(' ');
  const sp2 = line.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 === -1 || line.slice(sp2 + 1) !== 'HTTP/1.1') return null;
  const method = line.slice(0, sp1);
  const target = line.slice(sp1 + 1, sp2);
  if (!TOKEN.test(method) || method === 'CONNECT' || !TARGET.test(target)) return null;
  const head: RequestHead = { method, target, fields: [], names: [], contentLength: -1, connection: null, host: '', chunked: false, close: false };
  if (lineEnd !== -1 && !parseFields(text, lineEnd + 2, head)) return null;
  let hosts = 0;
  let lengths = 0;
  let encodings = 0;
  const { names, fields } = head;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const value = fields[2 * i + 1]!;
    switch (name) {
      case 'host':
        hosts++;
        head.host = value;
        break;
      case 'content-length':
        if (++lengths > 1 || !LENGTH.test(value)) return null;
        head.contentLength = Number(value);
        break;
      case 'transfer-encoding':
        if (++encodings > 1 || value.toLowerCase() !== 'chunked') return null;
        head.chunked = true;
        break;
      case 'connection':
        splitTokens(value, (head.connection ??= []));
        break;
      case 'upgrade':
      case 'expect':
      case 'http2-settings':
        return null;
      default:
        break;
    }
  }
  if (hosts !== 1 || head.host === '' || (lengths > 0 && encodings > 0)) return null;
  if (head.connection !== null) {
    if (head.connection.includes('upgrade')) return null;
    head.close = head.connection.includes('close');
  }
  return head;
}

/**
 * Parses a response head (`text` as in {@link parseRequestHead}); null when
 * it is malformed or its framing is ambiguous (RFC 9112 §6.3: Content-Length
 * together with Transfer-Encoding, several or invalid Content-Lengths).
 */
export function parseResponseHead(text: string): ResponseHead | null {
  if (!HEAD_TEXT.test(text)) return null;
  const lineEnd = text.indexOf('\r\n');
  const match = STATUS_LINE.exec(lineEnd === -1 ? text : text.slice(0, lineEnd));
  if (match === null) return null;
  const head: ResponseHead = {
    minor: Number(match[1]),
    status: Number(match[2]),
    reason: match[3] ?? '',
    fields: [],
    names: [],
    contentLength: -1,
    connection: null,
    chunked: false,
    transferEncoding: false,
    close: false,
  };
  if (lineEnd !== -1 && !parseFields(text, lineEnd + 2, head)) return null;
  let lengths = 0;
  const codings: string[] = [];
  const { names, fields } = head;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const value = fields[2 * i + 1]!;
    if (name === 'content-length') {
      if (++lengths > 1 || !LENGTH.test(value)) return null;
      head.contentLength = Number(value);
    } else if (name === 'transfer-encoding') {
      head.transferEncoding = true;
      splitTokens(value, codings);
    } else if (name === 'connection') {
      splitTokens(value, (head.connection ??= []));
    }
  }
  if (head.transferEncoding) {
    if (lengths > 0) return null;
    head.chunked = codings[codings.length - 1] === 'chunked';
  }
  const connection = head.connection;
  head.close = head.minor === 0 ? connection === null || !connection.includes('keep-alive') : connection !== null && connection.includes('close');
  return head;
}

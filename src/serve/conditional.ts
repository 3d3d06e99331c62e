/**
 * Validators and conditional requests (RFC 9110 §8.8, §13): a weak ETag from
 * size and modification time, Last-Modified, and the If-None-Match /
 * If-Modified-Since / If-Range checks that turn a GET into a 304 or a range
 * into a full answer.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** The facts of a file that its validators are made of. */
export interface FileVersion {
  /** Size in bytes. */
  size: number;
  /** Modification time in milliseconds since the epoch. */
  mtimeMs: number;
}

/**
 * A weak ETag such as `W/"1f4-18c2a3b4c5d"` (size and mtime in hex). Weak,
 * because equal size and mtime make two versions very likely, not certainly,
 * byte-identical.
 */
export function etagOf(file: FileVersion): string {
  return `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
}

/** The Last-Modified header value (an HTTP date, whole seconds). */
export function lastModifiedOf(file: FileVersion): string {
  return new Date(Math.floor(file.mtimeMs / 1000) * 1000).toUTCString();
}

function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/** Weak comparison (RFC 9110 §8.8.3.2) of `etag` with an If-None-Match list. */
function matchesAny(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const wanted = opaque(etag);
  return header.split(',').some((tag) => opaque(tag.trim()) === wanted);
}

/**
 * True when a GET or HEAD may be answered with 304 Not Modified. If-None-Match
 * wins over If-Modified-Since when both are sent (RFC 9110 §13.1.3).
 */
export function isNotModified(headers: IncomingHttpHeaders, file: FileVersion): boolean {
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) return matchesAny(ifNoneMatch, etagOf(file));
  const since = headers['if-modified-since'];
  if (since === undefined) return false;
  const sinceMs = Date.parse(since);
  if (Number.isNaN(sinceMs)) return false;
  return Math.floor(file.mtimeMs / 1000) * 1000 <= sinceMs;
}

/**
 * True when a Range header may be honoured: there is no If-Range, or it still
 * names this version. A weak ETag never satisfies If-Range (strong comparison,
 * RFC 9110 §13.1.5), so a client that sends ours back gets the whole file.
 * A date matches only when it equals Last-Modified exactly.
 */
export function isRangeStillValid(headers: IncomingHttpHeaders, file: FileVersion): boolean {
  const ifRange = headers['if-range'];
  if (ifRange === undefined) return true;
  const value = (Array.isArray(ifRange) ? ifRange.join(',') : ifRange).trim();
  if (value.startsWith('"') || value.startsWith('W/')) return false;
  const dateMs = Date.parse(value);
  return !Number.isNaN(dateMs) && dateMs === Math.floor(file.mtimeMs / 1000) * 1000;
}

/**
 * The static server's request handler: method check, safe path resolution,
 * folders (redirect, index.html, listing), SPA fallback, and files with
 * validators, 304s and single ranges, streamed with backpressure.
 */
import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { errnoCode } from '../errors.js';
import { etagOf, isNotModified, isRangeStillValid, lastModifiedOf } from './conditional.js';
import { readListing, renderListing } from './listing.js';
import { mimeTypeOf } from './mime.js';
import { contentRange, decideRange } from './range.js';
import { decodeRequestPath, isHiddenPath, resolveInsideRoot, type Resolved } from './resolve-path.js';

/** What the handler needs to know; see StaticServerOptions for the meaning of each. */
export interface HandlerConfig {
  rootReal: string;
  spa: boolean;
  listing: boolean;
  cors: boolean;
  dotfiles: boolean;
}

/** What one response was, for the access log. */
export interface ResponseFacts {
  /** Body bytes the response meant to send (Content-Length), 0 for HEAD and 304. */
  bytes: number;
  /** Set when the handler itself failed (a 500). */
  error?: unknown;
}

const TEXT = 'text/plain; charset=utf-8';
/** Files up to this size are read whole and sent in one write. */
const SMALL_FILE_BYTES = 64 * 1024;
/** Read size when streaming larger files (the default 64 KiB costs more syscalls per MB). */
const STREAM_CHUNK_BYTES = 256 * 1024;
const ALLOW = 'GET, HEAD';
const REASONS: Readonly<Record<number, string>> = {
  301: 'Moved Permanently',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  416: 'Range Not Satisfiable',
  500: 'Internal Server Error',
};

function baseHeaders(config: HandlerConfig): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    // A development server: let the browser keep a copy, but revalidate it every time (cheap with 304s).
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  };
  if (config.cors) headers['Access-Control-Allow-Origin'] = '*';
  return headers;
}

function sendText(req: IncomingMessage, res: ServerResponse, config: HandlerConfig, status: number, body: string, extra: OutgoingHttpHeaders = {}): ResponseFacts {
  const text = `${status} ${REASONS[status] ?? ''}${body === '' ? '' : `: ${body}`}\n`;
  const length = Buffer.byteLength(text);
  res.writeHead(status, { ...baseHeaders(config), 'Content-Type': TEXT, 'Content-Length': length, ...extra });
  res.end(req.method === 'HEAD' ? undefined : text);
  return { bytes: req.method === 'HEAD' ? 0 : length };
}

function wantsHtml(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').toLowerCase().includes('text/html');
}

async function openRegularFile(realPath: string): Promise<{ handle: FileHandle; stats: Stats } | null> {
  // O_NOFOLLOW: realPath has no symlinks left; if one was swapped in since, refuse it.
  const handle = await open(realPath, constants.O_RDONLY | constants.O_NOFOLLOW);
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    return null;
  }
  return { handle, stats };
}

async function sendFile(req: IncomingMessage, res: ServerResponse, config: HandlerConfig, realPath: string): Promise<ResponseFacts> {
  let opened: Awaited<ReturnType<typeof openRegularFile>>;
  try {
    opened = await openRegularFile(realPath);
  } catch (error) {
    // Gone since it was resolved: 404. ELOOP: a symlink was swapped in (O_NOFOLLOW); EACCES: 403.
    if (errnoCode(error) === 'ENOENT') return sendText(req, res, config, 404, '');
    return sendText(req, res, config, 403, 'berth cannot read this file.');
  }
  // FIFOs, sockets and devices: reading one could block forever or never end.
  if (opened === null) return sendText(req, res, config, 403, 'not a regular file.');
  const { handle, stats } = opened;
  const headers: OutgoingHttpHeaders = {
    ...baseHeaders(config),
    'Content-Type': mimeTypeOf(realPath),
    'Last-Modified': lastModifiedOf(stats),
    ETag: etagOf(stats),
    'Accept-Ranges': 'bytes',
  };
  if (isNotModified(req.headers, stats)) {
    await handle.close();
    // RFC 9110 §15.4.5: a 304 carries the validators but no body or Content-Type.
    delete headers['Content-Type'];
    res.writeHead(304, headers);
    res.end();
    return { bytes: 0 };
  }
  const range = isRangeStillValid(req.headers, stats) ? decideRange(req.headers.range, stats.size) : { kind: 'full' as const };
  if (range.kind === 'unsatisfiable') {
    await handle.close();
    return sendText(req, res, config, 416, `the file has ${stats.size} bytes.`, { 'Content-Range': contentRange(range, stats.size)! });
  }
  const start = range.kind === 'partial' ? range.start : 0;
  const end = range.kind === 'partial' ? range.end : stats.size - 1;
  const length = stats.size === 0 ? 0 : end - start + 1;
  if (range.kind === 'partial') headers['Content-Range'] = contentRange(range, stats.size)!;
  headers['Content-Length'] = length;
  res.writeHead(range.kind === 'partial' ? 206 : 200, headers);
  if (req.method === 'HEAD' || length === 0) {
    await handle.close();
    res.end();
    return { bytes: 0 };
  }
  if (length <= SMALL_FILE_BYTES) {
    // One read and one write: for small files a stream's setup costs more than the bytes.
    try {
      const buffer = Buffer.allocUnsafe(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, start + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      if (filled < length) res.destroy(); // truncated since fstat: see below
      else res.end(buffer);
    } finally {
      await handle.close();
    }
    return { bytes: length };
  }
  const stream = handle.createReadStream({ start, end, highWaterMark: STREAM_CHUNK_BYTES });
  // A file truncated while it is sent must not end a keep-alive response short of its
  // Content-Length (the client would read the next response as body): cut the connection.
  // Registered before pipeline(), so it runs before pipeline ends the response.
  let sent = 0;
  stream.on('data', (chunk: Buffer | string) => (sent += chunk.length));
  stream.once('end', () => {
    if (sent < length) res.destroy();
  });
  // pipeline: backpressure from the client, and on a client abort (ERR_STREAM_PREMATURE_CLOSE)
  // the file stream is destroyed, which closes the handle. Nothing is left to report then.
  pipeline(stream, res, () => undefined);
  return { bytes: length };
}

async function sendFolder(req: IncomingMessage, res: ServerResponse, config: HandlerConfig, found: Extract<Resolved, { kind: 'found' }>, segments: string[], query: string): Promise<ResponseFacts> {
  const canonical = `/${segments.map(encodeURIComponent).join('/')}${segments.length > 0 ? '/' : ''}`;
  const rawPath = (req.url ?? '/').split(/[?#]/, 1)[0]!;
  if (!rawPath.endsWith('/')) {
    // Built from the decoded segments, never from the raw target: "//evil.example/x" must not
    // become a protocol-relative Location.
    return sendText(req, res, config, 301, '', { Location: canonical + query });
  }
  const index = await resolveInsideRoot(config.rootReal, [...segments, 'index.html']);
  if (index.kind === 'found' && index.stats.isFile()) return sendFile(req, res, config, index.realPath);
  if (!config.listing) return sendText(req, res, config, 404, 'no index.html here, and listings are off.');
  const entries = (await readListing(found.realPath)).filter((entry) => config.dotfiles || !entry.name.startsWith('.'));
  const html = renderListing(`/${segments.join('/')}${segments.length > 0 ? '/' : ''}`, entries);
  const length = Buffer.byteLength(html);
  res.writeHead(200, { ...baseHeaders(config), 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': length });
  res.end(req.method === 'HEAD' ? undefined : html);
  return { bytes: req.method === 'HEAD' ? 0 : length };
}

async function sendSpaFallback(req: IncomingMessage, res: ServerResponse, config: HandlerConfig, segments: string[]): Promise<ResponseFacts | null> {
  const last = segments[segments.length - 1] ?? '';
  if (!config.spa || path.extname(last) !== '' || !wantsHtml(req)) return null;
  const index = await resolveInsideRoot(config.rootReal, ['index.html']);
  if (index.kind !== 'found' || !index.stats.isFile()) return null;
  return sendFile(req, res, config, index.realPath);
}

/**
 * Answers one request. Never throws: a failure becomes a 500 (or a destroyed
 * response when the headers were already sent).
 */
export async function handleRequest(req: IncomingMessage, res: ServerResponse, config: HandlerConfig): Promise<ResponseFacts> {
  try {
    if (req.method === 'OPTIONS' && config.cors) {
      res.writeHead(204, { ...baseHeaders(config), Allow: ALLOW, 'Access-Control-Allow-Methods': ALLOW, 'Access-Control-Allow-Headers': '*', 'Access-Control-Max-Age': '600' });
      res.end();
      return { bytes: 0 };
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendText(req, res, config, 405, `berth serve answers ${ALLOW} only.`, { Allow: ALLOW });
    }
    const decoded = decodeRequestPath(req.url ?? '/');
    if (!decoded.ok) return sendText(req, res, config, 400, `the path is not allowed (${decoded.reason}).`);
    const { segments, trailingSlash, query } = decoded;
    // Hidden files (.env, .git/) are 404 unless asked for, whether named directly or reached
    // through a symlink: the same answer as for a missing file, so nothing says they exist.
    if (!config.dotfiles && isHiddenPath(segments)) return sendText(req, res, config, 404, '');
    const resolved = await resolveInsideRoot(config.rootReal, segments);
    if (!config.dotfiles && resolved.kind === 'found' && isHiddenPath(path.relative(config.rootReal, resolved.realPath).split(path.sep))) {
      return sendText(req, res, config, 404, '');
    }
    switch (resolved.kind) {
      case 'forbidden':
        return sendText(req, res, config, 403, resolved.why === 'outside-root' ? 'it leads outside the served folder.' : 'permission denied.');
      case 'missing':
        return (await sendSpaFallback(req, res, config, segments)) ?? sendText(req, res, config, 404, '');
      case 'found':
        if (resolved.stats.isDirectory()) return await sendFolder(req, res, config, resolved, segments, query);
        if (trailingSlash) return sendText(req, res, config, 404, 'this is a file, not a folder.');
        return await sendFile(req, res, config, resolved.realPath);
    }
  } catch (error) {
    if (!res.headersSent) {
      return { ...sendText(req, res, config, 500, 'berth could not answer; see the server log.'), error };
    }
    res.destroy(error instanceof Error ? error : undefined);
    return { bytes: 0, error };
  }
}

/**
 * Small HTTP helpers for the dashboard's handlers: JSON answers, errors in
 * one shape, and a bounded JSON body reader. Every answer carries the
 * security headers (security.ts); none carries a CORS header.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BerthError, isBerthError } from '../errors.js';
import { SECURITY_HEADERS } from './security.js';

/** Largest request body the dashboard reads, in bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

/** The error shape of every /api answer that failed: the CLI's `--json` error shape. */
export interface ApiError {
  error: { code: string; message: string; hint?: string; data?: Record<string, unknown> };
}

/** Sets the headers every response carries. */
export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}

/** Sends `body` as JSON with `status`; never cached. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/** Sends an error as `{ error: { code, message, hint?, data? } }`. */
export function sendError(res: ServerResponse, status: number, code: string, message: string, hint?: string, data?: Record<string, unknown>): void {
  const body: ApiError = { error: { code, message, ...(hint === undefined ? {} : { hint }), ...(data === undefined ? {} : { data }) } };
  sendJson(res, status, body);
}

/** HTTP status for a BerthError code thrown by the library. */
function statusOf(error: BerthError): number {
  switch (error.code) {
    case 'E_PORT_INVALID':
    case 'E_TARGET_INVALID':
    case 'E_USAGE':
      return 400;
    case 'E_PERMISSION':
    case 'E_REFUSED':
      return 403;
    case 'E_NO_LISTENER':
      return 404;
    default:
      return 500;
  }
}

/** Answers a failure: a BerthError with its code, status and hint; anything else as a 500 with its message. */
export function sendFailure(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (isBerthError(error)) {
    sendError(res, statusOf(error), error.code, error.message, error.hint, error.data);
    return;
  }
  sendError(res, 500, 'E_INTERNAL', error instanceof Error ? error.message : String(error));
}

/**
 * Reads a JSON object body of at most {@link MAX_BODY_BYTES}.
 * @throws BerthError E_USAGE when the body is not JSON, not an object, not
 *   `application/json`, or too large.
 */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new BerthError('E_USAGE', 'The request body must be JSON (Content-Type: application/json).');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BerthError('E_USAGE', `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new BerthError('E_USAGE', 'The request body is not valid JSON.', { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new BerthError('E_USAGE', 'The request body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

/**
 * HTTP/2: the prior-knowledge preface for cleartext HTTP/2 (h2c, RFC 9113
 * §3.3), a pure parser of the frames a server answers with, and one GET /
 * through node:http2 for the status line.
 */
import { connect as connectHttp2, type ClientHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import { sure, type Verdict } from './verdict.js';

/** The client connection preface followed by an empty SETTINGS frame. */
export const H2C_PREFACE = Buffer.concat([
  Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'),
  Buffer.from([0, 0, 0, 0x04, 0, 0, 0, 0, 0]),
]);

/** One HTTP/2 frame. */
export interface H2Frame {
  length: number;
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

const FRAME_SETTINGS = 0x4;
const FRAME_GOAWAY = 0x7;
const MAX_FRAME = 16384;

/** RFC 9113 §6.5.2 setting names. */
const SETTING_NAMES: Readonly<Record<number, string>> = {
  1: 'headerTableSize',
  2: 'enablePush',
  3: 'maxConcurrentStreams',
  4: 'initialWindowSize',
  5: 'maxFrameSize',
  6: 'maxHeaderListSize',
  8: 'enableConnectProtocol',
};

/**
 * Parses the frames at the start of `data`, which must begin with a SETTINGS
 * or GOAWAY frame on stream 0 (how an HTTP/2 server opens, or refuses).
 * @returns the complete frames, `'more'` while the first is incomplete, or null when `data` is not HTTP/2.
 */
export function parseH2Frames(data: Buffer): H2Frame[] | 'more' | null {
  if (data.length === 0 || data[0] !== 0) return null;
  if (data.length >= 4 && data[3] !== FRAME_SETTINGS && data[3] !== FRAME_GOAWAY) return null;
  if (data.length < 9) return 'more';
  const frames: H2Frame[] = [];
  let at = 0;
  while (at + 9 <= data.length) {
    const length = (data[at]! << 16) | (data[at + 1]! << 8) | data[at + 2]!;
    const frame = { length, type: data[at + 3]!, flags: data[at + 4]!, streamId: data.readUInt32BE(at + 5) & 0x7fffffff };
    if (length > MAX_FRAME) return frames.length === 0 ? null : frames;
    if (frames.length === 0) {
      if (frame.streamId !== 0) return null;
      if (frame.type === FRAME_SETTINGS && (length % 6 !== 0 || frame.flags > 1)) return null;
      if (frame.type === FRAME_GOAWAY && length < 8) return null;
    }
    if (at + 9 + length > data.length) break;
    frames.push({ ...frame, payload: data.subarray(at + 9, at + 9 + length) });
    at += 9 + length;
  }
  return frames.length === 0 ? 'more' : frames;
}

/** The settings carried by a SETTINGS frame, by name. */
export function readSettings(frame: H2Frame): Record<string, number> {
  const settings: Record<string, number> = {};
  for (let at = 0; at + 6 <= frame.payload.length; at += 6) {
    const id = frame.payload.readUInt16BE(at);
    settings[SETTING_NAMES[id] ?? `setting${id}`] = frame.payload.readUInt32BE(at + 2);
  }
  return settings;
}

/** A verdict for frames that opened a connection: an HTTP/2 server speaking without TLS. */
export function h2cVerdict(frames: H2Frame[], context: 'banner' | 'reply'): Verdict {
  const details: Record<string, unknown> = { serverFirst: context === 'banner' };
  const settings = frames.find((f) => f.type === FRAME_SETTINGS && (f.flags & 1) === 0);
  if (settings) details.settings = readSettings(settings);
  const goaway = frames.find((f) => f.type === FRAME_GOAWAY);
  if (goaway && goaway.payload.length >= 8) details.goawayError = goaway.payload.readUInt32BE(4);
  return sure('h2c', 'HTTP/2 without TLS (h2c, prior knowledge)', details);
}

/** Status and server of `GET /` over HTTP/2. */
export interface Http2Answer {
  status: number;
  server?: string;
  contentType?: string;
}

/**
 * Sends one `GET /` over HTTP/2 and returns the response head, or null on any
 * failure or after `timeoutMs`. `socket` is an already-connected socket
 * (TLS with ALPN h2, or plain TCP for h2c); it is destroyed afterwards.
 */
export function requestHttp2(authority: string, socket: Socket, timeoutMs: number, signal?: AbortSignal): Promise<Http2Answer | null> {
  return new Promise((resolve) => {
    let session: ClientHttp2Session | null = null;
    let settled = false;
    const finish = (answer: Http2Answer | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      session?.destroy();
      socket.destroy();
      resolve(answer);
    };
    const onAbort = (): void => finish(null);
    const timer = setTimeout(() => finish(null), Math.max(0, timeoutMs));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      session = connectHttp2(authority, { createConnection: () => socket });
      session.on('error', () => finish(null));
      const request = session.request({ ':method': 'GET', ':path': '/', 'user-agent': 'berth-identify' });
      request.on('error', () => finish(null));
      request.on('response', (headers) => {
        const answer: Http2Answer = { status: Number(headers[':status']) };
        if (typeof headers.server === 'string') answer.server = headers.server;
        if (typeof headers['content-type'] === 'string') answer.contentType = headers['content-type'];
        finish(answer);
      });
      request.end();
    } catch {
      finish(null);
    }
  });
}

/** "HTTP/2 200 · Server: x" */
export function describeHttp2(answer: Http2Answer): string {
  return `HTTP/2 ${answer.status}${answer.server ? ` · Server: ${answer.server}` : ''}`;
}

/** Facts of an HTTP/2 answer, in the same shape as HTTP/1 facts. */
export function http2Facts(answer: Http2Answer): Record<string, unknown> {
  const facts: Record<string, unknown> = { version: '2', status: answer.status };
  if (answer.server !== undefined) facts.server = answer.server;
  if (answer.contentType !== undefined) facts.contentType = answer.contentType;
  return facts;
}

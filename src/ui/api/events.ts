/**
 * GET /api/events: the live feed as server-sent events. A page gets the
 * whole table first (`snapshot`), then every change (`opened`, `closed`,
 * `identified`, `status`), and a `heartbeat` now and then so that it can
 * tell a quiet machine from a dead connection. All pages share the one watch.
 */
import type { ServerResponse } from 'node:http';
import type { FeedMessage } from '../live-feed.js';
import type { ApiHandler } from './context.js';

/** Time between heartbeats, in ms. */
export const HEARTBEAT_MS = 15_000;
/** How long a page waits before reconnecting after the stream broke, in ms (the SSE `retry` field). */
export const RECONNECT_MS = 2_000;
/** A page that lets this many bytes pile up unread is dropped (it reconnects and gets a fresh snapshot). */
const MAX_BACKLOG_BYTES = 1024 * 1024;

/** One event in the text/event-stream format. */
export function formatSse(event: string, data: unknown): string {
  // JSON.stringify never emits a raw newline, so one data line always suffices.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function write(res: ServerResponse, text: string): void {
  if (res.writableLength > MAX_BACKLOG_BYTES) {
    res.destroy();
    return;
  }
  res.write(text);
}

/** Streams the feed until the page goes away. */
export const getEvents: ApiHandler = async (req, res, { feed }) => {
  await feed.ready();
  if (req.destroyed) return;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.socket?.setNoDelay(true);
  // Subscribing and taking the snapshot in the same tick: no change can fall in between.
  const unsubscribe = feed.subscribe((message: FeedMessage) => write(res, formatSse(message.type, message)));
  const status = feed.status();
  res.write(`retry: ${RECONNECT_MS}\n\n`);
  write(res, formatSse('snapshot', { at: status.lastScanAt, sockets: feed.sockets(), status }));
  const heartbeat = setInterval(() => write(res, formatSse('heartbeat', { at: Date.now() })), HEARTBEAT_MS);
  heartbeat.unref();
  res.once('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
  });
};

/**
 * Bounded TCP plumbing for the identification probes: one connect, one
 * write, reads until the reply is complete, the peer closes, or time runs
 * out. Every socket opened here is destroyed before the promise settles.
 */
import { connect, type Socket } from 'node:net';
import { errnoCode } from '../../errors.js';

/** A connect attempt's outcome; refusals and timeouts are values. */
export type ConnectResult =
  | { ok: true; socket: Socket; ms: number }
  | { ok: false; code: string; message: string; ms: number };

/** How a read ended. */
export type ReadEnd =
  /** `isComplete` said the reply is whole. */
  | 'complete'
  /** The peer closed the connection (FIN). */
  | 'closed'
  /** The peer reset the connection (RST). */
  | 'reset'
  /** No complete reply within the time allowed. */
  | 'timeout'
  /** The caller's AbortSignal fired. */
  | 'aborted';

/** What came back on a connection. */
export interface ReadResult {
  data: Buffer;
  end: ReadEnd;
}

/** Largest reply kept; probes need the first few kilobytes at most. */
export const MAX_REPLY_BYTES = 64 * 1024;

/**
 * Opens a TCP connection to `host:port` within `timeoutMs`.
 * Never throws: ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH … come back as `{ ok: false }`.
 */
export function connectTcp(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<ConnectResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve({ ok: false, code: 'ABORT_ERR', message: 'aborted', ms: 0 });
      return;
    }
    const socket = connect({ host, port, noDelay: true });
    const finish = (result: ConnectResult): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      if (!result.ok) socket.destroy();
      resolve(result);
    };
    const onError = (error: Error): void =>
      finish({ ok: false, code: errnoCode(error) ?? 'ERROR', message: error.message, ms: performance.now() - started });
    const onAbort = (): void => finish({ ok: false, code: 'ABORT_ERR', message: 'aborted', ms: performance.now() - started });
    const timer = setTimeout(
      () => finish({ ok: false, code: 'ETIMEDOUT', message: `no answer to the connection within ${Math.round(timeoutMs)} ms`, ms: timeoutMs }),
      timeoutMs,
    );
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish({ ok: true, socket, ms: performance.now() - started }));
  });
}

/**
 * Writes `payload` (if any) on a connected socket and reads until
 * `isComplete(data)` is true, the peer closes, `timeoutMs` passes or
 * `signal` aborts. Destroys the socket in every case.
 */
export function exchange(
  socket: Socket,
  payload: Buffer | null,
  options: { timeoutMs: number; isComplete?: (data: Buffer) => boolean; signal?: AbortSignal },
): Promise<ReadResult> {
  return new Promise((resolve) => {
    let data: Buffer = Buffer.alloc(0);
    let settled = false;
    const finish = (end: ReadEnd): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('data');
      socket.destroy();
      resolve({ data, end });
    };
    const onAbort = (): void => finish('aborted');
    const timer = setTimeout(() => finish('timeout'), Math.max(0, options.timeoutMs));
    if (options.signal?.aborted) {
      finish('aborted');
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('data', (chunk: Buffer) => {
      data = data.length === 0 ? chunk : Buffer.concat([data, chunk]);
      if (data.length >= MAX_REPLY_BYTES) {
        data = data.subarray(0, MAX_REPLY_BYTES);
        finish('complete');
      } else if (options.isComplete?.(data)) {
        finish('complete');
      }
    });
    socket.once('end', () => finish('closed'));
    socket.once('close', () => finish('closed'));
    socket.on('error', (error) => finish(errnoCode(error) === 'ECONNRESET' ? 'reset' : 'closed'));
    // A write to a peer that already closed fails with EPIPE/ECONNRESET; the error handler above reports it.
    if (payload !== null && payload.length > 0) socket.write(payload);
  });
}

/**
 * Protocol identification for the dashboard, done once per listener and
 * only when asked: the page asks for the rows it shows, a few are probed at
 * a time, and the answer is kept for as long as that socket (port + inode)
 * lives. A refresh of the page never probes anything again, and a machine
 * with thousands of listeners is not probed from end to end.
 */
import type { Socket } from '../model.js';
import { identifyPort } from '../probe/identify/index.js';
import { probeHostFor } from '../probe/identify/many.js';

/** Identifications in flight at once. */
export const UI_IDENTIFY_CONCURRENCY = 2;
/** Most sockets waiting to be probed; the oldest requests are dropped beyond it (the page asks again). */
export const UI_IDENTIFY_MAX_QUEUED = 256;
/** Bound on one identification, in ms. */
export const UI_IDENTIFY_TIMEOUT_MS = 2000;

/** What the dashboard shows of an identification. */
export interface UiIdentification {
  /** A ProtocolId: `http`, `https`, `postgres` … `unknown`, `no-answer`. */
  protocol: string;
  /** One line, e.g. "HTTP/1.1 200 OK · Server: nginx". */
  summary: string;
}

/** The cache key of a socket: identification holds for one port and one socket inode. */
export function identifyKey(socket: Pick<Socket, 'localPort' | 'inode' | 'localAddress'>): string {
  return `${socket.localPort}|${socket.inode ?? socket.localAddress}`;
}

/** The lazy identifier. */
export interface IdentifyQueue {
  /** The answer for this socket, when known. */
  get(socket: Socket): UiIdentification | null;
  /** Queues the socket for identification unless its answer is known or coming (TCP listeners only). */
  request(socket: Socket): void;
  /** Forgets a socket that closed, and drops it from the queue. */
  forget(socket: Socket): void;
  /** Stops: queued work is dropped, probes in flight are aborted. */
  close(): void;
}

/**
 * Creates the queue. `onResult` is called with each answer as it arrives.
 * @param identify the identification to run (default {@link identifyPort}); tests pass their own.
 */
export function createIdentifyQueue(
  onResult: (key: string, socket: Socket, result: UiIdentification) => void,
  identify: (host: string, port: number, signal: AbortSignal) => Promise<UiIdentification> = defaultIdentify,
): IdentifyQueue {
  const results = new Map<string, UiIdentification>();
  const queued = new Map<string, Socket>();
  const running = new Set<string>();
  /** Keys asked for and not forgotten: an answer for a socket that closed meanwhile is dropped. */
  const wanted = new Set<string>();
  const controller = new AbortController();

  const pump = (): void => {
    while (running.size < UI_IDENTIFY_CONCURRENCY && queued.size > 0 && !controller.signal.aborted) {
      const [key, socket] = queued.entries().next().value as [string, Socket];
      queued.delete(key);
      running.add(key);
      void identify(probeHostFor(socket.localAddress), socket.localPort, controller.signal)
        .catch((error: unknown): UiIdentification => ({ protocol: 'unknown', summary: error instanceof Error ? error.message : String(error) }))
        .then((result) => {
          running.delete(key);
          if (controller.signal.aborted) return;
          pump();
          if (!wanted.has(key)) return;
          results.set(key, result);
          onResult(key, socket, result);
        });
    }
  };

  return {
    get(socket) {
      return results.get(identifyKey(socket)) ?? null;
    },
    request(socket) {
      const key = identifyKey(socket);
      if (socket.protocol !== 'tcp' || socket.state !== 'LISTEN' || results.has(key) || running.has(key) || queued.has(key)) return;
      wanted.add(key);
      queued.set(key, socket);
      if (queued.size > UI_IDENTIFY_MAX_QUEUED) {
        const oldest = queued.keys().next().value as string;
        queued.delete(oldest);
        wanted.delete(oldest);
      }
      pump();
    },
    forget(socket) {
      const key = identifyKey(socket);
      results.delete(key);
      queued.delete(key);
      wanted.delete(key);
    },
    close() {
      controller.abort();
      queued.clear();
    },
  };
}

async function defaultIdentify(host: string, port: number, signal: AbortSignal): Promise<UiIdentification> {
  const answer = await identifyPort({ host, port }, { timeoutMs: UI_IDENTIFY_TIMEOUT_MS, signal });
  return { protocol: answer.protocol, summary: answer.summary };
}

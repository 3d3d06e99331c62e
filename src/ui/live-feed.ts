/**
 * The dashboard's one watch: a single scanner for every open page, feeding
 * the history recorder, the current listener table and the live events.
 * It runs for as long as the dashboard does, whether or not a page is open,
 * because the recorder must.
 */
import type { Socket } from '../model.js';
import { eventsOfScan, watchListeners, type ListenerEvent } from '../watch/events.js';
import { listenerKey } from '../watch/diff.js';
import type { HistoryRecorder } from '../watch/recorder.js';
import { createListenerScanner, type ListenerScan } from '../watch/scanner.js';
import { createIdentifyQueue, type IdentifyQueue, type UiIdentification } from './identify-queue.js';

/** Wait after a failed scan before trying again, in multiples of the interval. */
const RETRY_INTERVALS = 5;

/** A listener as the dashboard sends it: the Socket shape plus what the dashboard knows of it. */
export interface UiSocket extends Socket {
  /** Stable identity of the listener (`tcp|4|127.0.0.1|3000|12345`), see listenerKey. */
  key: string;
  /** When the dashboard first saw it (ms since the epoch). */
  firstSeenAt: number;
  /** True when it was already listening when the dashboard started. */
  initial: boolean;
  /** The identified protocol, once known; null while not (yet) identified, and always for UDP. */
  identification: UiIdentification | null;
}

/** One change pushed to the open pages. */
export type FeedMessage =
  | { type: 'opened'; at: number; socket: UiSocket }
  | { type: 'closed'; at: number; key: string; durationMs: number; socket: UiSocket }
  | { type: 'identified'; key: string; identification: UiIdentification }
  | { type: 'status'; status: FeedStatus };

/** The watch's health, for the status line of the page. */
export interface FeedStatus {
  /** When the last scan ran; null before the first. */
  lastScanAt: number | null;
  /** The last scan's error, while scans fail; null when they work. */
  error: string | null;
  /** True while this dashboard records history. */
  recording: boolean;
  /** When another berth records instead: its kind and pid. */
  recordedBy: { kind: string; pid: number } | null;
}

/** Options for {@link createLiveFeed}. */
export interface LiveFeedOptions {
  intervalMs: number;
  /** Fed with every scan; null: no recording. */
  recorder: HistoryRecorder | null;
  /** Identify TCP listeners lazily (default true). */
  identify?: boolean;
}

/** The running feed. */
export interface LiveFeed {
  /** Resolves once the first scan is in. */
  ready(): Promise<void>;
  /** Every listener now, sorted by port. */
  sockets(): UiSocket[];
  /** The listener with this key, if it is listening. */
  socket(key: string): UiSocket | undefined;
  /**
   * Asks for the protocol of these listeners (keys as in {@link UiSocket.key});
   * answers come as `identified` messages. Unknown keys, UDP sockets and
   * listeners already identified are skipped. Returns how many were queued or known.
   */
  identify(keys: readonly string[]): number;
  status(): FeedStatus;
  /** Calls `listener` with every change from now on; returns the unsubscribe function. */
  subscribe(listener: (message: FeedMessage) => void): () => void;
  /** Stops scanning and recording. */
  close(): Promise<void>;
}

/** Starts the feed: the first scan runs at once. */
export function createLiveFeed(options: LiveFeedOptions): LiveFeed {
  const controller = new AbortController();
  const scanner = createListenerScanner();
  const current = new Map<string, UiSocket>();
  const listeners = new Set<(message: FeedMessage) => void>();
  const { recorder } = options;
  let lastScanAt: number | null = null;
  let error: string | null = null;
  let markReady: () => void = () => undefined;
  const firstScan = new Promise<void>((resolve) => (markReady = resolve));
  /** When each listener was first seen, kept across restarts of the watch after a failed scan. */
  const firstSeen = new Map<string, { at: number; initial: boolean }>();

  const emit = (message: FeedMessage): void => {
    for (const listener of listeners) listener(message);
  };
  const queue: IdentifyQueue | null =
    options.identify === false
      ? null
      : createIdentifyQueue((_key, socket, identification) => {
          for (const row of current.values()) {
            if (row.localPort !== socket.localPort || row.inode !== socket.inode) continue;
            row.identification = identification;
            emit({ type: 'identified', key: row.key, identification });
          }
        });

  const status = (): FeedStatus => {
    const other = recorder && !recorder.recording ? recorder.other : null;
    return {
      lastScanAt,
      error,
      recording: recorder?.recording === true,
      recordedBy: other ? { kind: other.kind, pid: other.pid } : null,
    };
  };

  const onScan = (scan: ListenerScan): void => {
    lastScanAt = scan.at;
    const wasFailing = error !== null;
    const wasRecording = recorder?.recording === true;
    error = null;
    try {
      recorder?.record(scan);
    } catch (recordError) {
      // The live view is worth more than one lost history write; the status line says so.
      error = `history not recorded: ${recordError instanceof Error ? recordError.message : String(recordError)}`;
    }
    // Applied here rather than from the watch's yielded events, so that a scan is whole before anyone reads the table.
    for (const event of eventsOfScan(scan, firstSeen)) apply(event);
    markReady();
    if (wasFailing || error !== null || wasRecording !== (recorder?.recording === true)) emit({ type: 'status', status: status() });
  };

  const apply = (event: ListenerEvent): void => {
    const key = listenerKey(event.socket);
    if (event.type === 'opened') {
      const row: UiSocket = { ...event.socket, key, firstSeenAt: event.at, initial: event.initial, identification: null };
      current.set(key, row);
      row.identification = queue?.get(row) ?? null;
      if (!event.initial) emit({ type: 'opened', at: event.at, socket: row });
    } else {
      const row = current.get(key) ?? { ...event.socket, key, firstSeenAt: event.openedAt, initial: event.initial, identification: null };
      current.delete(key);
      queue?.forget(row);
      emit({ type: 'closed', at: event.at, key, durationMs: event.durationMs, socket: row });
    }
  };

  const loop = (async (): Promise<void> => {
    while (!controller.signal.aborted) {
      try {
        // The events are applied by onScan; the loop only drives the scans at the watch's pace.
        for await (const _event of watchListeners({ intervalMs: options.intervalMs, signal: controller.signal, scanner, onScan })) {
          if (controller.signal.aborted) break;
        }
      } catch (scanError) {
        error = scanError instanceof Error ? scanError.message : String(scanError);
        markReady();
        emit({ type: 'status', status: status() });
        await pause(options.intervalMs * RETRY_INTERVALS, controller.signal);
      }
    }
  })();

  return {
    ready: () => firstScan,
    sockets: () => [...current.values()].sort((a, b) => a.localPort - b.localPort || a.key.localeCompare(b.key)),
    socket: (key) => current.get(key),
    identify(keys) {
      let count = 0;
      for (const key of keys) {
        const row = current.get(key);
        if (!row || !queue) continue;
        queue.request(row);
        count++;
      }
      return count;
    },
    status,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      controller.abort();
      markReady();
      queue?.close();
      await loop;
      listeners.clear();
      recorder?.stop();
    },
  };
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

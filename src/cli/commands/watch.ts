/**
 * `berth watch`: listeners opening and closing, live. A `top`-like view on a
 * terminal; one line (or JSON object) per event on a pipe.
 */
import { parseDuration, formatDuration } from '../../duration.js';
import { BerthError, errnoCode } from '../../errors.js';
import { inRange, parsePortRange, type PortRange } from '../../ports/parse.js';
import { openState } from '../../state/db.js';
import { HISTORY_RETENTION_DAYS } from '../../state/history.js';
import { watchListeners, WATCH_INTERVAL_MS, type ListenerEvent } from '../../watch/events.js';
import { createRecorder, historyRetentionMs, type HistoryRecorder } from '../../watch/recorder.js';
import type { ListenerScan } from '../../watch/scanner.js';
import { expectPositionals, parseCommandArgs } from '../args.js';
import type { Io } from '../render/io.js';
import { formatEventJson, formatEventLine } from '../render/watch.js';

export const help = `berth watch — listeners opening and closing, live (like top, for ports)

Usage: berth watch [PORTS] [options]

On a terminal: a live table of every listening socket. New listeners are
highlighted for a few seconds, closed ones stay dimmed briefly.
  q, Ctrl-C   quit                    /     filter (Enter keeps, Esc clears)
  s           cycle the sort order    ↑↓ j k  select
  Enter       details of the selected K     stop what holds it (asks first,
                                            same guards as berth kill)

On a pipe (or with --plain): one line per change, for scripts and agents:
  = tcp 127.0.0.1:5432 pid 812 postgres …     already listening at the start
  + tcp 127.0.0.1:3000 pid 4242 node node server.js
  - tcp 127.0.0.1:3000 pid 4242 node node server.js (listened 2m 5s)
With --json, one JSON object per line instead (see docs/json.md).

PORTS limits the watch to a port or range: 3000, 3000-3999.

Options:
  -i, --interval DUR  time between scans (default ${formatDuration(WATCH_INTERVAL_MS)})
  -r, --record        also record history to the state store (see berth history)
  --keep DUR          with --record: keep closed history this long (default
                      ${HISTORY_RETENTION_DAYS}d, or $BERTH_HISTORY_DAYS days)
  -n, --new           on a pipe: only changes, not the listeners already there
  --plain             line output even on a terminal
  --json              one JSON object per event, one per line
  -h, --help          show this help

Exit status: 0 when stopped with q, Ctrl-C or a signal; 1 on an error.

Examples:
  berth watch
  berth watch 3000-3999 --record
  berth watch --json --new | jq -c 'select(.type == "opened") | .socket.localPort'`;

/** Parsed flags of `berth watch`. */
export interface WatchFlags {
  intervalMs: number;
  range: PortRange | null;
  scope: string;
  record: boolean;
  retentionMs: number;
}

/** Starts the recorder for --record; `onScan` feeds it. */
export function startRecording(flags: WatchFlags, kind: 'watch' | 'ui'): HistoryRecorder {
  return createRecorder({ store: openState(), kind, intervalMs: flags.intervalMs, retentionMs: flags.retentionMs });
}

/** How the recorder's state reads in a status line. */
export function recordingLabel(recorder: HistoryRecorder | null): string {
  if (!recorder) return '';
  if (recorder.recording) return '● recording';
  const other = recorder.other;
  return other ? `history recorded by ${other.kind === 'daemon' ? 'berth daemon' : `berth ${other.kind}`} pid ${other.pid}` : '';
}

function inScope(event: ListenerEvent, range: PortRange | null): boolean {
  return range === null || inRange(event.socket.localPort, range);
}

async function runLines(flags: WatchFlags, io: Io, json: boolean, onlyNew: boolean): Promise<number> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, stop);
  // A reader that went away (berth watch | head -1) ends the watch quietly.
  const onPipeError = (error: unknown): void => {
    if (errnoCode(error) === 'EPIPE') stop();
  };
  const stdout = io.stdoutStream();
  stdout.on('error', onPipeError);
  let recorder: HistoryRecorder | null = null;
  try {
    recorder = flags.record ? startRecording(flags, 'watch') : null;
    if (recorder && !recorder.recording) io.err(io.errStyle.dim(`berth: not recording: ${recordingLabel(recorder)} already.`));
    const onScan = (scan: ListenerScan): void => recorder?.record(scan);
    for await (const event of watchListeners({ intervalMs: flags.intervalMs, signal: controller.signal, initial: !onlyNew, onScan })) {
      if (controller.signal.aborted) break;
      if (!inScope(event, flags.range)) continue;
      io.out(json ? formatEventJson(event) : formatEventLine(event));
    }
    return 0;
  } finally {
    recorder?.stop();
    for (const s of signals) process.off(s, stop);
    stdout.off('error', onPipeError);
  }
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('watch', args, {
    interval: { type: 'string', short: 'i' },
    record: { type: 'boolean', short: 'r' },
    keep: { type: 'string' },
    new: { type: 'boolean', short: 'n' },
    plain: { type: 'boolean' },
  });
  if (values.help) {
    io.out(help);
    return 0;
  }
  expectPositionals('watch', positionals, 0, 1, 'port or port range (such as 3000-3999)');
  const intervalMs = values.interval === undefined ? WATCH_INTERVAL_MS : parseDuration(values.interval);
  if (intervalMs < 50) {
    throw new BerthError('E_USAGE', `--interval ${values.interval} is too short; berth scans at most every 50ms.`, { hint: 'Example: --interval 500ms' });
  }
  const retentionMs = values.keep === undefined ? historyRetentionMs() : parseDuration(values.keep);
  const flags: WatchFlags = {
    intervalMs,
    range: positionals[0] === undefined ? null : parsePortRange(positionals[0]),
    scope: positionals[0] ?? '',
    record: values.record === true,
    retentionMs,
  };
  const json = values.json === true;
  if (!json && values.plain !== true && io.stdoutIsTTY && io.interactive) {
    const { runTerminalView } = await import('../watch-tui.js');
    return runTerminalView(flags, io);
  }
  return runLines(flags, io, json, values.new === true);
}

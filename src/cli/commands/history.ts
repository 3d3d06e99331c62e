/**
 * `berth history [port]`: who held a port, and when.
 */
import { parseDuration } from '../../duration.js';
import { parsePort } from '../../ports/parse.js';
import { listHistory } from '../../watch/history.js';
import { expectPositionals, parseCommandArgs, parsePositiveInt } from '../args.js';
import type { Io } from '../render/io.js';
import { toJson } from '../render/io.js';
import { renderHistoryTable, renderRecorderLine } from '../render/history.js';

export const help = `berth history — who held a port, and when

Usage: berth history [PORT] [options]

Lists the listeners berth has recorded, newest first: port, address, pid,
process, from when until when, how long, folder and command line.
History is recorded while "berth daemon" or "berth watch --record" runs;
closed entries are kept 30 days (BERTH_HISTORY_DAYS, or --keep on the recorder).

Options:
  --since DUR|today  only what was listening during the last DUR (1h, 30m, 2d)
                     or since midnight
  -l, --limit N      at most N entries (default 1000)
  -q, --quiet        print bare pids, one per line
  --json             print a JSON object (see docs/json.md)
  -h, --help         show this help

Exit status: 0 when something was recorded, 1 when nothing was, 2 on a bad command line.

Examples:
  berth history 3000 --since today
  berth history --since 1h
  berth history 5432 --json`;

function parseSince(text: string, now: number): number {
  if (text === 'today') {
    const midnight = new Date(now);
    midnight.setHours(0, 0, 0, 0);
    return midnight.getTime();
  }
  return now - parseDuration(text);
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('history', args, {
    since: { type: 'string' },
    limit: { type: 'string', short: 'l' },
    quiet: { type: 'boolean', short: 'q' },
  });
  if (values.help) {
    io.out(help);
    return 0;
  }
  expectPositionals('history', positionals, 0, 1, 'port (such as 3000)');
  const now = Date.now();
  const port = positionals[0] === undefined ? undefined : parsePort(positionals[0]);
  const since = values.since === undefined ? undefined : parseSince(values.since, now);
  const limit = values.limit === undefined ? undefined : parsePositiveInt('limit', values.limit);
  const { items, status } = listHistory({
    ...(port === undefined ? {} : { port }),
    ...(since === undefined ? {} : { since }),
    ...(limit === undefined ? {} : { limit }),
  });
  if (values.json) {
    const recorder = status.recorder ? { ...status.recorder, alive: status.alive } : null;
    io.out(toJson({ port: port ?? null, since: since ?? null, entries: items, recorder }));
  } else if (values.quiet) {
    io.out([...new Set(items.flatMap((i) => (i.pid === null ? [] : [String(i.pid)])))]);
  } else if (items.length === 0) {
    const what = port === undefined ? 'No listener' : `Nothing on port ${port}`;
    io.out(`${what} was recorded${values.since === undefined ? '' : ` since ${values.since === 'today' ? 'midnight' : `${values.since} ago`}`}.`);
    io.out(renderRecorderLine(status, io.style, now));
  } else {
    io.out(renderHistoryTable(items, io.style, now));
    // On a pipe only the table goes to stdout; a warning that nothing records goes to stderr.
    if (io.stdoutIsTTY) io.out(renderRecorderLine(status, io.style, now));
    else if (!status.alive) io.err(renderRecorderLine(status, io.errStyle, now));
  }
  return items.length > 0 ? 0 : 1;
}

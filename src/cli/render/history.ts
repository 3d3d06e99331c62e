/**
 * Rendering listener history: `berth history`, `berth daemon status`, and
 * the "was held by … until …" line for `berth who` / `berth doctor`.
 */
import { formatWhen } from '../../clock.js';
import { formatDuration } from '../../duration.js';
import type { HistoryItem, RecorderStatus } from '../../watch/history.js';
import { tildify } from './sockets.js';
import type { Style } from './style.js';
import { formatTable, type Column } from './table.js';


function addressOf(item: HistoryItem): string {
  return item.family === 6 ? `[${item.address}]` : item.address;
}

function untilCell(item: HistoryItem, style: Style, now: number): string {
  if (item.ended === 'open') return style.green('listening');
  if (item.ended === 'closed') return formatWhen(item.closedAt!, now);
  return style.dim(`? (seen ${formatWhen(item.lastSeenAt, now)})`);
}

/** The `berth history` table, newest first. */
export function renderHistoryTable(items: readonly HistoryItem[], style: Style, now = Date.now()): string[] {
  const columns: Column[] = [
    { title: 'PORT', align: 'right' },
    { title: 'PROTO' },
    { title: 'ADDRESS' },
    { title: 'PID', align: 'right' },
    { title: 'PROCESS' },
    { title: 'FROM' },
    { title: 'UNTIL' },
    { title: 'LASTED', align: 'right' },
    { title: 'FOLDER' },
    { title: 'COMMAND' },
  ];
  const rows = items.map((item) => [
    style.bold(String(item.port)),
    `${item.protocol}${item.family === 6 ? '6' : ''}`,
    addressOf(item),
    item.pid === null ? style.dim('?') : String(item.pid),
    item.processName ?? style.dim('?'),
    formatWhen(item.openedAt, now),
    untilCell(item, style, now),
    formatDuration(Math.max(0, item.durationMs)),
    item.cwd ? tildify(item.cwd) : '',
    item.command ?? '',
  ]);
  return formatTable(columns, rows, style.dim);
}

/** One line on whether history is being recorded, with the command that starts it when not. */
export function renderRecorderLine(status: RecorderStatus, style: Style, now = Date.now()): string {
  const r = status.recorder;
  if (r && status.alive) {
    const who = r.kind === 'daemon' ? 'berth daemon' : `berth ${r.kind}`;
    return style.dim(`Recorded by ${who} (pid ${r.pid}) since ${formatWhen(r.startedAt, now)}, every ${formatDuration(r.intervalMs)}.`);
  }
  return style.yellow('Nothing is recording now; history covers only the times a recorder ran. Start one: berth daemon start');
}

/**
 * "was held by `vite` (pid 4242) in ~/app until 14:05" — for a port that is
 * free now. Null when the last holder is still listening (nothing to add).
 */
export function renderLastHolder(item: HistoryItem | null, style: Style, now = Date.now()): string | null {
  if (item === null || item.ended === 'open') return null;
  const name = item.processName ?? 'an unknown process';
  const pid = item.pid === null ? '' : ` (pid ${item.pid})`;
  const where = item.cwd ? ` in ${tildify(item.cwd)}` : '';
  const until = item.ended === 'closed' ? `until ${formatWhen(item.closedAt!, now)}` : `last seen ${formatWhen(item.lastSeenAt, now)}`;
  return `Port ${item.port} was held by ${style.bold(name)}${pid}${where} ${until} (for ${formatDuration(Math.max(0, item.durationMs))}).`;
}

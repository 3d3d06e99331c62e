/**
 * Rendering `berth watch`: one line (or one JSON object) per event for
 * pipes, and the frames of the live terminal view. Pure: the terminal
 * itself is driven by render/screen.ts.
 */
import { formatDuration } from '../../duration.js';
import type { Socket } from '../../model.js';
import { describeExposure } from '../../ports/address.js';
import { formatHostPort } from '../../ports/parse.js';
import { primaryHolder } from '../../watch/recorder.js';
import type { ListenerEvent } from '../../watch/events.js';
import { hiddenLabel } from './hidden.js';
import { formatAddress, tildify } from './sockets.js';
import type { Style } from './style.js';
import { fitWidth, padWidth } from './text-fit.js';

/** How long a new listener stays highlighted in the live view, in ms. */
export const NEW_HIGHLIGHT_MS = 5000;
/** How long a closed listener stays on screen, dimmed, in ms. */
export const CLOSED_SHOWN_MS = 3000;

/** `tcp 127.0.0.1:3000` / `udp6 [::1]:53`. */
export function formatListener(socket: Socket): string {
  return `${socket.protocol}${socket.family === 6 ? '6' : ''} ${formatHostPort(socket.localAddress, socket.localPort)}`;
}

function holderText(socket: Socket): string {
  const holder = primaryHolder(socket.holders);
  if (!holder) return socket.holdersHidden ? `pid ? ${hiddenLabel()}` : 'pid - (no process)';
  const others = socket.holders.length > 1 ? ` (+${socket.holders.length - 1} sharing)` : '';
  return `pid ${holder.pid} ${holder.name}${others} ${holder.command}`.trimEnd();
}

/**
 * One line per event, for pipes: `+ tcp 127.0.0.1:3000 pid 123 node node server.js`,
 * `- tcp 127.0.0.1:3000 pid 123 node … (listened 5m 3s)`; listeners already
 * there at the start are `= …`.
 */
export function formatEventLine(event: ListenerEvent): string {
  if (event.type === 'opened') return `${event.initial ? '=' : '+'} ${formatListener(event.socket)} ${holderText(event.socket)}`;
  const lasted = `${event.initial ? '≥' : ''}${formatDuration(event.durationMs)}`;
  return `- ${formatListener(event.socket)} ${holderText(event.socket)} (listened ${lasted})`;
}

/** One event as one line of JSON (docs/json.md, "berth watch --json"). */
export function formatEventJson(event: ListenerEvent): string {
  return JSON.stringify(event);
}

/** A row of the live view. */
export interface WatchRow {
  key: string;
  socket: Socket;
  /** When this watch first saw it. */
  firstSeenAt: number;
  /** Already there when the watch started (never highlighted as new). */
  initial: boolean;
  /** When it disappeared; null while listening. */
  closedAt: number | null;
}

/** Sort orders of the live view, cycled with `s`. */
export const WATCH_SORTS = ['port', 'newest', 'process', 'pid'] as const;
/** A sort order of the live view. */
export type WatchSort = (typeof WATCH_SORTS)[number];

/** Everything the live view shows. */
export interface WatchViewState {
  rows: Map<string, WatchRow>;
  sort: WatchSort;
  filter: string;
  /** True while the user types a filter after `/`. */
  editingFilter: boolean;
  selectedKey: string | null;
  details: boolean;
  /** A question waiting for y/n, or a result to show; null for the key help. */
  message: string | null;
  /** "recording" / "history recorded by daemon pid 42" / "". */
  recording: string;
  /** The port range given on the command line, as typed; "" for all. */
  scope: string;
}

function matchesFilter(row: WatchRow, filter: string): boolean {
  if (filter === '') return true;
  const needle = filter.toLowerCase();
  const s = row.socket;
  const hay = [String(s.localPort), s.localAddress, s.protocol, s.service ?? '', ...s.holders.flatMap((h) => [String(h.pid), h.name, h.command, h.user ?? ''])];
  return hay.some((text) => text.toLowerCase().includes(needle));
}

function holderPid(row: WatchRow): number {
  return primaryHolder(row.socket.holders)?.pid ?? Number.MAX_SAFE_INTEGER;
}

/** The rows on screen, filtered and sorted, in display order. */
export function visibleRows(state: WatchViewState): WatchRow[] {
  const rows = [...state.rows.values()].filter((r) => matchesFilter(r, state.filter));
  const byPort = (a: WatchRow, b: WatchRow): number =>
    a.socket.localPort - b.socket.localPort || a.socket.protocol.localeCompare(b.socket.protocol) || a.socket.family - b.socket.family || a.key.localeCompare(b.key);
  const byName = (r: WatchRow): string => primaryHolder(r.socket.holders)?.name ?? '~';
  const compare: Record<WatchSort, (a: WatchRow, b: WatchRow) => number> = {
    port: byPort,
    newest: (a, b) => b.firstSeenAt - a.firstSeenAt || byPort(a, b),
    process: (a, b) => byName(a).localeCompare(byName(b)) || byPort(a, b),
    pid: (a, b) => holderPid(a) - holderPid(b) || byPort(a, b),
  };
  return rows.sort(compare[state.sort]);
}

/** Terminal size and clock for one frame. */
export interface FrameContext {
  columns: number;
  rows: number;
  now: number;
  style: Style;
}

const INVERSE = (text: string): string => `\u001b[7m${text}\u001b[27m`;

function clock(now: number): string {
  return new Date(now).toTimeString().slice(0, 8);
}

function ageText(row: WatchRow, now: number): string {
  if (row.closedAt !== null) return 'closed';
  if (row.initial) return '';
  return formatDuration(Math.max(0, now - row.firstSeenAt));
}

function detailLines(row: WatchRow, style: Style, now: number): string[] {
  const s = row.socket;
  const lines = [
    `${style.bold(formatListener(s))} · ${describeExposure(s.exposure, s.localAddress)}${s.service ? ` · ${s.service}` : ''}${s.inode === null ? '' : ` · inode ${s.inode}`}`,
  ];
  if (s.holders.length === 0) lines.push(s.holdersHidden ? hiddenLabel() : 'no process holds it (kernel socket or already gone)');
  for (const h of s.holders.slice(0, 3)) {
    const up = h.startedAt === null ? '' : ` · up ${formatDuration(Math.max(0, now - h.startedAt))}`;
    lines.push(`pid ${style.bold(String(h.pid))} ${h.name} · user ${h.user ?? '?'}${h.ppid === null ? '' : ` · parent ${h.ppid}`}${up}`);
    lines.push(style.dim(`  cwd ${h.cwd ? tildify(h.cwd) : '?'}`));
    lines.push(style.dim(`  ${h.command || h.name}`));
  }
  if (s.holders.length > 3) lines.push(style.dim(`and ${s.holders.length - 3} more processes share it`));
  return lines;
}

/** Header, table, optional details pane, status line: exactly `ctx.rows` lines, each at most `ctx.columns` wide. */
export function renderWatchFrame(state: WatchViewState, ctx: FrameContext): string[] {
  const { style, now } = ctx;
  const width = Math.max(20, ctx.columns);
  const height = Math.max(5, ctx.rows);
  const rows = visibleRows(state);
  const live = [...state.rows.values()].filter((r) => r.closedAt === null).length;

  const headParts = [style.bold('berth watch'), `${live} listener${live === 1 ? '' : 's'}${state.scope ? ` on ${state.scope}` : ''}`, `sort ${state.sort}`];
  if (state.filter !== '' || state.editingFilter) headParts.push(`filter ${style.cyan(state.filter)}${state.editingFilter ? '▏' : ''}`);
  if (state.recording) headParts.push(style.yellow(state.recording));
  const head = headParts.join(' · ');
  const time = clock(now);
  const header = fitWidth(head, width - time.length - 1);
  const lines: string[] = [`${padWidth(header, width - time.length)}${style.dim(time)}`];

  const addrWidth = Math.min(41, Math.max(7, ...rows.map((r) => formatAddress(r.socket).length)));
  const cell = (text: string, w: number, right = false): string => (right ? ' '.repeat(Math.max(0, w - text.length)) + fitWidth(text, w) : padWidth(fitWidth(text, w), w));
  const tableLine = (c: string[]): string => c.join(' ');
  lines.push(style.dim(fitWidth(tableLine(['  PORT', cell('PROTO', 5), cell('ADDRESS', addrWidth), cell('PID', 7, true), cell('PROCESS', 15), cell('USER', 8), cell('AGE', 7), 'COMMAND']), width)));

  const selected = state.selectedKey === null ? null : (rows.find((r) => r.key === state.selectedKey) ?? null);
  const details = state.details && selected ? detailLines(selected, style, now) : [];
  const footer = 1;
  const tableSpace = Math.max(1, height - lines.length - footer - (details.length > 0 ? details.length + 1 : 0));
  const index = selected ? rows.indexOf(selected) : 0;
  const top = Math.max(0, Math.min(index - Math.floor(tableSpace / 2), rows.length - tableSpace));
  for (let i = top; i < Math.min(rows.length, top + tableSpace); i++) {
    const row = rows[i]!;
    const s = row.socket;
    const holder = primaryHolder(s.holders);
    const isSelected = row.key === state.selectedKey;
    const pid = holder ? String(holder.pid) : s.holdersHidden ? '?' : '-';
    const text = tableLine([
      `${isSelected ? '>' : ' '}${cell(String(s.localPort), 5, true)}`,
      cell(`${s.protocol}${s.family === 6 ? '6' : ''}`, 5),
      cell(formatAddress(s), addrWidth),
      cell(pid, 7, true),
      cell(holder?.name ?? (s.holdersHidden ? hiddenLabel() : ''), 15),
      cell(holder?.user ?? s.user ?? '', 8),
      cell(ageText(row, now), 7),
      holder?.command ?? '',
    ]);
    let line = fitWidth(text, width);
    if (row.closedAt !== null) line = style.dim(line);
    else if (!row.initial && now - row.firstSeenAt < NEW_HIGHLIGHT_MS) line = style.green(style.bold(line));
    if (isSelected && style.enabled) line = INVERSE(padWidth(line, width));
    lines.push(line);
  }
  if (rows.length === 0) lines.push(style.dim(state.filter ? `  nothing matches "${state.filter}"` : '  no listening sockets'));
  while (lines.length < height - footer - (details.length > 0 ? details.length + 1 : 0)) lines.push('');
  if (details.length > 0) {
    lines.push(style.dim('─'.repeat(Math.min(width, 80))));
    for (const d of details) lines.push(fitWidth(d, width));
  }
  const help = state.editingFilter
    ? 'type to filter · Enter keep · Esc clear'
    : 'q quit · / filter · s sort · ↑↓ select · Enter details · K kill';
  lines.push(state.message === null ? style.dim(fitWidth(help, width - 1)) : fitWidth(state.message, width - 1));
  return lines.slice(0, height);
}

/**
 * Rendering socket lists (`berth ls`) and single processes.
 */
import { homedir } from 'node:os';
import { formatDuration } from '../../duration.js';
import type { ProcessInfo, Socket } from '../../model.js';
import { formatHostPort } from '../../ports/parse.js';
import type { Identification } from '../../probe/identify/index.js';
import { forwardTarget } from '../../processes/forwarders.js';
import { hiddenLabel } from './hidden.js';
import { protocolLabel } from './identify.js';
import type { Style } from './style.js';
import { formatTable, type Column } from './table.js';

const HOME = homedir();

/** Shortens a path under the home folder to `~/…`. */
export function tildify(path: string): string {
  return HOME && HOME !== '/' && (path === HOME || path.startsWith(`${HOME}/`)) ? `~${path.slice(HOME.length)}` : path;
}

/** Bind address as people read it: IPv6 in brackets. */
export function formatAddress(socket: Pick<Socket, 'localAddress' | 'family'>): string {
  return socket.family === 6 ? `[${socket.localAddress}]` : socket.localAddress;
}

/** The exposure word shown in tables, coloured by risk. */
export function exposureLabel(socket: Socket, style: Style): string {
  if (socket.exposure === 'loopback') return style.green('local');
  return style.yellow('exposed');
}

function holderCells(socket: Socket, style: Style): { pid: string; name: string; user: string } {
  if (socket.holders.length === 0) {
    if (socket.holdersHidden) return { pid: style.dim('?'), name: style.dim(hiddenLabel()), user: socket.user ?? '?' };
    return { pid: style.dim('-'), name: style.dim('(no process)'), user: socket.user ?? '?' };
  }
  const pids = socket.holders.map((p) => String(p.pid)).join(',');
  // A container's port: say where docker-proxy carries it (the server is in the container).
  const nameOf = (p: ProcessInfo): string => {
    const to = forwardTarget(p);
    return to ? `${p.name} → ${formatHostPort(to.address, to.port)}` : p.name;
  };
  const names = [...new Set(socket.holders.map(nameOf))].join(',');
  const users = [...new Set(socket.holders.map((p) => p.user ?? '?'))].join(',');
  return { pid: pids, name: names, user: users };
}

/** Renders the `berth ls` table; with `identified` (from `--identify`), a PROTOCOL column too. */
export function renderSocketTable(sockets: readonly Socket[], style: Style, wide: boolean, identified?: ReadonlyArray<Identification | null>): string[] {
  const columns: Column[] = [
    { title: 'PORT', align: 'right' },
    { title: 'PROTO' },
    { title: 'ADDRESS' },
    { title: 'EXPOSURE' },
    { title: 'PID', align: 'right' },
    { title: 'PROCESS' },
    { title: 'USER' },
  ];
  if (identified) columns.push({ title: 'PROTOCOL' });
  if (wide) columns.push({ title: 'SERVICE' }, { title: 'FOLDER' }, { title: 'COMMAND' });
  const rows = sockets.map((socket, index) => {
    const holder = holderCells(socket, style);
    const row = [
      style.bold(String(socket.localPort)),
      `${socket.protocol}${socket.family === 6 ? '6' : ''}`,
      formatAddress(socket),
      exposureLabel(socket, style),
      holder.pid,
      holder.name,
      holder.user,
    ];
    if (identified) {
      const found = identified[index];
      row.push(found ? protocolLabel(found, style) : style.dim('-'));
    }
    if (wide) {
      const first = socket.holders[0];
      row.push(socket.service ?? '', first?.cwd ? tildify(first.cwd) : '', first ? first.command : '');
    }
    return row;
  });
  return formatTable(columns, rows, style.dim);
}

/** One-line summary under the table (TTY only). */
export function renderSocketSummary(sockets: readonly Socket[], style: Style): string {
  const exposed = sockets.filter((s) => s.exposure !== 'loopback').length;
  const count = `${sockets.length} socket${sockets.length === 1 ? '' : 's'}`;
  return style.dim(exposed === 0 ? `${count}, none exposed beyond this machine` : `${count}, ${exposed} exposed to the network`);
}

/** Describes a process in one line: `pid 4242 node (alice, ~/app, up 2h)`. */
export function describeProcess(proc: ProcessInfo, style: Style, now = Date.now()): string {
  const facts: string[] = [];
  if (proc.user) facts.push(proc.user);
  if (proc.cwd) facts.push(tildify(proc.cwd));
  if (proc.startedAt !== null) facts.push(`up ${formatDuration(Math.max(0, now - proc.startedAt))}`);
  return `pid ${style.bold(String(proc.pid))}  ${proc.command}${facts.length ? style.dim(`  (${facts.join(', ')})`) : ''}`;
}

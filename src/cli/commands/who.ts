/**
 * `berth who <target>`: every process holding a port.
 */
import { whoIs } from '../../inventory/index.js';
import type { HistoryItem } from '../../watch/history.js';
import { expectPositionals, parseCommandArgs } from '../args.js';
import type { Io } from '../render/io.js';
import { toJson } from '../render/io.js';
import { renderWho } from '../render/who.js';

export const help = `berth who — which process holds a port

Usage: berth who TARGET [options]

TARGET is a port or an address: 3000, :3000, 127.0.0.1:3000, [::1]:3000,
localhost:3000, or a URL such as http://localhost:3000/x.
With an address, only the sockets that accept connections to it are shown;
listeners on the same port elsewhere (::1 when you asked for 127.0.0.1)
are pointed out.

Shows every holder (a parent and its forked children, SO_REUSEPORT groups,
IPv4 and IPv6), with pid, parent, command line, folder, user, start time,
bind address and what it means ("reachable only from this machine").

Options:
  -c, --connections  also list the established connections on the port
  -q, --quiet        print bare pids, one per line (like lsof -ti:3000)
  --json             print a JSON object (see docs/json.md)
  -h, --help         show this help

Exit status: 0 when something holds the port, 1 when nothing does, 2 on a bad target.

Examples:
  berth who 3000
  berth who http://localhost:5173/
  kill $(berth who -q 3000)     but berth kill 3000 does it safely`;

/** The last recorded holder of `port` when it is not open any more; null without history (or an unreadable store). */
async function lastHolderOf(port: number): Promise<HistoryItem | null> {
  try {
    const item = (await import('../../watch/history.js')).lastHolder(port, { protocol: 'tcp' });
    return item && item.ended !== 'open' ? item : null;
  } catch {
    return null;
  }
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('who', args, {
    connections: { type: 'boolean', short: 'c' },
    quiet: { type: 'boolean', short: 'q' },
  });
  if (values.help) {
    io.out(help);
    return 0;
  }
  expectPositionals('who', positionals, 1, 1, 'a port or address (such as 3000 or 127.0.0.1:3000)');
  const result = await whoIs(positionals[0]!, { connections: values.connections === true });
  // Nobody holds it now: berth's port history may know who did (loaded only then).
  const previous = result.listeners.length === 0 && !values.quiet ? await lastHolderOf(result.target.port) : null;
  if (values.json) io.out(toJson({ ...result, lastHolder: previous }));
  else if (values.quiet) io.out(result.holders.map((h) => String(h.process.pid)));
  else {
    io.out(renderWho(result, io.style));
    const line = previous ? (await import('../render/history.js')).renderLastHolder(previous, io.style) : null;
    if (line) io.out(line);
  }
  return result.listeners.length > 0 ? 0 : 1;
}

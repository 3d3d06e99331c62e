/**
 * `berth ls`: every listening socket with the process that holds it.
 */
import { listSockets, type SocketFilter } from '../../inventory/index.js';
import { parsePortRange } from '../../ports/parse.js';
import { expectPositionals, parseCommandArgs, parsePositiveInt } from '../args.js';
import type { Io } from '../render/io.js';
import { toJson } from '../render/io.js';
import { hiddenAdvice } from '../render/hidden.js';
import { renderSocketSummary, renderSocketTable } from '../render/sockets.js';

export const help = `berth ls — every listening socket, and who holds it

Usage: berth ls [NAME] [options]
       berth            (the same as berth ls)

Lists TCP listeners and bound UDP sockets, IPv4 and IPv6, one row per socket,
sorted by port. NAME keeps the rows whose process name or command line
contains it (case-insensitive).

Options:
  --tcp              only TCP
  --udp              only UDP
  --exposed          only sockets reachable beyond this machine (0.0.0.0, ::, a LAN address)
  --port RANGE       only these ports: 3000, or 3000-3999
  --pid N            only sockets held by this process
  --user NAME        only sockets of this user (name or uid)
  -w, --wide         add service, folder and full command line
  --identify         add a PROTOCOL column: what speaks on each TCP listener
                     (read-only probes, 8 at a time; see berth identify --help)
  -q, --quiet        print bare port numbers, one per line
  --json             print a JSON object (see docs/json.md)
  -h, --help         show this help

Exit status: 0 when something matched, 1 when nothing did, 2 on a bad command line.

Examples:
  berth ls --exposed          what can the network reach on this machine?
  berth ls node --port 3000-3999
  berth ls -q --tcp           bare ports, for scripts`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('ls', args, {
    tcp: { type: 'boolean' },
    udp: { type: 'boolean' },
    exposed: { type: 'boolean' },
    port: { type: 'string' },
    pid: { type: 'string' },
    user: { type: 'string' },
    wide: { type: 'boolean', short: 'w' },
    quiet: { type: 'boolean', short: 'q' },
    identify: { type: 'boolean' },
  });
  if (values.help) {
    io.out(help);
    return 0;
  }
  expectPositionals('ls', positionals, 0, 1, 'name to match');
  const filter: SocketFilter = {};
  if (values.tcp && !values.udp) filter.protocol = 'tcp';
  if (values.udp && !values.tcp) filter.protocol = 'udp';
  if (values.exposed) filter.exposed = true;
  if (values.port !== undefined) filter.ports = parsePortRange(values.port);
  if (values.pid !== undefined) filter.pid = parsePositiveInt('pid', values.pid);
  if (values.user !== undefined) filter.user = values.user;
  if (positionals[0] !== undefined) filter.match = positionals[0];

  const sockets = await listSockets(filter);
  const hidden = sockets.filter((s) => s.holdersHidden).length;
  // Loaded on demand: plain `berth ls` should not pay for TLS and HTTP/2 modules.
  const identified = values.identify && !values.quiet ? await (await import('../../probe/identify/many.js')).identifySockets(sockets) : undefined;
  if (values.json) {
    io.out(toJson({ sockets: identified ? sockets.map((s, i) => ({ ...s, identification: identified[i] })) : sockets, hidden }));
  } else if (values.quiet) {
    io.out([...new Set(sockets.map((s) => String(s.localPort)))]);
  } else if (sockets.length === 0) {
    io.out(Object.keys(filter).length === 0 ? 'Nothing is listening.' : 'No listening socket matches.');
  } else {
    io.out(renderSocketTable(sockets, io.style, values.wide === true, identified));
    if (io.stdoutIsTTY) io.out(renderSocketSummary(sockets, io.style));
    if (hidden > 0) {
      const what = `${hidden} socket${hidden === 1 ? "'s holder is" : "s' holders are"} hidden.`;
      io.err(io.errStyle.dim(`${what} ${hiddenAdvice('berth ls')}`));
    }
  }
  return sockets.length === 0 ? 1 : 0;
}

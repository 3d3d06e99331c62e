/**
 * `berth forward <listen> <target>`: forward TCP connections, on loopback.
 */
import { createForwarder } from '../../forward/index.js';
import { parseTarget } from '../../ports/parse.js';
import { exposureWarning } from '../../serve/listen.js';
import { expectPositionals, parseCommandArgs } from '../args.js';
import { explainPortInUse, parseListen, waitForStopSignal } from '../long-running.js';
import {
  REDRAW_PREVIOUS_LINE,
  renderForwardClose,
  renderForwardOpen,
  renderForwardReady,
  renderForwardStatus,
  renderForwardStopped,
} from '../render/forward.js';
import type { Io } from '../render/io.js';

/** How often the status line is redrawn on a terminal while bytes flow. */
const STATUS_REDRAW_MS = 250;

export const help = `berth forward — forward TCP connections from a local port to a target

Usage: berth forward LISTEN TARGET [options]

LISTEN is a port or an address: 62893, 127.0.0.1:62893, [::1]:62893
(0 lets the OS pick). Without an address it listens on 127.0.0.1, this
machine only; berth warns when LISTEN makes it reachable from the network.
TARGET is where each connection goes: 5432 (localhost), [::1]:5432,
db.internal:5432 or a URL such as postgres://db:5432. localhost is tried
over IPv6 and IPv4, as Node connects.

Both directions are streamed; a side that stops sending (half-close) still
gets the other side's answer. On a terminal, a status line shows open and
total connections and the bytes each way; otherwise one line is printed per
connection opened and closed. A target that refuses is explained per
connection, and the forwarder keeps running. Ctrl-C stops it.

Options:
  --json             print events as JSON lines (see docs/json.md)
  -h, --help         show this help

Exit status: 0 when stopped with Ctrl-C or SIGTERM, 1 when it cannot listen
(the port is held: berth names who holds it), 2 on a bad command line.

Examples:
  berth forward 62893 [::1]:5432     reach an IPv6-only PostgreSQL over 127.0.0.1
  berth forward 6380 6379            a second port for Redis, to watch the bytes
  berth forward [::1]:8080 127.0.0.1:8080`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('forward', args, {});
  if (values.help) {
    io.out(help);
    return 0;
  }
  expectPositionals('forward', positionals, 2, 2, 'a listen port and a target (such as 62893 [::1]:5432)');
  const listen = parseListen(positionals[0]!);
  const target = parseTarget(positionals[1]!);
  const json = values.json === true;
  const live = io.stdoutIsTTY && !json;

  const forwarder = createForwarder({ listen, target: { host: target.host, port: target.port } });
  const warning = exposureWarning(forwarder.listenHost);
  if (warning !== null) io.err(io.errStyle.yellow(`warning: ${warning}`));

  let address;
  try {
    address = await forwarder.listen();
  } catch (error) {
    throw await explainPortInUse(error, 'forward from another port (0 lets the OS pick one)');
  }

  // Listen for Ctrl-C/SIGTERM before printing the address: whoever reads it may stop us at once.
  const stopped = waitForStopSignal();
  if (json) {
    io.out(JSON.stringify({ event: 'listening', listen: address.hostPort, host: address.host, port: address.port, target: forwarder.target }));
    forwarder.on('open', (e) => io.out(JSON.stringify({ event: 'open', ...e })));
    forwarder.on('connect', (e) => io.out(JSON.stringify({ event: 'connect', ...e })));
    forwarder.on('close', (e) => io.out(JSON.stringify({ event: 'close', ...e, stats: forwarder.stats() })));
  } else {
    io.out(renderForwardReady(address, forwarder.target, io.style));
  }

  let timer: NodeJS.Timeout | undefined;
  if (live) {
    // The status line stays the last line: a failure is printed over it, then it is drawn again.
    let shown = renderForwardStatus(forwarder.stats(), io.style);
    io.out(shown);
    const redraw = (above?: string): void => {
      const line = renderForwardStatus(forwarder.stats(), io.style);
      if (above === undefined && line === shown) return;
      shown = line;
      io.out(above === undefined ? `${REDRAW_PREVIOUS_LINE}${line}` : `${REDRAW_PREVIOUS_LINE}${above}\n${line}`);
    };
    forwarder.on('open', () => redraw());
    forwarder.on('close', (e) => redraw(e.error === null ? undefined : renderForwardClose(e, forwarder.stats(), forwarder.target, forwarder.targetPort, io.style)));
    timer = setInterval(() => redraw(), STATUS_REDRAW_MS);
  } else if (!json) {
    forwarder.on('open', (e) => io.out(renderForwardOpen(e, forwarder.stats(), io.style)));
    forwarder.on('close', (e) => io.out(renderForwardClose(e, forwarder.stats(), forwarder.target, forwarder.targetPort, io.style)));
  }

  const signal = await stopped;
  if (timer !== undefined) clearInterval(timer);
  await forwarder.close();
  if (json) io.out(JSON.stringify({ event: 'stopped', signal, stats: forwarder.stats() }));
  else io.out(renderForwardStopped(forwarder.stats(), io.style));
  return 0;
}

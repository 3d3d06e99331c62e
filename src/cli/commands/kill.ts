/**
 * `berth kill <target...>`: stop what holds one or more ports, safely.
 */
import { formatDuration, parseDuration } from '../../duration.js';
import { killPort, KILL_TIMEOUT_MS } from '../../kill/index.js';
import { parseSignal } from '../../kill/signals.js';
import { parseTarget } from '../../ports/parse.js';
import { expectPositionals, parseCommandArgs } from '../args.js';
import { askYesNo } from '../prompt.js';
import type { Io } from '../render/io.js';
import { toJson } from '../render/io.js';
import { renderKillPlan, renderKillResult } from '../render/kill.js';

export const help = `berth kill — stop whatever holds a port, safely

Usage: berth kill TARGET... [options]

Shows what it will stop, sends SIGTERM, waits for the processes to exit,
then checks that the port is really free. SIGKILL is sent only with --force,
or after asking when run on a terminal. On a terminal berth asks before
stopping anything; -y skips that question.

Guards: the process start time is checked again right before each signal,
so a pid reused by another process is never hit; pid 1, berth itself and
the shell that started it are never signalled. A container's port forwarder
(docker-proxy, rootlessport …) is not stopped either unless --forwarders is
given: the container would keep running with its port broken; berth names
the command that finds the container to stop instead.

Options:
  -t, --timeout DUR  how long to wait for an exit (default ${formatDuration(KILL_TIMEOUT_MS)}; 500ms, 5s, 2m; a bare number is seconds)
  -f, --force        send SIGKILL to whatever outlives the timeout
  -s, --signal NAME  first signal to send (default TERM; INT, HUP, KILL, 15 …)
  -n, --dry-run      show what would be stopped, signal nothing
  --forwarders       also stop containers' port forwarders (docker-proxy …)
  --tcp, --udp       only what holds TCP (or UDP) sockets on the port
  -y, --yes          do not ask before stopping
  --json             print a JSON object (see docs/json.md); never asks
  -h, --help         show this help

Exit status: 0 when every port was held and is now free, 1 when a port was
not held or is still held, 2 on a bad command line.

Examples:
  berth kill 3000
  berth kill 3000 5173 --force -y
  berth kill localhost:8080 --dry-run`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('kill', args, {
    timeout: { type: 'string', short: 't' },
    force: { type: 'boolean', short: 'f' },
    signal: { type: 'string', short: 's' },
    'dry-run': { type: 'boolean', short: 'n' },
    yes: { type: 'boolean', short: 'y' },
    forwarders: { type: 'boolean' },
    tcp: { type: 'boolean' },
    udp: { type: 'boolean' },
  });
  if (values.help) {
    io.out(help);
    return 0;
  }
  expectPositionals('kill', positionals, 1, Number.POSITIVE_INFINITY, 'at least one port or address (such as 3000)');
  const targets = positionals.map((p) => parseTarget(p));
  const timeoutMs = values.timeout === undefined ? KILL_TIMEOUT_MS : parseDuration(values.timeout);
  const signal = values.signal === undefined ? 'SIGTERM' : parseSignal(values.signal);
  const json = values.json === true;
  const ask = io.interactive && !json;
  const command = `berth kill ${positionals.join(' ')}`;

  const result = await killPort(targets, {
    signal,
    timeoutMs,
    force: values.force === true,
    dryRun: values['dry-run'] === true,
    forwarders: values.forwarders === true,
    ...(values.tcp && !values.udp ? { protocol: 'tcp' as const } : values.udp && !values.tcp ? { protocol: 'udp' as const } : {}),
    confirm: async (plan) => {
      if (!json) io.out(renderKillPlan(plan, io.style));
      if (!ask || values.yes) return true;
      const n = plan.victims.length;
      return askYesNo(`Stop ${n === 1 ? 'it' : `these ${n} processes`}?`, io.stderrStream());
    },
    ...(ask
      ? {
          escalate: (running) =>
            askYesNo(
              `${running.map((p) => `pid ${p.pid} (${p.name})`).join(', ')} still running after ${formatDuration(timeoutMs)}. Send SIGKILL?`,
              io.stderrStream(),
            ),
        }
      : {}),
    onSignal: (proc, sent) => {
      if (!json) io.out(io.style.dim(`→ ${sent} pid ${proc.pid} (${proc.name})`));
    },
  });

  if (json) {
    io.out(toJson(result));
  } else {
    // The plan is shown by `confirm`; when nothing was asked (dry run, nobody to stop) show it here.
    if (result.dryRun || result.plan.victims.length === 0) io.out(renderKillPlan(result.plan, io.style));
    io.out(renderKillResult(result, io.style, timeoutMs, command));
  }
  if (result.dryRun) return result.plan.victims.length > 0 ? 0 : 1;
  return result.ok ? 0 : 1;
}

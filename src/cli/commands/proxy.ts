/**
 * `berth proxy [start|stop|status|run]`: the `.localhost` reverse proxy.
 */
import { once } from 'node:events';
import { BerthError } from '../../errors.js';
import { proxyStatus, resolveProxyPort, serveProxy, startProxy, stopProxy } from '../../proxy/daemon.js';
import { DEFAULT_PROXY_PORT } from '../../proxy/paths.js';
import { expectPositionals, parseCommandArgs } from '../args.js';
import type { Io } from '../render/io.js';
import { toJson } from '../render/io.js';
import { renderProxyStatus, renderProxyStop } from '../render/routes.js';

export const help = `berth proxy — the NAME.localhost reverse proxy

Usage: berth proxy [status|start|stop|run] [options]

The proxy listens on loopback (127.0.0.1 and ::1, port ${DEFAULT_PROXY_PORT}) and sends
http://NAME.localhost:${DEFAULT_PROXY_PORT}/ to the app routed as NAME (berth run, berth alias),
WebSockets (Vite and Next HMR) included. Browsers resolve *.localhost to this
machine by themselves. berth run starts it when needed; route changes apply
at once, without a restart.

  status   is it running (the default)
  start    start it in the background (its log is under the state folder)
  stop     stop the proxy this state folder started (its recorded pid only)
  run      run it in the foreground until Ctrl-C

Options:
  -p, --port PORT  proxy port (default $BERTH_PROXY_PORT, else ${DEFAULT_PROXY_PORT})
  --json           print a JSON object (see docs/json.md)
  -h, --help       show this help

Exit status: status: 0 running, 1 not; start: 0 running, 1 it could not
start; stop: 0 stopped, 1 nothing was running.

Examples:
  berth proxy start
  berth proxy status --json
  berth proxy run --port 8080`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('proxy', args, {
    port: { type: 'string', short: 'p' },
  });
  if (values.help) {
    io.out(help);
    return 0;
  }
  expectPositionals('proxy', positionals, 0, 1, 'one of status, start, stop, run');
  const action = positionals[0] ?? 'status';
  const port = resolveProxyPort(values.port);
  const json = values.json === true;
  switch (action) {
    case 'status': {
      const status = await proxyStatus({ port });
      io.out(json ? toJson(status) : renderProxyStatus(status, io.style));
      return status.running ? 0 : 1;
    }
    case 'start': {
      const status = await startProxy({ port });
      io.out(json ? toJson(status) : renderProxyStatus(status, io.style));
      return 0;
    }
    case 'stop': {
      const result = await stopProxy({ port });
      io.out(json ? toJson({ ...result, port }) : renderProxyStop(result, port));
      return result.stopped ? 0 : 1;
    }
    case 'run': {
      const served = await serveProxy({ port });
      const url = `http://localhost:${served.server.port}/`;
      if (json) io.out(toJson({ running: true, port: served.server.port, url, pid: process.pid, addresses: served.server.addresses }));
      else io.out(`berth proxy listening on ${served.server.addresses.map((a) => (a.includes(':') ? `[${a}]` : a)).join(' and ')}, port ${served.server.port}: http://NAME.localhost:${served.server.port}/ · Ctrl-C stops it`);
      const signal = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM'), once(process, 'SIGHUP')]);
      void signal;
      await served.close();
      return 0;
    }
    default:
      throw new BerthError('E_USAGE', `Unknown proxy action "${action}".`, { hint: 'Use one of: berth proxy status | start | stop | run', data: { action } });
  }
}

/**
 * `berth routes`: every NAME.localhost route and where it goes.
 */
import { proxyStatus, resolveProxyPort } from '../../proxy/daemon.js';
import { listLiveRoutes } from '../../proxy/routes.js';
import { expectPositionals, parseCommandArgs } from '../args.js';
import type { Io } from '../render/io.js';
import { toJson } from '../render/io.js';
import { renderRoutes, toRouteView } from '../render/routes.js';

export const help = `berth routes — the NAME.localhost routes of the proxy

Usage: berth routes [options]

Lists the live routes: those of running berth run commands (a route whose
berth run is gone is dropped here) and the aliases added with berth alias.

Options:
  -q, --quiet      print bare route names, one per line
  -p, --port PORT  proxy port for the URLs (default $BERTH_PROXY_PORT, else 1355)
  --json           print a JSON object (see docs/json.md)
  -h, --help       show this help

Exit status: 0, also when there are no routes.

Examples:
  berth routes
  berth routes --json
  berth alias db-ui 8081     add a route to something berth did not start`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('routes', args, {
    quiet: { type: 'boolean', short: 'q' },
    port: { type: 'string', short: 'p' },
  });
  if (values.help) {
    io.out(help);
    return 0;
  }
  expectPositionals('routes', positionals, 0, 0, 'no arguments');
  const port = resolveProxyPort(values.port);
  const routes = listLiveRoutes();
  if (values.quiet) {
    io.out(routes.map((r) => r.name));
    return 0;
  }
  const status = await proxyStatus({ port });
  if (values.json) {
    io.out(toJson({ proxy: { port, running: status.running, pid: status.pid }, routes: routes.map((r) => toRouteView(r, port)) }));
  } else {
    io.out(renderRoutes(routes, status, io.style));
  }
  return 0;
}

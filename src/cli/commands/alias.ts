/**
 * `berth alias NAME PORT` / `berth alias NAME --remove`: a route to something
 * berth did not start.
 */
import { parsePort } from '../../ports/parse.js';
import { proxyStatus, resolveProxyPort } from '../../proxy/daemon.js';
import { addAlias, findLiveRoute, removeAlias } from '../../proxy/routes.js';
import { expectPositionals, parseCommandArgs } from '../args.js';
import type { Io } from '../render/io.js';
import { toJson } from '../render/io.js';
import { renderAliasAdded, renderAliasRemoved, toRouteView } from '../render/routes.js';

export const help = `berth alias — route NAME.localhost to a port berth did not start

Usage: berth alias NAME PORT [options]
       berth alias NAME --remove

Adds a route to something already running (a container's published port,
a database UI), served by the proxy as http://NAME.localhost:1355/. An alias
stays until removed. NAME: lower-case letters, digits and dashes, with dots
between parts (api, db-ui, admin.shop).

Options:
  --host ADDR      address the app listens on (default 127.0.0.1; ::1 for IPv6)
  -f, --force      replace a route that already has the name
  -r, --remove     remove the alias NAME
  -p, --port PORT  proxy port for the URL shown (default $BERTH_PROXY_PORT, else 1355)
  --json           print a JSON object (see docs/json.md)
  -h, --help       show this help

Exit status: 0 done, 1 the name is taken or (with --remove) not an alias,
2 on a bad command line.

Examples:
  berth alias pgadmin 5050
  berth alias api 8080 --host ::1
  berth alias pgadmin --remove`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('alias', args, {
    host: { type: 'string' },
    force: { type: 'boolean', short: 'f' },
    remove: { type: 'boolean', short: 'r' },
    port: { type: 'string', short: 'p' },
  });
  if (values.help) {
    io.out(help);
    return 0;
  }
  const proxyPort = resolveProxyPort(values.port);
  if (values.remove) {
    expectPositionals('alias', positionals, 1, 1, 'the NAME of the alias to remove');
    const removed = removeAlias(positionals[0]!);
    io.out(values.json ? toJson({ removed: toRouteView(removed, proxyPort) }) : renderAliasRemoved(removed));
    return 0;
  }
  expectPositionals('alias', positionals, 2, 2, 'a NAME and a PORT (berth alias pgadmin 5050)');
  const port = parsePort(positionals[1]!);
  const before = values.force ? findLiveRoute(positionals[0]!) : null;
  const route = addAlias({ name: positionals[0]!, port, ...(values.host !== undefined ? { host: values.host } : {}), force: values.force === true });
  if (values.json) {
    io.out(toJson({ route: toRouteView(route, proxyPort), replaced: before !== null }));
    return 0;
  }
  const status = await proxyStatus({ port: proxyPort });
  io.out(renderAliasAdded(route, before !== null, status, io.style));
  return 0;
}

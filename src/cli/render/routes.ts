/**
 * Rendering `berth routes`, `berth alias` and `berth proxy`.
 */
import { formatHostPort } from '../../ports/parse.js';
import type { ProxyStatus, ProxyStopResult } from '../../proxy/daemon.js';
import { routeHost, routeUrl } from '../../proxy/names.js';
import type { RouteRecord } from '../../state/routes.js';
import type { Style } from './style.js';
import { formatTable } from './table.js';
import { tildify } from './sockets.js';

/** A route as `--json` shows it (docs/json.md). */
export interface RouteView {
  name: string;
  host: string;
  url: string;
  target: { host: string; port: number };
  kind: RouteRecord['kind'];
  ownerPid: number | null;
  appPid: number | null;
  command: string | null;
  cwd: string | null;
  project: string | null;
  logPath: string | null;
  createdAt: number;
}

/** The JSON shape of one route. */
export function toRouteView(route: RouteRecord, proxyPort: number): RouteView {
  return {
    name: route.name,
    host: routeHost(route.name),
    url: routeUrl(route.name, proxyPort),
    target: { host: route.host, port: route.port },
    kind: route.kind,
    ownerPid: route.owner?.pid ?? null,
    appPid: route.app?.pid ?? null,
    command: route.command,
    cwd: route.cwd,
    project: route.project,
    logPath: route.logPath,
    createdAt: route.createdAt,
  };
}

function proxyLine(status: Pick<ProxyStatus, 'running' | 'port' | 'pid' | 'problem'>, style: Style): string {
  if (status.running) return style.dim(`proxy: running on port ${status.port} (pid ${status.pid})`);
  if (status.problem !== null) return style.yellow(`proxy: not serving these routes: ${status.problem}`);
  return style.yellow(`proxy: not running on port ${status.port}; start it: berth proxy start`);
}

/** The route table. */
export function renderRoutes(routes: readonly RouteRecord[], status: Pick<ProxyStatus, 'running' | 'port' | 'pid' | 'problem'>, style: Style): string[] {
  if (routes.length === 0) {
    return ['No routes. Start an app with berth run -- npm run dev, or add one with berth alias NAME PORT.', proxyLine(status, style)];
  }
  const rows = routes.map((route) => [
    style.cyan(routeUrl(route.name, status.port)),
    formatHostPort(route.host, route.port),
    route.kind,
    route.kind === 'alias' ? '-' : String(route.app?.pid ?? route.owner?.pid ?? '-'),
    route.kind === 'alias' ? style.dim('added with berth alias') : `${route.command ?? ''}${route.cwd ? style.dim(`  (${tildify(route.cwd)})`) : ''}`,
  ]);
  return [
    ...formatTable([{ title: 'URL' }, { title: 'APP' }, { title: 'KIND' }, { title: 'PID', align: 'right' }, { title: 'COMMAND' }], rows, style.bold),
    '',
    proxyLine(status, style),
  ];
}

/** The line after `berth alias NAME PORT`. */
export function renderAliasAdded(route: RouteRecord, replaced: boolean, status: Pick<ProxyStatus, 'running' | 'port' | 'pid' | 'problem'>, style: Style): string[] {
  const out = [`${replaced ? 'Replaced' : 'Added'} ${style.bold(routeHost(route.name))} → ${formatHostPort(route.host, route.port)}: ${style.cyan(routeUrl(route.name, status.port))}`];
  if (!status.running) out.push(proxyLine(status, style));
  return out;
}

/** The line after `berth alias NAME --remove`. */
export function renderAliasRemoved(route: RouteRecord): string {
  return `Removed ${routeHost(route.name)} (was → ${formatHostPort(route.host, route.port)}).`;
}

/** `berth proxy status` / `start`. */
export function renderProxyStatus(status: ProxyStatus & { started?: boolean }, style: Style): string[] {
  if (!status.running) {
    const out = [status.problem !== null ? `The berth proxy is not serving port ${status.port}: ${status.problem}.` : `The berth proxy is not running on port ${status.port}.`];
    out.push(style.dim(`Start it: berth proxy start${status.port === 1355 ? '' : ` --port ${status.port}`}`));
    return out;
  }
  const verb = status.started === true ? 'Started the berth proxy' : status.started === false ? 'The berth proxy is already running' : 'The berth proxy is running';
  return [
    `${verb} on ${style.cyan(status.url)} (pid ${status.pid}), loopback only.`,
    style.dim(`Apps are served as http://NAME.localhost:${status.port}/ · routes: berth routes · log: ${tildify(status.logPath)}`),
  ];
}

/** `berth proxy stop`. */
export function renderProxyStop(result: ProxyStopResult, port: number): string {
  if (result.stopped) return `Stopped the berth proxy on port ${port} (pid ${result.pid}${result.killed ? ', with SIGKILL after it ignored SIGTERM' : ''}).`;
  if (result.pid !== null) return `The berth proxy recorded on port ${port} (pid ${result.pid}) had already exited.`;
  return `No berth proxy is recorded on port ${port}.`;
}

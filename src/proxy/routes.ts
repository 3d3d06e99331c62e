/**
 * The route table with liveness: what `berth run`, `berth alias`, `berth
 * routes` and the proxy call. A `run` route lives exactly as long as its owner
 * (the `berth run` process, checked by pid and start marker, so a reused pid
 * never keeps a dead route alive); a stale one is dropped whenever the table
 * is read. Aliases live until removed. Other routes are never touched.
 */
import { isIP } from 'node:net';
import { BerthError } from '../errors.js';
import { isSameProcessAlive, readProcess } from '../processes/index.js';
import { formatHostPort } from '../ports/parse.js';
import { openState, read, transact, type StateOptions } from '../state/db.js';
import {
  findRoute,
  listRoutes,
  putRoute,
  removeRoute,
  removeRoutesOwnedBy,
  setRouteApp,
  type NewRoute,
  type RouteProcess,
  type RouteRecord,
} from '../state/routes.js';
import { parseRouteName, routeHost } from './names.js';

export type { RouteKind, RouteProcess, RouteRecord } from '../state/routes.js';

/**
 * True while a route should be served: aliases always; a `run` route while
 * its owner is the same running process it was when the route was made.
 */
export function isRouteLive(route: RouteRecord): boolean {
  if (route.kind === 'alias') return true;
  if (route.owner === null) return false;
  return isSameProcessAlive(route.owner);
}

/** This process as a route owner: its pid and start marker. */
export function currentProcess(): RouteProcess {
  return { pid: process.pid, startMarker: readProcess(process.pid)?.startMarker ?? null };
}

/** Reads a process's start marker, for {@link RegisterRouteOptions.app}; null when it is gone. */
export function routeProcessOf(pid: number): RouteProcess | null {
  const info = readProcess(pid);
  return info === null ? null : { pid, startMarker: info.startMarker };
}

/**
 * Every live route, ordered by name. Stale `run` routes (owner gone) are
 * deleted on the way, each re-checked inside the write transaction.
 * @throws BerthError from the state store (E_STATE_*).
 */
export function listLiveRoutes(options: StateOptions = {}): RouteRecord[] {
  const store = openState(options);
  const all = read(store, (db) => listRoutes(db));
  const stale = all.filter((route) => !isRouteLive(route));
  if (stale.length === 0) return all;
  dropStale(options, stale);
  return all.filter((route) => !stale.includes(route));
}

/** Deletes the given routes if they are still the same rows and still stale. */
function dropStale(options: StateOptions, stale: readonly RouteRecord[]): void {
  const store = openState(options);
  transact(store, (db) => {
    for (const route of stale) {
      const now = findRoute(db, route.name);
      // Another berth run may have taken the name since it was read: only drop the row that was judged.
      if (now === null || now.createdAt !== route.createdAt || now.owner?.pid !== route.owner?.pid) continue;
      if (!isRouteLive(now)) removeRoute(db, now.name);
    }
  });
}

/**
 * The live route called `name` (validated: `Web`, `web.localhost` and `web`
 * are one route), or null. A stale route is dropped and null returned.
 * @throws BerthError E_ROUTE_NAME_INVALID, E_STATE_*.
 */
export function findLiveRoute(name: string, options: StateOptions = {}): RouteRecord | null {
  const key = parseRouteName(name);
  const store = openState(options);
  const route = read(store, (db) => findRoute(db, key));
  if (route === null) return null;
  if (isRouteLive(route)) return route;
  dropStale(options, [route]);
  return null;
}

/** What {@link registerRoute} stores. */
export interface RegisterRouteOptions extends StateOptions {
  /** Route name as typed; validated and lower-cased ({@link parseRouteName}). */
  name: string;
  /** The app's port. */
  port: number;
  /** Where the app listens; default `127.0.0.1`. `localhost` means `127.0.0.1` (the proxy also tries `::1`). */
  host?: string;
  /** Default `run`. */
  kind?: 'run' | 'alias';
  /** For `run`: the process the route lives with; default this process. */
  owner?: RouteProcess;
  /** The process that really holds the socket, when already known. */
  app?: RouteProcess | null;
  command?: string | null;
  cwd?: string | null;
  project?: string | null;
  /** The app's output file, shown by the proxy when the app is down. */
  logPath?: string | null;
  /** Replace a live route of the same name. */
  force?: boolean;
}

/**
 * Checks a route's target address: an IP literal (brackets allowed) or
 * `localhost` (stored as `127.0.0.1`).
 * @throws BerthError E_TARGET_INVALID.
 */
export function parseRouteHost(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return '127.0.0.1';
  if (isIP(bare) === 0) {
    throw new BerthError('E_TARGET_INVALID', `"${host}" is not an IP address.`, {
      hint: 'Give the address the app listens on: 127.0.0.1 or ::1',
      data: { host },
    });
  }
  return bare;
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new BerthError('E_PORT_INVALID', `${port} is not a valid port: ports are whole numbers from 1 to 65535.`, {
      data: { input: String(port) },
    });
  }
}

function describeHolder(route: RouteRecord): string {
  const target = formatHostPort(route.host, route.port);
  if (route.kind === 'alias') return `an alias to ${target}`;
  const by = route.owner ? `berth run (pid ${route.owner.pid}${route.command ? `, ${route.command}` : ''})` : 'berth run';
  return `${target}, for ${by}`;
}

/**
 * Adds a route. A live route with the same name is an error unless `force`;
 * a stale one (its `berth run` is gone) is replaced silently.
 * @throws BerthError E_ROUTE_TAKEN, E_ROUTE_NAME_INVALID, E_PORT_INVALID, E_TARGET_INVALID, E_STATE_*.
 */
export function registerRoute(options: RegisterRouteOptions): RouteRecord {
  const name = parseRouteName(options.name);
  checkPort(options.port);
  const kind = options.kind ?? 'run';
  const host = parseRouteHost(options.host ?? '127.0.0.1');
  const owner = kind === 'run' ? (options.owner ?? currentProcess()) : null;
  const route: NewRoute = {
    name,
    port: options.port,
    host,
    kind,
    owner,
    app: options.app ?? null,
    command: options.command ?? null,
    cwd: options.cwd ?? null,
    project: options.project ?? null,
    logPath: options.logPath ?? null,
  };
  const store = openState(options);
  const result = transact(store, (db) => putRoute(db, route, { force: options.force === true, isLive: isRouteLive }));
  if (!result.ok) {
    const holder = result.holder;
    const rerun = kind === 'alias' ? `berth alias ${name} ${options.port} --force` : 'berth run --force …';
    throw new BerthError('E_ROUTE_TAKEN', `${routeHost(name)} is already routed: ${describeHolder(holder)}.`, {
      hint:
        holder.kind === 'alias'
          ? `Pick another name, remove the alias first (berth alias ${name} --remove), or replace it: ${rerun}`
          : `Pick another name (--name), stop that berth run, or take the name over: ${rerun}`,
      data: { name, holder },
    });
  }
  return result.route;
}

/**
 * Removes the route called `name`. With `owner`, only while that process
 * still owns it (what `berth run` does when its child ends). Returns the
 * removed route, or null when there was none (or it belongs to someone else).
 * @throws BerthError E_ROUTE_NAME_INVALID, E_STATE_*.
 */
export function unregisterRoute(name: string, options: StateOptions & { owner?: RouteProcess } = {}): RouteRecord | null {
  const key = parseRouteName(name);
  return transact(openState(options), (db) => removeRoute(db, key, options.owner));
}

/** Removes every route `owner` registered (a `berth run` shutting down); returns them. */
export function unregisterRoutesOwnedBy(owner: RouteProcess, options: StateOptions = {}): RouteRecord[] {
  return transact(openState(options), (db) => removeRoutesOwnedBy(db, owner));
}

/**
 * Records the process that really holds the app's socket (found once the app
 * answers), and optionally the port/host it turned out to listen on. With
 * `owner`, only on a route that process owns. Returns the route, or null when it is gone.
 * @throws BerthError E_ROUTE_NAME_INVALID, E_PORT_INVALID, E_TARGET_INVALID, E_STATE_*.
 */
export function updateRouteApp(
  name: string,
  app: RouteProcess | null,
  options: StateOptions & { owner?: RouteProcess; port?: number; host?: string } = {},
): RouteRecord | null {
  const key = parseRouteName(name);
  if (options.port !== undefined) checkPort(options.port);
  const host = options.host === undefined ? undefined : parseRouteHost(options.host);
  return transact(openState(options), (db) =>
    setRouteApp(db, key, app, {
      ...(options.owner ? { owner: options.owner } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(host !== undefined ? { host } : {}),
    }),
  );
}

/** What {@link addAlias} stores. */
export interface AliasOptions extends StateOptions {
  name: string;
  port: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Replace a live route of the same name (also a `berth run` one). */
  force?: boolean;
}

/**
 * Adds a route to something berth did not start (a container, a database UI).
 * @throws BerthError E_ROUTE_TAKEN, E_ROUTE_NAME_INVALID, E_PORT_INVALID, E_TARGET_INVALID, E_STATE_*.
 */
export function addAlias(options: AliasOptions): RouteRecord {
  return registerRoute({ ...options, kind: 'alias' });
}

/**
 * Removes an alias. A live `berth run` route is not removed (it belongs to a
 * running process; stop that instead).
 * @throws BerthError E_NO_ROUTE (no such route), E_REFUSED (a live berth run route), E_STATE_*.
 */
export function removeAlias(name: string, options: StateOptions = {}): RouteRecord {
  const key = parseRouteName(name);
  const removed = transact(openState(options), (db) => {
    const route = findRoute(db, key);
    if (route === null) return null;
    if (route.kind === 'run' && isRouteLive(route)) {
      throw new BerthError('E_REFUSED', `${routeHost(key)} belongs to a running berth run (pid ${route.owner?.pid}), not an alias.`, {
        hint: `Stop that process and its route goes with it: berth kill ${route.port}`,
        data: { name: key, route },
      });
    }
    removeRoute(db, key);
    return route.kind === 'alias' ? route : null;
  });
  if (removed === null) {
    throw new BerthError('E_NO_ROUTE', `There is no alias called ${key}.`, { hint: 'See the routes: berth routes', data: { name: key } });
  }
  return removed;
}

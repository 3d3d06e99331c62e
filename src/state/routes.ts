/**
 * The route table: `name.localhost` → a local port. SQL only. Whether a
 * route's owner is still alive is decided by the caller (proxy/routes.ts),
 * which passes a predicate; the store itself never reads processes.
 * Functions that write expect to run inside {@link transact}.
 */
import { prepared, type Database } from './db.js';

/** `run`: registered by `berth run`, lives while its owner lives. `alias`: added by hand, lives until removed. */
export type RouteKind = 'run' | 'alias';

/** A process as stored: pid plus the opaque start marker that guards against pid reuse. */
export interface RouteProcess {
  pid: number;
  /** Null when it could not be read; the pid alone is then trusted. */
  startMarker: string | null;
}

/** One route as stored. Times are milliseconds since the epoch. */
export interface RouteRecord {
  /** `web` or `fix-login.web`, served as `<name>.localhost`. Lower case. */
  name: string;
  /** Where the app listens. */
  port: number;
  /** The address the app listens on: `127.0.0.1` or `::1` (any IP for an alias). */
  host: string;
  kind: RouteKind;
  /** The `berth run` process the route lives with; null for aliases. */
  owner: RouteProcess | null;
  /** The process that really holds the app's socket, once known. */
  app: RouteProcess | null;
  /** The command berth run started, for people. */
  command: string | null;
  /** The folder it was started in. */
  cwd: string | null;
  /** Project folder (git worktree root). */
  project: string | null;
  /** File holding the app's output; the proxy shows its tail when the app is down. */
  logPath: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A route to insert; times default to now. */
export type NewRoute = Omit<RouteRecord, 'createdAt' | 'updatedAt'> & { createdAt?: number; updatedAt?: number };

interface RouteRow {
  name: string;
  port: number;
  host: string;
  kind: RouteKind;
  owner_pid: number | null;
  owner_start: string | null;
  app_pid: number | null;
  app_start: string | null;
  command: string | null;
  cwd: string | null;
  project: string | null;
  log_path: string | null;
  created_at: number;
  updated_at: number;
}

function toRecord(row: RouteRow): RouteRecord {
  return {
    name: row.name,
    port: row.port,
    host: row.host,
    kind: row.kind,
    owner: row.owner_pid === null ? null : { pid: row.owner_pid, startMarker: row.owner_start },
    app: row.app_pid === null ? null : { pid: row.app_pid, startMarker: row.app_start },
    command: row.command,
    cwd: row.cwd,
    project: row.project,
    logPath: row.log_path,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Every route, ordered by name. */
export function listRoutes(db: Database): RouteRecord[] {
  return (prepared(db, 'SELECT * FROM routes ORDER BY name').all() as RouteRow[]).map(toRecord);
}

/** The route called `name` (already lower case), or null. */
export function findRoute(db: Database, name: string): RouteRecord | null {
  const row = prepared(db, 'SELECT * FROM routes WHERE name = ?').get(name) as RouteRow | undefined;
  return row ? toRecord(row) : null;
}

/** The outcome of {@link putRoute}: the stored route, or the live route that holds the name. */
export type PutRouteResult = { ok: true; route: RouteRecord; replaced: RouteRecord | null } | { ok: false; holder: RouteRecord };

/**
 * Inserts `route`. A row with the same name that `isLive` says is alive wins
 * (conflict), unless `force`; a row that is not alive (its owner exited) is
 * replaced. Run inside {@link transact}, so the check and the write are one step.
 */
export function putRoute(
  db: Database,
  route: NewRoute,
  options: { force?: boolean; isLive: (route: RouteRecord) => boolean; now?: number },
): PutRouteResult {
  const now = options.now ?? Date.now();
  const existing = findRoute(db, route.name);
  if (existing && options.force !== true && options.isLive(existing)) return { ok: false, holder: existing };
  if (existing) prepared(db, 'DELETE FROM routes WHERE name = ?').run(route.name);
  const row = prepared(
      db,
      `INSERT INTO routes (name, port, host, kind, owner_pid, owner_start, app_pid, app_start, command, cwd, project, log_path, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    )
    .get(
      route.name,
      route.port,
      route.host,
      route.kind,
      route.owner?.pid ?? null,
      route.owner?.startMarker ?? null,
      route.app?.pid ?? null,
      route.app?.startMarker ?? null,
      route.command,
      route.cwd,
      route.project,
      route.logPath,
      route.createdAt ?? now,
      route.updatedAt ?? now,
    ) as RouteRow;
  return { ok: true, route: toRecord(row), replaced: existing };
}

/**
 * Deletes the route called `name`. With `owner`, only when the row still
 * belongs to that process (a `berth run` never removes a route another run
 * took over with --force). Returns the deleted route, or null.
 */
export function removeRoute(db: Database, name: string, owner?: RouteProcess): RouteRecord | null {
  const row = (
    owner === undefined
      ? prepared(db, 'DELETE FROM routes WHERE name = ? RETURNING *').get(name)
      : prepared(db, 'DELETE FROM routes WHERE name = ? AND owner_pid = ? AND owner_start IS ? RETURNING *').get(name, owner.pid, owner.startMarker)
  ) as RouteRow | undefined;
  return row ? toRecord(row) : null;
}

/** Deletes every route owned by `owner` (pid and start marker); returns them. */
export function removeRoutesOwnedBy(db: Database, owner: RouteProcess): RouteRecord[] {
  const rows = prepared(db, 'DELETE FROM routes WHERE owner_pid = ? AND owner_start IS ? RETURNING *').all(owner.pid, owner.startMarker) as RouteRow[];
  return rows.map(toRecord);
}

/**
 * Records the process that really holds the app's socket (and, optionally, a
 * new port or host when the app moved). With `owner`, only on a row that
 * process owns. Returns the updated route, or null when the row is gone.
 */
export function setRouteApp(
  db: Database,
  name: string,
  app: RouteProcess | null,
  options: { owner?: RouteProcess; port?: number; host?: string; now?: number } = {},
): RouteRecord | null {
  const now = options.now ?? Date.now();
  const sets = ['app_pid = ?', 'app_start = ?', 'updated_at = ?'];
  const params: Array<string | number | null> = [app?.pid ?? null, app?.startMarker ?? null, now];
  if (options.port !== undefined) {
    sets.push('port = ?');
    params.push(options.port);
  }
  if (options.host !== undefined) {
    sets.push('host = ?');
    params.push(options.host);
  }
  let where = 'name = ?';
  params.push(name);
  if (options.owner) {
    where += ' AND owner_pid = ? AND owner_start IS ?';
    params.push(options.owner.pid, options.owner.startMarker);
  }
  const row = prepared(db, `UPDATE routes SET ${sets.join(', ')} WHERE ${where} RETURNING *`).get(...params) as RouteRow | undefined;
  return row ? toRecord(row) : null;
}

/**
 * A value that changes whenever the store may have changed: SQLite's
 * `data_version` (bumped by other connections' commits) plus this
 * connection's own `total_changes()`. A long-running reader compares it to
 * know when to re-read; it costs one cached statement, no table access.
 */
export function changeMarker(db: Database): string {
  // The proxy asks on every request: a statement prepared once (see prepared()).
  return (prepared(db, "SELECT (SELECT data_version FROM pragma_data_version()) || ':' || total_changes()").pluck().get() as string | undefined) ?? '';
}

/**
 * The proxy's in-memory copy of the route table. Re-read only when SQLite's
 * `data_version` or this connection's change count moved (one cached
 * statement per request, no table access), so a route added by `berth run` is served on
 * the very next request without a restart. A `run` route's owner is
 * re-checked at most every {@link OWNER_CHECK_INTERVAL_MS}: a route whose
 * `berth run` was SIGKILLed stops being served and is dropped from the store.
 */
import { openState, read, type StateOptions, type StateStore } from '../state/db.js';
import { changeMarker, listRoutes, type RouteRecord } from '../state/routes.js';
import { isRouteLive, listLiveRoutes } from './routes.js';

/** How often a `run` route's owner is checked for liveness, in milliseconds. */
export const OWNER_CHECK_INTERVAL_MS = 1000;

/**
 * How long a found route is served from memory before the store is asked
 * again whether anything changed, in milliseconds. A name not in memory is
 * always looked up at once, so a new route is served on the very next request;
 * a changed or removed one within this time (the proxy also re-reads the
 * route when its app refuses). Asking costs a few microseconds, which at tens
 * of thousands of requests a second is worth saving.
 */
export const ROUTE_RECHECK_INTERVAL_MS = 100;

interface Entry {
  route: RouteRecord;
  /** When the owner was last found alive (ms since the epoch); aliases: Infinity. */
  checkedAt: number;
}

/** A live view of the route table for one state folder. */
export class RouteCache {
  private readonly options: StateOptions;
  private store: StateStore | undefined;
  private version = '';
  private syncedAt = 0;
  private entries = new Map<string, Entry>();

  /** Reads the table of `options.home` (default: $BERTH_HOME). */
  constructor(options: StateOptions = {}) {
    this.options = options;
  }

  private sync(): void {
    this.syncedAt = Date.now();
    if (this.store === undefined || !this.store.db.open) {
      this.store = openState(this.options);
      this.version = '';
    }
    const store = this.store;
    const version = read(store, (db) => changeMarker(db));
    if (version === this.version) return;
    const routes = read(store, (db) => listRoutes(db));
    const now = Date.now();
    const next = new Map<string, Entry>();
    for (const route of routes) {
      const previous = this.entries.get(route.name);
      const same = previous !== undefined && previous.route.createdAt === route.createdAt && previous.route.owner?.pid === route.owner?.pid;
      next.set(route.name, { route, checkedAt: route.kind === 'alias' ? Infinity : same ? previous.checkedAt : now - OWNER_CHECK_INTERVAL_MS - 1 });
    }
    this.entries = next;
    this.version = version;
  }

  /** The live route called `name` (lower case, as from {@link routeNameFromHost}), or null. */
  get(name: string): RouteRecord | null {
    const now = Date.now();
    let entry = this.entries.get(name);
    if (entry === undefined || now - this.syncedAt > ROUTE_RECHECK_INTERVAL_MS || this.version === '') {
      this.sync();
      entry = this.entries.get(name);
    }
    if (entry === undefined) return null;
    if (now - entry.checkedAt <= OWNER_CHECK_INTERVAL_MS) return entry.route;
    if (isRouteLive(entry.route)) {
      entry.checkedAt = now;
      return entry.route;
    }
    this.entries.delete(name);
    this.sweep();
    return null;
  }

  /** Re-reads the store now and returns the live route called `name`, or null. */
  refresh(name: string): RouteRecord | null {
    this.version = '';
    return this.get(name);
  }

  /** Every live route (stale ones are dropped from the store on the way). */
  list(): RouteRecord[] {
    const routes = listLiveRoutes(this.options);
    this.version = '';
    return routes;
  }

  /** Drops stale routes from the store; never throws (the proxy keeps serving). */
  sweep(): void {
    try {
      listLiveRoutes(this.options);
    } catch {
      // A busy or broken store must not take the proxy down; the next read reports it.
    }
    this.version = '';
  }
}

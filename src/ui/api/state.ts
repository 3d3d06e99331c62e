/**
 * GET /api/routes and GET /api/leases: the `name.localhost` routes and the
 * port leases from the state store, as `berth routes` and `berth leases` list them.
 */
import { listLeases } from '../../alloc/lease.js';
import { routeUrl } from '../../proxy/names.js';
import { listLiveRoutes } from '../../proxy/routes.js';
import { sendJson } from '../http.js';
import type { ApiHandler } from './context.js';

/** Answers `{ proxyPort, routes: Array<Route & { url }> }`. */
export const getRoutes: ApiHandler = (_req, res, { home, proxyPort }) => {
  const routes = listLiveRoutes({ home }).map((route) => ({ ...route, url: routeUrl(route.name, proxyPort) }));
  sendJson(res, 200, { proxyPort, routes });
};

/** Answers `{ leases: Lease[] }` (live ones only, as `berth leases` lists them). */
export const getLeases: ApiHandler = (_req, res, { home }) => {
  sendJson(res, 200, { leases: listLeases({ home }) });
};

/**
 * The `.localhost` reverse proxy and its route table: the public surface.
 */
export { createProxyServer, STATUS_PATH, type ProxyServer, type ProxyServerOptions, type ProxyIdentity } from './server.js';
export {
  ensureProxy,
  startProxy,
  stopProxy,
  proxyStatus,
  serveProxy,
  probeProxy,
  resolveProxyPort,
  type ProxyOptions,
  type ProxyStatus,
  type ProxyStopResult,
  type EnsuredProxy,
  type ServedProxy,
} from './daemon.js';
export {
  listLiveRoutes,
  findLiveRoute,
  registerRoute,
  unregisterRoute,
  unregisterRoutesOwnedBy,
  updateRouteApp,
  addAlias,
  removeAlias,
  isRouteLive,
  currentProcess,
  routeProcessOf,
  parseRouteHost,
  type RegisterRouteOptions,
  type AliasOptions,
  type RouteRecord,
  type RouteKind,
  type RouteProcess,
} from './routes.js';
export { parseRouteName, toRouteLabel, routeHost, routeUrl, routeNameFromHost } from './names.js';
export { DEFAULT_PROXY_PORT, proxyLogPath, routeLogPath } from './paths.js';

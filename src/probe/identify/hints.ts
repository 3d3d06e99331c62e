/**
 * Which protocol to try first: the one a URL scheme names, else the one a
 * port number usually carries. A right guess makes identification one round
 * trip; a wrong one costs one fast failure.
 */
import type { ProtocolId } from './verdict.js';

const SCHEME_HINTS: Readonly<Record<string, ProtocolId>> = {
  http: 'http',
  ws: 'http',
  https: 'https',
  wss: 'https',
  rediss: 'tls',
  smtps: 'tls',
  postgres: 'postgres',
  postgresql: 'postgres',
  redis: 'redis',
  mysql: 'mysql',
  mariadb: 'mysql',
  mongodb: 'mongodb',
  ssh: 'ssh',
  smtp: 'smtp',
};

const PORT_HINTS: ReadonlyMap<number, ProtocolId> = new Map<number, ProtocolId>([
  [22, 'ssh'], [2222, 'ssh'],
  [25, 'smtp'], [587, 'smtp'], [1025, 'smtp'], [2525, 'smtp'],
  [465, 'tls'], [993, 'tls'], [995, 'tls'], [636, 'tls'],
  [443, 'https'], [4443, 'https'], [8443, 'https'], [9443, 'https'],
  [80, 'http'], [3000, 'http'], [3001, 'http'], [4000, 'http'], [4200, 'http'], [4321, 'http'], [5000, 'http'],
  [5173, 'http'], [5174, 'http'], [6006, 'http'], [8000, 'http'], [8008, 'http'], [8025, 'http'], [8080, 'http'],
  [8081, 'http'], [8088, 'http'], [8787, 'http'], [8888, 'http'], [9000, 'http'], [9090, 'http'], [9200, 'http'],
  [5601, 'http'], [15672, 'http'], [24678, 'http'],
  [5432, 'postgres'], [5433, 'postgres'], [6432, 'postgres'],
  [3306, 'mysql'], [3307, 'mysql'],
  [6379, 'redis'], [6380, 'redis'],
  [27017, 'mongodb'], [27018, 'mongodb'], [27019, 'mongodb'],
  [9229, 'node-inspector'], [9230, 'node-inspector'],
  [9222, 'chrome-devtools'],
  [5005, 'jdwp'],
]);

/** The protocol a URL scheme names, or null. */
export function hintFromScheme(scheme: string | null): ProtocolId | null {
  return scheme === null ? null : SCHEME_HINTS[scheme.toLowerCase()] ?? null;
}

/** The protocol a port number usually carries on a developer's machine, or null. */
export function hintFromPort(port: number): ProtocolId | null {
  return PORT_HINTS.get(port) ?? null;
}

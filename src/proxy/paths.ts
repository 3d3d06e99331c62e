/**
 * Files of the proxy daemon under the state folder, and where the berth CLI
 * is (the daemon is the CLI itself, started detached).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Default port of the `.localhost` proxy. */
export const DEFAULT_PROXY_PORT = 1355;

/** The proxy's record for `port` under `home`: pid, start marker, port, version (JSON). */
export function proxyRecordPath(home: string, port: number): string {
  return join(home, `proxy-${port}.json`);
}

/** Held (created exclusively) by the one berth that is starting the proxy on a port. */
export function proxyStartLockPath(home: string, port: number): string {
  return join(home, `proxy-${port}.starting`);
}

/** The proxy daemon's own output (start-up errors, crashes). */
export function proxyLogPath(home: string, port: number): string {
  return join(home, 'logs', `proxy-${port}.log`);
}

/**
 * Where `berth run` keeps the output of the app it runs as route `name`
 * (the proxy's 502 page shows its tail): `logs/run-NAME.log` under the state folder.
 */
export function routeLogPath(home: string, name: string): string {
  return join(home, 'logs', `run-${name}.log`);
}

let root: string | null | undefined;

/**
 * The berth package folder (the one holding bin/berth.cjs), found by walking
 * up from this module: the same from dist/src (tsc) and dist/cli (bundled CLI).
 * Null when berth runs from somewhere without its bin (a re-bundled copy).
 */
export function packageRoot(): string | null {
  if (root !== undefined) return root;
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(folder, 'bin', 'berth.cjs')) && existsSync(join(folder, 'package.json'))) return (root = folder);
    const parent = dirname(folder);
    if (parent === folder) return (root = null);
    folder = parent;
  }
}

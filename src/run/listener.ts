/**
 * Finding the socket an app started by `berth run` really listens on, and the
 * process that holds it: often not the command berth started (`npm run dev`
 * → sh → node vite), and sometimes not on the port berth gave it (a tool
 * that ignores PORT and picks 3000 by itself).
 */
import { listSockets } from '../inventory/index.js';
import type { Socket } from '../model.js';
import { descendantsOf } from '../processes/index.js';

/** Where the app answers. */
export interface AppListener {
  port: number;
  /** The address to reach it on: 127.0.0.1, ::1, or the specific address it bound. */
  host: string;
  /** The holding process; null when the OS hides it. */
  pid: number | null;
}

/** How often, in polls, the watch also looks for the app on other ports. */
const WIDE_SCAN_EVERY = 7;

/** The address a client should use for a listener: wildcards are reached through loopback. */
export function reachableHost(socket: Pick<Socket, 'localAddress' | 'family'>): string {
  if (socket.localAddress === '0.0.0.0' || socket.localAddress === '::') return '127.0.0.1';
  return socket.localAddress;
}

function pick(sockets: readonly Socket[], family: Set<number>): AppListener | null {
  const listeners = sockets.filter((s) => s.protocol === 'tcp' && s.state === 'LISTEN');
  const own = listeners.filter((s) => s.holders.some((h) => family.has(h.pid)));
  const chosen = own[0] ?? null;
  if (!chosen) return null;
  const holder = chosen.holders.find((h) => family.has(h.pid)) ?? chosen.holders[0];
  // Prefer an IPv4 or wildcard listener of the same port when the app has several.
  const sameport = own.filter((s) => s.localPort === chosen.localPort);
  const best = sameport.find((s) => s.family === 4) ?? sameport.find((s) => s.localAddress === '::') ?? chosen;
  return { port: best.localPort, host: reachableHost(best), pid: holder?.pid ?? null };
}

/**
 * Polls until a process of the app's tree listens on `port` (or, failing
 * that for a while, on any port), or until `exited` settles (then null).
 */
export async function findAppListener(options: { rootPid: number; port: number; exited: Promise<unknown>; pollMs: number }): Promise<AppListener | null> {
  let done = false;
  void options.exited.then(() => (done = true));
  for (let poll = 1; !done; poll++) {
    const onPort = await listSockets({ protocol: 'tcp', ports: options.port });
    if (onPort.some((s) => s.state === 'LISTEN')) {
      const family = descendantsOf(options.rootPid);
      const mine = pick(onPort, family);
      if (mine) return mine;
      // Something else holds the port (or its holder is hidden): take it only if it is not another process's.
      const listener = onPort.find((s) => s.state === 'LISTEN')!;
      if (listener.holders.length === 0) return { port: options.port, host: reachableHost(listener), pid: null };
    }
    if (poll % WIDE_SCAN_EVERY === 0) {
      const family = descendantsOf(options.rootPid);
      const elsewhere = pick(await listSockets({ protocol: 'tcp' }), family);
      if (elsewhere) return elsewhere;
    }
    await Promise.race([new Promise((resolve) => setTimeout(resolve, options.pollMs)), options.exited]);
  }
  return null;
}

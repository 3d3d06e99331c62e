/**
 * "Did you mean": listeners the user may have meant when nothing listens on
 * the target port: a program started from the same folder (or whose command
 * names it), or a dev server a few ports away (Vite moves to 5174 when 5173
 * is taken, Next.js to 3001 …). Pure.
 */
import type { Socket } from '../../model.js';
import { serviceNameOf } from '../../ports/facts.js';
import type { NearbyFact } from '../types.js';

/** How far from the target port a dev server still counts as "nearby". */
export const NEARBY_PORT_DISTANCE = 10;

/** A program of the same project within this many ports outranks a nearby dev server. */
const SAME_PROJECT_NEAR = 100;

/** At most this many suggestions. */
const MAX_SUGGESTIONS = 3;

/** Commands of development servers and the tools that run them. */
const DEV_SERVER = new RegExp(
  [
    '\\bvite\\b', '\\bnext\\b', '\\bnuxi?\\b', 'webpack', 'react-scripts', '\\bastro\\b', '\\bremix\\b', '\\bparcel\\b',
    '\\bng serve', 'http-server', '\\bserve\\b', 'live-server', 'nodemon', '\\btsx\\b', 'ts-node', '\\bbun\\b', '\\bdeno\\b',
    '\\brails\\b', '\\bpuma\\b', 'runserver', '\\bflask\\b', 'uvicorn', 'gunicorn', 'http\\.server', 'php -S', '\\bhugo\\b',
    '\\bjekyll\\b', 'storybook', '\\bsvelte-kit\\b', '\\bwrangler\\b', '\\bnode\\b', '\\bpython3?\\b',
  ].join('|'),
  'i',
);

function isDevServer(socket: Socket): boolean {
  if (socket.holders.some((p) => DEV_SERVER.test(p.command) || DEV_SERVER.test(p.name))) return true;
  return /dev server|vite|next|webpack|react|angular|storybook/i.test(serviceNameOf(socket.localPort) ?? '');
}

function relatedFolder(holderCwd: string | null, cwd: string): boolean {
  if (holderCwd === null || cwd === '/' || holderCwd === '/') return false;
  return holderCwd === cwd || holderCwd.startsWith(`${cwd}/`) || cwd.startsWith(`${holderCwd}/`);
}

/**
 * Picks listeners worth suggesting instead of `port`, best first.
 * @param listeners TCP listeners on this machine (any port).
 * @param cwd the folder doctor runs in, standing for the user's project.
 * @param selfPid doctor's own pid, never suggested.
 */
export function findNearbyListeners(listeners: readonly Socket[], port: number, cwd: string, selfPid: number = process.pid): NearbyFact[] {
  const picks: Array<NearbyFact & { rank: number }> = [];
  const seen = new Set<number>();
  for (const socket of listeners) {
    if (socket.protocol !== 'tcp' || socket.state !== 'LISTEN' || socket.localPort === port || seen.has(socket.localPort)) continue;
    const holder = socket.holders.find((p) => p.pid !== selfPid) ?? null;
    if (socket.holders.length > 0 && holder === null) continue;
    const distance = Math.abs(socket.localPort - port);
    let reason: NearbyFact['reason'] | null = null;
    if (holder && relatedFolder(holder.cwd, cwd)) reason = 'same-folder';
    else if (holder && cwd !== '/' && holder.command.includes(cwd)) reason = 'same-command';
    else if (distance <= NEARBY_PORT_DISTANCE && isDevServer(socket)) reason = 'dev-server';
    if (reason === null) continue;
    seen.add(socket.localPort);
    picks.push({
      port: socket.localPort,
      address: socket.localAddress,
      family: socket.family,
      pid: holder?.pid ?? null,
      name: holder?.name ?? null,
      command: holder?.command ?? null,
      reason,
      // Same project and close by first, then dev servers close by, then the same project further away.
      rank: (reason === 'dev-server' ? 1_000 : distance <= SAME_PROJECT_NEAR ? 0 : 100_000) + distance,
    });
  }
  return picks
    .sort((a, b) => a.rank - b.rank)
    .slice(0, MAX_SUGGESTIONS)
    .map(({ rank: _rank, ...fact }) => fact);
}

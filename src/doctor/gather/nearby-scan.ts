/**
 * Finds the candidates for "did you mean" without attributing every socket
 * on the machine: a full holder scan reads every process's fd table, which
 * on a busy machine costs far more than the rest of doctor. Instead:
 * - processes of the same project are found by their cwd and command line
 *   (one readlink and one small read per process), and only their fd tables
 *   are read;
 * - listeners a few ports away are attributed through the inventory, and
 *   only when /proc/net shows that some exist.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { listSockets } from '../../inventory/index.js';
import { parseProcNet, type RawSocket } from '../../inventory/linux/proc-net.js';
import type { Family, Socket } from '../../model.js';
import { exposureOf } from '../../ports/address.js';
import { portClassOf, serviceNameOf } from '../../ports/facts.js';
import { readProcess } from '../../processes/index.js';
import type { NearbyFact } from '../types.js';
import { findNearbyListeners, NEARBY_PORT_DISTANCE } from './nearby.js';

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'latin1');
  } catch {
    return '';
  }
}

async function socketInodes(pid: number): Promise<Set<number>> {
  const out = new Set<number>();
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  await Promise.all(
    fds.map(async (fd) => {
      try {
        const link = await readlink(`/proc/${pid}/fd/${fd}`);
        if (link.startsWith('socket:[')) out.add(Number(link.slice(8, -1)));
      } catch {
        // closed meanwhile
      }
    }),
  );
  return out;
}

function relatedFolder(folder: string, cwd: string): boolean {
  if (cwd === '/' || folder === '/') return false;
  return folder === cwd || folder.startsWith(`${cwd}/`) || cwd.startsWith(`${folder}/`);
}

function toSocket(raw: RawSocket, holders: Socket['holders']): Socket {
  return {
    protocol: 'tcp',
    family: raw.family as Family,
    localAddress: raw.localAddress,
    localPort: raw.localPort,
    remoteAddress: null,
    remotePort: null,
    state: 'LISTEN',
    inode: raw.inode,
    uid: raw.uid,
    user: null,
    holders,
    holdersHidden: false,
    exposure: exposureOf(raw.localAddress),
    portClass: portClassOf(raw.localPort),
    service: serviceNameOf(raw.localPort),
  };
}

/** Listeners the user may have meant instead of `port` (see {@link findNearbyListeners}). */
export async function scanNearbyListeners(port: number, cwd: string): Promise<NearbyFact[]> {
  const [v4, v6, entries] = await Promise.all([readText('/proc/net/tcp'), readText('/proc/net/tcp6'), readdir('/proc').catch(() => [] as string[])]);
  const listening = [...parseProcNet(v4, 'tcp', 4, { listeningOnly: true }), ...parseProcNet(v6, 'tcp', 6, { listeningOnly: true })].filter(
    (s) => s.localPort !== port,
  );
  if (listening.length === 0) return [];
  const byInode = new Map(listening.map((s) => [s.inode, s]));

  // Same project: processes whose folder or command line names this folder. Synchronous on
  // purpose: thousands of tiny /proc reads cost microseconds each inline, but tens of
  // microseconds each as thread-pool round trips.
  const pids = entries.filter((name) => /^\d+$/.test(name)).map(Number).filter((pid) => pid !== process.pid);
  const related = pids.filter((pid) => {
    try {
      if (relatedFolder(readlinkSync(`/proc/${pid}/cwd`), cwd)) return true;
    } catch {
      // another user's process, or gone
    }
    try {
      return cwd !== '/' && readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').includes(cwd);
    } catch {
      return false;
    }
  });
  const sockets: Socket[] = [];
  const seen = new Set<number>();
  await Promise.all(
    related.map(async (pid) => {
      const inodes = await socketInodes(pid);
      const held = [...inodes].map((inode) => byInode.get(inode)).filter((s): s is RawSocket => s !== undefined);
      if (held.length === 0) return;
      const info = readProcess(pid);
      if (info === null) return;
      for (const raw of held) {
        if (seen.has(raw.inode)) continue;
        seen.add(raw.inode);
        sockets.push(toSocket(raw, [info]));
      }
    }),
  );

  // Close by: only when /proc/net shows listeners within reach is their holder looked up.
  const from = Math.max(1, port - NEARBY_PORT_DISTANCE);
  const to = Math.min(65535, port + NEARBY_PORT_DISTANCE);
  if (listening.some((s) => s.localPort >= from && s.localPort <= to && !seen.has(s.inode))) {
    const close = await listSockets({ protocol: 'tcp', ports: { from, to } }).catch(() => [] as Socket[]);
    for (const socket of close) if (socket.inode === null || !seen.has(socket.inode)) sockets.push(socket);
  }
  return findNearbyListeners(sockets, port, cwd);
}

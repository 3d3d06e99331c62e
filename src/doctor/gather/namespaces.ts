/**
 * Network namespaces: which one berth runs in, which one a holder runs in,
 * and listeners on the target port inside other namespaces (containers,
 * `ip netns`, rootless runtimes), read through /proc/<pid>/net/tcp{,6}, which
 * shows the table of that process's namespace (proc(5), /proc/pid/net).
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { parseProcNet } from '../../inventory/linux/proc-net.js';
import type { Family } from '../../model.js';
import type { ForeignListenerFact } from '../types.js';

/** The network namespace id of `pid` (`net:[4026531840]`); null when unreadable. */
export async function readNetns(pid: number | 'self'): Promise<string | null> {
  try {
    return await readlink(`/proc/${pid}/ns/net`);
  } catch {
    return null;
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'latin1');
  } catch {
    return '';
  }
}

function parseStatName(text: string): string {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  return open === -1 || close === -1 ? '' : text.slice(open + 1, close);
}

/** The first of `pids` with an open fd on socket `inode`; null when none can be read. */
async function findHolder(inode: number, pids: readonly number[]): Promise<number | null> {
  if (inode === 0) return null;
  const link = `socket:[${inode}]`;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if ((await readlink(`/proc/${pid}/fd/${fd}`)) === link) return pid;
      } catch {
        // closed meanwhile
      }
    }
  }
  return null;
}

/** Most namespaces a scan looks into; a machine with more containers than this is rare. */
const MAX_NAMESPACES = 64;

/**
 * Listeners on `port` in network namespaces other than `ours`: one process
 * per namespace is enough to read its tables. Empty when /proc cannot be
 * read or nothing listens elsewhere.
 */
export async function findForeignListeners(port: number, ours: string | null): Promise<ForeignListenerFact[]> {
  if (ours === null) return [];
  let entries: string[];
  try {
    entries = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const pids = entries.map(Number).sort((a, b) => a - b);
  const links = await Promise.all(pids.map((pid) => readNetns(pid)));
  const firstPid = new Map<string, number>();
  const members = new Map<string, number[]>();
  links.forEach((link, i) => {
    if (link === null || link === ours) return;
    if (!firstPid.has(link)) firstPid.set(link, pids[i]!);
    const list = members.get(link) ?? [];
    list.push(pids[i]!);
    members.set(link, list);
  });
  const found: ForeignListenerFact[] = [];
  const namespaces = [...firstPid.entries()].slice(0, MAX_NAMESPACES);
  await Promise.all(
    namespaces.map(async ([netns, pid]) => {
      const [v4, v6, stat, cmdline] = await Promise.all([
        readText(`/proc/${pid}/net/tcp`),
        readText(`/proc/${pid}/net/tcp6`),
        readText(`/proc/${pid}/stat`),
        readText(`/proc/${pid}/cmdline`),
      ]);
      const range = { from: port, to: port };
      const sockets = [
        ...parseProcNet(v4, 'tcp', 4, { listeningOnly: true, ports: range }),
        ...parseProcNet(v6, 'tcp', 6, { listeningOnly: true, ports: range }),
      ];
      for (const socket of sockets) {
        // The table came from any process of the namespace; name the one that holds the socket when it can be read.
        const holder = (await findHolder(socket.inode, members.get(netns) ?? [])) ?? pid;
        const [holderStat, holderCmdline] = holder === pid ? [stat, cmdline] : await Promise.all([readText(`/proc/${holder}/stat`), readText(`/proc/${holder}/cmdline`)]);
        const name = parseStatName(holderStat);
        const command = holderCmdline.split('\0').filter(Boolean).join(' ') || `[${name}]`;
        found.push({ netns, address: socket.localAddress, family: socket.family as Family, pid: holder, name, command });
      }
    }),
  );
  return found.sort((a, b) => a.pid - b.pid || a.address.localeCompare(b.address));
}

/**
 * Linux inventory backend: /proc/net tables for the sockets, /proc/<pid>/fd
 * for their holders, /proc/<pid>/* for the processes. No binaries needed.
 */
import { readFile } from 'node:fs/promises';
import { BerthError, errnoCode } from '../../errors.js';
import type { Family, ProcessInfo, Protocol } from '../../model.js';
import { readProcess } from '../../processes/linux.js';
import type { BackendQuery, BackendSocket, InventoryBackend } from '../backend.js';
import { scanSocketHolders } from './fd-scan.js';
import { parseProcNet, type RawSocket } from './proc-net.js';

const TABLES: ReadonlyArray<{ file: string; protocol: Protocol; family: Family }> = [
  { file: 'tcp', protocol: 'tcp', family: 4 },
  { file: 'tcp6', protocol: 'tcp', family: 6 },
  { file: 'udp', protocol: 'udp', family: 4 },
  { file: 'udp6', protocol: 'udp', family: 6 },
];

/**
 * Reads one /proc/net table; a missing tcp6/udp6 (IPv6 disabled) is an empty table.
 * Each read walks every bucket of the kernel's TCP hash (net/ipv4/tcp_ipv4.c
 * established_get_first), a few ms even for an empty table, so the tables are
 * read in parallel on libuv's thread pool.
 */
async function readTable(file: string): Promise<string> {
  try {
    return await readFile(`/proc/net/${file}`, 'latin1');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' && file.endsWith('6')) return '';
    throw new BerthError('E_PLATFORM', `Cannot read /proc/net/${file}.`, {
      hint: 'berth needs /proc mounted; in a container, check that /proc is the container\'s own.',
      cause: error,
    });
  }
}

/** Reads the raw sockets matching a query. */
export async function readRawSockets(query: BackendQuery): Promise<RawSocket[]> {
  const tables = TABLES.filter((table) => query.protocols.includes(table.protocol));
  const texts = await Promise.all(tables.map((table) => readTable(table.file)));
  const sockets: RawSocket[] = [];
  tables.forEach((table, i) => {
    const parsed = parseProcNet(texts[i]!, table.protocol, table.family, {
      listeningOnly: query.listeningOnly,
      ...(query.ports ? { ports: query.ports } : {}),
      matchRemote: query.matchRemote ?? false,
    });
    for (const socket of parsed) sockets.push(socket);
  });
  return sockets;
}

/** The Linux implementation of {@link InventoryBackend}. */
export const linuxBackend: InventoryBackend = {
  async listSockets(query: BackendQuery): Promise<BackendSocket[]> {
    const raw = await readRawSockets(query);
    // Sockets in TIME_WAIT and friends have inode 0: no process holds them any more.
    const wanted = new Set<number>();
    for (const socket of raw) if (socket.inode !== 0) wanted.add(socket.inode);
    const scan = scanSocketHolders(wanted);
    const someHidden = scan.unreadablePids.length > 0;

    const processes = new Map<number, ProcessInfo | null>();
    const processOf = (pid: number): ProcessInfo | null => {
      let info = processes.get(pid);
      if (info === undefined) {
        info = readProcess(pid);
        processes.set(pid, info);
      }
      return info;
    };

    return raw.map((socket) => {
      const pids = socket.inode === 0 ? [] : (scan.holders.get(socket.inode) ?? []);
      const holders: ProcessInfo[] = [];
      for (const pid of pids) {
        const info = processOf(pid);
        if (info) holders.push(info);
      }
      return {
        ...socket,
        holders,
        // A held socket we could not attribute: its owner's fd table was unreadable.
        holdersHidden: socket.inode !== 0 && holders.length === 0 && someHidden,
      };
    });
  },
};

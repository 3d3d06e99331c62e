/**
 * Linux inventory backend: /proc/net tables for the sockets, /proc/<pid>/fd
 * for their holders, /proc/<pid>/* for the processes. No binaries needed.
 */
import type { Family, ProcessInfo, Protocol } from '../../model.js';
import { readProcess } from '../../processes/linux.js';
import type { BackendQuery, BackendSocket, InventoryBackend } from '../backend.js';
import { startSocketHolderScan } from './fd-scan.js';
import { createOwnerFinder } from './owners.js';
import { parseProcNet, type RawSocket } from './proc-net.js';
import { readNetTable } from './read-table.js';

const TABLES: ReadonlyArray<{ file: string; protocol: Protocol; family: Family }> = [
  { file: 'tcp', protocol: 'tcp', family: 4 },
  { file: 'tcp6', protocol: 'tcp', family: 6 },
  { file: 'udp', protocol: 'udp', family: 4 },
  { file: 'udp6', protocol: 'udp', family: 6 },
];

/**
 * Reads the raw sockets matching a query, synchronously (see read-table.ts).
 * @throws BerthError E_PLATFORM when /proc/net cannot be read.
 */
export function readRawSocketsSync(query: BackendQuery): RawSocket[] {
  const sockets: RawSocket[] = [];
  for (const table of TABLES) {
    if (!query.protocols.includes(table.protocol)) continue;
    const text = readNetTable(table.file, table.family, query.listeningOnly && table.protocol === 'tcp');
    const parsed = parseProcNet(text, table.protocol, table.family, {
      listeningOnly: query.listeningOnly,
      ...(query.ports ? { ports: query.ports } : {}),
      matchRemote: query.matchRemote ?? false,
    });
    for (const socket of parsed) sockets.push(socket);
  }
  return sockets;
}

/**
 * Gives a raw socket its holders, in place: the raw sockets are this
 * module's own, and copying them (a spread) was a tenth of `berth ls`'s own
 * time on a machine with thousands of sockets.
 */
function withHolders(socket: RawSocket, holders: ProcessInfo[], holdersHidden: boolean): BackendSocket {
  const held = socket as RawSocket & Partial<Pick<BackendSocket, 'holders' | 'holdersHidden'>>;
  held.holders = holders;
  held.holdersHidden = holdersHidden;
  return held as BackendSocket;
}

/** The Linux implementation of {@link InventoryBackend}. */
export const linuxBackend: InventoryBackend = {
  createOwnerFinder,
  async listSockets(query: BackendQuery): Promise<BackendSocket[]> {
    if (query.withHolders === false) return readRawSocketsSync(query).map((socket) => withHolders(socket, [], false));
    // The fd scan is most of the work; its helper thread starts first and
    // scans while this thread reads /proc/net.
    const pending = startSocketHolderScan();
    let raw: RawSocket[];
    try {
      raw = readRawSocketsSync(query);
    } catch (error) {
      pending.cancel();
      throw error;
    }
    // Sockets in TIME_WAIT and friends have inode 0: no process holds them any more.
    const wanted = new Set<number>();
    for (const socket of raw) if (socket.inode !== 0) wanted.add(socket.inode);
    const scan = await pending.finish(wanted);
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
      // A held socket we could not attribute: its owner's fd table was unreadable.
      return withHolders(socket, holders, socket.inode !== 0 && holders.length === 0 && someHidden);
    });
  },
};

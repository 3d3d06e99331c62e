/**
 * Kernel facts doctor reads from /proc and /sys: TCP drop counters, the
 * loopback interface, sysctls, and the accept queue of a listening socket.
 * Parsers are pure; readers never throw (an unreadable fact is null).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Family } from '../../model.js';
import { ephemeralRange, unprivilegedFloor } from '../../ports/facts.js';
import type { SysctlFacts, TcpCounters } from '../types.js';

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'latin1');
  } catch {
    return null;
  }
}

/**
 * Parses /proc/net/netstat (pairs of header and value lines per group) for
 * TcpExt ListenOverflows and ListenDrops.
 */
export function parseNetstat(text: string): TcpCounters | null {
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i]!.startsWith('TcpExt:') || !lines[i + 1]!.startsWith('TcpExt:')) continue;
    const names = lines[i]!.trim().split(/\s+/);
    const values = lines[i + 1]!.trim().split(/\s+/);
    const get = (name: string): number | null => {
      const at = names.indexOf(name);
      return at === -1 ? null : Number(values[at]);
    };
    const overflows = get('ListenOverflows');
    const drops = get('ListenDrops');
    if (overflows === null || drops === null) return null;
    return { listenOverflows: overflows, listenDrops: drops };
  }
  return null;
}

/** Reads the TcpExt listen counters of this network namespace; null when unreadable. */
export async function readTcpCounters(): Promise<TcpCounters | null> {
  const text = await readText('/proc/net/netstat');
  return text === null ? null : parseNetstat(text);
}

/** IFF_UP, include/uapi/linux/if.h. */
const IFF_UP = 0x1;

/**
 * Reads the loopback interface's flags from /sys/class/net/lo/flags. Its
 * operstate is "unknown" even when it works (lo has no carrier), so IFF_UP is
 * what tells up from down.
 */
export async function readLoopbackState(): Promise<{ up: boolean; flags: string } | null> {
  const text = await readText('/sys/class/net/lo/flags');
  if (text === null) return null;
  const flags = Number.parseInt(text.trim(), 16);
  if (!Number.isFinite(flags)) return null;
  return { up: (flags & IFF_UP) !== 0, flags: text.trim() };
}

/** Reads the sysctls that change what a port means. */
export async function readSysctls(): Promise<SysctlFacts> {
  const [v6, somax] = await Promise.all([readText('/proc/sys/net/ipv6/conf/all/disable_ipv6'), readText('/proc/sys/net/core/somaxconn')]);
  return {
    ephemeralRange: ephemeralRange(),
    unprivilegedFloor: unprivilegedFloor(),
    ipv6Disabled: v6 === null ? null : v6.trim() === '1',
    somaxconn: somax === null || !/^\d+$/.test(somax.trim()) ? null : Number(somax.trim()),
  };
}

/**
 * Current accept-queue lengths of the listeners on `port`, keyed by socket
 * inode, from /proc/net/tcp{,6}. For a LISTEN socket the rx_queue column is
 * sk_ack_backlog, the connections waiting for accept(); the tx_queue column is
 * not the queue's limit there (get_tcp4_sock in net/ipv4/tcp_ipv4.c prints
 * write_seq - snd_una), so the limit comes from {@link readAcceptQueueLimits}.
 */
export function parseListenBacklogs(text: string, port: number): Map<number, number> {
  const out = new Map<number, number>();
  const portHex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // sl local remote st tx:rx tr:when retrnsmt uid timeout inode
    if (fields.length < 10 || !fields[1]!.endsWith(portHex) || fields[3] !== '0A') continue;
    const rx = Number.parseInt(fields[4]!.split(':')[1] ?? '', 16);
    const inode = Number(fields[9]);
    if (Number.isFinite(rx) && Number.isFinite(inode)) out.set(inode, rx);
  }
  return out;
}

/** Reads the accept backlog of every listener on `port` in this namespace, keyed by inode. */
export async function readListenBacklogs(port: number): Promise<Map<number, number>> {
  const [v4, v6] = await Promise.all([readText('/proc/net/tcp'), readText('/proc/net/tcp6')]);
  const out = parseListenBacklogs(v4 ?? '', port);
  for (const [inode, rx] of parseListenBacklogs(v6 ?? '', port)) out.set(inode, rx);
  return out;
}

/**
 * Parses `ss -Hltn` output: for a LISTEN socket, Recv-Q is the accept queue
 * and Send-Q its limit (idiag_wqueue = sk_max_ack_backlog, tcp_diag_get_info
 * in net/ipv4/tcp_diag.c). Returns limits keyed by "address|port".
 */
export function parseSsListen(text: string): Map<string, { current: number; max: number }> {
  const out = new Map<string, { current: number; max: number }>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4 || fields[0] !== 'LISTEN') continue;
    const local = fields[3]!;
    const colon = local.lastIndexOf(':');
    let address = local.slice(0, colon).replace(/^\[|\]$/g, '').replace(/%.*$/, '');
    if (address === '*') address = '::';
    out.set(`${address}|${local.slice(colon + 1)}`, { current: Number(fields[1]), max: Number(fields[2]) });
  }
  return out;
}

/** Reads the accept queue limits of the listeners on `port` with `ss` (iproute2); empty when ss is missing. */
export function readAcceptQueueLimits(port: number, timeoutMs: number): Promise<Map<string, { current: number; max: number }>> {
  return new Promise((resolve) => {
    execFile('ss', ['-Hltn', `sport = :${port}`], { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout) => {
      resolve(error ? new Map() : parseSsListen(stdout));
    });
  });
}

/** The key {@link parseSsListen} uses for a listener. */
export function ssKey(address: string, family: Family, port: number): string {
  // ss prints a v4 wildcard as 0.0.0.0 and the v6 one as [::] or *.
  return `${family === 6 && address === '::' ? '::' : address}|${port}`;
}

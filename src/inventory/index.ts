/**
 * Who holds which socket: `listSockets()` and `whoIs()`. The platform
 * backend is picked once; callers never see which one runs.
 */
import { BerthError } from '../errors.js';
import { isListening, type ProcessInfo, type Protocol, type Socket } from '../model.js';
import { acceptsAddress } from '../ports/address.js';
import { isIP } from '../ports/ip.js';
import { portFacts, type PortFacts } from '../ports/facts.js';
import { parsePortRange, parseTarget, type PortRange, type Target } from '../ports/parse.js';
import { userId } from '../processes/users.js';
import type { BackendSocket, InventoryBackend, OwnerFinder } from './backend.js';
import { compareSockets, deriveSocket } from './derive.js';

let backend: InventoryBackend | undefined;

async function pickBackend(): Promise<InventoryBackend> {
  if (backend) return backend;
  if (process.platform === 'linux') {
    backend = (await import('./linux/index.js')).linuxBackend;
    return backend;
  }
  throw new BerthError('E_PLATFORM', `berth cannot list sockets on ${process.platform} yet.`, {
    hint: 'Linux is supported today; the macOS (lsof -F) and Windows (netstat -ano) backends are planned.',
    data: { platform: process.platform },
  });
}

/** Which sockets `listSockets()` returns. Every field narrows the list. */
export interface SocketFilter {
  /** Only this protocol. */
  protocol?: Protocol;
  /** Only local ports in this range: a number, a range object or text such as "3000-3999". */
  ports?: number | PortRange | string;
  /** Only sockets reachable beyond loopback (bound to every interface or to a non-loopback address). */
  exposed?: boolean;
  /** Only sockets held by this pid. */
  pid?: number;
  /** Only sockets of this user (name or uid), as holder or as socket owner. */
  user?: string;
  /** Only sockets whose holder's name or command line contains this text (case-insensitive). */
  match?: string;
  /**
   * `listening` (default): TCP listeners and bound UDP sockets. `all`: every
   * socket, connections and TIME_WAIT included.
   */
  states?: 'listening' | 'all';
  /** With `ports` and `states: 'all'`: also sockets whose remote port is in range (this machine's clients of it). */
  matchRemote?: boolean;
  /**
   * False: do not look up which processes hold the sockets (`holders` is empty,
   * `holdersHidden` false). Reading /proc/<pid>/fd of every process is most of
   * the cost on a busy machine; callers that only need the ports skip it.
   * The pid, user and name filters need holders and ignore this.
   */
  withHolders?: boolean;
}

function toRange(ports: number | PortRange | string): PortRange {
  if (typeof ports === 'number') return parsePortRange(String(ports));
  if (typeof ports === 'string') return parsePortRange(ports);
  return ports;
}

function holderMatches(holders: readonly ProcessInfo[], needle: string): boolean {
  return holders.some((p) => p.name.toLowerCase().includes(needle) || p.command.toLowerCase().includes(needle));
}

/**
 * Lists sockets with the processes that hold them, sorted by port.
 * Sockets whose holders cannot be read (another user's, without root) are
 * still listed, with `holdersHidden: true`.
 * @throws BerthError E_PORT_INVALID for a bad `ports` filter, E_PLATFORM on an unsupported OS.
 */
export async function listSockets(filter: SocketFilter = {}): Promise<Socket[]> {
  const ports = filter.ports === undefined ? undefined : toRange(filter.ports);
  const listeningOnly = (filter.states ?? 'listening') === 'listening';
  const impl = await pickBackend();
  const raw = await impl.listSockets({
    protocols: filter.protocol ? [filter.protocol] : ['tcp', 'udp'],
    listeningOnly,
    ...(ports ? { ports } : {}),
    matchRemote: !listeningOnly && filter.matchRemote === true,
    withHolders: filter.withHolders !== false || filter.pid !== undefined || filter.user !== undefined || filter.match !== undefined,
  });
  const uid = filter.user === undefined ? undefined : userId(filter.user);
  const needle = filter.match?.toLowerCase();
  const sockets: Socket[] = [];
  for (const entry of raw) {
    const socket = deriveSocket(entry);
    if (filter.exposed && socket.exposure === 'loopback') continue;
    if (filter.pid !== undefined && !socket.holders.some((p) => p.pid === filter.pid)) continue;
    if (filter.user !== undefined) {
      const byUid = uid !== null && (socket.uid === uid || socket.holders.some((p) => p.uid === uid));
      const byName = socket.holders.some((p) => p.user === filter.user);
      if (!byUid && !byName) continue;
    }
    if (needle !== undefined && !holderMatches(socket.holders, needle)) continue;
    sockets.push(socket);
  }
  return sockets.sort(compareSockets);
}

/** What repeated scans (watch/scanner.ts) need from the platform to look up only new sockets' holders. */
export interface IncrementalInventory {
  /** Listening sockets without their holders (cheap: no fd tables read). */
  listeners(): Promise<BackendSocket[]>;
  /** Finds the holders of new sockets; remembers what it saw between calls. */
  finder: OwnerFinder;
}

/**
 * The incremental path of this platform's backend, or null when it has none
 * (every scan is then a full {@link listSockets}).
 * @throws BerthError E_PLATFORM on an unsupported OS.
 */
export async function openIncrementalInventory(): Promise<IncrementalInventory | null> {
  const impl = await pickBackend();
  if (!impl.createOwnerFinder) return null;
  return {
    listeners: () => impl.listSockets({ protocols: ['tcp', 'udp'], listeningOnly: true, withHolders: false }),
    finder: impl.createOwnerFinder(),
  };
}

/** A process that holds the port asked about, with what it holds. */
export interface Holder {
  process: ProcessInfo;
  /** Milliseconds since it started; null when unknown. */
  uptimeMs: number | null;
  /** The listening sockets on the port that it holds. */
  sockets: Socket[];
}

/** The answer to "who holds this port?". */
export interface WhoResult {
  target: Target;
  /** The addresses the target's host stands for; null when only a port was given. */
  addresses: string[] | null;
  facts: PortFacts;
  /** Listening sockets that accept connections for the target. Empty: nobody holds it. */
  listeners: Socket[];
  /** The distinct processes holding those sockets. */
  holders: Holder[];
  /** True when some listener's holders could not be read (run as root to see them). */
  hidden: boolean;
  /** Listeners on the same port that do not accept the asked address (a ::1 listener when 127.0.0.1 was asked). */
  elsewhere: Socket[];
  /** Non-listening sockets on the port (with `connections`): accepted connections and clients. */
  connections: Socket[] | null;
}

/** Options for {@link whoIs}. */
export interface WhoOptions {
  /** Also return the established connections to and from the port. */
  connections?: boolean;
}

/** The addresses a target host stands for: `localhost` is both loopbacks, names are resolved. */
export async function resolveTargetAddresses(host: string): Promise<string[]> {
  if (isIP(host) !== 0) return [host];
  if (host === 'localhost' || host.endsWith('.localhost')) return ['127.0.0.1', '::1'];
  try {
    // Loaded only here: most targets are a port, localhost or an address.
    const { lookup } = await import('node:dns/promises');
    const found = await lookup(host, { all: true, verbatim: true });
    return [...new Set(found.map((entry) => entry.address))];
  } catch (error) {
    throw new BerthError('E_TARGET_INVALID', `Cannot resolve "${host}".`, {
      hint: 'Check the host name, or give an address such as 127.0.0.1.',
      cause: error,
      data: { host },
    });
  }
}

/**
 * Finds every process that holds a port: a parent and its forked children
 * sharing the socket, SO_REUSEPORT groups, IPv4 and IPv6 sockets alike.
 * @param target `3000`, `:3000`, `127.0.0.1:3000`, `[::1]:3000`, `localhost:3000` or a URL.
 * @throws BerthError E_PORT_INVALID / E_TARGET_INVALID for a bad target.
 */
export async function whoIs(target: string | Target, options: WhoOptions = {}): Promise<WhoResult> {
  const parsed = typeof target === 'string' ? parseTarget(target) : target;
  const addresses = parsed.host === null ? null : await resolveTargetAddresses(parsed.host);
  const all = await listSockets({
    ports: { from: parsed.port, to: parsed.port },
    states: options.connections ? 'all' : 'listening',
    matchRemote: options.connections === true,
  });

  const listeners: Socket[] = [];
  const elsewhere: Socket[] = [];
  const connections: Socket[] = [];
  for (const socket of all) {
    if (!isListening(socket)) {
      // Accepted connections (local port is ours) and this machine's clients (remote port is ours).
      connections.push(socket);
    } else if (addresses === null || addresses.some((a) => acceptsAddress(socket.localAddress, socket.family, a))) {
      listeners.push(socket);
    } else {
      elsewhere.push(socket);
    }
  }

  const byPid = new Map<number, Holder>();
  const now = Date.now();
  for (const socket of listeners) {
    for (const proc of socket.holders) {
      let holder = byPid.get(proc.pid);
      if (!holder) {
        holder = { process: proc, uptimeMs: proc.startedAt === null ? null : Math.max(0, now - proc.startedAt), sockets: [] };
        byPid.set(proc.pid, holder);
      }
      holder.sockets.push(socket);
    }
  }
  return {
    target: parsed,
    addresses,
    facts: portFacts(parsed.port),
    listeners,
    holders: [...byPid.values()].sort((a, b) => a.process.pid - b.process.pid),
    hidden: listeners.some((s) => s.holdersHidden),
    elsewhere,
    connections: options.connections ? connections : null,
  };
}

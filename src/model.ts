/**
 * The shapes every platform backend produces and every command consumes.
 * One model for Linux, macOS and Windows; derived facts (exposure, port
 * class, service name) are computed once, in `inventory/derive.ts`.
 */

/** Transport protocol of a socket. */
export type Protocol = 'tcp' | 'udp';

/** Address family: 4 for IPv4, 6 for IPv6. */
export type Family = 4 | 6;

/**
 * Socket state, using the kernel's TCP state names. A bound, unconnected UDP
 * socket is `UNCONN` (as `ss` shows it); a connected UDP socket is `ESTABLISHED`.
 */
export type SocketState =
  | 'ESTABLISHED'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'FIN_WAIT1'
  | 'FIN_WAIT2'
  | 'TIME_WAIT'
  | 'CLOSE'
  | 'CLOSE_WAIT'
  | 'LAST_ACK'
  | 'LISTEN'
  | 'CLOSING'
  | 'NEW_SYN_RECV'
  | 'UNCONN'
  | 'UNKNOWN';

/**
 * Who can reach a socket:
 * - `loopback`: only this machine (127.0.0.0/8, ::1, ::ffff:127.x);
 * - `all`: every interface (0.0.0.0, ::) — reachable from the network;
 * - `specific`: one non-loopback address (a LAN address, a container bridge).
 */
export type Exposure = 'loopback' | 'all' | 'specific';

/** IANA range of a port number. */
export type PortClass = 'well-known' | 'registered' | 'dynamic';

/** A process as far as berth could read it. Unreadable fields are null. */
export interface ProcessInfo {
  pid: number;
  /** Parent pid; null when unreadable. */
  ppid: number | null;
  /** Short name (the kernel's `comm`, at most 15 characters on Linux). */
  name: string;
  /** Full argument vector; empty for kernel threads or when unreadable. */
  argv: string[];
  /** The command line as one string, arguments joined by spaces. */
  command: string;
  /** Numeric user id; null when unreadable. */
  uid: number | null;
  /** User name, or the uid as text when no name is known. */
  user: string | null;
  /** Working folder; null when unreadable (another user's process without root). */
  cwd: string | null;
  /** Start time in milliseconds since the epoch; null when unreadable. */
  startedAt: number | null;
  /**
   * Opaque platform start marker (clock ticks since boot on Linux). Used to
   * make sure a pid still names the same process before it is signalled.
   */
  startMarker: string | null;
  /** Process state letter (R, S, T, Z …) where the platform has one. */
  state: string | null;
}

/** One socket, as the kernel reports it, with the processes that hold it. */
export interface Socket {
  protocol: Protocol;
  family: Family;
  localAddress: string;
  localPort: number;
  /** Remote end; null for listeners and unconnected UDP sockets. */
  remoteAddress: string | null;
  remotePort: number | null;
  state: SocketState;
  /** Kernel socket inode (Linux) or handle; null when the platform has none. */
  inode: number | null;
  /** Uid that created the socket, as the kernel reports it; null when unknown. */
  uid: number | null;
  /** User name for `uid`, when known. */
  user: string | null;
  /**
   * Processes holding the socket open. Several when a parent and its forked
   * children share it, or for an SO_REUSEPORT group's members (each its own socket).
   */
  holders: ProcessInfo[];
  /**
   * True when the socket's holders could not be read (another user's process
   * and berth not running as root): `holders` is then empty or incomplete.
   */
  holdersHidden: boolean;
  /** Derived: who can reach this socket. */
  exposure: Exposure;
  /** Derived: IANA class of the local port. */
  portClass: PortClass;
  /** Derived: best-known service name for the local port, if any. */
  service: string | null;
}

/** True for the sockets `berth ls` lists: TCP listeners and bound UDP sockets. */
export function isListening(socket: Pick<Socket, 'protocol' | 'state'>): boolean {
  return socket.protocol === 'tcp' ? socket.state === 'LISTEN' : socket.state === 'UNCONN';
}

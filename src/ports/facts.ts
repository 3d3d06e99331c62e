/**
 * What a port number means: its IANA class, whether it sits in this
 * machine's ephemeral range or below the unprivileged floor, whether browsers
 * refuse it, and the service usually found on it.
 */
import { readFileSync } from 'node:fs';
import type { PortClass } from '../model.js';
import type { PortRange } from './parse.js';
import { SERVICE_NAMES } from './services.js';

/** IANA class of a port: 0–1023 well-known, 1024–49151 registered, 49152–65535 dynamic. */
export function portClassOf(port: number): PortClass {
  if (port < 1024) return 'well-known';
  if (port < 49152) return 'registered';
  return 'dynamic';
}

/**
 * Ports that Chromium and Firefox refuse to open over HTTP
 * (ERR_UNSAFE_PORT), from Chromium's net/base/port_util.cc kRestrictedPorts.
 */
export const BROWSER_UNSAFE_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** True when browsers refuse to load `http://host:port/` (curl works, Chrome shows ERR_UNSAFE_PORT). */
export function isBrowserUnsafe(port: number): boolean {
  return BROWSER_UNSAFE_PORTS.has(port);
}

/** Best-known service name for a port (`postgresql`, `redis`, `vite` …), or null. */
export function serviceNameOf(port: number): string | null {
  return SERVICE_NAMES.get(port) ?? null;
}

/** Linux default when /proc/sys cannot be read (include/net/tcp.h, inet_init_net). */
const LINUX_DEFAULT_EPHEMERAL: PortRange = { from: 32768, to: 60999 };
/** Linux default of net.ipv4.ip_unprivileged_port_start. */
const LINUX_DEFAULT_UNPRIVILEGED_FLOOR = 1024;

let cachedEphemeral: PortRange | undefined;
let cachedFloor: number | undefined;

/**
 * The range the OS picks client-side (ephemeral) ports from. On Linux,
 * net.ipv4.ip_local_port_range (which IPv6 shares); elsewhere the IANA
 * dynamic range, which macOS and Windows use by default.
 */
export function ephemeralRange(): PortRange {
  if (cachedEphemeral) return cachedEphemeral;
  if (process.platform === 'linux') {
    try {
      const [from, to] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
      if (Number.isInteger(from) && Number.isInteger(to)) return (cachedEphemeral = { from: from!, to: to! });
    } catch {
      // Fall through to the kernel default.
    }
    return (cachedEphemeral = LINUX_DEFAULT_EPHEMERAL);
  }
  return (cachedEphemeral = { from: 49152, to: 65535 });
}

/**
 * The lowest port an unprivileged process may bind. Linux:
 * net.ipv4.ip_unprivileged_port_start (0 in many containers); macOS (since
 * Mojave) and Windows: 0, no privileged ports.
 */
export function unprivilegedFloor(): number {
  if (cachedFloor !== undefined) return cachedFloor;
  if (process.platform === 'linux') {
    try {
      const value = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
      if (Number.isInteger(value)) return (cachedFloor = value);
    } catch {
      // Fall through to the kernel default.
    }
    return (cachedFloor = LINUX_DEFAULT_UNPRIVILEGED_FLOOR);
  }
  return (cachedFloor = process.platform === 'darwin' || process.platform === 'win32' ? 0 : 1024);
}

/** True when `port` is inside this machine's ephemeral range. */
export function isEphemeral(port: number): boolean {
  const range = ephemeralRange();
  return port >= range.from && port <= range.to;
}

/** True when binding `port` needs privileges on this machine. */
export function isPrivileged(port: number): boolean {
  return port < unprivilegedFloor();
}

/** Everything berth can say about a port number without looking at who holds it. */
export interface PortFacts {
  port: number;
  /** IANA class. */
  class: PortClass;
  /** Service usually found on this port, if any. */
  service: string | null;
  /** Inside the OS ephemeral range: the OS may hand it to any outgoing connection. */
  ephemeral: boolean;
  /** Below the unprivileged floor: binding needs root or CAP_NET_BIND_SERVICE. */
  privileged: boolean;
  /** On the browsers' unsafe list: curl works, Chrome and Firefox refuse. */
  browserUnsafe: boolean;
}

/** Collects {@link PortFacts} for a port on this machine. */
export function portFacts(port: number): PortFacts {
  return {
    port,
    class: portClassOf(port),
    service: serviceNameOf(port),
    ephemeral: isEphemeral(port),
    privileged: isPrivileged(port),
    browserUnsafe: isBrowserUnsafe(port),
  };
}

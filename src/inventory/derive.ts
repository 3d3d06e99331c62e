/**
 * Derived facts, computed in one place for every backend: exposure, port
 * class, service name, the socket owner's user name.
 */
import type { Socket } from '../model.js';
import { exposureOf } from '../ports/address.js';
import { portClassOf, serviceNameOf } from '../ports/facts.js';
import { userName } from '../processes/users.js';
import type { BackendSocket } from './backend.js';

/** Adds exposure, port class, service and user name to a backend socket. */
export function deriveSocket(socket: BackendSocket): Socket {
  return {
    protocol: socket.protocol,
    family: socket.family,
    localAddress: socket.localAddress,
    localPort: socket.localPort,
    remoteAddress: socket.remoteAddress,
    remotePort: socket.remotePort,
    state: socket.state,
    inode: socket.inode,
    uid: socket.uid,
    user: socket.uid === null ? null : userName(socket.uid),
    holders: socket.holders,
    holdersHidden: socket.holdersHidden,
    exposure: exposureOf(socket.localAddress),
    portClass: portClassOf(socket.localPort),
    service: serviceNameOf(socket.localPort),
  };
}

const FAMILY_ORDER = { 4: 0, 6: 1 } as const;

/** Orders sockets by port, then protocol (tcp first), family, address. */
export function compareSockets(a: Socket, b: Socket): number {
  return (
    a.localPort - b.localPort ||
    (a.protocol === b.protocol ? 0 : a.protocol === 'tcp' ? -1 : 1) ||
    FAMILY_ORDER[a.family] - FAMILY_ORDER[b.family] ||
    a.localAddress.localeCompare(b.localAddress) ||
    (a.remotePort ?? 0) - (b.remotePort ?? 0)
  );
}

/**
 * In-process servers for tests: listen and close as promises.
 */
import type { AddressInfo, Server } from 'node:net';

/** Listens on `host:port` (default port 0) and resolves with the port. */
export function listen(server: Server, host: string, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => resolve((server.address() as AddressInfo).port));
  });
}

/** Closes `server`; resolves once it is closed. */
export function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

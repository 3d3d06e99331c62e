/**
 * Ports for berth wait's tests, which need a port number before anything
 * listens on it ("a server that starts after 300 ms"): the number comes from a
 * listener on port 0 that is closed again at once. Between that close and the
 * test's own listen another process could take the number; the window is a
 * few milliseconds, and a port-0 listener is the only way to learn a number
 * that is free on this machine without guessing one.
 */
import { createServer, type Server } from 'node:net';

function listen(port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * A port that nothing holds on 127.0.0.1 nor (when `ipv6`) on ::1 right now.
 * Both families are checked because other processes on this machine may hold
 * the same number on the other family.
 */
export async function freePort(ipv6: boolean): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const v4 = await listen(0, '127.0.0.1');
    const port = (v4.address() as { port: number }).port;
    if (!ipv6) {
      await close(v4);
      return port;
    }
    try {
      const v6 = await listen(port, '::1');
      await close(v6);
      await close(v4);
      return port;
    } catch {
      await close(v4);
    }
  }
  throw new Error('no port free on both 127.0.0.1 and ::1 after 50 tries');
}

/**
 * An even port inside the ephemeral range that nothing holds on 127.0.0.1.
 * Linux picks odd ports for bind(port 0) and even ones for connect()'s source
 * port (net/ipv4/inet_hashtables.c, __inet_hash_connect, since 4.6), so only
 * an even port can be the source port of a connect — which a self-connect needs.
 */
export async function evenEphemeralPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const odd = await listen(0, '127.0.0.1');
    const port = (odd.address() as { port: number }).port;
    await close(odd);
    const even = port % 2 === 0 ? port : port - 1;
    try {
      await close(await listen(even, '127.0.0.1'));
      return even;
    } catch {
      // taken; try another
    }
  }
  throw new Error('no free even ephemeral port after 50 tries');
}

/**
 * Helpers for the proxy tests: a temporary state folder per test, a proxy on
 * a free port, small in-process apps, and requests sent to 127.0.0.1 with a
 * `NAME.localhost` Host header (Node's resolver does not map *.localhost).
 * Everything started here is closed when the test file ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Agent, type IncomingHttpHeaders, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { closeStates } from '../../src/state/db.js';
import { createProxyServer, type ProxyServer } from '../../src/proxy/server.js';

const cleanups: Array<() => Promise<void> | void> = [];

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  closeStates();
});

/** A fresh state folder, removed when the file's tests end. */
export function tempHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'berth-proxy-'));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  return home;
}

/** A proxy for `home` on a free port of 127.0.0.1 (and ::1 when available). */
export async function startTestProxy(home: string): Promise<ProxyServer> {
  const proxy = createProxyServer({ home, port: 0 });
  await proxy.listen();
  cleanups.push(() => proxy.close());
  return proxy;
}

/** An app: an HTTP server on port 0 of `host`, tracking its connections. */
export interface TestApp {
  server: Server;
  port: number;
  /** Connections the app accepted so far. */
  connections: number;
  close(): Promise<void>;
}

/** Starts `handler` as an app on `host` (default 127.0.0.1), port 0. */
export async function startApp(handler: RequestListener, host = '127.0.0.1'): Promise<TestApp> {
  const server = createServer(handler);
  const sockets = new Set<Socket>();
  const app: TestApp = {
    server,
    port: 0,
    connections: 0,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('connection', (socket: Socket) => {
    app.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  app.port = (server.address() as AddressInfo).port;
  cleanups.push(() => (server.listening ? app.close() : undefined));
  return app;
}

/** A response read to the end. */
export interface TestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What {@link send} sends. */
export interface SendOptions {
  host: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  agent?: Agent | false;
  /** Connect here instead of 127.0.0.1. */
  address?: string;
}

/** Sends one request to the proxy on `port` with the given Host header; reads the whole answer. */
export function send(port: number, options: SendOptions): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: options.address ?? '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: { host: options.host, ...options.headers },
        agent: options.agent ?? false,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Asks the kernel for a free port of 127.0.0.1 (closed again; for servers that need a number up front). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Registers a cleanup to run when the file's tests end. */
export function onCleanup(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

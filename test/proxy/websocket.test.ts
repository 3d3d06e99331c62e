import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { registerRoute } from '../../src/proxy/routes.js';
import { hasIPv6 } from '../helpers/children.js';
import { onCleanup, send, startApp, startTestProxy, tempHome } from './helpers.js';
import { attachEchoServer, openWebSocket } from './ws.js';

/** Bounds a wait so a broken upgrade fails the test instead of hanging it. */
function within<T>(promise: Promise<T>, what: string, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    }),
  ]);
}

describe('proxy: WebSocket upgrades', () => {
  it('pipes a WebSocket both ways, with the Host header kept', async () => {
    const home = tempHome();
    const proxy = await startTestProxy(home);
    const app = await startApp((_req, res) => res.end('http'));
    attachEchoServer(app.server);
    registerRoute({ home, name: 'ws', port: app.port });
    const client = await openWebSocket(proxy.port, `ws.localhost:${proxy.port}`);
    assert.equal(client.status, 101);
    assert.equal(client.headers['x-seen-host'], `ws.localhost:${proxy.port}`);
    client.send('hello');
    assert.equal(await within(client.next(), 'echo'), 'echo:hello');
    client.send('x'.repeat(5000));
    assert.equal(await within(client.next(), 'long echo'), `echo:${'x'.repeat(5000)}`);
    client.close();
    // Plain HTTP on the same route still works after the upgraded socket went away.
    assert.equal((await send(proxy.port, { host: 'ws.localhost' })).body, 'http');
  });

  it('passes a refused upgrade back, answers unknown names with 404 and dead apps with 502', async () => {
    const home = tempHome();
    const proxy = await startTestProxy(home);
    const plain = await startApp((_req, res) => res.end('no websockets here'));
    plain.server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n'));
    registerRoute({ home, name: 'plain', port: plain.port });
    await assert.rejects(openWebSocket(proxy.port, 'plain.localhost'), (error: { status?: number }) => error.status === 403);
    await assert.rejects(openWebSocket(proxy.port, 'nobody.localhost'), (error: { status?: number }) => error.status === 404);
    const gone = await startApp(() => {});
    await gone.close();
    registerRoute({ home, name: 'gone', port: gone.port });
    await assert.rejects(openWebSocket(proxy.port, 'gone.localhost'), (error: { status?: number }) => error.status === 502);
    assert.equal((await send(proxy.port, { host: 'plain.localhost' })).body, 'no websockets here');
  });

  it('reaches a WebSocket app on ::1 through the IPv6 side of the proxy', async (t) => {
    if (!(await hasIPv6())) return t.skip('no IPv6 loopback');
    const home = tempHome();
    const proxy = await startTestProxy(home);
    const app = await startApp(() => {}, '::1');
    attachEchoServer(app.server);
    registerRoute({ home, name: 'six', port: app.port, host: '::1' });
    const client = await openWebSocket(proxy.port, 'six.localhost', '/', {}, '::1');
    client.send('v6');
    assert.equal(await within(client.next(), 'echo'), 'echo:v6');
    client.close();
  });

  it('a client dropping an open WebSocket ends the app side too', async () => {
    const home = tempHome();
    const proxy = await startTestProxy(home);
    const app = await startApp(() => {});
    let appSocketEnded: Promise<unknown> | undefined;
    app.server.on('upgrade', (_req, socket) => {
      // The proxy closes its side (FIN); an HTTP server's sockets are half-open capable, so the app sees 'end'.
      appSocketEnded = new Promise((resolve) => {
        socket.once('end', resolve);
        socket.once('close', resolve);
      });
    });
    attachEchoServer(app.server);
    registerRoute({ home, name: 'ws', port: app.port });
    const client = await openWebSocket(proxy.port, 'ws.localhost');
    client.send('ping');
    await within(client.next(), 'echo');
    client.socket.resetAndDestroy();
    await within(appSocketEnded!, 'the app side to end');
  });
});

describe('proxy: Vite dev server', () => {
  it('serves a real Vite dev server and its HMR WebSocket through the proxy', async () => {
    const home = tempHome();
    const proxy = await startTestProxy(home);
    const root = join(home, 'app');
    mkdirSync(root);
    writeFileSync(join(root, 'index.html'), '<!doctype html><html><body><h1>berth vite test</h1><script type="module" src="/main.js"></script></body></html>\n');
    writeFileSync(join(root, 'main.js'), 'export const answer = 42;\nif (import.meta.hot) import.meta.hot.accept();\n');
    const specifier = 'vite';
    const vite = (await import(specifier)) as {
      createServer(config: Record<string, unknown>): Promise<{ listen(): Promise<unknown>; close(): Promise<void>; httpServer: { address(): AddressInfo } | null }>;
    };
    const server = await vite.createServer({
      root,
      configFile: false,
      logLevel: 'silent',
      clearScreen: false,
      server: { host: '127.0.0.1', port: 0, strictPort: true },
    });
    onCleanup(() => server.close());
    await server.listen();
    const port = server.httpServer!.address().port;
    registerRoute({ home, name: 'web', port, command: 'vite' });
    const host = `web.localhost:${proxy.port}`;

    const page = await send(proxy.port, { host });
    assert.equal(page.status, 200, page.body);
    assert.match(page.body, /berth vite test/);
    assert.match(page.body, /\/@vite\/client/);

    const client = await send(proxy.port, { host, path: '/@vite/client' });
    assert.equal(client.status, 200);
    const token = /const wsToken = "([^"]+)"/.exec(client.body)?.[1];
    assert.ok(token, 'the HMR client carries its token');

    const hmr = await within(
      openWebSocket(proxy.port, host, `/?token=${encodeURIComponent(token)}`, { 'Sec-WebSocket-Protocol': 'vite-hmr', Origin: `http://${host}` }),
      'the HMR handshake',
    );
    assert.equal(hmr.headers['sec-websocket-protocol'], 'vite-hmr');
    const first = JSON.parse(await within(hmr.next(), 'the HMR connected message')) as { type: string };
    assert.equal(first.type, 'connected');
    hmr.close();
  });
});

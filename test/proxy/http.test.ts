import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { Agent, request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { addAlias, registerRoute, removeAlias } from '../../src/proxy/routes.js';
import { hasIPv6 } from '../helpers/children.js';
import { send, startApp, startTestProxy, tempHome } from './helpers.js';

describe('proxy: routing', () => {
  it('routes two apps by Host header, any case, with or without the port, and picks up route changes live', async () => {
    const home = tempHome();
    const proxy = await startTestProxy(home);
    const web = await startApp((req, res) => res.end(`web ${req.url}`));
    const api = await startApp((req, res) => res.end(`api ${req.method} ${req.url}`));
    registerRoute({ home, name: 'web', port: web.port });
    addAlias({ home, name: 'api', port: api.port });

    assert.equal((await send(proxy.port, { host: `web.localhost:${proxy.port}`, path: '/a?b=1' })).body, 'web /a?b=1');
    assert.equal((await send(proxy.port, { host: 'API.Localhost', method: 'DELETE', path: '/x' })).body, 'api DELETE /x');

    // Added after the proxy started: served on the next request.
    const late = await startApp((_req, res) => res.end('late'));
    addAlias({ home, name: 'late.web', port: late.port });
    assert.equal((await send(proxy.port, { host: 'late.web.localhost' })).body, 'late');
    // A removed route stops being served within the cache's recheck interval (100 ms); wait for it, bounded.
    removeAlias('late.web', { home });
    let status = 0;
    for (let i = 0; i < 250 && status !== 404; i++) {
      status = (await send(proxy.port, { host: 'late.web.localhost' })).status;
      if (status !== 404) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(status, 404);
    // A route whose app moved is followed at once: the refused old port makes the proxy re-read the route.
    const moved = await startApp((_req, res) => res.end('moved'));
    assert.equal((await send(proxy.port, { host: 'web.localhost' })).body, 'web /');
    await web.close();
    registerRoute({ home, name: 'web', port: moved.port, force: true });
    assert.equal((await send(proxy.port, { host: 'web.localhost' })).body, 'moved');
  });

  it('answers an unknown name with 404 and the live routes, HTML-escaped', async () => {
    const home = tempHome();
    const proxy = await startTestProxy(home);
    registerRoute({ home, name: 'web', port: 5173, command: '<script>alert(1)</script> & vite' });
    addAlias({ home, name: 'db-ui', port: 8081 });
    const res = await send(proxy.port, { host: 'nope.localhost' });
    assert.equal(res.status, 404);
    assert.match(res.headers['content-type'] ?? '', /text\/html/);
    assert.ok(res.body.includes(`http://web.localhost:${proxy.port}/`));
    assert.ok(res.body.includes(`http://db-ui.localhost:${proxy.port}/`));
    assert.ok(res.body.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; vite'));
    assert.ok(!res.body.includes('<script>alert'));
    assert.ok(res.body.includes('nope.localhost'));
  });

  it('answers an app that is down with 502, the reason and the last lines of its output, escaped', async () => {
    const home = tempHome();
    const proxy = await startTestProxy(home);
    const app = await startApp((_req, res) => res.end('up'));
    const port = app.port;
    await app.close();
    const logPath = join(home, 'web.log');
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    lines.push('\u001b[31mError: <b>EADDRINUSE</b>\u001b[39m');
    writeFileSync(logPath, `${lines.join('\n')}\n`);
    registerRoute({ home, name: 'web', port, command: 'npm run dev', logPath });
    const res = await send(proxy.port, { host: 'web.localhost' });
    assert.equal(res.status, 502);
    assert.ok(res.body.includes(`Nothing listens on 127.0.0.1:${port}.`), res.body);
    assert.ok(res.body.includes('Error: &lt;b&gt;EADDRINUSE&lt;/b&gt;'));
    assert.ok(res.body.includes('line 30'));
    assert.ok(!res.body.includes('line 5\n'), 'only the last lines');
    assert.ok(!res.body.includes('\u001b['), 'colour codes removed');
  });

  it('says when the app process exited', async () => {
    const home = tempHome();
    const proxy = await startTestProxy(home);
    const app = await startApp((_req, res) => res.end('up'));
    await app.close();
    registerRoute({ home, name: 'web', port: app.port, app: { pid: 2 ** 22 + 17, startMarker: '1' } });
    const res = await send(proxy.port, { host: 'web.localhost' });
    assert.equal(res.status, 502);
    assert.ok(res.body.includes(`The app&#39;s process (pid ${2 ** 22 + 17}) exited.`), res.body);
  });

  it('reaches an app on ::1 when the route says 127.0.0.1', async (t) => {
    if (!(await hasIPv6())) return t.skip('no IPv6 loopback');
    const home = tempHome();
    const proxy = await startTestProxy(home);
    const app = await startApp((req, res) => res.end(`six ${req.socket.localAddress}`), '::1');
    registerRoute({ home, name: 'six', port: app.port, host: '127.0.0.1' });
    const res = await send(proxy.port, { host: 'six.localhost', address: '::1' });
    assert.equal(res.body, 'six ::1');
    assert.equal((await send(proxy.port, { host: 'six.localhost' })).body, 'six ::1');
  });

  it('keeps connections to the app alive and reuses them', async () => {
    const home = tempHome();
    const proxy = await startTestProxy(home);
    const app = await startApp((_req, res) => res.end('ok'));
    registerRoute({ home, name: 'web', port: app.port });
    const client = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 10; i++) assert.equal((await send(proxy.port, { host: 'web.localhost', agent: client })).body, 'ok');
    } finally {
      client.destroy();
    }
    assert.equal(app.connections, 1);
  });
});

describe('proxy: bodies and headers', () => {
  it('streams a large request body and response both ways without buffering them', async () => {
    const home = tempHome();
    const proxy = await startTestProxy(home);
    // Echo: every chunk received is written straight back.
    const app = await startApp((req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
    });
    registerRoute({ home, name: 'echo', port: app.port });
    const req = request({ host: '127.0.0.1', port: proxy.port, method: 'POST', path: '/', headers: { host: 'echo.localhost', 'transfer-encoding': 'chunked' }, agent: false });
    const responded = once(req, 'response') as Promise<[IncomingMessage]>;
    const chunk = Buffer.alloc(64 * 1024, 7);
    req.write(chunk);
    // The first chunk comes back while the request is still open: nothing waits for the whole body.
    const [res] = await responded;
    const sent = createHash('sha256');
    const received = createHash('sha256');
    sent.update(chunk);
    let total = 0;
    const ended = new Promise<void>((resolve, reject) => {
      res.on('data', (data: Buffer) => {
        received.update(data);
        total += data.length;
      });
      res.on('end', resolve);
      res.on('error', reject);
    });
    const firstBack = new Promise<void>((resolve) => res.once('data', () => resolve()));
    await firstBack;
    for (let i = 0; i < 320; i++) {
      const next = Buffer.alloc(64 * 1024, i % 251);
      sent.update(next);
      if (!req.write(next)) await once(req, 'drain');
    }
    req.end();
    await ended;
    assert.equal(total, 321 * 64 * 1024);
    assert.equal(received.digest('hex'), sent.digest('hex'));
  });

  it('removes hop-by-hop headers both ways and sets X-Forwarded-* and Via', async () => {
    const home = tempHome();
    const proxy = await startTestProxy(home);
    let seen: Record<string, string | string[] | undefined> = {};
    const app = await startApp((req, res) => {
      seen = req.headers;
      res.setHeader('connection', 'keep-alive, x-drop-me');
      res.setHeader('x-drop-me', 'secret');
      res.setHeader('proxy-authenticate', 'Basic');
      res.setHeader('x-kept', 'yes');
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.end('ok');
    });
    registerRoute({ home, name: 'web', port: app.port });
    const res = await send(proxy.port, {
      host: `web.localhost:${proxy.port}`,
      headers: {
        connection: 'keep-alive, x-private',
        'x-private': 'no',
        'keep-alive': 'timeout=5',
        'proxy-authorization': 'Basic eDp5',
        'proxy-connection': 'keep-alive',
        te: 'trailers',
        'x-forwarded-for': '10.0.0.9',
        'x-custom': 'kept',
      },
    });
    assert.equal(res.body, 'ok');
    for (const name of ['x-private', 'keep-alive', 'proxy-authorization', 'proxy-connection', 'te', 'upgrade', 'trailer']) {
      assert.equal(seen[name], undefined, `${name} must not reach the app`);
    }
    assert.equal(seen['x-custom'], 'kept');
    assert.equal(seen.host, `web.localhost:${proxy.port}`);
    assert.equal(seen['x-forwarded-for'], '10.0.0.9, 127.0.0.1');
    assert.equal(seen['x-forwarded-proto'], 'http');
    assert.equal(seen['x-forwarded-host'], `web.localhost:${proxy.port}`);
    assert.equal(seen['x-forwarded-port'], String(proxy.port));
    assert.equal(seen.via, '1.1 berth');
    assert.equal(res.headers['x-drop-me'], undefined);
    assert.equal(res.headers['proxy-authenticate'], undefined);
    assert.equal(res.headers['x-kept'], 'yes');
    assert.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2']);
  });

  it('detects a loop: a route that points back at the proxy, and a request already through the route', async () => {
    const home = tempHome();
    const proxy = await startTestProxy(home);
    addAlias({ home, name: 'loop', port: proxy.port });
    const looped = await send(proxy.port, { host: 'loop.localhost' });
    assert.equal(looped.status, 508);
    assert.match(looped.body, /Loop detected/);

    const app = await startApp((_req, res) => res.end('ok'));
    registerRoute({ home, name: 'web', port: app.port });
    assert.equal((await send(proxy.port, { host: 'web.localhost', headers: { 'x-berth-route': 'web' } })).status, 508);
    // Another route earlier in the chain (app A proxying to app B) is fine.
    assert.equal((await send(proxy.port, { host: 'web.localhost', headers: { 'x-berth-route': 'other' } })).status, 200);
  });
});

describe('proxy: failures never take it down', () => {
  it('survives a client that aborts mid-response, and tears down the app side', async () => {
    const home = tempHome();
    const proxy = await startTestProxy(home);
    let appSideClosed: Promise<unknown> = Promise.resolve();
    const app = await startApp((req, res) => {
      if (req.url === '/ok') return void res.end('still here');
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('x'.repeat(1024)), 5);
      appSideClosed = once(res, 'close').then(() => clearInterval(timer));
    });
    registerRoute({ home, name: 'web', port: app.port });
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: proxy.port, path: '/stream', headers: { host: 'web.localhost' }, agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
      req.end();
    });
    await appSideClosed;
    assert.equal((await send(proxy.port, { host: 'web.localhost', path: '/ok' })).body, 'still here');
  });

  it('survives an app that resets the connection, before and during the response', async () => {
    const home = tempHome();
    const proxy = await startTestProxy(home);
    const app = await startApp((req, res) => {
      if (req.url === '/before') return void req.socket.resetAndDestroy();
      if (req.url === '/during') {
        res.writeHead(200, { 'content-length': '100000' });
        res.write('partial');
        setTimeout(() => req.socket.resetAndDestroy(), 20);
        return;
      }
      res.end('fine');
    });
    registerRoute({ home, name: 'web', port: app.port });
    const before = await send(proxy.port, { host: 'web.localhost', path: '/before' });
    assert.equal(before.status, 502);
    assert.match(before.body, /closed the connection|did not answer/);
    await assert.rejects(send(proxy.port, { host: 'web.localhost', path: '/during' }));
    assert.equal((await send(proxy.port, { host: 'web.localhost', path: '/' })).body, 'fine');
  });

  it('carries Content-Length bodies of every size whole, over one kept-alive connection', async () => {
    const home = tempHome();
    const proxy = await startTestProxy(home);
    // Sizes around the fast path's 4 KiB limit (a smaller first part goes out in the head's write) and beyond.
    const sizes = [1, 4095, 4096, 4097, 16 * 1024, 256 * 1024 - 1, 256 * 1024 + 1, 1024 * 1024];
    const bodies = new Map(sizes.map((n) => [n, Buffer.from(Array.from({ length: n }, (_, i) => 'abcdefghijklmnopqrstuvwxyz'.charCodeAt((i * 7) % 26)))]));
    const app = await startApp((req, res) => {
      const body = bodies.get(Number(req.url!.slice(1)))!;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
      res.end(body);
    });
    registerRoute({ home, name: 'sizes', port: app.port });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const n of sizes) {
        const res = await send(proxy.port, { host: 'sizes.localhost', path: `/${n}`, agent });
        assert.equal(res.status, 200, String(n));
        assert.equal(res.body.length, n, String(n));
        assert.equal(res.body, bodies.get(n)!.toString('latin1'), String(n));
      }
    } finally {
      agent.destroy();
    }
  });

  it('serves others while a slow client does not read a large response', async () => {
    const home = tempHome();
    const proxy = await startTestProxy(home);
    const big = Buffer.alloc(8 * 1024 * 1024, 1);
    const app = await startApp((req, res) => res.end(req.url === '/big' ? big : 'small'));
    registerRoute({ home, name: 'web', port: app.port });
    const req = request({ host: '127.0.0.1', port: proxy.port, path: '/big', headers: { host: 'web.localhost' }, agent: false });
    const [res] = (await once(req.end(), 'response')) as [IncomingMessage];
    res.pause();
    assert.equal((await send(proxy.port, { host: 'web.localhost', path: '/small' })).body, 'small');
    req.destroy();
    assert.equal((await send(proxy.port, { host: 'web.localhost', path: '/small' })).body, 'small');
  });

  it('answers garbage with 400 and keeps serving', async () => {
    const home = tempHome();
    const proxy = await startTestProxy(home);
    const { connect } = await import('node:net');
    const socket = connect(proxy.port, '127.0.0.1');
    socket.end('NOT HTTP AT ALL\r\n\r\n');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    await once(socket, 'close');
    assert.match(answer, /^HTTP\/1\.1 400/);
    assert.equal((await send(proxy.port, { host: 'localhost' })).status, 200);
  });
});

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { FastPath } from '../../src/proxy/fast-path.js';
import { RouteCache } from '../../src/proxy/route-cache.js';
import { registerRoute } from '../../src/proxy/routes.js';
import { UpstreamPool } from '../../src/proxy/upstream-pool.js';
import { onCleanup, send, startApp, startTestProxy, tempHome } from './helpers.js';
import { acceptKey, attachEchoServer, decodeFrames, encodeFrame } from './ws.js';

/** Writes `data` to the proxy in one go and reads everything until the proxy closes the connection. */
async function exchange(port: number, data: string | Buffer): Promise<Buffer> {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  socket.write(data);
  await once(socket, 'close');
  return Buffer.concat(chunks);
}

/** One response parsed off a raw byte stream. */
interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Splits a stream of responses (to requests with the given methods) by their framing. */
function parseResponses(data: Buffer, methods: string[]): RawResponse[] {
  const out: RawResponse[] = [];
  let at = 0;
  for (const method of methods) {
    const end = data.indexOf('\r\n\r\n', at);
    assert.notEqual(end, -1, `response ${out.length + 1} of ${methods.length} is missing: ${data.toString('latin1')}`);
    const lines = data.toString('latin1', at, end).split('\r\n');
    const status = Number(lines[0]!.split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    at = end + 4;
    let body = '';
    if (method === 'HEAD' || status === 204 || status === 304 || status < 200) {
      // no body
    } else if (headers['transfer-encoding'] === 'chunked') {
      for (;;) {
        const lineEnd = data.indexOf('\r\n', at);
        const size = parseInt(data.toString('latin1', at, lineEnd), 16);
        at = lineEnd + 2;
        if (size === 0) {
          at = data.indexOf('\r\n\r\n', at - 2) + 4;
          break;
        }
        body += data.toString('utf8', at, at + size);
        at += size + 2;
      }
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      body = data.toString('utf8', at, at + length);
      at += length;
    } else {
      body = data.toString('utf8', at);
      at = data.length;
    }
    out.push({ status, headers, body });
  }
  assert.equal(at, data.length, `bytes after the last response: ${data.toString('latin1', at)}`);
  return out;
}

/** A raw TCP "app" that answers every connection with `answer` once it has read a request head. */
async function startRawApp(answer: (socket: Socket) => void): Promise<number> {
  const server = createNetServer((socket) => {
    socket.on('error', () => {});
    let seen = '';
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (seen.includes('\r\n\r\n')) {
        seen = '';
        answer(socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

/** An app that answers `METHOD URL LENGTH:BODY` and records every request it gets. */
async function startEchoApp(): Promise<{ port: number; seen: string[] }> {
  const seen: string[] = [];
  const app = await startApp((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (req.url === '/204') return void res.writeHead(204).end();
      if (req.url === '/304') return void res.writeHead(304, { etag: '"x"' }).end();
      if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-sum' });
        res.write('a');
        res.write('bc');
        res.addTrailers({ 'x-sum': '3' });
        return void res.end('def');
      }
      const text = `${req.method} ${req.url} ${body.length}:${body}${req.headers['x-big'] !== undefined ? ` big=${String(req.headers['x-big']).length}` : ''}`;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  return { port: app.port, seen };
}

/** A proxy with the echo app routed as web.localhost. */
async function echoBehindProxy(): Promise<{ home: string; proxy: Awaited<ReturnType<typeof startTestProxy>>; app: Awaited<ReturnType<typeof startEchoApp>> }> {
  const home = tempHome();
  const proxy = await startTestProxy(home);
  const app = await startEchoApp();
  registerRoute({ home, name: 'web', port: app.port });
  return { home, proxy, app };
}

describe('proxy: fast path framing', () => {
  it('serves pipelined requests in order: Content-Length and chunked bodies, HEAD, then hands an unknown name to the page server', async () => {
    const { proxy, app } = await echoBehindProxy();
    const data = await exchange(
      proxy.port,
      [
        'GET /1 HTTP/1.1\r\nHost: web.localhost\r\n\r\n',
        'POST /2 HTTP/1.1\r\nHost: web.localhost\r\nContent-Length: 5\r\n\r\nhello',
        'POST /3 HTTP/1.1\r\nHost: web.localhost\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n',
        'HEAD /4 HTTP/1.1\r\nHost: web.localhost\r\n\r\n',
        'GET /5 HTTP/1.1\r\nHost: nope.localhost\r\n\r\n',
        'GET /6 HTTP/1.1\r\nHost: web.localhost\r\nConnection: close\r\n\r\n',
      ].join(''),
    );
    const responses = parseResponses(data, ['GET', 'POST', 'POST', 'HEAD', 'GET', 'GET']);
    assert.deepEqual(
      responses.map((r) => [r.status, r.body]),
      [
        [200, 'GET /1 0:'],
        [200, 'POST /2 5:hello'],
        [200, 'POST /3 5:abcde'],
        [200, ''],
        [404, responses[4]!.body],
        [200, 'GET /6 0:'],
      ],
    );
    assert.equal(responses[3]!.headers['content-length'], String('HEAD /4 0:'.length));
    assert.match(responses[4]!.body, /No app is routed at <code>nope\.localhost<\/code>/);
    assert.deepEqual(app.seen, ['GET /1', 'POST /2', 'POST /3', 'HEAD /4', 'GET /6']);
  });

  it('keeps framing right around bodiless answers (204, 304) and forwards a chunked response with its trailers', async () => {
    const { proxy, app } = await echoBehindProxy();
    const data = await exchange(
      proxy.port,
      [
        'GET /204 HTTP/1.1\r\nHost: web.localhost\r\n\r\n',
        'GET /304 HTTP/1.1\r\nHost: web.localhost\r\nIf-None-Match: "x"\r\n\r\n',
        'GET /chunked HTTP/1.1\r\nHost: web.localhost\r\n\r\n',
        'GET /after HTTP/1.1\r\nHost: web.localhost\r\nConnection: close\r\n\r\n',
      ].join(''),
    );
    const responses = parseResponses(data, ['GET', 'GET', 'GET', 'GET']);
    assert.deepEqual(
      responses.map((r) => [r.status, r.body]),
      [
        [204, ''],
        [304, ''],
        [200, 'abcdef'],
        [200, 'GET /after 0:'],
      ],
    );
    assert.equal(responses[1]!.headers.etag, '"x"');
    assert.equal(responses[2]!.headers['transfer-encoding'], 'chunked');
    assert.match(data.toString('latin1'), /\r\n0\r\nx-sum: 3\r\n\r\n/i);
    assert.equal(responses[3]!.headers.connection, 'close');
  });

  it('answers Expect: 100-continue and HTTP/1.0 requests (through Node’s server)', async () => {
    const { proxy, app } = await echoBehindProxy();
    const res = await new Promise<{ status: number; body: string; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = request({ host: '127.0.0.1', port: proxy.port, method: 'PUT', path: '/up', headers: { host: 'web.localhost', expect: '100-continue', 'content-length': '4' }, agent: false });
      req.on('continue', () => {
        continued = true;
        req.end('data');
      });
      req.on('response', (response: IncomingMessage) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body, continued }));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.deepEqual(res, { status: 200, body: 'PUT /up 4:data', continued: true });
    const old = parseResponses(await exchange(proxy.port, 'GET /old HTTP/1.0\r\nHost: web.localhost\r\n\r\n'), ['GET']);
    assert.equal(old[0]!.body, 'GET /old 0:');
  });

  it('forwards large headers and answers 431 past 16 KiB', async () => {
    const { proxy, app } = await echoBehindProxy();
    const big = 'b'.repeat(12 * 1024);
    const res = await send(proxy.port, { host: 'web.localhost', headers: { 'x-big': big } });
    assert.equal(res.body, `GET / 0: big=${big.length}`);
    const tooBig = await exchange(proxy.port, `GET / HTTP/1.1\r\nHost: web.localhost\r\nX-Big: ${'b'.repeat(20 * 1024)}\r\n\r\n`);
    assert.match(tooBig.toString('latin1'), /^HTTP\/1\.1 431 /);
    assert.deepEqual(app.seen, ['GET /']);
  });
});

describe('proxy: fast path refuses what could be read two ways', () => {
  it('answers 400 to Content-Length with Transfer-Encoding, two Content-Lengths and obs-fold; the app never sees them', async () => {
    const { proxy, app } = await echoBehindProxy();
    const attempts = [
      'POST / HTTP/1.1\r\nHost: web.localhost\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: web.localhost\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: web.localhost\r\nTransfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: web.localhost\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: web.localhost\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: web.localhost\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: web.localhost\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: web.localhost\r\nX-A: 1\r\n Transfer-Encoding: chunked\r\n\r\n',
    ];
    for (const attempt of attempts) {
      const answer = (await exchange(proxy.port, attempt)).toString('latin1');
      assert.match(answer, /^HTTP\/1\.1 400 /, JSON.stringify(attempt));
      assert.equal(answer.indexOf('HTTP/1.1', 1), -1, 'one answer only');
    }
    assert.deepEqual(app.seen, []);
  });

  it('drops a request whose chunked body is malformed; what follows it never reaches the app', async () => {
    const { proxy, app } = await echoBehindProxy();
    const answer = await exchange(
      proxy.port,
      'POST /a HTTP/1.1\r\nHost: web.localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: web.localhost\r\n\r\n',
    );
    assert.match(answer.toString('latin1'), /^(HTTP\/1\.1 400 |$)/);
    assert.ok(!app.seen.includes('GET /smuggled'));
    assert.equal((await send(proxy.port, { host: 'web.localhost', path: '/still' })).body, 'GET /still 0:');
  });
});

describe('proxy: fast path and odd apps', () => {
  it('forwards a response delimited by the app closing, then closes the client connection', async () => {
    const home = tempHome();
    const proxy = await startTestProxy(home);
    const port = await startRawApp((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end'));
    registerRoute({ home, name: 'raw', port });
    const res = await send(proxy.port, { host: 'raw.localhost' });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'until the end');
    assert.equal(res.headers.connection, 'close');
  });

  it('answers 502 to a malformed or ambiguous response, and to one cut off in its head', async () => {
    const home = tempHome();
    const proxy = await startTestProxy(home);
    const ambiguous = await startRawApp((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'));
    const garbage = await startRawApp((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'));
    const cut = await startRawApp((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Len'));
    registerRoute({ home, name: 'ambiguous', port: ambiguous });
    registerRoute({ home, name: 'garbage', port: garbage });
    registerRoute({ home, name: 'cut', port: cut });
    for (const name of ['ambiguous', 'garbage', 'cut']) {
      const res = await send(proxy.port, { host: `${name}.localhost` });
      assert.equal(res.status, 502, name);
      assert.match(res.body, /did not answer/);
    }
  });

  it('reuses app connections across chunked and Content-Length answers', async () => {
    const home = tempHome();
    const proxy = await startTestProxy(home);
    let connections = 0;
    const app = await startApp((req, res) => {
      if (req.url === '/chunked') {
        res.write('part ');
        res.end('two');
      } else res.end('whole');
    });
    app.server.on('connection', () => connections++);
    registerRoute({ home, name: 'web', port: app.port });
    const socket = connect(proxy.port, '127.0.0.1');
    socket.write('GET /chunked HTTP/1.1\r\nHost: web.localhost\r\n\r\nGET / HTTP/1.1\r\nHost: web.localhost\r\n\r\nGET /chunked HTTP/1.1\r\nHost: web.localhost\r\nConnection: close\r\n\r\n');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    await once(socket, 'close');
    const responses = parseResponses(Buffer.concat(chunks), ['GET', 'GET', 'GET']);
    assert.deepEqual(
      responses.map((r) => r.body),
      ['part two', 'whole', 'part two'],
    );
    assert.equal(connections, 1);
  });
});

describe('proxy: fast path hand-over', () => {
  it('upgrades to a WebSocket on a connection that already carried plain requests', async () => {
    const home = tempHome();
    const proxy = await startTestProxy(home);
    const app = await startApp((req, res) => res.end(`http ${req.url}`));
    attachEchoServer(app.server);
    registerRoute({ home, name: 'ws', port: app.port });
    const socket = connect(proxy.port, '127.0.0.1');
    socket.on('error', () => {});
    const key = Buffer.from('0123456789abcdef').toString('base64');
    socket.write(
      'GET /first HTTP/1.1\r\nHost: ws.localhost\r\n\r\n' +
        `GET /chat HTTP/1.1\r\nHost: ws.localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    let received = Buffer.alloc(0);
    const until = async (done: () => boolean): Promise<void> => {
      while (!done()) {
        const [chunk] = (await once(socket, 'data')) as [Buffer];
        received = Buffer.concat([received, chunk]);
      }
    };
    const headEnd = (from: number): number => received.indexOf('\r\n\r\n', from);
    await until(() => headEnd(0) !== -1 && received.length >= headEnd(0) + 4 + 'http /first'.length && headEnd(headEnd(0) + 4) !== -1);
    const text = received.toString('latin1');
    assert.match(text, /^HTTP\/1\.1 200 [^]*\r\n\r\nhttp \/first/);
    const second = text.indexOf('http /first') + 'http /first'.length;
    assert.match(text.slice(second), /^HTTP\/1\.1 101 /);
    assert.ok(text.includes(acceptKey(key)));
    received = received.subarray(headEnd(second) + 4);
    socket.write(encodeFrame('hello', true));
    await until(() => decodeFrames(received).texts.length > 0);
    assert.deepEqual(decodeFrames(received).texts, ['echo:hello']);
    socket.destroy();
  });
});

describe('proxy: fast path timers', () => {
  it('answers a head that takes too long with 408 and drops idle keep-alive connections', async () => {
    const home = tempHome();
    const pool = new UpstreamPool();
    const fastPath = new FastPath({
      context: { cache: new RouteCache({ home }), port: () => 1355, preferred: new Map() },
      pool,
      handOver: (socket) => socket.destroy(),
      downPage: async () => 'down',
      notFoundPage: () => 'not found',
      headersTimeoutMs: 30_000,
      keepAliveMs: 30_000,
    });
    const arrived: Array<Promise<unknown>> = [];
    const server = createNetServer((socket) => {
      arrived.push(once(socket, 'data'));
      fastPath.accept(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const open = async (): Promise<{ socket: Socket; received: () => string }> => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('error', () => {});
      await once(socket, 'connect');
      return { socket, received: () => text };
    };
    const slow = await open();
    const idle = await open();
    slow.socket.write('GET / HTTP/1.1\r\nHost: web.loc');
    while (arrived.length < 2) await new Promise((resolve) => setImmediate(resolve));
    await arrived[0];
    await new Promise((resolve) => setImmediate(resolve));
    fastPath.sweep(Date.now() + 10_000); // neither is due yet
    assert.equal(fastPath.connections.size, 2);
    fastPath.sweep(Date.now() + 31_000);
    await Promise.all([once(slow.socket, 'close'), once(idle.socket, 'close')]);
    assert.match(slow.received(), /^HTTP\/1\.1 408 /);
    assert.equal(idle.received(), '');
    pool.destroyAll();
  });
});

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { BerthError } from '../../src/errors.js';
import { createForwarder, type ForwardCloseEvent, type Forwarder } from '../../src/forward/index.js';
import { hasIPv6 } from '../helpers/children.js';

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function listen(server: Server, host: string): Promise<number> {
  server.listen(0, host);
  await once(server, 'listening');
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

/** An echo server: whatever arrives goes back; the FIN is passed back too. */
async function startEcho(host = '127.0.0.1'): Promise<number> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  return listen(server, host);
}

async function startForwarder(listenHost: string, targetHost: string | null, targetPort: number): Promise<{ forwarder: Forwarder; port: number; closes: ForwardCloseEvent[] }> {
  const forwarder = createForwarder({ listen: { host: listenHost, port: 0 }, target: { host: targetHost, port: targetPort } });
  const closes: ForwardCloseEvent[] = [];
  forwarder.on('close', (e) => closes.push(e));
  const address = await forwarder.listen();
  cleanups.push(() => forwarder.close());
  return { forwarder, port: address.port, closes };
}

/** Connects, sends `data`, half-closes, and collects everything until the other side's FIN. */
async function exchange(port: number, host: string, data: Buffer | string): Promise<Buffer> {
  const socket = connect({ port, host, allowHalfOpen: true });
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  await once(socket, 'connect'); // once() rejects on 'error'
  socket.end(data);
  await once(socket, 'end');
  socket.destroy();
  return Buffer.concat(chunks);
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('createForwarder', () => {
  it('carries an echo session both ways and counts connections and bytes', async () => {
    const echo = await startEcho();
    const { forwarder, port, closes } = await startForwarder('127.0.0.1', '127.0.0.1', echo);
    const opens: number[] = [];
    forwarder.on('open', (e) => opens.push(e.id));
    assert.equal((await exchange(port, '127.0.0.1', 'hello')).toString(), 'hello');
    assert.equal((await exchange(port, '127.0.0.1', 'second')).toString(), 'second');
    await until(() => closes.length === 2, 'two closes');
    assert.deepEqual(opens, [1, 2]);
    assert.deepEqual(
      closes.map((c) => [c.id, c.bytesUp, c.bytesDown, c.error]),
      [
        [1, 5, 5, null],
        [2, 6, 6, null],
      ],
    );
    assert.match(closes[0]!.from, /^127\.0\.0\.1:\d+$/);
    assert.deepEqual(forwarder.stats(), { open: 0, total: 2, failed: 0, bytesUp: 11, bytesDown: 11 });
  });

  it('honours half-close: the client ends its half and still gets the reply', async () => {
    // The server answers only after the client's FIN, then closes its side.
    let serverSawEnd = false;
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      let received = 0;
      socket.on('data', (c: Buffer) => (received += c.length));
      socket.on('end', () => {
        serverSawEnd = true;
        socket.end(`got ${received} bytes`);
      });
      socket.on('error', () => undefined);
    });
    const target = await listen(server, '127.0.0.1');
    const { port } = await startForwarder('127.0.0.1', '127.0.0.1', target);
    const reply = await exchange(port, '127.0.0.1', Buffer.alloc(100_000, 1));
    assert.ok(serverSawEnd, 'the server saw the client end');
    assert.equal(reply.toString(), 'got 100000 bytes');
  });

  it('honours half-close the other way: the server ends first and still receives', async () => {
    let late = '';
    const serverDone = deferred<void>();
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      socket.end('bye');
      socket.on('data', (c: Buffer) => (late += c.toString()));
      socket.on('end', () => serverDone.resolve());
      socket.on('error', () => undefined);
    });
    const target = await listen(server, '127.0.0.1');
    const { port } = await startForwarder('127.0.0.1', '127.0.0.1', target);
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let greeting = '';
    socket.on('data', (c: Buffer) => (greeting += c.toString()));
    await once(socket, 'end');
    assert.equal(greeting, 'bye');
    socket.end('still here');
    await serverDone.promise;
    assert.equal(late, 'still here');
    socket.destroy();
  });

  it('streams a large transfer with backpressure, byte for byte', async () => {
    const echo = await startEcho();
    const { forwarder, port } = await startForwarder('127.0.0.1', '127.0.0.1', echo);
    const payload = randomBytes(16 * 1024 * 1024);
    const back = await exchange(port, '127.0.0.1', payload);
    assert.equal(back.length, payload.length);
    assert.equal(createHash('sha256').update(back).digest('hex'), createHash('sha256').update(payload).digest('hex'));
    await until(() => forwarder.stats().open === 0, 'the pair to close');
    assert.equal(forwarder.stats().bytesUp, payload.length);
    assert.equal(forwarder.stats().bytesDown, payload.length);
  });

  it('IPv6: listens on ::1 and forwards to [::1] and to localhost', async (t) => {
    if (!(await hasIPv6())) {
      t.skip('no IPv6 loopback here');
      return;
    }
    const echo4 = await startEcho('127.0.0.1');
    const v6to4 = await startForwarder('::1', '127.0.0.1', echo4);
    assert.equal((await exchange(v6to4.port, '::1', 'six to four')).toString(), 'six to four');
    const echo6 = await startEcho('::1');
    const v4to6 = await startForwarder('127.0.0.1', '::1', echo6);
    const connects: string[] = [];
    v4to6.forwarder.on('connect', (e) => connects.push(e.to));
    assert.equal((await exchange(v4to6.port, '127.0.0.1', 'four to six')).toString(), 'four to six');
    assert.deepEqual(connects, [`[::1]:${echo6}`]);
    // A target given as a bare port means localhost, which Node tries over both families.
    const bare = await startForwarder('127.0.0.1', null, echo6);
    assert.equal((await exchange(bare.port, '127.0.0.1', 'localhost')).toString(), 'localhost');
  });

  it('a refused target fails that connection only, with ECONNREFUSED', async () => {
    const free = await listen(createServer(), '127.0.0.1');
    await cleanups.pop()!(); // close it again: now nothing listens on `free`
    const { forwarder, port, closes } = await startForwarder('127.0.0.1', '127.0.0.1', free);
    const socket = connect({ port, host: '127.0.0.1' });
    let clientError: string | undefined;
    socket.on('error', (e: NodeJS.ErrnoException) => (clientError = e.code));
    await new Promise((resolve) => socket.on('close', resolve));
    assert.equal(clientError, 'ECONNRESET', 'the client sees a reset, not a clean empty close');
    await until(() => closes.length === 1, 'the failed pair');
    assert.equal(closes[0]!.error?.side, 'target');
    assert.equal(closes[0]!.error?.code, 'ECONNREFUSED');
    assert.equal(forwarder.stats().failed, 1);
    assert.equal(forwarder.stats().open, 0);
    assert.ok(forwarder.server.listening, 'the forwarder keeps running');
  });

  it('a client reset is passed to the target and counted, never thrown', async () => {
    let targetError: string | undefined;
    const targetClosed = deferred<void>();
    const server = createServer((socket) => {
      socket.on('error', (e: NodeJS.ErrnoException) => (targetError = e.code));
      socket.on('close', () => targetClosed.resolve());
    });
    const target = await listen(server, '127.0.0.1');
    const { port, closes } = await startForwarder('127.0.0.1', '127.0.0.1', target);
    const socket: Socket = connect({ port, host: '127.0.0.1' });
    const connected = deferred<void>();
    server.once('connection', () => connected.resolve());
    await connected.promise;
    socket.resetAndDestroy();
    await targetClosed.promise;
    await until(() => closes.length === 1, 'the pair to close');
    assert.equal(closes[0]!.error?.side, 'client');
    assert.equal(targetError, 'ECONNRESET');
  });

  it('a listen port in use is E_PORT_IN_USE', async () => {
    const taken = await startEcho();
    const forwarder = createForwarder({ listen: { host: '127.0.0.1', port: taken }, target: { port: 1 } });
    await assert.rejects(forwarder.listen(), (e: unknown) => e instanceof BerthError && e.code === 'E_PORT_IN_USE');
  });
});

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('a real Redis session through the forwarder', () => {
  it('PING, SET, GET, QUIT over RESP', async () => {
    const port = await listen(createServer(), '127.0.0.1');
    await cleanups.pop()!();
    const dir = mkdtempSync(path.join(tmpdir(), 'berth-redis-'));
    const redis: ChildProcess = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<void>((resolve) => redis.once('close', () => resolve()));
    cleanups.push(async () => {
      if (redis.pid !== undefined && redis.exitCode === null && redis.signalCode === null) {
        redis.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    });
    const startError = await new Promise<Error | null>((resolve) => {
      redis.once('error', resolve);
      let log = '';
      redis.stdout!.on('data', (c: Buffer) => {
        log += c.toString();
        if (log.includes('Ready to accept connections')) resolve(null);
      });
      redis.once('exit', (code) => resolve(new Error(`redis-server exited with ${code}: ${log}`)));
    });
    if ((startError as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
      assert.fail('redis-server is not installed: apt-get install redis-server (.ci/run does)');
    }
    assert.equal(startError, null);

    const { forwarder, port: fport, closes } = await startForwarder('127.0.0.1', '127.0.0.1', port);
    const socket = connect({ port: fport, host: '127.0.0.1' });
    let buffer = '';
    const waiters: Array<() => void> = [];
    socket.on('data', (c: Buffer) => {
      buffer += c.toString();
      for (const w of waiters.splice(0)) w();
    });
    const reply = async (command: string[], expected: string): Promise<void> => {
      socket.write(`*${command.length}\r\n${command.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
      while (!buffer.includes(expected)) {
        if (buffer.startsWith('-')) assert.fail(`redis error: ${buffer}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
      assert.equal(buffer, expected);
      buffer = '';
    };
    await once(socket, 'connect');
    await reply(['PING'], '+PONG\r\n');
    const value = `berth-${randomBytes(4).toString('hex')}`;
    await reply(['SET', 'berth:test', value], '+OK\r\n');
    await reply(['GET', 'berth:test'], `$${value.length}\r\n${value}\r\n`);
    await reply(['DEL', 'berth:test'], ':1\r\n');
    await reply(['QUIT'], '+OK\r\n');
    await once(socket, 'close');
    await until(() => closes.length === 1, 'the session to close');
    assert.equal(closes[0]!.error, null);
    assert.ok(closes[0]!.bytesUp > 50 && closes[0]!.bytesDown > 20, JSON.stringify(closes[0]));
    assert.equal(forwarder.stats().open, 0);
  });
});

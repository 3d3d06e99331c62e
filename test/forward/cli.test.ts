import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BerthError } from '../../src/errors.js';
import { parseListen, parseListenHost, parseListenPort } from '../../src/cli/long-running.js';
import { explainForwardError, renderForwardStatus } from '../../src/cli/render/forward.js';
import { createStyle } from '../../src/cli/render/style.js';
import { runBerth, startListener } from '../helpers/children.js';
import { startBerth } from '../helpers/long-running.js';

describe('listen address parsing', () => {
  it('ports, host:port, [v6]:port and 0', () => {
    assert.deepEqual(parseListen('62893'), { host: null, port: 62893 });
    assert.deepEqual(parseListen(':8080'), { host: null, port: 8080 });
    assert.deepEqual(parseListen('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(parseListen('[::1]:8080'), { host: '::1', port: 8080 });
    assert.deepEqual(parseListen('localhost:8080'), { host: 'localhost', port: 8080 });
    assert.deepEqual(parseListen('0'), { host: null, port: 0 });
    assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
    assert.equal(parseListenPort('0'), 0);
    assert.equal(parseListenPort('8080'), 8080);
    assert.equal(parseListenHost('[::1]'), '::1');
    assert.equal(parseListenHost('0.0.0.0'), '0.0.0.0');
  });
  it('rejects bad ports, URLs and unbracketed IPv6', () => {
    for (const bad of ['65536', '-1', 'abc', 'http://localhost:80', '::1:80']) {
      assert.throws(() => parseListen(bad), (e: unknown) => e instanceof BerthError && (e.code === 'E_PORT_INVALID' || e.code === 'E_TARGET_INVALID'), bad);
    }
  });
  it('status line and failure explanations', () => {
    const style = createStyle(false);
    assert.equal(renderForwardStatus({ open: 2, total: 17, failed: 0, bytesUp: 1536, bytesDown: 100 }, style), '2 open · 17 total · ↑ 1.5 KiB · ↓ 100 B');
    assert.match(renderForwardStatus({ open: 0, total: 1, failed: 1, bytesUp: 0, bytesDown: 0 }, style), /1 failed$/);
    assert.match(explainForwardError({ side: 'target', code: 'ECONNREFUSED', message: '' }, '[::1]:5432', 5432), /nothing listens there \(berth who 5432\)/);
  });
});

describe('berth forward (CLI)', () => {
  let echoPort: number;
  const echo = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  before(async () => {
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    echoPort = (echo.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => echo.close(() => resolve())));

  async function roundTrip(port: number, text: string): Promise<string> {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let back = '';
    socket.on('data', (c: Buffer) => (back += c.toString()));
    await once(socket, 'connect');
    socket.end(text);
    await once(socket, 'end');
    socket.destroy();
    return back;
  }

  it('forwards, prints one line per connection, exits 0 on SIGTERM', async () => {
    const berth = startBerth(['forward', '0', `127.0.0.1:${echoPort}`]);
    try {
      const match = await berth.waitFor(/Forwarding 127\.0\.0\.1:(\d+) → 127\.0\.0\.1:(\d+)/);
      assert.equal(Number(match[2]), echoPort);
      assert.match(berth.stdout(), /reachable only from this machine/);
      assert.equal(await roundTrip(Number(match[1]), 'ping'), 'ping');
      await berth.waitFor(/#1 open {3}127\.0\.0\.1:\d+/);
      await berth.waitFor(/#1 closed 127\.0\.0\.1:\d+ {2}↑ 4 B ↓ 4 B/);
      assert.equal(berth.stderr(), '');
    } finally {
      assert.equal(await berth.stop('SIGTERM'), 0);
    }
    assert.match(berth.stdout(), /Stopped after 1 connection: ↑ 4 B ↓ 4 B\./);
  });

  it('--json prints one event per line; a refused target is explained and the forwarder keeps going', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const berth = startBerth(['forward', '127.0.0.1:0', String(deadPort), '--json']);
    try {
      const [line] = await berth.waitFor(/^\{"event":"listening".*\}$/m);
      const ready = JSON.parse(line) as { port: number; host: string; target: string };
      assert.equal(ready.host, '127.0.0.1');
      assert.equal(ready.target, `localhost:${deadPort}`);
      const socket = connect({ port: ready.port, host: '127.0.0.1' });
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.on('close', resolve));
      const [closeLine] = await berth.waitFor(/^\{"event":"close".*\}$/m);
      const event = JSON.parse(closeLine) as { id: number; error: { side: string; code: string }; stats: { failed: number; open: number } };
      assert.equal(event.id, 1);
      assert.deepEqual([event.error.side, event.error.code], ['target', 'ECONNREFUSED']);
      assert.equal(event.stats.failed, 1);
    } finally {
      assert.equal(await berth.stop('SIGINT'), 0);
    }
    const last = JSON.parse(berth.stdout().trim().split('\n').at(-1)!) as { event: string; stats: { total: number } };
    assert.equal(last.event, 'stopped');
    assert.equal(last.stats.total, 1);
  });

  it('a listen port in use: exit 1, naming who holds it', async () => {
    const holder = await startListener({ host: '127.0.0.1' });
    try {
      const r = await runBerth(['forward', String(holder.port), String(echoPort)]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`held by pid ${holder.pid}`));
    } finally {
      await holder.stop();
    }
  });

  it('bad command lines: exit 2', async () => {
    for (const args of [['forward'], ['forward', '8080'], ['forward', '99999', '5432'], ['forward', '8080', '::1:5432'], ['forward', '1', '2', '3']]) {
      const r = await runBerth(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
    const help = await runBerth(['forward', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^berth forward — /);
  });
});

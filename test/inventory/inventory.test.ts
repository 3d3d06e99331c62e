import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { listSockets, whoIs } from '../../src/inventory/index.js';
import { hasIPv6, startListener, startReusePortPair, type Listener } from '../helpers/children.js';

const ipv6 = await hasIPv6();

describe('listSockets and whoIs on real listeners', () => {
  const listeners: Record<string, Listener> = {};
  before(async () => {
    const specs: Array<[string, 'tcp' | 'udp', string]> = [
      ['tcp4', 'tcp', '127.0.0.1'],
      ['tcpAny4', 'tcp', '0.0.0.0'],
      ['udp4', 'udp', '127.0.0.1'],
      ['udpAny4', 'udp', '0.0.0.0'],
    ];
    if (ipv6) specs.push(['tcp6', 'tcp', '::1'], ['tcpAny6', 'tcp', '::'], ['udp6', 'udp', '::1']);
    await Promise.all(specs.map(async ([key, protocol, host]) => (listeners[key] = await startListener({ protocol, host }))));
  });

  it('lists every listener with its holder, address and exposure', async () => {
    const sockets = await listSockets();
    const expect = (key: string, protocol: string, address: string, exposure: string) => {
      const l = listeners[key];
      if (!l) return;
      const socket = sockets.find((s) => s.localPort === l.port && s.protocol === protocol && s.localAddress === address);
      assert.ok(socket, `${key} on ${address}:${l.port} is listed`);
      assert.equal(socket.exposure, exposure);
      assert.deepEqual(socket.holders.map((p) => p.pid), [l.pid]);
      const holder = socket.holders[0]!;
      assert.equal(holder.name, 'node');
      assert.match(holder.command, /listen\.mjs/);
      assert.equal(holder.ppid, process.pid);
      assert.equal(holder.cwd, process.cwd());
      assert.ok(holder.user);
      assert.ok(holder.startedAt !== null && Math.abs(holder.startedAt - Date.now()) < 120_000, 'start time is recent');
    };
    expect('tcp4', 'tcp', '127.0.0.1', 'loopback');
    expect('tcpAny4', 'tcp', '0.0.0.0', 'all');
    expect('udp4', 'udp', '127.0.0.1', 'loopback');
    expect('udpAny4', 'udp', '0.0.0.0', 'all');
    expect('tcp6', 'tcp', '::1', 'loopback');
    expect('tcpAny6', 'tcp', '::', 'all');
    expect('udp6', 'udp', '::1', 'loopback');
    const ports = sockets.map((s) => s.localPort);
    assert.deepEqual(ports, [...ports].sort((a, b) => a - b), 'sorted by port');
  });

  it('filters by protocol, exposure, port range, pid, user and name', async () => {
    const l = listeners.tcp4!;
    assert.ok((await listSockets({ protocol: 'udp' })).every((s) => s.protocol === 'udp'));
    const exposed = await listSockets({ exposed: true });
    assert.ok(exposed.every((s) => s.exposure !== 'loopback'));
    assert.ok(exposed.some((s) => s.localPort === listeners.tcpAny4!.port));
    assert.ok(!exposed.some((s) => s.localPort === l.port));
    assert.deepEqual((await listSockets({ ports: `${l.port}-${l.port}` })).map((s) => s.localPort), [l.port]);
    assert.deepEqual((await listSockets({ pid: l.pid })).map((s) => s.localPort), [l.port]);
    const user = (await listSockets({ pid: l.pid }))[0]!.holders[0]!.user!;
    assert.ok((await listSockets({ user })).some((s) => s.localPort === l.port));
    assert.ok((await listSockets({ match: 'LISTEN.MJS' })).some((s) => s.localPort === l.port));
    assert.equal((await listSockets({ match: 'no-such-process-name-xyz' })).length, 0);
  });

  it('whoIs finds the holder by port, host:port and URL', async () => {
    const l = listeners.tcp4!;
    for (const target of [String(l.port), `:${l.port}`, `127.0.0.1:${l.port}`, `localhost:${l.port}`, `http://localhost:${l.port}/x`]) {
      const who = await whoIs(target);
      assert.deepEqual(who.holders.map((h) => h.process.pid), [l.pid], target);
      assert.ok(who.holders[0]!.uptimeMs !== null && who.holders[0]!.uptimeMs >= 0);
    }
  });

  it('whoIs with an address the listener does not accept points elsewhere', { skip: !ipv6 && 'no IPv6' }, async () => {
    const l = listeners.tcp6!;
    // Another process may hold the same number on 127.0.0.1 (ports are per family), so look only at ours.
    const who = await whoIs(`127.0.0.1:${l.port}`);
    assert.ok(!who.holders.some((h) => h.process.pid === l.pid), 'the ::1 listener does not answer 127.0.0.1');
    const mine = who.elsewhere.filter((s) => s.holders.some((p) => p.pid === l.pid));
    assert.deepEqual(mine.map((s) => s.localAddress), ['::1']);
    const v6 = await whoIs(`[::1]:${l.port}`);
    assert.deepEqual(v6.holders.map((h) => h.process.pid), [l.pid]);
  });

  it('a wildcard listener accepts loopback targets of its family', async () => {
    const l = listeners.tcpAny4!;
    assert.equal((await whoIs(`127.0.0.1:${l.port}`)).listeners.length, 1);
  });

  it('whoIs on a port nobody holds answers with empty lists', async () => {
    const l = await startListener();
    await l.stop();
    const who = await whoIs(String(l.port));
    assert.equal(who.listeners.length, 0);
    assert.equal(who.holders.length, 0);
  });

  it('whoIs --connections lists both ends of a connection', async () => {
    const l = listeners.tcp4!;
    const { connect } = await import('node:net');
    const client = connect(l.port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    try {
      // Until the server has called accept(), its side of the connection has no holder (inode 0): ask until it has.
      let conns: NonNullable<Awaited<ReturnType<typeof whoIs>>['connections']> = [];
      const held = (c: (typeof conns)[number]): boolean => c.localPort === l.port && c.remotePort === client.localPort && c.holders.length > 0;
      for (let i = 0; i < 100 && !conns.some(held); i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, 20));
        conns = (await whoIs(String(l.port), { connections: true })).connections!;
      }
      const clientSide = conns.find((c) => c.remotePort === l.port && c.localPort === client.localPort);
      const serverSide = conns.find((c) => c.localPort === l.port && c.remotePort === client.localPort);
      assert.ok(clientSide, 'this process as a client is listed');
      assert.deepEqual(clientSide.holders.map((p) => p.pid), [process.pid]);
      assert.ok(serverSide, 'the accepted connection is listed');
      assert.deepEqual(serverSide.holders.map((p) => p.pid), [l.pid]);
    } finally {
      client.destroy();
    }
  });
});

describe('shared sockets', () => {
  it('a socket shared by a parent and its forked child lists both holders', async () => {
    const l = await startListener({ fork: true });
    try {
      const who = await whoIs(`127.0.0.1:${l.port}`);
      assert.equal(who.listeners.length, 1, 'one socket');
      assert.deepEqual(who.holders.map((h) => h.process.pid).sort(), [l.pid, l.childPid!].sort());
      const child = who.holders.find((h) => h.process.pid === l.childPid)!;
      assert.equal(child.process.ppid, l.pid);
    } finally {
      await l.stop();
    }
  });

  it('an SO_REUSEPORT group shows each member with its own socket', async () => {
    const l = await startReusePortPair();
    try {
      const who = await whoIs(`127.0.0.1:${l.port}`);
      assert.equal(who.listeners.length, 2, 'two sockets');
      assert.deepEqual(who.holders.map((h) => h.process.pid).sort(), [l.pid, l.childPid!].sort());
    } finally {
      await l.stop();
    }
  });

  it('a UDP socket shared with a forked child lists both holders', async () => {
    const l = await startListener({ protocol: 'udp', fork: true });
    try {
      const sockets = (await listSockets({ ports: l.port, protocol: 'udp' })).filter((s) => s.family === 4);
      assert.equal(sockets.length, 1);
      assert.deepEqual(sockets[0]!.holders.map((p) => p.pid).sort(), [l.pid, l.childPid!].sort());
    } finally {
      await l.stop();
    }
  });
});

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { checkPortFree, tryBind } from '../../src/probe/bind.js';
import { hasIPv6, startListener } from '../helpers/children.js';

const ipv6 = await hasIPv6();
const isRoot = process.getuid?.() === 0;

describe('tryBind and checkPortFree', () => {
  it('tells a held port apart from a free one, on every conflicting address', async () => {
    const l = await startListener({ host: '127.0.0.1' });
    try {
      assert.deepEqual(await tryBind(l.port, '127.0.0.1'), { ok: false, reason: 'in-use', code: 'EADDRINUSE' });
      const check = await checkPortFree(l.port);
      assert.equal(check.free, false);
      await l.stop();
      // The same number is now free on 127.0.0.1, and was never taken elsewhere by this test.
      const again = await tryBind(l.port, '127.0.0.1');
      assert.ok(again.ok || again.reason === 'in-use', 'freed (or taken by an unrelated process meanwhile)');
    } finally {
      await l.stop();
    }
  });

  it('a wildcard listener makes loopback binds fail too', async () => {
    const l = await startListener({ host: '0.0.0.0' });
    try {
      assert.equal((await tryBind(l.port, '127.0.0.1')).ok, false);
      assert.equal((await checkPortFree(l.port)).free, false);
    } finally {
      await l.stop();
    }
  });

  it('an address not on this machine is address-unavailable, not in use', async () => {
    // 192.0.2.1 (TEST-NET-1) is never configured here; bind() fails locally and sends nothing.
    const result = await tryBind(40000, '192.0.2.1');
    assert.deepEqual(result, { ok: false, reason: 'address-unavailable', code: 'EADDRNOTAVAIL' });
  });

  it('UDP binds are checked with UDP sockets', async () => {
    const l = await startListener({ protocol: 'udp', host: '127.0.0.1' });
    try {
      assert.equal((await tryBind(l.port, '127.0.0.1', 'udp')).ok, false);
    } finally {
      await l.stop();
    }
  });

  it('checks ::1 separately', { skip: !ipv6 && 'no IPv6' }, async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      assert.equal((await tryBind(port, '::1')).ok, false);
      assert.equal((await checkPortFree(port)).free, false);
    } finally {
      server.close();
    }
  });

  it('a privileged port is a permission failure for a normal user', { skip: isRoot && 'root may bind privileged ports' }, async () => {
    const result = await tryBind(80, '127.0.0.1');
    assert.ok(!result.ok && (result.reason === 'permission' || result.reason === 'in-use'));
  });
});

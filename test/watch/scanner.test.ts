import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createOwnerFinder } from '../../src/inventory/linux/owners.js';
import { createListenerScanner, type ListenerScan } from '../../src/watch/scanner.js';
import { startListener } from '../helpers/children.js';

const DEADLINE_MS = 30_000;

describe('incremental listener scanner', () => {
  it('finds a new listener and its holder, reuses unchanged sockets, and reports it closed with its holder', async () => {
    const scanner = createListenerScanner();
    const first = await scanner.scan();
    assert.equal(first.first, true);
    assert.equal(first.ownerLookup, 'full');
    const l = await startListener();
    let seen: ListenerScan | null = null;
    try {
      const deadline = Date.now() + DEADLINE_MS;
      while (!seen) {
        const scan = await scanner.scan();
        if (scan.opened.some((s) => s.localPort === l.port)) seen = scan;
        else if (Date.now() > deadline) throw new Error('the new listener never showed');
        else await new Promise((r) => setTimeout(r, 50));
      }
      const socket = seen.opened.find((s) => s.localPort === l.port)!;
      assert.notEqual(seen.ownerLookup, 'none');
      assert.deepEqual(socket.holders.map((h) => h.pid), [l.pid]);
      const again = await scanner.scan();
      assert.ok(again.listeners.includes(socket), 'an unchanged socket keeps its object');
    } finally {
      await l.stop();
    }
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      const scan = await scanner.scan();
      const closed = scan.closed.find((s) => s.localPort === l.port);
      if (closed) {
        assert.deepEqual(closed.holders.map((h) => h.pid), [l.pid], 'a closed listener keeps the holder it had');
        break;
      }
      if (Date.now() > deadline) throw new Error('the closed listener never showed');
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it('finds the owner of a new process\'s socket without walking every fd table', async () => {
    const finder = createOwnerFinder();
    assert.equal(finder.find(new Set([1]), [], []).fullWalk, true, 'the first lookup knows no processes yet');
    const l = await startListener({ protocol: 'udp' });
    try {
      const scan = await createListenerScanner({ mode: 'full' }).scan();
      const inode = scan.listeners.find((s) => s.localPort === l.port && s.protocol === 'udp')!.inode!;
      const found = finder.find(new Set([inode]), [], []);
      assert.equal(found.fullWalk, false);
      assert.deepEqual(found.holders.get(inode), [l.pid]);
    } finally {
      await l.stop();
    }
  });
});

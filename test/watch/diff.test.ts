import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffListeners, indexListeners, listenerKey, reconcileListeners, type ListenerKeyFields } from '../../src/watch/diff.js';
import { eventsOfScan } from '../../src/watch/events.js';
import type { ListenerScan } from '../../src/watch/scanner.js';
import type { Socket } from '../../src/model.js';
import { splitKeys } from '../../src/cli/watch-tui.js';
import { fitWidth, padWidth } from '../../src/cli/render/text-fit.js';

const l = (port: number, inode: number | null, extra: Partial<ListenerKeyFields> = {}): ListenerKeyFields & { tag?: string } => ({
  protocol: 'tcp',
  family: 4,
  localAddress: '127.0.0.1',
  localPort: port,
  inode,
  ...extra,
});

describe('diffListeners', () => {
  it('reports nothing for identical scans', () => {
    const scan = [l(3000, 1), l(5432, 2)];
    assert.deepEqual(diffListeners(scan, [...scan]), { opened: [], closed: [] });
  });

  it('reports every listener as opened against an empty scan, and closed against an empty next', () => {
    const scan = [l(3000, 1), l(5432, 2)];
    assert.deepEqual(diffListeners([], scan), { opened: scan, closed: [] });
    assert.deepEqual(diffListeners(scan, []), { opened: [], closed: scan });
  });

  it('a restart on the same port (new inode) is a close and an open', () => {
    const before = [l(3000, 1)];
    const after = [l(3000, 9)];
    const diff = diffListeners(before, after);
    assert.deepEqual(diff.opened, after);
    assert.deepEqual(diff.closed, before);
  });

  it('tells protocol, family and address apart on one port', () => {
    const base = [l(53, 1)];
    const next = [l(53, 1), l(53, 2, { protocol: 'udp' }), l(53, 3, { family: 6, localAddress: '::1' }), l(53, 4, { localAddress: '0.0.0.0' })];
    const diff = diffListeners(base, next);
    assert.equal(diff.opened.length, 3);
    assert.deepEqual(diff.closed, []);
  });

  it('counts a socket listed twice once', () => {
    const diff = diffListeners([], [l(3000, 1), l(3000, 1)]);
    assert.equal(diff.opened.length, 1);
  });

  it('accepts the previous scan as a map, and keeps the order of each side', () => {
    const prev = indexListeners([l(1, 1), l(2, 2), l(3, 3)]);
    const diff = diffListeners(prev, [l(4, 4), l(2, 2), l(0, 5)]);
    assert.deepEqual(diff.opened.map((s) => s.localPort), [4, 0]);
    assert.deepEqual(diff.closed.map((s) => s.localPort), [1, 3]);
  });

  it('keys sockets without an inode too', () => {
    assert.equal(listenerKey(l(3000, null)), 'tcp|4|127.0.0.1|3000|');
    assert.notEqual(listenerKey(l(3000, null)), listenerKey(l(3000, 1)));
  });
});

describe('reconcileListeners', () => {
  it('agrees with diffListeners, keeps unchanged objects and builds only new ones', () => {
    const scans = [
      [l(3000, 1), l(5432, 2), l(53, 3, { protocol: 'udp' })],
      [l(3000, 1), l(53, 3, { protocol: 'udp' }), l(8080, 4), l(8080, 4)],
      [l(3000, 9), l(53, 3, { protocol: 'udp' }), l(8080, 4), l(9000, null), l(9001, 0)],
      [l(3000, 9), l(9000, null), l(9001, 0), l(4000, 4)], // inode 4 reused by another port: a close and an open
      [],
    ];
    let index = new Map<number | string, ListenerKeyFields>();
    let previous: ListenerKeyFields[] = [];
    for (const next of scans) {
      let made = 0;
      const result = reconcileListeners(index, next, (raw) => {
        made++;
        return { ...raw };
      });
      const expected = diffListeners(previous, next);
      assert.deepEqual(result.opened, expected.opened);
      assert.deepEqual(result.closed, expected.closed);
      assert.equal(made, expected.opened.length, 'only new sockets are built');
      for (const socket of result.listeners) {
        if (!result.opened.includes(socket)) assert.ok([...index.values()].includes(socket), 'unchanged sockets keep their object');
      }
      index = result.index;
      previous = result.listeners;
    }
  });
});

describe('eventsOfScan', () => {
  const socket = (port: number, inode: number): Socket =>
    ({ ...l(port, inode), remoteAddress: null, remotePort: null, state: 'LISTEN', uid: 0, user: 'root', holders: [], holdersHidden: false, exposure: 'loopback', portClass: 'registered', service: null }) as Socket;
  const scan = (at: number, first: boolean, opened: Socket[], closed: Socket[]): ListenerScan => ({ at, first, listeners: [], opened, closed, ownerLookup: 'none' });

  it('marks the first scan initial, closes before opens, and measures how long a listener stayed', () => {
    const seen = new Map();
    const a = socket(3000, 1);
    const b = socket(4000, 2);
    const first = eventsOfScan(scan(1000, true, [a], []), seen);
    assert.deepEqual(first.map((e) => [e.type, e.initial]), [['opened', true]]);
    const second = eventsOfScan(scan(2000, false, [b], []), seen);
    assert.deepEqual(second.map((e) => [e.type, e.initial]), [['opened', false]]);
    const third = eventsOfScan(scan(5000, false, [socket(3000, 7)], [a, b]), seen);
    assert.deepEqual(third.map((e) => e.type), ['closed', 'closed', 'opened']);
    const closedA = third[0]!;
    const closedB = third[1]!;
    assert.ok(closedA.type === 'closed' && closedA.initial && closedA.durationMs === 4000);
    assert.ok(closedB.type === 'closed' && !closedB.initial && closedB.durationMs === 3000 && closedB.openedAt === 2000);
  });

  it('can leave out the listeners present at the start', () => {
    const events = eventsOfScan(scan(1000, true, [socket(3000, 1)], []), new Map(), false);
    assert.deepEqual(events, []);
  });
});

describe('terminal helpers', () => {
  it('splits raw input into keys, escape sequences whole', () => {
    assert.deepEqual(splitKeys('jk\u001b[A\u001b[Bq'), ['j', 'k', '\u001b[A', '\u001b[B', 'q']);
    assert.deepEqual(splitKeys('\u001b'), ['\u001b']);
    assert.deepEqual(splitKeys('\u001b[5~/'), ['\u001b[5~', '/']);
  });

  it('fits coloured text to a width without cutting escape codes', () => {
    const red = '\u001b[31mhello world\u001b[39m';
    const cut = fitWidth(red, 6);
    assert.equal(cut.replace(/\u001b\[[0-9;]*m/g, ''), 'hello…');
    assert.ok(cut.startsWith('\u001b[31m'));
    assert.equal(fitWidth('short', 10), 'short');
    assert.equal(padWidth('\u001b[1mab\u001b[22m', 4).replace(/\u001b\[[0-9;]*m/g, ''), 'ab  ');
  });
});

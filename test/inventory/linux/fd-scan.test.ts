import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { scanSocketHolders, startSocketHolderScan, type ScanOptions } from '../../../src/inventory/linux/fd-scan.js';
import { readRawSocketsSync } from '../../../src/inventory/linux/index.js';
import { passedListeners } from '../../../src/inventory/linux/proc-net.js';
import { readNetTable } from '../../../src/inventory/linux/read-table.js';
import { ROOT, startListener, startReusePortPair, type Listener } from '../../helpers/children.js';

const fixture = (name: string): string => readFileSync(`${ROOT}test/fixtures/linux/${name}`, 'latin1');

describe('passedListeners', () => {
  // The fixture lists 4 listeners, then 2 established connections and a TIME_WAIT.
  const text = fixture('proc-net-tcp-mixed.txt');
  const lineEnds: number[] = [];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineEnds.push(i + 1);

  it('is false while only listeners were seen', () => {
    assert.equal(passedListeners(text, lineEnds[0]!, lineEnds[4]!, 4), false);
  });
  it('is true once a line in another state appears', () => {
    assert.equal(passedListeners(text, lineEnds[0]!, lineEnds[5]!, 4), true);
    assert.equal(passedListeners(text, lineEnds[4]!, text.length, 4), true);
  });
  it('skips the header and lines cut short', () => {
    assert.equal(passedListeners(text, 0, lineEnds[0]!, 4), false);
    const cut = text.slice(lineEnds[4]!, lineEnds[4]! + 20);
    assert.equal(passedListeners(cut, 0, cut.length, 4), false);
  });
  it('reads the state at the IPv6 offset in tcp6', () => {
    const v6 = fixture('proc-net-tcp6-mixed.txt');
    const states = v6.split('\n').slice(1).filter(Boolean).map((l) => l.trim().split(/\s+/)[3]);
    assert.equal(passedListeners(v6, v6.indexOf('\n') + 1, v6.length, 6), states.some((s) => s !== '0A' && s !== '03'));
  });
});

describe('readNetTable', () => {
  it('stops after the listeners but keeps every one of them', async () => {
    const l = await startListener();
    try {
      const all = readNetTable('tcp', 4, false);
      const listenersOnly = readNetTable('tcp', 4, true);
      assert.ok(listenersOnly.endsWith('\n'));
      const listening = (text: string) =>
        text
          .split('\n')
          .slice(1)
          .filter((line) => line.trim().split(/\s+/)[3] === '0A')
          .map((line) => line.trim().split(/\s+/)[1]);
      // Listeners may come and go between the two reads (other tests run), so look at ours.
      const mine = `:${l.port.toString(16).toUpperCase().padStart(4, '0')}`;
      assert.ok(listening(all).some((a) => a!.endsWith(mine)));
      assert.ok(listening(listenersOnly).some((a) => a!.endsWith(mine)));
    } finally {
      await l.stop();
    }
  });
});

describe('the fd scan, with and without its helper thread', () => {
  let forked: Listener;
  let reusePair: Listener;
  let wanted: Set<number>;
  before(async () => {
    [forked, reusePair] = await Promise.all([startListener({ fork: true }), startReusePortPair()]);
    const raw = readRawSocketsSync({ protocols: ['tcp'], listeningOnly: true });
    wanted = new Set(raw.filter((s) => s.localPort === forked.port || s.localPort === reusePair.port).map((s) => s.inode));
    assert.equal(wanted.size, 3, 'one shared socket and two SO_REUSEPORT sockets');
  });
  after(async () => {
    await Promise.all([forked?.stop(), reusePair?.stop()]);
  });

  const holdersOf = (holders: Map<number, number[]>) =>
    [...wanted].map((inode) => holders.get(inode) ?? []).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));

  it('the calling thread alone finds both holders of a shared socket and each member of a group', () => {
    const found = holdersOf(scanSocketHolders(wanted).holders);
    const all = found.flat().sort((a, b) => a - b);
    assert.deepEqual(all, [forked.pid, forked.childPid!, reusePair.pid, reusePair.childPid!].sort((a, b) => a - b));
    assert.ok(found.some((pids) => pids.length === 2), 'the forked socket has two holders');
  });

  for (const helper of ['never', 'always', 'alone'] as Array<NonNullable<ScanOptions['helper']>>) {
    it(`helper: ${helper} gives the same answer, pids ascending`, async () => {
      const expected = holdersOf(scanSocketHolders(wanted).holders);
      const scan = await startSocketHolderScan({ helper }).finish(wanted);
      assert.deepEqual(holdersOf(scan.holders), expected);
      for (const pids of scan.holders.values()) assert.deepEqual(pids, [...pids].sort((a, b) => a - b));
    });
  }

  it('finds holders that started after the scan listed the processes', async () => {
    const pending = startSocketHolderScan({ helper: 'never' });
    const late = await startListener({ fork: true });
    try {
      const raw = readRawSocketsSync({ protocols: ['tcp'], listeningOnly: true });
      const inodes = new Set(raw.filter((s) => s.localPort === late.port).map((s) => s.inode));
      const scan = await pending.finish(inodes);
      assert.deepEqual([...scan.holders.values()].flat(), [late.pid, late.childPid!].sort((a, b) => a - b));
    } finally {
      await late.stop();
    }
  });

  it('without a wanted set it records every socket inode', async () => {
    const scan = await startSocketHolderScan({ helper: 'alone' }).finish();
    for (const inode of wanted) assert.ok(scan.holders.has(inode));
  });

  it('nothing wanted, or cancelled: no scan, and the helper is stopped', async () => {
    const empty = await startSocketHolderScan({ helper: 'always' }).finish(new Set());
    assert.equal(empty.holders.size, 0);
    startSocketHolderScan({ helper: 'always' }).cancel();
  });
});

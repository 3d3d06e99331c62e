import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { closeStates, openState, transact } from '../../src/state/db.js';
import {
  claimRecorder,
  insertOpened,
  markClosed,
  purgeHistory,
  queryHistory,
  selectRecorder,
  type RecorderRecord,
} from '../../src/state/history.js';
import { readProcess } from '../../src/processes/index.js';
import { lastHolder, listHistory } from '../../src/watch/history.js';
import { createRecorder, historyRetentionMs, type HistoryRecorder } from '../../src/watch/recorder.js';
import { createListenerScanner, type ListenerScan, type ListenerScanner } from '../../src/watch/scanner.js';
import { runBerth, startListener } from '../helpers/children.js';

const DEADLINE_MS = 30_000;
let home: string;

before(() => {
  home = mkdtempSync(join(tmpdir(), 'berth-history-'));
});
after(() => {
  closeStates();
  rmSync(home, { recursive: true, force: true });
});

/** Scans (recording each scan) until `done` holds for one, within a generous deadline. */
async function scanUntil(scanner: ListenerScanner, recorder: HistoryRecorder, done: (scan: ListenerScan) => boolean): Promise<ListenerScan> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const scan = await scanner.scan();
    recorder.record(scan);
    if (done(scan)) return scan;
    if (Date.now() > deadline) throw new Error('the scan never showed the expected change');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const hasPort = (scan: ListenerScan, port: number): boolean => scan.listeners.some((s) => s.localPort === port && s.protocol === 'tcp');

describe('history recorder', () => {
  it('records a listener opening and closing: who, where, how long; lastHolder names it', async () => {
    const store = openState({ home });
    const scanner = createListenerScanner();
    const recorder = createRecorder({ store, kind: 'watch', intervalMs: 50, flushIntervalMs: 100 });
    assert.equal(recorder.recording, true);
    await scanUntil(scanner, recorder, () => true);

    const l = await startListener();
    try {
      await scanUntil(scanner, recorder, (scan) => hasPort(scan, l.port));
      const open = listHistory({ home, port: l.port }).items;
      assert.equal(open.length, 1);
      assert.equal(open[0]!.ended, 'open');
      assert.equal(open[0]!.pid, l.pid);
    } finally {
      await l.stop();
    }
    await scanUntil(scanner, recorder, (scan) => !hasPort(scan, l.port));

    const { items, status } = listHistory({ home, port: l.port });
    assert.equal(status.alive, true);
    assert.equal(status.recorder?.pid, process.pid);
    assert.equal(items.length, 1);
    const entry = items[0]!;
    assert.equal(entry.ended, 'closed');
    assert.equal(entry.protocol, 'tcp');
    assert.equal(entry.address, '127.0.0.1');
    assert.equal(entry.pid, l.pid);
    assert.equal(entry.processName, 'node');
    assert.match(entry.command ?? '', /listen\.mjs tcp 127\.0\.0\.1/);
    assert.equal(entry.cwd, process.cwd());
    assert.ok(entry.closedAt! >= entry.openedAt);
    assert.ok(entry.lastSeenAt >= entry.openedAt && entry.lastSeenAt <= entry.closedAt!);
    assert.equal(entry.durationMs, entry.closedAt! - entry.openedAt);

    const last = lastHolder(l.port, { home });
    assert.equal(last?.id, entry.id);
    assert.equal(last?.ended, 'closed');
    assert.equal(lastHolder(l.port, { home, protocol: 'udp' }), null);

    // The CLI reads the same store.
    const cli = await runBerth(['history', String(l.port), '--json'], { env: { BERTH_HOME: home } });
    assert.equal(cli.code, 0, cli.stderr);
    const json = JSON.parse(cli.stdout) as { port: number; entries: Array<{ pid: number; ended: string; durationMs: number }> };
    assert.equal(json.port, l.port);
    assert.deepEqual(json.entries.map((e) => [e.pid, e.ended]), [[l.pid, 'closed']]);
    const text = await runBerth(['history', String(l.port)], { env: { BERTH_HOME: home } });
    assert.equal(text.code, 0);
    assert.match(text.stdout, new RegExp(`${l.port}\\s+tcp\\s+127\\.0\\.0\\.1\\s+${l.pid}\\s+node`));

    // berth who and berth doctor mention who held the port, now that it is free.
    const who = await runBerth(['who', String(l.port)], { env: { BERTH_HOME: home } });
    assert.equal(who.code, 1);
    assert.match(who.stdout, new RegExp(`Port ${l.port} was held by node \\(pid ${l.pid}\\) in .* until \\d\\d:\\d\\d`));
    const whoJson = JSON.parse((await runBerth(['who', String(l.port), '--json'], { env: { BERTH_HOME: home } })).stdout) as { lastHolder: { pid: number } | null };
    assert.equal(whoJson.lastHolder?.pid, l.pid);
    const doctor = await runBerth(['doctor', String(l.port)], { env: { BERTH_HOME: home } });
    assert.equal(doctor.code, 1);
    assert.match(doctor.stdout, new RegExp(`was held by node \\(pid ${l.pid}\\)`));
    recorder.stop();
  });

  it('a restarted recorder keeps a listener that is still open and closes, at its last sighting, one that went away', async () => {
    const store = openState({ home });
    const stays = await startListener();
    const goes = await startListener();
    try {
      const first = createRecorder({ store, kind: 'daemon', intervalMs: 50, flushIntervalMs: 100 });
      const scanner1 = createListenerScanner();
      await scanUntil(scanner1, first, (scan) => hasPort(scan, stays.port) && hasPort(scan, goes.port));
      first.stop();
      const before = listHistory({ home, port: goes.port }).items[0]!;
      assert.equal(before.ended, 'unknown', 'no recorder: an open row is only "last seen"');
      await goes.stop();

      const second = createRecorder({ store, kind: 'daemon', intervalMs: 50, flushIntervalMs: 100 });
      const scanner2 = createListenerScanner();
      await scanUntil(scanner2, second, (scan) => !hasPort(scan, goes.port));
      const gone = listHistory({ home, port: goes.port }).items;
      assert.equal(gone.length, 1);
      assert.equal(gone[0]!.ended, 'closed');
      assert.equal(gone[0]!.closedAt, gone[0]!.lastSeenAt, 'closed at its last sighting, not at the restart');
      assert.equal(gone[0]!.closedAt, before.lastSeenAt);
      const kept = listHistory({ home, port: stays.port }).items;
      assert.equal(kept.length, 1, 'the same row continues');
      assert.equal(kept[0]!.ended, 'open');
      second.stop();
    } finally {
      await stays.stop();
      await goes.stop();
    }
  });

  it('only one recorder writes: a live one is kept, a dead one is taken over', async () => {
    const store = openState({ home });
    const l = await startListener();
    try {
      const proc = readProcess(l.pid)!;
      const live: RecorderRecord = { pid: l.pid, startMarker: proc.startMarker, kind: 'daemon', intervalMs: 1000, startedAt: 1, heartbeatAt: 1 };
      const me: RecorderRecord = { pid: process.pid, startMarker: readProcess(process.pid)!.startMarker, kind: 'watch', intervalMs: 1000, startedAt: 2, heartbeatAt: 2 };
      const alive = (r: RecorderRecord): boolean => r.pid === l.pid;
      transact(store, (db) => assert.equal(claimRecorder(db, live, () => false), null));
      transact(store, (db) => assert.equal(claimRecorder(db, me, alive)?.pid, l.pid));
      const idle = createRecorder({ store, kind: 'watch', intervalMs: 50 });
      assert.equal(idle.recording, false);
      assert.equal(idle.other?.pid, l.pid);
      transact(store, (db) => assert.equal(claimRecorder(db, me, () => false), null));
      transact(store, (db) => assert.equal(selectRecorder(db)?.pid, process.pid));
    } finally {
      await l.stop();
    }
  });

  it('purges closed rows past the retention and keeps the row count bounded; open rows stay', () => {
    const store = openState({ home });
    const DAY = 86_400_000;
    const now = Date.now();
    const row = (port: number) => ({ protocol: 'tcp' as const, family: 4 as const, address: '127.0.0.1', port, inode: null, pid: 1, processName: 'x', command: 'x', cwd: null, user: null });
    transact(store, (db) => {
      db.exec('DELETE FROM listeners_seen');
      const old = insertOpened(db, row(1), now - 40 * DAY);
      markClosed(db, old, now - 39 * DAY, now - 39 * DAY);
      insertOpened(db, row(2), now - 40 * DAY); // still open: never purged
      for (let i = 0; i < 5; i++) {
        const id = insertOpened(db, row(10 + i), now - DAY + i);
        markClosed(db, id, now - DAY + i + 1, now - DAY + i + 1);
      }
    });
    const deleted = transact(store, (db) => purgeHistory(db, now - 30 * DAY));
    assert.equal(deleted, 1);
    const capped = transact(store, (db) => purgeHistory(db, now - 30 * DAY, 4));
    assert.equal(capped, 2, 'the two oldest closed rows go');
    const left = transact(store, (db) => queryHistory(db)).map((e) => e.port).sort((a, b) => a - b);
    assert.deepEqual(left, [2, 12, 13, 14]);
    assert.deepEqual(
      transact(store, (db) => queryHistory(db, { since: now - DAY + 4 })).map((e) => e.port).sort((a, b) => a - b),
      [2, 13, 14],
    );
    assert.deepEqual(transact(store, (db) => queryHistory(db, { since: now })).map((e) => e.port), [2]);
  });

  it('reads the retention from BERTH_HISTORY_DAYS, 30 days by default', () => {
    assert.equal(historyRetentionMs({}), 30 * 86_400_000);
    assert.equal(historyRetentionMs({ BERTH_HISTORY_DAYS: '7' }), 7 * 86_400_000);
    assert.equal(historyRetentionMs({ BERTH_HISTORY_DAYS: 'soon' }), 30 * 86_400_000);
  });

  it('answers from an empty folder without creating a store; berth history exits 1 there', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'berth-history-empty-'));
    try {
      assert.equal(lastHolder(3000, { home: empty }), null);
      assert.deepEqual(listHistory({ home: empty }).items, []);
      const r = await runBerth(['history', '3000'], { env: { BERTH_HOME: empty } });
      assert.equal(r.code, 1);
      assert.match(r.stdout, /Nothing on port 3000 was recorded/);
      assert.match(r.stdout, /berth daemon start/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

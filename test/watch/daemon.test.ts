import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isSameProcessAlive } from '../../src/processes/index.js';
import { runBerth, startListener } from '../helpers/children.js';

const DEADLINE_MS = 30_000;
const home = mkdtempSync(join(tmpdir(), 'berth-daemon-'));
const env = { BERTH_HOME: home };

after(() => {
  // Whatever happened, stop the daemon this file started (only it: the pid file in our own folder, start marker checked).
  try {
    const record = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as { pid: number; startMarker: string | null };
    if (isSameProcessAlive(record)) process.kill(record.pid, 'SIGKILL');
  } catch {
    // no daemon left
  }
  rmSync(home, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) {
      let log = '';
      try {
        log = readFileSync(join(home, 'daemon.log'), 'utf8');
      } catch {
        // no log
      }
      throw new Error(`timed out waiting for ${what}; daemon log:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface HistoryJson {
  entries: Array<{ pid: number; ended: string }>;
  recorder: { kind: string; alive: boolean } | null;
}

describe('berth daemon', () => {
  it('starts in the background, records a listener opening and closing, reports status, and stops', async () => {
    const start = await runBerth(['daemon', 'start', '--interval', '200ms'], { env });
    assert.equal(start.code, 0, start.stderr + start.stdout);
    assert.match(start.stdout, /berth daemon started \(pid \d+\)/);

    const again = await runBerth(['daemon', 'start'], { env });
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already running/);

    const status = await runBerth(['daemon', 'status', '--json'], { env });
    assert.equal(status.code, 0, status.stdout);
    const s = JSON.parse(status.stdout) as { running: boolean; daemon: { pid: number }; recorder: { kind: string; pid: number; alive: boolean } };
    assert.equal(s.running, true);
    assert.equal(s.recorder.kind, 'daemon');
    assert.equal(s.recorder.pid, s.daemon.pid);
    assert.equal(s.recorder.alive, true);

    const l = await startListener();
    const history = async (): Promise<HistoryJson> => JSON.parse((await runBerth(['history', String(l.port), '--json'], { env })).stdout) as HistoryJson;
    try {
      await until('the open entry', async () => ((await history()).entries[0]?.ended === 'open' ? true : null));
    } finally {
      await l.stop();
    }
    const closed = await until('the closed entry', async () => {
      const h = await history();
      return h.entries[0]?.ended === 'closed' ? h : null;
    });
    assert.equal(closed.entries.length, 1);
    assert.equal(closed.entries[0]!.pid, l.pid);
    assert.equal(closed.recorder?.kind, 'daemon');

    const stop = await runBerth(['daemon', 'stop'], { env });
    assert.equal(stop.code, 0, stop.stderr + stop.stdout);
    assert.match(stop.stdout, /stopped/);
    assert.equal(existsSync(join(home, 'daemon.json')), false, 'the pid file is removed');
    const after = await runBerth(['daemon', 'status'], { env });
    assert.equal(after.code, 1);
    assert.match(after.stdout, /not running/);
    assert.match(after.stdout, /Nothing is recording now/);
    const stopAgain = await runBerth(['daemon', 'stop'], { env });
    assert.equal(stopAgain.code, 1);
    assert.match(readFileSync(join(home, 'daemon.log'), 'utf8'), /recording every 200ms[\s\S]*stopped/);
  });

  it('rejects an unknown action with exit 2', async () => {
    const r = await runBerth(['daemon', 'launch'], { env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown daemon action "launch"/);
  });
});

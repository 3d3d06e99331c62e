import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, startListener } from '../helpers/children.js';

const DEADLINE_MS = 30_000;
const SOCKET = `berth-test-${process.pid}`;
const SESSION = 'watch';
let home: string;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}
const capture = (): string => tmux('capture-pane', '-p', '-t', SESSION);
const paneFlags = (): { alternate: boolean; cursor: boolean } => {
  const [alternate, cursor] = tmux('display', '-p', '-t', SESSION, '#{alternate_on} #{cursor_flag}').trim().split(' ');
  return { alternate: alternate === '1', cursor: cursor === '1' };
};

/** Polls until `check` returns true; no timing assertion, only a generous deadline. */
async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${capture()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The pid of the program running in the pane's shell (berth), from /proc/<shell>/task/<shell>/children. */
function berthPid(): number {
  const shell = Number(tmux('display', '-p', '-t', SESSION, '#{pane_pid}').trim());
  const children = readFileSync(`/proc/${shell}/task/${shell}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  assert.equal(children.length, 1, 'one program runs in the pane');
  return children[0]!;
}

async function startWatch(marker: string): Promise<void> {
  tmux('send-keys', '-t', SESSION, `clear; echo ${marker}; ${process.execPath} ${BIN} watch --interval 200ms`, 'Enter');
  await until('the live view', () => paneFlags().alternate && /berth watch · \d+ listener/.test(capture()));
}

async function restored(marker: string): Promise<void> {
  await until('the terminal to be restored', () => {
    const flags = paneFlags();
    return !flags.alternate && flags.cursor && capture().includes(marker);
  });
  assert.doesNotMatch(capture(), /berth watch ·/, 'the live view is gone from the normal screen');
}

describe('berth watch in tmux', { concurrency: false }, () => {
  before(() => {
    home = mkdtempSync(join(tmpdir(), 'berth-watch-tmux-'));
    tmux('new-session', '-d', '-s', SESSION, '-x', '160', '-y', '40', '-e', `BERTH_HOME=${home}`, '-e', 'NO_COLOR=1', 'bash --norc --noprofile');
  });
  after(() => {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('shows a new listener, filters, shows details, stops it after a yes, and q restores the terminal', async () => {
    await startWatch('before-watch-1');
    const l = await startListener();
    try {
      const row = new RegExp(`^>?\\s*${l.port}\\s+tcp\\s+127\\.0\\.0\\.1\\s+${l.pid}\\s+node\\b`, 'm');
      await until('the new listener', () => row.test(capture()));

      tmux('send-keys', '-t', SESSION, '/', ...String(l.port).split(''), 'Enter');
      await until('the filter', () => capture().includes(`filter ${l.port}`) && /berth watch · \d+ listener/.test(capture()));
      const rows = capture().split('\n').filter((line) => /^[> ]\s*\d+ (tcp|udp)/.test(line));
      assert.equal(rows.length, 1, capture());
      assert.match(rows[0]!, /^>/, 'the only row is selected');

      tmux('send-keys', '-t', SESSION, 'Enter');
      await until('the details', () => capture().includes('listen.mjs tcp 127.0.0.1') && capture().includes('reachable only from this machine'));

      const exited = once(l.process, 'exit');
      tmux('send-keys', '-t', SESSION, 'K');
      await until('the confirmation', () => new RegExp(`Stop pid ${l.pid} \\(node\\)\\? \\[y/N\\]`).test(capture()));
      tmux('send-keys', '-t', SESSION, 'y');
      await exited;
      await until('the kill result', () => /exited after SIGTERM/.test(capture()));
    } finally {
      await l.stop();
      tmux('send-keys', '-t', SESSION, 'q');
    }
    await restored('before-watch-1');
  });

  it('Ctrl-C restores the terminal too', async () => {
    await startWatch('before-watch-2');
    tmux('send-keys', '-t', SESSION, 'C-c');
    await restored('before-watch-2');
  });

  it('SIGTERM restores the terminal too', async () => {
    await startWatch('before-watch-3');
    process.kill(berthPid(), 'SIGTERM');
    await restored('before-watch-3');
  });
});

describe('berth watch on a pipe', () => {
  it('prints one JSON object per event: initial listeners, then opened and closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-watch-pipe-'));
    // A listener that is there before the watch starts: its initial event shows the first scan is done.
    const early = await startListener();
    const child = spawn(process.execPath, [BIN, 'watch', '--json', '--interval', '200ms'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BERTH_HOME: dir, NO_COLOR: '1' },
    });
    const events: Array<{ type: string; initial: boolean; durationMs?: number; socket: { localPort: number; protocol: string; holders: Array<{ pid: number }> } }> = [];
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline;
      while ((newline = buffer.indexOf('\n')) !== -1) {
        events.push(JSON.parse(buffer.slice(0, newline)));
        buffer = buffer.slice(newline + 1);
      }
    });
    const waitFor = async (what: string, check: () => boolean): Promise<void> => {
      const deadline = Date.now() + DEADLINE_MS;
      while (!check()) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${what} event; got ${JSON.stringify(events.map((e) => [e.type, e.socket.localPort]))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const on = (port: number) => events.filter((e) => e.socket.localPort === port && e.socket.protocol === 'udp');
    try {
      await waitFor('initial', () => events.some((e) => e.initial && e.socket.localPort === early.port));
      const l = await startListener({ protocol: 'udp' });
      let stopped = false;
      try {
        await waitFor('opened', () => on(l.port).some((e) => e.type === 'opened'));
        await l.stop();
        stopped = true;
        await waitFor('closed', () => on(l.port).some((e) => e.type === 'closed'));
      } finally {
        if (!stopped) await l.stop();
      }
      const mine = on(l.port);
      assert.deepEqual(mine.map((e) => e.type), ['opened', 'closed']);
      assert.equal(mine[0]!.initial, false);
      assert.equal(mine[0]!.socket.holders[0]?.pid, l.pid);
      assert.ok(typeof mine[1]!.durationMs === 'number' && mine[1]!.durationMs >= 0);
      const exit = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exit) as [number | null];
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await early.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

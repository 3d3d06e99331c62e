/**
 * How the CLI writes its output: straight to fd 1 with write(2) until
 * something needs process.stdout. Checked for real on the pipes that make
 * it hard: a non-blocking one that fills up while its reader is slow
 * (write(2) fails with EAGAIN), and one whose reader goes away before berth
 * is done (EPIPE).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isTerminal } from '../../src/cli/render/io.js';
import { BIN, ROOT, startReadyProcess, type Listener } from '../helpers/children.js';

const SOCKETS = 300; // ~240 KB of `ls --json`: several times a pipe's 64 KiB

describe('CLI output on difficult pipes', () => {
  let holder: Listener;
  before(async () => {
    holder = await startReadyProcess(process.execPath, [`${ROOT}test/fixtures/servers/udp-many.mjs`, String(SOCKETS)]);
  });
  after(() => holder.stop());

  /**
   * Runs berth under a python parent that hands it a non-blocking pipe (some
   * supervisors and CI runners do) and only reads after a pause, so write(2)
   * fails with EAGAIN once the pipe's 64 KiB are full; with `readBytes`, the
   * parent then reads that much and closes the pipe.
   */
  async function throughNonBlockingPipe(args: string[], readBytes?: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const parent = [
      'import fcntl, os, subprocess, sys, time',
      'r, w = os.pipe()',
      'fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)',
      'child = subprocess.Popen(sys.argv[2:], stdout=w)',
      'os.close(w)',
      'time.sleep(0.5)',
      'limit = int(sys.argv[1])',
      'if limit > 0:',
      '    data = os.read(r, limit)',
      '    os.close(r)',
      'else:',
      '    data = b"".join(iter(lambda: os.read(r, 65536), b""))',
      'sys.stdout.buffer.write(data)',
      'sys.exit(child.wait())',
    ].join('\n');
    const child = spawn('python3', ['-c', parent, String(readBytes ?? 0), BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    return { code, stdout, stderr };
  }

  it('writes everything to a non-blocking pipe that fills up while the reader is slow', async () => {
    const { code, stdout, stderr } = await throughNonBlockingPipe(['ls', '--pid', String(holder.pid), '--json']);
    assert.equal(code, 0, stderr);
    assert.ok(stdout.length > 128 * 1024, `only ${stdout.length} bytes`);
    const parsed = JSON.parse(stdout) as { sockets: unknown[] };
    assert.equal(parsed.sockets.length, SOCKETS);
  });

  it('ends quietly when that reader goes away after berth handed the rest to the stream', async () => {
    const { code, stdout, stderr } = await throughNonBlockingPipe(['ls', '--pid', String(holder.pid), '--json'], 1000);
    assert.equal(stdout.length, 1000);
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });

  it('stops writing quietly when the reader goes away, with its own exit status', async () => {
    const child = spawn(BIN, ['ls', '--pid', String(holder.pid), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout!.once('data', () => child.stdout!.destroy()); // like `| head -c 100`
    const [code, signal] = (await once(child, 'close')) as [number | null, string | null];
    assert.equal(signal, null);
    assert.equal(code, 0);
    assert.equal(stderr, '');
  });
});

describe('isTerminal', () => {
  const opened: number[] = [];
  const open = (path: string, flags: string): number => {
    const fd = openSync(path, flags);
    opened.push(fd);
    return fd;
  };
  after(() => {
    for (const fd of opened) closeSync(fd);
  });

  it('a file, /dev/null and a closed fd are not terminals (no node:tty needed for them)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-isatty-'));
    try {
      assert.equal(isTerminal(open(join(dir, 'out.txt'), 'w')), false);
      assert.equal(isTerminal(open('/dev/null', 'w')), false);
      const closed = openSync('/dev/null', 'r');
      closeSync(closed);
      assert.equal(isTerminal(closed), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a pseudo-terminal is one', { skip: !existsSync('/dev/ptmx') && 'no /dev/ptmx here' }, () => {
    assert.equal(isTerminal(open('/dev/ptmx', 'r+')), true);
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { BIN, ROOT, hasIPv6, runBerth, startListener } from '../helpers/children.js';
import { freePort } from '../helpers/wait-ports.js';

const ipv6 = await hasIPv6();
const SERVER = `${ROOT}test/fixtures/servers/wait-server.mjs`;

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

describe('berth wait', () => {
  it('exits 0 and says who answered once the port accepts', async () => {
    const l = await startListener({ host: '127.0.0.1' });
    try {
      const r = await runBerth(['wait', `127.0.0.1:${l.port}`]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`127\\.0\\.0\\.1:${l.port} is ready: 127\\.0\\.0\\.1 answered after \\d+`));
      const json = await runBerth(['wait', String(l.port), '--json']);
      assert.equal(json.code, 0);
      const result = JSON.parse(json.stdout) as Record<string, unknown>;
      assert.equal(result.ready, true);
      assert.equal(result.mode, 'connect');
      assert.equal(result.target, String(l.port));
      assert.equal(typeof result.ms, 'number');
      assert.equal(typeof result.attempts, 'number');
      assert.equal(result.family, 4);
    } finally {
      await l.stop();
    }
  });

  it('-q prints nothing', async () => {
    const l = await startListener({ host: '127.0.0.1' });
    try {
      const r = await runBerth(['wait', '-q', `127.0.0.1:${l.port}`]);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
    } finally {
      await l.stop();
    }
  });

  it('a timeout exits 1 with the reason and the fix', async () => {
    const port = await freePort(ipv6);
    const r = await runBerth(['wait', String(port), '--timeout', '300ms']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^berth: localhost:${port} was not ready after 300ms: nothing listens on port ${port}`));
    assert.match(r.stderr, /refused \(ECONNREFUSED\)/);
    assert.match(r.stderr, /fix: /);
    const json = await runBerth(['wait', String(port), '--timeout', '0.3', '--json']);
    assert.equal(json.code, 1);
    const { error } = JSON.parse(json.stdout) as { error: { code: string; data: { diagnosis: { code: string }; timeoutMs: number } } };
    assert.equal(error.code, 'E_TIMEOUT');
    assert.equal(error.data.timeoutMs, 300);
    assert.equal(error.data.diagnosis.code, 'nobody-listening');
  });

  it('a timeout also shows what berth doctor finds on the target', async () => {
    const l = await startListener({ host: '127.0.0.1' });
    process.kill(l.pid, 'SIGSTOP');
    try {
      const r = await runBerth(['wait', `http://127.0.0.1:${l.port}/`, '--timeout', '500ms']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /berth doctor says:/);
      assert.match(r.stderr, /PROCESS_STOPPED/);
      assert.match(r.stderr, new RegExp(`kill -CONT ${l.pid}`));
      const json = JSON.parse((await runBerth(['wait', `http://127.0.0.1:${l.port}/`, '--timeout', '300ms', '--json'])).stdout) as { doctor: { findings: Array<{ code: string }> } };
      assert.ok(json.doctor.findings.some((f) => f.code === 'PROCESS_STOPPED'));
    } finally {
      process.kill(l.pid, 'SIGCONT');
      await l.stop();
    }
  });

  it('--free exits 0 once the holder lets go', async () => {
    const l = await startListener({ host: '127.0.0.1' });
    const timer = setTimeout(() => void l.stop(), 300);
    try {
      const r = await runBerth(['wait', '--free', String(l.port), '--timeout', '10s']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`port ${l.port} is free`));
    } finally {
      clearTimeout(timer);
      await l.stop();
    }
  });

  for (const args of [
    ['wait'],
    ['wait', 'abc'],
    ['wait', '0'],
    ['wait', '3000', '4000'],
    ['wait', '3000', '--timeout', 'soon'],
    ['wait', '3000', '--status', '2xx'],
    ['wait', '3000', '--interval', '0'],
    ['wait', '--free', '3000', '--http'],
    ['wait', '3000', '--bogus'],
    ['wait', '3000', '--'],
  ]) {
    it(`${args.join(' ')} is a usage error, exit 2`, async () => {
      const r = await runBerth(args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^berth: /);
      assert.ok(!r.stderr.includes('    at '), 'no stack trace');
    });
  }

  it('--help documents the command mode and the exit status', async () => {
    const r = await runBerth(['wait', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^berth wait — /);
    assert.match(r.stdout, /-- COMMAND/);
    assert.match(r.stdout, /Exit status/);
  });
});

describe('berth wait -- COMMAND', () => {
  it('fails at once with the exit code and stderr tail of a command that crashes', async () => {
    const port = await freePort(ipv6);
    const r = await runBerth(['wait', String(port), '--timeout', '30s', '--', process.execPath, SERVER, '0', '127.0.0.1', '--crash-after', '200', '3']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /exited with code 3 before localhost:\d+ was ready/);
    assert.match(r.stderr, /│ fatal: cannot open the config file/);
    assert.match(r.stderr, /│ starting up/);
  });

  it('a command that cannot start exits 127', async () => {
    const r = await runBerth(['wait', '3000', '--', 'berth-no-such-command-here']);
    assert.equal(r.code, 127);
    assert.match(r.stderr, /Cannot start "berth-no-such-command-here"/);
  });

  it('waits for the command to listen, then exits with its exit code', async () => {
    const port = await freePort(ipv6);
    const r = await runBerth(['wait', String(port), '--', process.execPath, SERVER, String(port), '127.0.0.1', '--delay', '300', '--exit-after', '300', '5']);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, new RegExp(`localhost:${port} is ready`));
    assert.match(r.stdout, new RegExp(`"port":${port}`), 'the command writes to stdout directly');
  });

  it('--json with a command prints the result and how the command ended', async () => {
    const port = await freePort(ipv6);
    const r = await runBerth(['wait', String(port), '--json', '--', process.execPath, SERVER, String(port), '127.0.0.1', '--exit-after', '100', '0']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const result = JSON.parse(lines.slice(1).join('\n')) as { ready: boolean; command: { exitCode: number; signal: null; argv: string[] } };
    assert.equal(result.ready, true);
    assert.equal(result.command.exitCode, 0);
    assert.equal(result.command.signal, null);
  });

  it('passes SIGTERM on to the command once ready, and exits as it did', async () => {
    const port = await freePort(ipv6);
    const berth = spawn(process.execPath, [BIN, 'wait', `127.0.0.1:${port}`, '--', process.execPath, SERVER, String(port), '127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    berth.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const exited = once(berth, 'exit');
    try {
      await new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (stderr.includes('is ready') && stdout.includes('\n')) resolve();
        };
        berth.stderr.on('data', (c: Buffer) => {
          stderr += c.toString();
          check();
        });
        berth.stdout.on('data', check);
        berth.once('exit', () => reject(new Error(`berth exited early: ${stderr}`)));
      });
      const serverPid = (JSON.parse(stdout.split('\n')[0]!) as { pid: number }).pid;
      berth.kill('SIGTERM');
      const [code, signal] = (await exited) as [number | null, string | null];
      assert.deepEqual([code, signal], [143, null], stderr);
      assert.ok(isGone(serverPid), 'the command got SIGTERM and ended');
    } finally {
      if (berth.exitCode === null && berth.signalCode === null) berth.kill('SIGKILL');
    }
  });

  it('on timeout, stops the command and explains', async () => {
    const port = await freePort(ipv6);
    // The command listens, but on another port (0): the wait can only time out.
    const r = await runBerth(['wait', String(port), '--timeout', '500ms', '--', process.execPath, SERVER, '0', '127.0.0.1']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /was not ready after 500ms/);
    const serverPid = (JSON.parse(r.stdout.split('\n')[0]!) as { pid: number }).pid;
    assert.ok(isGone(serverPid), 'berth stopped the command');
  });
});

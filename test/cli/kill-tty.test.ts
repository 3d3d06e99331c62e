import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { BIN, ROOT, startListener } from '../helpers/children.js';
import { isSameProcessAlive, readProcess } from '../../src/processes/index.js';

/** Runs berth on a real pseudo-terminal, answering prompts in order. */
async function onTerminal(args: string[], answers: Array<[string, string]>): Promise<{ code: number; output: string }> {
  const spec = JSON.stringify({ argv: [process.execPath, BIN, ...args], answers, timeout: 30 });
  const child = spawn('python3', [`${ROOT}test/fixtures/pty-driver.py`, spec], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await once(child, 'close');
  return JSON.parse(out) as { code: number; output: string };
}

describe('berth kill on a terminal', () => {
  it('asks before stopping; "n" stops nothing', async () => {
    const l = await startListener();
    try {
      const r = await onTerminal(['kill', `127.0.0.1:${l.port}`, '--tcp'], [['Stop it\\? \\[y/N\\]', 'n\r']]);
      assert.equal(r.code, 1);
      assert.match(r.output, /This process holds/);
      assert.match(r.output, /Nothing was stopped/);
      assert.ok(isSameProcessAlive(readProcess(l.pid)!));
    } finally {
      await l.stop();
    }
  });

  it('"y" stops it; a survivor of SIGTERM is killed only after a second yes', async () => {
    const l = await startListener({ ignoreTerm: true });
    try {
      const r = await onTerminal(
        ['kill', `127.0.0.1:${l.port}`, '--tcp', '--timeout', '300ms'],
        [
          ['Stop it\\? \\[y/N\\]', 'y\r'],
          ['Send SIGKILL\\? \\[y/N\\]', 'y\r'],
        ],
      );
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, /still running after 300ms/);
      assert.match(r.output, /was killed with SIGKILL/);
      assert.match(r.output, /is free/);
    } finally {
      await l.stop();
    }
  });

  it('-y skips the first question but never the SIGKILL one', async () => {
    const l = await startListener({ ignoreTerm: true });
    try {
      const r = await onTerminal(['kill', '-y', `127.0.0.1:${l.port}`, '--tcp', '--timeout', '200ms'], [['Send SIGKILL\\? \\[y/N\\]', '\r']]);
      assert.equal(r.code, 1, r.output);
      assert.doesNotMatch(r.output, /Stop it\?/);
      assert.match(r.output, /still running/);
      assert.ok(isSameProcessAlive(readProcess(l.pid)!));
    } finally {
      await l.stop();
    }
  });
});

describe('berth kill guards', () => {
  it('refuses to stop the program that started it', async () => {
    // A parent that holds a port and runs `berth kill` on it: the parent must be refused.
    const script = `
      const { createServer } = require('node:net');
      const { spawnSync } = require('node:child_process');
      const server = createServer().listen(0, '127.0.0.1', () => {
        const r = spawnSync(process.execPath, [${JSON.stringify(BIN)}, 'kill', '127.0.0.1:' + server.address().port], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
        process.stdout.write(JSON.stringify({ code: r.status, stdout: r.stdout, stderr: r.stderr }));
        server.close();
      });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const [code] = (await once(child, 'close')) as [number];
    assert.equal(code, 0, 'the parent survived');
    const r = JSON.parse(out) as { code: number; stdout: string };
    assert.equal(r.code, 1);
    assert.match(r.stdout, /is not stopped: it is the shell or program that started berth/);
  });
});

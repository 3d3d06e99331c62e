/**
 * bin/berth.cjs started as a command: its shell line keeps NODE_EXTRA_CA_CERTS
 * from Node's start-up, and the JavaScript puts it back for everything berth
 * starts. Run for real, through the file's #! line, and through `node
 * bin/berth.cjs` (no shell part) for comparison.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BIN } from '../helpers/children.js';
import { close, listen } from '../helpers/net.js';

/** A command that prints what it got of the two variables, then stays a moment: berth must see the port ready before it exits. */
const REPORT = `console.log(JSON.stringify({ extra: process.env.NODE_EXTRA_CA_CERTS ?? null, kept: process.env.BERTH_EXTRA_CA_CERTS ?? null })); setTimeout(() => {}, 1000);`;

interface Seen {
  code: number | null;
  seen: { extra: string | null; kept: string | null };
  stderr: string;
}

async function runWait(launch: 'command' | 'node', port: number, env: NodeJS.ProcessEnv): Promise<Seen> {
  const args = ['wait', `127.0.0.1:${port}`, '--quiet', '--', process.execPath, '-e', REPORT];
  const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete base.NODE_EXTRA_CA_CERTS;
  delete base.BERTH_EXTRA_CA_CERTS;
  delete base.NODE_OPTIONS;
  const child =
    launch === 'command'
      ? spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...base, ...env } })
      : spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...base, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  assert.ok(stdout.trim().startsWith('{'), `no report (exit ${code}): ${stderr}`);
  return { code, seen: JSON.parse(stdout.trim().split('\n')[0]!), stderr };
}

describe('bin/berth.cjs and NODE_EXTRA_CA_CERTS', () => {
  const server = createServer();
  let port = 0;
  before(async () => {
    port = await listen(server, '127.0.0.1');
  });
  after(() => close(server));
  // A file that does not exist: each Node that loads it at start-up says so
  // on stderr, which tells whether berth's own Node did.
  const file = `/nonexistent/berth-test-ca-${process.pid}.pem`;
  const loads = (stderr: string): number => stderr.match(/Ignoring extra certs from/g)?.length ?? 0;

  it('started as a command, keeps the variable from its own Node and hands it on unchanged', async () => {
    const { code, seen, stderr } = await runWait('command', port, { NODE_EXTRA_CA_CERTS: file });
    assert.equal(code, 0, stderr);
    assert.deepEqual(seen, { extra: file, kept: null });
    assert.equal(loads(stderr), 1, `only the command berth started loads it:\n${stderr}`);
  });

  it('started as node bin/berth.cjs, Node loads it (nothing to keep) and hands it on', async () => {
    const { code, seen, stderr } = await runWait('node', port, { NODE_EXTRA_CA_CERTS: file });
    assert.equal(code, 0, stderr);
    assert.deepEqual(seen, { extra: file, kept: null });
    assert.equal(loads(stderr), 2, stderr);
  });

  it('leaves everything alone when the variable is not set', async () => {
    const { code, seen, stderr } = await runWait('command', port, {});
    assert.equal(code, 0, stderr);
    assert.deepEqual(seen, { extra: null, kept: null });
  });

  it('keeps it from Node under --use-openssl-ca too (the CAs are added to whichever store Node uses)', async () => {
    const { code, seen, stderr } = await runWait('command', port, { NODE_EXTRA_CA_CERTS: file, NODE_OPTIONS: '--use-openssl-ca' });
    assert.equal(code, 0, stderr);
    assert.deepEqual(seen, { extra: file, kept: null });
    assert.equal(loads(stderr), 1, stderr);
  });

  it('hands every argument on unchanged through the shell line (spaces, globs, quotes, empty)', async () => {
    const args = ['a b', '*', '$HOME', '"q"', '', '--'];
    const print = `console.log(JSON.stringify(process.argv.slice(1))); setTimeout(() => {}, 1000);`;
    const child = spawn(BIN, ['wait', `127.0.0.1:${port}`, '--quiet', '--', process.execPath, '-e', print, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(stdout.trim()), args);
  });

  it('a BERTH_EXTRA_CA_CERTS left in the environment is not handed on as NODE_EXTRA_CA_CERTS', async () => {
    const { code, seen, stderr } = await runWait('command', port, { BERTH_EXTRA_CA_CERTS: file });
    assert.equal(code, 0, stderr);
    assert.deepEqual(seen, { extra: null, kept: null });
  });
});

/**
 * berth wait on a host name that does not resolve yet, the docker compose
 * case (`berth wait db:5432` before the db container is up), made for real in
 * a network namespace this test creates: the name is added to the
 * namespace's /etc/hosts while berth waits. DNS inside points at the
 * namespace's own loopback, so no lookup leaves it. Needs root and `ip netns`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { caSigned, hasOpenssl } from '../helpers/certificates.js';
import { BIN } from '../helpers/children.js';
import { listenIn, skipReason, withNamespace } from '../helpers/netns.js';

const SKIP = skipReason();
const ETC = { hosts: '127.0.0.1 localhost\n::1 localhost\n', 'resolv.conf': 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' };

interface Outcome {
  code: number | null;
  json: Record<string, any>;
  stderr: string;
}

/**
 * Starts the built `berth wait … --json` inside `ns` (with `asCommand`,
 * through bin/berth.cjs's #! line, as a user's shell does); resolves when it exits.
 */
function waitIn(ns: string, args: string[], options: { asCommand?: boolean; env?: NodeJS.ProcessEnv } = {}): { exited: Promise<Outcome>; running: () => boolean } {
  const berth = options.asCommand ? [BIN] : [process.execPath, BIN];
  const child = spawn('ip', ['netns', 'exec', ns, ...berth, 'wait', ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = once(child, 'close').then(([code]) => {
    assert.ok(stdout.trim().startsWith('{'), `berth wait printed no JSON (exit ${code}): ${stderr}`);
    return { code: code as number | null, json: JSON.parse(stdout) as Record<string, any>, stderr };
  });
  return { exited, running: () => child.exitCode === null && child.signalCode === null };
}

describe('berth wait on a name that does not resolve yet', { skip: SKIP ?? false }, () => {
  it('keeps looking the name up, then waits on the address it gets', async () => {
    await withNamespace(async (ns, started) => {
      const server = await listenIn(ns, '127.0.0.1', started);
      const name = `db-${process.pid}.test`;
      const wait = waitIn(ns, [`${name}:${server.port}`, '--timeout', '20s']);
      await sleep(600);
      assert.ok(wait.running(), 'an unknown name is not an error: berth keeps waiting');
      appendFileSync(`/etc/netns/${ns}/hosts`, `127.0.0.1 ${name}\n`);
      const { code, json } = await wait.exited;
      assert.equal(code, 0, JSON.stringify(json));
      assert.equal(json.ready, true);
      assert.equal(json.address, '127.0.0.1');
      assert.ok(json.attempts >= 2, `attempts: ${json.attempts}`);
    }, ETC);
  });

  it('times out naming the name, and points at a listener on the same port here', async () => {
    await withNamespace(async (ns, started) => {
      const server = await listenIn(ns, '127.0.0.1', started);
      const { code, json } = await waitIn(ns, [`nowhere-${process.pid}.test:${server.port}`, '--timeout', '400ms']).exited;
      assert.equal(code, 1);
      assert.equal(json.error.code, 'E_TIMEOUT');
      const diagnosis = json.error.data.diagnosis;
      assert.equal(diagnosis.code, 'unresolved');
      assert.match(diagnosis.reason, /does not resolve/);
      assert.match(diagnosis.fix, new RegExp(`localhost:${server.port}`));
      assert.ok(json.error.data.attempts >= 2, `attempts: ${json.error.data.attempts}`);
    }, ETC);
  });

  it('verifies an HTTPS name with the CAs of NODE_EXTRA_CA_CERTS, also when the launcher kept them from Node', { skip: !hasOpenssl && 'openssl is not installed' }, async () => {
    const name = `secure-${process.pid}.test`;
    const { ca, cert, key } = caSigned([name]);
    await withNamespace(
      async (ns, started) => {
        const server = await listenIn(ns, '127.0.0.1', started, { cert, key });
        const url = `https://${name}:${server.port}/`;
        const trusted = await waitIn(ns, [url, '--timeout', '10s'], { asCommand: true, env: { NODE_EXTRA_CA_CERTS: ca, NODE_OPTIONS: '' } }).exited;
        assert.equal(trusted.code, 0, JSON.stringify(trusted.json));
        assert.equal(trusted.json.ready, true);
        const unknownCa = await waitIn(ns, [url, '--timeout', '500ms'], { asCommand: true, env: { NODE_EXTRA_CA_CERTS: '', NODE_OPTIONS: '' } }).exited;
        assert.equal(unknownCa.code, 1, JSON.stringify(unknownCa.json));
        assert.equal(unknownCa.json.error.data.diagnosis.code, 'tls', JSON.stringify(unknownCa.json.error.data));
        assert.equal(unknownCa.json.error.data.last[0].reason, 'tls');
        assert.match(unknownCa.json.error.message, /speaks TLS, but its certificate is not signed by a CA this machine trusts/);
        assert.equal(unknownCa.json.error.hint, `Trust the CA that signed it: NODE_EXTRA_CA_CERTS=/path/to/ca.pem berth wait ${url} (berth does not check certificates on loopback addresses).`);
      },
      { ...ETC, hosts: `${ETC.hosts}127.0.0.1 ${name}\n` },
    );
  });
});

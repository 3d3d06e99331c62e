import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { describe, it } from 'node:test';
import type { Diagnosis } from '../../src/alloc/wait-diagnosis.js';
import { parseStatuses, planWait, pollDelayMs, waitFor, type WaitProgress } from '../../src/alloc/wait.js';
import { isBerthError, type BerthError } from '../../src/errors.js';
import { tryBind } from '../../src/probe/bind.js';
import { hasOpenssl, selfSigned } from '../helpers/certificates.js';
import { ROOT, hasIPv6, startListener, startReadyProcess } from '../helpers/children.js';
import { freePort } from '../helpers/wait-ports.js';
import { close, listen } from '../helpers/net.js';

const ipv6 = await hasIPv6();
const SERVER = `${ROOT}test/fixtures/servers/wait-server.mjs`;


/** Runs `promise`, expecting E_TIMEOUT; returns the error and its diagnosis. */
async function timedOut(promise: Promise<unknown>): Promise<{ error: BerthError; diagnosis: Diagnosis }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isBerthError(error), String(error));
    assert.equal(error.code, 'E_TIMEOUT', error.message);
    return { error, diagnosis: error.data.diagnosis as Diagnosis };
  }
  assert.fail('the wait did not time out');
}

describe('waitFor: ready', () => {
  it('waits for a server that starts listening 300 ms later', async () => {
    // The port number must be known before the server exists: see test/helpers/wait-ports.ts.
    const port = await freePort(ipv6);
    const server = createServer((c) => c.destroy());
    const timer = setTimeout(() => void listen(server, '127.0.0.1', port), 300);
    try {
      const progress: WaitProgress[] = [];
      const result = await waitFor(port, { timeout: 10, onAttempt: (p) => progress.push(p) });
      assert.equal(result.ready, true);
      assert.equal(result.mode, 'connect');
      assert.equal(result.address, '127.0.0.1');
      assert.ok(result.attempts > 2, `${result.attempts} attempts`);
      assert.ok(progress.some((p) => p.attempt.reason === 'refused'));
      assert.ok(progress.some((p) => p.attempt.address === '::1') === ipv6, 'a bare port tries ::1 too');
    } finally {
      clearTimeout(timer);
      if (server.listening) await close(server);
    }
  });

  it('finds an IPv6-only server through localhost', { skip: !ipv6 && 'no IPv6 here' }, async () => {
    const port = await freePort(true);
    const server = createServer((c) => c.destroy());
    const timer = setTimeout(() => void listen(server, '::1', port), 100);
    try {
      const result = await waitFor(`localhost:${port}`, { timeout: 10 });
      // Another process may have taken the number on 127.0.0.1 meanwhile; then either may answer.
      const v4Taken = !(await tryBind(port, '127.0.0.1')).ok;
      if (!v4Taken) assert.equal(result.address, '::1');
      assert.equal(result.ready, true);
    } finally {
      clearTimeout(timer);
      if (server.listening) await close(server);
    }
  });

  it('waits through HTTP 500 until the server answers 200', async () => {
    let status = 500;
    const server = createHttpServer((_req, res) => {
      res.statusCode = status;
      res.end();
    });
    const port = await listen(server, '127.0.0.1');
    const timer = setTimeout(() => (status = 200), 300);
    try {
      const seen: number[] = [];
      const result = await waitFor(`http://127.0.0.1:${port}/health`, {
        timeout: '10s',
        onAttempt: (p) => p.attempt.status !== null && seen.push(p.attempt.status),
      });
      assert.equal(result.mode, 'http');
      assert.equal(result.status, 200);
      assert.ok(seen.includes(500) && seen.at(-1) === 200, seen.join(','));
    } finally {
      clearTimeout(timer);
      await close(server);
    }
  });

  it('accepts the statuses it is told to, with --http on a bare host:port', async () => {
    const server = createHttpServer((_req, res) => {
      res.statusCode = 401;
      res.end();
    });
    const port = await listen(server, '127.0.0.1');
    try {
      const result = await waitFor(`127.0.0.1:${port}`, { http: true, statuses: '200-299,401', timeout: 5 });
      assert.equal(result.status, 401);
    } finally {
      await close(server);
    }
  });

  it('--free waits until a held port is released', async () => {
    const l = await startListener({ host: '127.0.0.1' });
    const timer = setTimeout(() => void l.stop(), 300);
    try {
      const result = await waitFor(`127.0.0.1:${l.port}`, { free: true, timeout: 10 });
      assert.equal(result.mode, 'free');
      assert.ok(result.attempts > 1);
    } finally {
      clearTimeout(timer);
      await l.stop();
    }
  });
});

describe('waitFor: timeouts explain themselves', () => {
  it('nobody listening', async () => {
    const port = await freePort(ipv6);
    const { error, diagnosis } = await timedOut(waitFor(port, { timeoutMs: 300 }));
    assert.equal(diagnosis.code, 'nobody-listening');
    assert.match(error.message, new RegExp(`localhost:${port} was not ready after 300ms: nothing listens on port ${port}`));
    assert.ok(error.hint);
    assert.equal((error.data.last as unknown[]).length, ipv6 ? 2 : 1);
  });

  it('a server on ::1 only, waited for on 127.0.0.1', { skip: !ipv6 && 'no IPv6 here' }, async () => {
    const l = await startListener({ host: '::1' });
    try {
      if (!(await tryBind(l.port, '127.0.0.1')).ok) return; // another process holds the number on IPv4
      const { error, diagnosis } = await timedOut(waitFor(`127.0.0.1:${l.port}`, { timeoutMs: 300 }));
      assert.equal(diagnosis.code, 'other-address');
      assert.match(error.message, new RegExp(`pid ${l.pid} \\(node\\) listens on \\[::1\\]:${l.port} only`));
      assert.match(error.hint ?? '', new RegExp(`localhost:${l.port}`));
    } finally {
      await l.stop();
    }
  });

  it('an HTTP status that is never accepted names the status', async () => {
    const server = createHttpServer((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    const port = await listen(server, '127.0.0.1');
    try {
      const { error, diagnosis } = await timedOut(waitFor(`http://127.0.0.1:${port}/`, { timeoutMs: 300 }));
      assert.equal(diagnosis.code, 'status');
      assert.match(error.message, /answers HTTP 503, and only 200-399 counts as ready/);
      assert.match(error.hint ?? '', /--status 200-399,503/);
    } finally {
      await close(server);
    }
  });

  it('https:// to a plain HTTP server: it does not speak TLS there', async () => {
    const server = createHttpServer((_req, res) => res.end());
    const port = await listen(server, '127.0.0.1');
    try {
      const { error, diagnosis } = await timedOut(waitFor(`https://127.0.0.1:${port}/`, { timeoutMs: 300 }));
      assert.equal(diagnosis.code, 'tls');
      assert.match(error.message, /does not speak TLS there/);
      assert.equal(error.hint, `Use http:// instead of https://: berth wait http://127.0.0.1:${port}/`);
    } finally {
      await close(server);
    }
  });

  it('https:// to a server that wants a client certificate says so, not "use http://"', { skip: !hasOpenssl && 'openssl is not installed' }, async () => {
    const { cert, key } = selfSigned('localhost');
    const server = createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key), requestCert: true, rejectUnauthorized: true }, (_req, res) => res.end());
    const port = await listen(server, '127.0.0.1');
    try {
      const { error, diagnosis } = await timedOut(waitFor(`https://127.0.0.1:${port}/`, { timeoutMs: 300 }));
      assert.equal(diagnosis.code, 'tls');
      assert.match(error.message, /speaks TLS, but it asks for a client certificate/);
      assert.equal(error.hint, `Wait for a TCP connect instead: berth wait 127.0.0.1:${port}`);
    } finally {
      await close(server);
    }
  });

  it('a stopped server (SIGSTOP): connects queue up, HTTP never answers', async () => {
    const l = await startReadyProcess(process.execPath, [SERVER, '0', '127.0.0.1', '--http', '200']);
    try {
      process.kill(l.pid, 'SIGSTOP');
      const { error, diagnosis } = await timedOut(waitFor(`http://127.0.0.1:${l.port}/`, { timeoutMs: 500, attemptTimeoutMs: 200 }));
      assert.equal(diagnosis.code, 'stopped');
      assert.match(error.message, new RegExp(`pid ${l.pid} .* is stopped \\(state T\\)`));
      assert.equal(error.hint, `Resume it: kill -CONT ${l.pid} (or fg in the shell that started it).`);
    } finally {
      process.kill(l.pid, 'SIGCONT');
      await l.stop();
    }
  });

  it('--free on a port that stays held names the holder', async () => {
    const l = await startListener({ host: '127.0.0.1' });
    try {
      const { diagnosis, error } = await timedOut(waitFor(l.port, { free: true, timeoutMs: 300 }));
      assert.equal(diagnosis.code, 'still-held');
      assert.match(error.message, new RegExp(`pid ${l.pid} \\(node\\) still listens on 127\\.0\\.0\\.1:${l.port}`));
      assert.equal(error.hint, `Stop it: berth kill ${l.port}`);
    } finally {
      await l.stop();
    }
  });

  it('a timeout of 0 still makes one attempt per address', async () => {
    const port = await freePort(ipv6);
    const { error } = await timedOut(waitFor(port, { timeout: 0 }));
    assert.equal(error.data.attempts, ipv6 ? 2 : 1);
  });
});

describe('waitFor: input and control', () => {
  it('rejects bad targets, durations and statuses', async () => {
    await assert.rejects(waitFor('abc'), { code: 'E_TARGET_INVALID' });
    await assert.rejects(waitFor('0'), { code: 'E_PORT_INVALID' });
    await assert.rejects(waitFor(3000, { timeout: 'soon' }), { code: 'E_DURATION_INVALID' });
    await assert.rejects(waitFor(3000, { http: true, statuses: '2xx' }), { code: 'E_USAGE' });
    await assert.rejects(waitFor('postgres://localhost:5432/db', { http: true }), { code: 'E_USAGE' });
  });

  it('stops when the signal aborts', async () => {
    const port = await freePort(ipv6);
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('enough')), 100);
    await assert.rejects(waitFor(port, { timeout: 30, signal: ac.signal }), /enough/);
  });

  it('plans targets: bare port is localhost on both families; URLs imply HTTP', async () => {
    const bare = await planWait('3000');
    assert.equal(bare.mode, 'connect');
    assert.deepEqual(bare.addresses.map((a) => a.address).sort(), ['127.0.0.1', '::1']);
    const url = await planWait('https://localhost:8443/health');
    assert.equal(url.mode, 'http');
    assert.equal(url.url, 'https://localhost:8443/health');
    assert.deepEqual(url.statuses, [{ from: 200, to: 399 }]);
    const forced = await planWait('[::1]:8080', { http: true });
    assert.equal(forced.url, 'http://[::1]:8080/');
    const free = await planWait('3000', { free: true });
    assert.deepEqual(free.addresses.map((a) => a.address), ['127.0.0.1', '::1', '0.0.0.0', '::']);
    assert.equal((await planWait('postgres://127.0.0.1:5432/db')).mode, 'connect');
  });

  it('parses status lists', () => {
    assert.deepEqual(parseStatuses('200'), [{ from: 200, to: 200 }]);
    assert.deepEqual(parseStatuses('200-299, 404'), [{ from: 200, to: 299 }, { from: 404, to: 404 }]);
    for (const bad of ['', '2xx', '99', '600', '300-200', '200-']) assert.throws(() => parseStatuses(bad), { code: 'E_USAGE' }, bad);
  });

  it('polls every 10 ms at first and backs off to the cap', () => {
    assert.equal(pollDelayMs(0), 10);
    assert.equal(pollDelayMs(2000), 20);
    assert.ok(pollDelayMs(4000) === 40);
    assert.equal(pollDelayMs(60_000), 250);
    assert.equal(pollDelayMs(60_000, 500), 500);
    assert.equal(pollDelayMs(0, 5), 5);
  });
});

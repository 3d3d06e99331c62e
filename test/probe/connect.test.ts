import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tryBind } from '../../src/probe/bind.js';
import {
  classifyConnectError,
  isSelfConnect,
  orderLikeNetConnect,
  probeConnect,
  resolveHost,
} from '../../src/probe/connect.js';
import { probeHttp } from '../../src/probe/http.js';
import { identifyPort } from '../../src/probe/identify/index.js';
import { caSigned, hasOpenssl, selfSigned } from '../helpers/certificates.js';
import { hasIPv6, startReadyProcess } from '../helpers/children.js';
import { evenEphemeralPort, freePort } from '../helpers/wait-ports.js';
import { close, listen } from '../helpers/net.js';

const ipv6 = await hasIPv6();


describe('probeConnect', () => {
  it('connects to a listener and reports the address, family and local port', async () => {
    const server = createServer((c) => c.destroy());
    const port = await listen(server, '127.0.0.1');
    try {
      const r = await probeConnect('127.0.0.1', port);
      assert.equal(r.ok, true);
      assert.equal(r.address, '127.0.0.1');
      assert.equal(r.family, 4);
      assert.ok(r.ok && r.localPort > 0 && r.localPort !== port);
    } finally {
      await close(server);
    }
  });

  it('reports refused for a port nobody listens on', async () => {
    const port = await freePort(false);
    const r = await probeConnect('127.0.0.1', port);
    assert.deepEqual([r.ok, !r.ok && r.reason, !r.ok && r.code], [false, 'refused', 'ECONNREFUSED']);
  });

  it('probes IPv6 loopback', { skip: !ipv6 && 'no IPv6 here' }, async () => {
    const server = createServer((c) => c.destroy());
    const port = await listen(server, '::1');
    try {
      const r = await probeConnect('::1', port);
      assert.equal(r.ok, true);
      assert.equal(r.family, 6);
    } finally {
      await close(server);
    }
  });

  it('times out on a listener whose accept queue is full (the kernel drops the SYN)', async () => {
    // backlog 0 and nobody calling accept(): the queue holds one connection, further SYNs are dropped.
    const python = `import socket, sys, time, json, os
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)
print(json.dumps({"port": s.getsockname()[1], "pid": os.getpid(), "childPid": None}), flush=True)
time.sleep(120)`;
    const l = await startReadyProcess('python3', ['-c', python]);
    const fillers = [connect(l.port, '127.0.0.1'), connect(l.port, '127.0.0.1')];
    for (const f of fillers) f.on('error', () => {});
    try {
      await new Promise((r) => setTimeout(r, 100));
      const r = await probeConnect('127.0.0.1', l.port, { timeoutMs: 300 });
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.reason, 'timeout');
      assert.ok(r.ms >= 250, `${r.ms} ms`);
    } finally {
      for (const f of fillers) f.destroy();
      await l.stop();
    }
  });

  it('rejects with the abort reason when aborted, and refuses non-IP input', async () => {
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await assert.rejects(probeConnect('127.0.0.1', 1, { signal: ac.signal }), /stop/);
    await assert.rejects(probeConnect('localhost', 3000), { code: 'E_TARGET_INVALID' });
  });

  it('maps errno codes to reasons', () => {
    assert.equal(classifyConnectError('ECONNREFUSED'), 'refused');
    assert.equal(classifyConnectError('ETIMEDOUT'), 'timeout');
    assert.equal(classifyConnectError('EHOSTUNREACH'), 'unreachable');
    assert.equal(classifyConnectError('ENETUNREACH'), 'unreachable');
    assert.equal(classifyConnectError('EADDRNOTAVAIL'), 'address-unavailable');
    assert.equal(classifyConnectError('ECONNRESET'), 'reset');
    assert.equal(classifyConnectError('EPIPE'), 'other');
  });
});

describe('self-connect', () => {
  it('is recognised from the socket addresses', () => {
    assert.equal(isSelfConnect({ address: '127.0.0.1', port: 40000 }, { address: '127.0.0.1', port: 40000 }), true);
    assert.equal(isSelfConnect({ address: '::ffff:127.0.0.1', port: 40000 }, { address: '127.0.0.1', port: 40000 }), true);
    assert.equal(isSelfConnect({ address: '::1', port: 40000 }, { address: '::1', port: 40000 }), true);
    assert.equal(isSelfConnect({ address: '127.0.0.1', port: 40000 }, { address: '127.0.0.1', port: 40001 }), false);
    assert.equal(isSelfConnect({ address: '127.0.0.1', port: 40000 }, { address: '127.0.0.2', port: 40000 }), false);
    assert.equal(isSelfConnect({}, { address: '127.0.0.1', port: 40000 }), false);
  });

  it('a connect that lands on itself is reported as self-connect, never ok, and leaves the port bindable', async (t) => {
    // With nobody listening on an ephemeral loopback port, repeated connects walk through
    // the source ports until one equals the destination: TCP simultaneous open with itself.
    const port = await evenEphemeralPort();
    const deadline = Date.now() + 15_000;
    let selfConnects = 0;
    let attempts = 0;
    while (Date.now() < deadline && selfConnects === 0) {
      const r = await probeConnect('127.0.0.1', port);
      attempts++;
      if (r.ok) {
        // Someone else started listening on the number meanwhile; nothing to learn here.
        t.skip(`another process took port ${port}`);
        return;
      }
      if (r.reason === 'self-connect') selfConnects++;
      else assert.equal(r.reason, 'refused');
    }
    if (selfConnects === 0) {
      t.skip(`no self-connect in ${attempts} attempts (the kernel's source port choice did not reach ${port})`);
      return;
    }
    const bind = await tryBind(port, '127.0.0.1');
    assert.ok(bind.ok, `port ${port} is bindable again after the self-connect was reset: ${JSON.stringify(bind)}`);
  });
});

describe('resolveHost', () => {
  it('returns IP literals as they are, brackets removed', async () => {
    assert.deepEqual(await resolveHost('127.0.0.1'), [{ address: '127.0.0.1', family: 4 }]);
    assert.deepEqual(await resolveHost('[::1]'), [{ address: '::1', family: 6 }]);
  });

  it('localhost and *.localhost are both loopbacks, whatever /etc/hosts says', async () => {
    for (const host of ['localhost', 'app.localhost', 'LOCALHOST']) {
      const found = await resolveHost(host);
      assert.deepEqual(found.map((a) => a.address).sort(), ['127.0.0.1', '::1']);
    }
  });

  it('interleaves families like net.connect with autoSelectFamily', () => {
    const a = (address: string) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 });
    const ordered = orderLikeNetConnect([a('::1'), a('fd00::1'), a('127.0.0.1'), a('10.0.0.1'), a('::1')]);
    assert.deepEqual(
      ordered.map((x) => x.address),
      ['::1', '127.0.0.1', 'fd00::1', '10.0.0.1'],
    );
  });
});

describe('probeHttp', () => {
  it('reports the status of a GET, through localhost to an IPv6-only server', { skip: !ipv6 && 'no IPv6 here' }, async () => {
    const server = createHttpServer((req, res) => {
      res.statusCode = req.url === '/health' ? 503 : 200;
      res.end();
    });
    const port = await listen(server, '::1', await freePort(true));
    try {
      const r = await probeHttp(`http://localhost:${port}/health`);
      assert.equal(r.ok, true);
      assert.equal(r.ok && r.status, 503);
      assert.equal(r.ok && r.address, '::1');
    } finally {
      await close(server);
    }
  });

  it('never goes through HTTP_PROXY / HTTPS_PROXY', async () => {
    let proxied = 0;
    const proxy = createServer((c) => {
      proxied++;
      c.destroy();
    });
    const proxyPort = await listen(proxy, '127.0.0.1');
    const server = createHttpServer((_req, res) => res.end('ok'));
    const port = await listen(server, '127.0.0.1');
    const saved = { ...process.env };
    try {
      for (const name of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY']) process.env[name] = `http://127.0.0.1:${proxyPort}`;
      process.env.NO_PROXY = '';
      const r = await probeHttp(`http://127.0.0.1:${port}/`);
      assert.equal(r.ok && r.status, 200);
      assert.equal(proxied, 0);
    } finally {
      for (const name of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'NO_PROXY']) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
      await close(server);
      await close(proxy);
    }
  });

  it('accepts a self-signed certificate on localhost', { skip: !hasOpenssl && 'openssl is not installed' }, async () => {
    const { cert, key } = selfSigned('localhost');
    const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => {
      res.statusCode = 204;
      res.end();
    });
    const port = await listen(server, '127.0.0.1');
    try {
      const r = await probeHttp(`https://localhost:${port}/`, { address: '127.0.0.1' });
      assert.equal(r.ok && r.status, 204);
      const strict = await probeHttp(`https://localhost:${port}/`, { address: '127.0.0.1', insecure: false });
      assert.equal(!strict.ok && strict.reason, 'tls');
    } finally {
      await close(server);
    }
  });

  it('trusts the CAs of NODE_EXTRA_CA_CERTS when bin/berth.cjs kept them from Node', { skip: !hasOpenssl && 'openssl is not installed' }, async () => {
    const name = 'secure.test';
    const { ca, cert, key } = caSigned([name, '127.0.0.1']); // identify connects by address
    const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => {
      res.statusCode = 204;
      res.end();
    });
    const port = await listen(server, '127.0.0.1');
    const slot = Symbol.for('berth.extraCaCertsFile');
    const global = globalThis as Record<symbol, unknown>;
    try {
      const strict = { address: '127.0.0.1', insecure: false };
      const untrusted = await probeHttp(`https://${name}:${port}/`, strict);
      assert.equal(!untrusted.ok && untrusted.reason, 'tls', 'a CA Node does not know is refused');
      assert.equal((await identifyPort(`127.0.0.1:${port}`)).tls?.trusted, false);
      global[slot] = ca;
      const trusted = await probeHttp(`https://${name}:${port}/`, strict);
      assert.equal(trusted.ok && trusted.status, 204, JSON.stringify(trusted));
      assert.equal((await identifyPort(`127.0.0.1:${port}`)).tls?.trusted, true, 'berth identify trusts it too');
      global[slot] = join(tmpdir(), `berth-no-such-ca-${process.pid}.pem`);
      const missing = await probeHttp(`https://${name}:${port}/`, strict);
      assert.equal(!missing.ok && missing.reason, 'tls', 'an unreadable file adds no trust');
    } finally {
      delete global[slot];
      await close(server);
    }
  });

  it('tells "not HTTP" and "not TLS" apart from refused', async () => {
    const server = createServer((c) => {
      c.resume(); // read the request, or the connection never sees the client's FIN and close() waits for ever
      c.end('SSH-2.0-OpenSSH_9.6\r\n');
    });
    const port = await listen(server, '127.0.0.1');
    try {
      const plain = await probeHttp(`http://127.0.0.1:${port}/`);
      assert.equal(!plain.ok && plain.reason, 'protocol');
      const tls = await probeHttp(`https://127.0.0.1:${port}/`);
      assert.equal(!tls.ok && tls.reason, 'tls');
    } finally {
      await close(server);
    }
    const refused = await probeHttp(`http://127.0.0.1:${await freePort(false)}/`);
    assert.equal(!refused.ok && refused.reason, 'refused');
  });

  it('rejects other schemes', async () => {
    await assert.rejects(probeHttp('ftp://127.0.0.1:21/'), { code: 'E_TARGET_INVALID' });
  });
});

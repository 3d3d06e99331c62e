/**
 * identifyPort against real servers on loopback: node:http, https, http2,
 * the Node inspector, Redis, PostgreSQL, MariaDB, JDWP, dropbear (SSH) and
 * Python's smtpd. A server whose binary is missing is skipped with a reason
 * (.ci/run installs them all).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Socket as NetSocket } from 'node:net';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { identifyPort } from '../../src/probe/identify/index.js';
import { selfSigned } from '../helpers/certificates.js';
import { runBerth } from '../helpers/children.js';
import { findBinary, freePort, postgresBinDirs, runsOk, startServer } from './identify-servers.js';

const work = mkdtempSync(`${tmpdir()}/berth-identify-`);
after(() => rmSync(work, { recursive: true, force: true }));

async function listen(server: Server | ReturnType<typeof createHttp2Server> | ReturnType<typeof createNetServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

const openssl = findBinary('openssl');
const redis = findBinary('redis-server');
const initdb = findBinary('initdb', postgresBinDirs());
const postgres = findBinary('postgres', postgresBinDirs());
const mysqld = findBinary('mysqld', ['/usr/sbin']) ?? findBinary('mariadbd', ['/usr/sbin']);
const java = findBinary('java');
const javaCompiles = java !== null && findBinary('javac') !== null;
const dropbear = findBinary('dropbear', ['/usr/sbin']);
const dropbearkey = findBinary('dropbearkey');
const smtpd = runsOk('python3', ['-W', 'ignore', '-c', 'import smtpd']);
const isRoot = process.getuid?.() === 0;

describe('identifyPort: HTTP family', () => {
  let http: Server;
  let httpPort: number;
  before(async () => {
    http = createHttpServer((_req, res) => {
      res.setHeader('Server', 'berth-test/1.0');
      res.end('hello');
    });
    httpPort = await listen(http);
  });
  after(() => http.close());

  it('plain HTTP: status line and Server header', async () => {
    const result = await identifyPort(`127.0.0.1:${httpPort}`);
    assert.equal(result.protocol, 'http');
    assert.equal(result.details.status, 200);
    assert.equal(result.details.server, 'berth-test/1.0');
    assert.equal(result.summary, 'HTTP/1.1 200 OK · Server: berth-test/1.0');
    assert.equal(result.address, '127.0.0.1');
    assert.deepEqual(result.probes.map((p) => p.probe), ['banner', 'http']);
  });

  it('with an http:// URL the first probe decides: one round trip, no banner wait', async () => {
    const result = await identifyPort(`http://127.0.0.1:${httpPort}/`);
    assert.equal(result.protocol, 'http');
    assert.equal(result.hint, 'http');
    assert.deepEqual(result.probes.map((p) => [p.probe, p.outcome]), [['http', 'decided']]);
  });

  it('plain HTTP behind an https:// URL is reported as http', async () => {
    const result = await identifyPort(`https://127.0.0.1:${httpPort}/`);
    assert.equal(result.protocol, 'http');
    assert.equal(result.probes[0]!.probe, 'tls');
  });

  it('h2c: an HTTP/2 server without TLS', async () => {
    const server = createHttp2Server((_req, res) => res.end('ok'));
    const port = await listen(server);
    try {
      const result = await identifyPort({ host: '127.0.0.1', port });
      assert.equal(result.protocol, 'h2c');
      assert.equal(result.details.status, 200);
      const hinted = await identifyPort(`http://127.0.0.1:${port}/`);
      assert.equal(hinted.protocol, 'h2c');
    } finally {
      server.close();
    }
  });

  it('HTTPS with a self-signed certificate, also behind an http:// URL', { skip: !openssl && 'openssl is not installed' }, async () => {
    const { cert, key } = selfSigned('localhost');
    const { readFileSync } = await import('node:fs');
    const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => res.end('secure'));
    const port = await listen(server);
    try {
      const result = await identifyPort(`localhost:${port}`);
      assert.equal(result.protocol, 'https');
      assert.equal(result.details.status, 200);
      assert.ok(result.tls);
      assert.equal(result.tls.selfSigned, true);
      assert.match(String(result.tls.subject), /CN=localhost/);
      assert.match(String(result.tls.version), /^TLSv1\.[23]$/);
      const wrongScheme = await identifyPort(`http://127.0.0.1:${port}/`);
      assert.equal(wrongScheme.protocol, 'https');
      assert.equal(wrongScheme.probes[0]!.probe, 'http');
    } finally {
      server.close();
    }
  });

  it('the Node inspector, opened as a web page', async () => {
    const inspector = await startServer(process.execPath, ['--inspect=127.0.0.1:0', '-e', 'setInterval(() => {}, 1000)'], {
      pattern: /Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)\//,
    });
    try {
      const port = Number(inspector.match![1]);
      const result = await identifyPort(`http://127.0.0.1:${port}/`);
      assert.equal(result.protocol, 'node-inspector');
      assert.match(String(result.details.browser), /^node\.js\/v/);
    } finally {
      await inspector.stop();
    }
  });
});

describe('identifyPort: nobody, silence, abort', () => {
  it('a port nobody listens on is no-answer, not an exception', async () => {
    const port = await freePort();
    const result = await identifyPort(`127.0.0.1:${port}`);
    assert.equal(result.protocol, 'no-answer');
    assert.equal(result.details.error, 'ECONNREFUSED');
  });

  it('a server that accepts and never answers is unknown, within the timeout', async () => {
    const held: NetSocket[] = [];
    const server = createNetServer((socket) => held.push(socket));
    const port = await listen(server);
    try {
      const result = await identifyPort(`127.0.0.1:${port}`, { timeoutMs: 1200 });
      assert.equal(result.protocol, 'unknown');
      assert.equal(result.details.timedOut, true);
      assert.ok(result.probes.length >= 1);
    } finally {
      for (const socket of held) socket.destroy();
      server.close();
    }
  });

  it('an AbortSignal stops identification', async () => {
    const held: NetSocket[] = [];
    const server = createNetServer((socket) => held.push(socket));
    const port = await listen(server);
    try {
      const controller = new AbortController();
      const pending = identifyPort(`127.0.0.1:${port}`, { signal: controller.signal, timeoutMs: 30_000 });
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(pending, { name: 'AbortError' });
    } finally {
      for (const socket of held) socket.destroy();
      server.close();
    }
  });
});

describe('identifyPort: databases, debuggers, banners', () => {
  it('Redis: version and no password; also behind an http:// URL', { skip: !redis && 'redis-server is not installed' }, async () => {
    const port = await freePort();
    const server = await startServer(redis!, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { port });
    try {
      const result = await identifyPort(`127.0.0.1:${port}`);
      assert.equal(result.protocol, 'redis');
      assert.equal(result.details.authRequired, false);
      assert.match(String(result.details.version), /^\d+\.\d+/);
      const byScheme = await identifyPort(`redis://127.0.0.1:${port}`);
      assert.deepEqual(byScheme.probes.map((p) => [p.probe, p.outcome]), [['redis', 'decided']]);
      assert.equal((await identifyPort(`http://127.0.0.1:${port}/`)).protocol, 'redis');
    } finally {
      await server.stop();
    }
  });

  it('PostgreSQL answers the SSLRequest', { skip: (!initdb || !postgres) ? 'PostgreSQL (initdb, postgres) is not installed' : !isRoot && 'needs root to run postgres as nobody' }, async () => {
    const dir = mkdtempSync(`${tmpdir()}/berth-pg-`);
    try {
      chownSync(dir, 65534, 65534);
      const init = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', initdb!, '-D', `${dir}/data`, '-A', 'trust', '-U', 'postgres', '--no-sync'], { stdio: 'ignore' });
      assert.equal(init.status, 0, 'initdb failed');
      const port = await freePort();
      const server = await startServer('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', postgres!, '-D', `${dir}/data`, '-k', dir, '-p', String(port), '-h', '127.0.0.1', '-c', 'fsync=off'], {
        pattern: /ready to accept connections/,
      });
      try {
        const result = await identifyPort(`127.0.0.1:${port}`);
        assert.equal(result.protocol, 'postgres');
        assert.equal(result.details.ssl, false);
        assert.equal((await identifyPort(`http://127.0.0.1:${port}/`)).protocol, 'postgres');
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('MariaDB greets first: the banner decides and nothing is sent', { skip: !mysqld && 'mysqld is not installed' }, async () => {
    const dir = mkdtempSync(`${tmpdir()}/berth-mysql-`);
    try {
      const port = await freePort();
      const args = ['--no-defaults', `--datadir=${dir}`, `--socket=${dir}/sock`, `--port=${port}`, '--bind-address=127.0.0.1', '--skip-grant-tables', '--skip-log-bin', `--pid-file=${dir}/pid`, '--innodb-buffer-pool-size=8M'];
      if (isRoot) args.push('--user=root');
      const server = await startServer(mysqld!, args, { pattern: /ready for connections/ });
      try {
        const result = await identifyPort(`127.0.0.1:${port}`);
        assert.equal(result.protocol, 'mysql');
        assert.match(String(result.details.serverVersion), /^\d+\.\d+/);
        assert.deepEqual(result.probes.map((p) => [p.probe, p.outcome]), [['banner', 'decided']]);
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SSH (dropbear) greets first', { skip: (!dropbear || !dropbearkey) && 'dropbear is not installed' }, async () => {
    const key = `${work}/dropbear_ed25519`;
    assert.equal(spawnSync(dropbearkey!, ['-t', 'ed25519', '-f', key], { stdio: 'ignore' }).status, 0);
    const port = await freePort();
    const server = await startServer(dropbear!, ['-F', '-E', '-r', key, '-p', `127.0.0.1:${port}`, '-P', `${work}/dropbear.pid`], { port });
    try {
      const result = await identifyPort(`127.0.0.1:${port}`);
      assert.equal(result.protocol, 'ssh');
      assert.match(String(result.details.banner), /^SSH-2\.0-dropbear/);
    } finally {
      await server.stop();
    }
  });

  it('SMTP (Python smtpd) greets first', { skip: !smtpd && 'python3 has no smtpd module' }, async () => {
    const port = await freePort();
    const server = await startServer('python3', ['-W', 'ignore', '-m', 'smtpd', '-n', '-c', 'DebuggingServer', `127.0.0.1:${port}`], { port });
    try {
      const result = await identifyPort(`127.0.0.1:${port}`);
      assert.equal(result.protocol, 'smtp');
      assert.match(String(result.details.banner), /^220 /);
    } finally {
      await server.stop();
    }
  });

  it('JDWP: a running JVM (suspend=n) echoes the handshake', { skip: !javaCompiles && 'a JDK (java, javac) is not installed' }, async () => {
    writeFileSync(`${work}/Wait.java`, 'public class Wait { public static void main(String[] a) throws Exception { Thread.sleep(600_000); } }\n');
    const jvm = await startServer(java!, ['-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:0', `${work}/Wait.java`], {
      pattern: /Listening for transport dt_socket at address: (\d+)/,
    });
    try {
      const result = await identifyPort(`127.0.0.1:${Number(jvm.match![1])}`);
      assert.equal(result.protocol, 'jdwp');
      assert.notEqual(result.details.fromCommandLine, true);
    } finally {
      await jvm.stop();
    }
  });

  it('JDWP: a JVM waiting for its debugger (suspend=y) is named from its options and left waiting', { skip: !java && 'java is not installed' }, async () => {
    const jvm = await startServer(java!, ['-agentlib:jdwp=transport=dt_socket,server=y,suspend=y,address=127.0.0.1:0', '-version'], {
      pattern: /Listening for transport dt_socket at address: (\d+)/,
    });
    try {
      const result = await identifyPort(`127.0.0.1:${Number(jvm.match![1])}`);
      assert.equal(result.protocol, 'jdwp');
      assert.equal(result.details.fromCommandLine, true);
      assert.equal(result.details.pid, jvm.process.pid);
      // Had berth attached and detached, the JVM would have run -version and exited.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(jvm.process.exitCode, null);
      assert.doesNotMatch(jvm.output(), /version "/);
    } finally {
      await jvm.stop();
    }
  });
});

describe('berth identify and berth ls --identify', () => {
  let http: Server;
  let port: number;
  before(async () => {
    http = createHttpServer((_req, res) => res.end('ok'));
    port = await listen(http);
  });
  after(() => http.close());

  it('berth identify --json prints the Identification; exit 0', async () => {
    const run = await runBerth(['identify', `http://127.0.0.1:${port}/`, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const json = JSON.parse(run.stdout) as { protocol: string; port: number; details: { status: number } };
    assert.equal(json.protocol, 'http');
    assert.equal(json.port, port);
    assert.equal(json.details.status, 200);
  });

  it('berth identify on a port nobody holds exits 1; a bad --hint exits 2', async () => {
    const free = await freePort();
    const run = await runBerth(['identify', `127.0.0.1:${free}`]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /no answer/);
    assert.equal((await runBerth(['identify', String(port), '--hint', 'gopher'])).code, 2);
  });

  it('berth ls --identify adds a PROTOCOL column and an identification per socket', async () => {
    const table = await runBerth(['ls', '--identify', '--tcp', '--port', String(port)]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /PROTOCOL/);
    assert.match(table.stdout, /\bHTTP\b/);
    const json = await runBerth(['ls', '--identify', '--tcp', '--port', String(port), '--json']);
    const parsed = JSON.parse(json.stdout) as { sockets: Array<{ protocol: string; identification: { protocol: string } | null }> };
    assert.equal(parsed.sockets[0]!.protocol, 'tcp');
    assert.equal(parsed.sockets[0]!.identification?.protocol, 'http');
  });
});

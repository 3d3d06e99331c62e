/**
 * berth doctor against real servers on loopback: listeners on ::1 only,
 * 127.0.0.1 only and 0.0.0.0; a stopped holder; a full accept queue; TLS
 * behind http://; a real Redis and PostgreSQL; a Node inspector port opened
 * as a web page; proxy variables; and the CLI's exit codes and JSON.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { diagnose, type DoctorReport } from '../../src/doctor/index.js';
import { listSockets } from '../../src/inventory/index.js';
import { hasRedis, postgresBin, startPostgres, startRedis } from '../helpers/db-servers.js';
import { hasOpenssl, selfSigned } from '../helpers/certificates.js';
import { hasIPv6, ROOT, runBerth, startListener, startReadyProcess, type Listener } from '../helpers/children.js';

const FIXTURES = `${ROOT}test/fixtures/servers`;

function codes(report: DoctorReport): string[] {
  return report.findings.map((f) => f.code);
}

function startHttp(host: string, tls?: { cert: string; key: string }): Promise<Listener> {
  const args = [`${FIXTURES}/doctor-http.mjs`, host];
  if (tls) args.push('--tls', tls.cert, tls.key);
  return startReadyProcess(process.execPath, args);
}

/**
 * Starts an HTTP server on `host` whose port nobody else listens on in either
 * family (other processes on this machine hold thousands of loopback ports).
 */
async function startHttpAlone(host: string): Promise<Listener> {
  for (let attempt = 0; ; attempt++) {
    const server = await startHttp(host);
    const others = (await listSockets({ ports: server.port, protocol: 'tcp' })).filter((s) => !s.holders.some((p) => p.pid === server.pid));
    if (others.length === 0 || attempt === 9) return server;
    await server.stop();
  }
}

/** Waits until /proc shows `pid` in `state`: a signal is delivered after kill() returns. */
async function waitForState(pid: number, state: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith(`${state} `)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`pid ${pid} never reached state ${state}`);
}

let ipv6 = false;
before(async () => {
  ipv6 = await hasIPv6();
});

describe('address families', () => {
  it('127.0.0.1 only: healthy on 127.0.0.1, WRONG_FAMILY on [::1]', async (t) => {
    const server = await startHttpAlone('127.0.0.1');
    try {
      const ok = await diagnose(`http://127.0.0.1:${server.port}/`);
      assert.equal(ok.healthy, true, ok.verdict);
      assert.deepEqual(codes(ok), []);
      assert.equal(ok.answered?.address, '127.0.0.1');
      assert.equal(ok.answered?.protocol, 'http');
      assert.match(ok.verdict, new RegExp(`^127\\.0\\.0\\.1:${server.port} answers \\(HTTP/1\\.1 \\d{3} [^)]*\\) in `));
      if (!ipv6) return t.skip('no IPv6 loopback here');
      const wrong = await diagnose(`[::1]:${server.port}`);
      assert.equal(wrong.healthy, false);
      assert.deepEqual(codes(wrong).filter((c) => c !== 'EPHEMERAL_PORT'), ['WRONG_FAMILY']);
      assert.equal(wrong.findings[0]!.fix.command, `berth doctor 127.0.0.1:${server.port}`);
    } finally {
      await server.stop();
    }
  });

  it('::1 only: WRONG_FAMILY on 127.0.0.1, healthy on [::1]', async (t) => {
    if (!ipv6) return t.skip('no IPv6 loopback here');
    const server = await startHttpAlone('::1');
    try {
      const wrong = await diagnose(`http://127.0.0.1:${server.port}/`);
      assert.ok(codes(wrong).includes('WRONG_FAMILY'), JSON.stringify(codes(wrong)));
      assert.ok(!codes(wrong).includes('NOTHING_LISTENING'));
      assert.match(wrong.findings.find((f) => f.code === 'WRONG_FAMILY')!.message, /\[::1\]:\d+ \(IPv6\)/);
      const ok = await diagnose(`http://[::1]:${server.port}/`);
      assert.equal(ok.healthy, true, ok.verdict);
      // localhost: whatever this machine's resolver says, doctor never calls it "nothing listening".
      const local = await diagnose(`http://localhost:${server.port}/`);
      assert.ok(!codes(local).includes('NOTHING_LISTENING'));
      assert.ok(local.healthy || codes(local).includes('WRONG_FAMILY'), JSON.stringify(codes(local)));
    } finally {
      await server.stop();
    }
  });

  it('0.0.0.0: healthy but EXPOSED_WILDCARD, with the bind fix; silent on a loopback listener', async () => {
    const wild = await startHttp('0.0.0.0');
    const loop = await startHttp('127.0.0.1');
    try {
      const report = await diagnose(`http://localhost:${wild.port}/`);
      assert.equal(report.healthy, true);
      const finding = report.findings.find((f) => f.code === 'EXPOSED_WILDCARD');
      assert.ok(finding, JSON.stringify(codes(report)));
      assert.equal(finding.severity, 'warning');
      assert.equal(finding.fix.code, `server.listen(${wild.port}, '127.0.0.1')`);
      assert.ok(!codes(await diagnose(`http://127.0.0.1:${loop.port}/`)).includes('EXPOSED_WILDCARD'));
    } finally {
      await Promise.all([wild.stop(), loop.stop()]);
    }
  });
});

describe('nothing listening', () => {
  it('NOTHING_LISTENING with RECENTLY_CLOSED after a server that just closed', async () => {
    const server = createServer((socket) => socket.end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    // The server closes first, so its side of the connection sits in TIME_WAIT.
    const client = connect(port, '127.0.0.1');
    client.on('data', () => {});
    await once(client, 'close');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const report = await diagnose(`127.0.0.1:${port}`);
    assert.equal(report.healthy, false);
    assert.equal(report.findings[0]!.code, 'NOTHING_LISTENING');
    assert.ok(codes(report).includes('RECENTLY_CLOSED'), JSON.stringify(codes(report)));
    assert.ok(report.facts.timeWait > 0);
  });

  it('suggests the program started from the same folder; silent about it when the port answers', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'berth-doctor-project-'));
    const child = spawn(process.execPath, [`${FIXTURES}/listen.mjs`, 'tcp', '127.0.0.1'], { cwd: folder, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    try {
      const [line] = (await once(child.stdout!, 'data')) as [Buffer];
      const { port } = JSON.parse(line.toString()) as { port: number };
      // A port next to it that nothing listens on.
      let other = port + 1;
      while ((await listSockets({ ports: other, protocol: 'tcp' })).length > 0) other++;
      const report = await diagnose(`127.0.0.1:${other}`, { cwd: folder });
      const nothing = report.findings.find((f) => f.code === 'NOTHING_LISTENING');
      assert.ok(nothing, JSON.stringify(codes(report)));
      assert.deepEqual([report.facts.nearby[0]?.port, report.facts.nearby[0]?.reason], [port, 'same-folder']);
      assert.equal(nothing.fix.command, `berth doctor 127.0.0.1:${port}`);
      const fine = await diagnose(`127.0.0.1:${port}`, { cwd: folder });
      assert.deepEqual(fine.facts.nearby, []);
      assert.ok(!codes(fine).includes('NOTHING_LISTENING'));
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('says so for a port on the browsers\' unsafe list, and not for a redis:// URL on it', async () => {
    assert.ok(codes(await diagnose('http://127.0.0.1:6000/')).includes('BROWSER_UNSAFE_PORT'));
    assert.ok(!codes(await diagnose('redis://127.0.0.1:6000')).includes('BROWSER_UNSAFE_PORT'));
  });

  it('PRIVILEGED_PORT when nothing listens below 1024', async (t) => {
    if ((await listSockets({ ports: 79, protocol: 'tcp' })).length > 0) return t.skip('something listens on port 79 here');
    const report = await diagnose('127.0.0.1:79');
    assert.ok(codes(report).includes('PRIVILEGED_PORT') === report.facts.port.privileged);
  });
});

describe('hangs', () => {
  it('PROCESS_STOPPED for a SIGSTOPped holder, without waiting for a reply; silent once it runs', async () => {
    const server = await startHttp('127.0.0.1');
    process.kill(server.pid, 'SIGSTOP');
    try {
      await waitForState(server.pid, 'T');
      const report = await diagnose(`http://127.0.0.1:${server.port}/`);
      assert.equal(report.healthy, false);
      const stopped = report.findings.find((f) => f.code === 'PROCESS_STOPPED');
      assert.ok(stopped, JSON.stringify(codes(report)));
      assert.equal(stopped.fix.command, `kill -CONT ${server.pid}`);
      assert.ok(!codes(report).includes('NO_RESPONSE'));
      assert.equal(report.facts.identify?.aborted, true, 'identification is stopped, not waited out');
      process.kill(server.pid, 'SIGCONT');
      const running = await diagnose(`http://127.0.0.1:${server.port}/`);
      assert.equal(running.healthy, true, running.verdict);
      assert.ok(!codes(running).includes('PROCESS_STOPPED'));
    } finally {
      try {
        process.kill(server.pid, 'SIGCONT');
      } catch {
        // gone
      }
      await server.stop();
    }
  });

  it('ACCEPT_QUEUE_FULL for a listener that never accepts', async () => {
    const server = await startReadyProcess('python3', [`${FIXTURES}/no-accept.py`, '127.0.0.1']);
    try {
      const report = await diagnose(`127.0.0.1:${server.port}`);
      const full = report.findings.find((f) => f.code === 'ACCEPT_QUEUE_FULL');
      assert.ok(full, JSON.stringify(codes(report)));
      assert.ok(full.evidence.some((e) => /accept queue of 127\.0\.0\.1:\d+: \d+ waiting, limit 1/.test(e)), full.evidence.join('\n'));
      assert.equal(report.healthy, false);
    } finally {
      await server.stop();
    }
  });
});

describe('protocols', () => {
  let cert = '';
  let key = '';
  const openssl = hasOpenssl;
  before(() => {
    if (openssl) ({ cert, key } = selfSigned('localhost'));
  });

  it('TLS behind http:// is a PROTOCOL_MISMATCH; https:// to it is healthy', async (t) => {
    if (!openssl) return t.skip('openssl is not installed');
    const server = await startHttp('127.0.0.1', { cert, key });
    try {
      const wrong = await diagnose(`http://127.0.0.1:${server.port}/`);
      const mismatch = wrong.findings.find((f) => f.code === 'PROTOCOL_MISMATCH');
      assert.ok(mismatch, JSON.stringify(codes(wrong)));
      assert.equal(mismatch.fix.command, `curl -k https://127.0.0.1:${server.port}/`);
      assert.equal(wrong.healthy, false);
      const right = await diagnose(`https://127.0.0.1:${server.port}/`);
      assert.equal(right.healthy, true, right.verdict);
      assert.ok(!codes(right).includes('PROTOCOL_MISMATCH'));
    } finally {
      await server.stop();
    }
  });

  it('plain HTTP behind https:// and HTTP on a postgres:// URL are PROTOCOL_MISMATCHes', async () => {
    const server = await startHttp('127.0.0.1');
    try {
      const https = await diagnose(`https://127.0.0.1:${server.port}/`);
      assert.equal(https.findings.find((f) => f.code === 'PROTOCOL_MISMATCH')?.fix.command, `curl http://127.0.0.1:${server.port}/`);
      const pg = await diagnose(`postgres://127.0.0.1:${server.port}/app`);
      assert.match(pg.findings.find((f) => f.code === 'PROTOCOL_MISMATCH')?.message ?? '', /plain HTTP.*PostgreSQL/);
    } finally {
      await server.stop();
    }
  });

  it('a real Redis: healthy on redis://, PROTOCOL_MISMATCH on http://', async (t) => {
    if (!hasRedis()) return t.skip('redis-server is not installed (.ci/run installs it)');
    const redis = await startRedis();
    try {
      const ok = await diagnose(`redis://127.0.0.1:${redis.port}`);
      assert.equal(ok.healthy, true, ok.verdict);
      assert.equal(ok.answered?.protocol, 'redis');
      const web = await diagnose(`http://127.0.0.1:${redis.port}/`);
      assert.match(web.findings.find((f) => f.code === 'PROTOCOL_MISMATCH')?.title ?? '', /speaks Redis/);
    } finally {
      await redis.stop();
    }
  });

  it('a real PostgreSQL: healthy on postgres://', async (t) => {
    if (postgresBin() === null) return t.skip('PostgreSQL is not installed (.ci/run installs it)');
    const pg = await startPostgres();
    try {
      const ok = await diagnose(`postgres://127.0.0.1:${pg.port}/postgres`);
      assert.equal(ok.healthy, true, ok.verdict);
      assert.equal(ok.answered?.protocol, 'postgres');
      assert.deepEqual(codes(ok).filter((c) => c !== 'EPHEMERAL_PORT'), []);
    } finally {
      await pg.stop();
    }
  });

  it('a Node inspector port opened as http:// is a PROTOCOL_MISMATCH', async () => {
    const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', '-e', 'setInterval(() => {}, 1 << 30)'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let text = '';
        child.stderr!.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const match = /Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(text);
          if (match) resolve(Number(match[1]));
        });
        child.once('exit', () => reject(new Error(`node --inspect exited: ${text}`)));
      });
      const report = await diagnose(`http://127.0.0.1:${port}/`);
      const mismatch = report.findings.find((f) => f.code === 'PROTOCOL_MISMATCH');
      assert.ok(mismatch, JSON.stringify(codes(report)));
      assert.match(mismatch.message, /Node\.js inspector/);
      assert.equal(mismatch.fix.command, `node inspect 127.0.0.1:${port}`);
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
  });
});

describe('environment', () => {
  it('PROXY_WITHOUT_NO_PROXY when HTTP_PROXY is set and NO_PROXY misses the host; silent when covered', async () => {
    const server = await startHttp('127.0.0.1');
    try {
      const target = `http://127.0.0.1:${server.port}/`;
      const proxied = await diagnose(target, { env: { HTTP_PROXY: 'http://proxy.invalid:3128', NO_PROXY: 'corp.example' } });
      const finding = proxied.findings.find((f) => f.code === 'PROXY_WITHOUT_NO_PROXY');
      assert.ok(finding, JSON.stringify(codes(proxied)));
      assert.ok(finding.fix.command?.startsWith('export NO_PROXY=corp.example,127.0.0.1'));
      assert.equal(proxied.healthy, true, 'doctor itself connects directly');
      const covered = await diagnose(target, { env: { HTTP_PROXY: 'http://proxy.invalid:3128', no_proxy: 'localhost,127.0.0.1,::1' } });
      assert.ok(!codes(covered).includes('PROXY_WITHOUT_NO_PROXY'));
    } finally {
      await server.stop();
    }
  });
});

describe('berth doctor (CLI)', () => {
  it('exit 0 and the one-line verdict on a healthy target', async () => {
    const server = await startHttp('127.0.0.1');
    try {
      const result = await runBerth(['doctor', `http://127.0.0.1:${server.port}/`]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`^✔ 127\\.0\\.0\\.1:${server.port} answers \\(HTTP/1\\.1 200 OK\\) in [\\d.]+ m?s\\n$`));
    } finally {
      await server.stop();
    }
  });

  it('exit 1 with findings, evidence and fix; --json returns them', async () => {
    const listener = await startListener();
    await listener.stop();
    const text = await runBerth(['doctor', `127.0.0.1:${listener.port}`]);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /✘ Nothing listens on port \d+ \[NOTHING_LISTENING\]/);
    assert.match(text.stdout, /· connect to 127\.0\.0\.1:\d+: refused \(ECONNREFUSED\)/);
    assert.match(text.stdout, /fix: /);
    assert.match(text.stdout, /\n✘ 127\.0\.0\.1:\d+: Nothing listens on port \d+/);
    const json = await runBerth(['doctor', `127.0.0.1:${listener.port}`, '--json', '--timeout', '500ms']);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout) as DoctorReport;
    assert.equal(report.healthy, false);
    assert.equal(report.findings[0]!.code, 'NOTHING_LISTENING');
    assert.equal(typeof report.facts.target.port, 'number');
  });

  it('exit 2 on a bad target or flag', async () => {
    assert.equal((await runBerth(['doctor', 'http://localhost:99999/'])).code, 2);
    assert.equal((await runBerth(['doctor'])).code, 2);
    assert.equal((await runBerth(['doctor', '3000', '--timeout', 'soon'])).code, 2);
    assert.equal((await runBerth(['doctor', '3000', '--nope'])).code, 2);
  });
});

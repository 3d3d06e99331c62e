import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { getPort, getPorts, listenOnFreePort, pickPorts } from '../../src/alloc/get-port.js';
import { isBerthError } from '../../src/errors.js';
import { BROWSER_UNSAFE_PORTS, isEphemeral, unprivilegedFloor } from '../../src/ports/facts.js';
import { tryBind } from '../../src/probe/bind.js';
import { closeStates } from '../../src/state/db.js';
import { hasIPv6, ROOT, runBerth } from '../helpers/children.js';

const home = mkdtempSync(join(tmpdir(), 'berth-get-'));
after(() => {
  closeStates();
  rmSync(home, { recursive: true, force: true });
});

function assertHandOutable(port: number): void {
  assert.ok(Number.isInteger(port) && port >= Math.max(1024, unprivilegedFloor()) && port <= 65535, `${port} in range`);
  assert.ok(!isEphemeral(port), `${port} is not ephemeral`);
  assert.ok(!BROWSER_UNSAFE_PORTS.has(port), `${port} is not browser-unsafe`);
}

describe('getPort', () => {
  it('returns a port free on both loopbacks and both wildcards, outside the forbidden ranges', async () => {
    const port = await getPort({ home });
    assertHandOutable(port);
    for (const host of ['127.0.0.1', '0.0.0.0']) assert.deepEqual(await tryBind(port, host), { ok: true });
    if (await hasIPv6()) for (const host of ['::1', '::']) assert.deepEqual(await tryBind(port, host), { ok: true });
  });

  it('passes over a preferred port that is held, on either family, and says why', async () => {
    const v4 = await listenOnFreePort({ home, host: '127.0.0.1' });
    const v6 = (await hasIPv6()) ? await listenOnFreePort({ home, host: '::1' }) : null;
    const portOf = (server: import('node:net').Server): number => (server.address() as import('node:net').AddressInfo).port;
    try {
      const held = [portOf(v4), ...(v6 ? [portOf(v6)] : [])];
      const [pick] = await pickPorts(1, { home, port: [...held, 6000, 80, 40000] });
      assert.ok(pick);
      const reasons = new Map(pick.passedOver.map((p) => [p.port, p.reason]));
      assert.equal(reasons.get(6000), 'browser-unsafe');
      assert.equal(reasons.get(80), 'privileged');
      assert.equal(reasons.get(40000), isEphemeral(40000) ? 'ephemeral' : undefined);
      for (const port of held) assert.equal(reasons.get(port), 'in-use', `held port ${port}`);
      assert.ok(![...held, 6000, 80].includes(pick.port));
    } finally {
      for (const server of [v4, v6]) if (server) await new Promise((resolve) => server.close(resolve));
    }
  });

  it('returns a free preferred port, and never the same one twice while reserved', async () => {
    const first = await getPort({ home, range: '20000-20999' });
    const second = await getPort({ home, port: first, range: '20000-20999' });
    assert.notEqual(second, first, 'the first is reserved for this process');
    assert.ok(second >= 20000 && second <= 20999);
  });

  it('getPorts returns distinct ports within the range', async () => {
    const ports = await getPorts(5, { home, range: '21000-21009' });
    assert.equal(new Set(ports).size, 5);
    for (const p of ports) assert.ok(p >= 21000 && p <= 21009);
  });

  it('says why when nothing may be handed out', async () => {
    await assert.rejects(getPort({ home, range: '40000-40010' }), (e: unknown) => isBerthError(e) && e.code === 'E_NO_FREE_PORT' && /ephemeral/.test(e.message));
    await assert.rejects(getPort({ home, range: '6000-6000' }), (e: unknown) => isBerthError(e) && e.code === 'E_NO_FREE_PORT');
    await assert.rejects(getPort({ home, range: '22000-21000' }), (e: unknown) => isBerthError(e) && e.code === 'E_PORT_INVALID');
  });

  it('listenOnFreePort returns a server already listening on an allowed port', async () => {
    const server = await listenOnFreePort({ home });
    try {
      const address = server.address();
      assert.ok(address && typeof address === 'object');
      assertHandOutable(address.port);
      assert.equal(address.address, '127.0.0.1');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('no duplicates under concurrency', () => {
  it('100 processes making 10 concurrent getPort/leasePort calls each get 1000 distinct ports and no errors', async () => {
    const children: ChildProcess[] = [];
    try {
      const outputs = await Promise.all(
        Array.from({ length: 100 }, (_, i) => {
          const child = spawn(process.execPath, [join(ROOT, 'test/fixtures/alloc/grab.mjs'), '10', String(i)], {
            env: { ...process.env, BERTH_HOME: home },
            stdio: ['pipe', 'pipe', 'inherit'],
          });
          children.push(child);
          return new Promise<{ ports: number[]; leases: number[]; errors: string[] }>((resolve, reject) => {
            let out = '';
            child.stdout!.on('data', (chunk: Buffer) => {
              out += chunk.toString();
              if (out.includes('\n')) resolve(JSON.parse(out) as { ports: number[]; leases: number[]; errors: string[] });
            });
            child.once('exit', (code) => reject(new Error(`grab.mjs ${i} exited with ${code} before answering`)));
          });
        }),
      );
      const errors = outputs.flatMap((o) => o.errors);
      assert.deepEqual(errors, []);
      const all = outputs.flatMap((o) => [...o.ports, ...o.leases]);
      assert.equal(all.length, 1000);
      const seen = new Map<number, number>();
      for (const p of all) seen.set(p, (seen.get(p) ?? 0) + 1);
      const duplicates = [...seen].filter(([, n]) => n > 1);
      assert.deepEqual(duplicates, [], 'no port handed out twice');
      for (const p of all) assertHandOutable(p);
    } finally {
      for (const child of children) {
        child.stdin?.end();
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    }
  });
});

describe('berth get', () => {
  const env = { BERTH_HOME: home };
  it('prints a port, several with --count, and notes passed-over preferred ports on stderr', async () => {
    const one = await runBerth(['get'], { env });
    assert.equal(one.code, 0, one.stderr);
    assertHandOutable(Number(one.stdout.trim()));
    const three = await runBerth(['get', '-n', '3', '--range', '23000-23099'], { env });
    const ports = three.stdout.trim().split('\n').map(Number);
    assert.equal(new Set(ports).size, 3);
    const skipped = await runBerth(['get', '6000'], { env });
    assert.equal(skipped.code, 0);
    assert.match(skipped.stderr, /6000 is on the browsers' unsafe list/);
    assert.notEqual(skipped.stdout.trim(), '6000');
  });
  it('rejects bad input with exit 2', async () => {
    for (const args of [['get', 'abc'], ['get', '0'], ['get', '--range', '3000-'], ['get', '--count', '0'], ['get', '--exclude', 'x'], ['get', '--owner', 'abc'], ['get', '--ttl', '1h'], ['get', '--host', '192.0.2.7']]) {
      const r = await runBerth(args, { env });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^berth: /);
    }
  });
  it('exits 1 with the reason when no port is free', async () => {
    const r = await runBerth(['get', '--range', '40000-40001'], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ephemeral range/);
  });
});

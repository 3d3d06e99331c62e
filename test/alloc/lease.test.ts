import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { leasePort, listLeases, releaseLeases } from '../../src/alloc/lease.js';
import { isBerthError } from '../../src/errors.js';
import { closeStates } from '../../src/state/db.js';
import { ROOT, runBerth } from '../helpers/children.js';

const home = mkdtempSync(join(tmpdir(), 'berth-lease-'));
const project = '/work/example-project';
after(() => {
  closeStates();
  rmSync(home, { recursive: true, force: true });
});

describe('leasePort', () => {
  it('gives a name the same port again in the same project, and another in another project', async () => {
    const first = await leasePort({ home, project, name: 'web' });
    const again = await leasePort({ home, project, name: 'web' });
    assert.equal(again.port, first.port, 'asking again returns the live lease');
    assert.equal(await first.release(), true);
    assert.equal(await again.release(), false, 'already released');
    const third = await leasePort({ home, project, name: 'web' });
    assert.equal(third.port, first.port, 'a new lease gets the port the name had');
    assert.equal(third.reused, true);
    const other = await leasePort({ home, project: '/work/example-project-fix-login', name: 'web' });
    assert.notEqual(other.port, first.port);
    await third.release();
    await other.release();
  });

  it('releases itself with await using / Symbol.asyncDispose', async () => {
    let port = 0;
    {
      const lease = await leasePort({ home, project, name: 'scoped' });
      port = lease.port;
      await lease[Symbol.asyncDispose]();
    }
    assert.ok(!listLeases({ home }).some((l) => l.port === port));
  });

  it('refuses a name held by another live process, and reclaims it once that process is SIGKILLed', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'test/fixtures/alloc/hold-lease.mjs'), 'db'], {
      cwd: ROOT,
      env: { ...process.env, BERTH_HOME: home },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
      const held = Number(chunk.toString().trim());
      const mine = { home, name: 'db', project: ROOT.replace(/\/$/, '') };
      await assert.rejects(leasePort(mine), (e: unknown) => isBerthError(e) && e.code === 'E_LEASE_HELD' && e.message.includes(String(child.pid)));
      assert.ok(listLeases({ home }).some((l) => l.port === held && l.owner?.pid === child.pid));
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
      assert.ok(!listLeases({ home }).some((l) => l.owner?.pid === child.pid), 'the dead owner\'s lease is reclaimed');
      const lease = await leasePort(mine);
      assert.equal(lease.port, held, 'and the name gets its port back');
      await lease.release();
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('ends a lease when its TTL runs out', async () => {
    const lease = await leasePort({ home, project, name: 'brief', owner: null, ttlMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(!listLeases({ home }).some((l) => l.port === lease.port && l.name === 'brief'));
  });

  it('validates names and refuses a lease that could never end', async () => {
    await assert.rejects(leasePort({ home, project, name: 'bad name' }), (e: unknown) => isBerthError(e) && e.code === 'E_USAGE');
    await assert.rejects(leasePort({ home, project, name: 'x', owner: null }), (e: unknown) => isBerthError(e) && e.code === 'E_USAGE');
  });

  it('releaseLeases by port and by name', async () => {
    const a = await leasePort({ home, project, name: 'a' });
    await leasePort({ home, project, name: 'b' });
    assert.equal(releaseLeases({ home, port: a.port }).length, 1);
    assert.equal(releaseLeases({ home, name: 'b', project }).length, 1);
    assert.equal(releaseLeases({ home, name: 'b', project }).length, 0);
  });
});

describe('berth get --lease, berth leases, berth release', () => {
  const env = { BERTH_HOME: home };
  it('leases from the command line, lists and releases', async () => {
    const first = await runBerth(['get', '--lease', 'cli-web'], { env });
    assert.equal(first.code, 0, first.stderr);
    const port = Number(first.stdout.trim());
    const again = await runBerth(['get', '--lease', 'cli-web'], { env });
    assert.equal(Number(again.stdout.trim()), port, 'same port for the same name in the same folder');
    const list = await runBerth(['leases', '--json'], { env });
    const leases = JSON.parse(list.stdout) as Array<{ port: number; name: string; expiresAt: number | null; owner: unknown }>;
    const mine = leases.find((l) => l.name === 'cli-web');
    assert.ok(mine && mine.port === port && mine.owner === null && mine.expiresAt !== null, 'a CLI lease has a TTL and no owner');
    const table = await runBerth(['leases'], { env });
    assert.match(table.stdout, /cli-web/);
    const released = await runBerth(['release', 'cli-web'], { env });
    assert.equal(released.code, 0);
    assert.match(released.stdout, /released "cli-web"/);
    const missing = await runBerth(['release', 'cli-web'], { env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No lease matches "cli-web"/);
  });
  it('ties a lease to --owner and rejects bad names', async () => {
    const r = await runBerth(['get', '--lease', 'owned', '--owner', String(process.pid)], { env });
    assert.equal(r.code, 0, r.stderr);
    const leases = JSON.parse((await runBerth(['leases', '--json'], { env })).stdout) as Array<{ name: string; owner: { pid: number } | null; expiresAt: number | null }>;
    const owned = leases.find((l) => l.name === 'owned');
    assert.equal(owned?.owner?.pid, process.pid);
    assert.equal(owned?.expiresAt, null);
    assert.equal((await runBerth(['get', '--lease', 'no good'], { env })).code, 2);
  });
});

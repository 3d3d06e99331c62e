import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ensureProxy, probeProxy, proxyStatus, stopProxy } from '../../src/proxy/daemon.js';
import { isSameProcessAlive } from '../../src/processes/index.js';
import { runBerth } from '../helpers/children.js';
import { freePort, onCleanup, send, startApp, tempHome } from './helpers.js';

/** The `berth proxy run` processes whose state folder is `home` (read from /proc: they are this test's). */
function daemonsOf(home: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes('\0proxy\0run\0')) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`BERTH_HOME=${home}`)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

describe('berth alias / routes', () => {
  it('adds, lists and removes aliases, with --json and -q', async () => {
    const home = tempHome();
    const env = { BERTH_HOME: home, BERTH_PROXY_PORT: String(await freePort()) };
    const added = await runBerth(['alias', 'PgAdmin', '5050'], { env });
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /Added pgadmin\.localhost → 127\.0\.0\.1:5050/);
    assert.match(added.stdout, /proxy: not running/);
    assert.equal((await runBerth(['alias', 'api', '8080', '--host', '::1'], { env })).code, 0);

    const listed = await runBerth(['routes'], { env });
    assert.equal(listed.code, 0);
    assert.match(listed.stdout, /http:\/\/api\.localhost:\d+\/\s+\[::1\]:8080\s+alias/);
    assert.match(listed.stdout, /http:\/\/pgadmin\.localhost:\d+\/\s+127\.0\.0\.1:5050\s+alias/);

    const json = JSON.parse((await runBerth(['routes', '--json'], { env })).stdout) as {
      proxy: { port: number; running: boolean };
      routes: Array<{ name: string; host: string; url: string; target: { host: string; port: number }; kind: string }>;
    };
    assert.equal(json.proxy.running, false);
    assert.deepEqual(
      json.routes.map((r) => [r.name, r.host, r.target.host, r.target.port, r.kind]),
      [
        ['api', 'api.localhost', '::1', 8080, 'alias'],
        ['pgadmin', 'pgadmin.localhost', '127.0.0.1', 5050, 'alias'],
      ],
    );
    assert.equal((await runBerth(['routes', '-q'], { env })).stdout, 'api\npgadmin\n');

    const taken = await runBerth(['alias', 'pgadmin', '5051'], { env });
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /already routed/);
    assert.match(taken.stderr, /--force/);
    const takenJson = JSON.parse((await runBerth(['alias', 'pgadmin', '5051', '--json'], { env })).stdout) as { error: { code: string } };
    assert.equal(takenJson.error.code, 'E_ROUTE_TAKEN');
    assert.equal((await runBerth(['alias', 'pgadmin', '5051', '--force'], { env })).code, 0);

    const bad = await runBerth(['alias', 'no_underscores', '80'], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not a valid route name/);
    assert.equal((await runBerth(['alias', 'x', 'notaport'], { env })).code, 2);

    const removed = await runBerth(['alias', 'pgadmin', '--remove'], { env });
    assert.equal(removed.code, 0);
    assert.match(removed.stdout, /Removed pgadmin\.localhost \(was → 127\.0\.0\.1:5051\)/);
    assert.equal((await runBerth(['alias', 'pgadmin', '--remove'], { env })).code, 1);
    assert.equal((await runBerth(['routes', '-q'], { env })).stdout, 'api\n');
  });
});

describe('berth proxy', () => {
  it('starts in the background, serves routes, reports status, and stops only its own process', async () => {
    const home = tempHome();
    const port = await freePort();
    const env = { BERTH_HOME: home };
    onCleanup(async () => {
      await stopProxy({ home, port });
    });
    const before = await runBerth(['proxy', 'status', '--port', String(port)], { env });
    assert.equal(before.code, 1);
    assert.match(before.stdout, /not running/);

    const started = await runBerth(['proxy', 'start', '--port', String(port), '--json'], { env });
    assert.equal(started.code, 0, started.stderr);
    const status = JSON.parse(started.stdout) as { running: boolean; started: boolean; pid: number; port: number; url: string };
    assert.deepEqual([status.running, status.started, status.port, status.url], [true, true, port, `http://localhost:${port}/`]);

    const again = JSON.parse((await runBerth(['proxy', 'start', '--port', String(port), '--json'], { env })).stdout) as { started: boolean; pid: number };
    assert.deepEqual([again.started, again.pid], [false, status.pid]);

    const app = await startApp((_req, res) => res.end('through the daemon'));
    assert.equal((await runBerth(['alias', 'web', String(app.port), '--port', String(port)], { env })).code, 0);
    assert.equal((await send(port, { host: `web.localhost:${port}` })).body, 'through the daemon');
    assert.match((await runBerth(['routes', '--port', String(port)], { env })).stdout, new RegExp(`proxy: running on port ${port} \\(pid ${status.pid}\\)`));

    // A proxy for another state folder on the same port is reported, not mistaken for ours, and not stopped.
    const other = await runBerth(['proxy', 'status', '--port', String(port)], { env: { BERTH_HOME: tempHome() } });
    assert.equal(other.code, 1);
    assert.match(other.stdout, /another state folder/);
    assert.equal((await runBerth(['proxy', 'stop', '--port', String(port)], { env: { BERTH_HOME: tempHome() } })).code, 1);
    assert.ok(isSameProcessAlive({ pid: status.pid, startMarker: null }));

    const stopped = await runBerth(['proxy', 'stop', '--port', String(port)], { env });
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stdout, new RegExp(`Stopped the berth proxy on port ${port} \\(pid ${status.pid}\\)`));
    assert.equal(await probeProxy(port), null);
    assert.equal((await runBerth(['proxy', 'stop', '--port', String(port)], { env })).code, 1);
  });

  it('ensureProxy starts one proxy even when called twice at once, and fails clearly when the port is taken', async () => {
    const home = tempHome();
    const port = await freePort();
    onCleanup(async () => {
      await stopProxy({ home, port });
    });
    const [a, b] = await Promise.all([ensureProxy({ home, port }), ensureProxy({ home, port })]);
    assert.equal(a.pid, b.pid);
    assert.deepEqual([a.started, b.started].sort(), [false, true], 'one call started it, the other found it');
    assert.deepEqual(daemonsOf(home), [a.pid], 'one daemon was spawned, not one per call');
    assert.equal(a.url, `http://localhost:${port}/`);
    assert.equal((await proxyStatus({ home, port })).running, true);
    assert.equal((await stopProxy({ home, port })).stopped, true);
    // A second daemon, had one been spawned, could take the port now that the first is gone.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(await probeProxy(port), null);
    assert.deepEqual(daemonsOf(home), []);

    const squatter = await startApp((_req, res) => res.end('not berth'));
    await assert.rejects(ensureProxy({ home, port: squatter.port }), (error: { code?: string; message: string }) => {
      assert.equal(error.code, 'E_PORT_IN_USE');
      return true;
    });
  });
});

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { getPort } from '../../src/alloc/get-port.js';
import { closeStates } from '../../src/state/db.js';
import { BIN, ROOT, runBerth } from '../helpers/children.js';
import { openWebSocket } from '../proxy/ws.js';

const home = mkdtempSync(join(tmpdir(), 'berth-run-'));
const APP = join(ROOT, 'test/fixtures/run/app.mjs');
const started = new Set<ChildProcess>();
let proxyPort = 0;

after(async () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await runBerth(['proxy', 'stop', '--port', String(proxyPort)], { env: { BERTH_HOME: home } });
  closeStates();
  rmSync(home, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  stderr(): string;
  waitErr(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exit: Promise<number | null>;
}

function appDir(name: string): string {
  const dir = join(home, 'apps', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name }));
  return dir;
}

function berthRun(cwd: string, args: string[]): Run {
  const child = spawn(process.execPath, [BIN, 'run', ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BERTH_HOME: home, BERTH_PROXY_PORT: String(proxyPort), NO_COLOR: '1', FORCE_COLOR: undefined },
  });
  started.add(child);
  let err = '';
  child.stdout!.resume();
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exit = once(child, 'close').then(([code]) => code as number | null);
  return {
    child,
    stderr: () => err,
    exit,
    waitErr(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} in: ${err}`)), timeoutMs);
        const check = (): void => {
          const m = pattern.exec(err);
          if (m) {
            clearTimeout(timer);
            resolve(m);
          }
        };
        child.stderr!.on('data', check);
        void exit.then(() => setImmediate(() => {
          check();
          clearTimeout(timer);
          reject(new Error(`berth run exited without ${pattern}: ${err}`));
        }));
        check();
      });
    },
  };
}

function get(port: number, host: string, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Waits up to 10 s for `pid` to exit; true when it did. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

async function routes(): Promise<Array<{ name: string; port: number; appPid: number | null }>> {
  const r = await runBerth(['routes', '--json'], { env: { BERTH_HOME: home } });
  assert.equal(r.code, 0, r.stderr);
  const parsed = JSON.parse(r.stdout) as { routes: Array<{ name: string; target: { port: number }; appPid: number | null }> };
  return parsed.routes.map((route) => ({ name: route.name, port: route.target.port, appPid: route.appPid }));
}

describe('berth run', () => {
  it('starts two apps behind their names, records the real holder, and cleans up on SIGTERM', async () => {
    proxyPort = await getPort({ home });
    const web = berthRun(appDir('web'), ['--', 'sh', '-c', `exec node ${APP} & wait`]);
    const api = berthRun(appDir('api'), ['--', 'node', APP]);
    const [, webUrl] = await web.waitErr(/web ready at (\S+)/);
    await api.waitErr(/api ready at/);
    assert.equal(webUrl, `http://web.localhost:${proxyPort}/`);
    const table = await routes();
    const webRoute = table.find((r) => r.name === 'web');
    assert.ok(webRoute && table.some((r) => r.name === 'api'));
    assert.ok(webRoute.appPid !== null && webRoute.appPid !== web.child.pid, 'the holder is the node grandchild, not the wrapper');
    assert.match((await get(proxyPort, 'web.localhost')).body, /^app web pid \d+ on \d+$/);
    assert.match((await get(proxyPort, 'api.localhost')).body, /^app api /);
    web.child.kill('SIGTERM');
    assert.equal(await web.exit, 143, 'exits with the command\'s status: sh, killed by SIGTERM');
    assert.ok(await gone(webRoute.appPid!), 'the server under the shell got the signal too, and is not left orphaned');
    assert.deepEqual((await routes()).map((r) => r.name), ['api'], 'web\'s route is gone, api\'s stays');
    api.child.kill('SIGTERM');
    await api.exit;
  });

  it('gives a name the same port on the next run', async () => {
    const dir = appDir('stable');
    const first = berthRun(dir, ['--', 'node', APP]);
    const [, a] = await first.waitErr(/direct: http:\/\/127\.0\.0\.1:(\d+)/);
    first.child.kill('SIGTERM');
    await first.exit;
    const second = berthRun(dir, ['--', 'node', APP]);
    const [, b] = await second.waitErr(/direct: http:\/\/127\.0\.0\.1:(\d+)/);
    assert.equal(b, a);
    second.child.kill('SIGTERM');
    await second.exit;
  });

  it('refuses a name a live route holds, unless --force', async () => {
    const dir = appDir('taken');
    const first = berthRun(dir, ['--', 'node', APP]);
    await first.waitErr(/taken ready at/);
    const second = berthRun(dir, ['--', 'node', APP]);
    assert.equal(await second.exit, 1);
    assert.match(second.stderr(), /taken\.localhost is already routed/);
    first.child.kill('SIGTERM');
    await first.exit;
  });

  it('finds an app that ignores PORT on the port it chose', async () => {
    const fixed = await getPort({ home });
    const run = berthRun(appDir('stubborn'), ['--', 'node', APP, String(fixed)]);
    await run.waitErr(/ignored PORT=\d+ and listens on (\d+)/);
    assert.equal((await routes()).find((r) => r.name === 'stubborn')?.port, fixed);
    run.child.kill('SIGTERM');
    await run.exit;
  });

  it('fails with the command\'s status when it dies before answering', async () => {
    const run = berthRun(appDir('crash'), ['--', 'node', APP, '-', '3']);
    assert.equal(await run.exit, 3);
    assert.match(run.stderr(), /exited \(status 3\) before it answered/);
    assert.match(run.stderr(), /app: failing on purpose/);
  });

  it('drops the route when the app is SIGKILLed, and a stale route when berth itself is', async () => {
    const a = berthRun(appDir('killed-app'), ['--', 'node', APP]);
    await a.waitErr(/killed-app ready/);
    const holder = (await routes()).find((r) => r.name === 'killed-app')!.appPid!;
    process.kill(holder, 'SIGKILL');
    assert.equal(await a.exit, 137);
    assert.ok(!(await routes()).some((r) => r.name === 'killed-app'));

    const b = berthRun(appDir('orphan'), ['--', 'node', APP]);
    const keep = berthRun(appDir('keeper'), ['--', 'node', APP]);
    await b.waitErr(/orphan ready/);
    await keep.waitErr(/keeper ready/);
    const orphanPid = (await routes()).find((r) => r.name === 'orphan')!.appPid!;
    b.child.kill('SIGKILL');
    await b.exit;
    const names = (await routes()).map((r) => r.name);
    assert.ok(!names.includes('orphan'), 'the stale route is dropped');
    assert.ok(names.includes('keeper'), 'other routes are never lost');
    process.kill(orphanPid, 'SIGKILL');
    keep.child.kill('SIGTERM');
    await keep.exit;
  });

  it('runs a real Vite dev server whose HMR websocket works through the proxy', async () => {
    // Inside the repository so that the project resolves node_modules/vite.
    const dir = mkdtempSync(join(ROOT, '.berth-test-vite-'));
    try {
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'vite-app', type: 'module' }));
      writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title><script type="module" src="/main.js"></script>');
      writeFileSync(join(dir, 'main.js'), 'document.title = "hmr";');
      const run = berthRun(dir, ['--', join(ROOT, 'node_modules/.bin/vite'), '--clearScreen', 'false']);
      await run.waitErr(/vite-app ready at/, 60_000);
      assert.match(run.stderr(), /Vite ignores PORT; berth added --port \d+ --strictPort --host 127\.0\.0\.1/);
      const page = await get(proxyPort, 'vite-app.localhost');
      assert.equal(page.status, 200);
      assert.match(page.body, /@vite\/client/);
      const client = await get(proxyPort, 'vite-app.localhost', '/@vite/client');
      const token = /const wsToken = "([^"]*)"/.exec(client.body)?.[1];
      const path = token === undefined ? '/' : `/?token=${encodeURIComponent(token)}`;
      const ws = await openWebSocket(proxyPort, 'vite-app.localhost', path, { 'Sec-WebSocket-Protocol': 'vite-hmr' });
      assert.equal(ws.status, 101);
      assert.match(await ws.next(), /"type":\s*"connected"/);
      ws.close();
      run.child.kill('SIGTERM');
      await run.exit;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('needs a command', async () => {
    const r = await runBerth(['run'], { env: { BERTH_HOME: home } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /needs a command/);
  });
});

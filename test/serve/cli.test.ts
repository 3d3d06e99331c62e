import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runBerth, startListener } from '../helpers/children.js';
import { startBerth } from '../helpers/long-running.js';

const base = mkdtempSync(path.join(tmpdir(), 'berth-serve-cli-'));
const root = path.join(base, 'site');
mkdirSync(root);
writeFileSync(path.join(root, 'index.html'), '<title>cli</title>');
writeFileSync(path.join(root, 'a.txt'), 'aaa');
writeFileSync(path.join(root, '.env'), 'TOKEN=1');

after(() => rmSync(base, { recursive: true, force: true }));

describe('berth serve (CLI)', () => {
  it('prints the URL, serves, logs with --log, and exits 0 on SIGTERM', async () => {
    const berth = startBerth(['serve', root, '--port', '0', '--log']);
    try {
      const [url] = await berth.waitFor(/http:\/\/127\.0\.0\.1:\d+\//);
      assert.match(berth.stdout(), /reachable only from this machine/);
      const home = await fetch(url);
      assert.equal(home.status, 200);
      assert.match(await home.text(), /<title>cli<\/title>/);
      const file = await fetch(`${url}a.txt`);
      assert.equal(await file.text(), 'aaa');
      await berth.waitFor(/GET \/a\.txt 200/);
      assert.equal(berth.stderr(), '');
    } finally {
      assert.equal(await berth.stop('SIGTERM'), 0);
    }
  });

  it('without --port takes a free port in 8000–8999; Ctrl-C (SIGINT) stops it', async () => {
    const berth = startBerth(['serve', root]);
    try {
      const match = await berth.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
      const port = Number(match[1]);
      assert.ok(port >= 8000 && port <= 8999, String(port));
      assert.equal((await fetch(match[0])).status, 200);
      assert.ok(!/GET \//.test(berth.stdout()), 'no access log when stdout is not a terminal');
    } finally {
      assert.equal(await berth.stop('SIGINT'), 0);
    }
  });

  it('hides .env unless --dotfiles', async () => {
    for (const [args, status] of [[[], 404], [['--dotfiles'], 200]] as const) {
      const berth = startBerth(['serve', root, '--port', '0', ...args]);
      try {
        const [url] = await berth.waitFor(/http:\/\/127\.0\.0\.1:\d+\//);
        assert.equal((await fetch(`${url}.env`)).status, status, args.join(' '));
      } finally {
        assert.equal(await berth.stop('SIGTERM'), 0);
      }
    }
  });

  it('--json prints events as JSON lines', async () => {
    const berth = startBerth(['serve', root, '--port', '0', '--json', '--log']);
    try {
      const [line] = await berth.waitFor(/^\{.*"event":"listening".*\}$/m);
      const ready = JSON.parse(line) as { url: string; port: number; host: string; root: string };
      assert.equal(ready.host, '127.0.0.1');
      assert.equal(ready.url, `http://127.0.0.1:${ready.port}/`);
      await fetch(`${ready.url}missing`);
      const [logLine] = await berth.waitFor(/^\{"event":"request".*\}$/m);
      const entry = JSON.parse(logLine) as { status: number; url: string };
      assert.equal(entry.status, 404);
      assert.equal(entry.url, '/missing');
    } finally {
      assert.equal(await berth.stop(), 0);
    }
  });

  it('a port in use: exit 1, naming who holds it', async () => {
    const holder = await startListener({ host: '127.0.0.1' });
    try {
      const r = await runBerth(['serve', root, '--port', String(holder.port)]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`Cannot listen on 127\\.0\\.0\\.1:${holder.port}: the port is held by pid ${holder.pid}`));
      assert.match(r.stderr, new RegExp(`berth kill ${holder.port}`));
      const json = await runBerth(['serve', root, '--port', String(holder.port), '--json']);
      assert.equal(json.code, 1);
      assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'E_PORT_IN_USE');
    } finally {
      await holder.stop();
    }
  });

  it('a missing folder, a bad port or too many folders: exit 2', async () => {
    const missing = await runBerth(['serve', path.join(base, 'nope'), '--port', '0']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /does not exist/);
    assert.equal((await runBerth(['serve', root, '--port', '70000'])).code, 2);
    assert.equal((await runBerth(['serve', root, root])).code, 2);
  });

  it('--help', async () => {
    const r = await runBerth(['serve', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^berth serve — /);
    assert.match(r.stdout, /Exit status/);
  });
});

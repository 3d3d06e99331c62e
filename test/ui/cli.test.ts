import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runBerth, startListener } from '../helpers/children.js';
import { startBerth } from '../helpers/long-running.js';
import { send, tempHome } from './helpers.js';

process.env.BERTH_HOME = tempHome();

describe('berth ui (CLI)', () => {
  it('prints its URL, serves the dashboard, and exits 0 on SIGTERM', async () => {
    const ui = startBerth(['ui', '--port', '0', '--no-record']);
    const [, url, port] = await ui.waitFor(/berth dashboard at (http:\/\/127\.0\.0\.1:(\d+)\/)/);
    assert.ok(url);
    assert.match(ui.stdout(), /loopback/);
    assert.match(ui.stdout(), /history not recorded \(--no-record\)/);
    const page = await send(Number(port), 'GET', '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /<meta name="berth-token" content="[A-Za-z0-9_-]{43}">/);
    assert.equal(await ui.stop('SIGTERM'), 0);
  });

  it('records history unless told not to, and says so; --json prints the URL and token', async () => {
    const ui = startBerth(['ui', '--port', '0', '--json']);
    const [line] = await ui.waitFor(/^\{.*"event":"listening".*\}$/m);
    const event = JSON.parse(line) as { url: string; port: number; token: string; recording: boolean };
    assert.equal(event.url, `http://127.0.0.1:${event.port}/`);
    assert.equal(event.recording, true);
    const page = await send(event.port, 'GET', '/');
    assert.ok(page.body.includes(event.token));
    assert.equal(await ui.stop('SIGINT'), 0);
    assert.match(ui.stdout(), /"event":"stopped"/);
  });

  it('leaves recording to the berth that already records, and says which', async () => {
    const first = startBerth(['ui', '--port', '0', '--json']);
    const [line] = await first.waitFor(/^\{.*"event":"listening".*\}$/m);
    assert.equal((JSON.parse(line) as { recording: boolean }).recording, true);
    const second = startBerth(['ui', '--port', '0']);
    await second.waitFor(/berth dashboard at/);
    assert.match(second.stdout(), new RegExp(`history recorded by berth ui \\(pid ${first.child.pid}\\)`));
    assert.equal(await second.stop(), 0);
    assert.equal(await first.stop(), 0);
  });

  it('names the holder of a port that is taken (exit 1)', async () => {
    const holder = await startListener();
    const result = await runBerth(['ui', '--port', String(holder.port), '--no-record']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`held by pid ${holder.pid}`));
    await holder.stop();
  });

  it('refuses arguments and explains itself in --help', async () => {
    assert.equal((await runBerth(['ui', 'extra'])).code, 2);
    const help = await runBerth(['ui', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--no-record/);
  });
});

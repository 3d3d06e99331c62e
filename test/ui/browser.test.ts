/**
 * The dashboard in a real headless Chromium (Debian's `chromium` package,
 * installed by .ci/run, driven by playwright-core). Skipped, saying why, when
 * /usr/bin/chromium is missing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { isSameProcessAlive } from '../../src/processes/index.js';
import type { UiServer } from '../../src/ui/index.js';
import { startListener } from '../helpers/children.js';
import { eventually, HOSTILE, startHostileServer, startHttpChild, startUi } from './helpers.js';

const CHROMIUM = process.env.BERTH_CHROMIUM ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium, as .ci/run does)`;

/** A word to filter the table on, unique to one test. */
function marker(): string {
  return `berth-ui-test-${randomBytes(4).toString('hex')}`;
}

describe('berth ui in Chromium', { skip }, () => {
  let browser: Browser;
  let ui: UiServer;

  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    ui = await startUi({ record: false });
  });
  after(async () => {
    await browser?.close();
  });

  /** Opens the dashboard, waits for the live stream, and counts dialogs (there must be none). */
  async function openDashboard(): Promise<{ page: Page; dialogs: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(ui.url);
    await page.waitForSelector('#live.ok');
    // Set once: a reload of the page would lose it.
    await page.evaluate('window.__sameDocument = true');
    return { page, dialogs };
  }

  /** Types into the filter and waits for the table to show only matching rows (it redraws on the next frame). */
  async function filterOn(page: Page, text: string): Promise<void> {
    await page.fill('#search', text);
    // Polled from here: waitForFunction would need eval, which the page's CSP forbids.
    const onlyMatching = `[...document.querySelectorAll('#sockets tbody tr')].every((tr) => tr.textContent.includes(${JSON.stringify(text)}))`;
    await eventually(async () => ((await page.evaluate(onlyMatching)) === true ? true : undefined), 'the filtered table');
  }

  it('shows a listener started after the page loaded, without a reload', async () => {
    const { page, dialogs } = await openDashboard();
    const word = marker();
    await filterOn(page, word);
    assert.equal(await page.locator('#sockets tbody tr').count(), 0);

    const child = await startHttpChild(word);
    const row = page.locator(`#sockets tbody tr[data-port="${child.port}"]`);
    await row.waitFor({ timeout: 20_000 });
    assert.equal(await page.evaluate('window.__sameDocument'), true, 'the page was not reloaded');
    assert.equal(await row.locator('td.pid').textContent(), String(child.pid));
    assert.equal(await row.locator('.badge').first().textContent(), 'loopback');
    // Identified lazily, once the row is on screen; an HTTP service gets a link.
    await row.locator('td.proto-http').waitFor({ timeout: 20_000 });
    assert.equal(await row.locator('td.links a').first().getAttribute('href'), `http://127.0.0.1:${child.port}/`);

    await child.stop();
    await row.waitFor({ state: 'detached', timeout: 20_000 });
    assert.deepEqual(dialogs, []);
    await page.close();
  });

  it('renders a hostile command line as text: no script runs, no element is injected', async () => {
    const { page, dialogs } = await openDashboard();
    const word = marker();
    await filterOn(page, word);
    const child = await startHostileServer(word);
    const row = page.locator(`#sockets tbody tr[data-port="${child.port}"]`);
    await row.waitFor({ timeout: 20_000 });

    const command = await row.locator('td.command').textContent();
    assert.ok(command?.includes(HOSTILE), `the command cell shows the literal text: ${command}`);
    await row.click();
    const pre = page.locator('#details pre.cmdline').first();
    await pre.waitFor();
    assert.ok((await pre.textContent())?.includes('<script>alert(1)</script>'));

    assert.equal(await page.evaluate('document.querySelectorAll("script").length'), 1, 'only app.js');
    assert.equal(await page.evaluate('document.querySelectorAll("img").length'), 0, 'no <img> from the command line');
    assert.deepEqual(dialogs, [], 'no alert fired');
    await child.stop();
    await page.close();
  });

  it('stops a listener with the Stop button, after a confirmation, and its port is free', async () => {
    const { page } = await openDashboard();
    const word = marker();
    await filterOn(page, word);
    const child = await startHttpChild(word);
    const row = page.locator(`#sockets tbody tr[data-port="${child.port}"]`);
    await row.waitFor({ timeout: 20_000 });
    await row.click();
    const stop = page.locator('#stop-button');
    await stop.waitFor();

    // Cancel first: nothing happens.
    await stop.click();
    await page.locator('#confirm[open]').waitFor();
    assert.ok((await page.locator('#confirm-list').textContent())?.includes(`pid ${child.pid}`));
    await page.click('#confirm-cancel');
    await page.locator('#confirm[open]').waitFor({ state: 'detached' });
    assert.ok(isSameProcessAlive({ pid: child.pid, startMarker: null }), 'cancel signals nothing');

    await stop.click();
    await page.click('#confirm-stop');
    await page.locator('#stop-out .outcome.ok').waitFor({ timeout: 20_000 });
    assert.match((await page.locator('#stop-out').textContent()) ?? '', new RegExp(`Port ${child.port} is free`));
    await eventually(() => (child.process.exitCode !== null || child.process.signalCode !== null ? true : undefined), 'the child to exit');
    await row.waitFor({ state: 'detached', timeout: 20_000 });
    await page.close();
  });

  it('offers SIGKILL, asked for again, when the holder ignores SIGTERM', async () => {
    const { page } = await openDashboard();
    const word = marker();
    await filterOn(page, word);
    const child = await startListener({ ignoreTerm: true, extraArgs: [word] });
    try {
      const row = page.locator(`#sockets tbody tr[data-port="${child.port}"]`);
      await row.waitFor({ timeout: 20_000 });
      await row.click();
      await page.locator('#stop-button').click();
      await page.click('#confirm-stop');
      // SIGTERM is ignored: after berth kill's wait, the outcome says so and offers the force stop.
      const force = page.locator('#force-button');
      await force.waitFor({ timeout: 30_000 });
      assert.match((await page.locator('#stop-out .outcome.bad').textContent()) ?? '', /still running/);
      assert.ok(isSameProcessAlive({ pid: child.pid, startMarker: null }));
      await force.click();
      await page.locator('#confirm[open]').waitFor();
      assert.match((await page.locator('#confirm-note').textContent()) ?? '', /SIGKILL/);
      assert.equal(await page.locator('#confirm-stop').textContent(), 'Force stop');
      await page.click('#confirm-stop');
      await page.locator('#stop-out .outcome.ok').waitFor({ timeout: 20_000 });
      assert.match((await page.locator('#stop-out').textContent()) ?? '', new RegExp(`Port ${child.port} is free`));
      await eventually(() => (child.process.exitCode !== null || child.process.signalCode !== null ? true : undefined), 'the child to exit');
    } finally {
      await child.stop();
      await page.close();
    }
  });

  it('gives another site nothing: it cannot stop a process nor read the token', async () => {
    const child = await startHttpChild(marker());
    // A page on another origin (another port of this machine) tries its luck.
    const evil: Server = createServer((_req, res) => res.end('<!doctype html><title>evil</title>'));
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const evilPort = (evil.address() as AddressInfo).port;
    const page = await browser.newPage();
    try {
      await page.goto(`http://127.0.0.1:${evilPort}/`);
      const api = `http://127.0.0.1:${ui.port}/api`;
      const body = JSON.stringify({ port: child.port });
      const attempts = (await page.evaluate(`(async () => {
        const out = {};
        const attempt = async (name, run) => { try { out[name] = await run(); } catch (e) { out[name] = 'blocked'; } };
        await attempt('json', () => fetch('${api}/kill', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '${body}' }).then((r) => r.status));
        await attempt('simple', () => fetch('${api}/kill', { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: '${body}' }).then((r) => r.type));
        await attempt('page', () => fetch('http://127.0.0.1:${ui.port}/').then((r) => r.text()));
        return out;
      })()`)) as Record<string, unknown>;
      assert.equal(attempts.json, 'blocked', 'the preflight fails: no CORS');
      assert.equal(attempts.page, 'blocked', 'the page (and its token) cannot be read');
      assert.ok(isSameProcessAlive({ pid: child.pid, startMarker: null }), 'nothing was stopped');
    } finally {
      await page.close();
      evil.close();
      await child.stop();
    }
  });
});

// Regenerates the README's screenshots: docs/img/ui.png (the `berth ui`
// dashboard in headless Chromium) and docs/img/watch.png (`berth watch` in a
// tmux pane, its ANSI colours turned into HTML and shot in Chromium).
//
// Everything shown is real: berth, a few real servers, and a route. As root
// (with `ip`), they all run in a fresh network namespace so that the pictures
// show only them, not whatever else listens on this machine; otherwise they run
// here and the pictures show this machine as it is.
//
//   npm run build && node scripts/screenshots.mjs
// Needs: /usr/bin/chromium (or $BERTH_CHROMIUM), tmux, python3; redis-server if present.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(ROOT, 'bin/berth.cjs');
const OUT = join(ROOT, 'docs/img');
const CHROMIUM = process.env.BERTH_CHROMIUM ?? '/usr/bin/chromium';
const work = mkdtempSync(join(tmpdir(), 'berth-shots-'));
const home = join(work, 'home');
mkdirSync(home);
mkdirSync(OUT, { recursive: true });

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const has = (command) => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

// A namespace of our own when we may make one: only our servers are in it.
const ns = process.getuid?.() === 0 && has('ip') ? `berth-shots-${process.pid}` : null;
if (ns) {
  execFileSync('ip', ['netns', 'add', ns]);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
}
const inNs = (command, args) => (ns ? ['ip', ['netns', 'exec', ns, command, ...args]] : [command, args]);

const children = [];
function start(command, args, options = {}) {
  const [cmd, argv] = inNs(command, args);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BERTH_HOME: home, NO_COLOR: undefined }, ...options });
  children.push(child);
  return child;
}
function firstLine(child, pattern) {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in: ${out}`)), 20_000);
    child.stdout.on('data', (chunk) => {
      out += chunk.toString();
      const match = pattern.exec(out.replace(/\u001b\[[0-9;]*m/g, ''));
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
  });
}
function cleanup() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  try {
    execFileSync('tmux', ['-L', `berth-shots-${process.pid}`, 'kill-server'], { stdio: 'ignore' });
  } catch {
    // no tmux server
  }
  if (ns) execFileSync('ip', ['netns', 'delete', ns]);
  try {
    rmSync(`/tmp/tmux-${process.getuid?.() ?? 0}/berth-shots-${process.pid}`, { force: true });
  } catch {
    // no socket file
  }
  rmSync(work, { recursive: true, force: true });
}
let cleaned = false;
process.on('exit', () => {
  if (!cleaned) cleanup();
  cleaned = true;
});
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

// The demo: an app on every interface, a dev server on loopback, a static server, Redis.
const app = join(work, 'shop-api');
mkdirSync(app);
writeFileSync(
  join(app, 'server.js'),
  "require('node:http').createServer((q, r) => r.end('{\"ok\":true}')).listen(3000, '0.0.0.0', () => console.log('ready'));\n",
);
await firstLine(start('node', ['server.js'], { cwd: app }), /ready/);
const site = join(work, 'site');
mkdirSync(site);
writeFileSync(join(site, 'index.html'), '<h1>hello</h1>\n');
start('python3', ['-m', 'http.server', '8000', '--bind', '127.0.0.1'], { cwd: site });
await firstLine(start(process.execPath, [BIN, 'serve', site, '--port', '4173']), /Serving/);
if (has('redis-server')) start('redis-server', ['--port', '6379', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
execFileSync(...inNs(process.execPath, [BIN, 'alias', 'shop', '3000']), { env: { ...process.env, BERTH_HOME: home }, stdio: 'ignore' });
await sleep(1500);

// Chromium in the same namespace, so that it reaches the dashboard's loopback.
let executablePath = CHROMIUM;
if (ns) {
  executablePath = join(work, 'chromium-in-ns.sh');
  writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec ${ns} ${CHROMIUM} "$@"\n`);
  chmodSync(executablePath, 0o755);
}
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });

// --- berth ui ---
const ui = start(process.execPath, [BIN, 'ui', '--port', '8111']);
const [, url] = await firstLine(ui, /(http:\/\/127\.0\.0\.1:\d+\/)/);
const page = await browser.newPage({ viewport: { width: 1560, height: 640 }, colorScheme: 'light' });
await page.goto(url);
await page.waitForSelector('#live.ok');
await page.waitForSelector('#sockets td.proto-http');
await sleep(1500); // every visible row identified
// A new listener while the page is open: highlighted as new.
const late = join(work, 'web');
mkdirSync(late);
writeFileSync(join(late, 'dev.js'), "require('node:http').createServer((q, r) => r.end('ok')).listen(5173, '127.0.0.1', () => console.log('ready'));\n");
await firstLine(start('node', ['dev.js'], { cwd: late }), /ready/);
await page.locator('#sockets tr[data-port="3000"]').click();
await page.locator('#doctor-button').click();
await page.waitForSelector('#details .verdict', { timeout: 30_000 });
await page.waitForSelector('#sockets tr[data-port="5173"].new');
await page.screenshot({ path: join(OUT, 'ui.png') });
await page.close();
ui.kill('SIGTERM');

// --- berth watch, in tmux ---
const socket = `berth-shots-${process.pid}`;
const tmux = (...args) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const [watchCmd, watchArgs] = inNs(process.execPath, [BIN, 'watch']);
tmux('new-session', '-d', '-s', 'w', '-x', '118', '-y', '16', '-e', `BERTH_HOME=${home}`, '-e', 'FORCE_COLOR=1', [watchCmd, ...watchArgs].map((a) => `'${a}'`).join(' '));
await sleep(2500);
const pong = join(work, 'pong');
mkdirSync(pong);
writeFileSync(join(pong, 'pong.js'), "require('node:net').createServer((s) => s.end('pong\\n')).listen(7000, '127.0.0.1', () => console.log('ready'));\n");
await firstLine(start('node', ['pong.js'], { cwd: pong }), /ready/);
await sleep(1500);
const ansi = tmux('capture-pane', '-e', '-p', '-t', 'w');
tmux('kill-server');

const page2 = await browser.newPage({ viewport: { width: 1000, height: 400 }, deviceScaleFactor: 1 });
await page2.setContent(`<!doctype html><style>
  body { margin: 0; background: #1d1f23; }
  pre { margin: 0; padding: 14px 16px; display: inline-block; color: #d6d8dc; background: #1d1f23;
        font: 13px/1.35 "DejaVu Sans Mono", ui-monospace, monospace; }
</style><pre id="term">${ansiToHtml(ansi)}</pre>`);
await page2.locator('#term').screenshot({ path: join(OUT, 'watch.png') });
await browser.close();

for (const name of ['ui.png', 'watch.png']) console.log(`docs/img/${name}: ${Math.round(statSync(join(OUT, name)).size / 1024)} KB`);

/** ANSI SGR colours (as tmux capture-pane -e prints them) → HTML spans; text escaped. */
function ansiToHtml(text) {
  const palette = ['#1d1f23', '#e06c75', '#98c379', '#e5c07b', '#61afef', '#c678dd', '#56b6c2', '#d6d8dc'];
  const bright = ['#5c6370', '#ff7b86', '#b5e890', '#ffd68a', '#82c4ff', '#de9bf0', '#7fd4df', '#ffffff'];
  const escape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  let style = {};
  let out = '';
  let open = false;
  const css = () =>
    Object.entries({
      color: style.inverse ? style.bg ?? '#1d1f23' : style.fg,
      background: style.inverse ? style.fg ?? '#d6d8dc' : style.bg,
      'font-weight': style.bold ? 'bold' : undefined,
      opacity: style.dim ? '0.6' : undefined,
      'text-decoration': style.underline ? 'underline' : undefined,
    })
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}:${v}`)
      .join(';');
  for (const part of text.split(/(\u001b\[[0-9;]*m)/)) {
    const sgr = /^\u001b\[([0-9;]*)m$/.exec(part);
    if (!sgr) {
      out += escape(part);
      continue;
    }
    const codes = sgr[1] === '' ? [0] : sgr[1].split(';').map(Number);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c === 0) style = {};
      else if (c === 1) style.bold = true;
      else if (c === 2) style.dim = true;
      else if (c === 4) style.underline = true;
      else if (c === 7) style.inverse = true;
      else if (c === 22) style.bold = style.dim = false;
      else if (c === 24) style.underline = false;
      else if (c === 27) style.inverse = false;
      else if (c >= 30 && c <= 37) style.fg = palette[c - 30];
      else if (c >= 90 && c <= 97) style.fg = bright[c - 90];
      else if (c === 39) style.fg = undefined;
      else if (c >= 40 && c <= 47) style.bg = palette[c - 40];
      else if (c >= 100 && c <= 107) style.bg = bright[c - 100];
      else if (c === 49) style.bg = undefined;
      else if ((c === 38 || c === 48) && codes[i + 1] === 5) {
        const n = codes[i + 2];
        const color = n < 8 ? palette[n] : n < 16 ? bright[n - 8] : undefined;
        if (c === 38) style.fg = color;
        else style.bg = color;
        i += 2;
      } else if ((c === 38 || c === 48) && codes[i + 1] === 2) {
        const color = `rgb(${codes[i + 2]},${codes[i + 3]},${codes[i + 4]})`;
        if (c === 38) style.fg = color;
        else style.bg = color;
        i += 4;
      }
    }
    if (open) out += '</span>';
    const rule = css();
    open = rule !== '';
    if (open) out += `<span style="${rule}">`;
  }
  return out + (open ? '</span>' : '');
}

// The demo servers keep the event loop alive: end here (the exit handler stops them).
process.exit(existsSync(join(OUT, 'ui.png')) ? 0 : 1);

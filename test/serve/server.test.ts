import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BerthError } from '../../src/errors.js';
import { createStaticServer, type AccessLogEntry, type StaticServer } from '../../src/serve/index.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw HTTP request: the path is sent exactly as given (fetch would normalise "..", this does not). */
function get(port: number, target: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: target, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends bytes on a raw socket (for targets node:http refuses to send) and returns the status. */
function rawStatus(port: number, target: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), text }));
    socket.on('error', reject);
  });
}

const SECRET = 'TOP-SECRET-OUTSIDE-ROOT';
const XSS_NAME = '"><script>alert(1)<script>.txt';
const base = mkdtempSync(path.join(tmpdir(), 'berth-serve-'));
const root = path.join(base, 'root');
const bigSize = 3 * 1024 * 1024 + 17;
const big = Buffer.alloc(bigSize);
for (let i = 0; i < bigSize; i++) big[i] = (i * 31 + 7) & 0xff;

before(() => {
  mkdirSync(root);
  writeFileSync(path.join(base, 'secret.txt'), SECRET);
  mkdirSync(path.join(base, 'outside-dir'));
  writeFileSync(path.join(base, 'outside-dir', 'secret.txt'), SECRET);
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>home</title>');
  writeFileSync(path.join(root, 'hello.txt'), 'hello, world\n');
  writeFileSync(path.join(root, 'app.js'), 'console.log(1)');
  writeFileSync(path.join(root, 'style.css'), 'body{}');
  writeFileSync(path.join(root, 'data.json'), '{}');
  writeFileSync(path.join(root, 'mod.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
  writeFileSync(path.join(root, 'big.bin'), big);
  writeFileSync(path.join(root, 'empty.txt'), '');
  mkdirSync(path.join(root, 'docs'));
  // "/" cannot be part of a file name on POSIX, so the classic `<script>alert(1)</script>` becomes:
  writeFileSync(path.join(root, 'docs', XSS_NAME), 'x');
  writeFileSync(path.join(root, 'docs', "<img src=x onerror='alert(1)'>.txt"), 'y');
  writeFileSync(path.join(root, 'docs', 'b.txt'), 'b');
  mkdirSync(path.join(root, 'docs', 'a-folder'));
  mkdirSync(path.join(root, 'evil.example'));
  mkdirSync(path.join(root, '%2e%2e'));
  writeFileSync(path.join(root, '%2e%2e', 'inside.txt'), 'literal name, inside the root');
  symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'link-out.txt'));
  symlinkSync(path.join(base, 'outside-dir'), path.join(root, 'link-out-dir'));
  symlinkSync(path.join(root, 'hello.txt'), path.join(root, 'link-in.txt'));
  symlinkSync('docs', path.join(root, 'link-in-dir'));
  symlinkSync(path.join(base, 'nowhere'), path.join(root, 'dangling'));
  writeFileSync(path.join(root, '.env'), 'API_KEY=hidden');
  mkdirSync(path.join(root, '.git'));
  writeFileSync(path.join(root, '.git', 'config'), '[core]');
  writeFileSync(path.join(root, 'docs', '.secret'), 'hidden too');
  symlinkSync('.env', path.join(root, 'env-link.txt'));
  mkdirSync(path.join(root, '.well-known'));
  writeFileSync(path.join(root, '.well-known', 'security.txt'), 'Contact: x');
});

after(() => rmSync(base, { recursive: true, force: true }));

const servers: StaticServer[] = [];
async function start(options: { spa?: boolean; listing?: boolean; cors?: boolean; dotfiles?: boolean; onRequest?: (e: AccessLogEntry) => void } = {}): Promise<number> {
  const server = createStaticServer({ root, ...options });
  servers.push(server);
  return (await server.listen({ host: '127.0.0.1', port: 0 })).port;
}
after(async () => {
  for (const server of servers) await server.close();
});

describe('berth serve: files', () => {
  let port: number;
  before(async () => (port = await start()));

  it('serves files with their content type, length and validators', async () => {
    const r = await get(port, '/hello.txt');
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'hello, world\n');
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(r.headers['content-length'], '13');
    assert.match(String(r.headers.etag), /^W\/"d-[0-9a-f]+"$/);
    assert.ok(r.headers['last-modified']);
    assert.equal(r.headers['accept-ranges'], 'bytes');
    const types: Record<string, string> = {
      '/app.js': 'text/javascript; charset=utf-8',
      '/style.css': 'text/css; charset=utf-8',
      '/data.json': 'application/json; charset=utf-8',
      '/mod.wasm': 'application/wasm',
      '/big.bin': 'application/octet-stream',
      '/': 'text/html; charset=utf-8',
    };
    for (const [target, type] of Object.entries(types)) assert.equal((await get(port, target, {}, 'HEAD')).headers['content-type'], type, target);
  });

  it('304 for If-None-Match and If-Modified-Since; 200 again once the file changes', async () => {
    const first = await get(port, '/hello.txt');
    const etag = String(first.headers.etag);
    const byTag = await get(port, '/hello.txt', { 'If-None-Match': etag });
    assert.equal(byTag.status, 304);
    assert.equal(byTag.body.length, 0);
    assert.equal(byTag.headers.etag, etag);
    const byDate = await get(port, '/hello.txt', { 'If-Modified-Since': String(first.headers['last-modified']) });
    assert.equal(byDate.status, 304);
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(root, 'hello.txt'), later, later);
    const changed = await get(port, '/hello.txt', { 'If-None-Match': etag });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.etag, etag);
    assert.equal(changed.body.toString(), 'hello, world\n');
  });

  it('Range: 206 for a-b, a- and -n; 416 past the end; 200 for several ranges', async () => {
    const ab = await get(port, '/hello.txt', { Range: 'bytes=0-4' });
    assert.equal(ab.status, 206);
    assert.equal(ab.body.toString(), 'hello');
    assert.equal(ab.headers['content-range'], 'bytes 0-4/13');
    assert.equal(ab.headers['content-length'], '5');
    const open = await get(port, '/hello.txt', { Range: 'bytes=7-' });
    assert.equal(open.status, 206);
    assert.equal(open.body.toString(), 'world\n');
    const suffix = await get(port, '/hello.txt', { Range: 'bytes=-6' });
    assert.equal(suffix.status, 206);
    assert.equal(suffix.body.toString(), 'world\n');
    assert.equal(suffix.headers['content-range'], 'bytes 7-12/13');
    const past = await get(port, '/hello.txt', { Range: 'bytes=13-' });
    assert.equal(past.status, 416);
    assert.equal(past.headers['content-range'], 'bytes */13');
    const multi = await get(port, '/hello.txt', { Range: 'bytes=0-1,3-4' });
    assert.equal(multi.status, 200);
    assert.equal(multi.body.toString(), 'hello, world\n');
    const middle = await get(port, '/big.bin', { Range: `bytes=1000000-1000099` });
    assert.equal(middle.status, 206);
    assert.deepEqual(middle.body, big.subarray(1000000, 1000100));
    const stale = await get(port, '/hello.txt', { Range: 'bytes=0-4', 'If-Range': 'Mon, 01 Jan 2001 00:00:00 GMT' });
    assert.equal(stale.status, 200, 'a stale If-Range gets the whole file');
  });

  it('HEAD: the headers of GET, no body', async () => {
    const r = await get(port, '/big.bin', {}, 'HEAD');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-length'], String(bigSize));
    assert.equal(r.body.length, 0);
    const dir = await get(port, '/docs/', {}, 'HEAD');
    assert.equal(dir.status, 200);
    assert.equal(dir.body.length, 0);
  });

  it('streams a large file whole, and an empty one', async () => {
    const r = await get(port, '/big.bin');
    assert.equal(r.status, 200);
    assert.equal(r.body.length, bigSize);
    assert.equal(createHash('sha256').update(r.body).digest('hex'), createHash('sha256').update(big).digest('hex'));
    const empty = await get(port, '/empty.txt');
    assert.equal(empty.status, 200);
    assert.equal(empty.headers['content-length'], '0');
  });

  it('answers a client that half-closes right after its request (HTTP/1.0 style)', async () => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('connect', () => socket.end('GET /hello.txt HTTP/1.0\r\n\r\n'));
    await new Promise((resolve, reject) => {
      socket.on('close', resolve);
      socket.on('error', reject);
    });
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(text.endsWith('\r\n\r\nhello, world\n'), text);
  });

  it('405 for other methods, with Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const r = await get(port, '/hello.txt', {}, method);
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.allow, 'GET, HEAD');
    }
  });

  it('a client that goes away mid-download does not hurt the server', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/big.bin', agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
      req.end();
    });
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => socket.resetAndDestroy());
    socket.on('error', () => undefined);
    const r = await get(port, '/hello.txt');
    assert.equal(r.status, 200);
  });
});

describe('berth serve: folders', () => {
  let port: number;
  before(async () => (port = await start()));

  it('index.html for /', async () => {
    const r = await get(port, '/');
    assert.equal(r.status, 200);
    assert.match(r.body.toString(), /<title>home<\/title>/);
  });

  it('/docs → 301 /docs/, query kept; no open redirect from //host', async () => {
    const r = await get(port, '/docs?x=1');
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, '/docs/?x=1');
    const evil = await rawStatus(port, '//evil.example');
    assert.equal(evil.status, 301);
    assert.match(evil.text, /\r\nLocation: \/evil\.example\/\r\n/);
  });

  it('lists a folder: every name escaped, folders first, sorted, sizes', async () => {
    const r = await get(port, '/docs/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    const html = r.body.toString();
    assert.ok(!html.includes('<script>alert'), 'the name is never raw HTML');
    assert.ok(!html.includes('<img src=x'), 'the name is never raw HTML');
    assert.ok(!html.includes('"><script'), 'no attribute break-out');
    assert.ok(html.includes('&#34;&#62;&#60;script&#62;alert(1)&#60;script&#62;.txt'));
    assert.ok(html.includes('&#60;img src=x onerror=&#39;alert(1)&#39;&#62;.txt'));
    const order = ['a-folder/', '&#34;&#62;&#60;script&#62;', 'b.txt'].map((name) => html.indexOf(name));
    assert.ok(order.every((i) => i > 0), String(order));
    assert.deepEqual([...order].sort((a, b) => a - b), order);
    assert.ok(html.includes('href="../"'));
    assert.match(html, /1 B/);
    // The escaped link leads to the file.
    const href = /href="\.\/(%22[^"]*)"/.exec(html)?.[1];
    assert.equal(href, encodeURIComponent(XSS_NAME));
    const file = await get(port, `/docs/${href}`);
    assert.equal(file.status, 200);
    assert.equal(file.body.toString(), 'x');
  });

  it('--no-listing: a folder without index.html is 404', async () => {
    const quiet = await start({ listing: false });
    assert.equal((await get(quiet, '/docs/')).status, 404);
    assert.equal((await get(quiet, '/')).status, 200, 'index.html still served');
  });

  it('a file with a trailing slash is 404', async () => {
    assert.equal((await get(port, '/hello.txt/')).status, 404);
  });
});

describe('berth serve: SPA fallback', () => {
  it('on: extension-less paths that accept HTML get /index.html; others stay 404', async () => {
    const port = await start({ spa: true });
    const html = { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
    const route = await get(port, '/app/settings/profile', html);
    assert.equal(route.status, 200);
    assert.match(route.body.toString(), /<title>home<\/title>/);
    assert.equal((await get(port, '/missing.js', html)).status, 404, 'a missing asset is a real 404');
    assert.equal((await get(port, '/api/users', { Accept: 'application/json' })).status, 404, 'non-HTML clients get 404');
    assert.equal((await get(port, '/../x', html)).status, 400, 'the fallback never bypasses the path checks');
  });
  it('off: 404', async () => {
    const port = await start();
    assert.equal((await get(port, '/app/settings', { Accept: 'text/html' })).status, 404);
  });
});

describe('berth serve: no way out of the root', () => {
  let port: number;
  before(async () => (port = await start({ spa: true })));

  const attempts = [
    '/../secret.txt',
    '/../../../../etc/passwd',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/.%2e/secret.txt',
    '/%252e%252e/secret.txt',
    '/..%2fsecret.txt',
    '/..%2f..%2f..%2fetc%2fpasswd',
    '/%2e%2e%5csecret.txt',
    '/..%5csecret.txt',
    '/docs/..%5c..%5csecret.txt',
    '/%2e%2e%2f%2e%2e%2fetc/passwd',
    '/secret.txt%00.html',
    '/%c0%ae%c0%ae/secret.txt',
    '/link-out.txt',
    '/link-out-dir/secret.txt',
    '/link-out-dir/',
    '/dangling',
  ];
  for (const target of attempts) {
    it(`refuses ${target}`, async () => {
      const r = await rawStatus(port, target);
      assert.ok([400, 403, 404].includes(r.status), `${target}: ${r.status}`);
      assert.ok(!r.text.includes(SECRET), 'the secret never leaves');
      assert.ok(!r.text.includes('root:x:0:0'), 'no /etc/passwd');
    });
  }

  it('answers each kind as documented: .. is 400, a symlink out is 403, a double-encoded name is a literal name', async () => {
    assert.equal((await rawStatus(port, '/../secret.txt')).status, 400);
    assert.equal((await rawStatus(port, '/%2e%2e/secret.txt')).status, 400);
    assert.equal((await rawStatus(port, '/%2e%2e%5csecret.txt')).status, 400);
    assert.equal((await rawStatus(port, '/link-out.txt')).status, 403);
    assert.equal((await rawStatus(port, '/link-out-dir/secret.txt')).status, 403);
    assert.equal((await rawStatus(port, '/%252e%252e/secret.txt')).status, 404);
    const literal = await get(port, '/%252e%252e/inside.txt');
    assert.equal(literal.status, 200);
    assert.equal(literal.body.toString(), 'literal name, inside the root');
  });

  it('follows symlinks that stay inside the root', async () => {
    const file = await get(port, '/link-in.txt');
    assert.equal(file.status, 200);
    assert.equal(file.body.toString(), 'hello, world\n');
    assert.equal((await get(port, '/link-in-dir/b.txt')).body.toString(), 'b');
  });

  it('serves a root that is itself reached through a symlink', async () => {
    const viaLink = path.join(base, 'root-link');
    symlinkSync(root, viaLink);
    const server = createStaticServer({ root: viaLink });
    servers.push(server);
    const { port: p } = await server.listen({ host: '127.0.0.1', port: 0 });
    assert.equal((await get(p, '/hello.txt')).status, 200);
    assert.equal((await rawStatus(p, '/link-out.txt')).status, 403);
  });
});

describe('berth serve: hidden files', () => {
  it('are 404 by default, named directly, encoded or through a symlink; .well-known is served', async () => {
    const port = await start();
    for (const target of ['/.env', '/%2eenv', '/.git/config', '/.git/', '/docs/.secret', '/env-link.txt', '/./.env']) {
      const reply = await get(port, target);
      assert.equal(reply.status, 404, target);
      assert.ok(!reply.body.toString().includes('hidden') && !reply.body.toString().includes('API_KEY'), target);
    }
    assert.equal((await get(port, '/.well-known/security.txt')).status, 200);
  });

  it('are left out of listings by default', async () => {
    const port = await start();
    const top = (await get(port, '/')).body.toString(); // index.html: check a listed folder instead
    assert.ok(!top.includes('.env'));
    const docs = (await get(port, '/docs/')).body.toString();
    assert.ok(docs.includes('b.txt'));
    assert.ok(!docs.includes('.secret'));
  });

  it('with dotfiles: true they are served and listed', async () => {
    const port = await start({ dotfiles: true });
    assert.equal((await get(port, '/.env')).body.toString(), 'API_KEY=hidden');
    assert.equal((await get(port, '/env-link.txt')).body.toString(), 'API_KEY=hidden');
    assert.equal((await get(port, '/.git/config')).status, 200);
    assert.ok((await get(port, '/docs/')).body.toString().includes('.secret'));
  });
});

describe('berth serve: library edges', () => {
  it('a missing root or a file as root is E_PATH_INVALID', () => {
    assert.throws(() => createStaticServer({ root: path.join(base, 'nope') }), (e: unknown) => e instanceof BerthError && e.code === 'E_PATH_INVALID');
    assert.throws(() => createStaticServer({ root: path.join(base, 'secret.txt') }), (e: unknown) => e instanceof BerthError && e.code === 'E_PATH_INVALID');
  });

  it('a port in use is E_PORT_IN_USE with the port', async () => {
    const port = await start();
    const other = createStaticServer({ root });
    await assert.rejects(other.listen({ host: '127.0.0.1', port }), (e: unknown) => e instanceof BerthError && e.code === 'E_PORT_IN_USE' && e.data.port === port);
  });

  it('reports each request to onRequest', async () => {
    const entries: AccessLogEntry[] = [];
    const port = await start({ onRequest: (e) => entries.push(e) });
    await get(port, '/hello.txt');
    await get(port, '/nope');
    for (let i = 0; i < 200 && entries.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(entries.map((e) => [e.method, e.url, e.status]), [['GET', '/hello.txt', 200], ['GET', '/nope', 404]]);
    assert.equal(entries[0]!.bytes, 13);
    assert.equal(entries[0]!.remoteAddress, '127.0.0.1');
  });

  it('--cors adds Access-Control-Allow-Origin and answers preflights', async () => {
    const port = await start({ cors: true });
    assert.equal((await get(port, '/hello.txt')).headers['access-control-allow-origin'], '*');
    assert.equal((await get(port, '/hello.txt', {}, 'OPTIONS')).status, 204);
    const plain = await start();
    assert.equal((await get(plain, '/hello.txt')).headers['access-control-allow-origin'], undefined);
  });

  it('listen without a port takes one in 8000–8999 on loopback', async () => {
    const server = createStaticServer({ root });
    servers.push(server);
    const address = await server.listen();
    assert.equal(address.host, '127.0.0.1');
    assert.ok(address.port >= 8000 && address.port <= 8999, String(address.port));
    assert.equal(address.url, `http://127.0.0.1:${address.port}/`);
    assert.equal((await get(address.port, '/hello.txt')).status, 200);
  });
});

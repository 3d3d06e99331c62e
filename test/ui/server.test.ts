import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { isBerthError } from '../../src/errors.js';
import { addAlias } from '../../src/proxy/routes.js';
import { createUiServer, type UiSocket } from '../../src/ui/index.js';
import { listHistory } from '../../src/watch/history.js';
import { isSameProcessAlive } from '../../src/processes/index.js';
import { startListener } from '../helpers/children.js';
import { eventually, HOSTILE, openEvents, send, startHostileServer, startUi, tempHome } from './helpers.js';

/** Headers of a request the dashboard's own page would send. */
function pageHeaders(port: number, token: string): Record<string, string> {
  return { Host: `127.0.0.1:${port}`, Origin: `http://127.0.0.1:${port}`, 'Content-Type': 'application/json', 'X-Berth-Token': token };
}

function assertNoCors(headers: Record<string, unknown>): void {
  for (const name of Object.keys(headers)) assert.ok(!name.toLowerCase().startsWith('access-control-'), `unexpected ${name}`);
}

async function socketsOf(port: number): Promise<UiSocket[]> {
  const reply = await send(port, 'GET', '/api/sockets');
  assert.equal(reply.status, 200);
  return (JSON.parse(reply.body) as { sockets: UiSocket[] }).sockets;
}

describe('berth ui server: Host header (DNS rebinding)', () => {
  it('answers only to its own host names and refuses every other Host', async () => {
    const ui = await startUi({ record: false });
    for (const host of [`127.0.0.1:${ui.port}`, `localhost:${ui.port}`, `LOCALHOST:${ui.port}`, `[::1]:${ui.port}`]) {
      assert.equal((await send(ui.port, 'GET', '/', { Host: host })).status, 200, host);
    }
    for (const host of [`evil.example:${ui.port}`, 'evil.example', `127.0.0.1:${ui.port + 1}`, '127.0.0.1', `attacker.localhost:${ui.port}`]) {
      for (const path of ['/', '/api/sockets', '/app.js']) {
        const reply = await send(ui.port, 'GET', path, { Host: host });
        assert.equal(reply.status, 421, `${host} ${path}`);
        assert.ok(!reply.body.includes(ui.token), 'the token never leaks to a foreign host');
      }
    }
    const kill = await send(ui.port, 'POST', '/api/kill', { ...pageHeaders(ui.port, ui.token), Host: `evil.example:${ui.port}`, Origin: `http://evil.example:${ui.port}` }, '{"port":1}');
    assert.equal(kill.status, 421);
  });

  it('refuses a request without any Host header', async () => {
    const ui = await startUi({ record: false });
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(ui.port, '127.0.0.1', () => socket.write('GET / HTTP/1.0\r\n\r\n'));
      let out = '';
      socket.on('data', (c: Buffer) => (out += c.toString()));
      socket.on('end', () => resolve(out));
      socket.on('error', reject);
    });
    assert.match(text, /^HTTP\/1\.1 421 /);
    assert.ok(!text.includes(ui.token));
  });
});

describe('berth ui server: state-changing requests', () => {
  it('refuses POST /api/kill without the token, with a wrong one, or from another origin, and signals nothing', async () => {
    const ui = await startUi({ record: false });
    const child = await startListener();
    const body = JSON.stringify({ port: child.port, protocol: 'tcp', address: '127.0.0.1', pid: child.pid });
    const own = pageHeaders(ui.port, ui.token);
    const attempts: Array<[string, Record<string, string>]> = [
      ['no token', { ...own, 'X-Berth-Token': '' }],
      ['wrong token', { ...own, 'X-Berth-Token': 'x'.repeat(ui.token.length) }],
      ['foreign Origin', { ...own, Origin: 'http://evil.example' }],
      ['Origin of another port', { ...own, Origin: `http://127.0.0.1:${ui.port + 1}` }],
      ['cross-site fetch', { ...own, 'Sec-Fetch-Site': 'cross-site' }],
      ['no Origin, no Sec-Fetch-Site', Object.fromEntries(Object.entries(own).filter(([k]) => k !== 'Origin'))],
    ];
    const noToken = Object.fromEntries(Object.entries(own).filter(([k]) => k !== 'X-Berth-Token'));
    attempts.push(['token header missing', noToken]);
    for (const [what, headers] of attempts) {
      const reply = await send(ui.port, 'POST', '/api/kill', headers, body);
      assert.equal(reply.status, 403, what);
      assert.equal((JSON.parse(reply.body) as { error: { code: string } }).error.code, 'E_FORBIDDEN', what);
      assertNoCors(reply.headers);
    }
    assert.ok(isSameProcessAlive({ pid: child.pid, startMarker: null }), 'the listener was not signalled');
    await child.stop();
  });

  it('stops the holder with the token from its own origin, and refuses when the holder changed (409)', async () => {
    const ui = await startUi({ record: false });
    const child = await startListener();
    const headers = pageHeaders(ui.port, ui.token);

    const wrong = await send(ui.port, 'POST', '/api/kill', headers, JSON.stringify({ port: child.port, protocol: 'tcp', address: '127.0.0.1', pid: child.pid + 100_000 }));
    assert.equal(wrong.status, 409);
    assert.equal((JSON.parse(wrong.body) as { error: { code: string } }).error.code, 'E_HOLDER_CHANGED');
    assert.ok(isSameProcessAlive({ pid: child.pid, startMarker: null }), 'nothing was signalled');

    const sameOriginNoOrigin = { ...headers, 'Sec-Fetch-Site': 'same-origin' } as Record<string, string>;
    delete sameOriginNoOrigin.Origin;
    const bad = await send(ui.port, 'POST', '/api/kill', sameOriginNoOrigin, 'port=1');
    assert.equal(bad.status, 400, 'a body that is not JSON is refused');

    const reply = await send(ui.port, 'POST', '/api/kill', headers, JSON.stringify({ port: child.port, protocol: 'tcp', address: '127.0.0.1', pid: child.pid }));
    assert.equal(reply.status, 200, reply.body);
    const answer = JSON.parse(reply.body) as { ok: boolean; result: { ports: Array<{ port: number; free: boolean }>; processes: Array<{ pid: number; outcome: string }> } };
    assert.equal(answer.ok, true);
    assert.deepEqual(answer.result.ports.map((p) => [p.port, p.free]), [[child.port, true]]);
    assert.deepEqual(answer.result.processes.map((p) => [p.pid, p.outcome]), [[child.pid, 'exited']]);
  });

  it('signal SIGKILL stops a holder that ignores SIGTERM at once; other signals are refused', async () => {
    const ui = await startUi({ record: false });
    const child = await startListener({ ignoreTerm: true });
    const headers = pageHeaders(ui.port, ui.token);
    const odd = await send(ui.port, 'POST', '/api/kill', headers, JSON.stringify({ port: child.port, protocol: 'tcp', address: '127.0.0.1', pid: child.pid, signal: 'SIGSTOP' }));
    assert.equal(odd.status, 400);
    assert.ok(isSameProcessAlive({ pid: child.pid, startMarker: null }), 'nothing was signalled');
    const reply = await send(ui.port, 'POST', '/api/kill', headers, JSON.stringify({ port: child.port, protocol: 'tcp', address: '127.0.0.1', pid: child.pid, signal: 'SIGKILL' }));
    assert.equal(reply.status, 200, reply.body);
    const answer = JSON.parse(reply.body) as { ok: boolean; result: { processes: Array<{ pid: number; outcome: string }> } };
    assert.equal(answer.ok, true);
    assert.deepEqual(answer.result.processes.map((p) => p.pid), [child.pid]);
    assert.ok(!isSameProcessAlive({ pid: child.pid, startMarker: null }));
  });

  it('keeps the guards of berth kill: the dashboard never stops itself', async () => {
    const ui = await startUi({ record: false });
    const reply = await send(ui.port, 'POST', '/api/kill', pageHeaders(ui.port, ui.token), JSON.stringify({ port: ui.port, protocol: 'tcp', address: '127.0.0.1' }));
    assert.equal(reply.status, 200);
    const answer = JSON.parse(reply.body) as { ok: boolean; result: { plan: { refused: Array<{ reason: string }> } } };
    assert.equal(answer.ok, false);
    assert.deepEqual(answer.result.plan.refused.map((r) => r.reason), ['self']);
    assert.equal((await send(ui.port, 'GET', '/api/sockets')).status, 200, 'still running');
  });

  it('accepts no other method on the API and no POST elsewhere', async () => {
    const ui = await startUi({ record: false });
    const own = pageHeaders(ui.port, ui.token);
    assert.equal((await send(ui.port, 'GET', '/api/kill')).status, 405);
    assert.equal((await send(ui.port, 'DELETE', '/api/sockets', own)).status, 405);
    const preflight = await send(ui.port, 'OPTIONS', '/api/kill', { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' });
    assert.equal(preflight.status, 405, 'no preflight answer');
    assertNoCors(preflight.headers);
    assert.equal((await send(ui.port, 'POST', '/', own, '{}')).status, 405);
  });
});

describe('berth ui server: headers and the page', () => {
  it('sends CSP, nosniff, no-referrer and no CORS header on every answer', async () => {
    const ui = await startUi({ record: false });
    for (const path of ['/', '/app.js', '/app.css', '/api/sockets', '/api/routes', '/api/leases', '/nope', '/api/nope']) {
      const reply = await send(ui.port, 'GET', path, { Host: `localhost:${ui.port}`, Origin: 'http://evil.example' });
      const csp = String(reply.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/, path);
      assert.match(csp, /script-src 'self'(;|$)/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.equal(reply.headers['x-content-type-options'], 'nosniff', path);
      assert.equal(reply.headers['referrer-policy'], 'no-referrer', path);
      assertNoCors(reply.headers);
    }
  });

  it('serves a page with no inline script and the token in a meta tag', async () => {
    const ui = await startUi({ record: false });
    const page = await send(ui.port, 'GET', '/');
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.ok(page.body.includes(`<meta name="berth-token" content="${ui.token}">`));
    for (const tag of page.body.match(/<script\b[^>]*>/g) ?? []) assert.match(tag, /\bsrc="\/app\.js"/, 'only the external script');
    assert.doesNotMatch(page.body, /\son[a-z]+=/i, 'no inline event handlers');
    // app.js and every module it imports, transitively: served as JavaScript, none of them writing markup.
    const seen = new Set<string>();
    const queue = ['/app.js'];
    while (queue.length > 0) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const script = await send(ui.port, 'GET', path);
      assert.equal(script.status, 200, path);
      assert.match(String(script.headers['content-type']), /^text\/javascript/, path);
      assert.doesNotMatch(script.body, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/, `${path}: the page builds the DOM from text only`);
      for (const [, imported] of script.body.matchAll(/^import .* from '\.(\/[a-z-]+\.js)';$/gm)) queue.push(imported!);
    }
    assert.ok(seen.size > 1, `app.js imports its parts: ${[...seen].join(' ')}`);
  });

  it('returns a hostile command line as JSON data, never inside an HTML answer', async () => {
    const ui = await startUi({ record: false });
    const hostile = await startHostileServer();
    const socket = await eventually(async () => (await socketsOf(ui.port)).find((s) => s.localPort === hostile.port), 'the hostile listener');
    assert.ok(socket.holders.some((p) => p.argv.includes(HOSTILE) && p.command.includes(HOSTILE)), 'the argv is reported as it is');

    const details = await send(ui.port, 'GET', `/api/port/${hostile.port}`);
    assert.equal(details.status, 200);
    assert.match(String(details.headers['content-type']), /^application\/json/);
    assert.equal(details.headers['x-content-type-options'], 'nosniff');
    assert.ok(details.body.includes(JSON.stringify(HOSTILE).slice(1, -1)), 'present as a JSON string');

    for (const path of ['/', '/index.html', '/nope', `/%3Cscript%3E`]) {
      const reply = await send(ui.port, 'GET', path);
      assert.ok(!reply.body.includes('<script>alert'), `${path} never carries the command line as markup`);
    }
    await hostile.stop();
  });
});

describe('berth ui server: live data', () => {
  it('streams a snapshot, then opened, identified and closed events for a new listener', async () => {
    const ui = await startUi({ record: false });
    const events = await openEvents(ui.port);
    const snapshot = await events.waitFor((e) => e.event === 'snapshot', 'the snapshot');
    assert.ok(Array.isArray((snapshot.data as { sockets: unknown[] }).sockets));

    const server = await startHostileServer();
    const opened = await events.waitFor((e) => e.event === 'opened' && (e.data as { socket: UiSocket }).socket.localPort === server.port, 'opened');
    const key = (opened.data as { socket: UiSocket }).socket.key;

    const asked = await send(ui.port, 'GET', `/api/identify?key=${encodeURIComponent(key)}`);
    assert.equal((JSON.parse(asked.body) as { requested: number }).requested, 1);
    const identified = await events.waitFor((e) => e.event === 'identified' && (e.data as { key: string }).key === key, 'identified');
    assert.equal((identified.data as { identification: { protocol: string } }).identification.protocol, 'http');
    const row = (await socketsOf(ui.port)).find((s) => s.key === key);
    assert.equal(row?.identification?.protocol, 'http', 'the answer is kept for the next page load');

    await server.stop();
    await events.waitFor((e) => e.event === 'closed' && (e.data as { key: string }).key === key, 'closed');
    events.close();
  });

  it('records history while it runs, and shows it per port', async () => {
    const home = tempHome();
    const ui = await startUi({ home });
    assert.equal(ui.status().recording, true);
    const child = await startListener();
    await eventually(() => (listHistory({ home, port: child.port }).items.length > 0 ? true : undefined), 'a history row');
    const details = JSON.parse((await send(ui.port, 'GET', `/api/port/${child.port}`)).body) as {
      who: { holders: Array<{ process: { pid: number } }> };
      history: { items: Array<{ pid: number | null; ended: string }> };
    };
    assert.deepEqual(details.who.holders.map((h) => h.process.pid), [child.pid]);
    assert.equal(details.history.items[0]?.pid, child.pid);
    assert.equal(details.history.items[0]?.ended, 'open');
    await child.stop();
    await eventually(() => (listHistory({ home, port: child.port }).items[0]?.ended === 'closed' ? true : undefined), 'the row closed');
  });

  it('runs berth doctor on a port when asked', async () => {
    const ui = await startUi({ record: false });
    const child = await startListener();
    const reply = await send(ui.port, 'GET', `/api/port/${child.port}/doctor`);
    assert.equal(reply.status, 200);
    const report = JSON.parse(reply.body) as { target: string; findings: unknown[]; verdict: string };
    assert.equal(report.target, String(child.port));
    assert.ok(Array.isArray(report.findings));
    await child.stop();
    assert.equal((await send(ui.port, 'GET', '/api/port/99999')).status, 400);
  });

  it('lists routes with their name.localhost URL, and leases', async () => {
    const home = tempHome();
    const ui = await startUi({ home, record: false, proxyPort: 1355 });
    const empty = JSON.parse((await send(ui.port, 'GET', '/api/routes')).body) as { proxyPort: number; routes: unknown[] };
    assert.deepEqual(empty, { proxyPort: 1355, routes: [] });
    addAlias({ home, name: 'pgadmin', port: 5050 });
    const routes = JSON.parse((await send(ui.port, 'GET', '/api/routes')).body) as { routes: Array<{ name: string; port: number; url: string }> };
    assert.deepEqual(routes.routes.map((r) => [r.name, r.port, r.url]), [['pgadmin', 5050, 'http://pgadmin.localhost:1355/']]);
    const leases = JSON.parse((await send(ui.port, 'GET', '/api/leases')).body) as { leases: unknown[] };
    assert.deepEqual(leases, { leases: [] });
  });
});

describe('createUiServer', () => {
  it('listens on loopback only', async () => {
    await assert.rejects(
      () => createUiServer({ port: 0, host: '0.0.0.0', home: tempHome(), record: false }),
      (error: unknown) => isBerthError(error) && error.code === 'E_TARGET_INVALID',
    );
    const ui = await startUi({ record: false });
    assert.equal(ui.host, '127.0.0.1');
    assert.equal(ui.url, `http://127.0.0.1:${ui.port}/`);
  });
});

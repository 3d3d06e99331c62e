import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainPort } from '../../src/explain/index.js';
import { isBerthError } from '../../src/errors.js';
import { ianaServices, lookUpIana } from '../../src/ports/iana.js';
import { IANA_REGISTRY } from '../../src/ports/iana-data.js';
import { runBerth, startListener } from '../helpers/children.js';

describe('IANA registry', () => {
  it('knows the common assignments', async () => {
    assert.deepEqual((await ianaServices(5432)).map((s) => s.name), ['postgresql']);
    assert.ok((await ianaServices(6000)).some((s) => s.name === 'x11'), 'ranges such as x11 6000-6063 are expanded');
    assert.ok((await ianaServices(6063)).some((s) => s.name === 'x11'));
    assert.deepEqual(await ianaServices(65535), []);
  });
  it('finds a port\'s lines, and only its own', () => {
    const text = '80|http|tcp/udp|World Wide Web HTTP\n80|www|tcp|\n808|ccproxy-http|tcp/udp|CCProxy HTTP/Gopher/FTP (over HTTP)\n8080|http-alt|tcp/udp|HTTP Alternate\n';
    assert.deepEqual(lookUpIana(text, 80), [
      { name: 'http', protocols: ['tcp', 'udp'], description: 'World Wide Web HTTP' },
      { name: 'www', protocols: ['tcp'], description: '' },
    ]);
    assert.deepEqual(lookUpIana(text, 8080).map((s) => s.name), ['http-alt']);
    assert.deepEqual(lookUpIana(text, 8), []);
    assert.deepEqual(lookUpIana(text, 0), []);
  });

  it('gives every listed port (and its look-alikes) the same answer as reading the whole registry', () => {
    const all = new Map<number, string[]>();
    for (const line of IANA_REGISTRY.split('\n')) {
      if (line === '') continue;
      const port = Number(line.split('|')[0]);
      all.set(port, [...(all.get(port) ?? []), line.split('|')[1]!]);
    }
    assert.ok(all.size > 5000, `${all.size} ports`);
    // Every listed port, and the numbers a prefix match would confuse with it (80: 8, 800, 8080 …).
    const ports = new Set<number>();
    for (const port of all.keys()) for (const p of [port, port + 1, Math.floor(port / 10), port * 10, port * 100 + port]) if (p <= 65535) ports.add(p);
    for (const port of ports) assert.deepEqual(lookUpIana(IANA_REGISTRY, port).map((s) => s.name), all.get(port) ?? [], `port ${port}`);
  });
});

describe('explainPort', () => {
  it('explains an unsafe, registered port', async () => {
    const e = await explainPort(6000);
    assert.equal(e.facts.class, 'registered');
    assert.equal(e.facts.browserUnsafe, true);
    assert.ok(e.machine.ephemeralRange.from > 0);
  });
  it('names the current holder', async () => {
    const l = await startListener();
    try {
      const e = await explainPort(l.port);
      assert.ok(e.holders.holders.some((h) => h.process.pid === l.pid));
      assert.equal(e.facts.ephemeral, l.port >= e.machine.ephemeralRange.from && l.port <= e.machine.ephemeralRange.to);
    } finally {
      await l.stop();
    }
  });
  it('rejects bad ports', async () => {
    await assert.rejects(explainPort('0'), (e: unknown) => isBerthError(e) && e.code === 'E_PORT_INVALID');
  });
  it('berth explain prints every fact; --json has them too', async () => {
    const r = await runBerth(['explain', '6000']);
    assert.equal(r.code, 0);
    for (const label of ['range', 'IANA', 'x11', 'ephemeral', 'privileged', 'ERR_UNSAFE_PORT', 'held by']) assert.ok(r.stdout.includes(label), label);
    const json = JSON.parse((await runBerth(['explain', '5432', '--json'])).stdout) as { facts: { port: number }; iana: Array<{ name: string }> };
    assert.equal(json.facts.port, 5432);
    assert.equal(json.iana[0]!.name, 'postgresql');
    assert.equal((await runBerth(['explain', 'x'])).code, 2);
  });
});

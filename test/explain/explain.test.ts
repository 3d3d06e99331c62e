import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainPort } from '../../src/explain/index.js';
import { isBerthError } from '../../src/errors.js';
import { ianaServices, parseIanaRegistry } from '../../src/ports/iana.js';
import { runBerth, startListener } from '../helpers/children.js';

describe('IANA registry', () => {
  it('knows the common assignments', async () => {
    assert.deepEqual((await ianaServices(5432)).map((s) => s.name), ['postgresql']);
    assert.ok((await ianaServices(6000)).some((s) => s.name === 'x11'), 'ranges such as x11 6000-6063 are expanded');
    assert.ok((await ianaServices(6063)).some((s) => s.name === 'x11'));
    assert.deepEqual(await ianaServices(65535), []);
  });
  it('parses its line format', () => {
    const map = parseIanaRegistry('80|http|tcp/udp|World Wide Web HTTP\n80|www|tcp|\n');
    assert.deepEqual(map.get(80), [
      { name: 'http', protocols: ['tcp', 'udp'], description: 'World Wide Web HTTP' },
      { name: 'www', protocols: ['tcp'], description: '' },
    ]);
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

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration, formatDuration } from '../../src/duration.js';
import { isBerthError } from '../../src/errors.js';
import { formatHostPort, parsePort, parsePortRange, parseTarget } from '../../src/ports/parse.js';
import { acceptsAddress, exposureOf } from '../../src/ports/address.js';
import { isBrowserUnsafe, portClassOf, portFacts } from '../../src/ports/facts.js';

function assertCode(fn: () => unknown, code: string, messagePart?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isBerthError(error), `expected a BerthError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (messagePart) assert.match(error.message, messagePart);
    assert.ok(error.hint, 'every user error carries a hint');
    return true;
  });
}

describe('parsePort', () => {
  it('accepts 1-65535 and a leading colon', () => {
    assert.equal(parsePort('1'), 1);
    assert.equal(parsePort('3000'), 3000);
    assert.equal(parsePort(':62893'), 62893);
    assert.equal(parsePort('65535'), 65535);
  });
  for (const [input, why] of [
    ['0', /any free port/],
    ['65536', /highest port is 65535/],
    ['-1', /negative/],
    ['abc', /whole number/],
    ['', /empty/],
    [' 3000', /spaces/],
    ['3000.5', /whole number/],
    ['0x50', /whole number/],
    ['+80', /whole number/],
    ['1e3', /whole number/],
  ] as const) {
    it(`rejects ${JSON.stringify(input)}`, () => assertCode(() => parsePort(input), 'E_PORT_INVALID', why));
  }
});

describe('parsePortRange', () => {
  it('reads single ports and ranges', () => {
    assert.deepEqual(parsePortRange('3000'), { from: 3000, to: 3000 });
    assert.deepEqual(parsePortRange('4000-4999'), { from: 4000, to: 4999 });
  });
  it('rejects open, reversed and broken ranges', () => {
    assertCode(() => parsePortRange('3000-'), 'E_PORT_INVALID', /no end/);
    assertCode(() => parsePortRange('5000-4000'), 'E_PORT_INVALID', /above/);
    assertCode(() => parsePortRange('1-70000'), 'E_PORT_INVALID');
    assertCode(() => parsePortRange('-1'), 'E_PORT_INVALID', /negative/);
  });
});

describe('parseTarget', () => {
  const cases: Array<[string, string | null, number, string | null]> = [
    ['62893', null, 62893, null],
    [':62893', null, 62893, null],
    ['127.0.0.1:62893', '127.0.0.1', 62893, null],
    ['[::1]:62893', '::1', 62893, null],
    ['localhost:62893', 'localhost', 62893, null],
    ['LocalHost:80', 'localhost', 80, null],
    ['http://localhost:62893/x', 'localhost', 62893, 'http'],
    ['http://[::1]:8080/', '::1', 8080, 'http'],
    ['https://example.test/', 'example.test', 443, 'https'],
    ['http://localhost/', 'localhost', 80, 'http'],
    ['http://localhost:80/', 'localhost', 80, 'http'],
    ['postgres://user:pw@db.local/app', 'db.local', 5432, 'postgres'],
    ['redis://127.0.0.1:6380', '127.0.0.1', 6380, 'redis'],
    ['ws://localhost:24678', 'localhost', 24678, 'ws'],
  ];
  for (const [input, host, port, scheme] of cases) {
    it(`reads ${input}`, () => {
      const target = parseTarget(input);
      assert.equal(target.host, host);
      assert.equal(target.port, port);
      assert.equal(target.scheme, scheme);
      assert.equal(target.input, input);
    });
  }
  const bad: Array<[string, string, RegExp]> = [
    ['', 'E_TARGET_INVALID', /empty/],
    ['0', 'E_PORT_INVALID', /any free port/],
    ['65536', 'E_PORT_INVALID', /65535/],
    ['-1', 'E_PORT_INVALID', /negative/],
    ['abc', 'E_TARGET_INVALID', /no port/],
    ['3000-', 'E_PORT_INVALID', /whole number/],
    ['127.0.0.1:', 'E_TARGET_INVALID', /missing/],
    ['127.0.0.1:0', 'E_PORT_INVALID', /any free port/],
    ['999.1.1.1:80', 'E_TARGET_INVALID', /IPv4/],
    ['::1:3000', 'E_TARGET_INVALID', /brackets/],
    ['[::1:3000', 'E_TARGET_INVALID', /never closed/],
    ['[::1]', 'E_TARGET_INVALID', /port is missing/],
    ['[127.0.0.1]:80', 'E_TARGET_INVALID', /not an IPv6/],
    ['bad host!:80', 'E_TARGET_INVALID', /host name/],
    ['http://localhost:99999/', 'E_PORT_INVALID', /65535/],
    ['http://localhost:0/', 'E_PORT_INVALID', /any free port/],
    ['gopherx://thing/', 'E_TARGET_INVALID', /default port/],
  ];
  for (const [input, code, why] of bad) {
    it(`rejects ${JSON.stringify(input)}`, () => assertCode(() => parseTarget(input), code, why));
  }
  it('suggests the bracketed form for a bare IPv6 address with a port', () => {
    assert.throws(() => parseTarget('::1:3000'), (e: unknown) => isBerthError(e) && /\[::1\]:3000/.test(e.hint ?? ''));
  });
  it('formats host and port back', () => {
    assert.equal(formatHostPort(null, 3000), ':3000');
    assert.equal(formatHostPort('::1', 3000), '[::1]:3000');
    assert.equal(formatHostPort('127.0.0.1', 3000), '127.0.0.1:3000');
  });
});

describe('durations', () => {
  it('reads units and bare seconds', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('5s'), 5000);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('5'), 5000);
    assert.equal(parseDuration('0.5'), 500);
  });
  it('rejects garbage', () => {
    for (const bad of ['', 'abc', '-5', '5x', '5 s s', 's']) assertCode(() => parseDuration(bad), 'E_DURATION_INVALID');
  });
  it('formats for people', () => {
    assert.equal(formatDuration(450), '450ms');
    assert.equal(formatDuration(5000), '5s');
    assert.equal(formatDuration(150_000), '2m 30s');
    assert.equal(formatDuration(3 * 3_600_000 + 5 * 60_000), '3h 5m');
  });
});

describe('address facts', () => {
  it('classifies exposure', () => {
    assert.equal(exposureOf('127.0.0.1'), 'loopback');
    assert.equal(exposureOf('127.0.0.2'), 'loopback');
    assert.equal(exposureOf('::1'), 'loopback');
    assert.equal(exposureOf('::ffff:127.0.0.1'), 'loopback');
    assert.equal(exposureOf('0.0.0.0'), 'all');
    assert.equal(exposureOf('::'), 'all');
    assert.equal(exposureOf('192.168.1.5'), 'specific');
    assert.equal(exposureOf('fe80::1'), 'specific');
  });
  it('knows which bound address accepts which destination', () => {
    assert.equal(acceptsAddress('0.0.0.0', 4, '127.0.0.1'), true);
    assert.equal(acceptsAddress('0.0.0.0', 4, '::1'), false);
    assert.equal(acceptsAddress('::', 6, '127.0.0.1'), true);
    assert.equal(acceptsAddress('::1', 6, '127.0.0.1'), false);
    assert.equal(acceptsAddress('127.0.0.1', 4, '::1'), false);
    assert.equal(acceptsAddress('::ffff:127.0.0.1', 6, '127.0.0.1'), true);
    assert.equal(acceptsAddress('127.0.0.2', 4, '127.0.0.1'), false);
  });
  it('knows port classes and the browser-unsafe list', () => {
    assert.equal(portClassOf(80), 'well-known');
    assert.equal(portClassOf(3000), 'registered');
    assert.equal(portClassOf(62893), 'dynamic');
    assert.equal(isBrowserUnsafe(6000), true);
    assert.equal(isBrowserUnsafe(10080), true);
    assert.equal(isBrowserUnsafe(3000), false);
    const facts = portFacts(5432);
    assert.equal(facts.service, 'postgresql');
    assert.equal(facts.privileged, false);
  });
});

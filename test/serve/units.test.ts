import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { etagOf, isNotModified, isRangeStillValid, lastModifiedOf } from '../../src/serve/conditional.js';
import { exposureWarning, bindHostOf } from '../../src/serve/listen.js';
import { escapeHtml, formatSize, renderListing, sortEntries, type ListingEntry } from '../../src/serve/listing.js';
import { DEFAULT_MIME_TYPE, mimeTypeOf } from '../../src/serve/mime.js';
import { contentRange, decideRange } from '../../src/serve/range.js';
import { decodeRequestPath, isInside } from '../../src/serve/resolve-path.js';

describe('mimeTypeOf', () => {
  const expected: Record<string, string> = {
    'index.html': 'text/html; charset=utf-8',
    'a.HTM': 'text/html; charset=utf-8',
    'site.css': 'text/css; charset=utf-8',
    'app.js': 'text/javascript; charset=utf-8',
    'mod.mjs': 'text/javascript; charset=utf-8',
    'data.json': 'application/json; charset=utf-8',
    'app.js.map': 'application/json; charset=utf-8',
    'site.webmanifest': 'application/manifest+json; charset=utf-8',
    'lib.wasm': 'application/wasm',
    'logo.svg': 'image/svg+xml; charset=utf-8',
    'a.png': 'image/png',
    'a.jpg': 'image/jpeg',
    'a.jpeg': 'image/jpeg',
    'a.gif': 'image/gif',
    'a.webp': 'image/webp',
    'a.avif': 'image/avif',
    'favicon.ico': 'image/x-icon',
    'f.woff': 'font/woff',
    'f.woff2': 'font/woff2',
    'f.ttf': 'font/ttf',
    'f.otf': 'font/otf',
    'notes.txt': 'text/plain; charset=utf-8',
    'README.md': 'text/markdown; charset=utf-8',
    'feed.xml': 'application/xml; charset=utf-8',
    'doc.pdf': 'application/pdf',
    'v.mp4': 'video/mp4',
    'v.webm': 'video/webm',
    'a.mp3': 'audio/mpeg',
    'a.wav': 'audio/wav',
    'a.zip': 'application/zip',
    'x.csv': 'text/csv; charset=utf-8',
  };
  for (const [name, type] of Object.entries(expected)) {
    it(`${name} → ${type}`, () => assert.equal(mimeTypeOf(name), type));
  }
  it('unknown, missing and prototype-named extensions are octet-stream', () => {
    for (const name of ['data.bin', 'Makefile', 'x.unknownext', 'x.constructor', 'x.__proto__', '.bashrc']) {
      assert.equal(mimeTypeOf(name), DEFAULT_MIME_TYPE, name);
    }
  });
});

describe('decodeRequestPath', () => {
  it('splits and decodes once', () => {
    assert.deepEqual(decodeRequestPath('/a//b/./c%20d/?x=1#f'), { ok: true, segments: ['a', 'b', 'c d'], trailingSlash: true, query: '?x=1' });
    assert.deepEqual(decodeRequestPath('/'), { ok: true, segments: [], trailingSlash: false, query: '' });
    // Double-encoded: one decode leaves the literal name "%2e%2e".
    assert.deepEqual(decodeRequestPath('/%252e%252e/x'), { ok: true, segments: ['%2e%2e', 'x'], trailingSlash: false, query: '' });
  });
  it('rejects .., NUL, backslashes and malformed escapes', () => {
    const cases: Array<[string, string]> = [
      ['/../etc/passwd', 'dot-dot'],
      ['/a/../../b', 'dot-dot'],
      ['/%2e%2e/', 'dot-dot'],
      ['/%2E%2E/x', 'dot-dot'],
      ['/.%2e/x', 'dot-dot'],
      ['/..%2f..%2fetc/passwd', 'dot-dot'],
      ['/%2e%2e%5cx', 'backslash'],
      ['/..\\x', 'backslash'],
      ['/a%00.txt', 'nul'],
      ['/%zz', 'malformed'],
      ['/%c0%ae%c0%ae/', 'malformed'], // overlong UTF-8 for "."
      ['*', 'not-a-path'],
    ];
    for (const [input, reason] of cases) assert.deepEqual(decodeRequestPath(input), { ok: false, reason }, input);
  });
  it('takes the path of an absolute-form target', () => {
    const decoded = decodeRequestPath('http://localhost/a/b?q');
    assert.deepEqual(decoded, { ok: true, segments: ['a', 'b'], trailingSlash: false, query: '?q' });
  });
  it('isInside compares whole path components', () => {
    assert.ok(isInside('/srv/www', '/srv/www'));
    assert.ok(isInside('/srv/www', '/srv/www/a'));
    assert.ok(!isInside('/srv/www', '/srv/www-secret/a'));
    assert.ok(isInside('/', '/etc'));
  });
});

describe('decideRange', () => {
  it('single ranges', () => {
    assert.deepEqual(decideRange('bytes=0-4', 10), { kind: 'partial', start: 0, end: 4 });
    assert.deepEqual(decideRange('bytes=5-', 10), { kind: 'partial', start: 5, end: 9 });
    assert.deepEqual(decideRange('bytes=-3', 10), { kind: 'partial', start: 7, end: 9 });
    assert.deepEqual(decideRange('bytes=-30', 10), { kind: 'partial', start: 0, end: 9 });
    assert.deepEqual(decideRange('bytes=8-100', 10), { kind: 'partial', start: 8, end: 9 });
  });
  it('unsatisfiable, ignored and multi-range', () => {
    assert.deepEqual(decideRange('bytes=10-', 10), { kind: 'unsatisfiable' });
    assert.deepEqual(decideRange('bytes=-0', 10), { kind: 'unsatisfiable' });
    assert.deepEqual(decideRange('bytes=0-', 0), { kind: 'unsatisfiable' });
    assert.deepEqual(decideRange(undefined, 10), { kind: 'full' });
    assert.deepEqual(decideRange('bytes=5-2', 10), { kind: 'full' });
    assert.deepEqual(decideRange('bytes=0-1,4-5', 10), { kind: 'full' });
    assert.deepEqual(decideRange('items=0-1', 10), { kind: 'full' });
    assert.equal(contentRange({ kind: 'partial', start: 0, end: 4 }, 10), 'bytes 0-4/10');
    assert.equal(contentRange({ kind: 'unsatisfiable' }, 10), 'bytes */10');
  });
});

describe('conditional requests', () => {
  const file = { size: 500, mtimeMs: Date.UTC(2024, 0, 2, 3, 4, 5, 678) };
  it('weak ETag from size and mtime; Last-Modified in whole seconds', () => {
    assert.match(etagOf(file), /^W\/"1f4-[0-9a-f]+"$/);
    assert.equal(lastModifiedOf(file), 'Tue, 02 Jan 2024 03:04:05 GMT');
  });
  it('If-None-Match wins over If-Modified-Since', () => {
    const etag = etagOf(file);
    assert.ok(isNotModified({ 'if-none-match': etag }, file));
    assert.ok(isNotModified({ 'if-none-match': `"other", ${etag.slice(2)}` }, file), 'weak comparison');
    assert.ok(isNotModified({ 'if-none-match': '*' }, file));
    assert.ok(!isNotModified({ 'if-none-match': '"other"', 'if-modified-since': lastModifiedOf(file) }, file));
    assert.ok(isNotModified({ 'if-modified-since': lastModifiedOf(file) }, file));
    assert.ok(!isNotModified({ 'if-modified-since': 'Mon, 01 Jan 2024 00:00:00 GMT' }, file));
    assert.ok(!isNotModified({ 'if-modified-since': 'garbage' }, file));
  });
  it('If-Range: only an exact date keeps the range', () => {
    assert.ok(isRangeStillValid({}, file));
    assert.ok(isRangeStillValid({ 'if-range': lastModifiedOf(file) }, file));
    assert.ok(!isRangeStillValid({ 'if-range': 'Mon, 01 Jan 2024 00:00:00 GMT' }, file));
    assert.ok(!isRangeStillValid({ 'if-range': etagOf(file) }, file), 'weak ETags never match If-Range');
  });
});

describe('listing rendering', () => {
  it('escapes names, sorts folders first, numeric-aware', () => {
    const entries: ListingEntry[] = [
      { name: 'b10.txt', isDirectory: false, size: 1, mtimeMs: 0 },
      { name: 'b2.txt', isDirectory: false, size: 2048, mtimeMs: 0 },
      { name: 'zdir', isDirectory: true, size: null, mtimeMs: 0 },
      { name: '<script>alert(1)</script>.txt', isDirectory: false, size: 3, mtimeMs: 0 },
    ];
    sortEntries(entries);
    assert.deepEqual(entries.map((e) => e.name), ['zdir', '<script>alert(1)</script>.txt', 'b2.txt', 'b10.txt']);
    const html = renderListing('/x&y/', entries);
    assert.ok(!html.includes('<script>alert'), 'no raw script tag');
    assert.ok(html.includes('&#60;script&#62;alert(1)&#60;/script&#62;.txt'));
    assert.ok(html.includes('href="./%3Cscript%3Ealert(1)%3C%2Fscript%3E.txt"'));
    assert.ok(html.includes('Index of /x&#38;y/'));
    assert.ok(html.includes('2.0 KiB'));
    assert.equal(escapeHtml(`"'&`), '&#34;&#39;&#38;');
    assert.equal(formatSize(50 * 1024 * 1024), '50.0 MiB');
  });
});

describe('exposureWarning (pure: no wildcard is ever bound by these tests)', () => {
  it('warns for wildcards and other addresses, not for loopback', () => {
    for (const host of ['0.0.0.0', '::']) assert.match(exposureWarning(host) ?? '', /reachable from the network/, host);
    assert.match(exposureWarning('192.168.1.20') ?? '', /reachable from the network/);
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) assert.equal(exposureWarning(host), null, host);
    assert.equal(bindHostOf(undefined), '127.0.0.1');
    assert.equal(bindHostOf('localhost'), '127.0.0.1');
  });
});

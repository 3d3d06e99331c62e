import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Framing, requestFraming, responseFraming } from '../../src/proxy/http1-body.js';
import { CHUNKED_INVALID, CHUNKED_MORE, ChunkedScanner } from '../../src/proxy/http1-chunked.js';
import { parseRequestHead, parseResponseHead } from '../../src/proxy/http1-head.js';
import { buildClientHead, buildUpstreamHead } from '../../src/proxy/http1-rewrite.js';

const head = (lines: string[]): string => lines.join('\r\n');

describe('proxy: HTTP/1.1 request heads (fast path)', () => {
  it('parses a plain request: method, target, fields, framing', () => {
    const parsed = parseRequestHead(head(['POST /a?b=1 HTTP/1.1', 'Host: web.localhost:1355', 'Content-Length: 12', 'X-Thing:  spaced value \t', 'Connection: keep-alive, X-Private']));
    assert.ok(parsed);
    assert.equal(parsed.method, 'POST');
    assert.equal(parsed.target, '/a?b=1');
    assert.equal(parsed.host, 'web.localhost:1355');
    assert.equal(parsed.contentLength, 12);
    assert.equal(parsed.chunked, false);
    assert.equal(parsed.close, false);
    assert.deepEqual(parsed.connection, ['keep-alive', 'x-private']);
    assert.equal(parsed.fields[5], 'spaced value');
    const chunked = parseRequestHead(head(['PUT / HTTP/1.1', 'host: a.localhost', 'Transfer-Encoding: Chunked', 'connection: close']));
    assert.equal(chunked?.chunked, true);
    assert.equal(chunked?.contentLength, -1);
    assert.equal(chunked?.close, true);
  });

  it('leaves ambiguous or unusual requests to Node (null)', () => {
    const cases: Record<string, string[]> = {
      'Content-Length with Transfer-Encoding': ['POST / HTTP/1.1', 'Host: a', 'Content-Length: 5', 'Transfer-Encoding: chunked'],
      'two Content-Lengths': ['POST / HTTP/1.1', 'Host: a', 'Content-Length: 5', 'Content-Length: 5'],
      'a Content-Length list': ['POST / HTTP/1.1', 'Host: a', 'Content-Length: 5, 5'],
      'a signed Content-Length': ['POST / HTTP/1.1', 'Host: a', 'Content-Length: +5'],
      'two Transfer-Encodings': ['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'],
      'a coding other than chunked': ['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: gzip, chunked'],
      'obs-fold': ['GET / HTTP/1.1', 'Host: a', 'X-A: b', ' folded'],
      'space before the colon': ['GET / HTTP/1.1', 'Host: a', 'Content-Length : 5'],
      'no colon': ['GET / HTTP/1.1', 'Host: a', 'nonsense'],
      'HTTP/1.0': ['GET / HTTP/1.0', 'Host: a'],
      'HTTP/2 preface-like': ['PRI * HTTP/2.0'],
      'no Host': ['GET / HTTP/1.1', 'X-A: b'],
      'two Hosts': ['GET / HTTP/1.1', 'Host: a', 'Host: b'],
      'an upgrade': ['GET / HTTP/1.1', 'Host: a', 'Connection: Upgrade', 'Upgrade: websocket'],
      'Expect': ['POST / HTTP/1.1', 'Host: a', 'Content-Length: 5', 'Expect: 100-continue'],
      CONNECT: ['CONNECT a:443 HTTP/1.1', 'Host: a:443'],
      'a space in the target': ['GET /a b HTTP/1.1', 'Host: a'],
      'lower-case version': ['GET / http/1.1', 'Host: a'],
    };
    for (const [what, lines] of Object.entries(cases)) assert.equal(parseRequestHead(head(lines)), null, what);
    assert.equal(parseRequestHead('GET / HTTP/1.1\nHost: a'), null, 'bare LF');
    assert.equal(parseRequestHead('GET / HTTP/1.1\r\nHost: a\rb'), null, 'bare CR');
    assert.equal(parseRequestHead('GET / HTTP/1.1\r\nHost: a\u0000'), null, 'NUL');
  });

  it('rewrites the head for the app: hop-by-hop and Connection-named fields out, X-Forwarded-*, Via and the trail in, framing kept', () => {
    const parsed = parseRequestHead(
      head([
        'POST /x HTTP/1.1',
        'Host: web.localhost:1355',
        'Connection: keep-alive, x-private, content-length',
        'Content-Length: 3',
        'X-Private: no',
        'Keep-Alive: timeout=5',
        'TE: trailers',
        'Proxy-Authorization: Basic eDp5',
        'X-Forwarded-For: 10.0.0.9',
        'X-Forwarded-For: 10.0.0.10',
        'Via: 1.1 other',
        'X-Berth-Route: api',
        'X-Custom: kept',
      ]),
    );
    assert.ok(parsed);
    const out = buildUpstreamHead(parsed, { client: '127.0.0.1', proxyPort: '1355', routeName: 'web' });
    assert.equal(
      out,
      [
        'POST /x HTTP/1.1',
        'Host: web.localhost:1355',
        'Content-Length: 3',
        'X-Custom: kept',
        'x-forwarded-for: 10.0.0.9, 10.0.0.10, 127.0.0.1',
        'x-forwarded-proto: http',
        'x-forwarded-host: web.localhost:1355',
        'x-forwarded-port: 1355',
        'via: 1.1 other, 1.1 berth',
        'x-berth-route: api,web',
        '',
        '',
      ].join('\r\n'),
    );
  });
});

describe('proxy: HTTP/1.1 response heads (fast path)', () => {
  it('parses status, reason and framing; rewrites for the client', () => {
    const ok = parseResponseHead(head(['HTTP/1.1 200 OK', 'Content-Length: 5', 'Connection: keep-alive, x-drop', 'X-Drop: 1', 'Set-Cookie: a=1', 'Set-Cookie: b=2']));
    assert.ok(ok);
    assert.equal(ok.status, 200);
    assert.equal(ok.contentLength, 5);
    assert.equal(ok.close, false);
    assert.equal(buildClientHead(ok, false), 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n');
    assert.equal(buildClientHead(ok, true), 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nconnection: close\r\n\r\n');
    const noReason = parseResponseHead('HTTP/1.1 204');
    assert.equal(noReason?.status, 204);
    assert.equal(noReason?.reason, '');
    const chunked = parseResponseHead(head(['HTTP/1.1 200 OK', 'Transfer-Encoding: gzip, chunked']));
    assert.equal(chunked?.chunked, true);
    const untilClose = parseResponseHead(head(['HTTP/1.1 200 OK', 'Transfer-Encoding: gzip']));
    assert.equal(untilClose?.chunked, false);
    assert.equal(untilClose?.transferEncoding, true);
    assert.equal(parseResponseHead(head(['HTTP/1.0 200 OK', 'Content-Length: 1']))?.close, true);
    assert.equal(parseResponseHead(head(['HTTP/1.0 200 OK', 'Connection: keep-alive', 'Content-Length: 1']))?.close, false);
    assert.equal(parseResponseHead(head(['HTTP/1.1 200 OK', 'Connection: close']))?.close, true);
  });

  it('rejects malformed or ambiguous responses (null)', () => {
    assert.equal(parseResponseHead(head(['HTTP/1.1 200 OK', 'Content-Length: 5', 'Transfer-Encoding: chunked'])), null);
    assert.equal(parseResponseHead(head(['HTTP/1.1 200 OK', 'Content-Length: 5', 'Content-Length: 6'])), null);
    assert.equal(parseResponseHead(head(['HTTP/1.1 200 OK', 'Content-Length: -1'])), null);
    assert.equal(parseResponseHead(head(['HTTP/2 200', 'A: b'])), null);
    assert.equal(parseResponseHead(head(['HTTP/1.1 99 Low'])), null);
    assert.equal(parseResponseHead('HTTP/1.1 200 OK\nA: b'), null);
    assert.equal(parseResponseHead(head(['HTTP/1.1 200 OK', 'A: b', '\tfolded'])), null);
  });
});

describe('proxy: chunked body framing (fast path)', () => {
  const body = Buffer.from('5;ext=1\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nTrailer-A: 1\r\n\r\n');

  it('finds the end of a chunked body, whole or split at every byte, and leaves what follows', () => {
    const next = Buffer.from('GET / HTTP/1.1\r\n');
    assert.equal(new ChunkedScanner().scan(Buffer.concat([body, next])), body.length);
    for (let cut = 1; cut < body.length; cut++) {
      const scanner = new ChunkedScanner();
      assert.equal(scanner.scan(body.subarray(0, cut)), CHUNKED_MORE, `cut at ${cut}`);
      assert.equal(scanner.scan(Buffer.concat([body.subarray(cut), next])), body.length - cut, `cut at ${cut}`);
      assert.ok(scanner.done);
    }
    // Byte by byte.
    const scanner = new ChunkedScanner();
    for (let i = 0; i < body.length - 1; i++) assert.equal(scanner.scan(body.subarray(i, i + 1)), CHUNKED_MORE);
    assert.equal(scanner.scan(body.subarray(body.length - 1)), 1);
  });

  it('rejects what could be read two ways', () => {
    const bad = [
      '5\nhello\r\n0\r\n\r\n', // bare LF after the size
      '5\r\nhello\n0\r\n\r\n', // bare LF after the data
      '5\r\nhelloX\r\n0\r\n\r\n', // data longer than its size
      'g\r\n', // not hex
      ' 5\r\n', // leading space
      '5 \r\nhello\r\n', // space after the size
      '-5\r\n',
      '1234567890abc\r\n', // too many digits
      '0\r\nTrailer\nX: 1\r\n\r\n', // bare LF in a trailer
      '0\r\n folded: 1\r\n\r\n', // obs-fold in the trailers
      '0\r\n\rX', // CR not followed by LF
      '5;a\u0000\r\nhello\r\n', // control character in an extension
    ];
    for (const text of bad) assert.equal(new ChunkedScanner().scan(Buffer.from(text, 'latin1')), CHUNKED_INVALID, JSON.stringify(text));
  });
});

describe('proxy: where a body ends (fast path)', () => {
  const response = (lines: string[]) => parseResponseHead(head(lines))!;

  it('Content-Length: counts across reads and leaves the next message alone', () => {
    const body = requestFraming({ chunked: false, contentLength: 5 });
    assert.equal(body.framing, Framing.Length);
    assert.equal(body.take(Buffer.from('abc'))!.toString(), 'abc');
    assert.equal(body.done, false);
    assert.equal(body.take(Buffer.from('deGET / HTTP/1.1'))!.toString(), 'de');
    assert.equal(body.done, true);
    assert.equal(body.take(Buffer.from('more'))!.length, 0, 'nothing more belongs to it');
  });

  it('chunked: ends after the last chunk; invalid framing is null', () => {
    const body = requestFraming({ chunked: true, contentLength: -1 });
    assert.equal(body.take(Buffer.from('3\r\nabc\r\n'))!.toString(), '3\r\nabc\r\n');
    assert.equal(body.done, false);
    assert.equal(body.take(Buffer.from('0\r\n\r\nNEXT'))!.toString(), '0\r\n\r\n');
    assert.equal(body.done, true);
    assert.equal(requestFraming({ chunked: true, contentLength: -1 }).take(Buffer.from('zz\r\n')), null);
  });

  it('no body: done from the start', () => {
    assert.equal(requestFraming({ chunked: false, contentLength: 0 }).done, true);
    assert.equal(requestFraming({ chunked: false, contentLength: -1 }).done, true);
  });

  it('responses: HEAD, 204 and 304 have none; no length means until close', () => {
    assert.equal(responseFraming(response(['HTTP/1.1 200 OK', 'Content-Length: 10']), true).framing, Framing.None);
    assert.equal(responseFraming(response(['HTTP/1.1 204 No Content']), false).framing, Framing.None);
    assert.equal(responseFraming(response(['HTTP/1.1 304 Not Modified', 'Content-Length: 10']), false).framing, Framing.None);
    assert.equal(responseFraming(response(['HTTP/1.1 200 OK', 'Content-Length: 10']), false).framing, Framing.Length);
    assert.equal(responseFraming(response(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked']), false).framing, Framing.Chunked);
    const untilClose = responseFraming(response(['HTTP/1.1 200 OK']), false);
    assert.equal(untilClose.framing, Framing.UntilClose);
    assert.equal(untilClose.take(Buffer.from('everything'))!.toString(), 'everything');
    assert.equal(untilClose.done, false);
  });
});

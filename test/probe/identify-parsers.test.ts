/**
 * The identification parsers on captured bytes (test/fixtures/identify/captures.json,
 * each entry says which real server sent it). Where no real server can run
 * here (MongoDB, Chrome), the bytes are built from the protocol's
 * specification and say so.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseMysqlGreeting, parseSmtpGreeting, parseSshBanner, recogniseBytes } from '../../src/probe/identify/banner.js';
import { readBsonDocument } from '../../src/probe/identify/bson.js';
import { buildMongoHello, parseJdwpReply, parseMongoReply, parsePgReply, parseRedisReply, parseRespValues } from '../../src/probe/identify/databases.js';
import { parseH2Frames } from '../../src/probe/identify/h2c.js';
import { hintFromPort, hintFromScheme } from '../../src/probe/identify/hints.js';
import { httpVerdict, parseDevtoolsVersion, parseHttpResponse } from '../../src/probe/identify/http.js';
import { findJdwpAgent } from '../../src/probe/identify/jdwp-guard.js';
import { planProbes } from '../../src/probe/identify/index.js';
import { probeHostFor } from '../../src/probe/identify/many.js';
import { ROOT } from '../helpers/children.js';

const captures = JSON.parse(readFileSync(`${ROOT}test/fixtures/identify/captures.json`, 'utf8')) as Record<string, { base64: string }>;
const capture = (name: string): Buffer => Buffer.from(captures[name]!.base64, 'base64');

function verdictOf(result: ReturnType<typeof recogniseBytes>): { protocol: string; summary: string; details: Record<string, unknown> } {
  assert.ok(result !== null && result !== 'more', `expected a verdict, got ${String(result)}`);
  return result;
}

describe('server-first banners', () => {
  it('reads the SSH identification string (dropbear), ignoring the KEXINIT after it', () => {
    const v = verdictOf(parseSshBanner(capture('ssh-dropbear')));
    assert.equal(v.protocol, 'ssh');
    assert.equal(v.details.banner, 'SSH-2.0-dropbear_2022.83');
    assert.equal(v.details.software, 'dropbear_2022.83');
    assert.equal(parseSshBanner(Buffer.from('SSH-2.0-Open')), 'more');
    assert.equal(verdictOf(parseSshBanner(Buffer.from('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u6\r\n'))).details.comments, 'Debian-2+deb12u6');
  });

  it('reads the MariaDB handshake: real version without the 5.5.5- prefix, auth plugin, TLS capability', () => {
    const v = verdictOf(parseMysqlGreeting(capture('mysql-mariadb')));
    assert.equal(v.protocol, 'mysql');
    assert.equal(v.details.serverVersion, '10.11.19-MariaDB-0+deb12u1');
    assert.equal(v.details.flavor, 'mariadb');
    assert.equal(v.details.authPlugin, 'mysql_native_password');
    assert.equal(v.details.ssl, false);
    assert.equal(parseMysqlGreeting(capture('mysql-mariadb').subarray(0, 20)), 'more');
  });

  it('reads a MySQL error packet sent instead of a greeting (built per the protocol docs)', () => {
    const message = "Host '10.0.0.7' is not allowed to connect to this MySQL server";
    const payload = Buffer.concat([Buffer.from([0xff, 0x6a, 0x04]), Buffer.from(message)]);
    const packet = Buffer.concat([Buffer.from([payload.length, 0, 0, 0]), payload]);
    const v = verdictOf(parseMysqlGreeting(packet));
    assert.equal(v.protocol, 'mysql');
    assert.deepEqual(v.details.error, { code: 1130, message });
  });

  it('reads an SMTP greeting and tells FTP apart', () => {
    const v = verdictOf(parseSmtpGreeting(capture('smtp-python')));
    assert.equal(v.protocol, 'smtp');
    assert.equal(v.details.banner, '220 localhost Python SMTP proxy version 0.3');
    const multi = verdictOf(parseSmtpGreeting(Buffer.from('220-mail.example.com ESMTP Postfix\r\n220 ready\r\n')));
    assert.equal(multi.details.esmtp, true);
    assert.equal(parseSmtpGreeting(Buffer.from('220-mail.example.com ESMTP\r\n')), 'more');
    const ftp = verdictOf(parseSmtpGreeting(Buffer.from('220 (vsFTPd 3.0.3)\r\n')));
    assert.equal(ftp.protocol, 'unknown');
    assert.equal(ftp.details.service, 'ftp');
  });

  it('takes an HTTP/2 server that sends SETTINGS on connect for h2c', () => {
    const frames = parseH2Frames(capture('h2c-node-settings'));
    assert.ok(Array.isArray(frames));
    assert.equal(frames[0]!.type, 4);
    assert.equal(verdictOf(recogniseBytes(capture('h2c-node-settings'), 'banner')).protocol, 'h2c');
    assert.equal(parseH2Frames(Buffer.from('HTTP/1.1 400')), null);
  });

  it('names other server-first services without claiming them', () => {
    const vnc = verdictOf(recogniseBytes(Buffer.from('RFB 003.008\n'), 'banner'));
    assert.equal(vnc.protocol, 'unknown');
    assert.equal(vnc.details.service, 'vnc');
    assert.equal(recogniseBytes(Buffer.from([0x01, 0x02, 0x03, 0x04, 0x05, 0x06]), 'banner'), null);
  });
});

describe('answers to client-first probes', () => {
  it('PostgreSQL answers the SSLRequest with one byte', () => {
    const v = parsePgReply(capture('postgres-ssl-no'));
    assert.equal(v?.protocol, 'postgres');
    assert.equal(v?.details.ssl, false);
    assert.equal(parsePgReply(Buffer.from('S'))?.details.ssl, true);
    assert.equal(parsePgReply(Buffer.from('No thanks')), null);
  });

  it('Redis answers PING and INFO server', () => {
    const data = capture('redis-ping-info');
    assert.equal(parseRespValues(data).length, 2);
    const v = parseRedisReply(data);
    assert.equal(v?.protocol, 'redis');
    assert.equal(v?.details.version, '7.0.15');
    assert.equal(v?.details.authRequired, false);
    assert.equal(v?.details.mode, 'standalone');
    const locked = parseRedisReply(Buffer.from('-NOAUTH Authentication required.\r\n-NOAUTH Authentication required.\r\n'));
    assert.equal(locked?.details.authRequired, true);
    assert.equal(parseRedisReply(Buffer.from('ERROR\r\n')), null);
  });

  it('the Node inspector answers GET / with a 400 that asks for the /json/version follow-up', () => {
    const response = parseHttpResponse(capture('node-inspector-root'));
    assert.ok(response && response !== 'more');
    assert.equal(response.status, 400);
    assert.equal(httpVerdict(response).followUp, 'devtools');
    const version = parseHttpResponse(capture('node-inspector-version'));
    assert.ok(version && version !== 'more' && version.complete);
    const v = parseDevtoolsVersion(version.body.toString());
    assert.equal(v?.protocol, 'node-inspector');
    assert.match(String(v?.details.browser), /^node\.js\/v\d+/);
  });

  it('Chrome DevTools /json/version (the example in the DevTools protocol docs)', () => {
    const body = JSON.stringify({
      Browser: 'Chrome/72.0.3601.0',
      'Protocol-Version': '1.3',
      'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/72.0.3601.0 Safari/537.36',
      'V8-Version': '7.2.233',
      'WebKit-Version': '537.36 (@cfede9db1d154de0468cb0538479f34c0755a0f4)',
      webSocketDebuggerUrl: 'ws://localhost:9222/devtools/browser/b0b8a4fb-bb17-4359-9533-a8d9f3908bd8',
    });
    const v = parseDevtoolsVersion(body);
    assert.equal(v?.protocol, 'chrome-devtools');
    assert.equal(v?.details.v8Version, '7.2.233');
    assert.equal(parseDevtoolsVersion('<html>'), null);
  });

  it('HTTP responses: plain, a TLS port complaining, mongod answering HTTP', () => {
    const plain = parseHttpResponse(Buffer.from('HTTP/1.1 200 OK\r\nDate: x\r\nServer: nginx/1.25.3\r\nContent-Length: 2\r\n\r\nhi'));
    assert.ok(plain && plain !== 'more');
    const v = httpVerdict(plain);
    assert.equal(v.summary, 'HTTP/1.1 200 OK · Server: nginx/1.25.3');
    assert.equal(v.followUp, undefined);
    const nginxTls = parseHttpResponse(Buffer.from('HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nDate: x\r\nContent-Length: 60\r\n\r\n<center>The plain HTTP request was sent to HTTPS port</center>'));
    assert.ok(nginxTls && nginxTls !== 'more');
    assert.equal(httpVerdict(nginxTls).followUp, 'tls');
    // mongod's fixed answer to HTTP on its driver port (text from the mongod source).
    const mongo = parseHttpResponse(Buffer.from('HTTP/1.0 200 OK\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 84\r\n\r\nIt looks like you are trying to access MongoDB over HTTP on the native driver port.\r\n'));
    assert.ok(mongo && mongo !== 'more');
    assert.equal(httpVerdict(mongo).protocol, 'mongodb');
    assert.equal(parseHttpResponse(Buffer.from('HTTP/1.1 200 OK\r\nServ')), 'more');
  });

  it('MongoDB: the isMaster OP_MSG and a reply (built per the wire protocol spec; no mongod here)', () => {
    const request = buildMongoHello();
    assert.equal(request.readInt32LE(0), request.length);
    assert.equal(request.readInt32LE(12), 2013);
    assert.deepEqual(readBsonDocument(request, 21), { isMaster: 1, $db: 'admin' });
    // Reply body: { ismaster: true, maxWireVersion: 21, minWireVersion: 0, ok: 1.0 }
    const doc = Buffer.concat([
      Buffer.from('\x08ismaster\0\x01', 'latin1'),
      Buffer.from('\x10maxWireVersion\0', 'latin1'), Buffer.from([21, 0, 0, 0]),
      Buffer.from('\x10minWireVersion\0', 'latin1'), Buffer.from([0, 0, 0, 0]),
      Buffer.from('\x01ok\0', 'latin1'), Buffer.from([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]),
    ]);
    const bson = Buffer.alloc(4 + doc.length + 1);
    bson.writeInt32LE(bson.length);
    doc.copy(bson, 4);
    const reply = Buffer.alloc(21 + bson.length);
    reply.writeInt32LE(reply.length, 0);
    reply.writeInt32LE(7, 4);
    reply.writeInt32LE(request.readInt32LE(4), 8); // responseTo our requestID
    reply.writeInt32LE(2013, 12);
    bson.copy(reply, 21);
    const v = parseMongoReply(reply);
    assert.equal(v?.protocol, 'mongodb');
    assert.equal(v?.details.maxWireVersion, 21);
    assert.equal(v?.details.versionAtLeast, '7.0');
    assert.equal(v?.details.writablePrimary, true);
    assert.equal(parseMongoReply(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')), null);
  });

  it('JDWP echoes its handshake', () => {
    assert.equal(parseJdwpReply(Buffer.from('JDWP-Handshake'))?.protocol, 'jdwp');
    assert.equal(parseJdwpReply(Buffer.from('JDWP-Hand')), null);
  });

  it('finds a JVM that waits for its debugger from its options (suspend defaults to y)', () => {
    assert.equal(findJdwpAgent(['java', '-agentlib:jdwp=transport=dt_socket,server=y,address=5005', 'App'])?.suspend, true);
    assert.equal(findJdwpAgent(['java', '-Xrunjdwp:transport=dt_socket,server=y,suspend=n,address=5005'])?.suspend, false);
    assert.equal(findJdwpAgent(['node', 'server.js']), null);
  });
});

describe('planning', () => {
  it('a client-first hint goes first and skips the banner wait; otherwise the banner wait comes first', () => {
    assert.deepEqual(planProbes('redis').slice(0, 2), ['redis', 'http']);
    assert.equal(planProbes(null)[0], 'banner');
    assert.equal(planProbes('ssh')[0], 'banner');
    assert.equal(planProbes('node-inspector')[0], 'devtools');
    assert.equal(planProbes('https')[0], 'tls');
  });

  it('hints come from URL schemes and usual ports', () => {
    assert.equal(hintFromScheme('postgresql'), 'postgres');
    assert.equal(hintFromScheme('wss'), 'https');
    assert.equal(hintFromPort(6379), 'redis');
    assert.equal(hintFromPort(9229), 'node-inspector');
    assert.equal(hintFromPort(41234), null);
  });

  it('wildcard listeners are probed on their loopback', () => {
    assert.equal(probeHostFor('0.0.0.0'), '127.0.0.1');
    assert.equal(probeHostFor('::'), '::1');
    assert.equal(probeHostFor('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(probeHostFor('192.168.1.5'), '192.168.1.5');
  });
});

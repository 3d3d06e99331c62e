import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeAddress, formatIPv6, parseProcNet } from '../../../src/inventory/linux/proc-net.js';
import { parseStat } from '../../../src/processes/linux.js';
import { parsePasswd } from '../../../src/processes/users.js';
import { ROOT } from '../../helpers/children.js';

// Captured on x86_64 from real sockets (see test/fixtures/linux/*.ports.json for what was bound).
const fixture = (name: string): string => readFileSync(`${ROOT}test/fixtures/linux/${name}`, 'latin1');
const ports = JSON.parse(fixture('proc-net-mixed.ports.json')) as Record<string, number>;

describe('decodeAddress', () => {
  it('reverses little-endian IPv4 words', () => {
    assert.equal(decodeAddress('0100007F', 4, 'LE'), '127.0.0.1');
    assert.equal(decodeAddress('0200007F', 4, 'LE'), '127.0.0.2');
    assert.equal(decodeAddress('00000000', 4, 'LE'), '0.0.0.0');
    assert.equal(decodeAddress('7F000001', 4, 'BE'), '127.0.0.1');
  });
  it('decodes IPv6, including IPv4-mapped', () => {
    assert.equal(decodeAddress('00000000000000000000000001000000', 6, 'LE'), '::1');
    assert.equal(decodeAddress('00000000000000000000000000000000', 6, 'LE'), '::');
    assert.equal(decodeAddress('0000000000000000FFFF00000100007F', 6, 'LE'), '::ffff:127.0.0.1');
    assert.equal(decodeAddress('000080FE00000000FF005452563412FE', 6, 'LE'), 'fe80::5254:ff:fe12:3456');
  });
  it('compresses the longest zero run only (RFC 5952)', () => {
    assert.equal(formatIPv6([0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]), '2001:db8::1:0:0:1');
    assert.equal(formatIPv6([0x20, 1, 0x0d, 0xb8, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]), '2001:db8:1:1:1:1:1:1');
  });
});

describe('parseProcNet on captured tables', () => {
  const tcp = parseProcNet(fixture('proc-net-tcp-mixed.txt'), 'tcp', 4, { endianness: 'LE' });
  const tcp6 = parseProcNet(fixture('proc-net-tcp6-mixed.txt'), 'tcp', 6, { endianness: 'LE' });
  const udp = parseProcNet(fixture('proc-net-udp-mixed.txt'), 'udp', 4, { endianness: 'LE' });
  const udp6 = parseProcNet(fixture('proc-net-udp6-mixed.txt'), 'udp', 6, { endianness: 'LE' });

  const find = (list: typeof tcp, port: number, state: string) => list.find((s) => s.localPort === port && s.state === state);

  it('finds IPv4 listeners on loopback, wildcard and 127.0.0.2', () => {
    assert.equal(find(tcp, ports.tcp4_loop!, 'LISTEN')?.localAddress, '127.0.0.1');
    assert.equal(find(tcp, ports.tcp4_any!, 'LISTEN')?.localAddress, '0.0.0.0');
    assert.equal(find(tcp, ports.tcp4_127_0_0_2!, 'LISTEN')?.localAddress, '127.0.0.2');
    const listener = find(tcp, ports.tcp4_loop!, 'LISTEN')!;
    assert.equal(listener.remoteAddress, null);
    assert.equal(listener.remotePort, null);
    assert.ok(listener.inode > 0);
    assert.equal(listener.uid, 0);
  });
  it('finds IPv6 listeners, the IPv4-mapped one included', () => {
    assert.equal(find(tcp6, ports.tcp6_loop!, 'LISTEN')?.localAddress, '::1');
    assert.equal(find(tcp6, ports.tcp6_any!, 'LISTEN')?.localAddress, '::');
    assert.equal(find(tcp6, ports.tcp6_mapped!, 'LISTEN')?.localAddress, '::ffff:127.0.0.1');
  });
  it('reads established connections and TIME_WAIT (inode 0)', () => {
    const established = tcp.filter((s) => s.state === 'ESTABLISHED');
    assert.equal(established.length, 2);
    const client = established.find((s) => s.remotePort === ports.tcp4_loop)!;
    assert.equal(client.remoteAddress, '127.0.0.1');
    const timeWait = tcp.find((s) => s.state === 'TIME_WAIT')!;
    assert.equal(timeWait.inode, 0);
    assert.equal(timeWait.remotePort, ports.tcp4_any);
    assert.equal(tcp6.filter((s) => s.state === 'ESTABLISHED').length, 2);
  });
  it('marks bound UDP sockets UNCONN and connected ones ESTABLISHED', () => {
    assert.equal(find(udp, ports.udp4_loop!, 'UNCONN')?.localAddress, '127.0.0.1');
    assert.equal(find(udp, ports.udp4_any!, 'UNCONN')?.localAddress, '0.0.0.0');
    assert.equal(find(udp6, ports.udp6_loop!, 'UNCONN')?.localAddress, '::1');
    assert.equal(find(udp6, ports.udp6_any!, 'UNCONN')?.localAddress, '::');
    assert.equal(udp.filter((s) => s.state === 'ESTABLISHED').length, 1);
  });
  it('filters early: listening only, and by port (local or remote)', () => {
    const listening = parseProcNet(fixture('proc-net-tcp-mixed.txt'), 'tcp', 4, { endianness: 'LE', listeningOnly: true });
    assert.ok(listening.every((s) => s.state === 'LISTEN'));
    const port = ports.tcp4_loop!;
    const onPort = parseProcNet(fixture('proc-net-tcp-mixed.txt'), 'tcp', 4, { endianness: 'LE', ports: { from: port, to: port } });
    assert.deepEqual(onPort.map((s) => s.state).sort(), ['ESTABLISHED', 'LISTEN']);
    const withClients = parseProcNet(fixture('proc-net-tcp-mixed.txt'), 'tcp', 4, {
      endianness: 'LE',
      ports: { from: port, to: port },
      matchRemote: true,
    });
    assert.equal(withClients.length, 3);
  });
  it('skips a truncated last line and an empty table', () => {
    const text = fixture('proc-net-tcp-mixed.txt');
    const cut = text.slice(0, text.length - 60);
    assert.equal(parseProcNet(cut, 'tcp', 4, { endianness: 'LE' }).length, tcp.length - 1);
    assert.deepEqual(parseProcNet('', 'tcp', 6), []);
  });
});

describe('/proc/<pid>/stat and passwd parsers', () => {
  it('reads a stat line whose name has spaces and parentheses', () => {
    const line = '4242 (my (odd) name) S 100 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000000 200 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0';
    assert.deepEqual(parseStat(line), { name: 'my (odd) name', state: 'S', ppid: 100, startTicks: '987654' });
    assert.equal(parseStat('garbage'), null);
  });
  it('reads passwd', () => {
    const map = parsePasswd('root:x:0:0:root:/root:/bin/bash\n# comment\nalice:x:1000:1000::/home/alice:/bin/sh\n');
    assert.equal(map.get(0), 'root');
    assert.equal(map.get(1000), 'alice');
  });
});

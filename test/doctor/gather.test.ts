/**
 * The pure parsers behind doctor's facts, against outputs captured from
 * real tools (test/fixtures/linux): /proc/net/netstat, /proc/net/tcp with a
 * full accept queue, `ss -Hltn`, iptables-save, ip6tables-save and
 * `nft -j list ruleset`; plus NO_PROXY matching and "did you mean".
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { matchFirewall, type FirewallDump } from '../../src/doctor/gather/firewall.js';
import { addressBytes, matchesCidr } from '../../src/doctor/gather/firewall-packet.js';
import { tokenize } from '../../src/doctor/gather/firewall-iptables.js';
import { parseListenBacklogs, parseNetstat, parseSsListen } from '../../src/doctor/gather/kernel.js';
import { findNearbyListeners } from '../../src/doctor/gather/nearby.js';
import { maskProxyValue, noProxyCovers, proxyFacts } from '../../src/doctor/gather/proxy.js';
import type { Socket } from '../../src/model.js';
import { ROOT } from '../helpers/children.js';

function fixture(name: string): string {
  return readFileSync(`${ROOT}test/fixtures/linux/${name}`, 'utf8');
}

const V4 = [{ address: '127.0.0.1', family: 4 as const }];
const V6 = [{ address: '::1', family: 6 as const }];

describe('kernel parsers', () => {
  it('reads TcpExt ListenOverflows and ListenDrops', () => {
    assert.deepEqual(parseNetstat(fixture('proc-net-netstat-overflow.txt')), { listenOverflows: 0, listenDrops: 0 });
    assert.equal(parseNetstat('Ip: a b\nIp: 1 2\n'), null);
  });
  it('reads the accept backlog of LISTEN sockets from /proc/net/tcp (rx_queue), keyed by inode', () => {
    assert.deepEqual([...parseListenBacklogs(fixture('proc-net-tcp-backlog.txt'), 4321)], [[627522, 3]]);
    assert.deepEqual([...parseListenBacklogs(fixture('proc-net-tcp-backlog.txt'), 4322)], []);
    assert.equal(parseListenBacklogs(fixture('proc-net-tcp6-backlog.txt'), 4321).size, 1);
  });
  it('reads the accept queue limit from ss (Send-Q of a LISTEN socket)', () => {
    const limits = parseSsListen(fixture('ss-listen-backlog.txt'));
    assert.deepEqual(limits.get('127.0.0.1|4321'), { current: 3, max: 2 });
    assert.deepEqual(limits.get('::1|4321'), { current: 0, max: 7 });
  });
});

describe('addresses', () => {
  it('turns literals into bytes and matches CIDR blocks', () => {
    assert.deepEqual(addressBytes('::ffff:127.0.0.1')!.slice(10), [0xff, 0xff, 127, 0, 0, 1]);
    assert.equal(addressBytes('::1')!.length, 16);
    assert.equal(matchesCidr('127.0.0.2', '127.0.0.0/8'), true);
    assert.equal(matchesCidr('10.0.0.1', '127.0.0.0/8'), false);
    assert.equal(matchesCidr('::1', '::1/128'), true);
    assert.equal(matchesCidr('::1', '127.0.0.0/8'), false);
    assert.equal(matchesCidr('fd00::5', 'fd00::/8'), true);
  });
});

describe('iptables-save', () => {
  const dump: FirewallDump = { nft: null, iptables: fixture('iptables-save-rules.txt'), ip6tables: fixture('ip6tables-save-rules.txt') };
  it('keeps quoted comments as one token', () => {
    assert.deepEqual(tokenize('-A INPUT --comment "block dev api" -j DROP'), ['-A', 'INPUT', '--comment', 'block dev api', '-j', 'DROP']);
  });
  it('names the DROP rule for a port, with the command that deletes it', () => {
    const [rule, ...rest] = matchFirewall(dump, V4, 4444);
    assert.equal(rest.length, 0);
    assert.equal(rule!.verdict, 'drop');
    assert.equal(rule!.comment, 'block dev api');
    assert.equal(rule!.chain, 'filter INPUT');
    assert.equal(rule!.deleteCommand, 'iptables -t filter -D INPUT -p tcp -m tcp --dport 4444 -m comment --comment "block dev api" -j DROP');
    assert.deepEqual(rule!.packets, ['SYN to 127.0.0.1:4444']);
  });
  it('follows jumps into user chains and matches destination blocks', () => {
    const [rule] = matchFirewall(dump, V4, 7000);
    assert.equal(rule!.chain, 'filter DEVBLOCK');
    assert.ok(rule!.matched.includes('destination 127.0.0.0/8'));
  });
  it('sees a REJECT of the SYN-ACK on the way out (multiport source ports)', () => {
    const [rule] = matchFirewall(dump, V4, 5005);
    assert.equal(rule!.verdict, 'reject');
    assert.deepEqual(rule!.packets, ['SYN-ACK from 127.0.0.1:5005']);
  });
  it('lets through what an earlier ACCEPT takes, and other ports', () => {
    assert.deepEqual(matchFirewall(dump, V4, 22), []);
    assert.deepEqual(matchFirewall(dump, V4, 3000), []);
  });
  it('reads ip6tables for IPv6 addresses', () => {
    const [rule] = matchFirewall(dump, V6, 4444);
    assert.equal(rule!.source, 'ip6tables');
    assert.match(rule!.deleteCommand, /^ip6tables -t filter -D INPUT -i lo/);
  });
  it('does not report iptables-nft rules twice through nft', () => {
    const both = { ...dump, nft: fixture('nft-json-iptables-nft.json') };
    assert.deepEqual(matchFirewall(both, V4, 4444).map((r) => r.source), ['iptables']);
  });
});

describe('nft -j list ruleset', () => {
  const dump: FirewallDump = { nft: fixture('nft-json-ruleset.json'), iptables: null, ip6tables: null };
  it('names the drop rule, its comment and handle', () => {
    const [rule, ...rest] = matchFirewall(dump, V4, 3000);
    assert.equal(rest.length, 0);
    assert.equal(rule!.chain, 'inet devfw input');
    assert.equal(rule!.comment, 'no dev server');
    assert.match(rule!.rule, /iifname lo tcp dport 3000 drop comment "no dev server" # handle 3/);
    assert.equal(rule!.deleteCommand, 'nft delete rule inet devfw input handle 3');
    assert.deepEqual(matchFirewall(dump, V6, 3000).map((r) => r.deleteCommand), ['nft delete rule inet devfw input handle 3']);
  });
  it('matches named sets with ranges, anonymous sets and addresses', () => {
    assert.equal(matchFirewall(dump, V4, 8081)[0]!.verdict, 'reject');
    assert.equal(matchFirewall(dump, V4, 9005)[0]!.verdict, 'reject');
    assert.deepEqual(matchFirewall(dump, [{ address: '127.0.0.2', family: 4 }], 5556).map((r) => r.deleteCommand), ['nft delete rule inet devfw input handle 7']);
    assert.deepEqual(matchFirewall(dump, V4, 5556), []);
  });
  it('sees the output chain drop the SYN-ACK', () => {
    assert.deepEqual(matchFirewall(dump, V4, 6100)[0]!.packets, ['SYN-ACK from 127.0.0.1:6100']);
  });
  it('falls through to a base chain policy drop, IPv4 only for an ip table', () => {
    const [rule] = matchFirewall(dump, V4, 7100);
    assert.equal(rule!.rule, 'chain ip strict input { policy drop; }');
    assert.deepEqual(matchFirewall(dump, V6, 7100), []);
    assert.deepEqual(matchFirewall(dump, V4, 3001), []);
  });
});

describe('proxy variables', () => {
  it('matches NO_PROXY the way curl and requests do', () => {
    assert.equal(noProxyCovers('localhost,127.0.0.1', 'localhost'), true);
    assert.equal(noProxyCovers('.localhost', 'app.localhost'), true);
    assert.equal(noProxyCovers('127.0.0.0/8', '127.0.0.1'), true);
    assert.equal(noProxyCovers('[::1]', '::1'), true);
    assert.equal(noProxyCovers('*', 'anything'), true);
    assert.equal(noProxyCovers('corp.example, localhost:3000', 'localhost'), true);
    assert.equal(noProxyCovers('corp.example', 'localhost'), false);
    assert.equal(noProxyCovers('', '::1'), false);
  });
  it('masks credentials and only counts the variables a scheme uses', () => {
    assert.equal(maskProxyValue('http://me:secret@proxy:3128'), 'http://me:***@proxy:3128');
    const env = { HTTPS_PROXY: 'http://proxy:3128', no_proxy: 'localhost' };
    assert.deepEqual(proxyFacts(env, 'localhost', 'http', true).set, []);
    assert.deepEqual(proxyFacts(env, 'localhost', 'https', true).uncovered, ['127.0.0.1', '::1']);
    assert.deepEqual(proxyFacts(env, 'localhost', 'postgres', true).set, []);
  });
});

describe('did you mean', () => {
  const sock = (port: number, pid: number, command: string, cwd: string | null): Socket => ({
    protocol: 'tcp',
    family: 4,
    localAddress: '127.0.0.1',
    localPort: port,
    remoteAddress: null,
    remotePort: null,
    state: 'LISTEN',
    inode: port,
    uid: 1000,
    user: 'dev',
    holders: [{ pid, ppid: 1, name: command.split(' ')[0]!, argv: command.split(' '), command, uid: 1000, user: 'dev', cwd, startedAt: null, startMarker: null, state: 'S' }],
    holdersHidden: false,
    exposure: 'loopback',
    portClass: 'registered',
    service: null,
  });
  it('prefers the same project, then a dev server close by', () => {
    const all = [sock(5174, 10, 'node vite', '/other'), sock(3001, 11, 'node server.js', '/home/dev/app'), sock(22, 12, 'sshd', '/'), sock(3005, 13, 'postgres', '/var')];
    const picks = findNearbyListeners(all, 3000, '/home/dev/app', 1);
    assert.deepEqual(picks.map((p) => [p.port, p.reason]), [[3001, 'same-folder']]);
    const vite = findNearbyListeners(all, 5173, '/home/dev/app', 1);
    assert.deepEqual(vite.map((p) => [p.port, p.reason]), [[5174, 'dev-server'], [3001, 'same-folder']]);
  });
  it('never suggests doctor itself or the port asked about', () => {
    assert.deepEqual(findNearbyListeners([sock(3001, 99, 'node x', '/home/dev/app'), sock(3000, 11, 'node', '/home/dev/app')], 3000, '/home/dev/app', 99), []);
  });
});

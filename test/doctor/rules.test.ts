/**
 * Every doctor rule with hand-built facts: it fires on its case, and stays
 * silent on the healthy baseline and on the near-misses.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RULES, runRules } from '../../src/doctor/rules/index.js';
import { decide } from '../../src/doctor/verdict.js';
import type { DoctorFacts, Finding } from '../../src/doctor/types.js';
import { holder, listener, makeFacts, nothingFacts, probe } from './facts.js';

function codes(facts: DoctorFacts): string[] {
  return runRules(facts).map((f) => f.code);
}

function only(facts: DoctorFacts, code: string): Finding {
  const found = runRules(facts).filter((f) => f.code === code);
  assert.equal(found.length, 1, `${code} should fire once; got ${JSON.stringify(runRules(facts).map((f) => f.code))}`);
  const f = found[0]!;
  assert.ok(f.message.length > 0 && f.title.length > 0 && f.fix.text.length > 0);
  assert.ok(f.evidence.length > 0, `${code} names its evidence`);
  return f;
}

function silent(facts: DoctorFacts, code: string): void {
  assert.ok(!codes(facts).includes(code), `${code} should stay silent; got ${JSON.stringify(codes(facts))}`);
}

describe('the healthy baseline', () => {
  it('has no findings and a healthy verdict naming what answered', () => {
    const facts = makeFacts();
    assert.deepEqual(runRules(facts), []);
    const d = decide(facts, []);
    assert.equal(d.healthy, true);
    assert.equal(d.verdict, '127.0.0.1:3000 answers (HTTP/1.1 200 OK) in 0.4 ms');
    assert.deepEqual(d.answered, { address: '127.0.0.1', ms: 0.4, protocol: 'http', summary: 'HTTP/1.1 200 OK' });
  });
  it('every rule is a function of facts alone', () => {
    for (const { name, rule } of RULES) assert.deepEqual(rule(makeFacts()), [], name);
  });
});

describe('NOTHING_LISTENING', () => {
  it('fires when no socket listens, with the refused connects as evidence', () => {
    const f = only(nothingFacts(), 'NOTHING_LISTENING');
    assert.equal(f.severity, 'error');
    assert.ok(f.evidence.some((e) => e.includes('127.0.0.1:3000: refused (ECONNREFUSED)')));
    assert.equal(f.fix.command, 'berth ls');
    assert.equal(decide(nothingFacts(), runRules(nothingFacts())).healthy, false);
  });
  it('suggests the same program or a nearby dev server', () => {
    const facts = nothingFacts({
      nearby: [{ port: 3001, address: '127.0.0.1', family: 4, pid: 77, name: 'node', command: 'next dev', reason: 'same-folder' }],
    });
    const f = only(facts, 'NOTHING_LISTENING');
    assert.ok(f.evidence.some((e) => e.startsWith('did you mean port 3001?')));
    assert.equal(f.fix.command, 'berth doctor http://localhost:3001/');
  });
  it('mentions a UDP socket on the port', () => {
    const f = only(nothingFacts({ udp: [{ address: '127.0.0.1', family: 4 }] }), 'NOTHING_LISTENING');
    assert.ok(f.evidence.some((e) => e.includes('only a UDP socket')));
  });
  it('stays silent when something listens (anywhere), in another namespace, or for a remote host', () => {
    silent(makeFacts(), 'NOTHING_LISTENING');
  });
  it('names the last recorded holder and how to start it again', () => {
    const until = Date.now() - 60_000;
    const f = only(
      nothingFacts({ lastHolder: { pid: 4242, name: 'vite', command: 'node /app/node_modules/.bin/vite', cwd: '/home/a/my app', until, closed: true, durationMs: 7_200_000 } }),
      'NOTHING_LISTENING',
    );
    assert.ok(f.evidence.some((e) => /was held by vite \(pid 4242\) in \/home\/a\/my app until \d\d:\d\d/.test(e)), JSON.stringify(f.evidence));
    assert.equal(f.fix.command, "cd '/home/a/my app' && node /app/node_modules/.bin/vite");
    silent(nothingFacts({ listeners: [listener({ address: '::1', family: 6, acceptsClient: false })] }), 'NOTHING_LISTENING');
    silent(
      nothingFacts({ foreignListeners: [{ netns: 'net:[1]', address: '0.0.0.0', family: 4, pid: 9, name: 'sh', command: 'sh' }] }),
      'NOTHING_LISTENING',
    );
    silent(nothingFacts({ target: { ...makeFacts().target, local: false } }), 'NOTHING_LISTENING');
  });
});

describe('RECENTLY_CLOSED', () => {
  it('fires with TIME_WAIT sockets and no listener', () => {
    const f = only(nothingFacts({ timeWait: 3 }), 'RECENTLY_CLOSED');
    assert.equal(f.severity, 'info');
    assert.match(f.message, /3 connections/);
  });
  it('stays silent without TIME_WAIT, or with a listener', () => {
    silent(nothingFacts(), 'RECENTLY_CLOSED');
    silent(makeFacts({ timeWait: 5 }), 'RECENTLY_CLOSED');
  });
});

describe('WRONG_FAMILY', () => {
  const v6only = nothingFacts({ listeners: [listener({ address: '::1', family: 6, acceptsClient: false })] });
  it('fires for a ::1 listener and an IPv4 client', () => {
    const f = only(v6only, 'WRONG_FAMILY');
    assert.match(f.message, /\[::1\]:3000 \(IPv6\).*127\.0\.0\.1:3000 \(IPv4\)/);
    assert.equal(f.fix.command, 'berth doctor http://[::1]:3000/');
    assert.ok(f.evidence.some((e) => e.includes('localhost resolves to 127.0.0.1 only')));
    silent(v6only, 'NOTHING_LISTENING');
  });
  it('fires the other way round: 127.0.0.1 listener, [::1] client', () => {
    const facts = makeFacts({
      target: { ...makeFacts().target, input: '[::1]:3000', host: '::1', hostKind: 'loopback', scheme: null, expected: null },
      resolver: null,
      clientAddresses: [{ address: '::1', family: 6 }],
      probes: [probe({ address: '::1', family: 6, outcome: 'refused', code: 'ECONNREFUSED' }), probe({ client: false })],
      listeners: [listener({ acceptsClient: false })],
      identify: null,
    });
    const f = only(facts, 'WRONG_FAMILY');
    assert.equal(f.fix.command, 'berth doctor 127.0.0.1:3000');
  });
  it('stays silent when the listener serves the client, or the client tries both families', () => {
    silent(makeFacts(), 'WRONG_FAMILY');
    silent({ ...v6only, clientAddresses: [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }] }, 'WRONG_FAMILY');
  });
});

describe('LOCALHOST_RESOLVES_FIRST_TO_UNUSED_FAMILY', () => {
  const both = [
    { address: '::1', family: 6 as const },
    { address: '127.0.0.1', family: 4 as const },
  ];
  const trap = makeFacts({
    resolver: both,
    clientAddresses: both,
    probes: [probe({ address: '::1', family: 6, outcome: 'refused', code: 'ECONNREFUSED' }), probe()],
  });
  it('fires when localhost resolves first to ::1 and only 127.0.0.1 listens (the Node 17+ ECONNREFUSED ::1 trap)', () => {
    const f = only(trap, 'LOCALHOST_RESOLVES_FIRST_TO_UNUSED_FAMILY');
    assert.equal(f.severity, 'warning');
    assert.match(f.message, /ECONNREFUSED \[::1\]:3000/);
    assert.equal(decide(trap, runRules(trap)).healthy, true, 'Node 20 falls back, so the target still answers');
  });
  it('stays silent when the first address is served, or localhost has one address', () => {
    silent({ ...trap, listeners: [listener({ address: '::', family: 6, exposure: 'all' })] }, 'LOCALHOST_RESOLVES_FIRST_TO_UNUSED_FAMILY');
    silent(makeFacts(), 'LOCALHOST_RESOLVES_FIRST_TO_UNUSED_FAMILY');
    silent({ ...trap, target: { ...trap.target, host: '127.0.0.1', hostKind: 'loopback' } }, 'LOCALHOST_RESOLVES_FIRST_TO_UNUSED_FAMILY');
  });
});

describe('SPECIFIC_ADDRESS_ONLY', () => {
  it('fires for a LAN address and for 127.0.0.2', () => {
    for (const [address, exposure] of [['192.168.1.20', 'specific'], ['127.0.0.2', 'loopback']] as const) {
      const facts = nothingFacts({ listeners: [listener({ address, exposure, acceptsClient: false })] });
      const f = only(facts, 'SPECIFIC_ADDRESS_ONLY');
      assert.match(f.message, new RegExp(address.replace(/\./g, '\\.')));
      silent(facts, 'WRONG_FAMILY');
    }
  });
  it('stays silent when the client is served, or the other listener is a main loopback', () => {
    silent(makeFacts({ listeners: [listener(), listener({ address: '10.0.0.5', exposure: 'specific', acceptsClient: false })] }), 'SPECIFIC_ADDRESS_ONLY');
    silent(nothingFacts({ listeners: [listener({ address: '::1', family: 6, acceptsClient: false })] }), 'SPECIFIC_ADDRESS_ONLY');
  });
});

describe('EXPOSED_WILDCARD', () => {
  it('fires for 0.0.0.0 behind a localhost target, with the bind fix', () => {
    const facts = makeFacts({ listeners: [listener({ address: '0.0.0.0', exposure: 'all' })] });
    const f = only(facts, 'EXPOSED_WILDCARD');
    assert.equal(f.severity, 'warning');
    assert.equal(f.fix.code, "server.listen(3000, '127.0.0.1')");
    assert.equal(decide(facts, runRules(facts)).healthy, true);
  });
  it('knows how to rebind common servers', () => {
    const facts = makeFacts({ listeners: [listener({ address: '::', family: 6, exposure: 'all', holders: [holder({ command: 'node /app/node_modules/.bin/vite' })] })] });
    assert.equal(only(facts, 'EXPOSED_WILDCARD').fix.command, 'vite --host 127.0.0.1 --port 3000');
  });
  it('stays silent for loopback listeners or when the target is a network address', () => {
    silent(makeFacts(), 'EXPOSED_WILDCARD');
    const lan = makeFacts({
      target: { ...makeFacts().target, host: '192.168.1.20', hostKind: 'ip' },
      listeners: [listener({ address: '0.0.0.0', exposure: 'all' })],
    });
    silent(lan, 'EXPOSED_WILDCARD');
  });
});

describe('PROCESS_STOPPED', () => {
  it('fires for a holder in state T, with kill -CONT', () => {
    const facts = makeFacts({ listeners: [listener({ holders: [holder({ state: 'T' })] })], identify: { protocol: 'no-answer', summary: 'stopped', address: '127.0.0.1', ms: 1, aborted: true, silent: false } });
    const f = only(facts, 'PROCESS_STOPPED');
    assert.equal(f.fix.command, 'kill -CONT 4242');
    assert.ok(f.evidence.some((e) => e.includes('state T')));
    assert.equal(decide(facts, runRules(facts)).healthy, false);
  });
  it('fires for a debugger stop (t), pointing at the debugger', () => {
    const f = only(makeFacts({ listeners: [listener({ holders: [holder({ state: 't' })] })] }), 'PROCESS_STOPPED');
    assert.equal(f.fix.command, undefined);
    assert.match(f.message, /debugger/);
  });
  it('stays silent while any holder runs, or when the stopped holder does not serve the client', () => {
    silent(makeFacts({ listeners: [listener({ holders: [holder({ state: 'T' }), holder({ pid: 5, state: 'S' })] })] }), 'PROCESS_STOPPED');
    silent(makeFacts({ listeners: [listener(), listener({ address: '::1', family: 6, acceptsClient: false, holders: [holder({ state: 'T' })] })] }), 'PROCESS_STOPPED');
  });
});

describe('ACCEPT_QUEUE_FULL', () => {
  const hung = [probe({ outcome: 'timeout', code: 'ETIMEDOUT', ms: 1500 })];
  it('fires when the queue is over its limit', () => {
    const f = only(makeFacts({ probes: hung, identify: null, listeners: [listener({ acceptQueue: { current: 129, max: 128 } })] }), 'ACCEPT_QUEUE_FULL');
    assert.ok(f.evidence.some((e) => e.includes('129 waiting, limit 128')));
    assert.equal(f.fix.code, 'server.listen({ port: 3000, backlog: 4096 })');
  });
  it('fires when a connect hung and ListenOverflows rose, with the queue not empty', () => {
    const facts = makeFacts({
      probes: hung,
      identify: null,
      listeners: [listener({ acceptQueue: { current: 5, max: null } })],
      counters: { before: { listenOverflows: 10, listenDrops: 10 }, after: { listenOverflows: 12, listenDrops: 12 } },
    });
    assert.ok(only(facts, 'ACCEPT_QUEUE_FULL').evidence.some((e) => e.includes('rose from 10 to 12')));
  });
  it('stays silent at the limit (the kernel still takes one more), or when overflows rise elsewhere', () => {
    silent(makeFacts({ listeners: [listener({ acceptQueue: { current: 128, max: 128 } })] }), 'ACCEPT_QUEUE_FULL');
    silent(
      makeFacts({ counters: { before: { listenOverflows: 1, listenDrops: 1 }, after: { listenOverflows: 9, listenDrops: 9 } } }),
      'ACCEPT_QUEUE_FULL',
    );
  });
});

describe('FIREWALL_DROP and FIREWALL_REJECT', () => {
  const rule = {
    source: 'nft' as const,
    chain: 'inet devfw input',
    rule: 'iifname lo tcp dport 3000 drop # handle 3',
    verdict: 'drop' as const,
    comment: null,
    deleteCommand: 'nft delete rule inet devfw input handle 3',
    matched: ['tcp dport 3000'],
    packets: ['SYN to 127.0.0.1:3000'],
  };
  const firewall = { readable: true, reason: null, sources: ['nft'], matches: [rule] };
  it('fires for a hang with a matching DROP rule, naming it', () => {
    const f = only(makeFacts({ firewall, probes: [probe({ outcome: 'timeout', code: 'ETIMEDOUT', ms: 1500 })], identify: null }), 'FIREWALL_DROP');
    assert.equal(f.fix.command, 'nft delete rule inet devfw input handle 3');
    assert.ok(f.evidence.some((e) => e.includes('tcp dport 3000 drop')));
  });
  it('fires for a refusal with a matching REJECT rule while the server listens', () => {
    const reject = { ...firewall, matches: [{ ...rule, verdict: 'reject' as const }] };
    only(makeFacts({ firewall: reject, probes: [probe({ outcome: 'refused', code: 'ECONNREFUSED' })], identify: null }), 'FIREWALL_REJECT');
  });
  it('stays silent when nothing hangs, or no rule matches', () => {
    silent(makeFacts({ firewall }), 'FIREWALL_DROP');
    silent(makeFacts({ probes: [probe({ outcome: 'timeout', code: 'ETIMEDOUT' })], identify: null }), 'FIREWALL_DROP');
  });
  it('an unexplained hang becomes CONNECT_TIMEOUT, saying the firewall was not read', () => {
    const facts = makeFacts({
      probes: [probe({ outcome: 'timeout', code: 'ETIMEDOUT' })],
      identify: null,
      firewall: { readable: false, reason: 'reading firewall rules needs root', sources: [], matches: [] },
    });
    const f = only(facts, 'CONNECT_TIMEOUT');
    assert.match(f.fix.command ?? '', /^sudo berth doctor/);
  });
});

describe('LOOPBACK_DOWN', () => {
  it('fires when lo lacks IFF_UP', () => {
    const f = only(makeFacts({ loopback: { up: false, flags: '0x8' } }), 'LOOPBACK_DOWN');
    assert.equal(f.fix.command, 'ip link set lo up');
  });
  it('stays silent when lo is up or unreadable', () => {
    silent(makeFacts(), 'LOOPBACK_DOWN');
    silent(makeFacts({ loopback: null }), 'LOOPBACK_DOWN');
  });
});

describe('PROTOCOL_MISMATCH', () => {
  const id = (protocol: string, summary = protocol) => ({ protocol, summary, address: '127.0.0.1', ms: 2, aborted: false, silent: false });
  it('TLS behind http:// suggests https://', () => {
    const f = only(makeFacts({ identify: id('https', 'HTTPS (TLSv1.3, self-signed)') }), 'PROTOCOL_MISMATCH');
    assert.equal(f.fix.command, 'curl -k https://localhost:3000/');
  });
  it('plain HTTP behind https:// suggests http://', () => {
    const base = makeFacts();
    const facts = makeFacts({ target: { ...base.target, scheme: 'https', expected: 'https', input: 'https://localhost:3000/' }, identify: id('http') });
    assert.equal(only(facts, 'PROTOCOL_MISMATCH').fix.command, 'curl http://localhost:3000/');
  });
  it('HTTP on a database URL, and a debug port opened as a web page', () => {
    const base = makeFacts();
    only(makeFacts({ target: { ...base.target, scheme: 'postgres', expected: 'postgres' }, identify: id('http') }), 'PROTOCOL_MISMATCH');
    assert.match(only(makeFacts({ identify: id('node-inspector') }), 'PROTOCOL_MISMATCH').fix.command ?? '', /^node inspect/);
    assert.match(only(makeFacts({ identify: id('jdwp') }), 'PROTOCOL_MISMATCH').fix.text, /Disconnected from the target VM/);
  });
  it('stays silent when the protocol fits, is unknown, or the target has no scheme', () => {
    silent(makeFacts(), 'PROTOCOL_MISMATCH');
    silent(makeFacts({ identify: id('h2c') }), 'PROTOCOL_MISMATCH');
    silent(makeFacts({ identify: id('unknown') }), 'PROTOCOL_MISMATCH');
    const base = makeFacts();
    silent(makeFacts({ target: { ...base.target, scheme: null, expected: null }, identify: id('redis') }), 'PROTOCOL_MISMATCH');
  });
});

describe('NO_RESPONSE', () => {
  const quiet = { protocol: 'unknown', summary: "accepts connections, but answered none of berth's probes in time", address: '127.0.0.1', ms: 1500, aborted: false, silent: true };
  it('fires when a URL target connects but never replies', () => {
    const facts = makeFacts({ identify: quiet });
    only(facts, 'NO_RESPONSE');
    assert.equal(decide(facts, runRules(facts)).healthy, false);
  });
  it('stays silent when identification was stopped on purpose, for a bare port, or when bytes came back', () => {
    silent(makeFacts({ identify: { ...quiet, protocol: 'no-answer', aborted: true, silent: false } }), 'NO_RESPONSE');
    silent(makeFacts({ identify: quiet, target: { ...makeFacts().target, scheme: null, expected: null } }), 'NO_RESPONSE');
    silent(makeFacts({ identify: { ...quiet, silent: false } }), 'NO_RESPONSE');
  });
});

describe('PROXY_WITHOUT_NO_PROXY', () => {
  it('fires when HTTP_PROXY is set and NO_PROXY leaves localhost out', () => {
    const facts = makeFacts({
      proxy: { set: [{ name: 'HTTP_PROXY', value: 'http://proxy:3128' }], noProxy: [{ name: 'NO_PROXY', value: 'corp.example' }], uncovered: ['localhost', '127.0.0.1', '::1'] },
    });
    const f = only(facts, 'PROXY_WITHOUT_NO_PROXY');
    assert.equal(f.fix.command, 'export NO_PROXY=corp.example,localhost,127.0.0.1,::1 no_proxy=corp.example,localhost,127.0.0.1,::1');
  });
  it('stays silent without a proxy, or when NO_PROXY covers the host', () => {
    silent(makeFacts(), 'PROXY_WITHOUT_NO_PROXY');
    silent(makeFacts({ proxy: { set: [{ name: 'HTTP_PROXY', value: 'http://p:1' }], noProxy: [{ name: 'NO_PROXY', value: 'localhost' }], uncovered: ['::1'] } }), 'PROXY_WITHOUT_NO_PROXY');
  });
});

describe('port-number rules', () => {
  it('BROWSER_UNSAFE_PORT fires for http on 6000, not for redis:// on 6000 or http on 3000', () => {
    const base = makeFacts();
    const unsafe = { ...base.port, port: 6000, browserUnsafe: true };
    only(makeFacts({ port: unsafe }), 'BROWSER_UNSAFE_PORT');
    silent(makeFacts({ port: unsafe, target: { ...base.target, scheme: 'redis', expected: 'redis' } }), 'BROWSER_UNSAFE_PORT');
    silent(base, 'BROWSER_UNSAFE_PORT');
  });
  it('EPHEMERAL_PORT fires when nothing listens on an ephemeral port, or a client took it', () => {
    const eph = { ...makeFacts().port, port: 45000, ephemeral: true };
    assert.equal(only(nothingFacts({ port: eph }), 'EPHEMERAL_PORT').severity, 'info');
    assert.equal(only(nothingFacts({ port: eph, outgoingOnPort: 1 }), 'EPHEMERAL_PORT').severity, 'warning');
    silent(makeFacts({ port: eph }), 'EPHEMERAL_PORT');
    silent(nothingFacts(), 'EPHEMERAL_PORT');
  });
  it('PRIVILEGED_PORT fires when nothing listens below the floor', () => {
    const low = { ...makeFacts().port, port: 80, privileged: true };
    assert.match(only(nothingFacts({ port: low }), 'PRIVILEGED_PORT').fix.command ?? '', /setcap/);
    silent(makeFacts({ port: low }), 'PRIVILEGED_PORT');
    silent(nothingFacts(), 'PRIVILEGED_PORT');
  });
});

describe('OTHER_NAMESPACE', () => {
  it('fires as an error when the port listens only in another namespace', () => {
    const facts = nothingFacts({ foreignListeners: [{ netns: 'net:[4026532500]', address: '0.0.0.0', family: 4, pid: 900, name: 'node', command: 'node app.js' }] });
    const f = only(facts, 'OTHER_NAMESPACE');
    assert.equal(f.severity, 'error');
    assert.equal(f.fix.command, 'nsenter -t 900 -n berth doctor http://localhost:3000/');
  });
  it('names docker-proxy and rootlessport forwards', () => {
    const facts = makeFacts({ listeners: [listener({ address: '0.0.0.0', exposure: 'all', holders: [holder({ name: 'docker-proxy', command: 'docker-proxy -host-port 3000' })] })] });
    assert.equal(only(facts, 'OTHER_NAMESPACE').severity, 'info');
    assert.equal(only(facts, 'EXPOSED_WILDCARD').fix.command, 'docker run -p 127.0.0.1:3000:3000 …');
  });
  it('stays silent for an ordinary holder in our namespace', () => {
    silent(makeFacts(), 'OTHER_NAMESPACE');
    silent(makeFacts({ netns: null }), 'OTHER_NAMESPACE');
  });
});

describe('what no rule explains', () => {
  it('HOST_NOT_RESOLVED for a name that does not resolve', () => {
    const facts = makeFacts({ resolveError: 'Cannot resolve "nope.invalid".', clientAddresses: [], probes: [], listeners: [], identify: null });
    assert.deepEqual(codes(facts).filter((c) => c === 'HOST_NOT_RESOLVED'), ['HOST_NOT_RESOLVED']);
  });
  it('CONNECT_FAILED for a remote refusal; never both a specific and a generic error', () => {
    const remote = makeFacts({
      target: { ...makeFacts().target, host: 'db.example', hostKind: 'name', local: false },
      clientAddresses: [{ address: '203.0.113.5', family: 4 }],
      probes: [probe({ address: '203.0.113.5', outcome: 'refused', code: 'ECONNREFUSED' })],
      listeners: [],
      identify: null,
    });
    only(remote, 'CONNECT_FAILED');
    silent(nothingFacts(), 'CONNECT_FAILED');
  });
  it('orders errors before warnings before info', () => {
    const facts = nothingFacts({ timeWait: 2, port: { ...makeFacts().port, port: 45000, ephemeral: true }, proxy: { set: [{ name: 'HTTP_PROXY', value: 'x' }], noProxy: [], uncovered: ['localhost'] } });
    const severities = runRules(facts).map((f) => f.severity);
    assert.deepEqual(severities, [...severities].sort((a, b) => ['error', 'warning', 'info'].indexOf(a) - ['error', 'warning', 'info'].indexOf(b)));
  });
});

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { isBerthError } from '../../src/errors.js';
import { whoIs } from '../../src/inventory/index.js';
import { killPort, planKill, type KillOptions, type KillResult } from '../../src/kill/index.js';
import { parseSignal } from '../../src/kill/signals.js';
import { isSameProcessAlive, readProcess } from '../../src/processes/index.js';
import { signalProcess } from '../../src/processes/signal.js';
import { onlyStartedHere, startListener, startReadyProcess } from '../helpers/children.js';

/**
 * killPort on the test's own listener only: its exact TCP socket (127.0.0.1:PORT), and a confirm
 * that refuses (and fails the test) if anything else would be signalled.
 */
async function killOurs(port: number, options: KillOptions = {}): Promise<KillResult> {
  const result = await killPort(`127.0.0.1:${port}`, { protocol: 'tcp', confirm: onlyStartedHere, ...options });
  assert.ok(result.confirmed || options.confirm !== undefined, 'the plan would have signalled a process this test did not start');
  return result;
}

describe('killPort', () => {
  it('stops the holder with SIGTERM and confirms the port is free', async () => {
    const l = await startListener();
    const result = await killOurs(l.port, { timeoutMs: 5000 });
    assert.equal(result.ok, true);
    assert.deepEqual(result.processes.map((p) => [p.pid, p.outcome, p.signals]), [[l.pid, 'exited', ['SIGTERM']]]);
    assert.deepEqual(result.ports.map((p) => [p.port, p.free]), [[l.port, true]]);
    assert.equal((await whoIs(String(l.port))).listeners.length, 0);
  });

  it('stops a parent and the forked child sharing its socket', async () => {
    const l = await startListener({ fork: true });
    const result = await killOurs(l.port);
    assert.equal(result.ok, true);
    assert.deepEqual(result.processes.map((p) => p.pid).sort(), [l.pid, l.childPid!].sort());
    assert.ok(result.processes.every((p) => p.outcome === 'exited'));
  });

  it('does not escalate a process that ignores SIGTERM unless told', async () => {
    const l = await startListener({ ignoreTerm: true });
    try {
      let asked = 0;
      const result = await killOurs(l.port, {
        timeoutMs: 300,
        escalate: () => {
          asked++;
          return false;
        },
      });
      assert.equal(asked, 1, 'asked once before SIGKILL');
      assert.equal(result.ok, false);
      assert.deepEqual(result.processes.map((p) => [p.outcome, p.signals]), [['running', ['SIGTERM']]]);
      assert.equal(result.ports[0]!.free, false);
      assert.ok(isSameProcessAlive(readProcess(l.pid)!), 'still alive');
    } finally {
      await l.stop();
    }
  });

  it('escalates to SIGKILL with force', async () => {
    const l = await startListener({ ignoreTerm: true });
    const result = await killOurs(l.port, { timeoutMs: 300, force: true });
    assert.equal(result.ok, true);
    assert.deepEqual(result.processes.map((p) => [p.outcome, p.signals]), [['killed', ['SIGTERM', 'SIGKILL']]]);
    assert.equal(result.ports[0]!.free, true);
  });

  it('signals nothing on a dry run or when confirmation is refused', async () => {
    const l = await startListener();
    try {
      const dry = await killOurs(l.port, { dryRun: true });
      assert.equal(dry.dryRun, true);
      assert.deepEqual(dry.plan.victims.map((v) => v.process.pid), [l.pid]);
      assert.equal(dry.processes.length, 0);
      const refused = await killOurs(l.port, { confirm: () => false });
      assert.equal(refused.confirmed, false);
      assert.equal(refused.ok, false);
      assert.ok(isSameProcessAlive(readProcess(l.pid)!));
    } finally {
      await l.stop();
    }
  });

  it('signals nothing when nobody holds the port', async () => {
    const l = await startListener();
    await l.stop();
    const result = await killOurs(l.port);
    assert.equal(result.ok, false);
    assert.equal(result.plan.notHeld.length, 1);
    assert.equal(result.processes.length, 0);
  });

  it('refuses to signal berth itself', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const plan = await planKill([`127.0.0.1:${port}`], { protocol: 'tcp' });
      assert.equal(plan.victims.length, 0);
      assert.deepEqual(plan.refused.map((r) => [r.process.pid, r.reason]), [[process.pid, 'self']]);
      const result = await killOurs(port);
      assert.equal(result.ok, false);
      assert.equal(result.processes.length, 0);
    } finally {
      server.close();
    }
  });

  it('sends a non-terminating signal without waiting for an exit', async () => {
    const l = await startListener();
    try {
      const result = await killOurs(l.port, { signal: 'SIGCONT' });
      assert.deepEqual(result.processes.map((p) => p.outcome), ['signalled']);
      assert.equal(result.ports[0]!.free, false);
    } finally {
      await l.stop();
    }
  });

  it('with a protocol, stops only the holders of that protocol on the port', async () => {
    const tcp = await startListener();
    // A UDP socket on the same port number, in another process.
    const code = `const s = require('node:dgram').createSocket('udp4'); s.bind(${tcp.port}, '127.0.0.1', () => console.log(JSON.stringify({ port: ${tcp.port}, pid: process.pid, childPid: null })));`;
    const udp = await startReadyProcess(process.execPath, ['-e', code]);
    try {
      const plan = await planKill([`127.0.0.1:${tcp.port}`]);
      assert.deepEqual(plan.victims.map((v) => v.process.pid).sort(), [tcp.pid, udp.pid].sort(), 'without a protocol: both');
      const result = await killOurs(tcp.port);
      assert.equal(result.ok, true);
      assert.deepEqual(result.processes.map((p) => p.pid), [tcp.pid]);
      assert.ok(isSameProcessAlive({ pid: udp.pid, startMarker: null }), 'the UDP holder was not signalled');
    } finally {
      await Promise.all([tcp.stop(), udp.stop()]);
    }
  });

  it('rejects bad targets before doing anything', async () => {
    await assert.rejects(killPort('0'), (e: unknown) => isBerthError(e) && e.code === 'E_PORT_INVALID');
  });
});

describe('container port forwarders', () => {
  const dockerProxy = () => startListener({ processName: 'docker-proxy', extraArgs: ['-container-ip', '172.17.0.2', '-container-port', '80'] });

  it('refuses docker-proxy and says how to find the container instead', async () => {
    const l = await dockerProxy();
    try {
      const result = await killOurs(l.port, { timeoutMs: 300 });
      assert.equal(result.ok, false);
      assert.deepEqual(result.processes, []);
      const [refusal] = result.plan.refused;
      assert.equal(refusal?.reason, 'forwarder');
      assert.equal(refusal?.process.pid, l.pid);
      assert.match(refusal?.hint ?? '', new RegExp(`docker ps --filter publish=${l.port}`));
      assert.ok(isSameProcessAlive({ pid: l.pid, startMarker: null }), 'nothing was signalled');
    } finally {
      await l.stop();
    }
  });

  it('stops it when asked for with forwarders: true', async () => {
    const l = await dockerProxy();
    const result = await killOurs(l.port, { forwarders: true });
    assert.equal(result.ok, true);
    assert.deepEqual(result.processes.map((p) => [p.pid, p.outcome]), [[l.pid, 'exited']]);
  });
});

describe('pid-reuse guard', () => {
  it('never signals a pid whose start time changed', async () => {
    const l = await startListener();
    try {
      const info = readProcess(l.pid)!;
      const stale = { ...info, startMarker: String(Number(info.startMarker) - 1) };
      assert.equal(signalProcess(stale, 'SIGTERM'), 'gone');
      assert.ok(isSameProcessAlive(info), 'the real process was not signalled');
    } finally {
      await l.stop();
    }
  });
});

describe('parseSignal', () => {
  it('reads names, SIG-prefixed names and numbers', () => {
    assert.equal(parseSignal('TERM'), 'SIGTERM');
    assert.equal(parseSignal('sigkill'), 'SIGKILL');
    assert.equal(parseSignal('9'), 'SIGKILL');
    assert.throws(() => parseSignal('NOPE'), (e: unknown) => isBerthError(e) && e.code === 'E_USAGE');
  });
});

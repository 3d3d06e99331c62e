/**
 * berth doctor against network faults made for real inside network
 * namespaces this test creates: the loopback interface down, an iptables and
 * an nft DROP rule on the port, `localhost` resolving to ::1 first (through
 * /etc/netns/NAME/hosts, which `ip netns exec` mounts over /etc/hosts), and a
 * listener that exists only in another namespace.
 * Needs root and iproute2's `ip netns`; iptables and nft for the firewall
 * cases (.ci/run installs them). Every namespace is deleted, also on failure.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { diagnose, type DoctorReport } from '../../src/doctor/index.js';
import { listSockets } from '../../src/inventory/index.js';
import { BIN } from '../helpers/children.js';
import { has, listenIn, run, skipReason, withNamespace } from '../helpers/netns.js';

const SKIP = skipReason();

/** Runs the built `berth doctor --json` inside `ns`. */
async function doctorIn(ns: string, target: string, ...extra: string[]): Promise<{ code: number | null; report: DoctorReport }> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, BIN, 'doctor', target, '--json', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', HTTP_PROXY: '', http_proxy: '', HTTPS_PROXY: '', https_proxy: '', ALL_PROXY: '', all_proxy: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  assert.ok(stdout.trim().startsWith('{'), `berth doctor printed no JSON (exit ${code}): ${stderr}`);
  return { code, report: JSON.parse(stdout) as DoctorReport };
}

function codes(report: DoctorReport): string[] {
  return report.findings.map((f) => f.code);
}

describe('doctor in network namespaces', { skip: SKIP ?? false }, () => {
  it('LOOPBACK_DOWN once lo goes down; silent while it is up', async () => {
    await withNamespace(async (ns, started) => {
      const server = await listenIn(ns, '127.0.0.1', started);
      const up = await doctorIn(ns, `http://127.0.0.1:${server.port}/`);
      assert.equal(up.code, 0, JSON.stringify(up.report.findings));
      assert.ok(!codes(up.report).includes('LOOPBACK_DOWN'));
      assert.ok(!codes(up.report).includes('OTHER_NAMESPACE'));
      run(ns, ['ip', 'link', 'set', 'lo', 'down']);
      const down = await doctorIn(ns, `http://127.0.0.1:${server.port}/`);
      assert.equal(down.code, 1);
      assert.equal(down.report.findings[0]!.code, 'LOOPBACK_DOWN');
      assert.equal(down.report.findings[0]!.fix.command, 'ip link set lo up');
      assert.ok(down.report.facts.probes.every((p) => p.outcome !== 'timeout'), 'a decided case waits for no timeout');
    });
  });

  it('FIREWALL_DROP names an iptables rule, and its fix works', { skip: has('iptables') ? false : 'iptables is not installed' }, async () => {
    await withNamespace(async (ns, started) => {
      const server = await listenIn(ns, '127.0.0.1', started);
      const target = `127.0.0.1:${server.port}`;
      assert.ok(!codes((await doctorIn(ns, target)).report).includes('FIREWALL_DROP'), 'silent without the rule');
      run(ns, ['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', String(server.port), '-m', 'comment', '--comment', 'berth doctor test', '-j', 'DROP']);
      const { code, report } = await doctorIn(ns, target, '--timeout', '1s');
      assert.equal(code, 1);
      const drop = report.findings.find((f) => f.code === 'FIREWALL_DROP');
      assert.ok(drop, JSON.stringify(codes(report)));
      assert.ok(drop.evidence.some((e) => e.includes('--comment "berth doctor test"') && e.includes(`--dport ${server.port}`)), drop.evidence.join('\n'));
      assert.equal(drop.fix.command, `iptables -t filter -D INPUT -p tcp -m tcp --dport ${server.port} -m comment --comment "berth doctor test" -j DROP`);
      const fixed = spawnSync('ip', ['netns', 'exec', ns, 'sh', '-c', drop.fix.command!], { encoding: 'utf8' });
      assert.equal(fixed.status, 0, fixed.stderr);
      assert.equal((await doctorIn(ns, target)).code, 0);
    });
  });

  it('FIREWALL_DROP names an nft rule by handle, and its fix works', { skip: has('nft') ? false : 'nft is not installed' }, async () => {
    await withNamespace(async (ns, started) => {
      const server = await listenIn(ns, '127.0.0.1', started);
      const target = `http://127.0.0.1:${server.port}/`;
      run(ns, ['nft', 'add', 'table', 'inet', 'berthtest']);
      run(ns, ['nft', 'add', 'chain', 'inet', 'berthtest', 'input', '{ type filter hook input priority 0; policy accept; }']);
      run(ns, ['nft', 'add', 'rule', 'inet', 'berthtest', 'input', 'iifname', 'lo', 'tcp', 'dport', String(server.port), 'drop', 'comment', '"berth doctor test"']);
      const { code, report } = await doctorIn(ns, target, '--timeout', '1s');
      assert.equal(code, 1);
      const drop = report.findings.find((f) => f.code === 'FIREWALL_DROP');
      assert.ok(drop, JSON.stringify(codes(report)));
      assert.match(drop.fix.command ?? '', /^nft delete rule inet berthtest input handle \d+$/);
      assert.ok(drop.evidence.some((e) => e.includes(`tcp dport ${server.port} drop`) && e.includes('berth doctor test')), drop.evidence.join('\n'));
      run(ns, ['sh', '-c', drop.fix.command!]);
      assert.equal((await doctorIn(ns, target)).code, 0);
    });
  });

  it('LOCALHOST_RESOLVES_FIRST_TO_UNUSED_FAMILY when /etc/hosts lists ::1 first; silent for a dual-stack server', async () => {
    await withNamespace(async (ns, started) => {
      const v4 = await listenIn(ns, '127.0.0.1', started);
      const { code, report } = await doctorIn(ns, `http://localhost:${v4.port}/`);
      assert.deepEqual(report.facts.resolver?.map((a) => a.address), ['::1', '127.0.0.1']);
      const trap = report.findings.find((f) => f.code === 'LOCALHOST_RESOLVES_FIRST_TO_UNUSED_FAMILY');
      assert.ok(trap, JSON.stringify(codes(report)));
      assert.match(trap.message, new RegExp(`ECONNREFUSED \\[::1\\]:${v4.port}`));
      assert.equal(code, 0, 'Node 20 falls back to 127.0.0.1, so the target answers (with a warning)');
      const dual = await listenIn(ns, '::', started);
      const quiet = await doctorIn(ns, `http://localhost:${dual.port}/`);
      assert.ok(!codes(quiet.report).includes('LOCALHOST_RESOLVES_FIRST_TO_UNUSED_FAMILY'));
    }, { hosts: '::1 localhost\n127.0.0.1 localhost\n' });
  });

  it('OTHER_NAMESPACE when the port listens only inside another namespace', async (t) => {
    await withNamespace(async (ns, started) => {
      // A port nobody uses out here (other processes on this machine hold many loopback ports).
      let server = await listenIn(ns, '127.0.0.1', started);
      for (let attempt = 0; attempt < 10 && (await listSockets({ ports: server.port, protocol: 'tcp' })).length > 0; attempt++) {
        server = await listenIn(ns, '127.0.0.1', started);
      }
      if ((await listSockets({ ports: server.port, protocol: 'tcp' })).length > 0) return t.skip('every port tried is also used on this machine');
      const report = await diagnose(`127.0.0.1:${server.port}`);
      const other = report.findings.find((f) => f.code === 'OTHER_NAMESPACE');
      assert.ok(other, JSON.stringify(codes(report)));
      assert.equal(other.severity, 'error');
      assert.ok(report.facts.foreignListeners.some((f) => f.pid === server.pid && f.address === '127.0.0.1'));
      assert.ok(!codes(report).includes('NOTHING_LISTENING'));
    });
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ROOT, runBerth, startListener } from '../helpers/children.js';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

describe('berth CLI basics', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
    const r = await runBerth(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), pkg.version);
  });

  it('--help teaches the commands', async () => {
    const r = await runBerth(['--help']);
    assert.equal(r.code, 0);
    for (const word of ['ls', 'who', 'kill', '--json', 'Examples']) assert.ok(r.stdout.includes(word), word);
    for (const command of ['ls', 'who', 'kill']) {
      const sub = await runBerth([command, '--help']);
      assert.equal(sub.code, 0);
      assert.match(sub.stdout, new RegExp(`^berth ${command} — `));
      assert.match(sub.stdout, /Exit status/);
    }
  });

  it('an unknown command suggests the closest one, exit 2', async () => {
    const r = await runBerth(['kil', '3000']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown command "kil"/);
    assert.match(r.stderr, /Did you mean: berth kill/);
    assert.equal(r.stdout, '');
  });

  it('an unknown flag names the command help, exit 2', async () => {
    const r = await runBerth(['ls', '--bogus']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--bogus/);
    assert.match(r.stderr, /berth ls --help/);
  });

  for (const bad of ['0', '65536', '-1', 'abc', '3000-', '', '::1:3000', '[::1]', '127.0.0.1:', 'http://localhost:99999/']) {
    it(`who ${JSON.stringify(bad)} is a usage error, exit 2`, async () => {
      const r = await runBerth(['who', bad]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^berth: .*not a valid/);
      assert.equal(r.stdout, '');
      assert.ok(!r.stderr.includes('    at '), 'no stack trace for a user error');
    });
  }

  it('bad ranges, pids and durations are usage errors', async () => {
    for (const args of [['ls', '--port', '3000-'], ['ls', '--pid', 'x'], ['kill', '3000', '--timeout', 'soon'], ['kill', '3000', '--signal', 'NOPE'], ['kill']]) {
      const r = await runBerth(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  });

  it('--json errors are JSON on stdout', async () => {
    const r = await runBerth(['who', '0', '--json']);
    assert.equal(r.code, 2);
    const body = JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string } };
    assert.equal(body.error.code, 'E_PORT_INVALID');
    assert.ok(body.error.hint);
  });
});

describe('berth ls and who', () => {
  it('ls shows a listener; --json, -q and filters agree', async () => {
    const l = await startListener({ host: '0.0.0.0' });
    try {
      const table = await runBerth(['ls', '--port', String(l.port)]);
      assert.equal(table.code, 0);
      const lines = table.stdout.trim().split('\n');
      assert.match(lines[0]!, /^PORT\s+PROTO\s+ADDRESS\s+EXPOSURE\s+PID\s+PROCESS\s+USER$/);
      assert.match(lines[1]!, new RegExp(`^${l.port}\\s+tcp\\s+0\\.0\\.0\\.0\\s+exposed\\s+${l.pid}\\s+node\\s+`));

      const json = JSON.parse((await runBerth(['ls', '--json', '--tcp'])).stdout) as { sockets: Array<{ localPort: number; holders: Array<{ pid: number }> }> };
      const mine = json.sockets.find((s) => s.localPort === l.port);
      assert.deepEqual(mine?.holders.map((h) => h.pid), [l.pid]);

      const quiet = await runBerth(['ls', '-q', '--exposed']);
      assert.ok(quiet.stdout.split('\n').includes(String(l.port)));

      const wide = await runBerth(['ls', '-w', '--pid', String(l.pid)]);
      assert.match(wide.stdout, /listen\.mjs/);

      const none = await runBerth(['ls', '--udp', '--pid', String(l.pid)]);
      assert.equal(none.code, 1);
      assert.match(none.stdout, /No listening socket matches/);
    } finally {
      await l.stop();
    }
  });

  it('who prints the holder; -q prints bare pids; bare "berth PORT" is who', async () => {
    const l = await startListener({ fork: true });
    try {
      const r = await runBerth(['who', `127.0.0.1:${l.port}`]);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /is held by 2 processes/);
      assert.match(r.stdout, new RegExp(`pid ${l.pid}`));
      assert.match(r.stdout, new RegExp(`pid ${l.childPid}`));
      assert.match(r.stdout, /reachable only from this machine/);
      assert.match(r.stdout, /command\s+.*listen\.mjs/);
      const quiet = await runBerth(['who', '-q', `127.0.0.1:${l.port}`]);
      assert.deepEqual(quiet.stdout.trim().split('\n').map(Number).sort(), [l.pid, l.childPid!].sort());
      const bare = await runBerth([String(l.port)]);
      assert.equal(bare.code, 0);
      assert.match(bare.stdout, /is held by/);
    } finally {
      await l.stop();
    }
  });

  it('who on a free port: exit 1 and one clear line', async () => {
    const l = await startListener();
    await l.stop();
    const r = await runBerth(['who', String(l.port)]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`^Nothing is listening on :${l.port}\\.`));
    const quiet = await runBerth(['who', '-q', String(l.port)]);
    assert.equal(quiet.code, 1);
    assert.equal(quiet.stdout, '');
  });

  it('who --json has the documented shape', async () => {
    const l = await startListener();
    try {
      const r = await runBerth(['who', String(l.port), '--json']);
      const body = JSON.parse(r.stdout) as Record<string, unknown>;
      for (const key of ['target', 'addresses', 'facts', 'listeners', 'holders', 'hidden', 'elsewhere', 'connections']) {
        assert.ok(key in body, key);
      }
    } finally {
      await l.stop();
    }
  });

  it('a holder berth may not read is shown as hidden, with the way out', { skip: !isRoot && 'needs root to run berth as another user' }, async () => {
    const l = await startListener();
    try {
      const r = await runBerth(['who', String(l.port)], { uid: NOBODY, gid: NOBODY });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /held by a process of root that berth cannot see/);
      assert.match(r.stdout, /sudo berth who/);
      const ls = JSON.parse((await runBerth(['ls', '--json', '--port', String(l.port)], { uid: NOBODY, gid: NOBODY })).stdout) as {
        sockets: Array<{ holdersHidden: boolean; user: string; holders: unknown[] }>;
        hidden: number;
      };
      assert.equal(ls.sockets[0]!.holdersHidden, true);
      assert.equal(ls.sockets[0]!.user, 'root', 'the socket owner is still known from /proc/net');
      assert.equal(ls.hidden, 1);
      const kill = await runBerth(['kill', `127.0.0.1:${l.port}`, '--tcp'], { uid: NOBODY, gid: NOBODY });
      assert.equal(kill.code, 1);
      assert.match(kill.stderr, /sudo berth kill/);
    } finally {
      await l.stop();
    }
  });
});

describe('berth kill', () => {
  it('shows the plan, stops the holder and says the port is free', async () => {
    const l = await startListener();
    const r = await runBerth(['kill', `127.0.0.1:${l.port}`, '--tcp']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /This process holds/);
    assert.match(r.stdout, new RegExp(`pid ${l.pid}`));
    assert.match(r.stdout, /exited after SIGTERM/);
    assert.match(r.stdout, new RegExp(`:${l.port} is free`));
  });

  it('a container port forwarder: who says where it forwards, kill refuses it without --forwarders', async () => {
    const l = await startListener({ processName: 'docker-proxy', extraArgs: ['-container-ip', '172.17.0.2', '-container-port', '80'] });
    try {
      const ls = await runBerth(['ls', '--port', String(l.port)]);
      assert.match(ls.stdout, /docker-proxy → 172\.17\.0\.2:80/);
      const who = await runBerth(['who', String(l.port)]);
      assert.equal(who.code, 0, who.stderr);
      assert.match(who.stdout, new RegExp(`forwards to 172\\.17\\.0\\.2:80 inside a container; find it with: docker ps --filter publish=${l.port}`));
      const kill = await runBerth(['kill', `127.0.0.1:${l.port}`, '--tcp', '-y']);
      assert.equal(kill.code, 1);
      assert.match(kill.stdout, /docker-proxy\) is not stopped: it forwards the port into a container/);
      assert.match(kill.stdout, /--forwarders/);
      assert.match(kill.stdout, /still held by pid \d+ \(docker-proxy\), which berth did not stop/);
      assert.doesNotMatch(kill.stdout, /restarted it/);
    } finally {
      await l.stop();
    }
  });

  it('--udp stops a UDP holder; --tcp on the same port finds nothing to stop', async () => {
    const l = await startListener({ protocol: 'udp' });
    try {
      const tcpOnly = await runBerth(['kill', `127.0.0.1:${l.port}`, '--tcp']);
      assert.equal(tcpOnly.code, 1);
      assert.match(tcpOnly.stdout, /Nothing is listening on 127\.0\.0\.1:\d+; nothing to stop there/);
      const r = await runBerth(['kill', `127.0.0.1:${l.port}`, '--udp']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`pid ${l.pid} \\(node\\) exited after SIGTERM`));
    } finally {
      await l.stop();
    }
  });

  it('a port nobody holds: nothing signalled, exit 1', async () => {
    const l = await startListener();
    await l.stop();
    const r = await runBerth(['kill', `127.0.0.1:${l.port}`, '--tcp']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Nothing is listening on/);
  });

  it('a process ignoring SIGTERM survives without --force and says how to escalate', async () => {
    const l = await startListener({ ignoreTerm: true });
    try {
      const r = await runBerth(['kill', `127.0.0.1:${l.port}`, '--tcp', '--timeout', '300ms']);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /still running: it ignored SIGTERM for 300ms/);
      assert.match(r.stdout, /--force/);
      const forced = await runBerth(['kill', `127.0.0.1:${l.port}`, '--tcp', '--timeout', '0.3', '--force', '--json']);
      assert.equal(forced.code, 0);
      const body = JSON.parse(forced.stdout) as { ok: boolean; processes: Array<{ outcome: string; signals: string[] }> };
      assert.equal(body.ok, true);
      assert.deepEqual(body.processes[0]!.signals, ['SIGTERM', 'SIGKILL']);
    } finally {
      await l.stop();
    }
  });

  it('--dry-run signals nothing', async () => {
    const l = await startListener();
    try {
      const r = await runBerth(['kill', '--dry-run', `127.0.0.1:${l.port}`, '--tcp']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /Dry run: nothing was signalled/);
      const who = await runBerth(['who', '-q', `127.0.0.1:${l.port}`]);
      assert.equal(who.stdout.trim(), String(l.pid));
    } finally {
      await l.stop();
    }
  });
});

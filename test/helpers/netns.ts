/**
 * Network namespaces for tests that need a network of their own (a fault
 * made for real, a name that resolves only later): created with `ip netns`,
 * loopback up, /etc/netns/NAME/{hosts,resolv.conf} mounted over /etc by
 * `ip netns exec`. Every namespace is deleted, also on failure. Needs root.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { after } from 'node:test';
import { ROOT, startReadyProcess, type Listener } from './children.js';

const PREFIX = `berth-t-${process.pid}`;
let counter = 0;
const namespaces = new Set<string>();

function removeNamespace(name: string): void {
  spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  rmSync(`/etc/netns/${name}`, { recursive: true, force: true });
  namespaces.delete(name);
}
after(() => {
  for (const name of [...namespaces]) removeNamespace(name);
});
process.on('exit', () => {
  for (const name of [...namespaces]) removeNamespace(name);
});

/** Why these tests cannot run here, or null when they can. */
export function skipReason(): string | null {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root';
  if (spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' }).status !== 0) return '`ip netns` is not available (install iproute2)';
  return null;
}

export function has(command: string): boolean {
  return spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
}

export function run(ns: string, args: string[]): string {
  const result = spawnSync('ip', ['netns', 'exec', ns, ...args], { encoding: 'utf8' });
  assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/**
 * Creates a namespace with lo up, runs `fn`, then kills what runs in it and deletes it.
 * @param etc files for /etc/netns/NAME/ (`hosts`, `resolv.conf`), seen as /etc/… inside.
 */
export async function withNamespace(fn: (ns: string, started: Listener[]) => Promise<void>, etc: Record<string, string> = {}): Promise<void> {
  const ns = `${PREFIX}-${counter++}`;
  const added = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
  assert.equal(added.status, 0, added.stderr);
  namespaces.add(ns);
  const started: Listener[] = [];
  try {
    if (Object.keys(etc).length > 0) {
      mkdirSync(`/etc/netns/${ns}`, { recursive: true });
      for (const [name, text] of Object.entries(etc)) writeFileSync(`/etc/netns/${ns}/${name}`, text);
    }
    run(ns, ['ip', 'link', 'set', 'lo', 'up']);
    await fn(ns, started);
  } finally {
    for (const listener of started) await listener.stop();
    removeNamespace(ns);
  }
}

/** Starts the HTTP fixture inside `ns` (HTTPS with `tls`). */
export async function listenIn(ns: string, host: string, started: Listener[], tls?: { cert: string; key: string }): Promise<Listener> {
  const args = ['netns', 'exec', ns, process.execPath, `${ROOT}test/fixtures/servers/doctor-http.mjs`, host, ...(tls ? ['--tls', tls.cert, tls.key] : [])];
  const listener = await startReadyProcess('ip', args);
  started.push(listener);
  return listener;
}


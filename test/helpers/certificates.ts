/**
 * Certificates made with the openssl command for the TLS tests: a
 * self-signed one, or a test CA and a server certificate it signed. Each
 * call works in a fresh temporary folder, removed when the test file ends.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

const folders: string[] = [];
after(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** True when the openssl command is installed. */
export const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

function openssl(args: string[]): void {
  const made = spawnSync('openssl', args, { encoding: 'utf8' });
  assert.equal(made.status, 0, `openssl ${args.join(' ')}: ${made.stderr}`);
}

function folder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-tls-'));
  folders.push(dir);
  return dir;
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A self-signed certificate for `commonName`: paths of its PEM files. */
export function selfSigned(commonName = 'localhost'): { cert: string; key: string } {
  const dir = folder();
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  openssl(['req', '-x509', ...KEY, '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${commonName}/O=berth test`]);
  return { cert, key };
}

/**
 * A test CA and a certificate it signed for `names` (DNS names and IP
 * addresses): paths of the CA's certificate and of the server's PEM files.
 */
export function caSigned(names: string[]): { ca: string; cert: string; key: string } {
  const dir = folder();
  const file = (name: string): string => path.join(dir, name);
  openssl(['req', '-x509', ...KEY, '-keyout', file('ca-key.pem'), '-out', file('ca.pem'), '-days', '1', '-subj', '/CN=berth test CA']);
  openssl(['req', ...KEY, '-keyout', file('key.pem'), '-out', file('server.csr'), '-subj', `/CN=${names[0]}`]);
  const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  writeFileSync(file('ext.cnf'), `subjectAltName=${san}\n`);
  openssl(['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca-key.pem'), '-CAcreateserial', '-out', file('cert.pem'), '-days', '1', '-extfile', file('ext.cnf')]);
  return { ca: file('ca.pem'), cert: file('cert.pem'), key: file('key.pem') };
}

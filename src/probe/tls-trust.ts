/**
 * What berth's own HTTPS checks trust: what Node's would, NODE_EXTRA_CA_CERTS
 * included, even when the launcher kept that file from Node's start-up.
 *
 * bin/berth.cjs moves NODE_EXTRA_CA_CERTS aside before Node starts (Node 20
 * builds its whole certificate store at start-up when it is set, ~45 ms on
 * every command) and records the file under a global symbol. A check that
 * verifies certificates then passes the bundled roots plus that file's CAs
 * as `ca`: the store Node would have built itself.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

const DEFERRED_FILE = Symbol.for('berth.extraCaCertsFile');
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

let cached: { file: string | null; options: { ca?: string[] } } | undefined;

/** The CA file that bin/berth.cjs kept from Node's start-up; null when Node loaded it itself (or none is set). */
export function deferredCaFile(): string | null {
  const file = (globalThis as Record<symbol, unknown>)[DEFERRED_FILE];
  return typeof file === 'string' && file !== '' ? file : null;
}

/**
 * TLS options for a connection that verifies certificates: `{}` when Node's
 * own store is complete, `{ ca }` with the bundled roots and the deferred
 * file's certificates otherwise. A file that cannot be read adds nothing,
 * as with Node (which only warns).
 */
export function trustOptions(): { ca?: string[] } {
  const file = deferredCaFile();
  if (cached?.file === file) return cached.options;
  let extra: string[] = [];
  try {
    if (file !== null) extra = readFileSync(file, 'latin1').match(PEM_CERTIFICATE) ?? [];
  } catch {
    // unreadable: the bundled roots alone, as Node would have after its warning
  }
  cached = { file, options: extra.length === 0 ? {} : { ca: [...rootCertificates, ...extra] } };
  return cached.options;
}

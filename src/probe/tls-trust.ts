/**
 * What berth's own TLS connections trust: what Node's would, NODE_EXTRA_CA_CERTS
 * included, even when the launcher kept that file from Node's start-up.
 *
 * bin/berth.cjs moves NODE_EXTRA_CA_CERTS aside before Node starts (Node 20
 * builds its whole certificate store at start-up when it is set, ~45 ms on
 * every command) and records the file under a global symbol. A connection
 * that needs trust then gets a secure context made once per process: Node's
 * default store (bundled, or the system's under --use-openssl-ca) plus the
 * file's CAs, which is the store Node would have built itself.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates, type SecureContext, type SecureContextOptions } from 'node:tls';

const DEFERRED_FILE = Symbol.for('berth.extraCaCertsFile');
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

const contexts = new Map<string, SecureContext>();

/** The CA file that bin/berth.cjs kept from Node's start-up; null when Node loaded it itself (or none is set). */
export function deferredCaFile(): string | null {
  const file = (globalThis as Record<symbol, unknown>)[DEFERRED_FILE];
  return typeof file === 'string' && file !== '' ? file : null;
}

/**
 * The options for a TLS connection whose certificate is checked:
 * `contextOptions` as they are when Node's own store is complete, else a
 * `secureContext` made from them with the deferred file's CAs added (once per
 * process and set of options: building one costs as much as Node's start-up
 * store, and berth wait connects again and again).
 */
export function trustOptions<T extends SecureContextOptions>(contextOptions: T): T | { secureContext: SecureContext } {
  const file = deferredCaFile();
  if (file === null) return contextOptions;
  const key = `${file}\0${JSON.stringify(contextOptions)}`;
  let context = contexts.get(key);
  if (context === undefined) {
    context = contextWithFile(file, contextOptions);
    contexts.set(key, context);
  }
  return { secureContext: context };
}

/** The file's certificates; null (with Node's own warning) when one of them cannot be loaded, since Node then adds none. */
function readCertificates(file: string): string[] | null {
  try {
    const pems = readFileSync(file, 'latin1').match(PEM_CERTIFICATE) ?? [];
    for (const pem of pems) new X509Certificate(pem); // throws on a damaged one
    return pems;
  } catch (error) {
    process.emitWarning(`Ignoring extra certs from \`${file}\`, load failed: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

function contextWithFile(file: string, options: SecureContextOptions): SecureContext {
  const pems = readCertificates(file);
  if (pems === null || pems.length === 0) return createSecureContext(options);
  const context = createSecureContext(options);
  // The native context's addCACert adds to a copy of Node's default store (what NODE_EXTRA_CA_CERTS
  // does); it is not in Node's typings, so without it the bundled roots are listed instead.
  const native = (context as unknown as { context?: { addCACert?: (pem: string) => void } }).context;
  if (typeof native?.addCACert !== 'function') return createSecureContext({ ...options, ca: [...rootCertificates, ...pems] });
  for (const pem of pems) native.addCACert(pem);
  return context;
}

/**
 * What one probe concluded about a port. Probes and parsers return verdicts;
 * the orchestrator (index.ts) picks the first sure one.
 */

/** The protocols `identifyPort` tells apart. */
export type ProtocolId =
  | 'http'
  | 'https'
  | 'tls'
  | 'h2c'
  | 'ssh'
  | 'postgres'
  | 'mysql'
  | 'redis'
  | 'mongodb'
  | 'node-inspector'
  | 'chrome-devtools'
  | 'jdwp'
  | 'smtp'
  | 'unknown'
  | 'no-answer';

/** Every ProtocolId, for validating user input such as `--hint`. */
export const PROTOCOL_IDS: readonly ProtocolId[] = [
  'http', 'https', 'tls', 'h2c', 'ssh', 'postgres', 'mysql', 'redis', 'mongodb',
  'node-inspector', 'chrome-devtools', 'jdwp', 'smtp', 'unknown', 'no-answer',
];

/**
 * A conclusion. `sure` ends identification at once; `weak` is kept while
 * other probes run (an HTTP 400 to a non-HTTP probe, a TLS alert, bytes no
 * parser knows) and used only if nothing sure turns up.
 */
export interface Verdict {
  protocol: ProtocolId;
  summary: string;
  details: Record<string, unknown>;
  strength: 'sure' | 'weak';
  /**
   * A probe to run next that can tell more: `devtools` (GET /json/version, for
   * an HTTP answer that looks like a debugger's) or `tls` (an HTTP answer that
   * says the port wants TLS). Its sure verdict replaces this one.
   */
  followUp?: 'devtools' | 'tls';
}

/** Builds a sure verdict. */
export function sure(protocol: ProtocolId, summary: string, details: Record<string, unknown> = {}): Verdict {
  return { protocol, summary, details, strength: 'sure' };
}

/** Builds a weak verdict. */
export function weak(protocol: ProtocolId, summary: string, details: Record<string, unknown> = {}): Verdict {
  return { protocol, summary, details, strength: 'weak' };
}

/** A short printable preview of raw bytes: text as text, other bytes as \xNN, cut at `max` bytes. */
export function previewBytes(data: Buffer, max = 64): string {
  let out = '';
  for (const byte of data.subarray(0, max)) {
    if (byte === 0x0d) out += '\\r';
    else if (byte === 0x0a) out += '\\n';
    else if (byte >= 0x20 && byte < 0x7f && byte !== 0x5c) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return data.length > max ? `${out}…` : out;
}

/**
 * Rendering `berth identify` and the PROTOCOL column of `berth ls --identify`.
 */
import type { Identification, ProtocolId } from '../../probe/identify/index.js';
import { PROTOCOL_LABELS } from '../../probe/identify/labels.js';
import { formatHostPort } from '../../ports/parse.js';
import type { Style } from './style.js';

const LABELS = PROTOCOL_LABELS;

const RISKY: ReadonlySet<ProtocolId> = new Set(['node-inspector', 'chrome-devtools', 'jdwp']);

/** A protocol's short name, coloured: debuggers yellow, silence dim. */
export function protocolLabel(identification: Pick<Identification, 'protocol' | 'details'>, style: Style): string {
  const { protocol } = identification;
  if (protocol === 'mysql' && identification.details.flavor === 'mariadb') return 'MariaDB';
  const label = LABELS[protocol];
  if (RISKY.has(protocol)) return style.yellow(label);
  if (protocol === 'unknown' || protocol === 'no-answer') return style.dim(label);
  return label;
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}=${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
      .join(', ');
  }
  return String(value);
}

/** Renders one identification: what speaks, the summary, then the facts. */
export function renderIdentification(result: Identification, style: Style): string[] {
  const out = [`${style.bold(formatHostPort(result.address, result.port))}  ${protocolLabel(result, style)}`, `  ${result.summary}`];
  const facts = Object.entries(result.details).filter(([key]) => key !== 'tls');
  if (result.tls) facts.push(['tls', `${result.tls.version ?? '?'}, ${result.tls.subject ?? 'no certificate'}${result.tls.alpn ? `, ALPN ${result.tls.alpn}` : ''}`]);
  const width = Math.max(0, ...facts.map(([key]) => key.length));
  for (const [key, value] of facts) out.push(`  ${style.dim(key.padEnd(width))}  ${formatValue(value)}`);
  const probes = result.probes.map((p) => p.probe).join(' → ');
  out.push(style.dim(`  ${result.ms} ms${probes ? ` · probes: ${probes}` : ''}${result.hint ? ` · tried ${result.hint} first` : ''}`));
  return out;
}

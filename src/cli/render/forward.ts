/**
 * Rendering `berth forward`: the ready line, the status line, one line per
 * connection, and what a failed connection means.
 */
import type { ForwardCloseEvent, ForwardOpenEvent, ForwardStats } from '../../forward/index.js';
import { describeExposure, exposureOf } from '../../ports/address.js';
import type { ListenAddress } from '../../serve/listen.js';
import { formatSize } from '../../serve/listing.js';
import type { Style } from './style.js';

/** ANSI: cursor up one line, to its start, and clear it (redraws the status line in place). */
export const REDRAW_PREVIOUS_LINE = '\u001b[1A\r\u001b[2K';

/** What `berth forward` prints once it listens. */
export function renderForwardReady(address: ListenAddress, target: string, style: Style): string[] {
  return [
    `Forwarding ${style.bold(address.hostPort)} → ${style.bold(target)}`,
    style.dim(`  ${describeExposure(exposureOf(address.host), address.host)} · Ctrl-C to stop`),
  ];
}

/** The status line: `2 open · 17 total · ↑ 1.2 KiB ↓ 48.0 KiB`, with failures when there are any. */
export function renderForwardStatus(stats: ForwardStats, style: Style): string {
  const parts = [`${stats.open} open`, `${stats.total} total`, `↑ ${formatSize(stats.bytesUp)}`, `↓ ${formatSize(stats.bytesDown)}`];
  if (stats.failed > 0) parts.push(style.red(`${stats.failed} failed`));
  return parts.join(style.dim(' · '));
}

/** A line for an accepted connection. */
export function renderForwardOpen(event: ForwardOpenEvent, stats: ForwardStats, style: Style): string {
  return `${style.dim(`#${event.id}`)} open   ${event.from}  ${style.dim(`(${stats.open} open)`)}`;
}

/** Why a connection failed, in words, with the way out. */
export function explainForwardError(error: NonNullable<ForwardCloseEvent['error']>, target: string, targetPort: number): string {
  if (error.side === 'client') return `the client's connection failed (${error.code}: ${error.message})`;
  switch (error.code) {
    case 'ECONNREFUSED':
      return `${target} refused the connection: nothing listens there (berth who ${targetPort})`;
    case 'ETIMEDOUT':
      return `${target} did not answer in time (firewall, or a host that is down)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the target host of ${target}`;
    case 'ECONNRESET':
      return `${target} reset the connection`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to ${target}`;
    default:
      return `the target failed (${error.code}: ${error.message})`;
  }
}

/** A line for a closed connection, with its bytes and, for a failure, why. */
export function renderForwardClose(event: ForwardCloseEvent, stats: ForwardStats, target: string, targetPort: number, style: Style): string {
  const bytes = `↑ ${formatSize(event.bytesUp)} ↓ ${formatSize(event.bytesDown)}  ${event.durationMs} ms`;
  const head = `${style.dim(`#${event.id}`)} ${event.error === null ? 'closed' : style.red('failed')} ${event.from}  ${bytes}`;
  const why = event.error === null ? '' : `  ${style.red(explainForwardError(event.error, target, targetPort))}`;
  return `${head}${why}  ${style.dim(`(${stats.open} open, ${stats.total} total)`)}`;
}

/** The last line, after Ctrl-C. */
export function renderForwardStopped(stats: ForwardStats, style: Style): string {
  return style.dim(`Stopped after ${stats.total} connection${stats.total === 1 ? '' : 's'}: ↑ ${formatSize(stats.bytesUp)} ↓ ${formatSize(stats.bytesDown)}${stats.failed > 0 ? `, ${stats.failed} failed` : ''}.`);
}

/**
 * Rendering `berth serve`: the ready line with the URL, the access log, the goodbye.
 */
import { describeExposure, exposureOf } from '../../ports/address.js';
import type { AccessLogEntry, ServeAddress } from '../../serve/index.js';
import { formatSize } from '../../serve/listing.js';
import { tildify } from './sockets.js';
import type { Style } from './style.js';

/** What `berth serve` prints once it listens: the URL first, on its own, for copying. */
export function renderServeReady(address: ServeAddress, root: string, options: { spa: boolean; listing: boolean; cors: boolean }, style: Style): string[] {
  const notes = [describeExposure(exposureOf(address.host), address.host)];
  if (options.spa) notes.push('SPA fallback to /index.html');
  if (!options.listing) notes.push('no folder listings');
  if (options.cors) notes.push('CORS: *');
  notes.push('Ctrl-C to stop');
  return [`Serving ${style.bold(tildify(root))} at ${style.cyan(address.url)}`, style.dim(`  ${notes.join(' · ')}`)];
}

function colorStatus(status: number, style: Style): string {
  const text = String(status);
  if (status >= 500) return style.red(text);
  if (status >= 400) return style.yellow(text);
  if (status >= 300) return style.cyan(text);
  return style.green(text);
}

/** One access log line: `14:03:07 GET /app.js 200 12.3 KiB 2 ms`. */
export function renderAccessLog(entry: AccessLogEntry, style: Style): string {
  const time = new Date(entry.time).toTimeString().slice(0, 8);
  const size = entry.bytes > 0 ? ` ${formatSize(entry.bytes)}` : '';
  const ms = entry.durationMs < 10 ? entry.durationMs.toFixed(1) : Math.round(entry.durationMs).toString();
  const aborted = entry.aborted ? style.yellow(' (client went away)') : '';
  const error = entry.error === undefined ? '' : style.red(` ${entry.error instanceof Error ? entry.error.message : String(entry.error)}`);
  return `${style.dim(time)} ${entry.method} ${entry.url} ${colorStatus(entry.status, style)}${size} ${style.dim(`${ms} ms`)}${aborted}${error}`;
}

/** The access log entry as one JSON line (see docs/json.md). */
export function accessLogJson(entry: AccessLogEntry): string {
  return JSON.stringify({
    event: 'request',
    time: entry.time,
    method: entry.method,
    url: entry.url,
    status: entry.status,
    bytes: entry.bytes,
    durationMs: Math.round(entry.durationMs * 1000) / 1000,
    remoteAddress: entry.remoteAddress,
    aborted: entry.aborted,
    ...(entry.error === undefined ? {} : { error: entry.error instanceof Error ? entry.error.message : String(entry.error) }),
  });
}

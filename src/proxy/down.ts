/**
 * Why an app behind the proxy did not answer: the route's owner and app
 * process, who (if anyone) listens on the port, `berth doctor`'s findings
 * when the doctor is available, and the last lines of the app's output.
 * Never throws: a failure to explain is itself reported on the page.
 */
import { open } from 'node:fs/promises';
import { errnoCode } from '../errors.js';
import { whoIs } from '../inventory/index.js';
import { formatHostPort } from '../ports/parse.js';
import { isSameProcessAlive } from '../processes/index.js';
import type { RouteRecord } from '../state/routes.js';
import { renderDownPage, type DownExplanation } from './pages.js';

/** Lines of the app's output shown on the 502 page. */
export const LOG_TAIL_LINES = 20;

/** Bytes read from the end of the log to find those lines. */
const LOG_TAIL_BYTES = 16 * 1024;

/** How long the 502 page waits for the doctor, in milliseconds. */
export const DOCTOR_TIMEOUT_MS = 2500;

// CSI and OSC escape sequences: dev servers colour their output.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

/** The last `lines` lines of a text file, colour codes removed; null when it cannot be read. */
export async function readLogTail(path: string, lines = LOG_TAIL_LINES): Promise<string[] | null> {
  let handle;
  try {
    handle = await open(path, 'r');
    const { size } = await handle.stat();
    const length = Math.min(size, LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    let text = buffer.toString('utf8').replace(ANSI, '').replace(/\r\n?/g, '\n');
    if (length < size) text = text.slice(text.indexOf('\n') + 1); // drop the partial first line
    const all = text.split('\n');
    if (all[all.length - 1] === '') all.pop();
    return all.slice(-lines);
  } catch {
    return null;
  } finally {
    await handle?.close();
  }
}

/** The doctor's findings on the app's address (warnings and errors), bounded by {@link DOCTOR_TIMEOUT_MS}; [] when it cannot run. */
async function doctorFindings(target: string, cwd: string | null): Promise<DownExplanation['findings']> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    // Loaded on demand: the 502 page is rare, and the proxy must serve even if the doctor fails to load.
    const { diagnose } = await import('../doctor/index.js');
    const report = await Promise.race([
      diagnose(target, { timeoutMs: DOCTOR_TIMEOUT_MS / 2, signal: abort.signal, ...(cwd !== null ? { cwd } : {}) }),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), DOCTOR_TIMEOUT_MS);
        timer.unref();
      }),
    ]);
    if (report === null) return [];
    return report.findings
      .filter((f) => f.severity !== 'info')
      .map((f) => ({
        title: f.title,
        message: f.message,
        fix: [f.fix.text, f.fix.command].filter((s): s is string => s !== undefined && s !== '').join(' ') || null,
      }));
  } catch {
    return [];
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

function describeFailure(error: unknown): string {
  const code = errnoCode(error);
  if (code === 'ECONNREFUSED') return 'The connection was refused.';
  if (code === 'ECONNRESET' || (error instanceof Error && error.message === 'socket hang up')) {
    return 'The app closed the connection without answering (it may have crashed on this request).';
  }
  if (code === 'ETIMEDOUT') return 'The connection timed out.';
  if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') return 'The address is not available on this machine.';
  return `The connection failed: ${error instanceof Error ? error.message : String(error)}.`;
}

/**
 * Explains why `route`'s app did not answer `error`. Reads processes,
 * sockets, the doctor (bounded by {@link DOCTOR_TIMEOUT_MS}) and the log tail.
 */
export async function explainDown(route: RouteRecord, error: unknown): Promise<DownExplanation> {
  const target = formatHostPort(route.host, route.port);
  const reasons: string[] = [];
  let headline = describeFailure(error);
  if (route.kind === 'run' && route.owner !== null && !safeAlive(route.owner)) {
    reasons.push(`berth run (pid ${route.owner.pid}) has exited, so this route is stale.`);
  }
  if (route.app !== null && !safeAlive(route.app)) {
    headline = `The app's process (pid ${route.app.pid}) exited.`;
  }
  const [who, findings, logTail] = await Promise.all([
    whoIs(`${target}`).catch(() => null),
    doctorFindings(target, route.cwd),
    route.logPath === null ? Promise.resolve(null) : readLogTail(route.logPath),
  ]);
  if (who !== null) {
    if (who.listeners.length === 0) {
      const nothing = `Nothing listens on ${target}.`;
      if (headline.startsWith('The connection was refused')) headline = nothing;
      else reasons.push(nothing);
      for (const socket of who.elsewhere) {
        const by = socket.holders.map((p) => `pid ${p.pid} (${p.name})`).join(', ') || 'a process berth cannot see';
        reasons.push(`${formatHostPort(socket.localAddress, socket.localPort)} is held by ${by}, which does not accept connections to ${route.host}.`);
      }
    } else {
      const by = who.holders.map((h) => `pid ${h.process.pid} (${h.process.name})`).join(', ') || 'a process berth cannot see';
      reasons.push(`${target} is held by ${by}.`);
    }
  }
  if (route.kind === 'alias') reasons.push(`This is an alias: berth did not start the app; start whatever should listen on ${target}.`);
  if (reasons[0] === headline) reasons.shift();
  return { headline, reasons, findings, logTail, logPath: route.logPath };
}

function safeAlive(proc: { pid: number; startMarker: string | null }): boolean {
  try {
    return isSameProcessAlive(proc);
  } catch {
    return true;
  }
}

/** The 502 page for `route` (see {@link explainDown}); never rejects: a failure to explain still gives a page. */
export async function renderDownHtml(route: RouteRecord, error: unknown): Promise<string> {
  try {
    return renderDownPage(route, await explainDown(route, error));
  } catch {
    return renderDownPage(route, { headline: `${formatHostPort(route.host, route.port)} did not answer.`, reasons: [], findings: [], logTail: null, logPath: null });
  }
}

/**
 * Helpers for the dashboard tests: a dashboard with its own state folder, a
 * child whose command line is hostile, raw requests with chosen headers,
 * and a small server-sent-events reader. Everything started here is closed
 * when the test file ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { closeStates } from '../../src/state/db.js';
import { createUiServer, type UiServer, type UiServerOptions } from '../../src/ui/index.js';
import { startReadyProcess, type Listener } from '../helpers/children.js';

/** The hostile argument every hostile child carries. */
export const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>';

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  closeStates();
});

/** A fresh state folder, removed when the file's tests end. */
export function tempHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'berth-ui-'));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  return home;
}

/** A dashboard on an OS-picked port of 127.0.0.1 with its own state folder; closed at the end. */
export async function startUi(options: UiServerOptions = {}): Promise<UiServer> {
  const ui = await createUiServer({ port: 0, home: tempHome(), intervalMs: 200, ...options });
  cleanups.push(() => ui.close());
  return ui;
}

/**
 * A child that answers HTTP on a port of 127.0.0.1, with extra argv elements
 * after `node -e CODE` (a marker to filter on, a hostile string).
 */
export function startHttpChild(...extraArgs: string[]): Promise<Listener> {
  const code = [
    "const s = require('node:http').createServer((q, r) => r.end('hello'));",
    "s.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: s.address().port, pid: process.pid, childPid: null })));",
  ].join(' ');
  return startReadyProcess(process.execPath, ['-e', code, ...extraArgs]);
}

/** A child that answers HTTP and whose command line carries {@link HOSTILE}. */
export function startHostileServer(marker = 'berth-ui-test'): Promise<Listener> {
  return startHttpChild(marker, HOSTILE);
}

/** An answer with its body as text. */
export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Sends one request to 127.0.0.1:`port` with exactly the given headers (Host included). */
export function send(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false, setHost: !('Host' in headers) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Polls `check` until it returns a value other than undefined (no timing assertion: a bound only). */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One server-sent event. */
export interface SseEvent {
  event: string;
  data: unknown;
}

/** A reader of /api/events: every event so far, and a wait for one that matches. */
export interface SseReader {
  events: SseEvent[];
  waitFor(match: (event: SseEvent) => boolean, what: string): Promise<SseEvent>;
  close(): void;
}

/** Opens /api/events on a dashboard. */
export function openEvents(port: number): Promise<SseReader> {
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    const req = request({ host: '127.0.0.1', port, path: '/api/events', agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`GET /api/events: ${res.statusCode}`));
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
        }
      });
      res.on('error', () => undefined);
      resolve({
        events,
        waitFor: (match, what) => eventually(() => events.find(match), what),
        close: () => req.destroy(),
      });
    });
    req.on('error', (error) => reject(error));
    req.end();
    cleanups.push(() => void req.destroy());
  });
}

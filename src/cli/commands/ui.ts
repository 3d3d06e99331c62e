/**
 * `berth ui`: the local web dashboard.
 */
import { spawn } from 'node:child_process';
import { WATCH_INTERVAL_MS } from '../../watch/events.js';
import { createUiServer } from '../../ui/index.js';
import { BerthError } from '../../errors.js';
import { parseCommandArgs } from '../args.js';
import { explainPortInUse, parseListenPort, waitForStopSignal } from '../long-running.js';
import type { Io } from '../render/io.js';
import { describeRecording, renderUiReady } from '../render/ui.js';

export const help = `berth ui — the ports of this machine in a web page, live

Usage: berth ui [options]

A local dashboard: every listening socket with its owner, exposure and
identified protocol, updated live; filter and sort; links to HTTP services
and their NAME.localhost routes; per port the holders, the history timeline,
berth doctor's findings and a Stop button (asks first; same guards as
berth kill). Routes and leases have their own tabs.

It listens on 127.0.0.1 only and prints its URL. It answers only to
127.0.0.1, localhost and [::1] (a page on another domain cannot reach it,
even through DNS rebinding); Stop needs the page's per-run token and its
origin. While it runs, port history is recorded (see berth history), unless
another berth (berth daemon, berth watch --record) records already.

Options:
  -p, --port N     port to listen on (default: a free port in 8000–8999; 0: any)
  --open           open the dashboard in the browser
  --no-record      do not record history while it runs
  --json           print events as JSON lines (see docs/json.md)
  -h, --help       show this help

Exit status: 0 when stopped with Ctrl-C or SIGTERM, 1 when it cannot listen
(the port is held: berth names who holds it), 2 on a bad command line.

Examples:
  berth ui --open
  berth ui --port 8111`;

/** The command that opens a URL in the user's browser, per platform. */
function openerFor(platform: NodeJS.Platform, url: string): [string, string[]] {
  if (platform === 'darwin') return ['open', [url]];
  if (platform === 'win32') return ['cmd', ['/c', 'start', '""', url]];
  return ['xdg-open', [url]];
}

/** How long to wait for the opener's verdict; one still running by then has handed over to a browser. */
const OPEN_WAIT_MS = 5000;

/** Opens `url` in the browser; resolves with an error message when that failed. */
function openBrowser(url: string): Promise<string | null> {
  const [command, args] = openerFor(process.platform, url);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), OPEN_WAIT_MS);
    timer.unref();
    const done = (message: string | null): void => {
      clearTimeout(timer);
      resolve(message);
    };
    try {
      const child = spawn(command, args, { stdio: 'ignore', detached: true });
      child.unref();
      child.once('error', (error) => done(`${command}: ${error.message}`));
      // xdg-open exits non-zero when it finds no browser to hand the URL to.
      child.once('exit', (code) => done(code === 0 ? null : `${command} exited with ${code}`));
    } catch (error) {
      done(error instanceof Error ? error.message : String(error));
    }
  });
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('ui', args, {
    port: { type: 'string', short: 'p' },
    open: { type: 'boolean' },
    'no-record': { type: 'boolean' },
  });
  if (values.help) {
    io.out(help);
    return 0;
  }
  if (positionals.length > 0) {
    throw new BerthError('E_USAGE', `berth ui takes no arguments; got ${positionals.join(' ')}.`, { hint: 'To choose its port: berth ui --port 8111' });
  }
  const port = values.port === undefined ? undefined : parseListenPort(values.port);
  const record = values['no-record'] !== true;
  const json = values.json === true;

  let ui;
  try {
    ui = await createUiServer({ ...(port === undefined ? {} : { port }), record, intervalMs: WATCH_INTERVAL_MS });
  } catch (error) {
    throw await explainPortInUse(error, 'leave out --port and berth ui picks a free one');
  }
  // Listen for Ctrl-C / SIGTERM before the URL is out: whoever reads it may stop us at once.
  const stopped = waitForStopSignal();
  const recording = describeRecording(ui.status(), record);
  if (json) io.out(JSON.stringify({ event: 'listening', url: ui.url, host: ui.host, port: ui.port, token: ui.token, recording: ui.status().recording }));
  else io.out(renderUiReady(ui.url, recording, io.style));

  if (values.open) {
    const failed = await openBrowser(ui.url);
    if (failed !== null) io.err(io.errStyle.yellow(`warning: could not open a browser (${failed}); open ${ui.url} yourself.`));
  }

  const signal = await stopped;
  await ui.close();
  if (json) io.out(JSON.stringify({ event: 'stopped', signal }));
  else if (io.stdoutIsTTY) io.out(io.style.dim('Stopped.'));
  return 0;
}

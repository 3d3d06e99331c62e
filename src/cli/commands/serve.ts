/**
 * `berth serve [dir]`: a static file server for a folder, on loopback.
 */
import { createStaticServer, exposureWarning, FREE_PORT_RANGE, type AccessLogEntry } from '../../serve/index.js';
import { expectPositionals, parseCommandArgs } from '../args.js';
import { explainPortInUse, parseListenHost, parseListenPort, waitForStopSignal } from '../long-running.js';
import type { Io } from '../render/io.js';
import { accessLogJson, renderAccessLog, renderServeReady } from '../render/serve.js';

export const help = `berth serve — serve a folder over HTTP (python -m http.server, done right)

Usage: berth serve [DIR] [options]

Serves DIR (default: the current folder) with the right content types,
ETag / Last-Modified and 304s, byte ranges (video seeking, resumed
downloads), HEAD, folder listings and index.html. Nothing outside DIR is
ever served: encoded "..", backslashes and symlinks pointing outside are
refused (400 / 403); symlinks that stay inside are followed. Hidden files
and folders (.env, .git/) are not served or listed unless --dotfiles is given.

Listens on 127.0.0.1 (this machine only) unless --host says otherwise, and
warns when that makes it reachable from the network. Without --port it takes
a free port in ${FREE_PORT_RANGE.from}–${FREE_PORT_RANGE.to}, outside the OS ephemeral range. Prints the URL, then
one line per request when run on a terminal (or with --log). Ctrl-C stops it.

Options:
  -p, --port N       port to listen on (0: any port the OS picks)
  -H, --host ADDR    address to listen on (default 127.0.0.1; 0.0.0.0 or :: = the network)
  --spa              single-page app: a missing path without an extension,
                     asked for by a browser, gets /index.html
  --no-listing       folders without index.html are 404 instead of listed
  --cors             send Access-Control-Allow-Origin: *
  --dotfiles         also serve hidden files and folders (.env, .git/)
  --log              print one line per request even when not on a terminal
  --json             print events as JSON lines (see docs/json.md)
  -h, --help         show this help

Exit status: 0 when stopped with Ctrl-C or SIGTERM, 1 when it cannot listen
(the port is held: berth names who holds it), 2 on a bad command line or folder.

Examples:
  berth serve                    the current folder on a free port
  berth serve dist --spa -p 5000
  berth serve . --host 0.0.0.0   share with the local network (warns)`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('serve', args, {
    port: { type: 'string', short: 'p' },
    host: { type: 'string', short: 'H' },
    spa: { type: 'boolean' },
    'no-listing': { type: 'boolean' },
    cors: { type: 'boolean' },
    dotfiles: { type: 'boolean' },
    log: { type: 'boolean' },
  });
  if (values.help) {
    io.out(help);
    return 0;
  }
  expectPositionals('serve', positionals, 0, 1, 'folder to serve');
  const port = values.port === undefined ? undefined : parseListenPort(values.port);
  const host = values.host === undefined ? undefined : parseListenHost(values.host);
  const json = values.json === true;
  const log = values.log === true || (io.stdoutIsTTY && !json);
  const options = { spa: values.spa === true, listing: values['no-listing'] !== true, cors: values.cors === true, dotfiles: values.dotfiles === true };

  const onRequest = log
    ? (entry: AccessLogEntry): void => io.out(json ? accessLogJson(entry) : renderAccessLog(entry, io.style))
    : undefined;
  const server = createStaticServer({ root: positionals[0] ?? '.', ...options, ...(onRequest ? { onRequest } : {}) });

  const warning = host === undefined ? null : exposureWarning(host);
  if (warning !== null) io.err(io.errStyle.yellow(`warning: ${warning}`));

  let address;
  try {
    address = await server.listen({ ...(host === undefined ? {} : { host }), ...(port === undefined ? {} : { port }) });
  } catch (error) {
    throw await explainPortInUse(error, 'leave out --port and berth serve picks a free one');
  }
  // Listen for Ctrl-C/SIGTERM before printing the URL: whoever reads it may stop us at once.
  const stopped = waitForStopSignal();
  if (json) io.out(JSON.stringify({ event: 'listening', url: address.url, host: address.host, port: address.port, root: server.root, ...options }));
  else io.out(renderServeReady(address, server.root, options, io.style));

  const signal = await stopped;
  await server.close();
  if (json) io.out(JSON.stringify({ event: 'stopped', signal }));
  else if (io.stdoutIsTTY) io.out(io.style.dim('Stopped.'));
  return 0;
}

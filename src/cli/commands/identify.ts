/**
 * `berth identify <target>`: what speaks on a port, by safe read-only probes.
 */
import { BerthError } from '../../errors.js';
import { parseDuration } from '../../duration.js';
import { identifyPort, PROTOCOL_IDS, type ProtocolId } from '../../probe/identify/index.js';
import { expectPositionals, parseCommandArgs } from '../args.js';
import type { Io } from '../render/io.js';
import { toJson } from '../render/io.js';
import { renderIdentification } from '../render/identify.js';

export const help = `berth identify — what speaks on a port

Usage: berth identify TARGET [options]

TARGET is a port or an address: 3000, 127.0.0.1:3000, [::1]:3000,
localhost:3000, or a URL (http://localhost:3000/, postgres://localhost:5432/app).
A bare port is tried on 127.0.0.1, then ::1.

Tells HTTP (status line, Server header), HTTPS and other TLS (version,
certificate subject, ALPN), HTTP/2 without TLS (h2c), SSH, PostgreSQL,
MySQL/MariaDB, Redis, MongoDB, the Node inspector, Chrome DevTools, JDWP
and SMTP apart. Banners that the server sends first are read before
anything is sent; every probe is read-only and bounded by a timeout.
The URL scheme or the port's usual service is tried first.

Options:
  --timeout DURATION  give up after this long (default 3s): 500ms, 5s
  --hint PROTOCOL     try this protocol first: ${PROTOCOL_IDS.filter((p) => p !== 'unknown' && p !== 'no-answer').join(', ')}
  --json              print a JSON object (see docs/json.md)
  -h, --help          show this help

Exit status: 0 when something answered (even in a protocol berth does not
know), 1 when nothing accepts connections there, 2 on a bad command line.

Examples:
  berth identify 5432
  berth identify http://localhost:9229/     a debugger, not a web page
  berth ls --identify                       every listener, with its protocol`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('identify', args, {
    timeout: { type: 'string' },
    hint: { type: 'string' },
  });
  if (values.help) {
    io.out(help);
    return 0;
  }
  expectPositionals('identify', positionals, 1, 1, 'a port or address (such as 5432 or localhost:3000)');
  const timeoutMs = values.timeout === undefined ? undefined : parseDuration(values.timeout);
  if (timeoutMs === 0) {
    throw new BerthError('E_USAGE', '--timeout must be above zero.', { hint: 'Example: --timeout 5s' });
  }
  let hint: ProtocolId | undefined;
  if (values.hint !== undefined) {
    if (!PROTOCOL_IDS.includes(values.hint as ProtocolId)) {
      throw new BerthError('E_USAGE', `--hint takes a protocol berth knows, not "${values.hint}".`, {
        hint: `One of: ${PROTOCOL_IDS.filter((p) => p !== 'unknown' && p !== 'no-answer').join(', ')}`,
      });
    }
    hint = values.hint as ProtocolId;
  }
  const result = await identifyPort(positionals[0]!, { ...(timeoutMs === undefined ? {} : { timeoutMs }), ...(hint ? { hint } : {}) });
  io.out(values.json ? toJson(result) : renderIdentification(result, io.style));
  return result.protocol === 'no-answer' ? 1 : 0;
}

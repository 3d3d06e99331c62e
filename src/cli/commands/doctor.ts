/**
 * `berth doctor <target>`: why a port does not answer, and the exact fix.
 */
import { DOCTOR_TIMEOUT_MS, diagnose } from '../../doctor/index.js';
import { BerthError } from '../../errors.js';
import { formatDuration, parseDuration } from '../../duration.js';
import { expectPositionals, parseCommandArgs } from '../args.js';
import type { Io } from '../render/io.js';
import { toJson } from '../render/io.js';
import { renderDoctor } from '../render/doctor.js';

export const help = `berth doctor — why a port does not answer, and what to do about it

Usage: berth doctor TARGET [options]

TARGET is a port (3000 means localhost:3000), host:port (127.0.0.1:3000,
[::1]:3000, localhost:3000) or a URL: http, https, ws, wss, postgres://,
redis://, mysql://, mongodb://.

Doctor connects the way a program would (localhost resolved to every
address Node tries, in that order), looks at who holds the port, the state of
that process, the loopback interface, firewall rules (as root), proxy
variables and kernel settings, then says what is wrong, what it rests on, and
the command or code change that fixes it. It tells apart, among others:

  nothing listening (with "did you mean" a nearby port)   NOTHING_LISTENING
  ::1 versus 127.0.0.1, localhost's first address         WRONG_FAMILY, LOCALHOST_RESOLVES_FIRST_TO_UNUSED_FAMILY
  a listener on another address only                      SPECIFIC_ADDRESS_ONLY
  exposed on 0.0.0.0 / :: where loopback was meant        EXPOSED_WILDCARD
  hangs: firewall, full accept queue, stopped process     FIREWALL_DROP, ACCEPT_QUEUE_FULL, PROCESS_STOPPED
  loopback down, another protocol on the port             LOOPBACK_DOWN, PROTOCOL_MISMATCH
  proxy variables, browser-unsafe / ephemeral ports       PROXY_WITHOUT_NO_PROXY, BROWSER_UNSAFE_PORT, EPHEMERAL_PORT
  containers and other network namespaces                 OTHER_NAMESPACE

Options:
  -t, --timeout DUR  bound on each connect (default ${formatDuration(DOCTOR_TIMEOUT_MS)}; 500ms, 2s; a bare number is seconds)
  --json             print the report as JSON (see docs/json.md)
  -h, --help         show this help

Exit status: 0 when the target answers and nothing is wrong (warnings allowed),
1 when something is, 2 on a bad command line.

Examples:
  berth doctor 3000
  berth doctor http://localhost:5173/
  berth doctor postgres://localhost:5432/app
  sudo berth doctor 8080          also reads the firewall rules`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('doctor', args, {
    timeout: { type: 'string', short: 't' },
  });
  if (values.help) {
    io.out(help);
    return 0;
  }
  expectPositionals('doctor', positionals, 1, 1, 'a port, host:port or URL (such as 3000 or http://localhost:3000/)');
  const timeoutMs = values.timeout === undefined ? DOCTOR_TIMEOUT_MS : parseDuration(values.timeout);
  if (timeoutMs <= 0) {
    throw new BerthError('E_DURATION_INVALID', '--timeout must be above zero.', { hint: 'Example: --timeout 2s', data: { input: values.timeout } });
  }
  const report = await diagnose(positionals[0]!, { timeoutMs });
  io.out(values.json ? toJson(report) : renderDoctor(report, io.style));
  return report.healthy ? 0 : 1;
}

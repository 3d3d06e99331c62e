/**
 * `berth explain <port>`: what a port number means on this machine.
 */
import { explainPort } from '../../explain/index.js';
import { expectPositionals, parseCommandArgs } from '../args.js';
import { renderExplain } from '../render/explain.js';
import type { Io } from '../render/io.js';
import { toJson } from '../render/io.js';

export const help = `berth explain — what a port number means on this machine

Usage: berth explain PORT [--json]

Shows the port's IANA range (well-known, registered, dynamic) and service
names, whether it lies in this machine's ephemeral range (the OS may hand it
to outgoing connections), whether binding it needs privileges here, whether
browsers refuse it (ERR_UNSAFE_PORT), and who holds it now.

Options:
  --json      print a JSON object (see docs/json.md)
  -h, --help  show this help

Exit status: 0, or 2 for a bad port.

Examples:
  berth explain 6000      why Chrome refuses http://localhost:6000
  berth explain 5432`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('explain', args, {});
  if (values.help) {
    io.out(help);
    return 0;
  }
  expectPositionals('explain', positionals, 1, 1, 'a port (such as 5432)');
  const explanation = await explainPort(positionals[0]!);
  io.out(values.json ? toJson(explanation) : renderExplain(explanation, io.style));
  return 0;
}

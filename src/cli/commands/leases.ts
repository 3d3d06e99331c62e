/**
 * `berth leases`: the ports berth has leased or reserved.
 */
import { listLeases } from '../../alloc/lease.js';
import { expectPositionals, parseCommandArgs } from '../args.js';
import type { Io } from '../render/io.js';
import { toJson } from '../render/io.js';
import { renderLeases } from '../render/leases.js';

export const help = `berth leases — the ports berth has leased or reserved

Usage: berth leases [options]

Lists named leases (berth get --lease NAME, leasePort()) and the short
reservations of berth get / getPort(), with the project each name belongs to
and what ends it. Leases whose owner exited or whose time ran out are
reclaimed as they are listed.

Options:
  -q, --quiet   print bare ports, one per line
  --json        print a JSON array (see docs/json.md)
  -h, --help    show this help`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('leases', args, { quiet: { type: 'boolean', short: 'q' } });
  if (values.help) {
    io.out(help);
    return 0;
  }
  expectPositionals('leases', positionals, 0, 0, 'no arguments');
  const leases = listLeases();
  if (values.json) io.out(toJson(leases));
  else if (values.quiet) io.out(leases.map((l) => String(l.port)));
  else io.out(renderLeases(leases, io.style));
  return 0;
}

/**
 * `berth release`: end leases by name or port.
 */
import { releaseLeases } from '../../alloc/lease.js';
import { BerthError } from '../../errors.js';
import { parsePort } from '../../ports/parse.js';
import type { LeaseRecord } from '../../state/leases.js';
import { expectPositionals, parseCommandArgs } from '../args.js';
import type { Io } from '../render/io.js';
import { toJson } from '../render/io.js';
import { renderError } from '../render/error.js';
import { renderReleased } from '../render/leases.js';

export const help = `berth release — end port leases

Usage: berth release NAME|PORT... [options]

A NAME ends the lease of that name in this project and git worktree (with
--all-projects: in every project); a PORT ends whatever lease or reservation
holds that port. The name keeps its port as a preference: leasing it again
gets the same port back while it is free.

Options:
  --all-projects   release the NAME in every project, not only this one
  --json           print a JSON array of what was released
  -h, --help       show this help

Exit status: 0 when something was released, 1 when nothing matched, 2 on a bad command line.`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('release', args, { 'all-projects': { type: 'boolean' } });
  if (values.help) {
    io.out(help);
    return 0;
  }
  expectPositionals('release', positionals, 1, Number.POSITIVE_INFINITY, 'a lease name or port (such as web or 4123)');
  const released: LeaseRecord[] = [];
  const missing: string[] = [];
  for (const item of positionals) {
    const rows = /^\d+$/.test(item)
      ? releaseLeases({ port: parsePort(item) })
      : releaseLeases({ name: item, ...(values['all-projects'] ? { project: '*' } : {}) });
    if (rows.length === 0) missing.push(item);
    released.push(...rows);
  }
  if (values.json) io.out(toJson(released));
  else if (released.length > 0) io.out(renderReleased(released, io.style));
  if (missing.length > 0 && !values.json) {
    const error = new BerthError('E_NO_LEASE', `No lease matches ${missing.map((m) => `"${m}"`).join(', ')}.`, { hint: 'See the current ones: berth leases' });
    io.err(renderError(error, io.errStyle));
  }
  return missing.length === 0 ? 0 : 1;
}

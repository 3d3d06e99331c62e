/**
 * `berth get`: print free ports that no other berth caller gets, optionally as a named lease.
 */
import { formatDuration, parseDuration } from '../../duration.js';
import { BerthError } from '../../errors.js';
import { pickPorts, RESERVATION_MS } from '../../alloc/get-port.js';
import { ownerOf } from '../../alloc/claims.js';
import { leasePort } from '../../alloc/lease.js';
import { parsePort, parsePortRange } from '../../ports/parse.js';
import { parseCommandArgs } from '../args.js';
import type { Io } from '../render/io.js';
import { toJson } from '../render/io.js';
import { renderPassedOver } from '../render/leases.js';

/** How long a lease made from the command line lasts without --owner, by default. */
export const CLI_LEASE_TTL_MS = 24 * 60 * 60 * 1000;

export const help = `berth get — print a free port that nobody else will get

Usage: berth get [PORT...] [options]

Prints a port that is free on 127.0.0.1, ::1, 0.0.0.0 and :: (and --host),
absent from the socket inventory, and not leased to anyone. PORTs given are
tried first, in order. berth never hands out a port in the OS ephemeral range,
below the unprivileged floor, or on the browsers' unsafe list, and starts
from a random point so that parallel callers do not collide. The port is
reserved for ${formatDuration(RESERVATION_MS)} (--reserve) so that no other berth caller gets it
before your server binds it.

With --lease NAME the port is leased under that name for this project and git
worktree: asking again returns the same port, and a new lease gets the port
the name had before when it is free. A lease lasts ${formatDuration(CLI_LEASE_TTL_MS)} (--ttl), or as long as
the process given with --owner runs. See: berth leases, berth release.

Options:
  -r, --range FROM-TO   search only this range (such as 4000-4999)
  -x, --exclude LIST    never return these ports (3000,3001,8000-8100)
  --host ADDR           the address your server will bind (127.0.0.1, ::1, 0.0.0.0, a LAN address)
  -u, --udp             a UDP port instead of TCP
  -n, --count N         print N distinct ports, one per line
  -l, --lease NAME      lease the port under NAME (stable per project and worktree)
  --ttl DUR             how long the lease lasts (default ${formatDuration(CLI_LEASE_TTL_MS)}; 30m, 8h; a bare number is seconds)
  --owner PID           end the lease when this process exits (such as --owner $$)
  --reserve DUR         how long a plain port stays reserved (default ${formatDuration(RESERVATION_MS)})
  --json                print a JSON object (see docs/json.md)
  -h, --help            show this help

Exit status: 0 with a port printed, 1 when no port is free, 2 on a bad command line.

Examples:
  PORT=$(berth get) npm run dev
  berth get 3000 3001             3000 if free, else 3001, else any
  berth get --range 4000-4999 -n 3
  PORT=$(berth get --lease web) npm run dev      same port every time in this worktree`;

function parseExclude(text: string): number[] {
  const ports: number[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    if (part.includes('-')) {
      const range = parsePortRange(part);
      for (let p = range.from; p <= range.to; p++) ports.push(p);
    } else ports.push(parsePort(part));
  }
  return ports;
}

function parseCount(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 1000) {
    throw new BerthError('E_USAGE', `--count must be a whole number from 1 to 1000, got "${text}".`, { hint: 'berth get --count 3' });
  }
  return n;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('get', args, {
    range: { type: 'string', short: 'r' },
    exclude: { type: 'string', short: 'x', multiple: true },
    host: { type: 'string' },
    udp: { type: 'boolean', short: 'u' },
    count: { type: 'string', short: 'n' },
    lease: { type: 'string', short: 'l' },
    ttl: { type: 'string' },
    owner: { type: 'string' },
    reserve: { type: 'string' },
  });
  if (values.help) {
    io.out(help);
    return 0;
  }
  const search = {
    port: positionals.map((p) => parsePort(p)),
    ...(values.range !== undefined ? { range: parsePortRange(values.range) } : {}),
    exclude: (values.exclude ?? []).flatMap(parseExclude),
    ...(values.host !== undefined ? { host: values.host } : {}),
    protocol: values.udp ? ('udp' as const) : ('tcp' as const),
  };
  let owner = null;
  if (values.owner !== undefined) {
    const pid = Number(values.owner);
    if (!/^\d+$/.test(values.owner) || pid < 1) throw new BerthError('E_USAGE', `--owner must be a process id, got "${values.owner}".`, { hint: 'berth get --lease web --owner $$' });
    owner = ownerOf(pid);
    if (owner === null) throw new BerthError('E_USAGE', `--owner ${pid}: no such process is running.`, { hint: 'Give the pid of a running process, such as your shell: --owner $$' });
  }

  if (values.lease !== undefined) {
    if (values.count !== undefined) throw new BerthError('E_USAGE', '--lease gives one port per name; --count cannot go with it.', { hint: 'berth get --lease web; berth get --lease api' });
    const ttlMs = values.ttl !== undefined ? parseDuration(values.ttl) : owner === null ? CLI_LEASE_TTL_MS : null;
    const lease = await leasePort({ ...search, name: values.lease, owner, ttlMs });
    if (values.json) io.out(toJson({ ports: [lease.port], lease: { ...lease } }));
    else io.out(String(lease.port));
    return 0;
  }
  if (values.ttl !== undefined) throw new BerthError('E_USAGE', '--ttl applies to leases only.', { hint: 'berth get --lease web --ttl 8h, or --reserve 2m for a plain port' });
  const count = values.count === undefined ? 1 : parseCount(values.count);
  const reserveMs = values.reserve === undefined ? RESERVATION_MS : parseDuration(values.reserve);
  const picks = await pickPorts(count, { ...search, owner, reserveMs });
  const passedOver = picks.flatMap((p) => p.passedOver);
  if (values.json) {
    io.out(toJson({ ports: picks.map((p) => p.port), passedOver, reservedForMs: reserveMs }));
    return 0;
  }
  if (passedOver.length > 0) io.err(renderPassedOver(passedOver, io.errStyle));
  io.out(picks.map((p) => String(p.port)));
  return 0;
}

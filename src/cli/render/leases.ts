/**
 * Text for `berth get` notes, `berth leases` and `berth release`.
 */
import type { LeaseStatus } from '../../alloc/lease.js';
import type { PassedOver } from '../../alloc/search.js';
import { formatDuration } from '../../duration.js';
import type { LeaseRecord } from '../../state/leases.js';
import { tildify } from './sockets.js';
import type { Style } from './style.js';
import { formatTable } from './table.js';

const PASSED_OVER_WORDS: Record<PassedOver['reason'], string> = {
  ephemeral: 'is in the OS ephemeral range (outgoing connections may take it at any moment)',
  privileged: 'is below the unprivileged floor (binding it needs root)',
  'browser-unsafe': "is on the browsers' unsafe list (Chrome and Firefox refuse it)",
  excluded: 'is excluded',
  claimed: 'is leased or reserved by another berth caller',
  'in-use': 'is in use',
  permission: 'cannot be bound here (permission denied)',
  'address-unavailable': 'cannot be bound on that address',
  'family-unsupported': 'cannot be bound: the address family is not available',
};

/** One stderr line per preferred port that was passed over. */
export function renderPassedOver(passedOver: readonly PassedOver[], style: Style): string[] {
  return passedOver.map((p) => style.dim(`berth: ${p.port} ${PASSED_OVER_WORDS[p.reason]}; using another port.`));
}

function ends(lease: LeaseRecord, now: number): string {
  const parts: string[] = [];
  if (lease.owner) parts.push(`when pid ${lease.owner.pid}${lease.owner.name ? ` (${lease.owner.name})` : ''} exits`);
  if (lease.expiresAt !== null) parts.push(`in ${formatDuration(Math.max(0, lease.expiresAt - now))}`);
  return parts.join(' or ');
}

/** The `berth leases` table. */
export function renderLeases(leases: readonly LeaseStatus[], style: Style, now = Date.now()): string[] {
  if (leases.length === 0) return [style.dim('No leases or reservations. Make one: berth get --lease web')];
  const rows = leases.map((l) => [
    String(l.port),
    l.protocol,
    l.kind === 'lease' ? style.bold(l.name ?? '') : style.dim('(reserved)'),
    l.project ? tildify(l.project) : '',
    ends(l, now),
  ]);
  return formatTable(
    [{ title: 'PORT', align: 'right' }, { title: 'PROTO' }, { title: 'NAME' }, { title: 'PROJECT' }, { title: 'ENDS' }],
    rows,
    style.bold,
  );
}

/** What `berth release` ended. */
export function renderReleased(released: readonly LeaseRecord[], style: Style): string[] {
  return released.map((l) => `${style.green('✔')} released ${l.kind === 'lease' ? `"${l.name}" ` : 'reservation '}(port ${l.port}/${l.protocol})`);
}

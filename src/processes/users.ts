/**
 * Uid → user name, read once from /etc/passwd (no getpwuid in Node, and no
 * `id` binary in slim containers). Users from LDAP/NSS-only sources show as
 * their uid number.
 */
import { readFileSync } from 'node:fs';

let names: Map<number, string> | undefined;

/** Parses passwd(5) text into uid → name. Pure; exported for tests. */
export function parsePasswd(text: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(':');
    const uid = Number(fields[2]);
    if (fields[0] && Number.isInteger(uid) && !map.has(uid)) map.set(uid, fields[0]);
  }
  return map;
}

/** The user name for a uid, or the uid as text when it has none. */
export function userName(uid: number): string {
  if (names === undefined) {
    try {
      names = parsePasswd(readFileSync('/etc/passwd', 'utf8'));
    } catch {
      names = new Map();
    }
  }
  return names.get(uid) ?? String(uid);
}

/** The uid for a user name or numeric string, or null when unknown. */
export function userId(name: string): number | null {
  if (/^\d+$/.test(name)) return Number(name);
  userName(0); // make sure the table is loaded
  for (const [uid, user] of names!) if (user === name) return uid;
  return null;
}

/**
 * From a request target to a file inside the served root, with no way out.
 *
 * 1. The path is percent-decoded exactly once. A double-encoded `%252e%252e`
 *    becomes the literal name `%2e%2e`, which is looked up as such and can
 *    only ever name something inside the root.
 * 2. After decoding, a `..` segment, a NUL byte or a backslash rejects the
 *    request (400). `%2f` decodes to `/` before the split, so `..%2f..` is
 *    two `..` segments and rejected too. Backslashes are refused outright:
 *    they separate paths on Windows and no web path needs one.
 * 3. The joined path is resolved with realpath(3) and must lie inside the
 *    realpath of the root. A symlink (or a symlinked folder on the way) that
 *    points outside is refused with 403: the file exists, berth will not
 *    serve it. Symlinks that stay inside the root are followed.
 */
import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { errnoCode } from '../errors.js';

/** Why a request path was rejected before touching the file system. */
export type PathRejection =
  /** A `%` not followed by two hex digits, or bytes that are not UTF-8. */
  | 'malformed'
  /** A NUL byte (`%00`). */
  | 'nul'
  /** A `..` segment after decoding. */
  | 'dot-dot'
  /** A backslash after decoding (`%5c`). */
  | 'backslash'
  /** Not an origin-form or absolute-form target (`*`, `example.com:80`). */
  | 'not-a-path';

/** A decoded request path: its segments (no empty, `.` or `..` ones). */
export type DecodedPath =
  | { ok: true; segments: string[]; trailingSlash: boolean; query: string }
  | { ok: false; reason: PathRejection };

/**
 * Splits a request target (`req.url`) into decoded path segments.
 * `/a//b/./c/?x=1` → `['a', 'b', 'c']`, trailing slash, query `?x=1`.
 */
export function decodeRequestPath(target: string): DecodedPath {
  let raw = target;
  if (!raw.startsWith('/')) {
    // absolute-form (RFC 9112 §3.2.2), sent through proxies: keep only the path.
    if (!/^https?:\/\//i.test(raw)) return { ok: false, reason: 'not-a-path' };
    try {
      const url = new URL(raw);
      raw = url.pathname + url.search;
    } catch {
      return { ok: false, reason: 'not-a-path' };
    }
  }
  const hash = raw.indexOf('#');
  if (hash !== -1) raw = raw.slice(0, hash);
  const question = raw.indexOf('?');
  const query = question === -1 ? '' : raw.slice(question);
  const encoded = question === -1 ? raw : raw.slice(0, question);

  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (decoded.includes('\0')) return { ok: false, reason: 'nul' };
  if (decoded.includes('\\')) return { ok: false, reason: 'backslash' };
  const segments: string[] = [];
  for (const segment of decoded.split('/')) {
    if (segment === '..') return { ok: false, reason: 'dot-dot' };
    if (segment === '' || segment === '.') continue;
    segments.push(segment);
  }
  return { ok: true, segments, trailingSlash: decoded.endsWith('/') && segments.length > 0, query };
}

/**
 * True when a path below the root has a hidden segment (a name starting with
 * "."): `.env`, `.git/config`, `src/.secret`. `.well-known` at the top is not
 * hidden: it is meant for clients (RFC 8615).
 */
export function isHiddenPath(segments: readonly string[]): boolean {
  return segments.some((segment, i) => segment.startsWith('.') && !(i === 0 && segment === '.well-known'));
}

/** Where a decoded path leads inside the root. */
export type Resolved =
  /** An existing file or folder inside the root; `realPath` has no symlinks left. */
  | { kind: 'found'; realPath: string; stats: Stats }
  /** Nothing there (or a dangling symlink). */
  | { kind: 'missing' }
  /** It exists but resolves outside the root, or the OS refused to look (EACCES). */
  | { kind: 'forbidden'; why: 'outside-root' | 'permission' };

/** True when `candidate` is `root` or lies below it (both real paths). */
export function isInside(root: string, candidate: string): boolean {
  if (candidate === root) return true;
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return candidate.startsWith(prefix);
}

/**
 * Resolves `segments` below `rootReal` (the realpath of the served folder)
 * and checks that the result, symlinks followed, is still inside it.
 */
export async function resolveInsideRoot(rootReal: string, segments: readonly string[]): Promise<Resolved> {
  const joined = path.join(rootReal, ...segments);
  // Defence in depth: segments never hold "..", "/" or "\", so this cannot fail.
  if (!isInside(rootReal, joined)) return { kind: 'forbidden', why: 'outside-root' };
  let real: string;
  try {
    real = await realpath(joined);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EACCES' || code === 'EPERM') return { kind: 'forbidden', why: 'permission' };
    return { kind: 'missing' }; // ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG
  }
  if (!isInside(rootReal, real)) return { kind: 'forbidden', why: 'outside-root' };
  try {
    return { kind: 'found', realPath: real, stats: await stat(real) };
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EACCES' || code === 'EPERM') return { kind: 'forbidden', why: 'permission' };
    return { kind: 'missing' };
  }
}

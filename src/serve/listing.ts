/**
 * Directory listings for the static server: an HTML page with folders first,
 * then files, each group sorted by name, with sizes and modification times.
 * Every name is HTML-escaped in the text and percent-encoded in the link, so
 * a file called `<script>alert(1)</script>.txt` is shown, never run.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** One row of a listing. */
export interface ListingEntry {
  name: string;
  /** True for folders, and for symlinks that point at one. */
  isDirectory: boolean;
  /** Size in bytes; null for folders and entries that cannot be read (dangling symlinks). */
  size: number | null;
  /** Modification time in milliseconds; null when unknown. */
  mtimeMs: number | null;
}

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Human-readable size with binary units: `512 B`, `1.5 KiB`, `50.0 MiB`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Sorts entries in place: folders first, then by name (numeric-aware: 2 before 10). */
export function sortEntries(entries: ListingEntry[]): ListingEntry[] {
  return entries.sort((a, b) => Number(b.isDirectory) - Number(a.isDirectory) || collator.compare(a.name, b.name) || (a.name < b.name ? -1 : 1));
}

async function describe(folder: string, dirent: Dirent): Promise<ListingEntry> {
  try {
    // stat, not lstat: a symlink is listed as what it points at.
    const stats = await stat(path.join(folder, dirent.name));
    return { name: dirent.name, isDirectory: stats.isDirectory(), size: stats.isDirectory() ? null : stats.size, mtimeMs: stats.mtimeMs };
  } catch {
    return { name: dirent.name, isDirectory: dirent.isDirectory(), size: null, mtimeMs: null };
  }
}

/** Reads `folder` into sorted listing entries. */
export async function readListing(folder: string): Promise<ListingEntry[]> {
  const dirents = await readdir(folder, { withFileTypes: true });
  return sortEntries(await Promise.all(dirents.map((d) => describe(folder, d))));
}

function formatTime(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/**
 * The listing page for `urlPath` (the decoded request path, ending in `/`).
 * Links are relative (`name`, `name/`), so the page works behind a prefix.
 */
export function renderListing(urlPath: string, entries: readonly ListingEntry[]): string {
  const title = `Index of ${escapeHtml(urlPath)}`;
  const rows: string[] = [];
  if (urlPath !== '/') rows.push('<tr><td><a href="../">../</a></td><td></td><td></td></tr>');
  for (const entry of entries) {
    const shown = entry.isDirectory ? `${entry.name}/` : entry.name;
    const href = encodeURIComponent(entry.name) + (entry.isDirectory ? '/' : '');
    // "./" keeps a name with a colon ("a:b") from being read as a URL scheme.
    rows.push(
      `<tr><td><a href="./${escapeHtml(href)}">${escapeHtml(shown)}</a></td>` +
        `<td class="size">${entry.size === null ? '' : escapeHtml(formatSize(entry.size))}</td>` +
        `<td class="time">${formatTime(entry.mtimeMs)}</td></tr>`,
    );
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
body { font: 14px/1.5 system-ui, sans-serif; margin: 2rem; color: #222; }
h1 { font-size: 1.2rem; font-weight: 600; }
table { border-collapse: collapse; }
td { padding: 0.1rem 1.5rem 0.1rem 0; }
td.size, td.time { color: #666; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.size { text-align: right; }
a { text-decoration: none; } a:hover { text-decoration: underline; }
@media (prefers-color-scheme: dark) { body { background: #111; color: #ddd; } a { color: #8ab4f8; } td.size, td.time { color: #999; } }
</style>
</head>
<body>
<h1>${title}</h1>
<table>
${rows.join('\n')}
</table>
<p><small>berth serve · ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}</small></p>
</body>
</html>
`;
}

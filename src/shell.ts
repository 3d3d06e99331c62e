/**
 * Quoting for the commands berth prints for people to copy (fixes, hints).
 */

/** `text` as one POSIX shell word: unchanged when safe, else single-quoted. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

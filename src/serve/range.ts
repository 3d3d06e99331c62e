/**
 * The Range header (RFC 9110 §14): one byte range per request.
 *
 * `bytes=a-b`, `bytes=a-` and `bytes=-n` are served as 206 Partial Content.
 * A request for several ranges (`bytes=0-1,5-6`) is answered with the whole
 * file (200), which RFC 9110 §14.2 allows: a server may ignore Range, and
 * multipart/byteranges bodies are rarely what a client really wants.
 * A header that does not parse is ignored as well (200). A range that starts
 * at or past the end of the file is unsatisfiable (416).
 */

/** What to send for a Range header, given the file size. */
export type RangeDecision =
  /** No usable single range: send the whole file with 200. */
  | { kind: 'full' }
  /** Send bytes `start`…`end` (inclusive) with 206. */
  | { kind: 'partial'; start: number; end: number }
  /** Send 416 with `Content-Range: bytes *\/size`. */
  | { kind: 'unsatisfiable' };

const SINGLE = /^bytes[ \t]*=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/i;

/** Decides how to answer `header` (the Range value, or undefined) for a file of `size` bytes. */
export function decideRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return { kind: 'full' };
  const match = SINGLE.exec(header);
  if (!match) return { kind: 'full' }; // multi-range, other units or garbage
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    // Suffix range: the last n bytes.
    const n = Number(last);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return { kind: 'full' }; // invalid range-spec: ignore the header
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: 'partial', start, end };
}

/** The Content-Range value for a 206 (`bytes 0-99/1000`) or a 416 (`bytes *\/1000`). */
export function contentRange(decision: RangeDecision, size: number): string | null {
  if (decision.kind === 'partial') return `bytes ${decision.start}-${decision.end}/${size}`;
  if (decision.kind === 'unsatisfiable') return `bytes */${size}`;
  return null;
}

/**
 * Finds where a chunked body ends (RFC 9112 §7.1) in a stream of buffers,
 * without decoding it: the proxy forwards the chunked bytes as they are and
 * only needs to know where the message ends. Strict on everything that frames
 * the body (chunk sizes, the CRLF after each chunk, trailer lines): a bare LF,
 * a missing CRLF, a size that is not hex or too long is an error, never a
 * guess, so the proxy and the app cannot disagree about where a message ends.
 */

/** More input needed: every byte given belongs to the body. */
export const CHUNKED_MORE = -1;

/** The bytes are not a valid chunked body. */
export const CHUNKED_INVALID = -2;

/** Hex digits a chunk size may have (2^48 bytes: far past anything real, still a safe integer). */
const MAX_SIZE_DIGITS = 12;

/** Bytes of chunk extensions and of trailer fields allowed per message. */
const MAX_META_BYTES = 16 * 1024;

const enum State {
  Size,
  Extension,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerStart,
  TrailerLine,
  TrailerLf,
  EndLf,
  Done,
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/** True for bytes allowed inside a chunk extension or a trailer line: tab, visible ASCII, space, obs-text. */
function isText(code: number): boolean {
  return code === 9 || (code >= 32 && code !== 127);
}

/** Follows one chunked body through {@link ChunkedScanner.scan}. */
export class ChunkedScanner {
  private state = State.Size;
  private remaining = 0;
  private digits = 0;
  private meta = 0;

  /** True once the last chunk and the trailer section were seen. */
  get done(): boolean {
    return this.state === State.Done;
  }

  /**
   * Scans `chunk` from `start`. Returns the offset just past the end of the
   * body when it ends inside this chunk, {@link CHUNKED_MORE} when all of it
   * belongs to the body, {@link CHUNKED_INVALID} when it is not valid.
   */
  scan(chunk: Uint8Array, start = 0): number {
    const length = chunk.length;
    let i = start;
    while (i < length) {
      const code = chunk[i]!;
      switch (this.state) {
        case State.Size: {
          const value = hexValue(code);
          if (value !== -1) {
            if (++this.digits > MAX_SIZE_DIGITS) return CHUNKED_INVALID;
            this.remaining = this.remaining * 16 + value;
          } else if (this.digits === 0) {
            return CHUNKED_INVALID;
          } else if (code === 59 /* ; */) {
            this.state = State.Extension;
          } else if (code === 13) {
            this.state = State.SizeLf;
          } else {
            return CHUNKED_INVALID;
          }
          i++;
          break;
        }
        case State.Extension:
          if (code === 13) this.state = State.SizeLf;
          else if (!isText(code) || ++this.meta > MAX_META_BYTES) return CHUNKED_INVALID;
          i++;
          break;
        case State.SizeLf:
          if (code !== 10) return CHUNKED_INVALID;
          i++;
          this.digits = 0;
          this.state = this.remaining === 0 ? State.TrailerStart : State.Data;
          break;
        case State.Data: {
          const take = Math.min(this.remaining, length - i);
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = State.DataCr;
          break;
        }
        case State.DataCr:
          if (code !== 13) return CHUNKED_INVALID;
          this.state = State.DataLf;
          i++;
          break;
        case State.DataLf:
          if (code !== 10) return CHUNKED_INVALID;
          this.state = State.Size;
          i++;
          break;
        case State.TrailerStart:
          if (code === 13) {
            this.state = State.EndLf;
          } else {
            // A trailer field line: it must at least start like a field name (not SP/HTAB: no obs-fold).
            if (code === 32 || code === 9 || !isText(code)) return CHUNKED_INVALID;
            this.state = State.TrailerLine;
          }
          if (++this.meta > MAX_META_BYTES) return CHUNKED_INVALID;
          i++;
          break;
        case State.TrailerLine:
          if (code === 13) this.state = State.TrailerLf;
          else if (!isText(code)) return CHUNKED_INVALID;
          if (++this.meta > MAX_META_BYTES) return CHUNKED_INVALID;
          i++;
          break;
        case State.TrailerLf:
          if (code !== 10) return CHUNKED_INVALID;
          this.state = State.TrailerStart;
          i++;
          break;
        case State.EndLf:
          if (code !== 10) return CHUNKED_INVALID;
          this.state = State.Done;
          return i + 1;
        case State.Done:
          return i;
      }
    }
    return CHUNKED_MORE;
  }
}

/**
 * Where an HTTP/1.1 message body ends (RFC 9112 §6.3): after Content-Length
 * bytes, after the last chunk, or at the close of the connection. The fast
 * path forwards bodies byte for byte; this only finds their end, so that the
 * bytes after it are read as the next message.
 */
import { CHUNKED_INVALID, CHUNKED_MORE, ChunkedScanner } from './http1-chunked.js';
import type { ResponseHead } from './http1-head.js';

/** How a body is delimited. */
export enum Framing {
  /** No body (or an empty one). */
  None,
  /** Content-Length bytes. */
  Length,
  /** Transfer-Encoding: chunked, up to the last chunk and its trailers. */
  Chunked,
  /** Everything until the sender closes (a response without length or chunking). */
  UntilClose,
}

/** One message body being read: feed it the bytes as they come. */
export class BodyFraming {
  readonly framing: Framing;
  private remaining: number;
  private readonly scanner: ChunkedScanner | null;
  private finished: boolean;

  /** @param length the Content-Length, for {@link Framing.Length}. */
  constructor(framing: Framing, length = 0) {
    this.framing = framing;
    this.remaining = framing === Framing.Length ? length : 0;
    this.scanner = framing === Framing.Chunked ? new ChunkedScanner() : null;
    this.finished = framing === Framing.None || (framing === Framing.Length && length <= 0);
  }

  /** The whole body has gone by. */
  get done(): boolean {
    return this.finished;
  }

  /**
   * The part of `chunk` that belongs to this body: all of it, or up to the
   * body's end (then `done` is set and the bytes after the part are the next
   * message's). Null when the chunked framing is invalid.
   */
  take(chunk: Buffer): Buffer | null {
    if (this.finished) return chunk.subarray(0, 0);
    if (this.framing === Framing.UntilClose) return chunk;
    let end: number;
    if (this.framing === Framing.Length) {
      end = Math.min(this.remaining, chunk.length);
      this.remaining -= end;
      if (this.remaining > 0) return chunk;
    } else {
      end = this.scanner!.scan(chunk);
      if (end === CHUNKED_INVALID) return null;
      if (end === CHUNKED_MORE) return chunk;
    }
    this.finished = true;
    return end === chunk.length ? chunk : chunk.subarray(0, end);
  }
}

/** The framing of every message without a body: done from the start, so nothing changes it and one serves all (most requests have none). */
const NO_BODY = new BodyFraming(Framing.None);

/** How the body of a request with this head is delimited. */
export function requestFraming(head: { chunked: boolean; contentLength: number }): BodyFraming {
  if (head.chunked) return new BodyFraming(Framing.Chunked);
  return head.contentLength > 0 ? new BodyFraming(Framing.Length, head.contentLength) : NO_BODY;
}

/** How the body of a response with this head is delimited; `isHead`: it answers a HEAD request. */
export function responseFraming(head: ResponseHead, isHead: boolean): BodyFraming {
  if (isHead || head.status === 204 || head.status === 304) return NO_BODY;
  if (head.chunked) return new BodyFraming(Framing.Chunked);
  if (head.transferEncoding || head.contentLength < 0) return new BodyFraming(Framing.UntilClose);
  return head.contentLength === 0 ? NO_BODY : new BodyFraming(Framing.Length, head.contentLength);
}

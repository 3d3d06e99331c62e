/**
 * Reading /proc/net/{tcp,tcp6,udp,udp6} (proc(5)).
 *
 * The tables are read synchronously, in large chunks: while they are read,
 * the fd scan's helper thread (fd-scan.ts) is already at work on the other
 * core, so there is nothing for this thread to overlap with, and a chunked
 * read lets a listeners-only query stop as soon as the TCP table has moved
 * past its listeners (see passedListeners): on a busy machine, most of the
 * table is connections.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { BerthError, errnoCode } from '../../errors.js';
import type { Family } from '../../model.js';
import { passedListeners } from './proc-net.js';

/** Bytes per read(2). A seq_file returns at most one page of lines per read, whatever is asked. */
const CHUNK_BYTES = 64 * 1024;

let chunk: Buffer | undefined;

/**
 * Returns the text of /proc/net/<file>; a missing tcp6/udp6 (IPv6 disabled)
 * is an empty table. With `listenersOnly` (TCP tables only), reading stops
 * after the listeners: the text then ends with whole lines, listeners and
 * perhaps some of what follows them.
 * @throws BerthError E_PLATFORM when /proc/net cannot be read.
 */
export function readNetTable(file: string, family: Family, listenersOnly: boolean): string {
  const path = `/proc/net/${file}`;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' && file.endsWith('6')) return '';
    throw unreadable(path, error);
  }
  try {
    chunk ??= Buffer.allocUnsafe(CHUNK_BYTES);
    // A seq_file read returns whole lines, about a page of them; `carry` holds
    // a line cut by the end of a read all the same, to be safe.
    const parts: string[] = [];
    let carry = '';
    let headerSeen = false;
    for (;;) {
      const n = readSync(fd, chunk, 0, CHUNK_BYTES, null);
      if (n === 0) break;
      if (!listenersOnly) {
        parts.push(chunk.toString('latin1', 0, n));
        continue;
      }
      const text = carry + chunk.toString('latin1', 0, n);
      const end = text.lastIndexOf('\n') + 1;
      carry = text.slice(end);
      if (end === 0) continue;
      const whole = text.slice(0, end);
      parts.push(whole);
      let from = 0;
      if (!headerSeen) {
        from = whole.indexOf('\n') + 1;
        headerSeen = true;
      }
      if (passedListeners(whole, from, end, family)) return parts.join('');
    }
    return parts.join('') + carry;
  } catch (error) {
    throw unreadable(path, error);
  } finally {
    closeSync(fd);
  }
}

function unreadable(path: string, cause: unknown): BerthError {
  return new BerthError('E_PLATFORM', `Cannot read ${path}.`, {
    hint: "berth needs /proc mounted; in a container, check that /proc is the container's own.",
    cause,
  });
}

/**
 * A minimal BSON reader (https://bsonspec.org/spec.html): enough to read a
 * MongoDB handshake reply. Values of types berth has no use for are skipped.
 */

function readCString(data: Buffer, at: number): { text: string; next: number } | null {
  const end = data.indexOf(0, at);
  if (end === -1) return null;
  return { text: data.subarray(at, end).toString('utf8'), next: end + 1 };
}

const FIXED_SIZES: Readonly<Record<number, number>> = { 0x01: 8, 0x07: 12, 0x08: 1, 0x09: 8, 0x0a: 0, 0x10: 4, 0x11: 8, 0x12: 8, 0x13: 16, 0x7f: 0, 0xff: 0 };

/**
 * Reads the BSON document that starts at `offset`.
 * @returns its fields (nested documents and arrays as objects, int64 as number,
 *   binary/ObjectId/timestamps omitted), or null when the bytes are not BSON.
 */
export function readBsonDocument(data: Buffer, offset: number, depth = 0): Record<string, unknown> | null {
  try {
    return readDocument(data, offset, depth);
  } catch {
    return null; // a length that points past the end
  }
}

function readDocument(data: Buffer, offset: number, depth: number): Record<string, unknown> | null {
  if (depth > 8 || offset + 5 > data.length) return null;
  const length = data.readInt32LE(offset);
  const end = offset + length;
  if (length < 5 || end > data.length || data[end - 1] !== 0) return null;
  const out: Record<string, unknown> = {};
  let at = offset + 4;
  while (at < end - 1) {
    const type = data[at]!;
    const name = readCString(data, at + 1);
    if (!name || name.next > end) return null;
    at = name.next;
    switch (type) {
      case 0x01:
        out[name.text] = data.readDoubleLE(at);
        break;
      case 0x02: {
        const size = data.readInt32LE(at);
        if (size < 1 || at + 4 + size > end) return null;
        out[name.text] = data.subarray(at + 4, at + 4 + size - 1).toString('utf8');
        at += 4 + size;
        continue;
      }
      case 0x03:
      case 0x04: {
        const size = data.readInt32LE(at);
        const inner = readDocument(data, at, depth + 1);
        if (inner === null) return null;
        out[name.text] = type === 0x04 ? Object.values(inner) : inner;
        at += size;
        continue;
      }
      case 0x05: {
        const size = data.readInt32LE(at);
        if (size < 0 || at + 5 + size > end) return null;
        at += 5 + size;
        continue;
      }
      case 0x08:
        out[name.text] = data[at] === 1;
        break;
      case 0x09:
        out[name.text] = Number(data.readBigInt64LE(at)); // ms since the epoch
        break;
      case 0x0a:
        out[name.text] = null;
        break;
      case 0x10:
        out[name.text] = data.readInt32LE(at);
        break;
      case 0x12:
        out[name.text] = Number(data.readBigInt64LE(at));
        break;
      default:
        if (FIXED_SIZES[type] === undefined) return out; // an unknown type: keep what was read
    }
    at += FIXED_SIZES[type] ?? 0;
  }
  return out;
}

/**
 * Client-first database and debugger probes: what berth sends, and pure
 * parsers for the answers. Every request here is read-only by protocol:
 * PostgreSQL's SSLRequest, Redis PING and INFO, MongoDB isMaster, the JDWP
 * handshake.
 */
import { readBsonDocument } from './bson.js';
import { sure, type Verdict } from './verdict.js';

// ---- PostgreSQL -----------------------------------------------------------

/**
 * SSLRequest: length 8, code 80877103. The server answers one byte, `S`
 * (TLS available) or `N`, then waits for the next message; berth closes.
 * https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SSL
 */
export const PG_SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/** True once the SSLRequest answer is whole. */
export function isPgReplyComplete(data: Buffer): boolean {
  if (data.length === 0) return false;
  if (data[0] !== 0x45) return true; // 'E'
  return data.length >= 5 && data.length >= 1 + data.readUInt32BE(1);
}

/** Reads the answer to an SSLRequest: `S`, `N`, or an ErrorResponse (very old servers). */
export function parsePgReply(data: Buffer): Verdict | null {
  if (data.length === 1 && (data[0] === 0x53 || data[0] === 0x4e)) {
    const ssl = data[0] === 0x53;
    return sure('postgres', `PostgreSQL (SSL: ${ssl ? 'yes' : 'no'})`, { ssl });
  }
  if (data[0] === 0x45 && data.length >= 5) {
    const length = data.readUInt32BE(1);
    if (length < 4 || length > 8192 || data.length < 1 + length) return null;
    const fields: Record<string, string> = {};
    let at = 5;
    while (at < 1 + length && data[at] !== 0) {
      const code = String.fromCharCode(data[at]!);
      const end = data.indexOf(0, at + 1);
      if (end === -1) return null;
      fields[code] = data.subarray(at + 1, end).toString('utf8');
      at = end + 1;
    }
    if (fields.M === undefined) return null;
    return sure('postgres', `PostgreSQL (refused the SSL request: ${fields.M})`, { ssl: false, error: { severity: fields.S, code: fields.C, message: fields.M } });
  }
  return null;
}

// ---- Redis ----------------------------------------------------------------

/** `PING` then `INFO server`, pipelined: both read-only. */
export const REDIS_PROBE = Buffer.from('PING\r\nINFO server\r\n', 'latin1');

/** One RESP2 value. */
export type RespValue = { type: '+' | '-' | ':'; text: string } | { type: '$'; text: string | null };

/** Parses up to `max` RESP values from the start of `data`; stops at the first incomplete or non-RESP one. */
export function parseRespValues(data: Buffer, max = 2): RespValue[] {
  const values: RespValue[] = [];
  let at = 0;
  while (values.length < max && at < data.length) {
    const type = String.fromCharCode(data[at]!);
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd === -1) break;
    const line = data.subarray(at + 1, lineEnd).toString('utf8');
    if (type === '+' || type === '-' || type === ':') {
      values.push({ type, text: line });
      at = lineEnd + 2;
    } else if (type === '$' && /^-?\d+$/.test(line)) {
      const length = Number(line);
      if (length < 0) {
        values.push({ type, text: null });
        at = lineEnd + 2;
        continue;
      }
      if (data.length < lineEnd + 2 + length + 2) break;
      values.push({ type, text: data.subarray(lineEnd + 2, lineEnd + 2 + length).toString('utf8') });
      at = lineEnd + 2 + length + 2;
    } else {
      break;
    }
  }
  return values;
}

/** True once both answers (PING, INFO) are in. */
export function isRedisReplyComplete(data: Buffer): boolean {
  return parseRespValues(data).length >= 2 || (data.length > 0 && !'+-:$'.includes(String.fromCharCode(data[0]!)));
}

function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/** Reads the answers to PING + INFO server. */
export function parseRedisReply(data: Buffer): Verdict | null {
  const [ping, info] = parseRespValues(data);
  if (!ping) return null;
  const details: Record<string, unknown> = {};
  if (ping.type === '+' && ping.text === 'PONG') {
    details.authRequired = false;
  } else if (ping.type === '-' && /^NOAUTH\b/.test(ping.text)) {
    details.authRequired = true;
  } else if (ping.type === '-' && /^DENIED\b/.test(ping.text)) {
    details.protectedMode = true;
    details.error = ping.text;
  } else if (ping.type === '-' && /^(?:ERR|WRONGPASS|LOADING|MASTERDOWN|BUSY)\b/.test(ping.text)) {
    details.error = ping.text;
  } else {
    return null;
  }
  let name = 'Redis';
  if (info?.type === '$' && info.text) {
    const fields = parseInfo(info.text);
    if (fields.valkey_version !== undefined) {
      name = 'Valkey';
      details.version = fields.valkey_version;
    } else if (fields.dragonfly_version !== undefined) {
      name = 'Dragonfly';
      details.version = fields.dragonfly_version;
    } else if (fields.redis_version !== undefined) {
      details.version = fields.redis_version;
    }
    if (fields.redis_mode !== undefined) details.mode = fields.redis_mode;
    if (fields.server_name !== undefined) details.serverName = fields.server_name;
  }
  details.flavor = name.toLowerCase();
  const version = typeof details.version === 'string' ? ` ${details.version}` : '';
  const state =
    details.authRequired === true ? 'needs a password (NOAUTH)' :
    details.protectedMode === true ? 'protected mode: refuses clients that are not on loopback' :
    details.error !== undefined ? `answered: ${String(details.error)}` :
    'no password needed';
  return sure('redis', `${name}${version} (${state})`, details);
}

// ---- MongoDB --------------------------------------------------------------

const OP_REPLY = 1;
const OP_MSG = 2013;
const MONGO_REQUEST_ID = 0x62657274; // "bert"
const MAX_MONGO_MESSAGE = 48_000_000;

function bsonInt32(name: string, value: number): Buffer {
  const out = Buffer.alloc(1 + name.length + 1 + 4);
  out[0] = 0x10;
  out.write(`${name}\0`, 1, 'latin1');
  out.writeInt32LE(value, 1 + name.length + 1);
  return out;
}

function bsonString(name: string, value: string): Buffer {
  const text = Buffer.from(`${value}\0`, 'utf8');
  const head = Buffer.from(`\x02${name}\0`, 'latin1');
  const length = Buffer.alloc(4);
  length.writeInt32LE(text.length);
  return Buffer.concat([head, length, text]);
}

/**
 * OP_MSG `{ isMaster: 1, $db: "admin" }`: the handshake every driver sends,
 * allowed before authentication, read-only. (`hello` needs MongoDB 4.4.2+;
 * `isMaster` is answered by every server that speaks OP_MSG, 3.6 on.)
 * https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/
 */
export function buildMongoHello(): Buffer {
  const elements = Buffer.concat([bsonInt32('isMaster', 1), bsonString('$db', 'admin')]);
  const document = Buffer.alloc(4 + elements.length + 1);
  document.writeInt32LE(document.length);
  elements.copy(document, 4);
  const message = Buffer.alloc(16 + 4 + 1 + document.length);
  message.writeInt32LE(message.length, 0);
  message.writeInt32LE(MONGO_REQUEST_ID, 4);
  message.writeInt32LE(0, 8);
  message.writeInt32LE(OP_MSG, 12);
  message.writeUInt32LE(0, 16); // flagBits
  message[20] = 0; // section kind 0: body
  document.copy(message, 21);
  return message;
}

/** True once a whole wire-protocol message is in (or the bytes cannot be one). */
export function isMongoReplyComplete(data: Buffer): boolean {
  if (data.length < 4) return false;
  const length = data.readInt32LE(0);
  if (length < 16 || length > MAX_MONGO_MESSAGE) return true;
  return data.length >= length;
}

/** MongoDB release that introduced a wire version (the handshake's maxWireVersion). */
const WIRE_VERSIONS: ReadonlyArray<readonly [number, string]> = [
  [25, '8.0'], [21, '7.0'], [17, '6.0'], [13, '5.0'], [9, '4.4'], [8, '4.2'], [7, '4.0'], [6, '3.6'],
];

/** Reads the reply to the isMaster OP_MSG (or an OP_REPLY from an older server). */
export function parseMongoReply(data: Buffer): Verdict | null {
  if (data.length < 21) return null;
  const length = data.readInt32LE(0);
  const responseTo = data.readInt32LE(8);
  const opCode = data.readInt32LE(12);
  if (length < 21 || length > data.length || responseTo !== MONGO_REQUEST_ID) return null;
  let document: Record<string, unknown> | null = null;
  if (opCode === OP_MSG && data[20] === 0) document = readBsonDocument(data, 21);
  else if (opCode === OP_REPLY && length >= 36 + 5) document = readBsonDocument(data, 36);
  else return null;
  if (document === null) return null;
  const details: Record<string, unknown> = {};
  const wire = document.maxWireVersion;
  if (typeof wire === 'number') {
    details.maxWireVersion = wire;
    const release = WIRE_VERSIONS.find(([min]) => wire >= min);
    if (release) details.versionAtLeast = release[1];
  }
  const primary = document.isWritablePrimary ?? document.ismaster;
  if (typeof primary === 'boolean') details.writablePrimary = primary;
  if (document.secondary === true) details.secondary = true;
  if (typeof document.setName === 'string') details.replicaSet = document.setName;
  if (document.msg === 'isdbgrid') details.router = true;
  if (typeof document.errmsg === 'string') details.error = document.errmsg;
  const role = details.router ? 'mongos router' : details.replicaSet ? `replica set ${String(details.replicaSet)}${primary ? ', primary' : details.secondary ? ', secondary' : ''}` : primary ? 'standalone' : '';
  const version = details.versionAtLeast ? ` ${String(details.versionAtLeast)}+` : '';
  const wireText = typeof wire === 'number' ? ` (wire version ${wire}${role ? `, ${role}` : ''})` : role ? ` (${role})` : '';
  return sure('mongodb', `MongoDB${version}${wireText}`, details);
}

// ---- JDWP -----------------------------------------------------------------

/** The JDWP handshake: the debugger sends these 14 bytes, the JVM echoes them. */
export const JDWP_HANDSHAKE = Buffer.from('JDWP-Handshake', 'latin1');

/** True once 14 bytes are in. */
export function isJdwpReplyComplete(data: Buffer): boolean {
  return data.length >= JDWP_HANDSHAKE.length;
}

/** Reads the answer to the JDWP handshake. */
export function parseJdwpReply(data: Buffer): Verdict | null {
  if (data.length < JDWP_HANDSHAKE.length || !data.subarray(0, JDWP_HANDSHAKE.length).equals(JDWP_HANDSHAKE)) return null;
  return sure('jdwp', 'JDWP: a Java debugger port, whoever connects can run code in the JVM', {});
}

/**
 * A minimal WebSocket (RFC 6455) client and echo server for the proxy tests:
 * the handshake and small unfragmented text frames, nothing more.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { IncomingMessage, Server } from 'node:http';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The Sec-WebSocket-Accept value for a key. */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** Encodes one text frame; clients mask (RFC 6455 §5.3). */
export function encodeFrame(text: string, mask: boolean): Buffer {
  const payload = Buffer.from(text);
  const header: number[] = [0x81];
  const maskBit = mask ? 0x80 : 0;
  if (payload.length < 126) header.push(maskBit | payload.length);
  else if (payload.length < 65536) header.push(maskBit | 126, payload.length >> 8, payload.length & 255);
  else throw new Error('frame too large for this test helper');
  if (!mask) return Buffer.concat([Buffer.from(header), payload]);
  const key = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ key[i % 4]!));
  return Buffer.concat([Buffer.from(header), key, masked]);
}

/** Decodes the complete frames at the start of `buffer`; returns their texts and the rest. */
export function decodeFrames(buffer: Buffer): { texts: string[]; rest: Buffer } {
  const texts: string[] = [];
  let offset = 0;
  while (buffer.length - offset >= 2) {
    const masked = (buffer[offset + 1]! & 0x80) !== 0;
    let length = buffer[offset + 1]! & 0x7f;
    let at = offset + 2;
    if (length === 126) {
      if (buffer.length < at + 2) break;
      length = buffer.readUInt16BE(at);
      at += 2;
    } else if (length === 127) {
      if (buffer.length < at + 8) break;
      length = Number(buffer.readBigUInt64BE(at));
      at += 8;
    }
    const key = masked ? buffer.subarray(at, at + 4) : null;
    if (masked) at += 4;
    if (buffer.length < at + length) break;
    const payload = Buffer.from(buffer.subarray(at, at + length));
    if (key) for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ key[i % 4]!;
    if ((buffer[offset]! & 0x0f) === 1) texts.push(payload.toString('utf8'));
    offset = at + length;
  }
  return { texts, rest: buffer.subarray(offset) };
}

/** Adds a WebSocket echo endpoint to an HTTP server: every text frame comes back prefixed with "echo:". */
export function attachEchoServer(server: Server): void {
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string' || req.headers.upgrade?.toLowerCase() !== 'websocket') {
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\nX-Seen-Host: ${req.headers.host}\r\n\r\n`);
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      const { texts, rest } = decodeFrames(Buffer.concat([pending, chunk]));
      pending = rest;
      for (const text of texts) socket.write(encodeFrame(`echo:${text}`, false));
    });
    socket.on('error', () => socket.destroy());
  });
}

/** A connected client. */
export interface WsClient {
  socket: Socket;
  /** The handshake response: status line and headers (lower-case names). */
  status: number;
  headers: Record<string, string>;
  send(text: string): void;
  /** Resolves with the next text message. */
  next(): Promise<string>;
  close(): void;
}

/**
 * Opens a WebSocket through 127.0.0.1:`port` with Host `host`. Rejects with
 * the status line when the server does not answer 101.
 */
export function openWebSocket(port: number, host: string, path = '/', extraHeaders: Record<string, string> = {}, address = '127.0.0.1'): Promise<WsClient> {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString('base64');
    const socket = connect(port, address);
    const lines = [`GET ${path} HTTP/1.1`, `Host: ${host}`, 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13'];
    for (const [name, value] of Object.entries(extraHeaders)) lines.push(`${name}: ${value}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    let buffer: Buffer = Buffer.alloc(0);
    let handshake = true;
    const messages: string[] = [];
    const waiting: Array<(text: string) => void> = [];
    socket.on('error', reject);
    socket.on('close', () => {
      if (handshake) reject(new Error(`closed before the handshake ended: ${buffer.toString()}`));
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (handshake) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buffer.subarray(0, end).toString('latin1').split('\r\n');
        buffer = buffer.subarray(end + 4);
        handshake = false;
        const status = Number(head[0]!.split(' ')[1]);
        const headers: Record<string, string> = {};
        for (const line of head.slice(1)) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        if (status !== 101) {
          socket.destroy();
          reject(Object.assign(new Error(`handshake answered ${head[0]}`), { status, headers }));
          return;
        }
        if (headers['sec-websocket-accept'] !== acceptKey(key)) {
          socket.destroy();
          reject(new Error('wrong Sec-WebSocket-Accept'));
          return;
        }
        resolve({
          socket,
          status,
          headers,
          send: (text) => socket.write(encodeFrame(text, true)),
          next: () => new Promise((done) => (messages.length > 0 ? done(messages.shift()!) : waiting.push(done))),
          close: () => socket.destroy(),
        });
      }
      const { texts, rest } = decodeFrames(buffer);
      buffer = rest;
      for (const text of texts) {
        const waiter = waiting.shift();
        if (waiter) waiter(text);
        else messages.push(text);
      }
    });
  });
}

/**
 * Upgrades through the proxy (WebSocket: Vite and Next HMR): the handshake
 * is forwarded to the app; on 101 the two sockets are piped both ways until
 * either side ends. A refused handshake is passed back as the app sent it.
 * Errors on either socket close both; nothing here can throw into the server.
 */
import { request, STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { errnoCode } from '../errors.js';
import { formatHostPort } from '../ports/parse.js';
import type { RouteRecord } from '../state/routes.js';
import { HOP_BY_HOP_HEADERS, isLoop, routeTrail, toUpstreamHeaders } from './headers.js';
import { routeNameFromHost } from './names.js';
import { escapeHtml } from './pages.js';
import { firstHost, otherLoopback, rememberAnswer, type ProxyContext } from './context.js';

function writeRawResponse(socket: Socket, status: number, body: string): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const html = `<!doctype html><title>${status}</title><p>${escapeHtml(body)}</p>\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(html)}\r\nconnection: close\r\nx-berth-proxy: 1\r\n\r\n${html}`,
  );
}

function headerBlock(rawHeaders: readonly string[], keepUpgrade: boolean): string {
  let text = '';
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const key = rawHeaders[i]!;
    const lower = key.toLowerCase();
    if (!keepUpgrade && HOP_BY_HOP_HEADERS.has(lower)) continue;
    text += `${key}: ${rawHeaders[i + 1]!}\r\n`;
  }
  return text;
}

function link(client: Socket, app: Socket): void {
  client.setNoDelay(true);
  app.setNoDelay(true);
  client.setTimeout(0);
  app.setTimeout(0);
  const closeBoth = (): void => {
    client.destroy();
    app.destroy();
  };
  client.on('error', closeBoth);
  app.on('error', closeBoth);
  client.on('close', closeBoth);
  app.on('close', closeBoth);
  app.pipe(client);
  client.pipe(app);
}

/** Handles the server's 'upgrade' event for one request. */
export function handleUpgrade(context: ProxyContext, req: IncomingMessage, socket: Socket, head: Buffer): void {
  socket.on('error', () => socket.destroy());
  const name = routeNameFromHost(req.headers.host);
  let route: RouteRecord | null = null;
  try {
    route = name === null ? null : context.cache.get(name);
  } catch {
    writeRawResponse(socket, 500, 'berth cannot read its routes.');
    return;
  }
  if (route === null) {
    writeRawResponse(socket, 404, `No app is routed at ${req.headers.host ?? 'this host'}. See: berth routes`);
    return;
  }
  const trail = routeTrail(req.headers);
  if (isLoop(route.name, trail)) {
    writeRawResponse(socket, 508, `Loop detected: ${[...trail, route.name].join(' → ')}`);
    return;
  }
  connect(context, req, socket, head, route, firstHost(context, route), false);
}

function connect(context: ProxyContext, req: IncomingMessage, socket: Socket, head: Buffer, route: RouteRecord, host: string, retried: boolean): void {
  const headers = toUpstreamHeaders(req.headers, { clientAddress: req.socket.remoteAddress, proxyPort: context.port(), routeName: route.name, upgrade: true });
  const upstream = request({ host, port: route.port, method: req.method, path: req.url, headers, agent: false });
  const onClientGone = (): void => {
    upstream.destroy();
  };
  socket.once('close', onClientGone);
  upstream.on('error', (error) => {
    socket.off('close', onClientGone);
    if (socket.destroyed) return;
    const other = otherLoopback(host);
    if (!retried && other !== null && errnoCode(error) === 'ECONNREFUSED') {
      connect(context, req, socket, head, route, other, true);
      return;
    }
    writeRawResponse(socket, 502, `${route.name}.localhost (${formatHostPort(route.host, route.port)}) did not answer: ${error.message}`);
  });
  upstream.on('upgrade', (upRes: IncomingMessage, appSocket: Socket, appHead: Buffer) => {
    socket.off('close', onClientGone);
    rememberAnswer(context, route, host);
    if (socket.destroyed || !socket.writable) {
      appSocket.destroy();
      return;
    }
    socket.write(`HTTP/1.1 ${upRes.statusCode ?? 101} ${upRes.statusMessage ?? 'Switching Protocols'}\r\n${headerBlock(upRes.rawHeaders, true)}\r\n`);
    if (appHead.length > 0) socket.write(appHead);
    if (head.length > 0) appSocket.write(head);
    link(socket, appSocket);
  });
  upstream.on('response', (upRes: IncomingMessage) => {
    // The app refused the upgrade (a wrong token, a plain HTTP route): pass its answer on, then close.
    socket.off('close', onClientGone);
    if (socket.destroyed || !socket.writable) {
      upRes.destroy();
      return;
    }
    socket.write(`HTTP/1.1 ${upRes.statusCode ?? 502} ${upRes.statusMessage ?? ''}\r\n${headerBlock(upRes.rawHeaders, false)}connection: close\r\n\r\n`);
    upRes.on('error', () => socket.destroy());
    socket.once('close', () => upRes.destroy());
    upRes.pipe(socket);
  });
  upstream.end();
}

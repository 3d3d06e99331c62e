// berth ui: small DOM and formatting helpers.
import { connect } from './live.js';

/** Builds an element: attributes set one by one, children as nodes or text. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const $ = (selector) => document.querySelector(selector);

export function formatDuration(ms) {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  let s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const hr = Math.floor(s / 3600);
  s -= hr * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${d}d ${hr}h`;
  if (hr > 0) return `${hr}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

export function formatTime(at) {
  if (at === null || at === undefined) return '—';
  const date = new Date(at);
  const today = new Date();
  const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return date.toDateString() === today.toDateString() ? time : `${date.toLocaleDateString()} ${time}`;
}

export function hostPort(address, port) {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The holder a row names: the parent among processes sharing the socket, else the lowest pid. */
export function primaryHolder(socket) {
  const holders = socket.holders ?? [];
  if (holders.length === 0) return null;
  const pids = new Set(holders.map((p) => p.pid));
  const roots = holders.filter((p) => p.ppid === null || !pids.has(p.ppid));
  return [...(roots.length > 0 ? roots : holders)].sort((a, b) => a.pid - b.pid)[0];
}

/** Where a browser on this machine reaches the listener. */
export function browseHost(socket) {
  const a = socket.localAddress;
  if (a === '0.0.0.0') return '127.0.0.1';
  if (a === '::') return '[::1]';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) return mapped[1];
  return a.includes(':') ? `[${a}]` : a;
}

export function serviceUrl(socket) {
  const protocol = socket.identification?.protocol;
  if (protocol !== 'http' && protocol !== 'https') return null;
  return `${protocol}://${browseHost(socket)}:${socket.localPort}/`;
}

export function exposureBadge(socket) {
  const text = socket.exposure === 'loopback' ? 'loopback' : socket.exposure === 'all' ? 'all interfaces' : 'network';
  const title =
    socket.exposure === 'loopback'
      ? 'Only this machine can connect.'
      : socket.exposure === 'all'
        ? 'Bound to every interface: reachable from the network.'
        : `Bound to ${socket.localAddress}: reachable through that address.`;
  return h('span', { class: `badge exposure-${socket.exposure}`, title }, text);
}

export function link(url, text, title) {
  return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', title: title ?? url }, text ?? url);
}

// berth ui: the listener table.
import { select } from './details.js';
import { $, exposureBadge, h, link, primaryHolder, serviceUrl } from './dom.js';
import { IDENTIFY_BATCH, MAX_ROWS, NEW_HIGHLIGHT_MS, state } from './state.js';

export function matchesFilter(socket) {
  if (state.exposedOnly && socket.exposure === 'loopback') return false;
  const needle = state.filter.trim().toLowerCase();
  if (needle === '') return true;
  const holder = primaryHolder(socket);
  const routes = state.routesByPort.get(socket.localPort) ?? [];
  const haystack = [
    String(socket.localPort),
    socket.protocol,
    socket.localAddress,
    socket.exposure,
    socket.service ?? '',
    socket.user ?? '',
    socket.identification?.protocol ?? '',
    socket.identification?.summary ?? '',
    ...(socket.holders ?? []).flatMap((p) => [String(p.pid), p.name, p.command, p.user ?? '', p.cwd ?? '']),
    holder?.name ?? '',
    ...routes.map((r) => r.name),
  ]
    .join('\n')
    .toLowerCase();
  return needle.split(/\s+/).every((word) => haystack.includes(word));
}

export const SORT_KEYS = {
  port: (s) => s.localPort,
  address: (s) => s.localAddress,
  exposure: (s) => ({ all: 0, specific: 1, loopback: 2 })[s.exposure] ?? 3,
  protocol: (s) => s.identification?.protocol ?? '~',
  pid: (s) => primaryHolder(s)?.pid ?? Number.MAX_SAFE_INTEGER,
  process: (s) => primaryHolder(s)?.name.toLowerCase() ?? '~',
  user: (s) => primaryHolder(s)?.user ?? s.user ?? '~',
};

export function compareRows(a, b) {
  const key = SORT_KEYS[state.sort.by] ?? SORT_KEYS.port;
  const x = key(a.socket);
  const y = key(b.socket);
  const primary = x < y ? -1 : x > y ? 1 : 0;
  return primary * state.sort.dir || a.socket.localPort - b.socket.localPort || a.socket.key.localeCompare(b.socket.key);
}

export function protocolCell(socket) {
  const id = socket.identification;
  if (id) return h('td', { class: `protocol proto-${id.protocol}`, title: id.summary }, id.protocol);
  if (socket.protocol === 'tcp') return h('td', { class: 'protocol pending', title: 'Identifying…' }, '…');
  return h('td', { class: 'protocol' }, '');
}

export function linksCell(socket) {
  const td = h('td', { class: 'links' });
  const url = serviceUrl(socket);
  if (url) td.append(link(url, 'open'));
  for (const route of state.routesByPort.get(socket.localPort) ?? []) td.append(' ', link(route.url, `${route.name}.localhost`));
  return td;
}

export function renderRow(row, now) {
  const { socket } = row;
  const holder = primaryHolder(socket);
  const classes = [];
  if (row.closedAt !== null) classes.push('closed');
  else if (!socket.initial && now - row.addedAt < NEW_HIGHLIGHT_MS) classes.push('new');
  if (state.selectedKey === socket.key) classes.push('selected');
  const sharing = (socket.holders?.length ?? 0) > 1 ? ` +${socket.holders.length - 1}` : '';
  const processText = holder ? `${holder.name}${sharing}` : socket.holdersHidden ? '(hidden)' : '—';
  const command = holder?.command ?? '';
  return h(
    'tr',
    { class: classes.join(' '), dataset: { key: socket.key, port: String(socket.localPort) }, tabindex: '0', onclick: () => select(socket.key) },
    h('td', { class: 'num port' }, String(socket.localPort)),
    h('td', { class: 'proto' }, `${socket.protocol}${socket.family === 6 ? '6' : ''}`),
    h('td', { class: 'address' }, socket.localAddress),
    h('td', {}, exposureBadge(socket)),
    protocolCell(socket),
    h('td', { class: 'num pid' }, holder ? String(holder.pid) : ''),
    h('td', { class: 'process', title: socket.holdersHidden ? 'Another user\'s process: run berth ui as root to see it.' : undefined }, processText),
    h('td', { class: 'user' }, holder?.user ?? socket.user ?? ''),
    h('td', { class: 'command', title: command }, command),
    linksCell(socket),
  );
}

export let renderQueued = false;
export function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderTable();
  });
}

export function renderTable() {
  const now = Date.now();
  const matching = [...state.rows.values()].filter((row) => matchesFilter(row.socket)).sort(compareRows);
  const rows = matching.slice(0, MAX_ROWS);
  $('#sockets tbody').replaceChildren(...rows.map((row) => renderRow(row, now)));
  $('#empty').hidden = rows.length > 0;
  const more = $('#more');
  more.hidden = matching.length <= rows.length;
  more.textContent = `Showing ${rows.length} of ${matching.length} listeners: type in the filter to narrow them down.`;
  requestIdentification(rows);
  const listening = [...state.rows.values()].filter((r) => r.closedAt === null).length;
  $('#count-sockets').textContent = String(listening);
  for (const th of document.querySelectorAll('#sockets th[data-sort]')) {
    th.setAttribute('aria-sort', th.dataset.sort === state.sort.by ? (state.sort.dir === 1 ? 'ascending' : 'descending') : 'none');
  }
}

/** Keys already asked for: each listener is identified once, and only when it is on screen. */
export const identifyAsked = new Set();

export function requestIdentification(rows) {
  const keys = rows
    .map((row) => row.socket)
    .filter((s) => s.protocol === 'tcp' && !s.identification && !identifyAsked.has(s.key))
    .map((s) => s.key);
  for (let i = 0; i < keys.length; i += IDENTIFY_BATCH) {
    const batch = keys.slice(i, i + IDENTIFY_BATCH);
    for (const key of batch) identifyAsked.add(key);
    const query = batch.map((key) => `key=${encodeURIComponent(key)}`).join('&');
    fetch(`/api/identify?${query}`, { cache: 'no-store' }).catch(() => {
      for (const key of batch) identifyAsked.delete(key);
    });
  }
}

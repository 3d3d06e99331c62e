// berth ui: the dashboard's page. Plain DOM, no framework. Every piece of
// data from the machine (command lines, names, paths) goes into the page as
// text (textContent, attributes set one by one), never as markup.

const TOKEN = document.querySelector('meta[name="berth-token"]')?.getAttribute('content') ?? '';
const NEW_HIGHLIGHT_MS = 5000;
const CLOSED_SHOWN_MS = 3000;
/** Rows drawn at most; on a machine with thousands of listeners the filter narrows them down. */
const MAX_ROWS = 300;
/** Keys per /api/identify request. */
const IDENTIFY_BATCH = 50;

const state = {
  /** key → { socket, addedAt, closedAt } */
  rows: new Map(),
  /** port → [{ name, url }] */
  routesByPort: new Map(),
  routes: [],
  proxyPort: null,
  leases: [],
  selectedKey: null,
  sort: { by: 'port', dir: 1 },
  filter: '',
  exposedOnly: false,
  tab: 'sockets',
  status: null,
  connected: false,
};

// ---------- small DOM helpers ----------

/** Builds an element: attributes set one by one, children as nodes or text. */
function h(tag, attrs = {}, ...children) {
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

const $ = (selector) => document.querySelector(selector);

function formatDuration(ms) {
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

function formatTime(at) {
  if (at === null || at === undefined) return '—';
  const date = new Date(at);
  const today = new Date();
  const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return date.toDateString() === today.toDateString() ? time : `${date.toLocaleDateString()} ${time}`;
}

function hostPort(address, port) {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The holder a row names: the parent among processes sharing the socket, else the lowest pid. */
function primaryHolder(socket) {
  const holders = socket.holders ?? [];
  if (holders.length === 0) return null;
  const pids = new Set(holders.map((p) => p.pid));
  const roots = holders.filter((p) => p.ppid === null || !pids.has(p.ppid));
  return [...(roots.length > 0 ? roots : holders)].sort((a, b) => a.pid - b.pid)[0];
}

/** Where a browser on this machine reaches the listener. */
function browseHost(socket) {
  const a = socket.localAddress;
  if (a === '0.0.0.0') return '127.0.0.1';
  if (a === '::') return '[::1]';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) return mapped[1];
  return a.includes(':') ? `[${a}]` : a;
}

function serviceUrl(socket) {
  const protocol = socket.identification?.protocol;
  if (protocol !== 'http' && protocol !== 'https') return null;
  return `${protocol}://${browseHost(socket)}:${socket.localPort}/`;
}

function exposureBadge(socket) {
  const text = socket.exposure === 'loopback' ? 'loopback' : socket.exposure === 'all' ? 'all interfaces' : 'network';
  const title =
    socket.exposure === 'loopback'
      ? 'Only this machine can connect.'
      : socket.exposure === 'all'
        ? 'Bound to every interface: reachable from the network.'
        : `Bound to ${socket.localAddress}: reachable through that address.`;
  return h('span', { class: `badge exposure-${socket.exposure}`, title }, text);
}

function link(url, text, title) {
  return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', title: title ?? url }, text ?? url);
}

// ---------- the listener table ----------

function matchesFilter(socket) {
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

const SORT_KEYS = {
  port: (s) => s.localPort,
  address: (s) => s.localAddress,
  exposure: (s) => ({ all: 0, specific: 1, loopback: 2 })[s.exposure] ?? 3,
  protocol: (s) => s.identification?.protocol ?? '~',
  pid: (s) => primaryHolder(s)?.pid ?? Number.MAX_SAFE_INTEGER,
  process: (s) => primaryHolder(s)?.name.toLowerCase() ?? '~',
  user: (s) => primaryHolder(s)?.user ?? s.user ?? '~',
};

function compareRows(a, b) {
  const key = SORT_KEYS[state.sort.by] ?? SORT_KEYS.port;
  const x = key(a.socket);
  const y = key(b.socket);
  const primary = x < y ? -1 : x > y ? 1 : 0;
  return primary * state.sort.dir || a.socket.localPort - b.socket.localPort || a.socket.key.localeCompare(b.socket.key);
}

function protocolCell(socket) {
  const id = socket.identification;
  if (id) return h('td', { class: `protocol proto-${id.protocol}`, title: id.summary }, id.protocol);
  if (socket.protocol === 'tcp') return h('td', { class: 'protocol pending', title: 'Identifying…' }, '…');
  return h('td', { class: 'protocol' }, '');
}

function linksCell(socket) {
  const td = h('td', { class: 'links' });
  const url = serviceUrl(socket);
  if (url) td.append(link(url, 'open'));
  for (const route of state.routesByPort.get(socket.localPort) ?? []) td.append(' ', link(route.url, `${route.name}.localhost`));
  return td;
}

function renderRow(row, now) {
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

let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderTable();
  });
}

function renderTable() {
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
const identifyAsked = new Set();

function requestIdentification(rows) {
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

// ---------- live updates ----------

function setLive(text, ok) {
  const el = $('#live');
  el.textContent = text;
  el.className = `live ${ok ? 'ok' : 'down'}`;
}

function renderStatus() {
  const s = state.status;
  const parts = [];
  if (s) {
    if (s.error) parts.push(`⚠ ${s.error}`);
    if (s.recording) parts.push('● recording history');
    else if (s.recordedBy) parts.push(`history recorded by berth ${s.recordedBy.kind} (pid ${s.recordedBy.pid})`);
    else parts.push('history not recorded');
    if (s.lastScanAt) parts.push(`last scan ${formatTime(s.lastScanAt)}`);
  }
  $('#status').textContent = parts.join(' · ');
}

function addSocket(socket, at) {
  state.rows.set(socket.key, { socket, addedAt: at ?? Date.now(), closedAt: null });
}

function connect() {
  const events = new EventSource('/api/events');
  events.addEventListener('open', () => {
    state.connected = true;
    setLive('live', true);
  });
  events.addEventListener('error', () => {
    state.connected = false;
    setLive('reconnecting…', false);
  });
  events.addEventListener('snapshot', (e) => {
    const data = JSON.parse(e.data);
    state.rows.clear();
    for (const socket of data.sockets) addSocket(socket, socket.firstSeenAt);
    state.status = data.status;
    renderStatus();
    scheduleRender();
    if (state.selectedKey) refreshDetailsHeader();
  });
  events.addEventListener('opened', (e) => {
    const { socket } = JSON.parse(e.data);
    addSocket(socket, Date.now());
    scheduleRender();
    setTimeout(scheduleRender, NEW_HIGHLIGHT_MS + 50);
    refreshRoutesSoon();
  });
  events.addEventListener('closed', (e) => {
    const { key } = JSON.parse(e.data);
    const row = state.rows.get(key);
    if (!row) return;
    row.closedAt = Date.now();
    scheduleRender();
    if (state.selectedKey === key) refreshDetailsHeader();
    setTimeout(() => {
      if (state.rows.get(key) === row) state.rows.delete(key);
      scheduleRender();
    }, CLOSED_SHOWN_MS);
    refreshRoutesSoon();
  });
  events.addEventListener('identified', (e) => {
    const { key, identification } = JSON.parse(e.data);
    const row = state.rows.get(key);
    if (!row) return;
    row.socket.identification = identification;
    scheduleRender();
  });
  events.addEventListener('status', (e) => {
    state.status = JSON.parse(e.data).status;
    renderStatus();
  });
  events.addEventListener('heartbeat', () => {
    if (state.connected) setLive('live', true);
  });
}

// ---------- API ----------

async function getJson(path) {
  const res = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(body?.error?.message ?? `${res.status} ${res.statusText}`);
  return body;
}

async function postJson(path, payload) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Berth-Token': TOKEN },
    body: JSON.stringify(payload),
    cache: 'no-store',
  });
  const body = await res.json().catch(() => null);
  return { status: res.status, body };
}

// ---------- routes and leases ----------

let routesTimer = null;
function refreshRoutesSoon() {
  clearTimeout(routesTimer);
  routesTimer = setTimeout(() => void loadRoutes(), 400);
}

async function loadRoutes() {
  try {
    const data = await getJson('/api/routes');
    state.routes = data.routes;
    state.proxyPort = data.proxyPort;
    state.routesByPort = new Map();
    for (const route of data.routes) {
      const list = state.routesByPort.get(route.port) ?? [];
      list.push({ name: route.name, url: route.url });
      state.routesByPort.set(route.port, list);
    }
    $('#count-routes').textContent = String(data.routes.length);
    renderRoutes();
    scheduleRender();
  } catch (error) {
    $('#routes-note').textContent = `Routes unavailable: ${error.message}`;
  }
}

function renderRoutes() {
  $('#routes-note').textContent = state.proxyPort === null ? '' : `Routes are served by the berth proxy on port ${state.proxyPort} (berth proxy start).`;
  const rows = state.routes.map((r) =>
    h(
      'tr',
      {},
      h('td', {}, link(r.url, `${r.name}.localhost`)),
      h('td', { class: 'mono' }, hostPort(r.host, r.port)),
      h('td', {}, r.kind),
      h('td', { class: 'command', title: r.command ?? '' }, r.command ?? ''),
      h('td', { class: 'command', title: r.cwd ?? '' }, r.cwd ?? ''),
    ),
  );
  $('#routes tbody').replaceChildren(...rows);
  $('#routes-empty').hidden = rows.length > 0;
}

async function loadLeases() {
  try {
    const data = await getJson('/api/leases');
    state.leases = data.leases;
    $('#count-leases').textContent = String(data.leases.length);
    const rows = data.leases.map((l) =>
      h(
        'tr',
        {},
        h('td', { class: 'num' }, String(l.port)),
        h('td', {}, l.name ?? '(reservation)'),
        h('td', {}, l.kind),
        h('td', { class: 'command', title: l.project ?? '' }, l.project ?? ''),
        h('td', { class: 'num' }, l.owner ? String(l.owner.pid) : '—'),
        h('td', {}, l.expiresAt === null ? 'with its owner' : formatTime(l.expiresAt)),
      ),
    );
    $('#leases tbody').replaceChildren(...rows);
    $('#leases-empty').hidden = rows.length > 0;
  } catch (error) {
    $('#leases tbody').replaceChildren(h('tr', {}, h('td', { colspan: '6' }, `Leases unavailable: ${error.message}`)));
  }
}

function showTab(tab) {
  state.tab = tab;
  for (const button of document.querySelectorAll('#tabs [data-tab]')) button.setAttribute('aria-selected', String(button.dataset.tab === tab));
  for (const section of document.querySelectorAll('.tab')) section.hidden = section.id !== `tab-${tab}`;
  if (tab === 'routes') void loadRoutes();
  if (tab === 'leases') void loadLeases();
}

// ---------- details panel ----------

let detailsRequest = 0;

function select(key) {
  state.selectedKey = key;
  scheduleRender();
  void loadDetails(key);
}

function closeDetails() {
  state.selectedKey = null;
  detailsRequest++;
  $('#details').hidden = true;
  scheduleRender();
}

function refreshDetailsHeader() {
  const row = state.rows.get(state.selectedKey);
  const stop = $('#stop-button');
  if (stop) stop.disabled = !row || row.closedAt !== null || (row.socket.holders ?? []).length === 0;
  const closedNote = $('#closed-note');
  if (closedNote) closedNote.hidden = !(row && row.closedAt !== null);
}

function section(title, ...children) {
  return h('section', { class: 'panel' }, h('h3', {}, title), ...children);
}

function holderBlock(proc, uptimeMs) {
  return h(
    'div',
    { class: 'holder' },
    h('div', {}, h('strong', {}, proc.name), ` pid ${proc.pid}`, proc.ppid ? ` (parent ${proc.ppid})` : '', proc.user ? ` · ${proc.user}` : ''),
    h('pre', { class: 'cmdline' }, proc.command || '(no command line)'),
    h(
      'div',
      { class: 'muted' },
      proc.cwd ? `in ${proc.cwd}` : 'folder unreadable',
      uptimeMs !== null && uptimeMs !== undefined ? ` · up ${formatDuration(uptimeMs)}` : '',
    ),
  );
}

function timeline(items) {
  if (items.length === 0) return h('p', { class: 'muted' }, 'Nothing recorded on this port yet.');
  const now = Date.now();
  const from = Math.min(...items.map((i) => i.openedAt));
  const span = Math.max(1, now - from);
  const lanes = items.map((item) => {
    const end = item.until ?? now;
    const left = ((item.openedAt - from) / span) * 100;
    const width = Math.max(0.5, ((end - item.openedAt) / span) * 100);
    const who = item.pid === null ? 'unknown process' : `pid ${item.pid} ${item.processName ?? ''}`;
    const state = item.ended === 'open' ? 'still listening' : item.ended === 'closed' ? `until ${formatTime(item.until)}` : `last seen ${formatTime(item.until)}`;
    const bar = h('div', { class: `bar ended-${item.ended}` });
    bar.style.left = `${left}%`;
    bar.style.width = `${Math.min(width, 100 - left)}%`;
    return h(
      'li',
      { title: item.command ?? '' },
      h('div', { class: 'track' }, bar),
      h('div', { class: 'lane-text' }, `${formatTime(item.openedAt)} · ${formatDuration(item.durationMs)} · ${state} · ${who} · ${item.protocol}${item.family === 6 ? '6' : ''} ${hostPort(item.address, item.port)}`),
      item.command ? h('div', { class: 'muted cmd-small' }, item.command) : null,
    );
  });
  return h('div', {}, h('div', { class: 'axis muted' }, h('span', {}, formatTime(from)), h('span', {}, 'now')), h('ol', { class: 'timeline' }, lanes));
}

function renderFinding(finding) {
  return h(
    'li',
    { class: `finding severity-${finding.severity}` },
    h('div', {}, h('span', { class: `badge sev-${finding.severity}` }, finding.severity), ' ', h('strong', {}, finding.title)),
    h('p', {}, finding.message),
    finding.evidence.length > 0 ? h('ul', { class: 'evidence' }, finding.evidence.map((line) => h('li', {}, line))) : null,
    h('p', { class: 'fix' }, '→ ', finding.fix.text, finding.fix.command ? [' ', h('code', {}, finding.fix.command)] : null),
    finding.fix.code ? h('pre', { class: 'cmdline' }, finding.fix.code) : null,
  );
}

async function runDoctor(port, out, button) {
  button.disabled = true;
  out.replaceChildren(h('p', { class: 'muted' }, `Running berth doctor ${port}…`));
  try {
    const report = await getJson(`/api/port/${port}/doctor`);
    out.replaceChildren(
      h('p', { class: report.healthy ? 'verdict ok' : 'verdict bad' }, report.healthy ? '✓ ' : '✗ ', report.verdict),
      report.findings.length > 0 ? h('ul', { class: 'findings' }, report.findings.map(renderFinding)) : h('p', { class: 'muted' }, 'No findings.'),
      h('p', { class: 'muted' }, `${report.ms} ms`),
    );
  } catch (error) {
    out.replaceChildren(h('p', { class: 'error' }, `Doctor failed: ${error.message}`));
  } finally {
    button.disabled = false;
  }
}

async function loadDetails(key) {
  const row = state.rows.get(key);
  if (!row) return;
  const { socket } = row;
  const request = ++detailsRequest;
  const panel = $('#details');
  panel.hidden = false;
  $('#details-title').textContent = `${socket.protocol}${socket.family === 6 ? '6' : ''} ${hostPort(socket.localAddress, socket.localPort)}`;
  const body = $('#details-body');
  body.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  let data;
  try {
    data = await getJson(`/api/port/${socket.localPort}`);
  } catch (error) {
    if (request === detailsRequest) body.replaceChildren(h('p', { class: 'error' }, error.message));
    return;
  }
  if (request !== detailsRequest) return;

  const doctorOut = h('div', { class: 'doctor-out' });
  const doctorButton = h('button', { type: 'button', id: 'doctor-button' }, 'Run doctor');
  doctorButton.addEventListener('click', () => void runDoctor(socket.localPort, doctorOut, doctorButton));
  const stopOut = h('div', { id: 'stop-out', class: 'stop-out' });
  const stopButton = h('button', { type: 'button', id: 'stop-button', class: 'danger' }, 'Stop…');
  stopButton.addEventListener('click', () => void askStop(socket, stopOut));

  const facts = data.who.facts;
  const id = socket.identification;
  const url = serviceUrl(socket);
  const routes = state.routesByPort.get(socket.localPort) ?? [];
  const holders = data.who.holders.filter((hd) => hd.sockets.some((s) => s.localAddress === socket.localAddress && s.inode === socket.inode));
  const holderList = holders.length > 0 ? holders : data.who.holders;

  body.replaceChildren(
    h(
      'div',
      { class: 'facts' },
      exposureBadge(socket),
      ' ',
      id ? h('span', { class: 'badge' }, id.protocol) : null,
      id ? h('span', { class: 'muted' }, ` ${id.summary}`) : null,
      h('div', { class: 'muted' }, `${facts.class} port`, facts.service ? ` · usually ${facts.service}` : '', facts.ephemeral ? ' · in the OS ephemeral range' : '', ` · seen since ${formatTime(socket.firstSeenAt)}`),
      url || routes.length > 0 ? h('div', { class: 'links' }, url ? link(url, `open ${url}`) : null, routes.map((r) => [' ', link(r.url, r.url)])) : null,
      h('p', { id: 'closed-note', class: 'error', hidden: row.closedAt === null }, 'This listener has closed.'),
    ),
    section(
      `Held by (${holderList.length})`,
      holderList.length > 0 ? holderList.map((hd) => holderBlock(hd.process, hd.uptimeMs)) : h('p', { class: 'muted' }, data.who.hidden ? 'Another user\'s process: run berth ui as root to see it.' : 'No process holds it now.'),
      h('div', { class: 'buttons' }, stopButton, doctorButton),
      stopOut,
      doctorOut,
    ),
    section('History', timeline(data.history.items), historyNote(data.history.status)),
  );
  refreshDetailsHeader();
}

function historyNote(status) {
  if (status.alive && status.recorder) return h('p', { class: 'muted' }, `Recorded by berth ${status.recorder.kind} (pid ${status.recorder.pid}).`);
  return h('p', { class: 'muted' }, 'No recorder is running: history has gaps.');
}

// ---------- Stop ----------

const STOP_WORDING = {
  term: {
    title: 'Stop this process?',
    text: 'Stop what holds',
    note: 'It gets SIGTERM; berth re-checks its start time first, never signals pid 1, itself or the shell that started it, and checks afterwards that the port is free.',
    button: 'Stop',
  },
  kill: {
    title: 'Force it to stop?',
    text: 'It ignored SIGTERM. Force stop what holds',
    note: 'It gets SIGKILL: it ends at once, without a chance to clean up (open files, child processes, temporary data). berth re-checks its start time first.',
    button: 'Force stop',
  },
};

/** Asks before stopping; `force`: with SIGKILL, after SIGTERM was ignored. */
function askStop(socket, out, force = false) {
  const row = state.rows.get(socket.key);
  const holders = row?.socket.holders ?? [];
  if (holders.length === 0) return;
  const holder = primaryHolder(row.socket);
  const dialog = $('#confirm');
  const wording = STOP_WORDING[force ? 'kill' : 'term'];
  $('#confirm-title').textContent = wording.title;
  $('#confirm-note').textContent = wording.note;
  $('#confirm-stop').textContent = wording.button;
  $('#confirm-text').textContent = `${wording.text} ${hostPort(socket.localAddress, socket.localPort)}:`;
  $('#confirm-list').replaceChildren(...holders.map((p) => h('li', {}, h('strong', {}, `pid ${p.pid} ${p.name}`), h('div', { class: 'cmd-small' }, p.command))));
  const cancel = $('#confirm-cancel');
  const stop = $('#confirm-stop');
  const finish = (confirmed) => {
    cancel.removeEventListener('click', onCancel);
    stop.removeEventListener('click', onStop);
    dialog.removeEventListener('cancel', onCancel);
    dialog.close();
    if (confirmed) void doStop(socket, holder, out, force);
  };
  const onCancel = () => finish(false);
  const onStop = () => finish(true);
  cancel.addEventListener('click', onCancel);
  stop.addEventListener('click', onStop);
  dialog.addEventListener('cancel', onCancel);
  dialog.showModal();
  cancel.focus();
}

function describeKill(result) {
  const lines = [];
  for (const refusal of result.plan.refused) lines.push(refusal.message);
  for (const p of result.processes) {
    const what = {
      exited: 'exited',
      killed: 'was killed (SIGKILL)',
      running: 'is still running (it ignored SIGTERM)',
      signalled: 'was signalled',
      gone: 'had already exited',
      denied: `was not stopped: ${p.error?.message ?? 'permission denied'}`,
    }[p.outcome] ?? p.outcome;
    lines.push(`pid ${p.pid} (${p.name}) ${what}.`);
  }
  for (const port of result.ports) {
    lines.push(port.free ? `Port ${port.port} is free.` : `Port ${port.port} is still held${port.heldBy.length ? ` by ${port.heldBy.map((p) => `pid ${p.pid} (${p.name})`).join(', ')}` : ''}.`);
  }
  return lines;
}

async function doStop(socket, holder, out, force) {
  const button = $('#stop-button');
  if (button) button.disabled = true;
  out.replaceChildren(h('p', { class: 'muted' }, `${force ? 'Killing' : 'Stopping'} pid ${holder.pid}…`));
  try {
    const { status, body } = await postJson('/api/kill', {
      port: socket.localPort,
      address: socket.localAddress,
      pid: holder.pid,
      startMarker: holder.startMarker,
      ...(force ? { signal: 'SIGKILL' } : {}),
    });
    if (status !== 200) {
      out.replaceChildren(h('p', { class: 'error' }, body?.error?.message ?? `Refused (${status}).`), body?.error?.hint ? h('p', { class: 'muted' }, body.error.hint) : null);
      return;
    }
    const outcome = h('div', { class: body.ok ? 'outcome ok' : 'outcome bad' }, describeKill(body.result).map((line) => h('p', {}, line)));
    // It ignored SIGTERM: offer SIGKILL, asked for again.
    const survivor = body.result.processes.find((p) => p.outcome === 'running');
    let forceButton = null;
    if (survivor && !force) {
      forceButton = h('button', { type: 'button', id: 'force-button', class: 'danger' }, 'Force stop (SIGKILL)…');
      forceButton.addEventListener('click', () => askStop(socket, out, true));
    }
    out.replaceChildren(...(forceButton ? [outcome, forceButton] : [outcome]));
  } catch (error) {
    out.replaceChildren(h('p', { class: 'error' }, `Stop failed: ${error.message}`));
  } finally {
    refreshDetailsHeader();
  }
}

// ---------- wiring ----------

function init() {
  for (const button of document.querySelectorAll('#tabs [data-tab]')) button.addEventListener('click', () => showTab(button.dataset.tab));
  const search = $('#search');
  search.addEventListener('input', () => {
    state.filter = search.value;
    scheduleRender();
  });
  $('#exposed-only').addEventListener('change', (e) => {
    state.exposedOnly = e.target.checked;
    scheduleRender();
  });
  for (const th of document.querySelectorAll('#sockets th[data-sort]')) {
    th.addEventListener('click', () => {
      const by = th.dataset.sort;
      state.sort = state.sort.by === by ? { by, dir: -state.sort.dir } : { by, dir: 1 };
      scheduleRender();
    });
  }
  $('#details-close').addEventListener('click', closeDetails);
  document.addEventListener('keydown', (e) => {
    if (e.key === '/' && document.activeElement !== search) {
      e.preventDefault();
      search.focus();
    } else if (e.key === 'Escape' && !$('#confirm').open) {
      if (document.activeElement === search && search.value) return;
      closeDetails();
    } else if (e.key === 'Enter' && document.activeElement?.dataset?.key) {
      select(document.activeElement.dataset.key);
    }
  });
  connect();
  void loadRoutes();
  void loadLeases();
}

init();

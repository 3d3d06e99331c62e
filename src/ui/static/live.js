// berth ui: live updates (server-sent events) and the status line.
import { refreshDetailsHeader } from './details.js';
import { $, formatTime } from './dom.js';
import { CLOSED_SHOWN_MS, NEW_HIGHLIGHT_MS, state } from './state.js';
import { scheduleRender } from './table.js';
import { refreshRoutesSoon } from './tabs.js';

export function setLive(text, ok) {
  const el = $('#live');
  el.textContent = text;
  el.className = `live ${ok ? 'ok' : 'down'}`;
}

export function renderStatus() {
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

export function addSocket(socket, at) {
  state.rows.set(socket.key, { socket, addedAt: at ?? Date.now(), closedAt: null });
}

export function connect() {
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

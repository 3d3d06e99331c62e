// berth ui: the details panel of one listener.
import { getJson } from './api.js';
import { $, exposureBadge, formatDuration, formatTime, h, hostPort, link, serviceUrl } from './dom.js';
import { state } from './state.js';
import { askStop } from './stop.js';
import { scheduleRender } from './table.js';

export let detailsRequest = 0;

export function select(key) {
  state.selectedKey = key;
  scheduleRender();
  void loadDetails(key);
}

export function closeDetails() {
  state.selectedKey = null;
  detailsRequest++;
  $('#details').hidden = true;
  scheduleRender();
}

export function refreshDetailsHeader() {
  const row = state.rows.get(state.selectedKey);
  const stop = $('#stop-button');
  if (stop) stop.disabled = !row || row.closedAt !== null || (row.socket.holders ?? []).length === 0;
  const closedNote = $('#closed-note');
  if (closedNote) closedNote.hidden = !(row && row.closedAt !== null);
}

export function section(title, ...children) {
  return h('section', { class: 'panel' }, h('h3', {}, title), ...children);
}

export function holderBlock(proc, uptimeMs) {
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

export function timeline(items) {
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

export function renderFinding(finding) {
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

export async function runDoctor(port, out, button) {
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

export async function loadDetails(key) {
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

export function historyNote(status) {
  if (status.alive && status.recorder) return h('p', { class: 'muted' }, `Recorded by berth ${status.recorder.kind} (pid ${status.recorder.pid}).`);
  return h('p', { class: 'muted' }, 'No recorder is running: history has gaps.');
}

// berth ui: the routes and leases tabs.
import { getJson } from './api.js';
import { section } from './details.js';
import { $, formatTime, h, hostPort, link } from './dom.js';
import { state } from './state.js';
import { scheduleRender } from './table.js';

export let routesTimer = null;
export function refreshRoutesSoon() {
  clearTimeout(routesTimer);
  routesTimer = setTimeout(() => void loadRoutes(), 400);
}

export async function loadRoutes() {
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

export function renderRoutes() {
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

export async function loadLeases() {
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

export function showTab(tab) {
  state.tab = tab;
  for (const button of document.querySelectorAll('#tabs [data-tab]')) button.setAttribute('aria-selected', String(button.dataset.tab === tab));
  for (const section of document.querySelectorAll('.tab')) section.hidden = section.id !== `tab-${tab}`;
  if (tab === 'routes') void loadRoutes();
  if (tab === 'leases') void loadLeases();
}

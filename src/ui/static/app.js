// berth ui: the dashboard's page. Plain DOM, no framework. Every piece of
// data from the machine (command lines, names, paths) goes into the page as
// text (textContent, attributes set one by one), never as markup.
//
// app.js is the entry point (wiring); the parts are modules beside it:
// state, dom, api, table, live, tabs, details, stop.
import { closeDetails, select } from './details.js';
import { $ } from './dom.js';
import { connect } from './live.js';
import { state } from './state.js';
import { scheduleRender } from './table.js';
import { loadLeases, loadRoutes, showTab } from './tabs.js';

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

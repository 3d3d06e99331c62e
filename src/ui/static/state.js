// berth ui: the state shared by the page's modules, and its limits.

export const TOKEN = document.querySelector('meta[name="berth-token"]')?.getAttribute('content') ?? '';
export const NEW_HIGHLIGHT_MS = 5000;
export const CLOSED_SHOWN_MS = 3000;
/** Rows drawn at most; on a machine with thousands of listeners the filter narrows them down. */
export const MAX_ROWS = 300;
/** Keys per /api/identify request. */
export const IDENTIFY_BATCH = 50;

export const state = {
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

/**
 * GET /api/sockets: every listening socket now, with its holders, exposure
 * and (once identified) protocol. Served from the dashboard's own watch:
 * no extra scan, no probe per request.
 */
import { sendJson } from '../http.js';
import type { ApiHandler } from './context.js';

/** Answers `{ at, sockets: UiSocket[], status }` (docs/json.md, "berth ui"). */
export const getSockets: ApiHandler = async (_req, res, { feed }) => {
  await feed.ready();
  const status = feed.status();
  sendJson(res, 200, { at: status.lastScanAt, sockets: feed.sockets(), status });
};

/** Keys one /api/identify request may name. */
export const MAX_IDENTIFY_KEYS = 100;

/**
 * GET /api/identify?key=K&key=K…: asks for the protocol of these listeners
 * (the page asks for the rows it shows). Answers `{ requested }` at once;
 * results arrive on /api/events as `identified`.
 */
export const getIdentify: ApiHandler = async (req, res, { feed }) => {
  const keys = new URL(req.url ?? '/', 'http://dashboard').searchParams.getAll('key').slice(0, MAX_IDENTIFY_KEYS);
  await feed.ready();
  sendJson(res, 200, { requested: feed.identify(keys) });
};

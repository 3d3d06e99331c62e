/**
 * GET /api/port/:port — one port in detail: who holds it (berth who), its
 * recorded history and the dashboard's identification; and
 * GET /api/port/:port/doctor — berth doctor on it, run only when asked.
 */
import { diagnose } from '../../doctor/index.js';
import { whoIs } from '../../inventory/index.js';
import { parsePort } from '../../ports/parse.js';
import { listHistory } from '../../watch/history.js';
import { sendJson } from '../http.js';
import type { ApiHandler } from './context.js';

/** History rows sent with a port's details. */
export const PORT_HISTORY_LIMIT = 50;

/** Answers `{ port, who, sockets, history }` (docs/json.md, "berth ui"). */
export const getPort: ApiHandler = async (_req, res, { feed, home }, [text]) => {
  const port = parsePort(text ?? '');
  const who = await whoIs(String(port));
  await feed.ready();
  const sockets = feed.sockets().filter((s) => s.localPort === port);
  const history = listHistory({ home, port, limit: PORT_HISTORY_LIMIT });
  sendJson(res, 200, { port, who, sockets, history });
};

/** Answers the DoctorReport of `localhost:PORT`, as `berth doctor PORT --json` prints it. */
export const getPortDoctor: ApiHandler = async (req, res, _context, [text]) => {
  const port = parsePort(text ?? '');
  const controller = new AbortController();
  // The page went away: stop the probes still running.
  res.once('close', () => controller.abort());
  const report = await diagnose(String(port), { signal: controller.signal });
  if (!req.destroyed) sendJson(res, 200, report);
};

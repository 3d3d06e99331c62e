/**
 * POST /api/kill — the Stop button: `berth kill` with its guards (the pid
 * start time re-checked before signalling, pid 1, the dashboard itself and
 * its ancestors refused). The router has already checked the token and the
 * origin; the page has already asked the user.
 *
 * The page names the holder it showed (pid and start marker): when the port
 * is held by someone else by now, nothing is signalled and the answer is 409.
 */
import { BerthError } from '../../errors.js';
import { killPort, KILL_TIMEOUT_MS, type KillPlan } from '../../kill/index.js';
import { formatHostPort, parsePort } from '../../ports/parse.js';
import { readJsonBody, sendError, sendJson } from '../http.js';
import type { ApiHandler } from './context.js';

/** The body of POST /api/kill. */
export interface KillRequest {
  port: number;
  /** The listener's address, to stop only what holds that address; default: every listener on the port. */
  address?: string;
  /** The holder the user confirmed; the stop is refused if it no longer holds the port. */
  pid?: number;
  /** Its start marker, as the page got it, to tell it from a process that reused its pid. */
  startMarker?: string | null;
  /** Send SIGKILL to what survives SIGTERM for 5 s. */
  force?: boolean;
  /** The signal to send first: SIGTERM (default) or SIGKILL (the page's "Force stop", once SIGTERM was ignored). */
  signal?: 'SIGTERM' | 'SIGKILL';
  /** The protocol of the socket the page showed: only its holders are stopped. */
  protocol?: 'tcp' | 'udp';
}

/**
 * Checks and normalises a kill request body.
 * @throws BerthError E_USAGE / E_PORT_INVALID.
 */
export function parseKillRequest(body: Record<string, unknown>): KillRequest {
  const { port, address, pid, startMarker, force, signal, protocol } = body;
  if (typeof port !== 'number' && typeof port !== 'string') throw new BerthError('E_USAGE', '"port" is required.');
  const request: KillRequest = { port: parsePort(String(port)) };
  if (address !== undefined) {
    if (typeof address !== 'string' || address === '') throw new BerthError('E_USAGE', '"address" must be an IP address.');
    request.address = address;
  }
  if (pid !== undefined) {
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid < 1) throw new BerthError('E_USAGE', '"pid" must be a positive integer.');
    request.pid = pid;
  }
  if (startMarker !== undefined) {
    if (startMarker !== null && typeof startMarker !== 'string') throw new BerthError('E_USAGE', '"startMarker" must be a string or null.');
    request.startMarker = startMarker;
  }
  if (force !== undefined) request.force = force === true;
  if (signal !== undefined) {
    if (signal !== 'SIGTERM' && signal !== 'SIGKILL') throw new BerthError('E_USAGE', '"signal" must be "SIGTERM" or "SIGKILL".');
    request.signal = signal;
  }
  if (protocol !== undefined) {
    if (protocol !== 'tcp' && protocol !== 'udp') throw new BerthError('E_USAGE', '"protocol" must be "tcp" or "udp".');
    request.protocol = protocol;
  }
  return request;
}

/** True when the plan still stops the holder the user confirmed. */
function planMatches(plan: KillPlan, request: KillRequest): boolean {
  if (request.pid === undefined) return true;
  const victim = plan.victims.find((v) => v.process.pid === request.pid);
  if (!victim) return false;
  return request.startMarker === undefined || request.startMarker === null || victim.process.startMarker === request.startMarker;
}

/** Stops what holds the port; answers `{ ok, result: KillResult }`, or 409 when the holder changed. */
export const postKill: ApiHandler = async (req, res) => {
  const request = parseKillRequest(await readJsonBody(req));
  const target = request.address === undefined ? String(request.port) : formatHostPort(request.address, request.port);
  let changed = false;
  const result = await killPort(target, {
    timeoutMs: KILL_TIMEOUT_MS,
    force: request.force === true,
    ...(request.signal ? { signal: request.signal } : {}),
    ...(request.protocol ? { protocol: request.protocol } : {}),
    confirm: (plan) => {
      changed = !planMatches(plan, request);
      return !changed;
    },
  });
  if (changed) {
    sendError(res, 409, 'E_HOLDER_CHANGED', `Port ${request.port} is no longer held by pid ${request.pid}: nothing was stopped.`, 'Look at the port again, then stop what holds it now.', {
      port: request.port,
      holders: result.plan.victims.map((v) => ({ pid: v.process.pid, name: v.process.name })),
    });
    return;
  }
  sendJson(res, 200, { ok: result.ok, result });
};

/**
 * The one error type berth throws. Every failure a user can meet carries a
 * stable `code`, a sentence saying what failed, a `hint` with the way out,
 * the data behind it and the original `cause`.
 *
 * Expected outcomes (nobody on a port, a probe that was refused) are values,
 * not exceptions; BerthError is for the cases where the call cannot answer.
 */

/** Stable error codes. Scripts may match on them; they never change meaning. */
export type ErrorCode =
  /** A port number or port range the user typed is not valid. */
  | 'E_PORT_INVALID'
  /** A host:port, address or URL the user typed is not valid. */
  | 'E_TARGET_INVALID'
  /** A duration such as `5s` is not valid. */
  | 'E_DURATION_INVALID'
  /** The command line was wrong: unknown flag, missing argument. */
  | 'E_USAGE'
  /** Nothing holds the port that an action needs a holder for. */
  | 'E_NO_LISTENER'
  /** The OS refused: another user's process, a protected file. */
  | 'E_PERMISSION'
  /** A wait or a stop did not complete in time. */
  | 'E_TIMEOUT'
  /** A command berth started (berth wait … -- CMD) exited before the target was ready, or could not start. */
  | 'E_COMMAND_EXITED'
  /** An action was refused by one of berth's own guards (pid 1, itself). */
  | 'E_REFUSED'
  /** The platform is not supported, or /proc is not where it should be. */
  | 'E_PLATFORM'
  /** The state store is unreadable: damaged, or not a berth database. */
  | 'E_STATE_CORRUPT'
  /** The state store was written by a newer berth (its schema version is above this berth's). */
  | 'E_STATE_NEWER'
  /** The state folder or file cannot be written (read-only folder or file system, not a folder). */
  | 'E_STATE_READONLY'
  /** The state store stayed locked by other processes for longer than berth waits. */
  | 'E_STATE_BUSY'
  /** No port satisfies the request: every candidate is in use, leased or excluded. */
  | 'E_NO_FREE_PORT'
  /** No lease matches the name or port given. */
  | 'E_NO_LEASE'
  /** The lease name is held by another live process. */
  | 'E_LEASE_HELD'
  /** A server could not listen: another socket holds the address and port. */
  | 'E_PORT_IN_USE'
  /** A file or folder the user named does not exist or is not the right kind. */
  | 'E_PATH_INVALID'
  /** A route name is not a valid DNS name under .localhost (lower-case a-z, 0-9, '-', dots). */
  | 'E_ROUTE_NAME_INVALID'
  /** A live route already holds the name (berth run --force / berth alias --force take it over). */
  | 'E_ROUTE_TAKEN'
  /** No route has the name given. */
  | 'E_NO_ROUTE'
  /** The .localhost proxy could not be started, stopped or reached. */
  | 'E_PROXY_FAILED'
  /** The background history recorder (berth daemon) could not be started or stopped. */
  | 'E_DAEMON_FAILED';

/** Error codes that mean "the command line was wrong" (exit code 2). */
export const USAGE_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'E_PORT_INVALID',
  'E_TARGET_INVALID',
  'E_DURATION_INVALID',
  'E_USAGE',
  'E_PATH_INVALID',
  'E_ROUTE_NAME_INVALID',
]);

/** Extra facts attached to a BerthError. */
export interface BerthErrorOptions {
  /** The exact next step for the user, ideally a command to run. */
  hint?: string;
  /** The underlying error, if any. */
  cause?: unknown;
  /** Structured data behind the error (the port, the pid …), kept for --json. */
  data?: Record<string, unknown>;
}

/** An error with a stable code, a hint and the data behind it. */
export class BerthError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly data: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: BerthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BerthError';
    this.code = code;
    this.hint = options.hint;
    this.data = options.data ?? {};
  }

  /** A plain object for --json output and logs. */
  toJSON(): { code: ErrorCode; message: string; hint?: string; data: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      data: this.data,
    };
  }
}

/** True when `value` is a BerthError (also across duplicated module copies). */
export function isBerthError(value: unknown): value is BerthError {
  return (
    value instanceof BerthError ||
    (value instanceof Error && value.name === 'BerthError' && typeof (value as BerthError).code === 'string')
  );
}

/** The errno code of a Node system error (`ENOENT`, `EACCES` …), if any. */
export function errnoCode(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

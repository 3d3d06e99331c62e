/**
 * Signal names as users type them: `TERM`, `SIGTERM`, `term`, `15`.
 */
import { constants } from 'node:os';
import { BerthError } from '../errors.js';

/**
 * Parses a signal name or number into Node's canonical name (`SIGTERM`).
 * @throws BerthError E_USAGE for an unknown signal.
 */
export function parseSignal(input: string): NodeJS.Signals {
  const text = input.trim().toUpperCase();
  const table = constants.signals as Record<string, number>;
  if (/^\d+$/.test(text)) {
    const number = Number(text);
    const name = Object.keys(table).find((key) => table[key] === number);
    if (name) return name as NodeJS.Signals;
  } else {
    const name = text.startsWith('SIG') ? text : `SIG${text}`;
    if (name in table) return name as NodeJS.Signals;
  }
  throw new BerthError('E_USAGE', `"${input}" is not a signal this system knows.`, {
    hint: 'Use a name such as TERM, INT, HUP or KILL (or its number, such as 15).',
    data: { input },
  });
}

/** Signals whose purpose is to end the process, so berth waits for it to exit. */
export const TERMINATING_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set<NodeJS.Signals>([
  'SIGTERM',
  'SIGINT',
  'SIGQUIT',
  'SIGKILL',
  'SIGABRT',
]);

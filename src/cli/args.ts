/**
 * Flag parsing on top of node:util parseArgs, with berth's rules: errors are
 * BerthError E_USAGE (exit 2) naming the command's --help, and negative
 * numbers are kept as positionals so that `berth who -1` says "ports cannot
 * be negative" instead of "unknown option -1".
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BerthError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command takes. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
} as const satisfies Options;

/** Flag values keyed by name, as parseArgs returns them. */
export type FlagValues<T extends Options> = ReturnType<typeof parseArgs<{ options: T & typeof COMMON_OPTIONS; allowPositionals: true; strict: true }>>['values'];

/** Parses `args` for `command`; returns the flag values and positionals. */
export function parseCommandArgs<T extends Options>(command: string, args: string[], options: T): { values: FlagValues<T>; positionals: string[] } {
  const all = { ...COMMON_OPTIONS, ...options };
  const takesValue = new Set<string>();
  for (const [name, spec] of Object.entries(all)) {
    if (spec.type === 'string') {
      takesValue.add(`--${name}`);
      if (spec.short) takesValue.add(`-${spec.short}`);
    }
  }
  const flags: string[] = [];
  const negatives: string[] = [];
  let rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      rest = args.slice(i + 1);
      break;
    }
    const previous = args[i - 1];
    if (/^-\d/.test(arg) && !(previous !== undefined && takesValue.has(previous))) negatives.push(arg);
    else flags.push(arg);
  }
  try {
    const parsed = parseArgs({ args: [...flags, '--', ...negatives, ...rest], options: all, allowPositionals: true, strict: true });
    return { values: parsed.values as FlagValues<T>, positionals: parsed.positionals };
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/\. To specify a positional argument.*$/s, '.') : String(error);
    throw new BerthError('E_USAGE', message.replace(/^Unknown option/, `Unknown option for berth ${command}:`), {
      hint: `See: berth ${command} --help`,
      cause: error,
    });
  }
}

/** Throws E_USAGE unless the number of positionals is within bounds. */
export function expectPositionals(command: string, positionals: string[], min: number, max: number, what: string): void {
  if (positionals.length < min) {
    throw new BerthError('E_USAGE', `berth ${command} needs ${what}.`, { hint: `See: berth ${command} --help` });
  }
  if (positionals.length > max) {
    throw new BerthError('E_USAGE', `berth ${command} takes ${max === 1 ? 'one' : `at most ${max}`} ${what}; got ${positionals.join(' ')}.`, {
      hint: `See: berth ${command} --help`,
    });
  }
}

/** Parses a whole positive number flag such as --pid. */
export function parsePositiveInt(flag: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) === 0) {
    throw new BerthError('E_USAGE', `--${flag} takes a positive whole number, not "${value}".`, { hint: `Example: --${flag} 1234` });
  }
  return Number(value);
}

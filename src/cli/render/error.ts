/**
 * Rendering errors at the CLI's one catch.
 */
import { isBerthError } from '../../errors.js';
import type { Style } from './style.js';

/** A known error: what failed and why, then the way out. */
export function renderError(error: unknown, style: Style): string[] {
  if (isBerthError(error)) {
    const out = [`${style.red('berth:')} ${error.message}`];
    if (error.hint) out.push(`  ${style.dim(error.hint)}`);
    return out;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return [
    `${style.red('berth: unexpected error')} — this is a bug in berth.`,
    stack,
    '',
    `Please report it on berth's issue tracker with the command you ran, the lines above, and \`node --version\` (${process.version}, ${process.platform}).`,
  ];
}

/**
 * Colour and terminal facts. Colour only on a TTY, unless FORCE_COLOR says
 * otherwise; NO_COLOR (any non-empty value) turns it off (no-color.org).
 */
/** Whether to colour output written to `stream`. */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** A set of styling functions; all identity when colour is off. */
export interface Style {
  enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

function wrap(open: number, close: number): (text: string) => string {
  return (text) => `\u001b[${open}m${text}\u001b[${close}m`;
}

/** Builds a Style, coloured or plain. */
export function createStyle(enabled: boolean): Style {
  const id = (text: string): string => text;
  if (!enabled) return { enabled, bold: id, dim: id, red: id, green: id, yellow: id, cyan: id };
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

const ANSI = /\u001b\[[0-9;]*m/g;

/** Visible width of a string, ignoring ANSI colour codes. */
export function visibleWidth(text: string): number {
  return text.replace(ANSI, '').length;
}

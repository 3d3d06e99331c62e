/**
 * Fitting styled text into terminal columns: truncation and padding that
 * count visible characters and keep ANSI colour codes intact.
 */
import { visibleWidth } from './style.js';

const ESCAPE = /\u001b\[[0-9;?]*[A-Za-z]/y;

/** Cuts `text` to at most `width` visible characters (an ellipsis marks the cut); colour codes are kept and reset after a cut. */
export function fitWidth(text: string, width: number): string {
  if (width <= 0) return '';
  if (visibleWidth(text) <= width) return text;
  let out = '';
  let shown = 0;
  let i = 0;
  while (i < text.length && shown < width - 1) {
    ESCAPE.lastIndex = i;
    const match = ESCAPE.exec(text);
    if (match) {
      out += match[0];
      i += match[0].length;
      continue;
    }
    const code = text.codePointAt(i)!;
    const char = String.fromCodePoint(code);
    out += char;
    i += char.length;
    shown++;
  }
  return `${out}…${text.includes('\u001b[') ? '\u001b[0m' : ''}`;
}

/** Pads `text` with spaces to `width` visible characters (never cuts). */
export function padWidth(text: string, width: number): string {
  const missing = width - visibleWidth(text);
  return missing > 0 ? text + ' '.repeat(missing) : text;
}

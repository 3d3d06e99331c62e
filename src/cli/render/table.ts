/**
 * Plain column tables: left-aligned, two spaces between columns, the last
 * column never padded. Cells may carry colour codes.
 */
import { visibleWidth } from './style.js';

/** A column heading and, optionally, right alignment (for numbers). */
export interface Column {
  title: string;
  align?: 'left' | 'right';
}

/** Formats rows under headings; returns the lines without trailing newlines. */
export function formatTable(columns: readonly Column[], rows: ReadonlyArray<readonly string[]>, heading: (text: string) => string = (t) => t): string[] {
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => visibleWidth(r[i] ?? ''))));
  const line = (cells: readonly string[], isHeading: boolean): string =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat(Math.max(0, widths[i]! - visibleWidth(cell)));
        const text = isHeading ? heading(cell) : cell;
        if (columns[i]!.align === 'right') return pad + text;
        return i === cells.length - 1 ? text : text + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.title), true), ...rows.map((r) => line(r, false))];
}

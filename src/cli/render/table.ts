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
  // Each cell's width once (colour codes cost a scan), and the widest per column in a loop:
  // Math.max(...cells) would overflow the call stack on a machine with a hundred thousand sockets.
  const cellWidths = rows.map((row) => row.map((cell) => visibleWidth(cell)));
  const widths = columns.map((c, i) => {
    let width = c.title.length;
    for (const row of cellWidths) if ((row[i] ?? 0) > width) width = row[i]!;
    return width;
  });
  const line = (cells: readonly string[], cellWidth: (i: number) => number, isHeading: boolean): string =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat(Math.max(0, widths[i]! - cellWidth(i)));
        const text = isHeading ? heading(cell) : cell;
        if (columns[i]!.align === 'right') return pad + text;
        return i === cells.length - 1 ? text : text + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.title), (i) => columns[i]!.title.length, true), ...rows.map((r, n) => line(r, (i) => cellWidths[n]![i]!, false))];
}

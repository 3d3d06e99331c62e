/**
 * The CLI's output channel: the only place that writes to stdout and stderr.
 * Commands build text with the render functions and hand it here.
 */
import { createStyle, useColor, type Style } from './style.js';

/** Where a command's output goes, and what kind of terminal it is. */
export interface Io {
  /** Writes lines to stdout. */
  out(text: string | readonly string[]): void;
  /** Writes lines to stderr (progress, warnings, errors). */
  err(text: string | readonly string[]): void;
  /** Styling for stdout. */
  style: Style;
  /** Styling for stderr. */
  errStyle: Style;
  /** True when stdout is a terminal. */
  stdoutIsTTY: boolean;
  /** True when stdin is a terminal, so berth may ask questions. */
  interactive: boolean;
}

function lines(text: string | readonly string[]): string {
  const joined = typeof text === 'string' ? text : text.join('\n');
  return joined.endsWith('\n') || joined === '' ? joined : `${joined}\n`;
}

/** The Io of this process. */
export function processIo(): Io {
  return {
    out: (text) => void process.stdout.write(lines(text)),
    err: (text) => void process.stderr.write(lines(text)),
    style: createStyle(useColor(process.stdout)),
    errStyle: createStyle(useColor(process.stderr)),
    stdoutIsTTY: process.stdout.isTTY === true,
    interactive: process.stdin.isTTY === true,
  };
}

/** Serialises a result for --json: stable key order as built, two-space indent. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Error && 'toJSON' in v ? (v as { toJSON(): unknown }).toJSON() : v), 2);
}

/**
 * Durations as users type them, the same in every command: `500ms`, `5s`,
 * `2m`, `1h`, `1d`; a bare number means seconds (`5` = 5 s, `0.5` = 500 ms).
 */
import { BerthError } from './errors.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration into milliseconds.
 * @throws BerthError E_DURATION_INVALID for negative, empty or unit-less garbage.
 */
export function parseDuration(input: string): number {
  const match = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h|d)?$/.exec(input.trim());
  if (!match) {
    throw new BerthError('E_DURATION_INVALID', `"${input}" is not a valid duration.`, {
      hint: 'Write durations like 500ms, 5s, 2m or 1h; a bare number means seconds.',
      data: { input },
    });
  }
  return Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 's']!);
}

/** Formats milliseconds for people: `450ms`, `5s`, `2m 30s`, `3h 5m`, `2d 4h`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days}d` : `${days}d ${hours % 24}h`;
}

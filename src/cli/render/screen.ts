/**
 * A full-screen terminal view without flicker: the alternate screen, the
 * cursor hidden, and each frame written as one write that rewrites only the
 * lines that changed (cursor to the line, the text, erase to end of line),
 * inside a synchronized-update bracket that terminals without support ignore.
 * Never a full clear, except once on entry.
 *
 * `stop()` restores the terminal and is safe to call any number of times,
 * from exit and signal handlers alike (TTY writes are synchronous).
 */
const CSI = '\u001b[';
const ENTER = `${CSI}?1049h${CSI}?25l${CSI}H${CSI}2J`;
const LEAVE = `${CSI}0m${CSI}?25h${CSI}?1049l`;
const SYNC_BEGIN = `${CSI}?2026h`;
const SYNC_END = `${CSI}?2026l`;

/** A full-screen view on a terminal stream. */
export interface Screen {
  /** Current size in columns and rows. */
  size(): { columns: number; rows: number };
  /** Enters the alternate screen and hides the cursor. */
  start(): void;
  /** Draws a frame: one string per screen line, each already fitted to the width. */
  draw(lines: readonly string[]): void;
  /** Forgets what is on screen, so the next draw rewrites every line (after a resize). */
  invalidate(): void;
  /** Leaves the alternate screen and shows the cursor again. Idempotent. */
  stop(): void;
}

/** Creates a screen on `stream` (process.stdout when it is a TTY). */
export function createScreen(stream: NodeJS.WriteStream): Screen {
  let previous: string[] = [];
  let active = false;
  let full = true;
  const write = (text: string): void => {
    try {
      stream.write(text);
    } catch {
      // The terminal is gone (SSH dropped): nothing left to restore.
    }
  };
  return {
    size() {
      return { columns: stream.columns || 80, rows: stream.rows || 24 };
    },
    start() {
      if (active) return;
      active = true;
      previous = [];
      full = true;
      write(ENTER);
    },
    draw(lines) {
      if (!active) return;
      let out = '';
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!;
        if (!full && previous[i] === line) continue;
        out += `${CSI}${i + 1};1H${line}${CSI}0m${CSI}K`;
      }
      // Lines below a shorter frame are erased one by one: an erase-below from a
      // cursor clamped to the last row would wipe the frame's own last line.
      for (let i = lines.length; i < previous.length; i++) out += `${CSI}${i + 1};1H${CSI}K`;
      previous = [...lines];
      full = false;
      if (out !== '') write(SYNC_BEGIN + out + SYNC_END);
    },
    invalidate() {
      full = true;
    },
    stop() {
      if (!active) return;
      active = false;
      write(LEAVE);
    },
  };
}

/**
 * The CLI's output channel: the only place that writes to stdout and stderr.
 * Commands build text with the render functions and hand it here.
 */
import { fstatSync, statSync, writeSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
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
  /** True when stderr is a terminal (progress lines). */
  stderrIsTTY: boolean;
  /** True when stdin is a terminal, so berth may ask questions. */
  interactive: boolean;
  /**
   * process.stdout, for what needs a stream (piping a child's output, 'error'
   * or 'resize' events). From the first call on, out() writes through it too,
   * so the two never overtake each other.
   */
  stdoutStream(): NodeJS.WriteStream;
  /** process.stderr, likewise for err(). */
  stderrStream(): NodeJS.WriteStream;
}

function lines(text: string | readonly string[]): string {
  const joined = typeof text === 'string' ? text : text.join('\n');
  return joined.endsWith('\n') || joined === '' ? joined : `${joined}\n`;
}

/**
 * Writes to fd 1 or 2. Node creates process.stdout and process.stderr on
 * first use, ~3 ms each (a net.Socket and its modules for a pipe), a tenth
 * of a short command's whole run; the usual one-shot command writes with
 * write(2) instead, which is what Node's own stream does for files and
 * terminals (and, for a pipe, a blocking write instead of a queued one).
 * Once something asks for the stream, every later write goes through it.
 */
class Output {
  private stream: NodeJS.WriteStream | null = null;
  /** The reader went away (EPIPE): the rest is dropped, as `berth ls | head -1` expects. */
  private closed = false;

  constructor(
    private readonly fd: 1 | 2,
    private readonly open: () => NodeJS.WriteStream,
  ) {}

  streamed(): NodeJS.WriteStream {
    if (this.stream === null) {
      this.stream = this.open();
      // The same quiet end as below when the reader goes away later.
      this.stream.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') throw error;
        this.closed = true;
      });
    }
    return this.stream;
  }

  write(text: string): void {
    if (this.closed || text === '') return;
    // Windows: a console wants Node's UTF-16 conversion, which only the stream does.
    if (this.stream || process.platform === 'win32') {
      this.streamed().write(text);
      return;
    }
    const bytes = Buffer.from(text, 'utf8');
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += writeSync(this.fd, bytes, offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') {
          this.closed = true;
          return;
        }
        // EAGAIN: a non-blocking pipe is full; the stream waits for it.
        if (code === 'EAGAIN') {
          this.streamed().write(bytes.subarray(offset));
          return;
        }
        throw error;
      }
    }
  }
}

/**
 * True when `fd` is a terminal. node:tty loads node:net and the stream
 * modules (~3 ms); a pipe, a file or /dev/null (`berth who 3000 >/dev/null`
 * in a script) is told apart with a stat or two first.
 */
export function isTerminal(fd: number): boolean {
  let stat: Stats;
  try {
    stat = fstatSync(fd);
  } catch {
    return false; // closed
  }
  if (!stat.isCharacterDevice() || isDevNull(stat)) return false;
  return (createRequire(import.meta.url)('node:tty') as typeof import('node:tty')).isatty(fd);
}

function isDevNull(stat: Stats): boolean {
  try {
    return stat.rdev === statSync('/dev/null').rdev;
  } catch {
    return false; // no /dev/null here: ask node:tty
  }
}

/** The Io of this process. Terminal checks are made when first asked (stdin is only looked at by the commands that may ask). */
export function processIo(): Io {
  const stdout = new Output(1, () => process.stdout);
  const stderr = new Output(2, () => process.stderr);
  const terminal: Array<boolean | undefined> = [];
  const isTty = (fd: 0 | 1 | 2): boolean => (terminal[fd] ??= isTerminal(fd));
  let style: Style | undefined;
  let errStyle: Style | undefined;
  return {
    out: (text) => stdout.write(lines(text)),
    err: (text) => stderr.write(lines(text)),
    get style() {
      return (style ??= createStyle(useColor({ isTTY: isTty(1) })));
    },
    get errStyle() {
      return (errStyle ??= createStyle(useColor({ isTTY: isTty(2) })));
    },
    get stdoutIsTTY() {
      return isTty(1);
    },
    get stderrIsTTY() {
      return isTty(2);
    },
    get interactive() {
      return isTty(0);
    },
    stdoutStream: () => stdout.streamed(),
    stderrStream: () => stderr.streamed(),
  };
}

/** Serialises a result for --json: stable key order as built, two-space indent. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Error && 'toJSON' in v ? (v as { toJSON(): unknown }).toJSON() : v), 2);
}

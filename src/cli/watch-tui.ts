/**
 * The live terminal view of `berth watch`: raw-mode keys, a frame per scan,
 * and a terminal that is restored on every way out (q, Ctrl-C, SIGINT,
 * SIGTERM, SIGHUP, an error, an uncaught exception).
 */
import { formatDuration } from '../duration.js';
import { killPort, KILL_TIMEOUT_MS, type KillPlan } from '../kill/index.js';
import { formatHostPort, inRange } from '../ports/parse.js';
import { listenerKey } from '../watch/diff.js';
import { watchListeners } from '../watch/events.js';
import type { HistoryRecorder } from '../watch/recorder.js';
import type { ListenerScan } from '../watch/scanner.js';
import { recordingLabel, startRecording, type WatchFlags } from './commands/watch.js';
import type { Io } from './render/io.js';
import { renderKillResult } from './render/kill.js';
import { createScreen } from './render/screen.js';
import { CLOSED_SHOWN_MS, NEW_HIGHLIGHT_MS, renderWatchFrame, visibleRows, WATCH_SORTS, type WatchViewState } from './render/watch.js';

type KeyHandler = (key: string) => void;

/** Splits a chunk of terminal input into keys: escape sequences whole, other characters one by one. */
export function splitKeys(chunk: string): string[] {
  const keys: string[] = [];
  for (let i = 0; i < chunk.length; ) {
    const seq = /^\u001b(\[[0-9;]*[A-Za-z~]|O[A-Za-z])/.exec(chunk.slice(i));
    if (seq) {
      keys.push(seq[0]);
      i += seq[0].length;
      continue;
    }
    const char = String.fromCodePoint(chunk.codePointAt(i)!);
    keys.push(char);
    i += char.length;
  }
  return keys;
}

const UP = new Set(['\u001b[A', '\u001bOA', 'k']);
const DOWN = new Set(['\u001b[B', '\u001bOB', 'j']);

/** Runs the live view until the user quits or a signal arrives; returns the exit code. */
export async function runTerminalView(flags: WatchFlags, io: Io): Promise<number> {
  const stdin = process.stdin;
  const stdout = io.stdoutStream();
  const screen = createScreen(stdout);
  const controller = new AbortController();
  const state: WatchViewState = {
    rows: new Map(),
    sort: 'port',
    filter: '',
    editingFilter: false,
    selectedKey: null,
    details: false,
    message: null,
    recording: '',
    scope: flags.scope,
  };
  let recorder: HistoryRecorder | null = null;
  let prompt: ((yes: boolean) => void) | null = null;
  let killing = false;
  let exitCode = 0;
  let drawQueued = false;

  const draw = (): void => {
    drawQueued = false;
    const { columns, rows } = screen.size();
    screen.draw(renderWatchFrame(state, { columns, rows, now: Date.now(), style: io.style }));
  };
  const redraw = (): void => {
    if (drawQueued) return;
    drawQueued = true;
    setImmediate(draw);
  };

  const restore = (): void => {
    screen.stop();
    if (stdin.isTTY) {
      try {
        stdin.setRawMode(false);
      } catch {
        // stdin already closed
      }
    }
  };
  const quit = (code = 0): void => {
    exitCode = code;
    prompt?.(false);
    controller.abort();
  };
  const onSignal = (): void => quit(0);
  const onResize = (): void => {
    screen.invalidate();
    redraw();
  };
  const onCrash = (error: unknown): void => {
    restore();
    io.err(`berth watch: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  };

  const ask = (question: string): Promise<boolean> =>
    new Promise((resolve) => {
      state.message = `${question} [y/N]`;
      prompt = (yes) => {
        prompt = null;
        state.message = null;
        resolve(yes);
        redraw();
      };
      redraw();
    });

  const describePlan = (plan: KillPlan): string => {
    const victims = plan.victims.map((v) => `pid ${v.process.pid} (${v.process.name})`).join(', ');
    const refused = plan.refused.map((r) => `pid ${r.process.pid} is protected`).join(', ');
    return `Stop ${victims}${refused ? `; ${refused}` : ''}?`;
  };

  const killSelected = async (): Promise<void> => {
    const row = state.selectedKey === null ? undefined : state.rows.get(state.selectedKey);
    if (!row || row.closedAt !== null || killing) return;
    killing = true;
    const target = formatHostPort(row.socket.localAddress, row.socket.localPort);
    state.message = `Looking at what holds ${target}…`;
    redraw();
    try {
      const result = await killPort(target, {
        timeoutMs: KILL_TIMEOUT_MS,
        confirm: (plan) => ask(describePlan(plan)),
        escalate: (running) =>
          ask(`${running.map((p) => `pid ${p.pid} (${p.name})`).join(', ')} still running after ${formatDuration(KILL_TIMEOUT_MS)}. Send SIGKILL?`),
        onSignal: (proc, sent) => {
          state.message = `→ ${sent} pid ${proc.pid} (${proc.name})`;
          redraw();
        },
      });
      const noVictims = result.plan.victims.length === 0;
      const why = result.plan.refused.map((r) => r.message).join(' ') || `Nothing to stop on ${target}.`;
      state.message = noVictims ? why : renderKillResult(result, io.style, KILL_TIMEOUT_MS, `berth kill ${target}`).join(' · ');
    } catch (error) {
      state.message = io.style.red(error instanceof Error ? error.message : String(error));
    } finally {
      killing = false;
      redraw();
    }
  };

  const moveSelection = (delta: number): void => {
    const rows = visibleRows(state);
    if (rows.length === 0) return;
    const index = rows.findIndex((r) => r.key === state.selectedKey);
    const next = index === -1 ? 0 : Math.max(0, Math.min(rows.length - 1, index + delta));
    state.selectedKey = rows[next]!.key;
  };

  /** Keeps the selection on a row that is on screen (after a filter, a close, a sort). */
  const keepSelectionVisible = (): void => {
    const rows = visibleRows(state);
    if (!rows.some((r) => r.key === state.selectedKey)) state.selectedKey = rows[0]?.key ?? null;
  };

  const onKey: KeyHandler = (key) => {
    if (key === '\u0003') return quit(0); // Ctrl-C in raw mode arrives as a byte, not as SIGINT
    if (prompt) return prompt(key === 'y' || key === 'Y');
    if (state.editingFilter) {
      if (key === '\r' || key === '\n') state.editingFilter = false;
      else if (key === '\u001b') {
        state.editingFilter = false;
        state.filter = '';
      } else if (key === '\u007f' || key === '\b') state.filter = state.filter.slice(0, -1);
      else if (key.length === 1 && key >= ' ') state.filter += key;
      keepSelectionVisible();
      return redraw();
    }
    state.message = null;
    if (key === 'q' || key === 'Q' || key === '\u0004') return quit(0);
    if (key === '/') {
      state.editingFilter = true;
    } else if (key === '\u001b') {
      state.filter = '';
      state.details = false;
    } else if (key === 's') {
      state.sort = WATCH_SORTS[(WATCH_SORTS.indexOf(state.sort) + 1) % WATCH_SORTS.length]!;
    } else if (UP.has(key)) moveSelection(-1);
    else if (DOWN.has(key)) moveSelection(1);
    else if (key === '\u001b[5~') moveSelection(-(screen.size().rows - 4));
    else if (key === '\u001b[6~') moveSelection(screen.size().rows - 4);
    else if (key === '\r' || key === '\n') {
      if (state.selectedKey === null) moveSelection(0);
      state.details = !state.details;
    } else if (key === 'K') {
      void killSelected();
    }
    keepSelectionVisible();
    redraw();
  };
  const onData = (chunk: Buffer): void => {
    for (const key of splitKeys(chunk.toString('utf8'))) onKey(key);
  };

  const onScan = (scan: ListenerScan): void => {
    recorder?.record(scan);
    const now = scan.at;
    for (const socket of scan.closed) {
      const row = state.rows.get(listenerKey(socket));
      if (row) row.closedAt = now;
    }
    for (const socket of scan.opened) {
      if (flags.range && !inRange(socket.localPort, flags.range)) continue;
      state.rows.set(listenerKey(socket), { key: listenerKey(socket), socket, firstSeenAt: now, initial: scan.first, closedAt: null });
    }
    for (const [key, row] of state.rows) if (row.closedAt !== null && now - row.closedAt > CLOSED_SHOWN_MS) state.rows.delete(key);
    keepSelectionVisible();
    state.recording = recordingLabel(recorder);
    redraw();
  };

  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  process.on('exit', restore);
  stdout.on('resize', onResize);
  // Highlights fade and ages tick between scans too.
  const ticker = setInterval(redraw, Math.min(1000, NEW_HIGHLIGHT_MS / 5));
  try {
    recorder = flags.record ? startRecording(flags, 'watch') : null;
    screen.start();
    stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.resume();
    draw();
    for await (const _event of watchListeners({ intervalMs: flags.intervalMs, signal: controller.signal, onScan })) {
      // The view is updated from whole scans in onScan; events are not needed one by one.
    }
    return exitCode;
  } finally {
    clearInterval(ticker);
    stdin.off('data', onData);
    stdin.pause();
    restore();
    recorder?.stop();
    for (const s of signals) process.off(s, onSignal);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    process.off('exit', restore);
    stdout.off('resize', onResize);
  }
}

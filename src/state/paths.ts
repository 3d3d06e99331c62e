/**
 * Where berth keeps its state: `$BERTH_HOME`, else the platform's per-user
 * state folder. Pure functions of the environment, so tests can ask "where
 * would it go on macOS?" without being on a Mac.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, posix, win32 } from 'node:path';

/** File name of the SQLite store inside the state folder. */
export const STATE_FILE_NAME = 'berth.db';

/**
 * The state folder:
 * - `$BERTH_HOME` when set (tests, several independent setups on one machine);
 * - Linux and other Unix: `$XDG_STATE_HOME/berth`, default `~/.local/state/berth`
 *   (XDG Base Directory spec: a relative `$XDG_STATE_HOME` is invalid and ignored);
 * - macOS: `~/Library/Application Support/berth`;
 * - Windows: `%LOCALAPPDATA%\berth`, default `~\AppData\Local\berth`.
 */
export function stateHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  const explicit = env.BERTH_HOME;
  if (explicit !== undefined && explicit !== '') return explicit;
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA;
    return local !== undefined && local !== '' ? win32.join(local, 'berth') : win32.join(home, 'AppData', 'Local', 'berth');
  }
  if (platform === 'darwin') return posix.join(home, 'Library', 'Application Support', 'berth');
  const xdg = env.XDG_STATE_HOME;
  if (xdg !== undefined && xdg !== '' && isAbsolute(xdg)) return join(xdg, 'berth');
  return posix.join(home, '.local', 'state', 'berth');
}

/** Full path of the SQLite store inside `home` (default: {@link stateHome}). */
export function statePath(home: string = stateHome()): string {
  return join(home, STATE_FILE_NAME);
}

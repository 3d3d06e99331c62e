/**
 * Signalling a process safely: the pid's start marker is checked right
 * before the signal, so a pid that was reused by another process is never hit.
 */
import { BerthError, errnoCode } from '../errors.js';
import type { ProcessInfo } from '../model.js';
import { isSameProcessAlive } from './index.js';

/** What happened when berth tried to signal a process. */
export type SignalOutcome = 'sent' | 'gone';

/**
 * Sends `signal` to `proc` if it is still the same process. `retryCommand`
 * (such as `berth kill 3000`) is offered, with sudo, when the OS refuses.
 * Returns 'gone' when it exited or its pid now names another process.
 * @throws BerthError E_PERMISSION when the OS refuses (another user's process).
 */
export function signalProcess(proc: ProcessInfo, signal: NodeJS.Signals, retryCommand?: string): SignalOutcome {
  if (!isSameProcessAlive(proc)) return 'gone';
  try {
    process.kill(proc.pid, signal);
    return 'sent';
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ESRCH') return 'gone';
    if (code === 'EPERM') {
      const owner = proc.user ?? (proc.uid === null ? 'another user' : String(proc.uid));
      throw new BerthError('E_PERMISSION', `Not allowed to signal pid ${proc.pid} (${proc.name}): it belongs to ${owner}.`, {
        hint: retryCommand ? `Run it as that user or with sudo: sudo ${retryCommand}` : `Run berth as ${owner} or with sudo.`,
        cause: error,
        data: { pid: proc.pid, user: proc.user, uid: proc.uid },
      });
    }
    throw error;
  }
}

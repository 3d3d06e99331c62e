/**
 * Rendering `berth ui`: the ready lines with the URL, and the goodbye.
 */
import type { FeedStatus } from '../../ui/index.js';
import type { Style } from './style.js';

/** Whether history is recorded, in a few words. */
export function describeRecording(status: FeedStatus, recordRequested: boolean): string {
  if (!recordRequested) return 'history not recorded (--no-record)';
  if (status.recording) return 'recording history';
  if (status.recordedBy) return `history recorded by berth ${status.recordedBy.kind} (pid ${status.recordedBy.pid})`;
  return 'history not recorded';
}

/** What `berth ui` prints once it listens: the URL first, on its own line, for copying. */
export function renderUiReady(url: string, recording: string, style: Style): string[] {
  return [`berth dashboard at ${style.cyan(url)}`, style.dim(`  this machine only (loopback) · ${recording} · Ctrl-C to stop`)];
}

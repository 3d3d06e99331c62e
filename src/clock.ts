/**
 * Wall-clock times for people, in local time, formatted by hand: the first
 * toLocaleString() call loads ICU data (~18 ms), too much for a CLI start.
 */

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function localDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** `2026-11-23 14:05:09`. */
export function localDateTime(ms: number): string {
  const d = new Date(ms);
  return `${localDate(d)} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `14:05:09` today, `Mon 14:05` within the last six days, else `2026-11-02 14:05`. */
export function formatWhen(at: number, now = Date.now()): string {
  const date = new Date(at);
  const hms = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  if (date.toDateString() === new Date(now).toDateString()) return hms;
  if (now - at < 6 * 86_400_000 && at < now) return `${date.toDateString().slice(0, 3)} ${hms.slice(0, 5)}`;
  return `${localDate(date)} ${hms.slice(0, 5)}`;
}

/**
 * What to say when a socket's holder cannot be read. As a normal user the
 * way out is sudo; as root it means a sandbox or security module (Yama
 * ptrace_scope, an LSM, a container's init) hides /proc/<pid>/fd.
 */

/** True when berth runs as root, where sudo would not help. */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The short table label for a hidden holder. */
export function hiddenLabel(): string {
  return isRoot() ? '(hidden by the OS)' : '(hidden: sudo shows it)';
}

/** The full sentence with the way out, for `command` (such as `berth who 3000`). */
export function hiddenAdvice(command: string): string {
  return isRoot()
    ? `Its holder's file descriptors cannot be read here, not even as root: a sandbox or security policy (ptrace restrictions) hides /proc/<pid>/fd.`
    : `Run: sudo ${command}`;
}

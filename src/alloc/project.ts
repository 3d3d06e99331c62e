/**
 * Which project (and git worktree) a process works in, so that a named lease
 * or route is stable per worktree: `web` in ~/app and `web` in
 * ~/app-fix-login (a linked worktree of the same repository) are different
 * names with different ports.
 *
 * Read from the file system only (no `git` process): a worktree root holds a
 * `.git` folder (the main worktree) or a `.git` file pointing at
 * `<repo>/.git/worktrees/<id>` (a linked worktree, see git-worktree(1)).
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** Where a folder belongs. */
export interface ProjectInfo {
  /** The worktree root, or the nearest folder with a package.json, or the folder itself. */
  root: string;
  /** How `root` was found. */
  kind: 'git-worktree' | 'git-linked-worktree' | 'package' | 'folder';
  /** The checked-out branch (null when detached or not in git). */
  branch: string | null;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The branch named by a HEAD file ("ref: refs/heads/fix-login"), or null when detached. */
export function branchFromHead(head: string | null): string | null {
  const match = head?.trim().match(/^ref:\s*refs\/heads\/(.+)$/);
  return match ? match[1]! : null;
}

/**
 * Finds the project `folder` (default: the current folder) belongs to: the
 * enclosing git worktree, else the nearest package.json folder, else the folder.
 * Never throws; unreadable folders are skipped.
 */
export function findProject(folder: string = process.cwd()): ProjectInfo {
  const start = resolve(folder);
  let packageRoot: string | null = null;
  for (let dir = start; ; dir = dirname(dir)) {
    const dotGit = join(dir, '.git');
    if (isDirectory(dotGit)) {
      return { root: dir, kind: 'git-worktree', branch: branchFromHead(readText(join(dotGit, 'HEAD'))) };
    }
    if (isFile(dotGit)) {
      const pointer = readText(dotGit)?.match(/^gitdir:\s*(.+)$/m)?.[1]?.trim();
      const gitdir = pointer === undefined ? null : isAbsolute(pointer) ? pointer : resolve(dir, pointer);
      // A submodule's .git file points into the parent's .git/modules: a worktree of its own, not a linked one.
      const linked = gitdir !== null && /[/\\]worktrees[/\\][^/\\]+[/\\]?$/.test(gitdir);
      return {
        root: dir,
        kind: linked ? 'git-linked-worktree' : 'git-worktree',
        branch: gitdir === null ? null : branchFromHead(readText(join(gitdir, 'HEAD'))),
      };
    }
    if (packageRoot === null && isFile(join(dir, 'package.json'))) packageRoot = dir;
    const parent = dirname(dir);
    if (parent === dir) break;
  }
  if (packageRoot !== null) return { root: packageRoot, kind: 'package', branch: null };
  return { root: start, kind: 'folder', branch: null };
}

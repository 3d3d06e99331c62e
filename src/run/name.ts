/**
 * The route name `berth run` gives an app: `--name`, else package.json's
 * name, else the folder's name; in a linked git worktree the branch becomes
 * a prefix (`fix-login.web`), so every worktree of a repository gets its own
 * `*.localhost` URL and its own stable port.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { findProject, type ProjectInfo } from '../alloc/project.js';
import { BerthError } from '../errors.js';
import { parseRouteName, toRouteLabel } from '../proxy/names.js';

/** A route name and where it came from. */
export interface AppName {
  /** The route name, such as `web` or `fix-login.web`. */
  name: string;
  /** What the base name was taken from. */
  source: 'flag' | 'package.json' | 'folder';
  /** The branch prefix, in a linked worktree. */
  branch: string | null;
  project: ProjectInfo;
}

function packageName(folder: string): string | null {
  try {
    const parsed = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name?: unknown };
    return typeof parsed.name === 'string' ? parsed.name : null;
  } catch {
    return null;
  }
}

/**
 * Derives the route name for an app started in `cwd`.
 * @throws BerthError E_ROUTE_NAME_INVALID for a bad `--name`, E_USAGE when no name can be derived.
 */
export function deriveAppName(options: { name?: string; cwd?: string } = {}): AppName {
  const cwd = options.cwd ?? process.cwd();
  const project = findProject(cwd);
  const branch = project.kind === 'git-linked-worktree' && project.branch !== null ? toRouteLabel(project.branch) : null;
  const prefix = (base: string): string => (branch !== null && !base.startsWith(`${branch}.`) ? `${branch}.${base}` : base);
  if (options.name !== undefined) return { name: prefix(parseRouteName(options.name)), source: 'flag', branch, project };
  const fromPackage = toRouteLabel(packageName(cwd) ?? '') ?? (cwd === project.root ? null : toRouteLabel(packageName(project.root) ?? ''));
  if (fromPackage !== null) return { name: prefix(fromPackage), source: 'package.json', branch, project };
  const folder = toRouteLabel(basename(cwd));
  if (folder !== null) return { name: prefix(folder), source: 'folder', branch, project };
  throw new BerthError('E_USAGE', `berth cannot derive a name for the app in ${cwd}.`, { hint: 'Give one: berth run --name web -- npm run dev' });
}

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { branchFromHead, findProject } from '../../src/alloc/project.js';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'berth-project-')));
after(() => rmSync(root, { recursive: true, force: true }));

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.email=t@example.invalid', '-c', 'user.name=t', ...args], { cwd, stdio: 'ignore' });
}

describe('findProject', () => {
  it('reads the branch from HEAD', () => {
    assert.equal(branchFromHead('ref: refs/heads/fix/login\n'), 'fix/login');
    assert.equal(branchFromHead('0123456789abcdef\n'), null);
  });
  it('finds the main worktree and a linked worktree with its branch', () => {
    const repo = join(root, 'app');
    mkdirSync(join(repo, 'packages', 'web'), { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'README'), 'x');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'x');
    git(repo, 'worktree', 'add', '-q', '-b', 'fix-login', join(root, 'app-fix-login'));
    assert.deepEqual(findProject(join(repo, 'packages', 'web')), { root: repo, kind: 'git-worktree', branch: 'main' });
    assert.deepEqual(findProject(join(root, 'app-fix-login')), { root: join(root, 'app-fix-login'), kind: 'git-linked-worktree', branch: 'fix-login' });
  });
  it('falls back to the package folder, then the folder itself', () => {
    const pkg = join(root, 'plain', 'pkg');
    mkdirSync(join(pkg, 'src'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), '{}');
    assert.deepEqual(findProject(join(pkg, 'src')), { root: pkg, kind: 'package', branch: null });
    const bare = join(root, 'bare');
    mkdirSync(bare);
    // tmpdir() itself may sit inside a package or repository on a developer machine; only check when it does not.
    if (findProject(root).kind === 'folder') assert.deepEqual(findProject(bare), { root: bare, kind: 'folder', branch: null });
  });
});

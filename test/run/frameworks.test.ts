import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, realpathSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { planCommand } from '../../src/run/frameworks.js';
import { deriveAppName } from '../../src/run/name.js';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'berth-run-unit-')));
after(() => rmSync(root, { recursive: true, force: true }));

describe('planCommand', () => {
  const dir = join(root, 'scripts');
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { dev: 'cross-env NODE_ENV=development vite --open', start: 'node server.js', ng: 'ng serve', next: 'next dev' } }));
  it('adds --port/--host to tools that ignore PORT, directly or through launchers', () => {
    assert.deepEqual(planCommand(['vite'], 4100, '127.0.0.1', dir).argv, ['vite', '--port', '4100', '--strictPort', '--host', '127.0.0.1']);
    assert.deepEqual(planCommand(['npx', 'vite', 'dev'], 4100, '127.0.0.1', dir).argv, ['npx', 'vite', 'dev', '--port', '4100', '--strictPort', '--host', '127.0.0.1']);
    assert.deepEqual(planCommand(['node', 'node_modules/vite/bin/vite.js'], 4100, '::1', dir).tool, null, 'node itself is not a dev server');
    assert.equal(planCommand(['/x/node_modules/.bin/astro', 'dev'], 4100, '127.0.0.1', dir).tool, 'Astro');
  });
  it('looks inside package scripts; npm needs -- before the flags, pnpm does not', () => {
    assert.deepEqual(planCommand(['npm', 'run', 'dev'], 4100, '127.0.0.1', dir).argv, ['npm', 'run', 'dev', '--', '--port', '4100', '--strictPort', '--host', '127.0.0.1']);
    assert.deepEqual(planCommand(['pnpm', 'dev'], 4100, '127.0.0.1', dir).argv, ['pnpm', 'dev', '--port', '4100', '--strictPort', '--host', '127.0.0.1']);
    assert.equal(planCommand(['yarn', 'ng'], 4100, '127.0.0.1', dir).tool, 'Angular CLI');
    assert.deepEqual(planCommand(['npm', 'run', 'next'], 4100, '127.0.0.1', dir).added, ['--port', '4100', '--hostname', '127.0.0.1']);
  });
  it('leaves alone what it does not know, and a port the user chose', () => {
    assert.deepEqual(planCommand(['npm', 'start'], 4100, '127.0.0.1', dir), { argv: ['npm', 'start'], tool: null, added: [] });
    assert.deepEqual(planCommand(['python3', '-m', 'http.server'], 4100, '127.0.0.1', dir).added, []);
    assert.deepEqual(planCommand(['vite', '--port', '5000'], 4100, '127.0.0.1', dir).added, []);
    assert.deepEqual(planCommand(['vite', '--port=5000'], 4100, '127.0.0.1', dir).added, []);
  });
});

describe('deriveAppName', () => {
  it('takes --name, else package.json (scope dropped), else the folder', () => {
    const pkg = join(root, 'pkg');
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@acme/Web_App' }));
    assert.equal(deriveAppName({ cwd: pkg }).name, 'web-app');
    assert.equal(deriveAppName({ cwd: pkg, name: 'API.localhost' }).name, 'api');
    const folder = join(root, 'My Folder');
    mkdirSync(folder);
    assert.equal(deriveAppName({ cwd: folder }).source, 'folder');
    assert.throws(() => deriveAppName({ cwd: pkg, name: 'bad_name!' }), /not a valid|may only hold/);
  });
  it('puts the branch in front in a linked git worktree', () => {
    const repo = join(root, 'repo');
    mkdirSync(repo);
    const git = (cwd: string, ...args: string[]): void => void execFileSync('git', ['-c', 'user.email=t@example.invalid', '-c', 'user.name=t', ...args], { cwd, stdio: 'ignore' });
    writeFileSync(join(repo, 'package.json'), JSON.stringify({ name: 'web' }));
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'x');
    git(repo, 'worktree', 'add', '-q', '-b', 'feat/Login', join(root, 'repo-login'));
    assert.equal(deriveAppName({ cwd: repo }).name, 'web');
    assert.equal(deriveAppName({ cwd: join(root, 'repo-login') }).name, 'feat-login.web');
  });
});

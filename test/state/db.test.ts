import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync, chownSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isBerthError } from '../../src/errors.js';
import { closeStates, openState } from '../../src/state/db.js';
import { SCHEMA_VERSION } from '../../src/state/migrations.js';
import { stateHome } from '../../src/state/paths.js';
import { runBerth } from '../helpers/children.js';

const root = mkdtempSync(join(tmpdir(), 'berth-state-'));
after(() => {
  closeStates();
  rmSync(root, { recursive: true, force: true });
});
let n = 0;
const freshHome = (): string => join(root, `home-${n++}`);

describe('state store', () => {
  it('is created in WAL mode at the current schema version', () => {
    const store = openState({ home: freshHome() });
    assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(store.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  });

  it('a corrupt file is E_STATE_CORRUPT with the way out, never an empty store', async () => {
    const home = freshHome();
    mkdirSync(home);
    writeFileSync(join(home, 'berth.db'), 'this is not a database, it is a text file that got here somehow'.repeat(100));
    assert.throws(() => openState({ home }), (e: unknown) => isBerthError(e) && e.code === 'E_STATE_CORRUPT' && /mv .*berth\.db.*broken/.test(e.hint ?? ''));
    const r = await runBerth(['get'], { env: { BERTH_HOME: home } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /state store .* is unreadable/);
  });

  it('another program\'s SQLite database is refused', () => {
    const home = freshHome();
    mkdirSync(home);
    const Database = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');
    const other = new Database(join(home, 'berth.db'));
    other.exec('CREATE TABLE notes (text TEXT)');
    other.close();
    assert.throws(() => openState({ home }), (e: unknown) => isBerthError(e) && e.code === 'E_STATE_CORRUPT');
  });

  it('a store from a newer berth is E_STATE_NEWER and left untouched', () => {
    const home = freshHome();
    const store = openState({ home });
    store.db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    closeStates();
    assert.throws(() => openState({ home }), (e: unknown) => isBerthError(e) && e.code === 'E_STATE_NEWER' && /newer berth/.test(e.message));
  });

  it('a folder that cannot be written is E_STATE_READONLY (checked as an unprivileged user)', async () => {
    const home = freshHome();
    mkdirSync(home);
    chmodSync(root, 0o755);
    chownSync(home, 0, 0);
    chmodSync(home, 0o755);
    if (process.getuid?.() === 0) {
      const r = await runBerth(['get'], { uid: 65534, gid: 65534, env: { BERTH_HOME: home } });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /cannot write its state folder/);
      assert.match(r.stderr, /BERTH_HOME/);
    }
    const file = join(root, 'a-file');
    writeFileSync(file, '');
    assert.throws(() => openState({ home: file }), (e: unknown) => isBerthError(e) && e.code === 'E_STATE_READONLY' && /not a folder/.test(e.message));
  });

  it('finds its folder per platform', () => {
    assert.equal(stateHome({ BERTH_HOME: '/x' }, 'linux', '/home/a'), '/x');
    assert.equal(stateHome({}, 'linux', '/home/a'), '/home/a/.local/state/berth');
    assert.equal(stateHome({ XDG_STATE_HOME: '/s' }, 'linux', '/home/a'), '/s/berth');
    assert.equal(stateHome({ XDG_STATE_HOME: 'relative' }, 'linux', '/home/a'), '/home/a/.local/state/berth');
    assert.equal(stateHome({}, 'darwin', '/Users/a'), '/Users/a/Library/Application Support/berth');
    assert.equal(stateHome({ LOCALAPPDATA: 'C:\\Users\\a\\AppData\\Local' }, 'win32', 'C:\\Users\\a'), 'C:\\Users\\a\\AppData\\Local\\berth');
  });
});

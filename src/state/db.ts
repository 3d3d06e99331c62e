/**
 * The state store: one SQLite file in WAL mode under the state folder, shared
 * by every berth process of the user. Writers use `BEGIN IMMEDIATE`
 * transactions and wait on each other through SQLite's busy timeout, so any
 * number of processes can claim and release ports at once without lock files.
 *
 * Opening never silently starts over: a damaged file, a file from a newer
 * berth and a folder berth cannot write are each a BerthError saying how to
 * get out. better-sqlite3 is loaded on first use, so commands that never touch
 * the store (and `berth --version`) do not pay for it.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { BerthError, errnoCode } from '../errors.js';
import { shellQuote } from '../shell.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import { stateHome, statePath } from './paths.js';

/** An open better-sqlite3 connection. */
export type Database = BetterSqlite3.Database;

/** How long a writer waits for another process's transaction before giving up, in milliseconds. */
export const BUSY_TIMEOUT_MS = 15_000;

/** SQLite `application_id` of a berth store ("bert"), so another program's database is never mistaken for one. */
export const APPLICATION_ID = 0x62657274;

/** An open state store. */
export interface StateStore {
  /** The state folder. */
  readonly home: string;
  /** The SQLite file. */
  readonly path: string;
  /** The connection; use {@link transact} for writes. */
  readonly db: Database;
}

/** Where to open the store. */
export interface StateOptions {
  /** The state folder; default `$BERTH_HOME` or the platform's state folder ({@link stateHome}). */
  home?: string;
}

const open = new Map<string, StateStore>();
let driver: typeof BetterSqlite3 | undefined;

function loadDriver(): typeof BetterSqlite3 {
  driver ??= createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  return driver;
}

function readonlyError(home: string, why: string, cause?: unknown): BerthError {
  return new BerthError('E_STATE_READONLY', `berth cannot write its state folder ${home}: ${why}.`, {
    hint: `Make it writable (ls -ld ${shellQuote(home)}), or point berth at a folder you can write: export BERTH_HOME=~/.berth`,
    cause,
    data: { home },
  });
}

function corruptError(path: string, why: string, cause?: unknown): BerthError {
  return new BerthError('E_STATE_CORRUPT', `berth's state store ${path} is unreadable: ${why}.`, {
    hint: `Move it aside and berth starts a fresh one (current leases are forgotten): mv ${shellQuote(path)} ${shellQuote(`${path}.broken`)}`,
    cause,
    data: { path },
  });
}

/**
 * Turns a SQLite or file-system failure on the store into the BerthError that
 * says what to do; anything else is returned unchanged (a bug, shown with its stack).
 */
export function toStateError(error: unknown, store: Pick<StateStore, 'home' | 'path'>): unknown {
  if (error instanceof BerthError) return error;
  const code = errnoCode(error) ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_DLOPEN_FAILED' || message.includes('NODE_MODULE_VERSION')) {
    return new BerthError('E_PLATFORM', `berth's SQLite driver (better-sqlite3) was built for another Node.js than this one (${process.version}).`, {
      hint: 'Rebuild it for this Node: npm rebuild better-sqlite3 (in berth\'s folder), or run berth with the Node it was installed with.',
      cause: error,
      data: { node: process.version },
    });
  }
  if (code === 'SQLITE_NOTADB') return corruptError(store.path, 'it is not a SQLite database', error);
  if (code.startsWith('SQLITE_CORRUPT')) return corruptError(store.path, `the file is damaged (${message})`, error);
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM') {
    return readonlyError(store.home, `SQLite cannot write ${store.path} (${message})`, error);
  }
  if (code === 'SQLITE_FULL') return readonlyError(store.home, 'the disk is full', error);
  if (code === 'EACCES' || code === 'EPERM') return readonlyError(store.home, 'permission denied', error);
  if (code === 'EROFS') return readonlyError(store.home, 'it is on a read-only file system', error);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new BerthError('E_STATE_BUSY', `berth's state store ${store.path} stayed locked for over ${BUSY_TIMEOUT_MS / 1000}s.`, {
      hint: `Another process holds a long write transaction on it. Try again; to see which process: fuser -v ${shellQuote(store.path)}`,
      cause: error,
      data: { path: store.path },
    });
  }
  return error;
}

function ensureFolder(home: string): void {
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EEXIST' || code === 'ENOTDIR') throw readonlyError(home, 'it is a file, not a folder', error);
    throw toStateError(error, { home, path: statePath(home) });
  }
  if (!statSync(home).isDirectory()) throw readonlyError(home, 'it is a file, not a folder');
  try {
    // WAL mode creates berth.db-wal and berth.db-shm next to the file, so the folder itself must be writable.
    accessSync(home, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw toStateError(error, { home, path: statePath(home) });
  }
}

function migrate(db: Database, path: string): void {
  const appId = db.pragma('application_id', { simple: true }) as number;
  const version = db.pragma('user_version', { simple: true }) as number;
  if (appId !== 0 && appId !== APPLICATION_ID) {
    throw corruptError(path, 'it is another program\'s database, not berth\'s');
  }
  if (version > SCHEMA_VERSION) {
    throw new BerthError(
      'E_STATE_NEWER',
      `berth's state store ${path} was written by a newer berth (schema ${version}; this berth knows up to ${SCHEMA_VERSION}).`,
      {
        hint: 'Upgrade berth (npm install -g berth@latest), or give this one its own folder: export BERTH_HOME=~/.berth-old',
        data: { path, version, supported: SCHEMA_VERSION },
      },
    );
  }
  if (version === SCHEMA_VERSION) return;
  db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current >= SCHEMA_VERSION) return;
    if (current === 0) {
      const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").get() as { n: number };
      if (tables.n > 0) throw corruptError(path, 'it holds tables but no berth schema version; it is not berth\'s');
    }
    for (const migration of MIGRATIONS) {
      if (migration.version > current) db.exec(migration.sql);
    }
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/**
 * Opens (creating and migrating when needed) the state store. One connection
 * per file is kept for the life of the process.
 * @throws BerthError E_STATE_READONLY (folder not writable, not a folder, disk full),
 *   E_STATE_CORRUPT (damaged or not berth's), E_STATE_NEWER (from a newer berth),
 *   E_STATE_BUSY (locked for over {@link BUSY_TIMEOUT_MS}).
 */
export function openState(options: StateOptions = {}): StateStore {
  const home = options.home ?? stateHome();
  const path = statePath(home);
  const cached = open.get(path);
  if (cached?.db.open) return cached;
  ensureFolder(home);
  const Driver = loadDriver();
  let db: Database | undefined;
  try {
    db = new Driver(path, { timeout: BUSY_TIMEOUT_MS });
    // Reading the journal mode is the first read of the header: a non-database fails here with SQLITE_NOTADB.
    db.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; a power cut may lose the last lease, never corrupt.
    db.pragma('synchronous = NORMAL');
    migrate(db, path);
  } catch (error) {
    db?.close();
    throw toStateError(error, { home, path });
  }
  const store: StateStore = { home, path, db };
  open.set(path, store);
  return store;
}

/**
 * Runs `work` in a `BEGIN IMMEDIATE` transaction: it takes the write lock
 * first, so two processes can never both read "port free" and both claim it.
 * Waits up to {@link BUSY_TIMEOUT_MS} for other writers.
 * @throws BerthError E_STATE_BUSY / E_STATE_CORRUPT / E_STATE_READONLY, or whatever `work` throws.
 */
export function transact<T>(store: StateStore, work: (db: Database) => T): T {
  try {
    return store.db.transaction(() => work(store.db)).immediate();
  } catch (error) {
    throw toStateError(error, store);
  }
}

/**
 * Runs a read on the store, turning SQLite failures into BerthErrors. Reads in
 * WAL mode never wait for writers.
 */
export function read<T>(store: StateStore, work: (db: Database) => T): T {
  try {
    return work(store.db);
  } catch (error) {
    throw toStateError(error, store);
  }
}

const statements = new WeakMap<Database, Map<string, BetterSqlite3.Statement>>();

/**
 * `db.prepare(sql)`, compiled once per connection and then reused: the
 * store's callers run the same few statements again and again (the proxy's
 * route look-ups, the history recorder's every scan, lease claims).
 */
export function prepared(db: Database, sql: string): BetterSqlite3.Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = db.prepare(sql)));
  return statement;
}

/** Closes every store this process opened (tests; long-running servers on shutdown). */
export function closeStates(): void {
  for (const store of open.values()) if (store.db.open) store.db.close();
  open.clear();
}

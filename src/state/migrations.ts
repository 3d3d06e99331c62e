/**
 * The state store's schema, as an ordered list of migrations. The version a
 * store is at lives in SQLite's `user_version` header field; a store whose
 * version is above {@link SCHEMA_VERSION} was written by a newer berth and is
 * never touched. Migrations only ever append: never edit one that shipped.
 */

/** One schema step. */
export interface Migration {
  /** The `user_version` the store has after this step; 1, 2, 3 … with no gaps. */
  version: number;
  /** What the step adds, for people reading the code. */
  description: string;
  /** SQL run inside the migrating transaction. */
  sql: string;
}

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'leases and short reservations of ports, and the port each named lease last had per project',
    sql: `
      -- One row per claimed port. kind 'lease': named, owned by a process and/or
      -- bounded by expires_at. kind 'reservation': what getPort() records so that
      -- no concurrent caller gets the same port before the first one binds it.
      CREATE TABLE leases (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        port        INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
        protocol    TEXT    NOT NULL CHECK (protocol IN ('tcp', 'udp')),
        kind        TEXT    NOT NULL CHECK (kind IN ('lease', 'reservation')),
        name        TEXT,
        project     TEXT,
        host        TEXT,
        owner_pid   INTEGER,
        owner_start TEXT,
        owner_name  TEXT,
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER,
        UNIQUE (port, protocol)
      );
      CREATE INDEX leases_by_name ON leases (name, project);
      CREATE INDEX leases_by_expiry ON leases (expires_at) WHERE expires_at IS NOT NULL;

      -- The port a name last had in a project (a git worktree or project folder),
      -- so that asking again gets the same port back while it is free.
      CREATE TABLE lease_names (
        project  TEXT    NOT NULL,
        name     TEXT    NOT NULL,
        protocol TEXT    NOT NULL CHECK (protocol IN ('tcp', 'udp')),
        port     INTEGER NOT NULL,
        used_at  INTEGER NOT NULL,
        PRIMARY KEY (project, name, protocol)
      ) WITHOUT ROWID;
      CREATE INDEX lease_names_by_port ON lease_names (port, protocol);
    `,
  },
  {
    version: 2,
    description: 'routes: name.localhost -> a local port, for berth run, berth alias and the proxy',
    sql: `
      -- One row per name. kind 'run': registered by berth run, lives while its
      -- owner (the berth run process) lives. kind 'alias': added by hand, lives
      -- until removed.
      CREATE TABLE routes (
        name        TEXT    PRIMARY KEY,           -- 'web' or 'fix-login.web' (served as <name>.localhost)
        port        INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
        host        TEXT    NOT NULL,              -- where the app listens: '127.0.0.1' or '::1'
        kind        TEXT    NOT NULL CHECK (kind IN ('run', 'alias')),
        owner_pid   INTEGER,                       -- the berth run wrapper
        owner_start TEXT,
        app_pid     INTEGER,                       -- the process that really holds the socket
        app_start   TEXT,
        command     TEXT,
        cwd         TEXT,
        project     TEXT,
        log_path    TEXT,                          -- tail shown on the proxy's 502 page
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        CHECK (kind = 'alias' OR owner_pid IS NOT NULL)  -- a run route always has an owner to check
      );
      CREATE INDEX routes_by_port ON routes (port);
      CREATE INDEX routes_by_owner ON routes (owner_pid) WHERE owner_pid IS NOT NULL;
    `,
  },
  {
    version: 3,
    description: 'listener history: one row per listener lifetime, written by the recorder; the one running recorder',
    sql: `
      -- One row per listener lifetime, keyed by what identifies a socket:
      -- (protocol, family, address, port, inode). closed_at is null while the
      -- recorder still sees it; a recorder that stops keeps its rows open and
      -- the next one either adopts them (still listening) or closes them at
      -- last_seen_at (gone meanwhile).
      CREATE TABLE listeners_seen (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        port         INTEGER NOT NULL,
        protocol     TEXT    NOT NULL CHECK (protocol IN ('tcp', 'udp')),
        family       INTEGER NOT NULL CHECK (family IN (4, 6)),
        address      TEXT    NOT NULL,
        inode        TEXT,
        pid          INTEGER,
        process_name TEXT,
        command      TEXT,
        cwd          TEXT,
        user         TEXT,
        opened_at    INTEGER NOT NULL,             -- ms since the epoch; when first seen
        last_seen_at INTEGER NOT NULL,             -- last scan that still saw it
        closed_at    INTEGER                       -- null while open
      );
      CREATE INDEX listeners_seen_by_port ON listeners_seen (port, opened_at);
      CREATE INDEX listeners_seen_open ON listeners_seen (closed_at) WHERE closed_at IS NULL;
      CREATE INDEX listeners_seen_by_close ON listeners_seen (closed_at);

      -- At most one recorder writes listeners_seen at a time (berth daemon,
      -- berth watch --record, berth ui). A row whose process is gone (pid
      -- reused: start marker differs) is stale and may be taken over.
      CREATE TABLE recorder (
        id           INTEGER PRIMARY KEY CHECK (id = 1),
        pid          INTEGER NOT NULL,
        start_marker TEXT,
        kind         TEXT    NOT NULL CHECK (kind IN ('daemon', 'watch', 'ui')),
        interval_ms  INTEGER NOT NULL,
        started_at   INTEGER NOT NULL,
        heartbeat_at INTEGER NOT NULL
      );
    `,
  },
];

/** The schema version this berth writes and understands. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]!.version;

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
];

/** The schema version this berth writes and understands. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]!.version;

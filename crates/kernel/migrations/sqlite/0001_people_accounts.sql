-- People: accounts, their handle history, sessions, personal access tokens, password resets.
-- Ids are UUIDv7 (BLOB here, uuid in PostgreSQL); times are microseconds since the epoch.

CREATE TABLE accounts (
    id            BLOB    NOT NULL PRIMARY KEY,
    handle        TEXT    NOT NULL,
    display_name  TEXT    NOT NULL,
    email         TEXT,
    password_hash TEXT    NOT NULL,
    public_key    BLOB    NOT NULL,
    secret_key    BLOB    NOT NULL,
    did           TEXT    NOT NULL,
    is_admin      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    CONSTRAINT accounts_handle_key UNIQUE (handle),
    CONSTRAINT accounts_email_key UNIQUE (email)
);

CREATE TABLE handle_history (
    id         BLOB    NOT NULL PRIMARY KEY,
    account_id BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    handle     TEXT    NOT NULL,
    since      INTEGER NOT NULL,
    until      INTEGER
);
CREATE INDEX handle_history_by_account ON handle_history (account_id, since);
CREATE INDEX handle_history_by_handle ON handle_history (handle, since);

CREATE TABLE sessions (
    id           BLOB    NOT NULL PRIMARY KEY,
    account_id   BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    secret_hash  BLOB    NOT NULL,
    user_agent   TEXT,
    ip           TEXT,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    CONSTRAINT sessions_secret_hash_key UNIQUE (secret_hash)
);
CREATE INDEX sessions_by_account ON sessions (account_id, id);

CREATE TABLE access_tokens (
    id           BLOB    NOT NULL PRIMARY KEY,
    account_id   BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    secret_hash  BLOB    NOT NULL,
    scopes       TEXT    NOT NULL,
    group_id     BLOB,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    expires_at   INTEGER,
    CONSTRAINT access_tokens_secret_hash_key UNIQUE (secret_hash)
);
CREATE INDEX access_tokens_by_account ON access_tokens (account_id, id);

CREATE TABLE password_resets (
    id          BLOB    NOT NULL PRIMARY KEY,
    account_id  BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    secret_hash BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    CONSTRAINT password_resets_secret_hash_key UNIQUE (secret_hash)
);
CREATE INDEX password_resets_by_account ON password_resets (account_id);

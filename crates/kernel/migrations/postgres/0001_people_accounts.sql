-- People: accounts, their handle history, sessions, personal access tokens, password resets.
-- Ids are UUIDv7 (uuid here, BLOB in SQLite); times are microseconds since the epoch.

CREATE TABLE accounts (
    id            UUID    NOT NULL PRIMARY KEY,
    handle        TEXT    NOT NULL,
    display_name  TEXT    NOT NULL,
    email         TEXT,
    password_hash TEXT    NOT NULL,
    public_key    BYTEA    NOT NULL,
    secret_key    BYTEA    NOT NULL,
    did           TEXT    NOT NULL,
    is_admin      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    CONSTRAINT accounts_handle_key UNIQUE (handle),
    CONSTRAINT accounts_email_key UNIQUE (email)
);

CREATE TABLE handle_history (
    id         UUID    NOT NULL PRIMARY KEY,
    account_id UUID    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    handle     TEXT    NOT NULL,
    since      BIGINT NOT NULL,
    until      BIGINT
);
CREATE INDEX handle_history_by_account ON handle_history (account_id, since);
CREATE INDEX handle_history_by_handle ON handle_history (handle, since);

CREATE TABLE sessions (
    id           UUID    NOT NULL PRIMARY KEY,
    account_id   UUID    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    secret_hash  BYTEA    NOT NULL,
    user_agent   TEXT,
    ip           TEXT,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    CONSTRAINT sessions_secret_hash_key UNIQUE (secret_hash)
);
CREATE INDEX sessions_by_account ON sessions (account_id, id);

CREATE TABLE access_tokens (
    id           UUID    NOT NULL PRIMARY KEY,
    account_id   UUID    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    secret_hash  BYTEA    NOT NULL,
    scopes       TEXT    NOT NULL,
    group_id     UUID,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    expires_at   BIGINT,
    CONSTRAINT access_tokens_secret_hash_key UNIQUE (secret_hash)
);
CREATE INDEX access_tokens_by_account ON access_tokens (account_id, id);

CREATE TABLE password_resets (
    id          UUID    NOT NULL PRIMARY KEY,
    account_id  UUID    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    secret_hash BYTEA    NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    CONSTRAINT password_resets_secret_hash_key UNIQUE (secret_hash)
);
CREATE INDEX password_resets_by_account ON password_resets (account_id);

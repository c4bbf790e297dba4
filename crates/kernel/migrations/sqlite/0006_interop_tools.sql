-- Outside tools (DESIGN section 6): each is an OAuth client with its own actor account (the
-- name under which what it posts appears). Its group tokens are signed, not stored: each use
-- checks them against the tool's secret and the group's switch (group_tools).

CREATE TABLE outside_tools (
    id                BLOB    NOT NULL PRIMARY KEY,
    name              TEXT    NOT NULL,
    description       TEXT    NOT NULL,
    home_url          TEXT    NOT NULL,
    icon_url          TEXT,
    redirect_uris     TEXT    NOT NULL,
    webhook_url       TEXT,
    scopes            TEXT    NOT NULL,
    public_client     BOOLEAN NOT NULL,
    client_id         TEXT    NOT NULL,
    secret_hash       BLOB,
    account_id        BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    registered_by     BLOB    REFERENCES accounts (id) ON DELETE SET NULL,
    created_at        INTEGER NOT NULL,
    secret_rotated_at INTEGER NOT NULL,
    CONSTRAINT outside_tools_name_key UNIQUE (name),
    CONSTRAINT outside_tools_client_id_key UNIQUE (client_id)
);
CREATE INDEX outside_tools_by_owner ON outside_tools (registered_by);

-- Outside tools (DESIGN section 6): each is an OAuth client with its own actor account (the
-- name under which what it posts appears), and group-scoped tokens it gets by the client
-- credentials grant. Disabling a tool in a group deletes its tokens there.

CREATE TABLE outside_tools (
    id                UUID    NOT NULL PRIMARY KEY,
    name              TEXT    NOT NULL,
    description       TEXT    NOT NULL,
    home_url          TEXT    NOT NULL,
    icon_url          TEXT,
    redirect_uris     TEXT    NOT NULL,
    webhook_url       TEXT,
    scopes            TEXT    NOT NULL,
    public_client     BOOLEAN NOT NULL,
    client_id         TEXT    NOT NULL,
    secret_hash       BYTEA,
    account_id        UUID    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    registered_by     UUID    REFERENCES accounts (id) ON DELETE SET NULL,
    created_at        BIGINT  NOT NULL,
    secret_rotated_at BIGINT  NOT NULL,
    CONSTRAINT outside_tools_name_key UNIQUE (name),
    CONSTRAINT outside_tools_client_id_key UNIQUE (client_id)
);
CREATE INDEX outside_tools_by_owner ON outside_tools (registered_by);

CREATE TABLE tool_tokens (
    id          UUID    NOT NULL PRIMARY KEY,
    tool        TEXT    NOT NULL,
    account_id  UUID    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    group_id    UUID    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    secret_hash BYTEA   NOT NULL,
    scopes      TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    CONSTRAINT tool_tokens_secret_hash_key UNIQUE (secret_hash)
);
CREATE INDEX tool_tokens_by_group_tool ON tool_tokens (group_id, tool);

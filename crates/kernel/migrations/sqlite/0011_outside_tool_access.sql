-- Where an outside tool may be used, as its registrar decides: `open` (any group turns it on)
-- or `approval` (a group asks; the registrar approves or rejects). One request per tool and
-- group; it moves from pending to approved or rejected, and back to pending when asked again.
ALTER TABLE outside_tools ADD COLUMN access TEXT NOT NULL DEFAULT 'approval'
    CHECK (access IN ('open', 'approval'));

CREATE TABLE tool_requests (
    id           BLOB    NOT NULL PRIMARY KEY,
    tool_id      BLOB    NOT NULL REFERENCES outside_tools (id) ON DELETE CASCADE,
    group_id     BLOB    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    requested_by BLOB    REFERENCES accounts (id) ON DELETE SET NULL,
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at   INTEGER NOT NULL,
    decided_at   INTEGER,
    decided_by   BLOB    REFERENCES accounts (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX tool_requests_one_per_group ON tool_requests (tool_id, group_id);
CREATE INDEX tool_requests_by_tool ON tool_requests (tool_id, id);

-- Outside tools' group tokens: opaque random secrets kept as their SHA-256, like personal
-- tokens (they were HMACs under the stored hash of the client secret, which whoever read the
-- database could forge). Turning the tool off in the group, or rotating its secret, deletes them.
CREATE TABLE tool_tokens (
    id          BLOB NOT NULL PRIMARY KEY,
    tool_id     BLOB NOT NULL REFERENCES outside_tools (id) ON DELETE CASCADE,
    group_id    BLOB NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    secret_hash BLOB NOT NULL,
    scopes      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    CONSTRAINT tool_tokens_secret_hash_key UNIQUE (secret_hash)
);
CREATE INDEX tool_tokens_by_tool ON tool_tokens (tool_id, group_id);

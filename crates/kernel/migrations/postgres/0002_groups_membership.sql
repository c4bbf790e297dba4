-- Groups, their members and roles, invitations, join requests and the tools each group uses.

CREATE TABLE groups (
    id                   UUID    NOT NULL PRIMARY KEY,
    handle               TEXT    NOT NULL,
    name                 TEXT    NOT NULL,
    description          TEXT    NOT NULL DEFAULT '',
    visibility           TEXT    NOT NULL CHECK (visibility IN ('public', 'listed', 'secret')),
    join_policy          TEXT    NOT NULL CHECK (join_policy IN ('open', 'request', 'invite')),
    parent_id            UUID    REFERENCES groups (id) ON DELETE RESTRICT,
    parent_admins_manage BOOLEAN NOT NULL DEFAULT FALSE,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    CONSTRAINT groups_handle_key UNIQUE (handle)
);
CREATE INDEX groups_by_parent ON groups (parent_id);

CREATE TABLE roles (
    id          UUID    NOT NULL PRIMARY KEY,
    group_id    UUID    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    permissions TEXT    NOT NULL,
    created_at  BIGINT NOT NULL,
    CONSTRAINT roles_name_key UNIQUE (group_id, name)
);

CREATE TABLE memberships (
    group_id   UUID    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    account_id UUID    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL,
    joined_at  BIGINT NOT NULL,
    PRIMARY KEY (group_id, account_id)
);
CREATE INDEX memberships_by_account ON memberships (account_id, group_id);
-- A group has at most one owner; the kernel keeps it at exactly one.
CREATE UNIQUE INDEX memberships_one_owner ON memberships (group_id) WHERE role = 'owner';

CREATE TABLE invitations (
    id          UUID    NOT NULL PRIMARY KEY,
    group_id    UUID    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    invited_by  UUID    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    account_id  UUID    REFERENCES accounts (id) ON DELETE CASCADE,
    email       TEXT,
    role        TEXT    NOT NULL,
    max_uses    BIGINT,
    uses        BIGINT NOT NULL DEFAULT 0,
    expires_at  BIGINT,
    status      TEXT    NOT NULL CHECK (status IN ('open', 'accepted', 'declined', 'revoked')),
    created_at  BIGINT NOT NULL
);
CREATE INDEX invitations_by_group ON invitations (group_id, id);
CREATE INDEX invitations_by_account ON invitations (account_id);

CREATE TABLE join_requests (
    id          UUID    NOT NULL PRIMARY KEY,
    group_id    UUID    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    account_id  UUID    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    message     TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by  UUID    REFERENCES accounts (id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    decided_at  BIGINT
);
CREATE INDEX join_requests_by_group ON join_requests (group_id, id);
CREATE UNIQUE INDEX join_requests_one_pending ON join_requests (group_id, account_id) WHERE status = 'pending';

CREATE TABLE group_tools (
    group_id   UUID    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    tool       TEXT    NOT NULL,
    enabled_by UUID    REFERENCES accounts (id) ON DELETE SET NULL,
    enabled_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, tool)
);
CREATE INDEX group_tools_by_tool ON group_tools (tool, group_id);

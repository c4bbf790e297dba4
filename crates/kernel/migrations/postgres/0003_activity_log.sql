-- The activity log (the spine every tool writes to), the durable cursors that read it, the
-- notifications it feeds, and the motions tools ask groups to decide.

-- `pos` orders the log in commit order. Here it is the writing transaction's id: a reader
-- only reads rows below the oldest transaction still running (pg_snapshot_xmin), so nothing
-- can appear behind its cursor. (SQLite has one writer; there `pos` is a plain counter.)
CREATE TABLE activities (
    id          UUID    NOT NULL PRIMARY KEY,
    pos         BIGINT  NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    type        TEXT    NOT NULL,
    actor_id    UUID,
    object_type TEXT    NOT NULL,
    object_id   TEXT    NOT NULL,
    object_name TEXT,
    target_type TEXT,
    target_id   TEXT,
    group_id    UUID,
    audience    TEXT    NOT NULL CHECK (audience IN ('group', 'accounts')),
    tool        TEXT    NOT NULL,
    summary     TEXT    NOT NULL,
    reason      TEXT,
    url         TEXT,
    extra       TEXT    NOT NULL DEFAULT '{}',
    published   BIGINT  NOT NULL
);
CREATE INDEX activities_by_pos ON activities (pos, id);
CREATE INDEX activities_by_group ON activities (group_id, id);

-- Who an activity is addressed to (`to`): the whole audience when it is a list of accounts,
-- and the people a group activity names directly.
CREATE TABLE activity_recipients (
    activity_id UUID NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    account_id  UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (activity_id, account_id)
);
CREATE INDEX activity_recipients_by_account ON activity_recipients (account_id, activity_id);

-- A durable reader of the log: where it stopped.
CREATE TABLE consumers (
    name       TEXT   NOT NULL PRIMARY KEY,
    pos        BIGINT NOT NULL,
    last_id    UUID   NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Direct notifications (`reason` set: invitation, join request, role change, mention…) fan
-- out on write. A row without a reason only records that one group activity was read.
CREATE TABLE notifications (
    account_id  UUID   NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    activity_id UUID   NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    reason      TEXT,
    created_at  BIGINT NOT NULL,
    read_at     BIGINT,
    PRIMARY KEY (account_id, activity_id)
);
CREATE INDEX notifications_direct ON notifications (account_id, activity_id) WHERE reason IS NOT NULL;

-- How a person follows a group: what reaches them and how far they have read.
CREATE TABLE group_subscriptions (
    account_id UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    group_id   UUID NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    level      TEXT NOT NULL DEFAULT 'all' CHECK (level IN ('all', 'mentions', 'mute')),
    seen_up_to UUID,
    PRIMARY KEY (account_id, group_id)
);

CREATE TABLE notification_prefs (
    account_id     UUID    NOT NULL PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    daily_digest   BOOLEAN NOT NULL DEFAULT FALSE,
    digest_sent_at BIGINT
);

CREATE TABLE motions (
    id          UUID   NOT NULL PRIMARY KEY,
    group_id    UUID   NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    title       TEXT   NOT NULL,
    details     TEXT   NOT NULL DEFAULT '',
    kind        TEXT   NOT NULL,
    options     TEXT   NOT NULL,
    pass_rule   TEXT   NOT NULL,
    closes_at   BIGINT NOT NULL,
    tool        TEXT   NOT NULL,
    subject_id  TEXT   NOT NULL,
    opened_by   UUID   REFERENCES accounts (id) ON DELETE SET NULL,
    poll_id     TEXT,
    state       TEXT   NOT NULL CHECK (state IN ('open', 'passed', 'failed', 'withdrawn')),
    outcome     TEXT,
    created_at  BIGINT NOT NULL,
    resolved_at BIGINT
);
CREATE INDEX motions_by_group ON motions (group_id, id);
CREATE INDEX motions_by_subject ON motions (tool, subject_id);

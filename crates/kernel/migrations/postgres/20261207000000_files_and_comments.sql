-- Shared services every tool uses (kernel::files, kernel::comments). Both hang off a thing of
-- some tool (subject_type, subject_id) that lives in a group; readers go through the policy of
-- that thing. Files are kept in the database, so stateless nodes on PostgreSQL share them.

CREATE TABLE files (
    id           UUID    NOT NULL PRIMARY KEY,
    group_id     UUID    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    subject_type TEXT    NOT NULL,
    subject_id   TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         BIGINT  NOT NULL,
    sha256       BYTEA   NOT NULL,
    data         BYTEA   NOT NULL,
    uploaded_by  UUID    REFERENCES accounts (id) ON DELETE SET NULL,
    created_at   BIGINT  NOT NULL
);
CREATE INDEX files_by_subject ON files (subject_type, subject_id, id);

CREATE TABLE comments (
    id           UUID    NOT NULL PRIMARY KEY,
    group_id     UUID    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    subject_type TEXT    NOT NULL,
    subject_id   TEXT    NOT NULL,
    parent_id    UUID    REFERENCES comments (id) ON DELETE CASCADE,
    author_id    UUID    REFERENCES accounts (id) ON DELETE SET NULL,
    body         TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    edited_at    BIGINT ,
    deleted_at   BIGINT 
);
CREATE INDEX comments_by_subject ON comments (subject_type, subject_id, id);

CREATE TABLE comment_reactions (
    comment_id UUID    NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    account_id UUID    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    emoji      TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (comment_id, account_id, emoji)
);

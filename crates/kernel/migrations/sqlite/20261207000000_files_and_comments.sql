-- Shared services every tool uses (kernel::files, kernel::comments). Both hang off a thing of
-- some tool (subject_type, subject_id) that lives in a group; readers go through the policy of
-- that thing. Files are kept in the database, so stateless nodes on PostgreSQL share them.

CREATE TABLE files (
    id           BLOB    NOT NULL PRIMARY KEY,
    group_id     BLOB    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    subject_type TEXT    NOT NULL,
    subject_id   TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       BLOB    NOT NULL,
    data         BLOB    NOT NULL,
    uploaded_by  BLOB    REFERENCES accounts (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX files_by_subject ON files (subject_type, subject_id, id);

CREATE TABLE comments (
    id           BLOB    NOT NULL PRIMARY KEY,
    group_id     BLOB    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    subject_type TEXT    NOT NULL,
    subject_id   TEXT    NOT NULL,
    parent_id    BLOB    REFERENCES comments (id) ON DELETE CASCADE,
    author_id    BLOB    REFERENCES accounts (id) ON DELETE SET NULL,
    body         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    edited_at    INTEGER,
    deleted_at   INTEGER
);
CREATE INDEX comments_by_subject ON comments (subject_type, subject_id, id);

CREATE TABLE comment_reactions (
    comment_id BLOB    NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    account_id BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    emoji      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (comment_id, account_id, emoji)
);

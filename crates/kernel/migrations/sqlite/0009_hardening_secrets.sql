-- Hardening: an invitation by mail or by shareable link is accepted only with the secret from
-- its link (kept as its SHA-256, never in an activity or a list); an account invitation has
-- none — only that account accepts it. A new email address is confirmed by a link mailed to
-- it before password resets use it.
ALTER TABLE invitations ADD COLUMN secret_hash BLOB;
CREATE UNIQUE INDEX invitations_by_secret ON invitations (secret_hash);

CREATE TABLE email_changes (
    id          BLOB    NOT NULL PRIMARY KEY,
    account_id  BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email       TEXT    NOT NULL,
    secret_hash BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    CONSTRAINT email_changes_secret_hash_key UNIQUE (secret_hash)
);
CREATE INDEX email_changes_by_account ON email_changes (account_id);

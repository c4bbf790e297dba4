-- Hardening: an invitation by mail or by shareable link is accepted only with the secret from
-- its link (kept as its SHA-256, never in an activity or a list); an account invitation has
-- none — only that account accepts it. A new email address is confirmed by a link mailed to
-- it before password resets use it.
ALTER TABLE invitations ADD COLUMN secret_hash BYTEA;
CREATE UNIQUE INDEX invitations_by_secret ON invitations (secret_hash);

CREATE TABLE email_changes (
    id          UUID    NOT NULL PRIMARY KEY,
    account_id  UUID    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email       TEXT    NOT NULL,
    secret_hash BYTEA   NOT NULL,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    used_at     BIGINT,
    CONSTRAINT email_changes_secret_hash_key UNIQUE (secret_hash)
);
CREATE INDEX email_changes_by_account ON email_changes (account_id);

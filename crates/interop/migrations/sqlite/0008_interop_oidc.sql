-- Weft as an OpenID Connect provider (DESIGN section 6, group auth). Outside tools are the
-- clients; these tables hold what the code flow hands out. Every secret is kept as its
-- SHA-256 (they are long and random), never in the clear.

-- How a tool wants its ID tokens signed, and the claims it maps from group roles (JSON).
ALTER TABLE outside_tools ADD COLUMN id_token_alg TEXT NOT NULL DEFAULT 'RS256';
ALTER TABLE outside_tools ADD COLUMN claim_map TEXT;
-- Where a tool may ask Weft to send someone after logging them out (a JSON array).
ALTER TABLE outside_tools ADD COLUMN post_logout_redirect_uris TEXT NOT NULL DEFAULT '[]';

-- Signing keys. The newest unretired key of an algorithm signs; a retired key is still
-- published in the JWKS until the ID tokens it signed have expired.
CREATE TABLE oidc_keys (
    id          TEXT    NOT NULL PRIMARY KEY,
    alg         TEXT    NOT NULL CHECK (alg IN ('RS256', 'EdDSA')),
    private_der BLOB   NOT NULL,
    public_jwk  TEXT    NOT NULL,
    created_at  INTEGER  NOT NULL,
    retired_at  INTEGER
);
CREATE INDEX oidc_keys_by_alg ON oidc_keys (alg, created_at);

-- Authorization codes: single use, short-lived. A code presented twice revokes every token
-- issued from it (its family). `auth_time`: when the person logged in (OIDC's claim).
CREATE TABLE oauth_codes (
    id             BLOB    NOT NULL PRIMARY KEY,
    secret_hash    BLOB   NOT NULL,
    tool_id        BLOB    NOT NULL REFERENCES outside_tools (id) ON DELETE CASCADE,
    account_id     BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    redirect_uri   TEXT    NOT NULL,
    scopes         TEXT    NOT NULL,
    nonce          TEXT,
    code_challenge TEXT,
    auth_time      INTEGER  NOT NULL,
    created_at     INTEGER  NOT NULL,
    expires_at     INTEGER  NOT NULL,
    used_at        INTEGER,
    CONSTRAINT oauth_codes_secret_hash_key UNIQUE (secret_hash)
);
CREATE INDEX oauth_codes_by_expiry ON oauth_codes (expires_at);

-- Access and refresh tokens of the code flow. A family is every token grown from one code;
-- a refresh token is used once (rotation), and a used one presented again revokes its family.
CREATE TABLE oauth_tokens (
    id          BLOB    NOT NULL PRIMARY KEY,
    secret_hash BLOB   NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('access', 'refresh')),
    family_id   BLOB    NOT NULL,
    tool_id     BLOB    NOT NULL REFERENCES outside_tools (id) ON DELETE CASCADE,
    account_id  BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scopes      TEXT    NOT NULL,
    auth_time   INTEGER  NOT NULL,
    created_at  INTEGER  NOT NULL,
    expires_at  INTEGER  NOT NULL,
    used_at     INTEGER,
    revoked_at  INTEGER,
    CONSTRAINT oauth_tokens_secret_hash_key UNIQUE (secret_hash)
);
CREATE INDEX oauth_tokens_by_family ON oauth_tokens (family_id);
CREATE INDEX oauth_tokens_by_grant ON oauth_tokens (account_id, tool_id);
CREATE INDEX oauth_tokens_by_expiry ON oauth_tokens (expires_at);

-- What a person let a tool see: asked once, remembered until they take it back.
CREATE TABLE oauth_consents (
    account_id BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tool_id    BLOB    NOT NULL REFERENCES outside_tools (id) ON DELETE CASCADE,
    scopes     TEXT    NOT NULL,
    created_at INTEGER  NOT NULL,
    updated_at INTEGER  NOT NULL,
    PRIMARY KEY (account_id, tool_id)
);
CREATE INDEX oauth_consents_by_tool ON oauth_consents (tool_id);

-- The ledger: currencies owned by groups, accounts holding balances in them, and transfers,
-- which are only ever inserted (DESIGN section 7). Amounts are minor units of the currency.

CREATE TABLE currencies (
    id              UUID     NOT NULL PRIMARY KEY,
    group_id        UUID     NOT NULL REFERENCES groups (id) ON DELETE RESTRICT,
    code            TEXT     NOT NULL,
    name            TEXT     NOT NULL,
    kind            TEXT     NOT NULL CHECK (kind IN ('mutual_credit', 'tracked', 'shares')),
    symbol          TEXT     NOT NULL,
    scale           BIGINT   NOT NULL CHECK (scale BETWEEN 0 AND 8),
    default_floor   BIGINT,
    default_ceiling BIGINT,
    created_by      UUID,
    created_at      BIGINT   NOT NULL,
    -- The hash chain's end: the last transfer's number and hash.
    seq             BIGINT   NOT NULL DEFAULT 0,
    head            BYTEA    NOT NULL,
    UNIQUE (group_id, code)
);

CREATE TABLE ledger_accounts (
    id              UUID     NOT NULL PRIMARY KEY,
    currency_id     UUID     NOT NULL REFERENCES currencies (id) ON DELETE RESTRICT,
    -- member: a person's (owner_id); group, pool, campaign, escrow: the group's own.
    owner_kind      TEXT     NOT NULL CHECK (owner_kind IN ('member', 'group', 'pool', 'campaign', 'escrow')),
    owner_id        UUID     REFERENCES accounts (id) ON DELETE RESTRICT,
    name            TEXT,
    floor           BIGINT,
    ceiling         BIGINT,
    balance         BIGINT   NOT NULL DEFAULT 0,
    debits_pending  BIGINT   NOT NULL DEFAULT 0,
    credits_pending BIGINT   NOT NULL DEFAULT 0,
    created_at      BIGINT   NOT NULL,
    CHECK ((owner_kind = 'member') = (owner_id IS NOT NULL))
);
CREATE UNIQUE INDEX ledger_accounts_one_per_member ON ledger_accounts (currency_id, owner_id)
    WHERE owner_id IS NOT NULL;
CREATE INDEX ledger_accounts_by_owner ON ledger_accounts (owner_id);
CREATE INDEX ledger_accounts_by_currency ON ledger_accounts (currency_id, id);

-- kind: transfer (posted at once), pending (reserved), post / void / expire (the end of a
-- pending transfer, naming it in pending_id; at most one each). debit_balance and
-- credit_balance are the two accounts' posted balances after it (the statement's running
-- balance). hash = SHA-256 over the previous hash and this row (the memo as its hash).
CREATE TABLE transfers (
    id                UUID     NOT NULL PRIMARY KEY,
    currency_id       UUID     NOT NULL REFERENCES currencies (id) ON DELETE RESTRICT,
    seq               BIGINT   NOT NULL,
    kind              TEXT     NOT NULL CHECK (kind IN ('transfer', 'pending', 'post', 'void', 'expire')),
    debit_account_id  UUID     NOT NULL REFERENCES ledger_accounts (id) ON DELETE RESTRICT,
    credit_account_id UUID     NOT NULL REFERENCES ledger_accounts (id) ON DELETE RESTRICT,
    amount            BIGINT   NOT NULL CHECK (amount >= 0),
    pending_id        UUID     REFERENCES transfers (id) ON DELETE RESTRICT,
    timeout_at        BIGINT,
    batch_id          UUID,
    memo              TEXT,
    memo_hash         BYTEA,
    actor_id          UUID,
    debit_balance     BIGINT   NOT NULL,
    credit_balance    BIGINT   NOT NULL,
    created_at        BIGINT   NOT NULL,
    hash              BYTEA    NOT NULL,
    UNIQUE (currency_id, seq)
);
CREATE UNIQUE INDEX transfers_one_end ON transfers (pending_id) WHERE pending_id IS NOT NULL;
CREATE INDEX transfers_by_debit ON transfers (debit_account_id, seq);
CREATE INDEX transfers_by_credit ON transfers (credit_account_id, seq);
CREATE INDEX transfers_by_batch ON transfers (batch_id) WHERE batch_id IS NOT NULL;

-- Idempotency keys: what a caller's key was first used for, and the body it came with.
CREATE TABLE ledger_requests (
    actor_id     UUID     NOT NULL,
    key          TEXT     NOT NULL,
    request_hash BYTEA    NOT NULL,
    transfer_id  UUID,
    batch_id     UUID,
    created_at   BIGINT   NOT NULL,
    PRIMARY KEY (actor_id, key)
);

-- Every change of an account's limits: who, when, from what to what.
CREATE TABLE ledger_limit_changes (
    id             UUID     NOT NULL PRIMARY KEY,
    account_id     UUID     NOT NULL REFERENCES ledger_accounts (id) ON DELETE CASCADE,
    floor_before   BIGINT,
    ceiling_before BIGINT,
    floor          BIGINT,
    ceiling        BIGINT,
    changed_by     UUID,
    changed_at     BIGINT   NOT NULL
);
CREATE INDEX ledger_limit_changes_by_account ON ledger_limit_changes (account_id, id);

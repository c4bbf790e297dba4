-- The budget tool (issue "Participatory budgeting"): rounds in a group with phases and a
-- mechanism (cobudget allocations, Decidim-style votes, quadratic matching), buckets with
-- budget items, contributions, ballots, per-member allocations set by admins, payouts from a
-- funded bucket, and the money steps taken on the ledger (written before the ledger is asked).

CREATE TABLE budget_rounds (
    id              UUID    NOT NULL PRIMARY KEY,
    group_id        UUID    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    title           TEXT    NOT NULL,
    description     TEXT    NOT NULL,
    -- JSON array of the guidelines reviewers check buckets against.
    guidelines      TEXT    NOT NULL,
    currency_id     UUID    NOT NULL,
    -- cobudget | vote | quadratic
    mechanism       TEXT    NOT NULL,
    -- The credit pool it draws on, and that pool's ledger account; NULL: notional.
    pool_id         UUID,
    pool_account_id UUID,
    -- Units of the currency: what a vote or quadratic round allocates.
    budget          BIGINT,
    -- Units: each member's notional budget in a cobudget round.
    allocation      BIGINT,
    max_per_bucket  BIGINT,
    proposals_until BIGINT,
    review_until    BIGINT,
    funding_until   BIGINT,
    -- proposals | review | funding | closed
    phase           TEXT    NOT NULL,
    -- monthly | quarterly
    recurring       TEXT,
    -- greedy | equal_shares
    vote_rule       TEXT    NOT NULL,
    threshold_pct   BIGINT,
    min_projects    BIGINT,
    min_selected    BIGINT,
    max_selected    BIGINT,
    -- Quadratic: Gitcoin's pairwise coefficient M; NULL: no pairwise bounding.
    pairwise_m      BIGINT,
    -- "members" or the name of the role that may propose / fund.
    proposers       TEXT    NOT NULL,
    funders         TEXT    NOT NULL,
    created_by      UUID    NOT NULL,
    created_at      BIGINT  NOT NULL,
    closed_at       BIGINT,
    -- JSON of the results as they stood when the round closed.
    results         TEXT,
    previous_id     UUID,
    next_id         UUID
);
CREATE INDEX budget_rounds_by_group ON budget_rounds (group_id, created_at);

CREATE TABLE budget_buckets (
    id           UUID    NOT NULL PRIMARY KEY,
    round_id     UUID    NOT NULL REFERENCES budget_rounds (id) ON DELETE CASCADE,
    seq          BIGINT  NOT NULL,
    title        TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    -- JSON array of {name, min, max} in units.
    items        TEXT    NOT NULL,
    tags         TEXT    NOT NULL,
    goal         BIGINT  NOT NULL,
    stretch      BIGINT  NOT NULL,
    -- pending | approved | rejected
    review       TEXT    NOT NULL,
    review_note  TEXT    NOT NULL,
    -- open | funded | cancelled | completed
    state        TEXT    NOT NULL,
    -- Units given (notional or real, by the mechanism), and what the pool paid in.
    contributed  BIGINT  NOT NULL DEFAULT 0,
    drawn        BIGINT  NOT NULL DEFAULT 0,
    paid_out     BIGINT  NOT NULL DEFAULT 0,
    returned     BIGINT  NOT NULL DEFAULT 0,
    -- The ledger account the tool holds for it, once money moves.
    account_id   UUID,
    created_by   UUID    NOT NULL,
    created_at   BIGINT  NOT NULL,
    funded_at    BIGINT,
    completed_at BIGINT
);
CREATE INDEX budget_buckets_by_round ON budget_buckets (round_id, seq);

CREATE TABLE budget_creators (
    bucket_id  UUID NOT NULL REFERENCES budget_buckets (id) ON DELETE CASCADE,
    account_id UUID NOT NULL,
    PRIMARY KEY (bucket_id, account_id)
);

CREATE TABLE budget_contributions (
    id          UUID    NOT NULL PRIMARY KEY,
    round_id    UUID    NOT NULL REFERENCES budget_rounds (id) ON DELETE CASCADE,
    bucket_id   UUID    NOT NULL REFERENCES budget_buckets (id) ON DELETE CASCADE,
    account_id  UUID    NOT NULL,
    amount      BIGINT  NOT NULL,
    -- The contributor's Idempotency-Key, if given: a retry answers this row.
    idem_key    TEXT,
    -- 1: given back (its bucket was cancelled).
    refunded    BIGINT  NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX budget_contributions_by_bucket ON budget_contributions (bucket_id, account_id);
CREATE INDEX budget_contributions_by_round ON budget_contributions (round_id, account_id);
CREATE UNIQUE INDEX budget_contributions_by_key ON budget_contributions (account_id, idem_key);

CREATE TABLE budget_allocations (
    round_id   UUID   NOT NULL REFERENCES budget_rounds (id) ON DELETE CASCADE,
    account_id UUID   NOT NULL,
    amount     BIGINT NOT NULL,
    PRIMARY KEY (round_id, account_id)
);

CREATE TABLE budget_ballots (
    round_id   UUID   NOT NULL REFERENCES budget_rounds (id) ON DELETE CASCADE,
    account_id UUID   NOT NULL,
    -- JSON array of bucket ids.
    buckets    TEXT   NOT NULL,
    cast_at    BIGINT NOT NULL,
    PRIMARY KEY (round_id, account_id)
);

CREATE TABLE budget_payouts (
    id          UUID    NOT NULL PRIMARY KEY,
    bucket_id   UUID    NOT NULL REFERENCES budget_buckets (id) ON DELETE CASCADE,
    to_account  UUID    NOT NULL,
    amount      BIGINT  NOT NULL,
    item        TEXT,
    memo        TEXT    NOT NULL,
    -- The payer's Idempotency-Key, if given: a retry answers this payout.
    idem_key    TEXT,
    created_by  UUID    NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX budget_payouts_by_bucket ON budget_payouts (bucket_id, created_at);
CREATE UNIQUE INDEX budget_payouts_by_key ON budget_payouts (created_by, idem_key);

-- A movement on the ledger, written before the ledger is asked: `finish` takes up at start
-- what a killed process left, under the same key.
CREATE TABLE budget_moves (
    key         TEXT    NOT NULL PRIMARY KEY,
    bucket_id   UUID    NOT NULL REFERENCES budget_buckets (id) ON DELETE CASCADE,
    -- draw (pool -> bucket) | give (member -> bucket) | pay (bucket -> person) |
    -- back (bucket -> pool) | refund (bucket -> member)
    kind        TEXT    NOT NULL,
    from_acct   UUID,
    to_acct     UUID,
    amount      BIGINT  NOT NULL,
    -- The person whose name the ledger step runs under.
    actor_id    UUID    NOT NULL,
    memo        TEXT    NOT NULL,
    -- pending | done | failed
    state       TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX budget_moves_pending ON budget_moves (state);

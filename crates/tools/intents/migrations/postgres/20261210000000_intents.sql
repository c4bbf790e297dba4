-- The intents tool (issue "Offers and requests"): offers and requests in a group, matched
-- with each other; responses that become commitments; bounties held in escrow on the ledger.

CREATE TABLE intents (
    id            UUID    NOT NULL PRIMARY KEY,
    group_id      UUID    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    author_id     UUID    NOT NULL,
    -- offer | request
    kind          TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    description   TEXT    NOT NULL,
    -- JSON array of lowercase tags.
    tags          TEXT    NOT NULL,
    -- The stemmed words of the title and the start of the description, space-separated:
    -- what matching compares, kept so that scoring a candidate reads no text.
    words         TEXT    NOT NULL,
    quantity      DOUBLE PRECISION,
    unit          TEXT,
    -- good | service, when said.
    item          TEXT,
    place         TEXT,
    lat           DOUBLE PRECISION,
    lon           DOUBLE PRECISION,
    -- The time window (either end may be open) and when the intent expires.
    starts_at     BIGINT,
    ends_at       BIGINT,
    expires_at    BIGINT  NOT NULL,
    -- 1: matched with the shared intents of other groups, listed in their directory.
    shared        BIGINT  NOT NULL,
    -- open | committed | fulfilled | withdrawn | expired
    state         TEXT    NOT NULL,
    -- When the author marked it fulfilled (the other side may not have yet).
    author_done_at BIGINT,
    -- The bounty's currency, and where it stands: held | paying | paid | refunding | refunded.
    bounty_currency UUID,
    bounty_state  TEXT,
    -- Who the bounty pays (JSON array of account ids), written when paying starts.
    payees        TEXT,
    -- When the author was asked "still needed?".
    prompted_at   BIGINT,
    -- The Idempotency-Key of the request that made it.
    client_key    TEXT,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    closed_at     BIGINT,
    -- Raised by every write: holds the row while a change is made.
    version       BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX intents_by_group ON intents (group_id, state, id);
CREATE INDEX intents_by_author ON intents (author_id, state, id);
CREATE INDEX intents_by_expiry ON intents (state, expires_at);
CREATE INDEX intents_by_place ON intents (lat, lon);
CREATE UNIQUE INDEX intents_by_client_key ON intents (author_id, client_key);

-- The words and tags of open intents, by which counterparts are found. `scope` is
-- `g:<group id>` for every open intent, and `*` too for a shared one.
CREATE TABLE intent_terms (
    term          TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    scope         TEXT    NOT NULL,
    intent_id     UUID    NOT NULL REFERENCES intents (id) ON DELETE CASCADE,
    PRIMARY KEY (term, kind, scope, intent_id)
);
CREATE INDEX intent_terms_by_intent ON intent_terms (intent_id);

CREATE TABLE intent_responses (
    id            UUID    NOT NULL PRIMARY KEY,
    intent_id     UUID    NOT NULL REFERENCES intents (id) ON DELETE CASCADE,
    responder_id  UUID    NOT NULL,
    message       TEXT    NOT NULL,
    -- open | accepted | declined
    state         TEXT    NOT NULL,
    -- When the responder marked their part done.
    done_at       BIGINT,
    created_at    BIGINT  NOT NULL,
    decided_at    BIGINT
);
CREATE UNIQUE INDEX intent_responses_one_each ON intent_responses (intent_id, responder_id);
CREATE INDEX intent_responses_by_responder ON intent_responses (responder_id, id);

-- What each person put into a request's bounty.
CREATE TABLE intent_contributions (
    id            UUID    NOT NULL PRIMARY KEY,
    intent_id     UUID    NOT NULL REFERENCES intents (id) ON DELETE CASCADE,
    contributor_id UUID   NOT NULL,
    -- The ledger account it came from, and goes back to on a refund.
    payer         UUID    NOT NULL,
    amount        BIGINT  NOT NULL,
    -- escrowing | held
    state         TEXT    NOT NULL,
    client_key    TEXT,
    created_at    BIGINT  NOT NULL
);
CREATE INDEX intent_contributions_by_intent ON intent_contributions (intent_id, id);
CREATE UNIQUE INDEX intent_contributions_by_key ON intent_contributions (contributor_id, client_key);
CREATE INDEX intent_contributions_moving ON intent_contributions (state);

-- The escrow account the tool holds in each currency.
CREATE TABLE intent_escrows (
    currency_id   UUID    NOT NULL PRIMARY KEY,
    account_id    UUID    NOT NULL
);

-- Tags people follow: a new intent with one tells them.
CREATE TABLE intent_tag_follows (
    account_id    UUID    NOT NULL,
    tag           TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    PRIMARY KEY (account_id, tag)
);
CREATE INDEX intent_tag_follows_by_tag ON intent_tag_follows (tag, account_id);

-- The intents tool (issue "Offers and requests"): offers and requests in a group, matched
-- with each other; responses that become commitments; bounties held in escrow on the ledger.

CREATE TABLE intents (
    id            BLOB    NOT NULL PRIMARY KEY,
    group_id      BLOB    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    author_id     BLOB    NOT NULL,
    -- offer | request
    kind          TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    description   TEXT    NOT NULL,
    -- JSON array of lowercase tags.
    tags          TEXT    NOT NULL,
    -- The stemmed words of the title and the start of the description, space-separated:
    -- what matching compares, kept so that scoring a candidate reads no text.
    words         TEXT    NOT NULL,
    quantity      REAL,
    unit          TEXT,
    -- good | service, when said.
    item          TEXT,
    place         TEXT,
    lat           REAL,
    lon           REAL,
    -- The time window (either end may be open) and when the intent expires.
    starts_at     INTEGER,
    ends_at       INTEGER,
    expires_at    INTEGER NOT NULL,
    -- 1: matched with the shared intents of other groups, listed in their directory.
    shared        INTEGER NOT NULL,
    -- open | committed | fulfilled | withdrawn | expired
    state         TEXT    NOT NULL,
    -- When the author marked it fulfilled (the other side may not have yet).
    author_done_at INTEGER,
    -- The bounty's currency, and where it stands: held | paying | paid | refunding | refunded.
    bounty_currency BLOB,
    bounty_state  TEXT,
    -- Who the bounty pays (JSON array of account ids), written when paying starts.
    payees        TEXT,
    -- When the author was asked "still needed?".
    prompted_at   INTEGER,
    -- The Idempotency-Key of the request that made it.
    client_key    TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    closed_at     INTEGER,
    -- Raised by every write: holds the row while a change is made.
    version       INTEGER NOT NULL DEFAULT 0
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
    intent_id     BLOB    NOT NULL REFERENCES intents (id) ON DELETE CASCADE,
    PRIMARY KEY (term, kind, scope, intent_id)
);
CREATE INDEX intent_terms_by_intent ON intent_terms (intent_id);

CREATE TABLE intent_responses (
    id            BLOB    NOT NULL PRIMARY KEY,
    intent_id     BLOB    NOT NULL REFERENCES intents (id) ON DELETE CASCADE,
    responder_id  BLOB    NOT NULL,
    message       TEXT    NOT NULL,
    -- open | accepted | declined
    state         TEXT    NOT NULL,
    -- When the responder marked their part done.
    done_at       INTEGER,
    created_at    INTEGER NOT NULL,
    decided_at    INTEGER
);
CREATE UNIQUE INDEX intent_responses_one_each ON intent_responses (intent_id, responder_id);
CREATE INDEX intent_responses_by_responder ON intent_responses (responder_id, id);

-- What each person put into a request's bounty.
CREATE TABLE intent_contributions (
    id            BLOB    NOT NULL PRIMARY KEY,
    intent_id     BLOB    NOT NULL REFERENCES intents (id) ON DELETE CASCADE,
    contributor_id BLOB   NOT NULL,
    -- The ledger account it came from, and goes back to on a refund.
    payer         BLOB    NOT NULL,
    amount        INTEGER NOT NULL,
    -- escrowing | held
    state         TEXT    NOT NULL,
    client_key    TEXT,
    created_at    INTEGER NOT NULL
);
CREATE INDEX intent_contributions_by_intent ON intent_contributions (intent_id, id);
CREATE UNIQUE INDEX intent_contributions_by_key ON intent_contributions (contributor_id, client_key);
CREATE INDEX intent_contributions_moving ON intent_contributions (state);

-- The escrow account the tool holds in each currency.
CREATE TABLE intent_escrows (
    currency_id   BLOB    NOT NULL PRIMARY KEY,
    account_id    BLOB    NOT NULL
);

-- Tags people follow: a new intent with one tells them.
CREATE TABLE intent_tag_follows (
    account_id    BLOB    NOT NULL,
    tag           TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (account_id, tag)
);
CREATE INDEX intent_tag_follows_by_tag ON intent_tag_follows (tag, account_id);

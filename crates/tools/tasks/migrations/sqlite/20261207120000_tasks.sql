-- The tasks tool (issue "Tasks"): boards in a group with ordered columns and custom fields,
-- cards with assignees, dependencies and an optional bounty held in escrow on the ledger.

CREATE TABLE task_boards (
    id           BLOB    NOT NULL PRIMARY KEY,
    group_id     BLOB    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    -- The custom fields' definitions (JSON: key, name, type, choices).
    fields       TEXT    NOT NULL,
    created_by   BLOB,
    created_at   INTEGER NOT NULL,
    -- Raised by every write to the board or its cards: what a reader's copy is checked by.
    version      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX task_boards_by_group ON task_boards (group_id, id);

CREATE TABLE task_columns (
    id           BLOB    NOT NULL PRIMARY KEY,
    board_id     BLOB    NOT NULL REFERENCES task_boards (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    -- 1 for the column that means "done" (one per board).
    done         INTEGER NOT NULL
);
CREATE INDEX task_columns_by_board ON task_columns (board_id, position);

CREATE TABLE task_cards (
    id           BLOB    NOT NULL PRIMARY KEY,
    board_id     BLOB    NOT NULL REFERENCES task_boards (id) ON DELETE CASCADE,
    group_id     BLOB    NOT NULL,
    column_id    BLOB    NOT NULL REFERENCES task_columns (id),
    -- The 0-based place in its column.
    position     INTEGER NOT NULL,
    title        TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    -- As given: a date (YYYY-MM-DD) or a moment (RFC 3339); due_at is when it is late.
    due          TEXT,
    due_at       INTEGER,
    labels       TEXT    NOT NULL,
    checklists   TEXT    NOT NULL,
    fields       TEXT    NOT NULL,
    created_by   BLOB,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    done_at      INTEGER,
    -- A bounty: its currency, amount (minor units), the account that paid it in, and where
    -- it stands (escrowing, held, paying, paid, refunding, refunded).
    bounty_currency BLOB,
    bounty_amount   INTEGER,
    bounty_payer    BLOB,
    bounty_state    TEXT
);
CREATE INDEX task_cards_by_column ON task_cards (column_id, position);
CREATE INDEX task_cards_by_board ON task_cards (board_id);
CREATE INDEX task_cards_bounty ON task_cards (bounty_state);

CREATE TABLE task_assignees (
    card_id      BLOB    NOT NULL REFERENCES task_cards (id) ON DELETE CASCADE,
    account_id   BLOB    NOT NULL,
    PRIMARY KEY (card_id, account_id)
);
CREATE INDEX task_assignees_by_account ON task_assignees (account_id);

CREATE TABLE task_blockers (
    card_id      BLOB    NOT NULL REFERENCES task_cards (id) ON DELETE CASCADE,
    blocked_by   BLOB    NOT NULL REFERENCES task_cards (id) ON DELETE CASCADE,
    PRIMARY KEY (card_id, blocked_by)
);
CREATE INDEX task_blockers_by_blocker ON task_blockers (blocked_by);

-- The escrow account the tool holds in each currency its bounties use.
CREATE TABLE task_escrows (
    currency_id  BLOB    NOT NULL PRIMARY KEY,
    account_id   BLOB    NOT NULL
);

-- The credit tool (issue "Credit"): common pools with their spending rules, spends waiting
-- for approvals or a decision, expense claims, dues schedules and their obligations,
-- payment requests and payments that wait for the payee's confirmation. Money itself is
-- only ever on the ledger: these tables say why it moves and who has agreed.

-- A pool: a ledger account the credit tool holds, with a spending rule
-- (admins | approvals | decision). budget: JSON object category -> planned amount (units).
CREATE TABLE credit_pools (
    id           BLOB    NOT NULL PRIMARY KEY,
    group_id     BLOB    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    currency_id  BLOB    NOT NULL,
    account_id   BLOB    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    rule         TEXT    NOT NULL CHECK (rule IN ('admins', 'approvals', 'decision')),
    required     INTEGER NOT NULL,
    pass_rule    TEXT    NOT NULL,
    budget       TEXT    NOT NULL,
    created_by   BLOB,
    created_at   INTEGER NOT NULL
);
CREATE INDEX credit_pools_by_group ON credit_pools (group_id, id);

CREATE TABLE credit_pool_approvers (
    pool_id      BLOB    NOT NULL REFERENCES credit_pools (id) ON DELETE CASCADE,
    account_id   BLOB    NOT NULL,
    PRIMARY KEY (pool_id, account_id)
);

-- A spend from a pool: the pending transfer the ledger reserved (or the posted one, under
-- the admins rule). state: reserving (the ledger not yet answered) | pending | posted |
-- voided. payee: who outside Weft a payout goes to.
CREATE TABLE credit_spends (
    id           BLOB    NOT NULL PRIMARY KEY,
    pool_id      BLOB    NOT NULL REFERENCES credit_pools (id) ON DELETE CASCADE,
    transfer_id  BLOB    UNIQUE,
    ledger_key   TEXT    NOT NULL,
    to_account   BLOB    NOT NULL,
    amount       INTEGER NOT NULL,
    memo         TEXT    NOT NULL,
    category     TEXT,
    payee        TEXT,
    state        TEXT    NOT NULL,
    motion_id    BLOB,
    expense_id   BLOB,
    created_by   BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    ended_at     INTEGER
);
CREATE INDEX credit_spends_by_pool ON credit_spends (pool_id, created_at);
CREATE INDEX credit_spends_waiting ON credit_spends (state) WHERE state IN ('reserving', 'pending');

-- Who approved a spend or a claim (subject: a spend's or an expense's id).
CREATE TABLE credit_approvals (
    subject_id   BLOB    NOT NULL,
    account_id   BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (subject_id, account_id)
);

-- An expense claim: draft -> submitted -> approved -> paid | rejected.
CREATE TABLE credit_expenses (
    id           BLOB    NOT NULL PRIMARY KEY,
    pool_id      BLOB    NOT NULL REFERENCES credit_pools (id) ON DELETE CASCADE,
    claimant     BLOB    NOT NULL,
    amount       INTEGER NOT NULL,
    description  TEXT    NOT NULL,
    category     TEXT,
    state        TEXT    NOT NULL,
    motion_id    BLOB,
    spend_id     BLOB,
    note         TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX credit_expenses_by_pool ON credit_expenses (pool_id, created_at);

-- A dues schedule; next_due_at is the due date of the next obligations to create.
CREATE TABLE credit_dues (
    id           BLOB    NOT NULL PRIMARY KEY,
    group_id     BLOB    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    currency_id  BLOB    NOT NULL,
    pool_id      BLOB    NOT NULL,
    name         TEXT    NOT NULL,
    amount       INTEGER NOT NULL,
    interval     TEXT    NOT NULL CHECK (interval IN ('weekly', 'monthly', 'yearly')),
    starts_at    INTEGER NOT NULL,
    roles        TEXT    NOT NULL,
    next_due_at  INTEGER NOT NULL,
    cycles       INTEGER NOT NULL DEFAULT 0,
    created_by   BLOB,
    created_at   INTEGER NOT NULL
);
CREATE INDEX credit_dues_by_group ON credit_dues (group_id, id);

-- What one member owes for one cycle. state: open | paying | paid.
CREATE TABLE credit_obligations (
    id           BLOB    NOT NULL PRIMARY KEY,
    dues_id      BLOB    NOT NULL REFERENCES credit_dues (id) ON DELETE CASCADE,
    group_id     BLOB    NOT NULL,
    account_id   BLOB    NOT NULL,
    due_at       INTEGER NOT NULL,
    amount       INTEGER NOT NULL,
    state        TEXT    NOT NULL,
    ledger_key   TEXT,
    transfer_id  BLOB,
    paid_at      INTEGER,
    paid_by      BLOB,
    note         TEXT,
    created_at   INTEGER NOT NULL,
    UNIQUE (dues_id, account_id, due_at)
);
CREATE INDEX credit_obligations_by_dues ON credit_obligations (dues_id, due_at);
CREATE INDEX credit_obligations_by_group ON credit_obligations (group_id, state, due_at);
CREATE INDEX credit_obligations_by_account ON credit_obligations (account_id, state);

-- A payment one member asks of another. state: open | paid | declined | cancelled.
CREATE TABLE credit_payment_requests (
    id           BLOB    NOT NULL PRIMARY KEY,
    currency_id  BLOB    NOT NULL,
    group_id     BLOB    NOT NULL,
    from_account BLOB    NOT NULL,
    to_account   BLOB    NOT NULL,
    payer        BLOB    NOT NULL,
    requester    BLOB    NOT NULL,
    amount       INTEGER NOT NULL,
    memo         TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    transfer_id  BLOB,
    created_at   INTEGER NOT NULL,
    ended_at     INTEGER
);
CREATE INDEX credit_payment_requests_by_payer ON credit_payment_requests (payer, created_at);
CREATE INDEX credit_payment_requests_by_requester ON credit_payment_requests (requester, created_at);

-- A payment waiting for its payee to accept: the pending transfer the credit tool holds.
-- state: pending | accepted | declined.
CREATE TABLE credit_confirmations (
    transfer_id  BLOB    NOT NULL PRIMARY KEY,
    payer        BLOB    NOT NULL,
    payee        BLOB    NOT NULL,
    state        TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX credit_confirmations_by_payee ON credit_confirmations (payee, state);

-- A member's choices: confirm_incoming = 1 to accept each payment before it is posted.
CREATE TABLE credit_preferences (
    account_id       BLOB    NOT NULL PRIMARY KEY,
    confirm_incoming INTEGER NOT NULL
);

-- The account each currency's tracked money enters and leaves by (deposits, payouts).
CREATE TABLE credit_main_accounts (
    currency_id  BLOB    NOT NULL PRIMARY KEY,
    account_id   BLOB    NOT NULL
);

-- Currency health of months gone by: a month's transfers never change once it is over, so
-- its figures are counted once (supply_end: the money in circulation at its end).
CREATE TABLE credit_health_months (
    currency_id  BLOB    NOT NULL,
    month        TEXT    NOT NULL,
    transfers    INTEGER NOT NULL,
    volume       INTEGER NOT NULL,
    traders      INTEGER NOT NULL,
    supply_end   INTEGER NOT NULL,
    PRIMARY KEY (currency_id, month)
);

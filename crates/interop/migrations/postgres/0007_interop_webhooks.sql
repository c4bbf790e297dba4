-- Webhooks out (Standard Webhooks): a group's endpoints, and each activity sent to each.
-- A delivery is written with the job that sends it, in the transaction that moves the
-- webhooks consumer past the activity, so a restart loses none and sends none twice.

CREATE TABLE webhooks (
    id              UUID    NOT NULL PRIMARY KEY,
    group_id        UUID    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    url             TEXT    NOT NULL,
    events          TEXT    NOT NULL,
    secret          TEXT    NOT NULL,
    created_by      UUID    REFERENCES accounts (id) ON DELETE SET NULL,
    created_at      BIGINT  NOT NULL,
    disabled_at     BIGINT,
    disabled_reason TEXT
);
CREATE INDEX webhooks_by_group ON webhooks (group_id);

CREATE TABLE webhook_deliveries (
    id              UUID    NOT NULL PRIMARY KEY,
    webhook_id      UUID    NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    activity_id     UUID    NOT NULL,
    event           TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        BIGINT  NOT NULL,
    last_status     BIGINT,
    last_error      TEXT,
    created_at      BIGINT  NOT NULL,
    last_attempt_at BIGINT,
    next_attempt_at BIGINT,
    delivered_at    BIGINT
);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);

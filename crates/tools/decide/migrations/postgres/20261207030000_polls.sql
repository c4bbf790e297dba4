-- The decide tool's polls (issue "Decisions"): a poll of one kind in a group, its options,
-- and one current ballot per voter (a changed vote replaces it).

CREATE TABLE polls (
    id           UUID    NOT NULL PRIMARY KEY,
    group_id     UUID    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    author_id    UUID,
    title        TEXT    NOT NULL,
    details      TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    -- How it counts and who sees what, as the API took it (method, seats, dots, score_max,
    -- min/max choices, hide_results, threshold, quorum, changes).
    rules        TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    closes_at    BIGINT  NOT NULL,
    -- The kernel motion this poll decides, if a tool asked for a decision.
    motion_id    TEXT,
    closed_at    BIGINT
);
CREATE INDEX polls_by_group ON polls (group_id, id);

CREATE TABLE poll_options (
    poll_id      UUID    NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    position     BIGINT  NOT NULL,
    text         TEXT    NOT NULL,
    PRIMARY KEY (poll_id, position),
    UNIQUE (poll_id, text)
);

CREATE TABLE poll_votes (
    poll_id      UUID    NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    voter_id     UUID    NOT NULL,
    -- The ballot as tally reads it (options by position).
    ballot       TEXT    NOT NULL,
    reason       TEXT,
    cast_at      BIGINT  NOT NULL,
    PRIMARY KEY (poll_id, voter_id)
);

-- Decide, second slice: when a poll opens, its outcome, who may vote and with what weight,
-- ballots cast by a proxy, delegations, and the key that makes anonymous ballots anonymous.

ALTER TABLE polls ADD COLUMN opens_at BIGINT NOT NULL DEFAULT 0;
UPDATE polls SET opens_at = created_at;
-- The statement its author wrote after it closed, when, by whom, and when to look again.
ALTER TABLE polls ADD COLUMN outcome TEXT;
ALTER TABLE polls ADD COLUMN outcome_at BIGINT;
ALTER TABLE polls ADD COLUMN outcome_by UUID;
-- The results as counted when it closed: what a closed poll shows, whatever members,
-- delegations or weights do later.
ALTER TABLE polls ADD COLUMN results TEXT;
ALTER TABLE polls ADD COLUMN review_at BIGINT;

-- A ballot's weight, fixed when it is cast (the voter's weight in the poll), and who cast it
-- when a proxy did (never kept on an anonymous poll).
ALTER TABLE poll_votes ADD COLUMN weight BIGINT NOT NULL DEFAULT 1;
ALTER TABLE poll_votes ADD COLUMN cast_by UUID;

-- Who may vote in a poll with a fixed list of voters, and each voter's weight; in a poll the
-- whole group votes in, only the weights that are not 1. Set when the poll opens.
CREATE TABLE poll_voters (
    poll_id      UUID    NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    account_id   UUID    NOT NULL,
    weight       BIGINT  NOT NULL,
    PRIMARY KEY (poll_id, account_id)
);

-- Someone who lets another vote for them in one poll.
CREATE TABLE poll_proxies (
    poll_id      UUID    NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    from_id      UUID    NOT NULL,
    to_id        UUID    NOT NULL,
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (poll_id, from_id)
);

-- Liquid delegation: a member's vote goes to another member in every poll of the group, or in
-- those with a tag ('' is the whole group), whenever they do not vote themselves.
CREATE TABLE poll_delegations (
    group_id     UUID    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    from_id      UUID    NOT NULL,
    tag          TEXT    NOT NULL,
    to_id        UUID    NOT NULL,
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (group_id, from_id, tag)
);
CREATE INDEX poll_delegations_to ON poll_delegations (group_id, to_id);

-- The key of anonymous ballots: a ballot's voter is HMAC(key, poll || account). One row, made
-- on first use, sealed like every secret at rest; it never rotates (a new key would let
-- everyone vote again).
CREATE TABLE poll_secret (
    id           BIGINT  NOT NULL PRIMARY KEY,
    sealed       TEXT    NOT NULL
);

-- The ideas tool (issue "Ideation"): boards of ideas in a group, with endorsements,
-- reactions, dots, merges; a pairwise wiki-survey over a board's ideas; promotions of ideas
-- to polls through the kernel's motions.

CREATE TABLE idea_boards (
    id          UUID    NOT NULL PRIMARY KEY,
    group_id    UUID    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    question    TEXT    NOT NULL,
    details     TEXT    NOT NULL,
    -- 1: a wiki-survey ("which is better, A or B?") runs over the ideas.
    pairwise    BIGINT  NOT NULL,
    -- 1: ideas show no author to anyone but their author.
    anonymous   BIGINT  NOT NULL,
    -- 1: open for new ideas.
    open        BIGINT  NOT NULL,
    -- JSON array of account ids when only they (and the creator) see the board; NULL: the group.
    readers     TEXT,
    -- Dots each person may place on the board's ideas; 0: no dot voting.
    dots        BIGINT  NOT NULL,
    created_by  UUID    NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    -- Ideas added so far: the next idea's place in the survey.
    ideas       BIGINT  NOT NULL DEFAULT 0,
    -- Comparisons answered so far: the next answer's place.
    answers     BIGINT  NOT NULL DEFAULT 0,
    -- Raised by a merge: every copy of the survey is made again.
    version     BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX idea_boards_by_group ON idea_boards (group_id, id);

CREATE TABLE ideas (
    id          UUID    NOT NULL PRIMARY KEY,
    board_id    UUID    NOT NULL REFERENCES idea_boards (id) ON DELETE CASCADE,
    -- Its place among the board's ideas, from 1.
    seq         BIGINT  NOT NULL,
    author_id   UUID    NOT NULL,
    title       TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    -- JSON array of lowercase tags.
    tags        TEXT    NOT NULL,
    -- The idea it was merged into (a duplicate); NULL while it stands.
    merged_into UUID,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
CREATE UNIQUE INDEX ideas_by_board ON ideas (board_id, seq);

CREATE TABLE idea_endorsements (
    idea_id     UUID    NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    account_id  UUID    NOT NULL,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (idea_id, account_id)
);

CREATE TABLE idea_reactions (
    idea_id     UUID    NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    account_id  UUID    NOT NULL,
    emoji       TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (idea_id, account_id, emoji)
);

CREATE TABLE idea_dots (
    idea_id     UUID    NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    account_id  UUID    NOT NULL,
    board_id    UUID    NOT NULL,
    dots        BIGINT  NOT NULL,
    PRIMARY KEY (idea_id, account_id)
);
CREATE INDEX idea_dots_by_voter ON idea_dots (board_id, account_id);

-- One answer of the wiki-survey. Its id is the pair token's, so a token is spent once.
CREATE TABLE idea_comparisons (
    id          UUID    NOT NULL PRIMARY KEY,
    board_id    UUID    NOT NULL REFERENCES idea_boards (id) ON DELETE CASCADE,
    -- Its place among the board's answers, from 1.
    seq         BIGINT  NOT NULL,
    voter_id    UUID    NOT NULL,
    left_id     UUID    NOT NULL,
    right_id    UUID    NOT NULL,
    -- left | right | none ("I can't decide": stored, not fitted)
    winner      TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE UNIQUE INDEX idea_comparisons_by_board ON idea_comparisons (board_id, seq);

CREATE TABLE idea_promotions (
    id          UUID    NOT NULL PRIMARY KEY,
    board_id    UUID    NOT NULL REFERENCES idea_boards (id) ON DELETE CASCADE,
    motion_id   UUID    NOT NULL,
    -- proposal | choice | ranked
    kind        TEXT    NOT NULL,
    -- JSON array of the promoted ideas' ids, in the poll's option order.
    ideas       TEXT    NOT NULL,
    created_by  UUID    NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX idea_promotions_by_board ON idea_promotions (board_id, created_at);

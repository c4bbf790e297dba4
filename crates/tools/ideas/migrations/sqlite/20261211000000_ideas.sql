-- The ideas tool (issue "Ideation"): boards of ideas in a group, with endorsements,
-- reactions, dots, merges; a pairwise wiki-survey over a board's ideas; promotions of ideas
-- to polls through the kernel's motions.

CREATE TABLE idea_boards (
    id          BLOB    NOT NULL PRIMARY KEY,
    group_id    BLOB    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    question    TEXT    NOT NULL,
    details     TEXT    NOT NULL,
    -- 1: a wiki-survey ("which is better, A or B?") runs over the ideas.
    pairwise    INTEGER NOT NULL,
    -- 1: ideas show no author to anyone but their author.
    anonymous   INTEGER NOT NULL,
    -- 1: open for new ideas.
    open        INTEGER NOT NULL,
    -- JSON array of account ids when only they (and the creator) see the board; NULL: the group.
    readers     TEXT,
    -- Dots each person may place on the board's ideas; 0: no dot voting.
    dots        INTEGER NOT NULL,
    created_by  BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    -- Ideas added so far: the next idea's place in the survey.
    ideas       INTEGER NOT NULL DEFAULT 0,
    -- Comparisons answered so far: the next answer's place.
    answers     INTEGER NOT NULL DEFAULT 0,
    -- Raised by a merge: every copy of the survey is made again.
    version     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX idea_boards_by_group ON idea_boards (group_id, id);

CREATE TABLE ideas (
    id          BLOB    NOT NULL PRIMARY KEY,
    board_id    BLOB    NOT NULL REFERENCES idea_boards (id) ON DELETE CASCADE,
    -- Its place among the board's ideas, from 1.
    seq         INTEGER NOT NULL,
    author_id   BLOB    NOT NULL,
    title       TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    -- JSON array of lowercase tags.
    tags        TEXT    NOT NULL,
    -- The idea it was merged into (a duplicate); NULL while it stands.
    merged_into BLOB,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX ideas_by_board ON ideas (board_id, seq);

CREATE TABLE idea_endorsements (
    idea_id     BLOB    NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    account_id  BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (idea_id, account_id)
);

CREATE TABLE idea_reactions (
    idea_id     BLOB    NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    account_id  BLOB    NOT NULL,
    emoji       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (idea_id, account_id, emoji)
);

CREATE TABLE idea_dots (
    idea_id     BLOB    NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    account_id  BLOB    NOT NULL,
    board_id    BLOB    NOT NULL,
    dots        INTEGER NOT NULL,
    PRIMARY KEY (idea_id, account_id)
);
CREATE INDEX idea_dots_by_voter ON idea_dots (board_id, account_id);

-- One answer of the wiki-survey. Its id is the pair token's, so a token is spent once.
CREATE TABLE idea_comparisons (
    id          BLOB    NOT NULL PRIMARY KEY,
    board_id    BLOB    NOT NULL REFERENCES idea_boards (id) ON DELETE CASCADE,
    -- Its place among the board's answers, from 1.
    seq         INTEGER NOT NULL,
    voter_id    BLOB    NOT NULL,
    left_id     BLOB    NOT NULL,
    right_id    BLOB    NOT NULL,
    -- left | right | none ("I can't decide": stored, not fitted)
    winner      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX idea_comparisons_by_board ON idea_comparisons (board_id, seq);

CREATE TABLE idea_promotions (
    id          BLOB    NOT NULL PRIMARY KEY,
    board_id    BLOB    NOT NULL REFERENCES idea_boards (id) ON DELETE CASCADE,
    motion_id   BLOB    NOT NULL,
    -- proposal | choice | ranked
    kind        TEXT    NOT NULL,
    -- JSON array of the promoted ideas' ids, in the poll's option order.
    ideas       TEXT    NOT NULL,
    created_by  BLOB    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX idea_promotions_by_board ON idea_promotions (board_id, created_at);

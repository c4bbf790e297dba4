-- Counting an open poll reads its ballots grouped by their text (each distinct ballot with its
-- voters' weight and number); this index covers that read, so a poll of 100,000 ballots is
-- counted from a few hundred index entries without touching the table. (PostgreSQL groups the
-- rows by hashing them and needs no such index; a b-tree over a long ballot there could pass
-- its limit on an index row.)
CREATE INDEX poll_votes_ballots ON poll_votes (poll_id, ballot, weight);

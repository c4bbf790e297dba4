//! This node's copies of boards' wiki-surveys: each board's answers counted per pair of
//! ideas (`tally::pairwise::Games`), the last fit, and who answered which pair. Serving a
//! pair must take a few milliseconds on a board of 10,000 ideas and a million answers, and
//! reading those answers again each time would take seconds; so a copy is kept and caught up
//! from the board's counters (one small query): new ideas and answers are read from where
//! the copy stopped, and a merge (which raises the board's `version`) makes it again. Nodes
//! sharing a database each keep their own copies and check the counters on every use.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use kernel::{Error, Kernel, Result};
use rand::RngExt;
use tally::OptionId;
use tally::pairwise::{self, Comparison, Fit, Games, PairwiseResult};

use crate::model::{AccountId, BoardId, IdeaId, Ranking, Winner};
use crate::store::{self, AnswerRow, IdeaRow};

/// At most this many boards are kept; the one unused longest goes first.
const KEPT: usize = 64;
/// Ideas drawn at random for the first idea of a pair (the least seen is taken).
const FIRST_DRAWS: usize = 8;
/// Ideas drawn at random for the second (the most uncertain against the first is taken).
const SECOND_DRAWS: usize = 24;
/// First ideas tried before a pair the voter answered before is served again.
const ATTEMPTS: usize = 4;
/// Pair counts up to which serving a pair refits a stale fit itself (a few milliseconds).
const REFIT_INLINE_UP_TO: usize = 50_000;

pub struct Survey {
    version: i64,
    ideas_seen: i64,
    answers_seen: i64,
    /// The standing ideas, by their place in `games`.
    pub ideas: Vec<IdeaId>,
    /// Every idea of the board (duplicates too) → the place of the idea standing for it.
    slot: HashMap<IdeaId, u32>,
    pub games: Games,
    /// Pairs each person answered (smaller place first).
    answered: HashSet<(AccountId, u32, u32)>,
    fit: Option<Fit>,
    fit_at: i64,
    scored: Option<(i64, Arc<PairwiseResult>)>,
    /// When the board last changed (an idea's title among other things).
    touched: i64,
    /// The ranking as the API shows it, with what it was made at: (answers, ideas, touched).
    ranked: Option<((i64, usize, i64), Arc<Ranking>)>,
}

impl Survey {
    fn empty(version: i64) -> Self {
        Survey {
            version,
            ideas_seen: 0,
            answers_seen: 0,
            ideas: Vec::new(),
            slot: HashMap::new(),
            games: Games::default(),
            answered: HashSet::new(),
            fit: None,
            fit_at: 0,
            scored: None,
            touched: 0,
            ranked: None,
        }
    }

    /// The ranking kept from an earlier request, when nothing changed since.
    pub fn ranking_kept(&self) -> Option<Arc<Ranking>> {
        let (at, ranking) = self.ranked.as_ref()?;
        (*at == (self.answers_seen, self.ideas.len(), self.touched)).then(|| Arc::clone(ranking))
    }

    /// Keeps the ranking made from the copy as it is now.
    pub fn keep_ranking(&mut self, ranking: Arc<Ranking>) {
        self.ranked = Some(((self.answers_seen, self.ideas.len(), self.touched), ranking));
    }

    /// The answers counted so far, "I can't decide" included.
    pub fn answers(&self) -> i64 {
        self.answers_seen
    }

    /// Catches up with the board in the database.
    async fn catch_up(&mut self, k: &Kernel, board: BoardId) -> Result<()> {
        let (ideas, answers, version, touched) = store::counters(&k.db, board)
            .await?
            .ok_or(Error::NotFound("board"))?;
        if version != self.version {
            *self = Survey::empty(version);
        }
        self.touched = touched;
        if ideas > self.ideas_seen {
            let rows = store::ideas_of(&k.db, board, self.ideas_seen, true).await?;
            self.add_ideas(rows);
        }
        if answers > self.answers_seen {
            let rows = store::answers_after(&k.db, board, self.answers_seen).await?;
            if rows.iter().any(|a| {
                !self.slot.contains_key(&a.left_id) || !self.slot.contains_key(&a.right_id)
            }) {
                // An idea committed after the counters were read: read on from there.
                let rows = store::ideas_of(&k.db, board, self.ideas_seen, true).await?;
                self.add_ideas(rows);
            }
            for answer in rows {
                self.count(&answer);
            }
        }
        Ok(())
    }

    fn add_ideas(&mut self, rows: Vec<IdeaRow>) {
        // Standing ideas first, so a duplicate finds its survivor's place.
        let (standing, merged): (Vec<IdeaRow>, Vec<IdeaRow>) =
            rows.into_iter().partition(|r| r.merged_into.is_none());
        for row in &standing {
            let place = self.games.add_idea();
            self.ideas.push(row.id);
            self.slot.insert(row.id, place.0);
            self.ideas_seen = self.ideas_seen.max(row.seq);
        }
        for row in &merged {
            if let Some(place) = row
                .merged_into
                .and_then(|into| self.slot.get(&into).copied())
            {
                self.slot.insert(row.id, place);
            }
            self.ideas_seen = self.ideas_seen.max(row.seq);
        }
    }

    fn count(&mut self, answer: &AnswerRow) {
        self.answers_seen = self.answers_seen.max(answer.seq);
        let (Some(&left), Some(&right)) = (
            self.slot.get(&answer.left_id),
            self.slot.get(&answer.right_id),
        ) else {
            return;
        };
        if left == right {
            return;
        }
        self.answered
            .insert((answer.voter_id, left.min(right), left.max(right)));
        let (winner, loser) = match answer.winner.parse() {
            Ok(Winner::Left) => (left, right),
            Ok(Winner::Right) => (right, left),
            _ => return,
        };
        let _ = self.games.record(
            Comparison {
                winner: OptionId(winner),
                loser: OptionId(loser),
            },
            1,
        );
    }

    /// The idea standing for `idea` (itself, or the idea a duplicate was merged into).
    pub fn standing(&self, idea: IdeaId) -> Option<IdeaId> {
        self.slot.get(&idea).map(|&s| self.ideas[s as usize])
    }

    fn strength(&self, place: usize) -> f64 {
        self.fit
            .as_ref()
            .and_then(|f| f.strength.get(place).copied())
            .unwrap_or(1.0)
    }

    fn refit(&mut self) {
        let start = self.fit.as_ref().map(|f| f.strength.as_slice());
        let fitted = pairwise::fit(&self.games, start);
        self.fit = Some(fitted);
        self.fit_at = self.answers_seen;
    }

    /// A pair for `voter`: the least seen of a few ideas drawn at random, against the idea
    /// whose order with it is least certain (closest strength, fewest answers) among a few
    /// more, preferring pairs `voter` has not answered.
    pub fn pick(&mut self, voter: AccountId) -> Option<(IdeaId, IdeaId)> {
        let n = self.ideas.len();
        if n < 2 {
            return None;
        }
        let stale = self.answers_seen - self.fit_at > (self.answers_seen / 20).max(10);
        if (self.fit.is_none() || stale) && self.games_small() {
            self.refit();
        }
        let mut rng = rand::rng();
        let mut best: Option<(bool, f64, usize, usize)> = None;
        // A first idea whose drawn partners the voter has all answered gets another go.
        for _ in 0..ATTEMPTS {
            let first = (0..FIRST_DRAWS)
                .map(|_| rng.random_range(0..n))
                .min_by_key(|&i| self.games.played(OptionId(i as u32)))?;
            let wa = self.strength(first);
            for _ in 0..SECOND_DRAWS {
                let mut other = rng.random_range(0..n - 1);
                if other >= first {
                    other += 1;
                }
                let (lo, hi) = (first.min(other) as u32, first.max(other) as u32);
                let fresh = !self.answered.contains(&(voter, lo, hi));
                let wb = self.strength(other);
                let p = wa / (wa + wb);
                let played = self.games.played(OptionId(other as u32)) as f64;
                let worth = 4.0 * p * (1.0 - p) + 1.0 / (1.0 + played);
                if best.is_none_or(|b| (fresh, worth) > (b.0, b.1)) {
                    best = Some((fresh, worth, first, other));
                }
            }
            if best.is_some_and(|b| b.0) {
                break;
            }
        }
        let (_, _, first, second) = best?;
        // Which side each shows on is a coin toss.
        let (left, right) = if rng.random_bool(0.5) {
            (first, second)
        } else {
            (second, first)
        };
        Some((self.ideas[left], self.ideas[right]))
    }

    fn games_small(&self) -> bool {
        self.games.ideas() * 5 + self.answers_seen as usize <= REFIT_INLINE_UP_TO
    }

    /// The fit of every answer so far, scored: made again only when answers came in.
    pub fn scored(&mut self) -> Arc<PairwiseResult> {
        if let Some((at, result)) = &self.scored
            && *at == self.answers_seen
            && result.ideas.len() == self.ideas.len()
        {
            return Arc::clone(result);
        }
        if self.fit_at != self.answers_seen
            || self
                .fit
                .as_ref()
                .is_none_or(|f| f.strength.len() != self.ideas.len())
        {
            self.refit();
        }
        let fit = self.fit.as_ref().expect("fitted above");
        let result = Arc::new(pairwise::scores(&self.games, fit));
        self.scored = Some((self.answers_seen, Arc::clone(&result)));
        result
    }
}

/// The copies this node keeps.
#[derive(Default)]
pub struct Surveys {
    copies: Mutex<Vec<(BoardId, Arc<tokio::sync::Mutex<Survey>>)>>,
}

impl Surveys {
    /// The board's copy, caught up, held for the caller's use.
    pub async fn get(
        &self,
        k: &Kernel,
        board: BoardId,
    ) -> Result<tokio::sync::OwnedMutexGuard<Survey>> {
        let copy = {
            let mut copies = self.copies.lock().unwrap_or_else(|p| p.into_inner());
            // The copy used last goes last: the one left unused longest goes first.
            match copies.iter().position(|(id, _)| *id == board) {
                Some(at) => {
                    let kept = copies.remove(at);
                    let copy = Arc::clone(&kept.1);
                    copies.push(kept);
                    copy
                }
                None => {
                    if copies.len() >= KEPT {
                        copies.remove(0);
                    }
                    let copy = Arc::new(tokio::sync::Mutex::new(Survey::empty(-1)));
                    copies.push((board, Arc::clone(&copy)));
                    copy
                }
            }
        };
        let mut survey = copy.lock_owned().await;
        survey.catch_up(k, board).await?;
        Ok(survey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idea(seq: i64, merged_into: Option<IdeaId>) -> IdeaRow {
        IdeaRow {
            id: IdeaId::new(),
            board_id: BoardId::new(),
            seq,
            author_id: AccountId::new(),
            title: String::new(),
            text: String::new(),
            tags: "[]".into(),
            merged_into,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn answer(seq: i64, voter: AccountId, left: IdeaId, right: IdeaId, winner: &str) -> AnswerRow {
        AnswerRow {
            seq,
            voter_id: voter,
            left_id: left,
            right_id: right,
            winner: winner.into(),
        }
    }

    #[test]
    fn duplicates_count_for_their_survivor_and_undecided_answers_are_not_fitted() {
        let mut s = Survey::empty(0);
        let a = idea(1, None);
        let b = idea(2, None);
        let dup = idea(3, Some(a.id));
        let (ia, ib, idup) = (a.id, b.id, dup.id);
        s.add_ideas(vec![a, b, dup]);
        assert_eq!(s.ideas, vec![ia, ib]);
        assert_eq!(s.standing(idup), Some(ia));
        let voter = AccountId::new();
        s.count(&answer(1, voter, idup, ib, "left"));
        s.count(&answer(2, voter, ia, idup, "left"));
        s.count(&answer(3, voter, ia, ib, "none"));
        assert_eq!(s.answers(), 3);
        assert_eq!(
            s.games.played(OptionId(0)),
            1,
            "the self-pair and the undecided one"
        );
        assert!(s.answered.contains(&(voter, 0, 1)));
    }

    #[test]
    fn a_pair_is_two_standing_ideas_and_prefers_what_the_voter_has_not_answered() {
        let mut s = Survey::empty(0);
        assert!(s.pick(AccountId::new()).is_none());
        s.add_ideas((1..=3).map(|i| idea(i, None)).collect());
        let voter = AccountId::new();
        // The voter answered 0–1 and 0–2 many times; 1–2 is what is left.
        for seq in 1..=6 {
            let (l, r) = if seq % 2 == 0 { (0, 1) } else { (0, 2) };
            s.count(&answer(seq, voter, s.ideas[l], s.ideas[r], "left"));
        }
        for _ in 0..20 {
            let (left, right) = s.pick(voter).unwrap();
            assert_ne!(left, right);
            let pair: HashSet<IdeaId> = [left, right].into();
            assert_eq!(pair, [s.ideas[1], s.ideas[2]].into());
        }
    }
}

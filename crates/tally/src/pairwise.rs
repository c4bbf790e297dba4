//! Wiki-survey scoring for ideation (All Our Ideas): Bradley–Terry strengths from
//! (winner, loser) answers, each idea's score — its estimated chance of beating a randomly
//! chosen other idea — and a 95% band around it from the fit's Fisher information.
//!
//! # The fit
//! The strengths maximise the Bradley–Terry likelihood under the weak prior of choix's
//! `ilsr_pairwise(alpha = 0.01)`: a pseudo-rate `alpha` between every two ideas, which keeps
//! an idea that never lost finite and starts a fresh one at an even chance. choix finds the
//! fixed point of a Markov chain whose stationary distribution is the strengths, normalised
//! to mean 1; that fixed point is exactly the maximum of
//! `Σ W_i ln w_i − Σ_{i<j} n_ij ln(w_i + w_j) + nα Σ (ln w_i − w_i)` (a Gamma prior on each
//! strength, `n` ideas), which Hunter's minorize–maximize step climbs monotonically:
//! `w_i ← (W_i + nα) / (Σ_j n_ij / (w_i + w_j) + nα)`. At the maximum the strengths' mean is
//! 1, as choix's are, so the two agree to the fit's tolerance (cross-checked over HTTP in
//! `crates/tools/ideas/reference/crosscheck_http.py`). A fit can start from earlier strengths ([`fit`]'s `start`): a
//! board that gained a few answers converges in a few steps.
//!
//! # Scores and bands
//! `score_i = 1/(n−1) Σ_{j≠i} w_i / (w_i + w_j)`. The band moves the idea's log-strength by
//! ±1.96 standard errors, the standard error from the Fisher information of that
//! log-strength (`Σ_j n_ij p_ij p_ji + nα w_i`, the others held at their estimates), and
//! scores the two ends the same way. With many ideas the sums over every other idea are read
//! from a table of the chance of beating the whole pool and its slope (cubic Hermite
//! interpolation between 1,024 points, relative error far below 1e-6), so scoring 10,000
//! ideas costs milliseconds, not three hundred million divisions.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::ballot::{BallotError, CountError, OptionId, Weight, Weighted, check_option_count};
use crate::tie::tiers_by;

/// One answer of a pairwise survey: `winner` was preferred over `loser`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    pub winner: OptionId,
    pub loser: OptionId,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IdeaScore {
    pub idea: OptionId,
    pub wins: Weight,
    pub losses: Weight,
    /// Bradley–Terry strength; the strengths' mean is 1.
    pub strength: f64,
    /// Estimated chance, 0 to 1, that this idea beats another idea picked at random.
    pub score: f64,
    /// The 95% band around `score`.
    pub low: f64,
    pub high: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairwiseResult {
    /// One entry per idea, in idea order.
    pub ideas: Vec<IdeaScore>,
    /// Ideas by score, equal scores sharing a tier.
    pub ranking: Vec<Vec<OptionId>>,
    /// Iterations the fit took.
    pub iterations: u32,
}

/// choix's `alpha`: the prior's pseudo-rate between every two ideas.
pub const ALPHA: f64 = 0.01;
const MAX_ITERATIONS: u32 = 100_000;
/// The fit stops when no strength moves by more than this, relatively.
const TOLERANCE: f64 = 1e-10;
/// 95% of a normal distribution lies within this many standard errors.
const Z95: f64 = 1.959_963_984_540_054;
/// Up to this many ideas, scores sum over every other idea; beyond, they read the table.
const EXACT_UP_TO: usize = 2_000;
const TABLE_POINTS: usize = 1_024;

/// The answers of a survey, as counts per pair of ideas: what a fit reads. Ideas may be
/// added at any time (a new idea enters the pool at once).
#[derive(Clone, Debug, Default)]
pub struct Games {
    wins: Vec<Weight>,
    losses: Vec<Weight>,
    /// Pairs `(a, b)` with `a < b`, and how often each beat the other.
    pairs: Vec<(u32, u32, f64, f64)>,
    index: HashMap<(u32, u32), usize>,
}

impl Games {
    pub fn new(ideas: u32) -> Result<Self, CountError> {
        let count = check_option_count(ideas)?;
        Ok(Games {
            wins: vec![0; count],
            losses: vec![0; count],
            ..Games::default()
        })
    }

    /// How many ideas the survey has.
    pub fn ideas(&self) -> usize {
        self.wins.len()
    }

    /// Adds an idea, with no answers yet.
    pub fn add_idea(&mut self) -> OptionId {
        self.wins.push(0);
        self.losses.push(0);
        OptionId(self.wins.len() as u32 - 1)
    }

    /// How many answers an idea was in.
    pub fn played(&self, idea: OptionId) -> Weight {
        let i = idea.index();
        self.wins[i].saturating_add(self.losses[i])
    }

    /// Counts one answer (`weight` times).
    pub fn record(&mut self, comparison: Comparison, weight: Weight) -> Result<(), BallotError> {
        check(comparison, self.ideas() as u32)?;
        let (winner, loser) = (comparison.winner.0, comparison.loser.0);
        self.wins[winner as usize] = self.wins[winner as usize].saturating_add(weight);
        self.losses[loser as usize] = self.losses[loser as usize].saturating_add(weight);
        let key = (winner.min(loser), winner.max(loser));
        let at = *self.index.entry(key).or_insert_with(|| {
            self.pairs.push((key.0, key.1, 0.0, 0.0));
            self.pairs.len() - 1
        });
        if winner < loser {
            self.pairs[at].2 += weight as f64;
        } else {
            self.pairs[at].3 += weight as f64;
        }
        Ok(())
    }
}

/// Whether `comparison` is of two different ideas among `ideas`.
fn check(comparison: Comparison, ideas: u32) -> Result<(), BallotError> {
    for option in [comparison.winner, comparison.loser] {
        if option.0 >= ideas {
            return Err(BallotError::UnknownOption {
                option,
                options: ideas,
            });
        }
    }
    if comparison.winner == comparison.loser {
        return Err(BallotError::DuplicateOption {
            option: comparison.winner,
        });
    }
    Ok(())
}

/// Fitted strengths, one per idea, and the iterations the fit took.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    pub strength: Vec<f64>,
    pub iterations: u32,
}

/// Fits the strengths, from `start` when given (earlier strengths of the same ideas; ideas
/// added since start at 1).
pub fn fit(games: &Games, start: Option<&[f64]>) -> Fit {
    let count = games.ideas();
    let prior = ALPHA * count as f64;
    let mut strength: Vec<f64> = (0..count)
        .map(|i| {
            start
                .and_then(|s| s.get(i))
                .copied()
                .filter(|w| w.is_finite() && *w > 0.0)
                .unwrap_or(1.0)
        })
        .collect();
    let won: Vec<f64> = games.wins.iter().map(|&w| w as f64 + prior).collect();
    let mut denominator = vec![0.0f64; count];
    let mut iterations = 0;
    while iterations < MAX_ITERATIONS && count > 1 {
        iterations += 1;
        denominator.fill(prior);
        for &(a, b, a_won, b_won) in &games.pairs {
            let share = (a_won + b_won) / (strength[a as usize] + strength[b as usize]);
            denominator[a as usize] += share;
            denominator[b as usize] += share;
        }
        // The step, then the best scale along the ray of all strengths (the likelihood does
        // not see scale, only the prior does, and its best is a mean of 1): without it the
        // scale would creep there at the prior's slow pace.
        let updated: Vec<f64> = won.iter().zip(&denominator).map(|(w, d)| w / d).collect();
        let scale = count as f64 / updated.iter().sum::<f64>();
        let mut change = 0.0f64;
        for (old, new) in strength.iter_mut().zip(updated) {
            let new = new * scale;
            change = change.max(((new - *old) / *old).abs());
            *old = new;
        }
        if change < TOLERANCE {
            break;
        }
    }
    if count == 1 {
        strength[0] = 1.0;
    }
    Fit {
        strength,
        iterations,
    }
}

/// How strongly a log-strength `t` beats the whole pool, `F(t) = Σ_j e^t / (e^t + w_j)`,
/// summed exactly or read from a table.
struct Pool<'a> {
    strength: &'a [f64],
    table: Option<Table>,
}

/// `F` and its slope at points `from + k · step`.
struct Table {
    from: f64,
    step: f64,
    points: Vec<(f64, f64)>,
}

impl<'a> Pool<'a> {
    fn new(strength: &'a [f64], reach: f64) -> Self {
        if strength.len() <= EXACT_UP_TO {
            return Pool {
                strength,
                table: None,
            };
        }
        let logs = strength.iter().map(|w| w.ln());
        let (min, max) = logs.fold((f64::MAX, f64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)));
        let (from, to) = (min - reach, max + reach);
        let step = (to - from) / (TABLE_POINTS - 1) as f64;
        let mut pool = Pool {
            strength,
            table: None,
        };
        let points = (0..TABLE_POINTS)
            .map(|k| pool.exact_with_slope(from + step * k as f64))
            .collect();
        pool.table = Some(Table { from, step, points });
        pool
    }

    /// `F(t)` and `F'(t) = Σ_j p_j (1 − p_j)`.
    fn exact_with_slope(&self, t: f64) -> (f64, f64) {
        let w = t.exp();
        self.strength.iter().fold((0.0, 0.0), |(f, d), &wj| {
            let p = w / (w + wj);
            (f + p, d + p * (1.0 - p))
        })
    }

    fn exact(&self, t: f64) -> f64 {
        let w = t.exp();
        self.strength.iter().map(|&wj| w / (w + wj)).sum()
    }

    /// `F(t)`, between two points of the table by cubic Hermite interpolation (the values
    /// and slopes at both ends): an error of order step⁴.
    fn beats(&self, t: f64) -> f64 {
        match &self.table {
            None => self.exact(t),
            Some(Table { from, step, points }) => {
                let at = (t - from) / step;
                if at < 0.0 || at >= (points.len() - 1) as f64 {
                    return self.exact(t);
                }
                let k = at.floor() as usize;
                let s = at - k as f64;
                let ((f0, d0), (f1, d1)) = (points[k], points[k + 1]);
                let (s2, s3) = (s * s, s * s * s);
                (2.0 * s3 - 3.0 * s2 + 1.0) * f0
                    + (s3 - 2.0 * s2 + s) * step * d0
                    + (3.0 * s2 - 2.0 * s3) * f1
                    + (s3 - s2) * step * d1
            }
        }
    }
}

/// Scores a fit: each idea's chance of beating another and its 95% band, and the ranking.
pub fn scores(games: &Games, fit: &Fit) -> PairwiseResult {
    let count = games.ideas();
    let strength = &fit.strength;
    let prior = ALPHA * count as f64;
    // The Fisher information of each log-strength.
    let mut information: Vec<f64> = strength.iter().map(|w| prior * w).collect();
    for &(a, b, a_won, b_won) in &games.pairs {
        let (wa, wb) = (strength[a as usize], strength[b as usize]);
        let p = wa / (wa + wb);
        let info = (a_won + b_won) * p * (1.0 - p);
        information[a as usize] += info;
        information[b as usize] += info;
    }
    let errors: Vec<f64> = information
        .iter()
        .map(|i| if *i > 0.0 { Z95 / i.sqrt() } else { 0.0 })
        .collect();
    let reach = errors.iter().copied().fold(0.0, f64::max).min(50.0);
    let pool = Pool::new(strength, reach);
    let others = (count.max(2) - 1) as f64;
    // The chance that log-strength `t` beats every idea but `i`, on average.
    let chance = |i: usize, t: f64| {
        if count < 2 {
            return 0.5;
        }
        let w = t.exp();
        ((pool.beats(t) - w / (w + strength[i])) / others).clamp(0.0, 1.0)
    };
    let ideas: Vec<IdeaScore> = (0..count)
        .map(|i| {
            let t = strength[i].ln();
            IdeaScore {
                idea: OptionId(i as u32),
                wins: games.wins[i],
                losses: games.losses[i],
                strength: strength[i],
                score: chance(i, t),
                low: chance(i, t - errors[i]),
                high: chance(i, t + errors[i]),
            }
        })
        .collect();
    // Scores compare as integers in units of 1e-9, so tiny float noise does not split a tier.
    let ranking = tiers_by(count, |i| (ideas[i].score * 1e9).round() as i64);
    PairwiseResult {
        ideas,
        ranking,
        iterations: fit.iterations,
    }
}

/// Fits and scores a whole survey at once. Comparisons are aggregated into pair counts first,
/// so the result does not depend on their order.
pub fn score(
    ideas: u32,
    comparisons: &[Weighted<Comparison>],
) -> Result<PairwiseResult, CountError> {
    let mut games = Games::new(ideas)?;
    for (index, c) in comparisons.iter().enumerate() {
        // Checked in their order (an error names the first bad one), counted pair by pair:
        // the fit sums in the order pairs were first seen, so the same answers in any order
        // give the same floats.
        check(c.ballot, ideas).map_err(|error| CountError::InvalidBallot { index, error })?;
    }
    let mut ordered: Vec<&Weighted<Comparison>> = comparisons.iter().collect();
    ordered.sort_by_key(|c| {
        let (w, l) = (c.ballot.winner.0, c.ballot.loser.0);
        (w.min(l), w.max(l))
    });
    for c in ordered {
        games.record(c.ballot, c.weight).expect("checked above");
    }
    let fitted = fit(&games, None);
    Ok(scores(&games, &fitted))
}
#[cfg(test)]
mod tests {
    use super::*;

    fn beat(winner: u32, loser: u32, weight: u64) -> Weighted<Comparison> {
        Weighted::new(
            Comparison {
                winner: OptionId(winner),
                loser: OptionId(loser),
            },
            weight,
        )
    }

    #[test]
    fn a_consistent_winner_scores_highest_and_scores_stay_in_range() {
        let result = score(
            3,
            &[beat(0, 1, 8), beat(1, 0, 2), beat(0, 2, 9), beat(1, 2, 6)],
        )
        .unwrap();
        assert_eq!(
            result.ranking,
            vec![vec![OptionId(0)], vec![OptionId(1)], vec![OptionId(2)]]
        );
        for idea in &result.ideas {
            assert!(idea.score > 0.0 && idea.score < 1.0);
        }
        assert_eq!(result.ideas[0].wins, 17);
        assert_eq!(result.ideas[2].losses, 15);
    }

    #[test]
    fn unseen_ideas_start_even() {
        let result = score(4, &[]).unwrap();
        for idea in &result.ideas {
            assert!((idea.score - 0.5).abs() < 1e-12);
        }
        assert_eq!(result.ranking.len(), 1);
    }

    #[test]
    fn an_idea_that_never_lost_stays_finite() {
        let result = score(2, &[beat(0, 1, 50)]).unwrap();
        assert!(result.ideas[0].strength.is_finite());
        assert!(result.ideas[0].score > 0.9);
        // Two ideas: the chance of beating the other is the Bradley–Terry probability.
        let p = result.ideas[0].strength / (result.ideas[0].strength + result.ideas[1].strength);
        assert!((result.ideas[0].score - p).abs() < 1e-12);
    }

    #[test]
    fn comparing_an_idea_with_itself_is_invalid() {
        assert!(score(2, &[beat(1, 1, 1)]).is_err());
        assert!(score(2, &[beat(0, 2, 1)]).is_err());
    }

    #[test]
    fn the_fit_is_chois_fixed_point_with_mean_one() {
        let games = [
            beat(0, 1, 3),
            beat(1, 2, 2),
            beat(2, 0, 1),
            beat(0, 2, 4),
            beat(3, 1, 1),
        ];
        let result = score(4, &games).unwrap();
        let w: Vec<f64> = result.ideas.iter().map(|i| i.strength).collect();
        let mean = w.iter().sum::<f64>() / 4.0;
        assert!((mean - 1.0).abs() < 1e-8, "mean {mean}");
        // Stationarity of choix's chain at its fixed point: what flows into i equals what
        // flows out, with rates 1/(w_i + w_j) per answer plus alpha between every two ideas.
        let mut rate = [[ALPHA; 4]; 4];
        for g in &games {
            let (winner, loser) = (g.ballot.winner.index(), g.ballot.loser.index());
            rate[loser][winner] += g.weight as f64 / (w[winner] + w[loser]);
        }
        for i in 0..4 {
            let inflow: f64 = (0..4).filter(|&j| j != i).map(|j| w[j] * rate[j][i]).sum();
            let outflow: f64 = (0..4).filter(|&j| j != i).map(|j| w[i] * rate[i][j]).sum();
            assert!(
                (inflow - outflow).abs() < 1e-8,
                "idea {i}: {inflow} vs {outflow}"
            );
        }
    }

    #[test]
    fn a_warm_start_reaches_the_same_fit() {
        let mut games = Games::new(6).unwrap();
        for (a, b, n) in [
            (0, 1, 5),
            (1, 2, 4),
            (2, 3, 3),
            (3, 4, 2),
            (4, 5, 1),
            (0, 5, 2),
        ] {
            games.record(beat(a, b, n).ballot, n).unwrap();
        }
        let cold = fit(&games, None);
        games.record(beat(5, 0, 1).ballot, 1).unwrap();
        let warm = fit(&games, Some(&cold.strength));
        let again = fit(&games, None);
        for (a, b) in warm.strength.iter().zip(&again.strength) {
            assert!((a - b).abs() < 1e-8);
        }
    }

    #[test]
    fn the_band_holds_the_score_and_narrows_with_answers() {
        let few = score(3, &[beat(0, 1, 2), beat(1, 2, 2)]).unwrap();
        let many = score(3, &[beat(0, 1, 200), beat(1, 2, 200)]).unwrap();
        for result in [&few, &many] {
            for idea in &result.ideas {
                assert!(idea.low <= idea.score && idea.score <= idea.high);
                assert!(idea.low >= 0.0 && idea.high <= 1.0);
            }
        }
        let width = |r: &PairwiseResult| r.ideas[1].high - r.ideas[1].low;
        assert!(width(&many) < width(&few) / 3.0);
    }

    #[test]
    fn a_large_pool_reads_the_table_within_a_millionth() {
        let n = 2_500u32;
        let mut games = Games::new(n).unwrap();
        // A chain of answers with a wide spread of strengths.
        for i in 0..n - 1 {
            let (w, l) = if i % 7 == 0 { (i + 1, i) } else { (i, i + 1) };
            games
                .record(
                    beat(w, l, 1 + u64::from(i % 3)).ballot,
                    1 + u64::from(i % 3),
                )
                .unwrap();
        }
        let fitted = fit(&games, None);
        let fast = scores(&games, &fitted);
        let exact = |i: usize, t: f64| {
            let w = t.exp();
            (0..n as usize)
                .filter(|&j| j != i)
                .map(|j| w / (w + fitted.strength[j]))
                .sum::<f64>()
                / f64::from(n - 1)
        };
        for idea in fast.ideas.iter().step_by(97) {
            let i = idea.idea.index();
            let t = fitted.strength[i].ln();
            assert!((idea.score - exact(i, t)).abs() < 1e-6, "idea {i}");
        }
    }

    #[test]
    fn ideas_join_a_running_survey() {
        let mut games = Games::new(2).unwrap();
        games.record(beat(0, 1, 3).ballot, 3).unwrap();
        let added = games.add_idea();
        assert_eq!(added, OptionId(2));
        assert_eq!(games.played(added), 0);
        games.record(beat(2, 0, 1).ballot, 1).unwrap();
        assert_eq!(games.played(OptionId(0)), 4);
        assert!(games.record(beat(3, 0, 1).ballot, 1).is_err());
    }
}

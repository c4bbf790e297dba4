//! Wiki-survey scoring for ideation: Bradley–Terry strengths from (winner, loser) pairs, and a
//! score per idea that is its estimated chance of beating a randomly chosen other idea.

use std::collections::BTreeMap;

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
    /// Bradley–Terry strength, scaled so that the strengths' geometric mean is 1.
    pub strength: f64,
    /// Estimated chance, 0 to 1, that this idea beats another idea picked at random.
    pub score: f64,
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

/// Strength of the prior: each idea is credited one win and one loss against an idea of
/// average strength. Without it an idea that never lost would have infinite strength; with it a
/// fresh idea starts at an even chance and moves as answers come in.
const PRIOR_GAMES: f64 = 1.0;
const MAX_ITERATIONS: u32 = 10_000;
const TOLERANCE: f64 = 1e-10;

/// Fits Bradley–Terry by Hunter's minorize–maximize iteration. Comparisons are aggregated into
/// pair counts first, so the result does not depend on their order.
pub fn score(
    ideas: u32,
    comparisons: &[Weighted<Comparison>],
) -> Result<PairwiseResult, CountError> {
    let count = check_option_count(ideas)?;
    // games[(a, b)] with a < b: (a beat b, b beat a).
    let mut games: BTreeMap<(usize, usize), (f64, f64)> = BTreeMap::new();
    let mut wins = vec![0 as Weight; count];
    let mut losses = vec![0 as Weight; count];
    for (
        index,
        Weighted {
            ballot: comparison,
            weight,
        },
    ) in comparisons.iter().enumerate()
    {
        for option in [comparison.winner, comparison.loser] {
            if option.0 >= ideas {
                return Err(CountError::InvalidBallot {
                    index,
                    error: BallotError::UnknownOption {
                        option,
                        options: ideas,
                    },
                });
            }
        }
        if comparison.winner == comparison.loser {
            return Err(CountError::InvalidBallot {
                index,
                error: BallotError::DuplicateOption {
                    option: comparison.winner,
                },
            });
        }
        let (winner, loser) = (comparison.winner.index(), comparison.loser.index());
        wins[winner] = wins[winner].saturating_add(*weight);
        losses[loser] = losses[loser].saturating_add(*weight);
        let entry = games
            .entry((winner.min(loser), winner.max(loser)))
            .or_insert((0.0, 0.0));
        if winner < loser {
            entry.0 += *weight as f64;
        } else {
            entry.1 += *weight as f64;
        }
    }
    let mut strength = vec![1.0f64; count];
    let mut iterations = 0;
    while iterations < MAX_ITERATIONS && count > 0 {
        iterations += 1;
        // Hunter (2004): p_i <- W_i / sum_j n_ij / (p_i + p_j), the prior as games against 1.
        let mut won = vec![PRIOR_GAMES; count];
        let mut denominator: Vec<f64> = strength
            .iter()
            .map(|&p| 2.0 * PRIOR_GAMES / (p + 1.0))
            .collect();
        for (&(a, b), &(a_won, b_won)) in &games {
            let played = a_won + b_won;
            let share = played / (strength[a] + strength[b]);
            won[a] += a_won;
            won[b] += b_won;
            denominator[a] += share;
            denominator[b] += share;
        }
        let mut updated: Vec<f64> = won.iter().zip(&denominator).map(|(w, d)| w / d).collect();
        let log_mean = updated.iter().map(|p| p.ln()).sum::<f64>() / count as f64;
        let scale = (-log_mean).exp();
        for p in &mut updated {
            *p *= scale;
        }
        let change = updated
            .iter()
            .zip(&strength)
            .map(|(new, old)| ((new - old) / old).abs())
            .fold(0.0, f64::max);
        strength = updated;
        if change < TOLERANCE {
            break;
        }
    }
    let scores: Vec<f64> = (0..count)
        .map(|i| {
            if count < 2 {
                return 0.5;
            }
            let sum: f64 = (0..count)
                .filter(|&j| j != i)
                .map(|j| strength[i] / (strength[i] + strength[j]))
                .sum();
            sum / (count - 1) as f64
        })
        .collect();
    // Scores compare as integers in units of 1e-9, so tiny float noise does not split a tier.
    let ranking = tiers_by(count, |i| (scores[i] * 1e9).round() as i64);
    Ok(PairwiseResult {
        ideas: (0..count)
            .map(|i| IdeaScore {
                idea: OptionId(i as u32),
                wins: wins[i],
                losses: losses[i],
                strength: strength[i],
                score: scores[i],
            })
            .collect(),
        ranking,
        iterations,
    })
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
}

//! Counts over a list of options where each ballot marks options directly: choice (min..max
//! picks), approval, score, dot vote, count (target reached) and meeting (best slot).

use serde::{Deserialize, Serialize};

use crate::ballot::{
    Availability, BallotError, CountError, Dots, OptionId, Participation, Scored, SlotAnswer,
    Weight, Weighted, check_distinct_options, check_option_count, validate_all,
};
use crate::tie::tiers_by;

/// The largest score or dot allowance a count accepts, so that totals stay exact in a `u64`.
pub const MAX_POINTS: u32 = 1_000_000;

/// A choice poll: each ballot picks between `min` and `max` distinct options.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceRules {
    pub options: u32,
    pub min: u32,
    pub max: u32,
}

impl ChoiceRules {
    /// Approval voting: any number of options, none included.
    pub fn approval(options: u32) -> Self {
        ChoiceRules {
            options,
            min: 0,
            max: options,
        }
    }

    pub fn validate(&self, picks: &[OptionId]) -> Result<(), BallotError> {
        check_distinct_options(picks, self.options)?;
        check_pick_count(picks.len(), self.min, self.max)
    }
}

pub(crate) fn check_pick_count(given: usize, min: u32, max: u32) -> Result<(), BallotError> {
    if given < min as usize {
        return Err(BallotError::TooFewChoices { given, min });
    }
    if given > max as usize {
        return Err(BallotError::TooManyChoices { given, max });
    }
    Ok(())
}

/// A score poll: each ballot scores options from 0 to `max`; options left out are unscored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreRules {
    pub options: u32,
    pub max: u32,
}

impl ScoreRules {
    pub fn validate(&self, scores: &[Scored]) -> Result<(), BallotError> {
        let ids: Vec<OptionId> = scores.iter().map(|scored| scored.option).collect();
        check_distinct_options(&ids, self.options)?;
        match scores.iter().find(|scored| scored.score > self.max) {
            Some(scored) => Err(BallotError::ScoreOutOfRange {
                option: scored.option,
                score: scored.score,
                max: self.max,
            }),
            None => Ok(()),
        }
    }
}

/// A dot vote: each ballot spreads at most `dots` dots over the options, several on one if it
/// likes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DotRules {
    pub options: u32,
    pub dots: u32,
}

impl DotRules {
    pub fn validate(&self, placed: &[Dots]) -> Result<(), BallotError> {
        let ids: Vec<OptionId> = placed.iter().map(|dots| dots.option).collect();
        check_distinct_options(&ids, self.options)?;
        let given = placed
            .iter()
            .fold(0u64, |sum, dots| sum.saturating_add(u64::from(dots.dots)));
        if given > u64::from(self.dots) {
            return Err(BallotError::TooManyDots {
                given,
                allowed: self.dots,
            });
        }
        Ok(())
    }
}

/// A meeting poll: each ballot answers yes, maybe or no for some of the `slots`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingRules {
    pub slots: u32,
}

impl MeetingRules {
    pub fn validate(&self, answers: &[SlotAnswer]) -> Result<(), BallotError> {
        let ids: Vec<OptionId> = answers.iter().map(|answer| answer.slot).collect();
        check_distinct_options(&ids, self.slots)
    }
}

/// Totals per option, ranked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionTotals {
    /// Weighted votes (or dots) per option, indexed by option.
    pub totals: Vec<u64>,
    /// Options from most to fewest votes; options with equal votes share a tier.
    pub ranking: Vec<Vec<OptionId>>,
    /// The first option of the top tier, or `None` when no option got a vote.
    pub winner: Option<OptionId>,
    /// Whether the top tier holds several options, so the winner came from the tie rule.
    pub tie: bool,
    /// Weight of the ballots counted.
    pub ballots: Weight,
}

fn rank_totals(totals: Vec<u64>, ballots: Weight) -> OptionTotals {
    let ranking = tiers_by(totals.len(), |option| totals[option]);
    let top = ranking.first().filter(|tier| totals[tier[0].index()] > 0);
    OptionTotals {
        winner: top.map(|tier| tier[0]),
        tie: top.is_some_and(|tier| tier.len() > 1),
        ranking,
        totals,
        ballots,
    }
}

/// Counts a choice poll: one vote per picked option per unit of weight.
pub fn count_choice(
    rules: &ChoiceRules,
    ballots: &[Weighted<Vec<OptionId>>],
) -> Result<OptionTotals, CountError> {
    let options = check_option_count(rules.options)?;
    let weight = validate_all(ballots, |picks| rules.validate(picks))?;
    let mut totals = vec![0u64; options];
    for ballot in ballots {
        for option in &ballot.ballot {
            totals[option.index()] += ballot.weight;
        }
    }
    Ok(rank_totals(totals, weight))
}

/// Counts an approval poll: like a choice poll with no limit on the number of picks.
pub fn count_approval(
    options: u32,
    ballots: &[Weighted<Vec<OptionId>>],
) -> Result<OptionTotals, CountError> {
    count_choice(&ChoiceRules::approval(options), ballots)
}

/// Counts a dot vote: dots times weight per option.
pub fn count_dots(
    rules: &DotRules,
    ballots: &[Weighted<Vec<Dots>>],
) -> Result<OptionTotals, CountError> {
    let options = check_option_count(rules.options)?;
    check_points(rules.dots)?;
    let weight = validate_all(ballots, |placed| rules.validate(placed))?;
    let mut totals = vec![0u64; options];
    for ballot in ballots {
        for dots in &ballot.ballot {
            totals[dots.option.index()] += u64::from(dots.dots) * ballot.weight;
        }
    }
    Ok(rank_totals(totals, weight))
}

fn check_points(points: u32) -> Result<(), CountError> {
    if points > MAX_POINTS {
        return Err(CountError::InvalidRules {
            reason: "score or dot allowance above MAX_POINTS",
        });
    }
    Ok(())
}

/// One option's scores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoreTally {
    /// Sum of weighted scores.
    pub total: u64,
    /// Weight of the ballots that scored this option.
    pub raters: Weight,
    /// `total / raters`, for display; 0 when nobody scored it.
    pub mean: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoreResult {
    pub options: Vec<ScoreTally>,
    /// Options by total score (unscored counts as 0), equal totals sharing a tier.
    pub ranking: Vec<Vec<OptionId>>,
    pub winner: Option<OptionId>,
    pub tie: bool,
    pub ballots: Weight,
}

/// Counts a score poll. Options are ranked by total, so an option nobody bothered to score does
/// not win on the mean of one enthusiast.
pub fn count_scores(
    rules: &ScoreRules,
    ballots: &[Weighted<Vec<Scored>>],
) -> Result<ScoreResult, CountError> {
    let options = check_option_count(rules.options)?;
    check_points(rules.max)?;
    let weight = validate_all(ballots, |scores| rules.validate(scores))?;
    let mut totals = vec![0u64; options];
    let mut raters = vec![0u64; options];
    for ballot in ballots {
        for scored in &ballot.ballot {
            totals[scored.option.index()] += u64::from(scored.score) * ballot.weight;
            raters[scored.option.index()] += ballot.weight;
        }
    }
    let ranked = rank_totals(totals.clone(), weight);
    Ok(ScoreResult {
        options: totals
            .iter()
            .zip(&raters)
            .map(|(&total, &raters)| ScoreTally {
                total,
                raters,
                mean: if raters == 0 {
                    0.0
                } else {
                    total as f64 / raters as f64
                },
            })
            .collect(),
        ranking: ranked.ranking,
        winner: ranked.winner,
        tie: ranked.tie,
        ballots: weight,
    })
}

/// A `count` poll: people say whether they are in until a target is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountRules {
    pub target: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountResult {
    pub joined: Weight,
    pub declined: Weight,
    pub target: u64,
    pub reached: bool,
    /// How many more are needed to reach the target (0 once reached).
    pub missing: u64,
}

pub fn count_participation(
    rules: &CountRules,
    ballots: &[Weighted<Participation>],
) -> Result<CountResult, CountError> {
    validate_all(ballots, |_| Ok(()))?;
    let weight_of = |answer: Participation| {
        ballots
            .iter()
            .filter(|ballot| ballot.ballot == answer)
            .map(|ballot| ballot.weight)
            .sum::<u64>()
    };
    let joined = weight_of(Participation::In);
    Ok(CountResult {
        joined,
        declined: weight_of(Participation::Out),
        target: rules.target,
        reached: joined >= rules.target,
        missing: rules.target.saturating_sub(joined),
    })
}

/// One slot's answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotTally {
    pub yes: Weight,
    pub maybe: Weight,
    pub no: Weight,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingResult {
    pub slots: Vec<SlotTally>,
    /// Slots by most yes, then most maybe; slots equal on both share a tier.
    pub ranking: Vec<Vec<OptionId>>,
    /// The best slot, or `None` when nobody answered yes or maybe to any.
    pub best: Option<OptionId>,
    pub tie: bool,
}

/// Counts a meeting poll: the best slot is the one most people can make, and among those the one
/// most others might make.
pub fn count_meeting(
    rules: &MeetingRules,
    ballots: &[Weighted<Vec<SlotAnswer>>],
) -> Result<MeetingResult, CountError> {
    let slots = check_option_count(rules.slots)?;
    validate_all(ballots, |answers| rules.validate(answers))?;
    let mut tallies = vec![
        SlotTally {
            yes: 0,
            maybe: 0,
            no: 0
        };
        slots
    ];
    for ballot in ballots {
        for answer in &ballot.ballot {
            let tally = &mut tallies[answer.slot.index()];
            match answer.answer {
                Availability::Yes => tally.yes += ballot.weight,
                Availability::Maybe => tally.maybe += ballot.weight,
                Availability::No => tally.no += ballot.weight,
            }
        }
    }
    let ranking = tiers_by(slots, |slot| (tallies[slot].yes, tallies[slot].maybe));
    let top = ranking.first().filter(|tier| {
        let tally = &tallies[tier[0].index()];
        tally.yes + tally.maybe > 0
    });
    Ok(MeetingResult {
        best: top.map(|tier| tier[0]),
        tie: top.is_some_and(|tier| tier.len() > 1),
        ranking,
        slots: tallies,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ballot::first_duplicate;

    fn picks(list: &[(&[u32], u64)]) -> Vec<Weighted<Vec<OptionId>>> {
        list.iter()
            .map(|(ids, w)| Weighted::new(ids.iter().copied().map(OptionId).collect(), *w))
            .collect()
    }

    #[test]
    fn choice_counts_weighted_picks_and_reports_ties() {
        let rules = ChoiceRules {
            options: 3,
            min: 1,
            max: 2,
        };
        let result = count_choice(&rules, &picks(&[(&[0, 1], 2), (&[1], 1), (&[2], 3)])).unwrap();
        assert_eq!(result.totals, vec![2, 3, 3]);
        assert_eq!(result.winner, Some(OptionId(1)));
        assert!(result.tie);
        assert_eq!(result.ballots, 6);
    }

    #[test]
    fn choice_refuses_too_few_and_too_many_picks() {
        let rules = ChoiceRules {
            options: 3,
            min: 1,
            max: 2,
        };
        assert_eq!(
            rules.validate(&[]),
            Err(BallotError::TooFewChoices { given: 0, min: 1 })
        );
        assert_eq!(
            rules.validate(&[OptionId(0), OptionId(1), OptionId(2)]),
            Err(BallotError::TooManyChoices { given: 3, max: 2 })
        );
        assert_eq!(
            count_choice(&rules, &picks(&[(&[0], 1), (&[0, 0], 1)])),
            Err(CountError::InvalidBallot {
                index: 1,
                error: BallotError::DuplicateOption {
                    option: OptionId(0)
                }
            })
        );
    }

    #[test]
    fn nobody_voting_means_no_winner() {
        let result = count_approval(3, &picks(&[(&[], 4)])).unwrap();
        assert_eq!(result.winner, None);
        assert!(!result.tie);
    }

    #[test]
    fn scores_total_and_mean_over_raters() {
        let rules = ScoreRules { options: 2, max: 5 };
        let ballots = vec![
            Weighted::new(
                vec![
                    Scored {
                        option: OptionId(0),
                        score: 5,
                    },
                    Scored {
                        option: OptionId(1),
                        score: 1,
                    },
                ],
                2,
            ),
            Weighted::one(vec![Scored {
                option: OptionId(1),
                score: 4,
            }]),
        ];
        let result = count_scores(&rules, &ballots).unwrap();
        assert_eq!(result.options[0].total, 10);
        assert_eq!(result.options[1].total, 6);
        assert_eq!(result.options[1].raters, 3);
        assert!((result.options[1].mean - 2.0).abs() < 1e-12);
        assert_eq!(result.winner, Some(OptionId(0)));
        assert_eq!(
            rules.validate(&[Scored {
                option: OptionId(0),
                score: 6
            }]),
            Err(BallotError::ScoreOutOfRange {
                option: OptionId(0),
                score: 6,
                max: 5
            })
        );
    }

    #[test]
    fn dots_are_limited_per_ballot() {
        let rules = DotRules {
            options: 2,
            dots: 3,
        };
        let too_many = [
            Dots {
                option: OptionId(0),
                dots: 2,
            },
            Dots {
                option: OptionId(1),
                dots: 2,
            },
        ];
        assert_eq!(
            rules.validate(&too_many),
            Err(BallotError::TooManyDots {
                given: 4,
                allowed: 3
            })
        );
        let ballots = vec![Weighted::new(
            vec![Dots {
                option: OptionId(1),
                dots: 3,
            }],
            2,
        )];
        assert_eq!(count_dots(&rules, &ballots).unwrap().totals, vec![0, 6]);
    }

    #[test]
    fn count_reaches_its_target() {
        let ballots = vec![
            Weighted::new(Participation::In, 3),
            Weighted::one(Participation::Out),
        ];
        let short = count_participation(&CountRules { target: 4 }, &ballots).unwrap();
        assert!(!short.reached);
        assert_eq!(short.missing, 1);
        assert!(
            count_participation(&CountRules { target: 3 }, &ballots)
                .unwrap()
                .reached
        );
    }

    #[test]
    fn the_best_slot_has_most_yes_then_most_maybe() {
        let answer = |slot, answer| SlotAnswer {
            slot: OptionId(slot),
            answer,
        };
        let ballots = vec![
            Weighted::one(vec![
                answer(0, Availability::Yes),
                answer(1, Availability::Yes),
                answer(2, Availability::No),
            ]),
            Weighted::one(vec![
                answer(0, Availability::No),
                answer(1, Availability::Maybe),
            ]),
        ];
        let result = count_meeting(&MeetingRules { slots: 3 }, &ballots).unwrap();
        assert_eq!(result.best, Some(OptionId(1)));
        assert!(!result.tie);
        assert_eq!(result.slots[2].no, 1);
    }

    #[test]
    fn duplicates_are_found_in_long_ballots_too() {
        let ids: Vec<OptionId> = (0..30).chain([4]).map(OptionId).collect();
        assert_eq!(first_duplicate(ids.into_iter()), Some(OptionId(4)));
    }
}

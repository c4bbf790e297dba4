//! Ballots as people cast them: option ids, weights, the ballot kinds, and validation that says
//! precisely what is wrong with a ballot.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// An option of a poll (a candidate, a project, a meeting slot, an idea), by its index in the
/// poll's option list. Index order is also the last resort of the tie rule (see the crate docs),
/// so a poll that wants a drawn order shuffles its options once, when it is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OptionId(pub u32);

impl OptionId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for OptionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// How many people a ballot speaks for: 1, plus everyone whose delegation reaches its voter.
pub type Weight = u64;

/// The most total weight a count accepts. Ten billion people is more than will ever vote, and the
/// bound lets STV keep nine decimals of every vote in a `u64`.
pub const MAX_TOTAL_WEIGHT: Weight = 10_000_000_000;

/// The largest option list a count accepts; counts allocate per option (Schulze per pair).
pub const MAX_OPTIONS: u32 = 1 << 16;

/// A ballot together with the number of people it speaks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weighted<B> {
    pub ballot: B,
    pub weight: Weight,
}

impl<B> Weighted<B> {
    pub fn new(ballot: B, weight: Weight) -> Self {
        Weighted { ballot, weight }
    }

    /// A ballot that speaks only for its voter.
    pub fn one(ballot: B) -> Self {
        Weighted { ballot, weight: 1 }
    }
}

/// A stance on a proposal (agree, abstain, disagree, block) or in a consent process (consent,
/// object).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stance {
    Agree,
    Abstain,
    Disagree,
    Block,
    Consent,
    Object,
}

/// One option's score on a score ballot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scored {
    pub option: OptionId,
    pub score: u32,
}

/// Dots placed on one option of a dot vote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dots {
    pub option: OptionId,
    pub dots: u32,
}

/// Whether a person can make a meeting slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    Yes,
    Maybe,
    No,
}

/// One slot's answer on a meeting ballot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotAnswer {
    pub slot: OptionId,
    pub answer: Availability,
}

/// An answer in a `count` poll ("I'm in" / "I'm out").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Participation {
    In,
    Out,
}

/// A ballot of any kind, as it arrives from a client (`{"kind": "ranked", "ranking": [2, 0]}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Ballot {
    Proposal { stance: Stance },
    Consent { stance: Stance },
    Choice { options: Vec<OptionId> },
    Approval { options: Vec<OptionId> },
    Score { scores: Vec<Scored> },
    DotVote { dots: Vec<Dots> },
    Count { answer: Participation },
    Meeting { slots: Vec<SlotAnswer> },
    Ranked { ranking: Vec<OptionId> },
    Budget { projects: Vec<OptionId> },
}

impl Ballot {
    /// The kind's name as it appears in JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Ballot::Proposal { .. } => "proposal",
            Ballot::Consent { .. } => "consent",
            Ballot::Choice { .. } => "choice",
            Ballot::Approval { .. } => "approval",
            Ballot::Score { .. } => "score",
            Ballot::DotVote { .. } => "dot_vote",
            Ballot::Count { .. } => "count",
            Ballot::Meeting { .. } => "meeting",
            Ballot::Ranked { .. } => "ranked",
            Ballot::Budget { .. } => "budget",
        }
    }
}

/// What is wrong with a ballot.
#[derive(Clone, Debug, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum BallotError {
    #[error("the ballot is not a well-formed ballot: {reason}")]
    Malformed { reason: String },
    #[error("a {found} ballot was cast in a {expected} poll")]
    WrongKind {
        expected: &'static str,
        found: &'static str,
    },
    #[error("option {option} does not exist (the poll has {options} options)")]
    UnknownOption { option: OptionId, options: u32 },
    #[error("option {option} appears more than once")]
    DuplicateOption { option: OptionId },
    #[error("{given} dots placed but only {allowed} allowed")]
    TooManyDots { given: u64, allowed: u32 },
    #[error("score {score} for option {option} is outside 0..={max}")]
    ScoreOutOfRange {
        option: OptionId,
        score: u32,
        max: u32,
    },
    #[error("{given} choices made but at least {min} required")]
    TooFewChoices { given: usize, min: u32 },
    #[error("{given} choices made but at most {max} allowed")]
    TooManyChoices { given: usize, max: u32 },
    #[error("the stance {stance:?} is not one of this poll's stances")]
    StanceNotAllowed { stance: Stance },
    #[error("the chosen projects cost {total} but the budget is {budget}")]
    OverBudget { total: u64, budget: u64 },
    #[error("the chosen projects cost {total}, below the required {minimum}")]
    BelowThreshold { total: u64, minimum: u64 },
}

/// Why a count could not be made.
#[derive(Clone, Debug, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum CountError {
    #[error("ballot {index} is invalid: {error}")]
    InvalidBallot { index: usize, error: BallotError },
    #[error("the counting rules are unusable: {reason}")]
    InvalidRules { reason: &'static str },
    #[error("the ballots' total weight exceeds {MAX_TOTAL_WEIGHT}")]
    TooMuchWeight,
}

/// Checks that every id names an existing option and none repeats.
pub(crate) fn check_distinct_options(ids: &[OptionId], options: u32) -> Result<(), BallotError> {
    if let Some(&option) = ids.iter().find(|id| id.0 >= options) {
        return Err(BallotError::UnknownOption { option, options });
    }
    if let Some(option) = first_duplicate(ids.iter().copied()) {
        return Err(BallotError::DuplicateOption { option });
    }
    Ok(())
}

/// The first id (in ballot order) that occurs twice. Sorting a copy keeps this independent of
/// the poll's option count, which untrusted rules could set absurdly high.
pub(crate) fn first_duplicate(
    ids: impl ExactSizeIterator<Item = OptionId> + Clone,
) -> Option<OptionId> {
    if ids.len() <= 16 {
        let list: Vec<OptionId> = ids.collect();
        return list
            .iter()
            .enumerate()
            .find(|(i, id)| list[..*i].contains(id))
            .map(|(_, id)| *id);
    }
    let mut sorted: Vec<(OptionId, usize)> = ids.enumerate().map(|(i, id)| (id, i)).collect();
    sorted.sort_unstable();
    sorted
        .windows(2)
        .filter(|pair| pair[0].0 == pair[1].0)
        .map(|pair| pair[1])
        .min_by_key(|(_, position)| *position)
        .map(|(id, _)| id)
}

/// Sums ballot weights, refusing totals the counts cannot represent exactly.
pub(crate) fn total_weight<B>(ballots: &[Weighted<B>]) -> Result<Weight, CountError> {
    let mut total: Weight = 0;
    for ballot in ballots {
        total = total
            .checked_add(ballot.weight)
            .filter(|total| *total <= MAX_TOTAL_WEIGHT)
            .ok_or(CountError::TooMuchWeight)?;
    }
    Ok(total)
}

/// Validates every ballot, naming the first invalid one by its position.
pub(crate) fn validate_all<B>(
    ballots: &[Weighted<B>],
    validate: impl Fn(&B) -> Result<(), BallotError>,
) -> Result<Weight, CountError> {
    for (index, ballot) in ballots.iter().enumerate() {
        validate(&ballot.ballot).map_err(|error| CountError::InvalidBallot { index, error })?;
    }
    total_weight(ballots)
}

pub(crate) fn check_option_count(options: u32) -> Result<usize, CountError> {
    if options > MAX_OPTIONS {
        return Err(CountError::InvalidRules {
            reason: "more options than a count accepts",
        });
    }
    Ok(options as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ranked::RankedRules;
    use crate::rules::{BallotRules, parse_ballot};

    fn ids(list: &[u32]) -> Vec<OptionId> {
        list.iter().copied().map(OptionId).collect()
    }

    #[test]
    fn finds_the_first_repeated_option_for_short_and_long_lists() {
        assert_eq!(
            first_duplicate(ids(&[1, 2, 1]).into_iter()),
            Some(OptionId(1))
        );
        let mut long: Vec<u32> = (0..40).collect();
        long.push(7);
        long.push(3);
        assert_eq!(first_duplicate(ids(&long).into_iter()), Some(OptionId(7)));
        assert_eq!(first_duplicate(ids(&[3, 2, 1]).into_iter()), None);
    }

    #[test]
    fn a_ballot_of_another_kind_is_refused_by_name() {
        let rules = BallotRules::Count;
        let error = rules
            .validate(&Ballot::Ranked { ranking: vec![] })
            .unwrap_err();
        assert_eq!(
            error,
            BallotError::WrongKind {
                expected: "count",
                found: "ranked"
            }
        );
    }

    #[test]
    fn stances_belong_to_their_process() {
        assert_eq!(
            BallotRules::Consent.validate(&Ballot::Consent {
                stance: Stance::Agree
            }),
            Err(BallotError::StanceNotAllowed {
                stance: Stance::Agree
            })
        );
        assert_eq!(
            BallotRules::Proposal.validate(&Ballot::Proposal {
                stance: Stance::Object
            }),
            Err(BallotError::StanceNotAllowed {
                stance: Stance::Object
            })
        );
        assert!(
            BallotRules::Proposal
                .validate(&Ballot::Proposal {
                    stance: Stance::Block
                })
                .is_ok()
        );
    }

    #[test]
    fn json_ballots_parse_then_validate() {
        let rules = BallotRules::Ranked(RankedRules {
            options: 3,
            min: 1,
            max: 3,
        });
        assert_eq!(
            parse_ballot(br#"{"kind":"ranked","ranking":[2,0]}"#, &rules),
            Ok(Ballot::Ranked {
                ranking: ids(&[2, 0])
            })
        );
        assert_eq!(
            parse_ballot(br#"{"kind":"ranked","ranking":[2,2]}"#, &rules),
            Err(BallotError::DuplicateOption {
                option: OptionId(2)
            })
        );
        assert_eq!(
            parse_ballot(br#"{"kind":"ranked","ranking":[5]}"#, &rules),
            Err(BallotError::UnknownOption {
                option: OptionId(5),
                options: 3
            })
        );
        assert!(matches!(
            parse_ballot(b"{\"kind\":\"ranked\"", &rules),
            Err(BallotError::Malformed { .. })
        ));
    }

    #[test]
    fn total_weight_refuses_overflow() {
        let ballots = vec![Weighted::new((), MAX_TOTAL_WEIGHT), Weighted::new((), 1)];
        assert_eq!(total_weight(&ballots), Err(CountError::TooMuchWeight));
        let ballots = vec![Weighted::new((), u64::MAX), Weighted::new((), u64::MAX)];
        assert_eq!(total_weight(&ballots), Err(CountError::TooMuchWeight));
    }
}

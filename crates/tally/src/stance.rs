//! Proposals and consent decisions: stance counts, quorum, pass threshold, blocks and objections.

use serde::{Deserialize, Serialize};

use crate::ballot::{CountError, Stance, Weight, Weighted, validate_all};

/// An exact fraction, for quorums and thresholds ("two thirds" must mean two thirds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratio {
    pub numerator: u64,
    pub denominator: u64,
}

impl Ratio {
    pub fn new(numerator: u64, denominator: u64) -> Self {
        Ratio {
            numerator,
            denominator,
        }
    }

    pub fn percent(percent: u64) -> Self {
        Ratio::new(percent, 100)
    }

    /// `numerator/denominator` of `whole`, rounded up: the smallest count that reaches it.
    fn of_rounded_up(self, whole: u64) -> u64 {
        let product = u128::from(self.numerator) * u128::from(whole);
        let denominator = u128::from(self.denominator);
        u64::try_from(product.div_ceil(denominator)).unwrap_or(u64::MAX)
    }

    /// Compares `part/whole` with this ratio without rounding.
    fn compare_share(self, part: u64, whole: u64) -> std::cmp::Ordering {
        (u128::from(part) * u128::from(self.denominator))
            .cmp(&(u128::from(self.numerator) * u128::from(whole)))
    }

    fn check(self) -> Result<(), CountError> {
        if self.denominator == 0 || self.numerator > self.denominator {
            return Err(CountError::InvalidRules {
                reason: "a ratio needs a denominator at least as large as its numerator",
            });
        }
        Ok(())
    }
}

/// How much support a proposal needs, as a share of agree + disagree (+ block) weight; abstentions
/// count towards the quorum only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    /// Support must exceed the share: `MoreThan(1/2)` is a simple majority.
    MoreThan(Ratio),
    /// Support must reach the share: `AtLeast(2/3)` is a two-thirds supermajority.
    AtLeast(Ratio),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalRules {
    /// People entitled to take part; the quorum is a share of them.
    pub eligible: u64,
    /// Share of the eligible whose stances (abstentions included) must be cast.
    pub quorum: Ratio,
    pub threshold: Threshold,
    /// Whether one block fails the proposal outright; otherwise a block counts against it.
    pub block_vetoes: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRules {
    pub eligible: u64,
    pub quorum: Ratio,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    /// Too few stances were cast.
    NoQuorum,
    /// A block (proposal with `block_vetoes`) or an objection (consent) stopped it.
    Blocked,
    /// Quorum was met but support fell short of the threshold.
    BelowThreshold,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StanceResult {
    pub agree: Weight,
    pub abstain: Weight,
    pub disagree: Weight,
    pub block: Weight,
    pub consent: Weight,
    pub object: Weight,
    /// Weight of all stances cast.
    pub cast: Weight,
    pub eligible: u64,
    /// Weight needed for the quorum.
    pub quorum_needed: Weight,
    pub quorum_reached: bool,
    /// Agree (or consent) weight over the weight that took a side; `0/0` when nobody did.
    pub support: Ratio,
    pub outcome: Outcome,
    pub passed: bool,
}

/// Counts a proposal: quorum first, then a veto by block if the rules say so, then the threshold.
pub fn count_proposal(
    rules: &ProposalRules,
    ballots: &[Weighted<Stance>],
) -> Result<StanceResult, CountError> {
    let mut result = tally(
        rules.eligible,
        rules.quorum,
        ballots,
        &[
            Stance::Agree,
            Stance::Abstain,
            Stance::Disagree,
            Stance::Block,
        ],
    )?;
    let (share, strict) = match rules.threshold {
        Threshold::MoreThan(share) => (share, true),
        Threshold::AtLeast(share) => (share, false),
    };
    share.check()?;
    let sided = result.agree + result.disagree + result.block;
    result.support = Ratio::new(result.agree, sided);
    let enough = match share.compare_share(result.agree, sided) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Equal => !strict,
        std::cmp::Ordering::Less => false,
    };
    result.outcome = if !result.quorum_reached {
        Outcome::NoQuorum
    } else if rules.block_vetoes && result.block > 0 {
        Outcome::Blocked
    } else if sided == 0 || !enough {
        Outcome::BelowThreshold
    } else {
        Outcome::Passed
    };
    result.passed = result.outcome == Outcome::Passed;
    Ok(result)
}

/// Counts a consent decision: it passes when the quorum is met and nobody objects.
pub fn count_consent(
    rules: &ConsentRules,
    ballots: &[Weighted<Stance>],
) -> Result<StanceResult, CountError> {
    let mut result = tally(
        rules.eligible,
        rules.quorum,
        ballots,
        &[Stance::Consent, Stance::Object],
    )?;
    result.support = Ratio::new(result.consent, result.consent + result.object);
    result.outcome = if !result.quorum_reached {
        Outcome::NoQuorum
    } else if result.object > 0 {
        Outcome::Blocked
    } else if result.consent == 0 {
        Outcome::BelowThreshold
    } else {
        Outcome::Passed
    };
    result.passed = result.outcome == Outcome::Passed;
    Ok(result)
}

fn tally(
    eligible: u64,
    quorum: Ratio,
    ballots: &[Weighted<Stance>],
    allowed: &[Stance],
) -> Result<StanceResult, CountError> {
    quorum.check()?;
    let cast = validate_all(ballots, |stance| {
        if allowed.contains(stance) {
            Ok(())
        } else {
            Err(crate::ballot::BallotError::StanceNotAllowed { stance: *stance })
        }
    })?;
    let mut result = StanceResult {
        agree: 0,
        abstain: 0,
        disagree: 0,
        block: 0,
        consent: 0,
        object: 0,
        cast,
        eligible,
        quorum_needed: quorum.of_rounded_up(eligible),
        quorum_reached: false,
        support: Ratio::new(0, 0),
        outcome: Outcome::NoQuorum,
        passed: false,
    };
    for ballot in ballots {
        let slot = match ballot.ballot {
            Stance::Agree => &mut result.agree,
            Stance::Abstain => &mut result.abstain,
            Stance::Disagree => &mut result.disagree,
            Stance::Block => &mut result.block,
            Stance::Consent => &mut result.consent,
            Stance::Object => &mut result.object,
        };
        *slot += ballot.weight;
    }
    result.quorum_reached = cast >= result.quorum_needed;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ballot::BallotError;

    fn stances(list: &[(Stance, u64)]) -> Vec<Weighted<Stance>> {
        list.iter().map(|&(s, w)| Weighted::new(s, w)).collect()
    }

    fn majority(eligible: u64, quorum: u64) -> ProposalRules {
        ProposalRules {
            eligible,
            quorum: Ratio::percent(quorum),
            threshold: Threshold::MoreThan(Ratio::new(1, 2)),
            block_vetoes: false,
        }
    }

    #[test]
    fn a_simple_majority_passes_and_a_level_vote_does_not() {
        let passed = count_proposal(
            &majority(10, 50),
            &stances(&[
                (Stance::Agree, 3),
                (Stance::Disagree, 2),
                (Stance::Abstain, 1),
            ]),
        )
        .unwrap();
        assert_eq!(passed.outcome, Outcome::Passed);
        assert_eq!(passed.cast, 6);
        let level = count_proposal(
            &majority(10, 50),
            &stances(&[(Stance::Agree, 3), (Stance::Disagree, 3)]),
        )
        .unwrap();
        assert_eq!(level.outcome, Outcome::BelowThreshold);
    }

    #[test]
    fn quorum_counts_abstentions_and_rounds_up() {
        // 30% of 7 eligible is 2.1 people, so 3 stances are needed.
        let rules = majority(7, 30);
        let two = count_proposal(
            &rules,
            &stances(&[(Stance::Agree, 1), (Stance::Abstain, 1)]),
        )
        .unwrap();
        assert_eq!(two.quorum_needed, 3);
        assert_eq!(two.outcome, Outcome::NoQuorum);
        let three = count_proposal(
            &rules,
            &stances(&[(Stance::Agree, 1), (Stance::Abstain, 2)]),
        )
        .unwrap();
        assert_eq!(three.outcome, Outcome::Passed);
    }

    #[test]
    fn two_thirds_at_least_is_inclusive() {
        let rules = ProposalRules {
            threshold: Threshold::AtLeast(Ratio::new(2, 3)),
            ..majority(3, 0)
        };
        let result = count_proposal(
            &rules,
            &stances(&[(Stance::Agree, 2), (Stance::Disagree, 1)]),
        )
        .unwrap();
        assert!(result.passed);
    }

    #[test]
    fn a_block_vetoes_only_when_the_rules_say_so() {
        let ballots = stances(&[(Stance::Agree, 9), (Stance::Block, 1)]);
        assert!(count_proposal(&majority(10, 0), &ballots).unwrap().passed);
        let vetoing = ProposalRules {
            block_vetoes: true,
            ..majority(10, 0)
        };
        assert_eq!(
            count_proposal(&vetoing, &ballots).unwrap().outcome,
            Outcome::Blocked
        );
    }

    #[test]
    fn one_objection_fails_a_consent_decision() {
        let rules = ConsentRules {
            eligible: 5,
            quorum: Ratio::percent(60),
        };
        let all = stances(&[(Stance::Consent, 4)]);
        assert!(count_consent(&rules, &all).unwrap().passed);
        let objected = stances(&[(Stance::Consent, 4), (Stance::Object, 1)]);
        assert_eq!(
            count_consent(&rules, &objected).unwrap().outcome,
            Outcome::Blocked
        );
    }

    #[test]
    fn stances_of_the_other_process_are_invalid_ballots() {
        let rules = ConsentRules {
            eligible: 5,
            quorum: Ratio::percent(0),
        };
        assert_eq!(
            count_consent(
                &rules,
                &stances(&[(Stance::Consent, 1), (Stance::Agree, 1)])
            ),
            Err(CountError::InvalidBallot {
                index: 1,
                error: BallotError::StanceNotAllowed {
                    stance: Stance::Agree
                }
            })
        );
    }
}

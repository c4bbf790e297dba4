//! What a poll accepts as a ballot: every counting method's rules under one enum, and the
//! one path untrusted ballots take (parse, then validate). It sits above the methods, which
//! share the ballot types of `ballot` and never look back here.

use serde::{Deserialize, Serialize};

use crate::ballot::{Ballot, BallotError, Stance};
use crate::budget::DecidimRules;
use crate::choice::{ChoiceRules, DotRules, MeetingRules, ScoreRules};
use crate::ranked::RankedRules;

/// What a poll accepts as a ballot, by kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BallotRules {
    Proposal,
    Consent,
    Choice(ChoiceRules),
    Approval { options: u32 },
    Score(ScoreRules),
    DotVote(DotRules),
    Count,
    Meeting(MeetingRules),
    Ranked(RankedRules),
    Budget(DecidimRules),
}

impl BallotRules {
    pub fn kind(&self) -> &'static str {
        match self {
            BallotRules::Proposal => "proposal",
            BallotRules::Consent => "consent",
            BallotRules::Choice(_) => "choice",
            BallotRules::Approval { .. } => "approval",
            BallotRules::Score(_) => "score",
            BallotRules::DotVote(_) => "dot_vote",
            BallotRules::Count => "count",
            BallotRules::Meeting(_) => "meeting",
            BallotRules::Ranked(_) => "ranked",
            BallotRules::Budget(_) => "budget",
        }
    }

    /// Checks a ballot against the poll's rules; the error names the first thing wrong.
    pub fn validate(&self, ballot: &Ballot) -> Result<(), BallotError> {
        match (self, ballot) {
            (BallotRules::Proposal, Ballot::Proposal { stance }) => match stance {
                Stance::Agree | Stance::Abstain | Stance::Disagree | Stance::Block => Ok(()),
                other => Err(BallotError::StanceNotAllowed { stance: *other }),
            },
            (BallotRules::Consent, Ballot::Consent { stance }) => match stance {
                Stance::Consent | Stance::Object => Ok(()),
                other => Err(BallotError::StanceNotAllowed { stance: *other }),
            },
            (BallotRules::Choice(rules), Ballot::Choice { options }) => rules.validate(options),
            (BallotRules::Approval { options: count }, Ballot::Approval { options }) => {
                ChoiceRules::approval(*count).validate(options)
            }
            (BallotRules::Score(rules), Ballot::Score { scores }) => rules.validate(scores),
            (BallotRules::DotVote(rules), Ballot::DotVote { dots }) => rules.validate(dots),
            (BallotRules::Count, Ballot::Count { .. }) => Ok(()),
            (BallotRules::Meeting(rules), Ballot::Meeting { slots }) => rules.validate(slots),
            (BallotRules::Ranked(rules), Ballot::Ranked { ranking }) => rules.validate(ranking),
            (BallotRules::Budget(rules), Ballot::Budget { projects }) => rules.validate(projects),
            (rules, ballot) => Err(BallotError::WrongKind {
                expected: rules.kind(),
                found: ballot.kind(),
            }),
        }
    }
}

/// Parses a ballot from JSON and validates it: the whole path untrusted input takes.
pub fn parse_ballot(json: &[u8], rules: &BallotRules) -> Result<Ballot, BallotError> {
    let ballot: Ballot = serde_json::from_slice(json).map_err(|error| BallotError::Malformed {
        reason: error.to_string(),
    })?;
    rules.validate(&ballot)?;
    Ok(ballot)
}

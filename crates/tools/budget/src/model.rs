//! What the budget tool shows and takes: rounds with their phases and mechanism, buckets with
//! budget items, contributions, ballots, allocations, payouts and results; and the rules that
//! need no database (phases by date, the goal of a bucket's items, the vote rule).

use kernel::Timestamp;
use ledger::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use kernel::id::{AccountId, GroupId};
pub use ledger::{AccountId as LedgerAccountId, CurrencyId};

kernel::id_type!(
    /// A budgeting round in a group.
    RoundId
);
kernel::id_type!(
    /// A bucket: a project asking a round for money.
    BucketId
);
kernel::id_type!(
    /// One contribution to a bucket.
    ContributionId
);
kernel::id_type!(
    /// One payment out of a funded bucket.
    PayoutId
);

/// The tool's name: its activities' `tool`, its scopes' prefix, its permissions' namespace.
pub const TOOL: &str = "budget";
/// Run rounds: open, change, close them; review buckets; set allocations.
pub const MANAGE: &str = "tool:budget:manage";
/// The kind of thing comments and files attach to: a bucket.
pub const SUBJECT: &str = "bucket";
/// The durable job that moves a round to its next phase at a date.
pub const PHASE_JOB: &str = "budget.phase";

pub const MAX_TITLE: usize = 200;
pub const MAX_TEXT: usize = 20_000;
pub const MAX_ITEMS: usize = 50;
pub const MAX_TAGS: usize = 10;
pub const MAX_GUIDELINES: usize = 20;
/// Buckets a round holds (its page and count read them all).
pub const MAX_BUCKETS: i64 = 2_000;
/// Co-creators of a bucket, the proposer included.
pub const MAX_CREATORS: usize = 20;
/// Gitcoin's pairwise coefficient when a quadratic round asks for bounding without one.
pub const DEFAULT_PAIRWISE_M: i64 = 25;

kernel::string_enum!(
    /// How a round allocates its money.
    Mechanism {
        Cobudget = "cobudget",
        Vote = "vote",
        Quadratic = "quadratic",
    }
);

kernel::string_enum!(
    /// Where a round stands; it only moves forward.
    Phase {
        Proposals = "proposals",
        Review = "review",
        Funding = "funding",
        Closed = "closed",
    }
);

impl Phase {
    pub fn rank(self) -> u8 {
        match self {
            Phase::Proposals => 0,
            Phase::Review => 1,
            Phase::Funding => 2,
            Phase::Closed => 3,
        }
    }
}

kernel::string_enum!(
    /// A recurring round starts a new one when it closes.
    Recurrence {
        Monthly = "monthly",
        Quarterly = "quarterly",
    }
);

impl Recurrence {
    /// The next round's dates are this much later.
    pub fn months(self) -> u32 {
        match self {
            Recurrence::Monthly => 1,
            Recurrence::Quarterly => 3,
        }
    }
}

kernel::string_enum!(
    /// How a vote round counts its ballots.
    VoteCount {
        Greedy = "greedy",
        EqualShares = "equal_shares",
    }
);

kernel::string_enum!(
    /// A bucket's review against the round's guidelines.
    Review {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
    }
);

kernel::string_enum!(
    /// Where a bucket stands.
    BucketState {
        Open = "open",
        Funded = "funded",
        Cancelled = "cancelled",
        Completed = "completed",
    }
);

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Phases {
    /// Until then buckets are proposed (RFC 3339).
    #[serde(default)]
    pub proposals_until: Option<Timestamp>,
    /// Until then reviewers check buckets against the guidelines; only approved buckets are
    /// funded in a round with a review.
    #[serde(default)]
    pub review_until: Option<Timestamp>,
    /// The round closes then.
    #[serde(default)]
    pub funding_until: Option<Timestamp>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRound {
    /// 1 to 200 characters.
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// What reviewers check buckets against.
    #[serde(default)]
    pub guidelines: Option<Vec<String>>,
    /// One of the group's ledger currencies, by id or code.
    pub currency: String,
    pub mechanism: Mechanism,
    /// A credit pool of the group (its id) that pays funded buckets; absent: the round is
    /// notional (results only).
    #[serde(default)]
    pub pool: Option<String>,
    /// What a vote or quadratic round allocates (a decimal).
    #[serde(default)]
    pub budget: Option<Decimal>,
    /// Each member's notional budget in a cobudget round.
    #[serde(default)]
    pub allocation: Option<Decimal>,
    /// The most one person gives one bucket.
    #[serde(default)]
    pub max_per_bucket: Option<Decimal>,
    #[serde(default)]
    pub phases: Option<Phases>,
    #[serde(default)]
    pub recurring: Option<Recurrence>,
    #[serde(default)]
    pub vote_rule: Option<VoteCount>,
    /// Decidim: the ballot's buckets cost at least this share of the budget (and no more than it).
    #[serde(default)]
    pub threshold_pct: Option<u32>,
    /// Decidim: at least this many buckets, within the budget.
    #[serde(default)]
    pub min_projects: Option<u32>,
    /// Decidim: between min_selected and max_selected buckets, whatever they cost.
    #[serde(default)]
    pub min_selected: Option<u32>,
    #[serde(default)]
    pub max_selected: Option<u32>,
    /// Quadratic: bound each pair of contributors' match (Gitcoin's pairwise `clr`).
    #[serde(default)]
    pub pairwise: Option<bool>,
    /// Quadratic: the pairwise coefficient M (default 25).
    #[serde(default)]
    pub pairwise_m: Option<u32>,
    /// Who may propose buckets: `members` (default) or a role's name.
    #[serde(default)]
    pub proposers: Option<String>,
    /// Who may fund (contribute or vote): `members` (default) or a role's name.
    #[serde(default)]
    pub funders: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundEdit {
    pub title: Option<String>,
    pub description: Option<String>,
    pub guidelines: Option<Vec<String>>,
    /// Move the round forward to this phase now (`closed`: close it).
    pub phase: Option<Phase>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Person {
    pub id: AccountId,
    pub handle: String,
}

/// The caller's own standing in a round.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Mine {
    /// Cobudget: your notional budget, what you gave (still standing) and what is left.
    pub allocation: Option<String>,
    pub given: String,
    pub left: Option<String>,
    /// Vote: the buckets on your ballot.
    pub ballot: Option<Vec<BucketId>>,
    pub may_propose: bool,
    pub may_fund: bool,
    pub may_manage: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Round {
    pub id: RoundId,
    pub group: GroupId,
    pub title: String,
    pub description: String,
    pub guidelines: Vec<String>,
    pub currency: CurrencyId,
    pub currency_code: String,
    pub mechanism: Mechanism,
    pub pool: Option<String>,
    pub budget: Option<String>,
    pub allocation: Option<String>,
    pub max_per_bucket: Option<String>,
    pub phase: Phase,
    pub phases: Phases,
    pub recurring: Option<Recurrence>,
    pub vote_rule: VoteCount,
    pub threshold_pct: Option<u32>,
    pub min_projects: Option<u32>,
    pub min_selected: Option<u32>,
    pub max_selected: Option<u32>,
    /// Quadratic: the pairwise coefficient, when matches are bounded pairwise.
    pub pairwise_m: Option<u32>,
    pub proposers: String,
    pub funders: String,
    /// The vote rule in words ("choose buckets worth at least 70% of the budget").
    pub rule_text: String,
    pub buckets: i64,
    pub created_by: Person,
    pub created_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub previous: Option<RoundId>,
    pub next: Option<RoundId>,
    pub mine: Option<Mine>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoundList {
    pub items: Vec<Round>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewItem {
    pub name: String,
    pub min: Decimal,
    #[serde(default)]
    pub max: Option<Decimal>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBucket {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    pub items: Vec<NewItem>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Co-creators besides the proposer (members' handles or ids).
    #[serde(default)]
    pub co_creators: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BucketEdit {
    pub title: Option<String>,
    pub description: Option<String>,
    /// New budget items: a raised goal moves a funded bucket back to funding.
    pub items: Option<Vec<NewItem>>,
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReview {
    pub state: Review,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Item {
    pub name: String,
    pub min: String,
    pub max: String,
    /// Paid out of the bucket against this item so far.
    pub spent: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Bucket {
    pub id: BucketId,
    pub round: RoundId,
    pub title: String,
    pub description: String,
    pub items: Vec<Item>,
    pub tags: Vec<String>,
    /// The sum of the items' minimums: funded at this.
    pub goal: String,
    /// The sum of the items' maximums.
    pub stretch: String,
    pub creators: Vec<Person>,
    pub review: Review,
    pub review_note: String,
    pub state: BucketState,
    /// Given to it (cobudget: from allocations; quadratic: contributions).
    pub contributed: String,
    pub contributors: i64,
    /// Quadratic: its match from the budget as things stand (final once the round closes).
    pub matched: Option<String>,
    /// Vote rounds: approvals on ballots (shown once the round closes, or to its managers).
    pub votes: Option<i64>,
    /// Percent of the goal reached (0–100+).
    pub progress: u32,
    /// Money on the ledger: what came in, what was paid out, what went back.
    pub account: Option<LedgerAccountId>,
    pub received: String,
    pub paid_out: String,
    pub returned: String,
    /// Yours in it.
    pub mine: String,
    pub comments: i64,
    pub created_at: Timestamp,
    pub funded_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BucketList {
    pub items: Vec<Bucket>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContribution {
    /// A positive decimal of the round's currency.
    pub amount: Decimal,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Contribution {
    pub id: ContributionId,
    pub bucket: BucketId,
    pub round: RoundId,
    pub amount: String,
    /// The bucket's total after it, and its state.
    pub contributed: String,
    pub state: BucketState,
    /// Cobudget: what is left of your allocation.
    pub left: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBallot {
    pub buckets: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Ballot {
    pub round: RoundId,
    pub buckets: Vec<BucketId>,
    pub cast_at: Timestamp,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAllocation {
    pub amount: Decimal,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Allocation {
    pub round: RoundId,
    pub account: Person,
    pub amount: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPayout {
    pub amount: Decimal,
    /// Whom to pay: a creator of the bucket (default: you).
    #[serde(default)]
    pub to: Option<String>,
    /// The budget item it pays for.
    #[serde(default)]
    pub item: Option<String>,
    #[serde(default)]
    pub memo: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Payout {
    pub id: PayoutId,
    pub bucket: BucketId,
    pub to: Person,
    pub amount: String,
    pub item: Option<String>,
    pub memo: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PayoutList {
    pub items: Vec<Payout>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FundedBucket {
    pub bucket: BucketId,
    pub title: String,
    /// What it gets: its contributions (cobudget), its goal (vote), contributions and match
    /// (quadratic).
    pub amount: String,
    /// Quadratic: the match from the budget.
    pub matched: Option<String>,
    pub votes: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Results {
    pub round: RoundId,
    pub mechanism: Mechanism,
    /// Final once the round closed; until then, as things stand.
    #[serde(rename = "final")]
    pub is_final: bool,
    pub funded: Vec<FundedBucket>,
    /// Vote and quadratic rounds: the budget, what the funded buckets take, and what is left.
    pub budget: Option<String>,
    pub spent: String,
    pub left: Option<String>,
    /// Vote rounds: ballots cast, and whether a tie rule decided anything.
    pub ballots: Option<i64>,
    pub tie: Option<bool>,
}

/// The phase a round is in at `now`, by its dates.
pub fn phase_at(phases: &Phases, now: Timestamp) -> Phase {
    let before = |t: Option<Timestamp>| t.is_some_and(|t| now.0 < t.0);
    if before(phases.proposals_until) {
        Phase::Proposals
    } else if before(phases.review_until) {
        Phase::Review
    } else if phases.funding_until.is_some_and(|t| now.0 >= t.0) {
        Phase::Closed
    } else {
        Phase::Funding
    }
}

/// The tally rule for a vote round's ballots, from Decidim's three.
pub fn vote_rule(
    threshold_pct: Option<u32>,
    min_projects: Option<u32>,
    min_selected: Option<u32>,
    max_selected: Option<u32>,
) -> tally::budget::VoteRule {
    use tally::budget::VoteRule;
    if let Some(percent) = threshold_pct {
        VoteRule::Threshold { percent }
    } else if let Some(minimum) = min_projects {
        VoteRule::MinimumProjects { minimum }
    } else if min_selected.is_some() || max_selected.is_some() {
        VoteRule::SelectedProjects {
            minimum: min_selected.unwrap_or(0),
            maximum: max_selected.unwrap_or(u32::MAX),
        }
    } else {
        VoteRule::Threshold { percent: 0 }
    }
}

/// The rule in words, for the ballot.
pub fn rule_text(rule: tally::budget::VoteRule, budget: &str, code: &str) -> String {
    use tally::budget::VoteRule;
    match rule {
        VoteRule::Threshold { percent: 0 } => {
            format!(
                "Choose the buckets you want, costing no more than the budget of {budget} {code}."
            )
        }
        VoteRule::Threshold { percent } => format!(
            "Choose buckets worth at least {percent}% of the budget of {budget} {code}, and no more than it."
        ),
        VoteRule::MinimumProjects { minimum } => format!(
            "Choose at least {minimum} bucket{}, costing no more than the budget of {budget} {code}.",
            if minimum == 1 { "" } else { "s" }
        ),
        VoteRule::SelectedProjects { minimum, maximum } if maximum == u32::MAX => {
            format!("Choose at least {minimum} buckets, whatever they cost.")
        }
        VoteRule::SelectedProjects { minimum, maximum } => {
            format!("Choose {minimum} to {maximum} buckets, whatever they cost.")
        }
    }
}

/// The same day of the month `months` later (the last day when that month is shorter), in UTC.
pub fn add_months(t: Timestamp, months: u32) -> Timestamp {
    use chrono::{DateTime, Months};
    let at = DateTime::from_timestamp_micros(t.0).unwrap_or_default();
    let later = at.checked_add_months(Months::new(months)).unwrap_or(at);
    Timestamp(later.timestamp_micros())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_moves_through_its_phases_by_date() {
        let phases = Phases {
            proposals_until: Some(Timestamp(100)),
            review_until: Some(Timestamp(200)),
            funding_until: Some(Timestamp(300)),
        };
        assert_eq!(phase_at(&phases, Timestamp(50)), Phase::Proposals);
        assert_eq!(phase_at(&phases, Timestamp(100)), Phase::Review);
        assert_eq!(phase_at(&phases, Timestamp(250)), Phase::Funding);
        assert_eq!(phase_at(&phases, Timestamp(300)), Phase::Closed);
        assert_eq!(phase_at(&Phases::default(), Timestamp(300)), Phase::Funding);
    }

    #[test]
    fn a_month_later_keeps_the_day_or_takes_the_last() {
        let jan31 = Timestamp(1_801_353_600_000_000); // 2027-01-31T00:00:00Z
        let feb = add_months(jan31, 1);
        let at = chrono::DateTime::from_timestamp_micros(feb.0).unwrap();
        assert_eq!(at.format("%Y-%m-%d").to_string(), "2027-02-28");
    }
}

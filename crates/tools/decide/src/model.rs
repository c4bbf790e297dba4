//! What the decide tool shows and takes. Pure: no database, no kernel calls.

use kernel::Timestamp;
use kernel::groups::model::GroupSummary;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use kernel::id::{AccountId, GroupId};

kernel::id_type!(
    /// A poll.
    PollId
);

/// The tool's name: its activities' `tool`, its scopes' prefix, its permissions' namespace.
pub const TOOL: &str = "decide";

/// The permission that closes any poll early (a poll's author may always close theirs).
pub const CLOSE: &str = "tool:decide:close";

kernel::string_enum!(
    /// What a poll asks: a proposal (agree / abstain / disagree / block), a consent
    /// process (consent / object), one or more choices, approval of any number, scores,
    /// dots to spread, or a ranking.
    PollKind {
        Proposal = "proposal",
        Consent = "consent",
        Choice = "choice",
        Approval = "approval",
        Score = "score",
        DotVote = "dot_vote",
        Ranked = "ranked",
    }
);

kernel::string_enum!(
    /// How a ranked poll is counted: instant runoff, Schulze's Condorcet method, or Borda.
    Method {
        Irv = "irv",
        Schulze = "schulze",
        Borda = "borda",
    }
);

kernel::string_enum!(
    /// When the results show: once the reader has voted, or only once the poll closed.
    HideResults {
        UntilVote = "until_vote",
        UntilClosed = "until_closed",
    }
);

/// A new poll (`POST /api/v1/groups/{group}/polls`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPoll {
    pub title: String,
    #[serde(default)]
    pub details: String,
    pub kind: PollKind,
    /// The options' texts, unique within the poll; a proposal's and a consent's are fixed.
    #[serde(default)]
    pub options: Vec<String>,
    /// A ranked poll's counting method (default `irv`).
    pub method: Option<Method>,
    /// A dot vote's dots per voter (default 10).
    pub dots: Option<u32>,
    /// A score poll's highest score (default 5).
    pub score_max: Option<u32>,
    /// A choice poll's least and most options per ballot (default 1 and 1).
    pub min_choices: Option<u32>,
    pub max_choices: Option<u32>,
    /// When voting ends (default: 7 days from now).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closes_at: Option<Timestamp>,
    pub hide_results: Option<HideResults>,
    /// The share of eligible members who must vote (percent, default 0).
    pub quorum_pct: Option<u32>,
    /// A proposal's share of sided votes (agree, disagree, block) that must agree, percent
    /// (default: more than 50).
    pub threshold_pct: Option<u32>,
    /// Whether a voter may change their vote until the poll closes (default true).
    pub changes: Option<bool>,
}

/// How a poll counts and who sees what, as stored with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Rules {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<Method>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dots: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score_max: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_choices: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_choices: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hide_results: Option<HideResults>,
    pub quorum_pct: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold_pct: Option<u32>,
    pub changes: bool,
    /// For a poll that decides a kernel motion: how it passes (`majority`, `two_thirds`,
    /// `consent`, `unanimous`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_rule: Option<String>,
    /// The motion it decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motion: Option<String>,
}

/// The durable job that closes a poll when its time comes.
pub const CLOSE_JOB: &str = "decide.close";

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PollOption {
    /// Its place in the poll, from 0: ballots may name an option by it or by its text.
    pub id: u32,
    pub text: String,
}

/// A poll as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Poll {
    pub id: PollId,
    pub group: GroupSummary,
    #[schema(value_type = Option<uuid::Uuid>)]
    pub author: Option<AccountId>,
    pub title: String,
    pub details: String,
    pub kind: PollKind,
    pub options: Vec<PollOption>,
    #[serde(flatten)]
    pub rules: Rules,
    /// `open` or `closed`.
    pub status: String,
    pub voters_count: u64,
    /// The caller's own ballot, as they cast it, when they voted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub my_vote: Option<serde_json::Value>,
    pub created_at: Timestamp,
    pub closes_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Timestamp>,
}

/// A vote (`POST /api/v1/polls/{id}/votes`): the field of the poll's kind. Options are named
/// by id (a number) or by text.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVote {
    /// A proposal's `agree | abstain | disagree | block`, a consent's `consent | object`.
    pub stance: Option<String>,
    pub reason: Option<String>,
    /// A choice or approval poll's options.
    #[schema(value_type = Option<Vec<Object>>)]
    pub choices: Option<Vec<serde_json::Value>>,
    /// A score poll's `{option: score}`.
    #[schema(value_type = Option<Object>)]
    pub scores: Option<serde_json::Map<String, serde_json::Value>>,
    /// A dot vote's `{option: dots}`.
    #[schema(value_type = Option<Object>)]
    pub dots: Option<serde_json::Map<String, serde_json::Value>>,
    /// A ranked poll's options, most preferred first.
    #[schema(value_type = Option<Vec<Object>>)]
    pub ranking: Option<Vec<serde_json::Value>>,
}

/// A poll's results (`GET /api/v1/polls/{id}/results`), options named by their text.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Results {
    /// The winning options (several on a tie), or a proposal's prevailing stance.
    pub winners: Vec<String>,
    /// Per option (or stance): its total — votes, points, dots or first preferences.
    #[schema(value_type = Object)]
    pub tallies: serde_json::Value,
    /// A ranked count's rounds (instant runoff), or its full ranking (Schulze, Borda,
    /// scores), when it has some.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rounds: Option<serde_json::Value>,
    pub voters_count: u64,
    pub eligible_count: u64,
    pub quorum_met: bool,
    /// A proposal's or consent's outcome: `passed`, `no_quorum`, `blocked`,
    /// `below_threshold`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    pub closed: bool,
}

/// `?status=open|closed` on a group's polls.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PollFilter {
    pub status: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// A motion asked over HTTP (`POST /api/v1/groups/{group}/motions`): the asking tool is the
/// caller's outside tool, or `api` for a person.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MotionRequest {
    pub title: String,
    #[serde(default)]
    pub details: String,
    /// When the poll closes (default: 7 days from now).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closes_at: Option<Timestamp>,
    /// `proposal` (default) or `consent`.
    pub kind: Option<String>,
    /// `majority` (default), `two_thirds`, `consent` or `unanimous`.
    pub pass_rule: Option<kernel::motions::PassRule>,
    /// The asking tool's thing that waits for the decision.
    pub subject: Option<String>,
}

/// A motion with its poll and status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MotionView {
    #[serde(flatten)]
    pub motion: kernel::motions::Motion,
    /// The poll that decides it.
    pub poll: Option<String>,
    /// `open`, `passed`, `failed` or `withdrawn`.
    pub status: String,
}

impl From<kernel::motions::Motion> for MotionView {
    fn from(motion: kernel::motions::Motion) -> Self {
        MotionView {
            poll: motion.poll_id.clone(),
            status: motion.state.as_str().into(),
            motion,
        }
    }
}

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
        Check = "check",
        Count = "count",
        Question = "question",
        Meeting = "meeting",
    }
);

impl PollKind {
    /// Whether its options are fixed stances rather than the author's.
    pub fn has_stances(self) -> bool {
        matches!(
            self,
            PollKind::Proposal | PollKind::Consent | PollKind::Check
        )
    }

    /// Whether the author names its options (and members may add some).
    pub fn has_options(self) -> bool {
        matches!(
            self,
            PollKind::Choice
                | PollKind::Approval
                | PollKind::Score
                | PollKind::DotVote
                | PollKind::Ranked
                | PollKind::Meeting
        )
    }
}

kernel::string_enum!(
    /// How a ranked poll is counted: instant runoff, Schulze's Condorcet method, or Borda.
    Method {
        Irv = "irv",
        Schulze = "schulze",
        Borda = "borda",
        Stv = "stv",
    }
);

kernel::string_enum!(
    /// How single transferable vote moves surpluses: the Scottish rules (weighted inclusive
    /// Gregory) or Meek's method.
    StvRule {
        Scottish = "scottish",
        Meek = "meek",
    }
);

kernel::string_enum!(
    /// Whether a vote takes a reason: never, optionally, always, or when voting against
    /// (disagree, block, object).
    Reasons {
        Off = "off",
        Optional = "optional",
        Required = "required",
        RequiredAgainst = "required_against",
    }
);

/// Who may vote: the group (left out), the members holding a role when the poll opens, or
/// a list of accounts (ids or handles).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged, deny_unknown_fields)]
pub enum Voters {
    Role { role: String },
    Accounts { accounts: Vec<String> },
}

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
    /// A ranked poll by `stv`: how many win (default 1).
    pub seats: Option<u32>,
    /// A ranked poll by `stv`: `scottish` (default) or `meek`.
    pub stv_rule: Option<StvRule>,
    /// Ballots linked to their voter only by a keyed hash: nobody, the server's admins
    /// included, sees who voted what. Irreversible.
    pub anonymous: Option<bool>,
    /// Who may vote (default: the group's members).
    pub voters: Option<Voters>,
    /// Weights by role name or account (id or handle), fixed when the poll opens; an
    /// account's own weight wins over its role's, anyone else weighs 1.
    #[schema(value_type = Option<Object>)]
    pub weights: Option<std::collections::BTreeMap<String, u32>>,
    /// Reasons: `off`, `optional` (default), `required` or `required_against`.
    pub reasons: Option<Reasons>,
    /// When voting starts (default: now).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub opens_at: Option<Timestamp>,
    /// A count poll's target: how many must be in.
    pub count_target: Option<u32>,
    /// A tag delegations may be limited to.
    pub tag: Option<String>,
    /// Whether members may add options while it is open (default false).
    pub add_options: Option<bool>,
    /// A choice poll offers "none of the above" as a last option.
    pub none_of_the_above: Option<bool>,
    /// A meeting poll's length in minutes (default 60): its options are start times.
    pub duration_minutes: Option<u32>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seats: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stv_rule: Option<StvRule>,
    #[serde(default)]
    pub anonymous: bool,
    /// Whether only the accounts listed when it opened may vote.
    #[serde(default)]
    pub voters_fixed: bool,
    /// Whether some voters weigh other than 1.
    #[serde(default)]
    pub weighted: bool,
    #[serde(default = "optional_reasons")]
    pub reasons: Reasons,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_target: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(default)]
    pub add_options: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<u32>,
    /// For a poll that decides a kernel motion: how it passes (`majority`, `two_thirds`,
    /// `consent`, `unanimous`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_rule: Option<String>,
    /// The motion it decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motion: Option<String>,
}

fn optional_reasons() -> Reasons {
    Reasons::Optional
}

impl Rules {
    /// The rules of a poll with every setting at its default.
    pub fn plain() -> Self {
        Rules {
            method: None,
            dots: None,
            score_max: None,
            min_choices: None,
            max_choices: None,
            hide_results: None,
            quorum_pct: 0,
            threshold_pct: None,
            changes: true,
            seats: None,
            stv_rule: None,
            anonymous: false,
            voters_fixed: false,
            weighted: false,
            reasons: Reasons::Optional,
            count_target: None,
            tag: None,
            add_options: false,
            duration_minutes: None,
            pass_rule: None,
            motion: None,
        }
    }
}

/// The durable job that closes a poll when its time comes.
pub const CLOSE_JOB: &str = "decide.close";

/// The durable job that reminds who has not voted, a day before a poll closes.
pub const REMIND_JOB: &str = "decide.remind";

/// What the author said a closed poll decided.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Outcome {
    pub statement: String,
    #[schema(value_type = Option<uuid::Uuid>)]
    pub by: Option<AccountId>,
    pub at: Timestamp,
    /// When the group means to look at the decision again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_at: Option<Timestamp>,
}

/// An outcome statement (`POST /api/v1/polls/{id}/outcome`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOutcome {
    pub statement: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub review_at: Option<Timestamp>,
}

/// Opening a closed poll again (`POST /api/v1/polls/{id}/reopen`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reopen {
    #[schema(value_type = String, format = DateTime)]
    pub closes_at: Timestamp,
}

/// An option a member adds (`POST /api/v1/polls/{id}/options`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOption {
    pub text: String,
}

/// A proxy grant for one poll (`PUT /api/v1/polls/{id}/proxy`): `to` (an id or handle)
/// may vote for the caller.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProxyGrant {
    pub to: String,
}

/// A delegation (`PUT /api/v1/groups/{group}/delegation`): `to` (an id or handle) votes
/// for the caller in the group's polls — those tagged `tag`, when given — whenever the
/// caller does not vote.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelegationRequest {
    pub to: String,
    pub tag: Option<String>,
}

/// `DELETE /api/v1/groups/{group}/delegation` (`?tag=` or a body `{tag}`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DelegationEnd {
    pub tag: Option<String>,
}

/// A person as the decide tool names them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Person {
    #[schema(value_type = uuid::Uuid)]
    pub id: AccountId,
    pub handle: String,
}

/// One delegation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delegation {
    pub from: Person,
    pub to: Person,
    /// The tag it is limited to; none for the whole group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    pub created_at: Timestamp,
}

/// The caller's delegations in a group (`GET /api/v1/groups/{group}/delegation`): those they
/// gave and those given to them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delegations {
    pub given: Vec<Delegation>,
    pub received: Vec<Delegation>,
}

/// Who has voted and who has not (`GET /api/v1/polls/{id}/voters`): never what they chose.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VoterList {
    pub voted: Vec<Person>,
    pub not_voted: Vec<Person>,
}

/// One vote as the results show it (`GET /api/v1/polls/{id}/votes`); an anonymous poll's
/// carry no voter.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VoteView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voter: Option<Person>,
    #[schema(value_type = Object)]
    pub ballot: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub weight: u64,
    pub cast_at: Timestamp,
}

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
    /// `scheduled` (not open yet), `open` or `closed`.
    pub status: String,
    pub opens_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// The weight the caller's vote carries now: their own and that of everyone whose
    /// delegation reaches them and who has not voted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub my_weight: Option<u64>,
    /// Whether the caller may vote in this poll.
    pub can_vote: bool,
    /// Those who let the caller vote for them in this poll.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub proxy_for: Vec<Person>,
    pub voters_count: u64,
    /// Whether the caller has voted.
    pub voted: bool,
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
    /// A proposal's `agree | abstain | disagree | block`, a consent's `consent | object`, a
    /// check's `agree | abstain | disagree`, a count's `in | out`.
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
    /// A meeting poll's `{slot: yes | maybe | no}`.
    #[schema(value_type = Option<Object>)]
    pub slots: Option<serde_json::Map<String, serde_json::Value>>,
    /// Vote for someone who made the caller their proxy in this poll (an id or handle).
    pub on_behalf_of: Option<String>,
}

/// A poll's results (`GET /api/v1/polls/{id}/results`), options named by their text.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
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
    /// The total weight of the ballots counted (votes carried by delegation and weights
    /// included).
    pub weight_counted: u64,
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

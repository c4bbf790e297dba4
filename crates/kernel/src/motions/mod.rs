//! Motions: decisions any tool — built-in or outside — asks a group to make. The kernel owns
//! the `motions` table and the `Decisions` port; the decide tool implements the port and the
//! composition root plugs it in, so opening a motion opens its poll in the same transaction
//! without the kernel depending on decide. When the poll closes, decide calls `resolve`, and
//! the `weft:MotionResolved` activity tells the asking tool (DESIGN section 5).

mod store;

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::activity::{self, Audience, NewActivity, ObjectRef};
use crate::db::Tx;
use crate::error::Validation;
use crate::groups::access::load;
use crate::id::{AccountId, GroupId, MotionId};
use crate::people::Actor;
use crate::policy::Action;
use crate::{Error, Kernel, Result, Timestamp};

/// How a motion passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PassRule {
    /// More for than against.
    Majority,
    /// At least two thirds of the votes cast are for.
    TwoThirds,
    /// Nobody blocks (a `block` stance fails it).
    Consent,
    /// Everyone who votes is for.
    Unanimous,
}

impl PassRule {
    pub fn as_str(self) -> &'static str {
        match self {
            PassRule::Majority => "majority",
            PassRule::TwoThirds => "two_thirds",
            PassRule::Consent => "consent",
            PassRule::Unanimous => "unanimous",
        }
    }

    fn parse(s: &str) -> PassRule {
        match s {
            "two_thirds" => PassRule::TwoThirds,
            "consent" => PassRule::Consent,
            "unanimous" => PassRule::Unanimous,
            _ => PassRule::Majority,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MotionState {
    Open,
    Passed,
    Failed,
    Withdrawn,
}

impl MotionState {
    pub fn as_str(self) -> &'static str {
        match self {
            MotionState::Open => "open",
            MotionState::Passed => "passed",
            MotionState::Failed => "failed",
            MotionState::Withdrawn => "withdrawn",
        }
    }

    fn parse(s: &str) -> MotionState {
        match s {
            "passed" => MotionState::Passed,
            "failed" => MotionState::Failed,
            "withdrawn" => MotionState::Withdrawn,
            _ => MotionState::Open,
        }
    }
}

/// What a tool asks a group to decide.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewMotion {
    pub title: String,
    #[serde(default)]
    pub details: String,
    /// The kind of poll (`proposal`, `choice`, `ranked`, `score`…), as the decision tool
    /// knows them.
    pub kind: String,
    /// The choices; a proposal's default to agree / abstain / disagree / block.
    #[serde(default)]
    pub options: Vec<String>,
    pub closes_at: Timestamp,
    /// The asking tool and the thing of its that waits for the decision.
    pub tool: String,
    pub subject_id: String,
    pub pass_rule: PassRule,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Motion {
    pub id: MotionId,
    pub group: GroupId,
    pub title: String,
    pub details: String,
    pub kind: String,
    pub options: Vec<String>,
    pub closes_at: Timestamp,
    pub tool: String,
    pub subject_id: String,
    pub pass_rule: PassRule,
    pub state: MotionState,
    /// The poll that decides it, in the decision tool.
    pub poll_id: Option<String>,
    pub opened_by: Option<AccountId>,
    pub created_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    /// What the decision tool reports (counts, the winning option…).
    #[schema(value_type = Object)]
    pub outcome: Option<serde_json::Value>,
}

/// The port a decision tool implements.
pub trait Decisions: Send + Sync {
    /// The tool's name: a group must have it turned on to decide anything (409 otherwise).
    fn tool(&self) -> &'static str;

    /// Opens the poll that decides `motion`, in the caller's transaction; answers its id.
    fn open_poll<'a>(&'a self, tx: &'a mut Tx, motion: &'a Motion)
    -> BoxFuture<'a, Result<String>>;

    /// Ends `motion`'s poll without a decision, in the caller's transaction: it was withdrawn.
    fn withdraw<'a>(&'a self, tx: &'a mut Tx, motion: &'a Motion) -> BoxFuture<'a, Result<()>>;
}

/// Asks a group to decide. Anyone who may post in the group may ask; the poll opens in the
/// same transaction or nothing does.
pub async fn open(k: &Kernel, actor: &Actor, group: &str, new: NewMotion) -> Result<Motion> {
    let loaded = load(k, Some(actor), group).await?;
    loaded.authorize(Some(actor), Action::Post)?;
    let decisions: Arc<dyn Decisions> = k.decisions.clone().ok_or_else(|| Error::Conflict {
        field: None,
        detail: "this server has no decision-making tool to open the poll".into(),
    })?;
    crate::tool::require_other(k, loaded.row.id, decisions.tool()).await?;
    let now = k.now();
    let mut v = Validation::new();
    let title = new.title.trim().to_string();
    if title.is_empty() || title.chars().count() > 200 {
        v.push("title", "1 to 200 characters");
    }
    if new.details.chars().count() > 20_000 {
        v.push("details", "at most 20000 characters");
    }
    let options = if new.options.is_empty() && new.kind == "proposal" {
        ["agree", "abstain", "disagree", "block"]
            .map(String::from)
            .to_vec()
    } else {
        new.options.clone()
    };
    if options.len() < 2 || options.len() > 100 {
        v.push("options", "between 2 and 100 options");
    }
    if new.closes_at <= now {
        v.push("closes_at", "must be in the future");
    }
    if new.tool.is_empty() || new.subject_id.is_empty() {
        v.push("subject_id", "name the asking tool and its subject");
    }
    v.finish()?;
    let mut motion = Motion {
        id: MotionId::new(),
        group: loaded.row.id,
        title,
        details: new.details,
        kind: new.kind,
        options,
        closes_at: new.closes_at,
        tool: new.tool,
        subject_id: new.subject_id,
        pass_rule: new.pass_rule,
        state: MotionState::Open,
        poll_id: None,
        opened_by: Some(actor.account),
        created_at: now,
        resolved_at: None,
        outcome: None,
    };
    let mut tx = k.db.begin().await?;
    store::insert(&mut tx, &motion).await?;
    let poll = decisions.open_poll(&mut tx, &motion).await?;
    store::set_poll(&mut tx, motion.id, &poll).await?;
    motion.poll_id = Some(poll);
    activity::record(
        &mut tx,
        now,
        NewActivity::new(
            "weft:MotionOpened",
            Some(actor.account),
            ObjectRef::new("weft:Motion", motion.id, Some(&motion.title)),
            Audience::Group(motion.group),
        )
        .tool(&motion.tool)
        .summary(format!(
            "{} asked {} to decide: {}",
            actor.handle, loaded.row.name, motion.title
        ))
        .extra(serde_json::json!({ "subject_id": motion.subject_id, "poll_id": motion.poll_id })),
    )
    .await?;
    tx.commit().await?;
    Ok(motion)
}

/// Records the decision, in the decision tool's transaction, and tells the asking tool with
/// a `weft:MotionResolved` activity. A motion resolves once.
pub async fn resolve(
    tx: &mut Tx,
    now: Timestamp,
    id: MotionId,
    passed: bool,
    outcome: serde_json::Value,
) -> Result<Motion> {
    let state = if passed {
        MotionState::Passed
    } else {
        MotionState::Failed
    };
    if store::resolve(tx, id, state, &outcome, now).await? == 0 {
        return Err(Error::Gone("this motion is no longer open".into()));
    }
    let motion = store::get_in(tx, id)
        .await?
        .ok_or(Error::NotFound("motion"))?;
    activity::record(
        tx,
        now,
        NewActivity::new(
            "weft:MotionResolved",
            None,
            ObjectRef::new("weft:Motion", motion.id, Some(&motion.title)),
            Audience::Group(motion.group),
        )
        .tool(&motion.tool)
        .summary(format!("Decided: {} — {}", motion.title, state.as_str()))
        .extra(serde_json::json!({
            "state": state.as_str(),
            "subject_id": motion.subject_id,
            "outcome": outcome,
        })),
    )
    .await?;
    Ok(motion)
}

/// Withdraws an open motion: who opened it, or who may moderate its group. Its poll ends
/// without a decision and `weft:MotionResolved` says `withdrawn`.
pub async fn withdraw(k: &Kernel, actor: &Actor, id: MotionId) -> Result<Motion> {
    let motion = get(k, Some(actor), id).await?;
    let group = load(k, Some(actor), &motion.group.to_string()).await?;
    if motion.opened_by != Some(actor.account) {
        group.authorize(Some(actor), Action::Moderate)?;
    } else {
        group.authorize(Some(actor), Action::Post)?;
    }
    let decisions: Arc<dyn Decisions> = k.decisions.clone().ok_or_else(|| Error::Conflict {
        field: None,
        detail: "this server has no decision-making tool".into(),
    })?;
    let now = k.now();
    let mut tx = k.db.begin().await?;
    if store::resolve(
        &mut tx,
        id,
        MotionState::Withdrawn,
        &serde_json::Value::Null,
        now,
    )
    .await?
        == 0
    {
        return Err(Error::conflict("motion", "this motion is no longer open"));
    }
    let motion = store::get_in(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("motion"))?;
    decisions.withdraw(&mut tx, &motion).await?;
    activity::record(
        &mut tx,
        now,
        NewActivity::new(
            "weft:MotionResolved",
            Some(actor.account),
            ObjectRef::new("weft:Motion", motion.id, Some(&motion.title)),
            Audience::Group(motion.group),
        )
        .tool(&motion.tool)
        .summary(format!("{} withdrew: {}", actor.handle, motion.title))
        .extra(serde_json::json!({
            "state": MotionState::Withdrawn.as_str(),
            "subject_id": motion.subject_id,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(motion)
}

/// A motion as its asking tool reads it to act on the decision (no reader's policy: the tool
/// shows nothing of it to anyone without its own check).
pub async fn for_tool(k: &Kernel, id: MotionId) -> Result<Option<Motion>> {
    store::get(&k.db, id).await
}

/// A motion, for whoever may read its group.
pub async fn get(k: &Kernel, actor: Option<&Actor>, id: MotionId) -> Result<Motion> {
    let motion = store::get(&k.db, id)
        .await?
        .ok_or(Error::NotFound("motion"))?;
    let group = load(k, actor, &motion.group.to_string()).await?;
    group.authorize(actor, Action::Read).map_err(|e| match e {
        Error::Forbidden(_) => Error::NotFound("motion"),
        other => other,
    })?;
    Ok(motion)
}

fn motion_of(r: store::MotionRow) -> Motion {
    Motion {
        id: r.id,
        group: r.group_id,
        title: r.title,
        details: r.details,
        kind: r.kind,
        options: serde_json::from_str(&r.options).unwrap_or_default(),
        closes_at: Timestamp(r.closes_at),
        tool: r.tool,
        subject_id: r.subject_id,
        pass_rule: PassRule::parse(&r.pass_rule),
        state: MotionState::parse(&r.state),
        poll_id: r.poll_id,
        opened_by: r.opened_by,
        created_at: Timestamp(r.created_at),
        resolved_at: r.resolved_at.map(Timestamp),
        outcome: r.outcome.and_then(|o| serde_json::from_str(&o).ok()),
    }
}

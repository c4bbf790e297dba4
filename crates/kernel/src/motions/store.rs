//! Motions' queries.

use sea_query::{Expr, ExprTrait, Iden, Query, SelectStatement};

use crate::db::{Db, Tx};
use crate::id::{AccountId, GroupId, MotionId};
use crate::{Result, Timestamp};

use super::{Motion, MotionState, motion_of};

#[derive(Iden)]
enum Motions {
    Table,
    Id,
    GroupId,
    Title,
    Details,
    Kind,
    Options,
    PassRule,
    ClosesAt,
    Tool,
    SubjectId,
    OpenedBy,
    PollId,
    State,
    Outcome,
    CreatedAt,
    ResolvedAt,
}

const COLUMNS: [Motions; 16] = [
    Motions::Id,
    Motions::GroupId,
    Motions::Title,
    Motions::Details,
    Motions::Kind,
    Motions::Options,
    Motions::PassRule,
    Motions::ClosesAt,
    Motions::Tool,
    Motions::SubjectId,
    Motions::OpenedBy,
    Motions::PollId,
    Motions::State,
    Motions::Outcome,
    Motions::CreatedAt,
    Motions::ResolvedAt,
];

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MotionRow {
    pub id: MotionId,
    pub group_id: GroupId,
    pub title: String,
    pub details: String,
    pub kind: String,
    pub options: String,
    pub pass_rule: String,
    pub closes_at: i64,
    pub tool: String,
    pub subject_id: String,
    pub opened_by: Option<AccountId>,
    pub poll_id: Option<String>,
    pub state: String,
    pub outcome: Option<String>,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
}

pub async fn insert(tx: &mut Tx, m: &Motion) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(Motions::Table)
            .columns(COLUMNS)
            .values_panic([
                m.id.into(),
                m.group.into(),
                m.title.clone().into(),
                m.details.clone().into(),
                m.kind.clone().into(),
                serde_json::to_string(&m.options).unwrap_or_default().into(),
                m.pass_rule.as_str().into(),
                m.closes_at.into(),
                m.tool.clone().into(),
                m.subject_id.clone().into(),
                m.opened_by.map(|a| a.0).into(),
                m.poll_id.clone().into(),
                m.state.as_str().into(),
                m.outcome.as_ref().map(|o| o.to_string()).into(),
                m.created_at.into(),
                m.resolved_at.map(|t| t.0).into(),
            ]),
    )
    .await
    .map(|_| ())
}

pub async fn set_poll(tx: &mut Tx, id: MotionId, poll: &str) -> Result<()> {
    tx.execute(
        Query::update()
            .table(Motions::Table)
            .value(Motions::PollId, poll)
            .and_where(Expr::col(Motions::Id).eq(id)),
    )
    .await
    .map(|_| ())
}

pub async fn resolve(
    tx: &mut Tx,
    id: MotionId,
    state: MotionState,
    outcome: &serde_json::Value,
    now: Timestamp,
) -> Result<u64> {
    tx.execute(
        Query::update()
            .table(Motions::Table)
            .values([
                (Motions::State, state.as_str().into()),
                (Motions::Outcome, outcome.to_string().into()),
                (Motions::ResolvedAt, now.0.into()),
            ])
            .and_where(Expr::col(Motions::Id).eq(id))
            .and_where(Expr::col(Motions::State).eq(MotionState::Open.as_str())),
    )
    .await
}

fn select(id: MotionId) -> SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from(Motions::Table)
        .and_where(Expr::col(Motions::Id).eq(id))
        .to_owned()
}

pub async fn get(db: &Db, id: MotionId) -> Result<Option<Motion>> {
    Ok(db
        .fetch_optional::<MotionRow>(&select(id))
        .await?
        .map(motion_of))
}

pub async fn get_in(tx: &mut Tx, id: MotionId) -> Result<Option<Motion>> {
    Ok(tx
        .fetch_optional::<MotionRow>(&select(id))
        .await?
        .map(motion_of))
}

//! The decide tool's queries, written once for both databases.

use kernel::db::{Db, Tx};
use kernel::{Result, Timestamp};
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Order, Query};
use uuid::Uuid;

use crate::model::{AccountId, GroupId, PollId};

#[derive(Iden)]
pub enum Polls {
    Table,
    Id,
    GroupId,
    AuthorId,
    Title,
    Details,
    Kind,
    Rules,
    CreatedAt,
    ClosesAt,
    ClosedAt,
    MotionId,
}

#[derive(Iden)]
pub enum PollOptions {
    Table,
    PollId,
    Position,
    Text,
}

#[derive(Iden)]
pub enum PollVotes {
    Table,
    PollId,
    VoterId,
    Ballot,
    Reason,
    CastAt,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PollRow {
    pub id: PollId,
    pub group_id: GroupId,
    pub author_id: Option<AccountId>,
    pub title: String,
    pub details: String,
    pub kind: String,
    pub rules: String,
    pub created_at: i64,
    pub closes_at: i64,
    pub closed_at: Option<i64>,
    pub motion_id: Option<String>,
}

impl PollRow {
    /// Closed by hand, or its closing time has come (the kernel's clock decides).
    pub fn is_closed(&self, now: Timestamp) -> bool {
        self.closed_at.is_some() || self.closes_at <= now.0
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VoteRow {
    pub ballot: String,
    pub reason: Option<String>,
    pub cast_at: i64,
}

const POLL_COLUMNS: [Polls; 11] = [
    Polls::Id,
    Polls::GroupId,
    Polls::AuthorId,
    Polls::Title,
    Polls::Details,
    Polls::Kind,
    Polls::Rules,
    Polls::CreatedAt,
    Polls::ClosesAt,
    Polls::ClosedAt,
    Polls::MotionId,
];

pub async fn insert_poll(tx: &mut Tx, row: &PollRow, options: &[String]) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(Polls::Table)
            .columns(POLL_COLUMNS)
            .values_panic([
                row.id.into(),
                row.group_id.into(),
                row.author_id.map(|a| a.0).into(),
                row.title.clone().into(),
                row.details.clone().into(),
                row.kind.clone().into(),
                row.rules.clone().into(),
                row.created_at.into(),
                row.closes_at.into(),
                row.closed_at.into(),
                row.motion_id.clone().into(),
            ]),
    )
    .await?;
    let mut q = Query::insert()
        .into_table(PollOptions::Table)
        .columns([
            PollOptions::PollId,
            PollOptions::Position,
            PollOptions::Text,
        ])
        .to_owned();
    for (i, text) in options.iter().enumerate() {
        q.values_panic([row.id.into(), (i as i64).into(), text.clone().into()]);
    }
    tx.execute(&q).await?;
    Ok(())
}

pub async fn poll(db: &Db, id: PollId) -> Result<Option<PollRow>> {
    db.fetch_optional(
        Query::select()
            .columns(POLL_COLUMNS)
            .from(Polls::Table)
            .and_where(Expr::col(Polls::Id).eq(id)),
    )
    .await
}

/// A group's polls, newest first, after `after`; `open` filters by status at `now`.
pub async fn group_polls(
    db: &Db,
    group: GroupId,
    open: Option<bool>,
    now: Timestamp,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<PollRow>> {
    let mut q = Query::select()
        .columns(POLL_COLUMNS)
        .from(Polls::Table)
        .and_where(Expr::col(Polls::GroupId).eq(group))
        .order_by(Polls::Id, Order::Desc)
        .limit(u64::from(limit) + 1)
        .to_owned();
    if let Some(after) = after {
        q.and_where(Expr::col(Polls::Id).lt(after));
    }
    match open {
        Some(true) => {
            q.and_where(Expr::col(Polls::ClosedAt).is_null())
                .and_where(Expr::col(Polls::ClosesAt).gt(now.0));
        }
        Some(false) => {
            q.cond_where(
                sea_query::Condition::any()
                    .add(Expr::col(Polls::ClosedAt).is_not_null())
                    .add(Expr::col(Polls::ClosesAt).lte(now.0)),
            );
        }
        None => {}
    }
    db.fetch_all(&q).await
}

pub async fn options(db: &Db, poll: PollId) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = db
        .fetch_all(
            Query::select()
                .column(PollOptions::Text)
                .from(PollOptions::Table)
                .and_where(Expr::col(PollOptions::PollId).eq(poll))
                .order_by(PollOptions::Position, Order::Asc),
        )
        .await?;
    Ok(rows.into_iter().map(|(t,)| t).collect())
}

/// Every ballot of a poll, as stored (only what counting reads: no order, no other column).
pub async fn ballots(db: &Db, poll: PollId) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = db
        .fetch_all(
            Query::select()
                .column(PollVotes::Ballot)
                .from(PollVotes::Table)
                .and_where(Expr::col(PollVotes::PollId).eq(poll)),
        )
        .await?;
    Ok(rows.into_iter().map(|(b,)| b).collect())
}

pub async fn vote_of(db: &Db, poll: PollId, voter: AccountId) -> Result<Option<VoteRow>> {
    db.fetch_optional(
        Query::select()
            .columns([PollVotes::Ballot, PollVotes::Reason, PollVotes::CastAt])
            .from(PollVotes::Table)
            .and_where(Expr::col(PollVotes::PollId).eq(poll))
            .and_where(Expr::col(PollVotes::VoterId).eq(voter)),
    )
    .await
}

pub async fn count_votes(db: &Db, poll: PollId) -> Result<u64> {
    let (n,): (i64,) = db
        .fetch_one(
            Query::select()
                .expr(Expr::col(PollVotes::VoterId).count())
                .from(PollVotes::Table)
                .and_where(Expr::col(PollVotes::PollId).eq(poll)),
        )
        .await?;
    Ok(Ord::max(n, 0) as u64)
}

/// Writes `voter`'s ballot; with `replace`, a ballot they cast before is replaced. Answers
/// whether a row was written (false: they had voted and may not change it).
pub async fn put_vote(
    tx: &mut Tx,
    poll: PollId,
    voter: AccountId,
    ballot: &str,
    reason: Option<&str>,
    now: Timestamp,
    replace: bool,
) -> Result<bool> {
    let mut conflict = OnConflict::columns([PollVotes::PollId, PollVotes::VoterId]).to_owned();
    let conflict = if replace {
        conflict
            .update_columns([PollVotes::Ballot, PollVotes::Reason, PollVotes::CastAt])
            .to_owned()
    } else {
        conflict.do_nothing().to_owned()
    };
    let written = tx
        .execute(
            Query::insert()
                .into_table(PollVotes::Table)
                .columns([
                    PollVotes::PollId,
                    PollVotes::VoterId,
                    PollVotes::Ballot,
                    PollVotes::Reason,
                    PollVotes::CastAt,
                ])
                .values_panic([
                    poll.into(),
                    voter.into(),
                    ballot.into(),
                    reason.map(str::to_string).into(),
                    now.0.into(),
                ])
                .on_conflict(conflict),
        )
        .await?;
    Ok(written > 0)
}

/// The poll deciding a motion.
pub async fn poll_of_motion(tx: &mut Tx, motion: &str) -> Result<Option<PollRow>> {
    tx.fetch_optional(
        Query::select()
            .columns(POLL_COLUMNS)
            .from(Polls::Table)
            .and_where(Expr::col(Polls::MotionId).eq(motion)),
    )
    .await
}

/// Closes an open poll; answers whether it was open.
pub async fn close(tx: &mut Tx, poll: PollId, now: Timestamp) -> Result<bool> {
    let n = tx
        .execute(
            Query::update()
                .table(Polls::Table)
                .value(Polls::ClosedAt, now.0)
                .and_where(Expr::col(Polls::Id).eq(poll))
                .and_where(Expr::col(Polls::ClosedAt).is_null()),
        )
        .await?;
    Ok(n > 0)
}

//! The decide tool's queries, written once for both databases.

use kernel::db::{Db, Tx};
use kernel::{Error, Result, Timestamp};
use sea_query::{Alias, Asterisk, Expr, ExprTrait, Iden, LockType, OnConflict, Order, Query};
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
    OpensAt,
    Outcome,
    OutcomeAt,
    OutcomeBy,
    ReviewAt,
    Results,
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
    Weight,
    CastBy,
}

#[derive(Iden)]
pub enum PollVoters {
    Table,
    PollId,
    AccountId,
    Weight,
}

#[derive(Iden)]
pub enum PollProxies {
    Table,
    PollId,
    FromId,
    ToId,
    CreatedAt,
}

#[derive(Iden)]
pub enum PollDelegations {
    Table,
    GroupId,
    FromId,
    Tag,
    ToId,
    CreatedAt,
}

#[derive(Iden)]
pub enum PollSecret {
    Table,
    Id,
    Sealed,
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
    pub opens_at: i64,
    pub outcome: Option<String>,
    pub outcome_at: Option<i64>,
    pub outcome_by: Option<AccountId>,
    pub review_at: Option<i64>,
}

impl PollRow {
    /// Closed by hand, or its closing time has come (the kernel's clock decides).
    pub fn is_closed(&self, now: Timestamp) -> bool {
        self.closed_at.is_some() || self.closes_at <= now.0
    }

    /// Its opening time is still to come.
    pub fn is_scheduled(&self, now: Timestamp) -> bool {
        !self.is_closed(now) && self.opens_at > now.0
    }

    /// `scheduled`, `open` or `closed` at `now`.
    pub fn status(&self, now: Timestamp) -> &'static str {
        if self.is_closed(now) {
            "closed"
        } else if self.is_scheduled(now) {
            "scheduled"
        } else {
            "open"
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VoteRow {
    pub ballot: String,
    pub reason: Option<String>,
    pub cast_at: i64,
}

/// Ballots alike, counted together.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BallotGroup {
    pub ballot: String,
    pub weight: i64,
    pub voters: i64,
}

/// A ballot as counting and the votes list read it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BallotRow {
    pub voter_id: Uuid,
    pub ballot: String,
    pub reason: Option<String>,
    pub weight: i64,
    pub cast_at: i64,
}

const POLL_COLUMNS: [Polls; 16] = [
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
    Polls::OpensAt,
    Polls::Outcome,
    Polls::OutcomeAt,
    Polls::OutcomeBy,
    Polls::ReviewAt,
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
                row.opens_at.into(),
                row.outcome.clone().into(),
                row.outcome_at.into(),
                row.outcome_by.map(|a| a.0).into(),
                row.review_at.into(),
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
    // A question has no options.
    if !options.is_empty() {
        tx.execute(&q).await?;
    }
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
    status: Option<&str>,
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
    match status {
        Some("open") => {
            q.and_where(Expr::col(Polls::ClosedAt).is_null())
                .and_where(Expr::col(Polls::ClosesAt).gt(now.0))
                .and_where(Expr::col(Polls::OpensAt).lte(now.0));
        }
        Some("scheduled") => {
            q.and_where(Expr::col(Polls::ClosedAt).is_null())
                .and_where(Expr::col(Polls::ClosesAt).gt(now.0))
                .and_where(Expr::col(Polls::OpensAt).gt(now.0));
        }
        Some(_) => {
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

/// The options of several polls, in order, for a list (one query).
pub async fn options_of(db: &Db, polls: &[PollId]) -> Result<Vec<(PollId, String)>> {
    if polls.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        Query::select()
            .columns([PollOptions::PollId, PollOptions::Text])
            .from(PollOptions::Table)
            .and_where(Expr::col(PollOptions::PollId).is_in(polls.iter().map(|p| p.0)))
            .order_by(PollOptions::PollId, Order::Asc)
            .order_by(PollOptions::Position, Order::Asc),
    )
    .await
}

/// How many have voted in each of several polls (one query).
pub async fn vote_counts(db: &Db, polls: &[PollId]) -> Result<Vec<(PollId, i64)>> {
    if polls.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        Query::select()
            .column(PollVotes::PollId)
            .expr(Expr::col(PollVotes::VoterId).count())
            .from(PollVotes::Table)
            .and_where(Expr::col(PollVotes::PollId).is_in(polls.iter().map(|p| p.0)))
            .group_by_col(PollVotes::PollId),
    )
    .await
}

/// Which of several polls `voter` (as each poll keys them) has voted in (one query).
pub async fn voted_in(db: &Db, keys: &[(PollId, Uuid)]) -> Result<Vec<PollId>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut any = sea_query::Condition::any();
    for (poll, voter) in keys {
        any = any.add(
            Expr::col(PollVotes::PollId)
                .eq(*poll)
                .and(Expr::col(PollVotes::VoterId).eq(*voter)),
        );
    }
    let rows: Vec<(PollId,)> = db
        .fetch_all(
            Query::select()
                .column(PollVotes::PollId)
                .from(PollVotes::Table)
                .cond_where(any),
        )
        .await?;
    Ok(rows.into_iter().map(|(p,)| p).collect())
}

/// Adds an option at the end of a poll's options; answers false when its text is taken.
pub async fn add_option(tx: &mut Tx, poll: PollId, position: u32, text: &str) -> Result<bool> {
    let n = tx
        .execute(
            Query::insert()
                .into_table(PollOptions::Table)
                .columns([
                    PollOptions::PollId,
                    PollOptions::Position,
                    PollOptions::Text,
                ])
                .values_panic([poll.into(), i64::from(position).into(), text.into()])
                .on_conflict(OnConflict::new().do_nothing().to_owned()),
        )
        .await?;
    Ok(n > 0)
}

pub async fn options_in(tx: &mut Tx, poll: PollId) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = tx
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

/// A poll's distinct ballots, each with the sum of its voters' weights and their number: what
/// counting reads when no delegation applies. A covering index (`poll_votes_ballots`) makes a
/// poll of 100,000 ballots a few hundred rows (five options have 325 distinct rankings).
pub async fn ballot_groups(db: &Db, poll: PollId) -> Result<Vec<BallotGroup>> {
    db.fetch_all(
        Query::select()
            .column(PollVotes::Ballot)
            .expr_as(
                Expr::col(PollVotes::Weight)
                    .sum()
                    .cast_as(Alias::new("BIGINT")),
                Alias::new("weight"),
            )
            // COUNT(*), not of a column: the index holds no voter, and counting one would
            // visit every row of the table.
            .expr_as(Expr::col(Asterisk).count(), Alias::new("voters"))
            .from(PollVotes::Table)
            .and_where(Expr::col(PollVotes::PollId).eq(poll))
            .group_by_col(PollVotes::Ballot)
            .order_by(PollVotes::Ballot, Order::Asc),
    )
    .await
}

/// The ballots of those among `voters` (keys in the poll) who voted: what delegation needs.
pub async fn ballots_among(db: &Db, poll: PollId, voters: &[Uuid]) -> Result<Vec<(Uuid, String)>> {
    let mut found = Vec::new();
    for chunk in voters.chunks(500) {
        let rows: Vec<(Uuid, String)> = db
            .fetch_all(
                Query::select()
                    .columns([PollVotes::VoterId, PollVotes::Ballot])
                    .from(PollVotes::Table)
                    .and_where(Expr::col(PollVotes::PollId).eq(poll))
                    .and_where(Expr::col(PollVotes::VoterId).is_in(chunk.iter().copied())),
            )
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// Every ballot of a poll with its voter's key, in the order they were cast.
pub async fn ballot_rows(db: &Db, poll: PollId) -> Result<Vec<BallotRow>> {
    db.fetch_all(
        Query::select()
            .columns([
                PollVotes::VoterId,
                PollVotes::Ballot,
                PollVotes::Reason,
                PollVotes::Weight,
                PollVotes::CastAt,
            ])
            .from(PollVotes::Table)
            .and_where(Expr::col(PollVotes::PollId).eq(poll))
            .order_by(PollVotes::CastAt, Order::Asc)
            .order_by(PollVotes::VoterId, Order::Asc),
    )
    .await
}

/// The voters' keys of a poll.
pub async fn voter_keys(db: &Db, poll: PollId) -> Result<Vec<Uuid>> {
    let rows: Vec<(Uuid,)> = db
        .fetch_all(
            Query::select()
                .column(PollVotes::VoterId)
                .from(PollVotes::Table)
                .and_where(Expr::col(PollVotes::PollId).eq(poll)),
        )
        .await?;
    Ok(rows.into_iter().map(|(v,)| v).collect())
}

pub async fn vote_of(db: &Db, poll: PollId, voter: Uuid) -> Result<Option<VoteRow>> {
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

/// A ballot to write.
#[derive(Debug, Clone)]
pub struct NewVoteRow {
    pub poll: PollId,
    /// The voter's account, or on an anonymous poll its keyed hash.
    pub voter: Uuid,
    pub ballot: String,
    pub reason: Option<String>,
    pub weight: i64,
    pub cast_by: Option<AccountId>,
}

/// Writes a voter's ballot; with `replace`, a ballot they cast before is replaced. Answers
/// whether a row was written (false: they had voted and may not change it).
/// Whether a poll takes votes at `now`, read under a shared lock on its row (on PostgreSQL;
/// SQLite's one writer runs a closing alone): a poll being closed answers only once the close
/// commits, so a vote is either counted in the kept results or refused — never lost between.
pub async fn open_for_vote(tx: &mut Tx, poll: PollId, now: Timestamp) -> Result<bool> {
    let row: Option<(Option<i64>, i64, i64)> = tx
        .fetch_optional(
            Query::select()
                .columns([Polls::ClosedAt, Polls::ClosesAt, Polls::OpensAt])
                .from(Polls::Table)
                .and_where(Expr::col(Polls::Id).eq(poll))
                .lock(LockType::Share),
        )
        .await?;
    Ok(row.is_some_and(|(closed_at, closes_at, opens_at)| {
        closed_at.is_none() && closes_at > now.0 && opens_at <= now.0
    }))
}

/// Writes a ballot (replacing the voter's earlier one when `replace`); false when the voter
/// had voted and may not change. A poll closed meanwhile is a conflict.
pub async fn put_vote(tx: &mut Tx, v: &NewVoteRow, now: Timestamp, replace: bool) -> Result<bool> {
    if !open_for_vote(tx, v.poll, now).await? {
        return Err(Error::conflict("poll", "this poll is closed"));
    }
    let mut conflict = OnConflict::columns([PollVotes::PollId, PollVotes::VoterId]).to_owned();
    let conflict = if replace {
        conflict
            .update_columns([
                PollVotes::Ballot,
                PollVotes::Reason,
                PollVotes::CastAt,
                PollVotes::Weight,
                PollVotes::CastBy,
            ])
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
                    PollVotes::Weight,
                    PollVotes::CastBy,
                ])
                .values_panic([
                    v.poll.into(),
                    v.voter.into(),
                    v.ballot.clone().into(),
                    v.reason.clone().into(),
                    now.0.into(),
                    v.weight.into(),
                    v.cast_by.map(|a| a.0).into(),
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

/// The results a closed poll keeps, as counted when it closed.
pub async fn kept_results(db: &Db, poll: PollId) -> Result<Option<String>> {
    let row: Option<(Option<String>,)> = db
        .fetch_optional(
            Query::select()
                .column(Polls::Results)
                .from(Polls::Table)
                .and_where(Expr::col(Polls::Id).eq(poll)),
        )
        .await?;
    Ok(row.and_then(|(r,)| r))
}

/// Closes an open poll, keeping its results; answers whether it was open.
/// Marks a poll closed at `now` (false if it already was). This locks its row for the rest of
/// `tx`: a vote waiting on [`open_for_vote`] is refused once this commits.
pub async fn mark_closed(tx: &mut Tx, poll: PollId, now: Timestamp) -> Result<bool> {
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

/// Keeps the results counted when the poll closed.
pub async fn keep_results(tx: &mut Tx, poll: PollId, results: &str) -> Result<()> {
    tx.execute(
        Query::update()
            .table(Polls::Table)
            .value(Polls::Results, results)
            .and_where(Expr::col(Polls::Id).eq(poll)),
    )
    .await?;
    Ok(())
}

/// Opens a closed poll again until `closes_at`.
pub async fn reopen(tx: &mut Tx, poll: PollId, closes_at: Timestamp) -> Result<bool> {
    let n = tx
        .execute(
            Query::update()
                .table(Polls::Table)
                .value(Polls::ClosedAt, Option::<i64>::None)
                .value(Polls::ClosesAt, closes_at.0)
                .value(Polls::Results, Option::<String>::None)
                .value(Polls::Outcome, Option::<String>::None)
                .value(Polls::OutcomeAt, Option::<i64>::None)
                .value(Polls::OutcomeBy, Option::<Uuid>::None)
                .value(Polls::ReviewAt, Option::<i64>::None)
                .and_where(Expr::col(Polls::Id).eq(poll)),
        )
        .await?;
    Ok(n > 0)
}

pub async fn set_outcome(
    tx: &mut Tx,
    poll: PollId,
    statement: &str,
    by: AccountId,
    review_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<()> {
    tx.execute(
        Query::update()
            .table(Polls::Table)
            .value(Polls::Outcome, statement)
            .value(Polls::OutcomeAt, now.0)
            .value(Polls::OutcomeBy, by.0)
            .value(Polls::ReviewAt, review_at.map(|t| t.0))
            .and_where(Expr::col(Polls::Id).eq(poll)),
    )
    .await?;
    Ok(())
}

/// Who may vote in a poll (a fixed list) or weighs other than 1, as set when it opened.
pub async fn insert_voters(tx: &mut Tx, poll: PollId, voters: &[(AccountId, u32)]) -> Result<()> {
    for chunk in voters.chunks(500) {
        let mut q = Query::insert()
            .into_table(PollVoters::Table)
            .columns([
                PollVoters::PollId,
                PollVoters::AccountId,
                PollVoters::Weight,
            ])
            .to_owned();
        for (account, weight) in chunk {
            q.values_panic([poll.into(), (*account).into(), i64::from(*weight).into()]);
        }
        tx.execute(&q).await?;
    }
    Ok(())
}

/// A voter's row in a poll's list: their weight, when listed.
pub async fn voter_weight(db: &Db, poll: PollId, account: AccountId) -> Result<Option<i64>> {
    let row: Option<(i64,)> = db
        .fetch_optional(
            Query::select()
                .column(PollVoters::Weight)
                .from(PollVoters::Table)
                .and_where(Expr::col(PollVoters::PollId).eq(poll))
                .and_where(Expr::col(PollVoters::AccountId).eq(account)),
        )
        .await?;
    Ok(row.map(|(w,)| w))
}

/// A poll's listed voters and weights.
pub async fn voters(db: &Db, poll: PollId) -> Result<Vec<(AccountId, i64)>> {
    db.fetch_all(
        Query::select()
            .columns([PollVoters::AccountId, PollVoters::Weight])
            .from(PollVoters::Table)
            .and_where(Expr::col(PollVoters::PollId).eq(poll)),
    )
    .await
}

pub async fn count_voters(db: &Db, poll: PollId) -> Result<u64> {
    let (n,): (i64,) = db
        .fetch_one(
            Query::select()
                .expr(Expr::col(PollVoters::AccountId).count())
                .from(PollVoters::Table)
                .and_where(Expr::col(PollVoters::PollId).eq(poll)),
        )
        .await?;
    Ok(Ord::max(n, 0) as u64)
}

/// Lets `to` vote for `from` in `poll` (replacing an earlier grant).
pub async fn put_proxy(
    tx: &mut Tx,
    poll: PollId,
    from: AccountId,
    to: AccountId,
    now: Timestamp,
) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(PollProxies::Table)
            .columns([
                PollProxies::PollId,
                PollProxies::FromId,
                PollProxies::ToId,
                PollProxies::CreatedAt,
            ])
            .values_panic([poll.into(), from.into(), to.into(), now.0.into()])
            .on_conflict(
                OnConflict::columns([PollProxies::PollId, PollProxies::FromId])
                    .update_columns([PollProxies::ToId, PollProxies::CreatedAt])
                    .to_owned(),
            ),
    )
    .await?;
    Ok(())
}

pub async fn delete_proxy(tx: &mut Tx, poll: PollId, from: AccountId) -> Result<u64> {
    tx.execute(
        Query::delete()
            .from_table(PollProxies::Table)
            .and_where(Expr::col(PollProxies::PollId).eq(poll))
            .and_where(Expr::col(PollProxies::FromId).eq(from)),
    )
    .await
}

/// Whom `to` may vote for in `poll`.
pub async fn proxies_to(db: &Db, poll: PollId, to: AccountId) -> Result<Vec<AccountId>> {
    let rows: Vec<(AccountId,)> = db
        .fetch_all(
            Query::select()
                .column(PollProxies::FromId)
                .from(PollProxies::Table)
                .and_where(Expr::col(PollProxies::PollId).eq(poll))
                .and_where(Expr::col(PollProxies::ToId).eq(to)),
        )
        .await?;
    Ok(rows.into_iter().map(|(a,)| a).collect())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DelegationRow {
    pub from_id: AccountId,
    pub tag: String,
    pub to_id: AccountId,
    pub created_at: i64,
}

pub async fn put_delegation(
    tx: &mut Tx,
    group: GroupId,
    from: AccountId,
    tag: &str,
    to: AccountId,
    now: Timestamp,
) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(PollDelegations::Table)
            .columns([
                PollDelegations::GroupId,
                PollDelegations::FromId,
                PollDelegations::Tag,
                PollDelegations::ToId,
                PollDelegations::CreatedAt,
            ])
            .values_panic([
                group.into(),
                from.into(),
                tag.into(),
                to.into(),
                now.0.into(),
            ])
            .on_conflict(
                OnConflict::columns([
                    PollDelegations::GroupId,
                    PollDelegations::FromId,
                    PollDelegations::Tag,
                ])
                .update_columns([PollDelegations::ToId, PollDelegations::CreatedAt])
                .to_owned(),
            ),
    )
    .await?;
    Ok(())
}

pub async fn delete_delegation(
    tx: &mut Tx,
    group: GroupId,
    from: AccountId,
    tag: &str,
) -> Result<u64> {
    tx.execute(
        Query::delete()
            .from_table(PollDelegations::Table)
            .and_where(Expr::col(PollDelegations::GroupId).eq(group))
            .and_where(Expr::col(PollDelegations::FromId).eq(from))
            .and_where(Expr::col(PollDelegations::Tag).eq(tag)),
    )
    .await
}

/// A group's delegations that apply to a poll tagged `tag` (the group's and the tag's).
pub async fn delegations(db: &Db, group: GroupId, tag: Option<&str>) -> Result<Vec<DelegationRow>> {
    let tags: Vec<&str> = match tag {
        Some(t) => vec!["", t],
        None => vec![""],
    };
    db.fetch_all(
        Query::select()
            .columns([
                PollDelegations::FromId,
                PollDelegations::Tag,
                PollDelegations::ToId,
                PollDelegations::CreatedAt,
            ])
            .from(PollDelegations::Table)
            .and_where(Expr::col(PollDelegations::GroupId).eq(group))
            .and_where(Expr::col(PollDelegations::Tag).is_in(tags))
            .order_by(PollDelegations::CreatedAt, Order::Asc),
    )
    .await
}

/// The delegations `account` gave or received in a group.
pub async fn delegations_of(
    db: &Db,
    group: GroupId,
    account: AccountId,
) -> Result<Vec<DelegationRow>> {
    db.fetch_all(
        Query::select()
            .columns([
                PollDelegations::FromId,
                PollDelegations::Tag,
                PollDelegations::ToId,
                PollDelegations::CreatedAt,
            ])
            .from(PollDelegations::Table)
            .and_where(Expr::col(PollDelegations::GroupId).eq(group))
            .cond_where(
                sea_query::Condition::any()
                    .add(Expr::col(PollDelegations::FromId).eq(account))
                    .add(Expr::col(PollDelegations::ToId).eq(account)),
            )
            .order_by(PollDelegations::CreatedAt, Order::Asc),
    )
    .await
}

/// The sealed key of anonymous ballots, if made.
pub async fn secret(db: &Db) -> Result<Option<String>> {
    let row: Option<(String,)> = db
        .fetch_optional(
            Query::select()
                .column(PollSecret::Sealed)
                .from(PollSecret::Table)
                .and_where(Expr::col(PollSecret::Id).eq(1)),
        )
        .await?;
    Ok(row.map(|(s,)| s))
}

/// Keeps the first key made: a second writer's key is dropped, and both read the first.
pub async fn put_secret(db: &Db, sealed: &str) -> Result<()> {
    db.execute(
        Query::insert()
            .into_table(PollSecret::Table)
            .columns([PollSecret::Id, PollSecret::Sealed])
            .values_panic([1.into(), sealed.into()])
            .on_conflict(OnConflict::column(PollSecret::Id).do_nothing().to_owned()),
    )
    .await?;
    Ok(())
}

/// Seals the key anew (a newer sealing key).
pub async fn reseal_secret(db: &Db, sealed: &str) -> Result<()> {
    db.execute(
        Query::update()
            .table(PollSecret::Table)
            .value(PollSecret::Sealed, sealed)
            .and_where(Expr::col(PollSecret::Id).eq(1)),
    )
    .await?;
    Ok(())
}

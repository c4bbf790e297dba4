//! The jobs table's queries, written once for both databases.
//!
//! Every write of an outcome is fenced by the claim it finishes (`locked_by` and `attempts`):
//! a node whose lease ran out while its handler was still busy finds its row taken over and
//! changes nothing.

use sea_query::{
    Condition, Expr, ExprTrait, Iden, LockBehavior, LockType, OnConflict, Order, Query,
    SelectStatement, UpdateStatement,
};

use super::JobState;
use crate::db::{Db, Tx};
use crate::id::JobId;
use crate::{Result, Timestamp};

#[derive(Iden)]
pub enum Jobs {
    Table,
    Id,
    Kind,
    Payload,
    UniqueKey,
    State,
    RunAt,
    Attempts,
    MaxAttempts,
    LockedBy,
    LockedUntil,
    LastError,
    CreatedAt,
    FinishedAt,
}

pub struct NewJobRow<'a> {
    pub id: JobId,
    pub kind: &'a str,
    pub payload: String,
    pub unique_key: Option<&'a str>,
    pub run_at: Timestamp,
    pub max_attempts: u32,
    pub now: Timestamp,
}

/// Inserts a queued job; answers false when its unique key is already taken.
pub async fn insert_job(tx: &mut Tx, job: &NewJobRow<'_>) -> Result<bool> {
    let inserted = tx
        .execute(
            Query::insert()
                .into_table(Jobs::Table)
                .columns([
                    Jobs::Id,
                    Jobs::Kind,
                    Jobs::Payload,
                    Jobs::UniqueKey,
                    Jobs::State,
                    Jobs::RunAt,
                    Jobs::Attempts,
                    Jobs::MaxAttempts,
                    Jobs::CreatedAt,
                ])
                .values_panic([
                    job.id.into(),
                    job.kind.into(),
                    job.payload.clone().into(),
                    job.unique_key.into(),
                    JobState::Queued.as_str().into(),
                    job.run_at.into(),
                    0i64.into(),
                    i64::from(job.max_attempts).into(),
                    job.now.into(),
                ])
                .on_conflict(OnConflict::column(Jobs::UniqueKey).do_nothing().to_owned()),
        )
        .await?;
    Ok(inserted > 0)
}

/// A job this node has just claimed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedRow {
    pub id: JobId,
    pub kind: String,
    pub payload: String,
    /// Counting this one.
    pub attempts: i64,
    pub max_attempts: i64,
}

/// Rows of the given kinds that nobody is working on: queued ones whose time has come, and
/// running ones whose node let the lease run out (it died, or hangs).
fn due(kinds: &[&str], now: Timestamp) -> Condition {
    Condition::all()
        .add(Expr::col(Jobs::Kind).is_in(kinds.iter().copied()))
        .add(
            Condition::any()
                .add(
                    Expr::col(Jobs::State)
                        .eq(JobState::Queued.as_str())
                        .and(Expr::col(Jobs::RunAt).lte(now)),
                )
                .add(
                    Expr::col(Jobs::State)
                        .eq(JobState::Running.as_str())
                        .and(Expr::col(Jobs::LockedUntil).lt(now)),
                ),
        )
}

/// Locks the ids matching `condition` that no other transaction holds. PostgreSQL skips rows
/// another node is claiming right now instead of waiting for them; SQLite's builder leaves the
/// lock out, which is right there because its single writer already serialises claims.
fn lock_free_ids(condition: Condition, limit: Option<u64>) -> SelectStatement {
    let mut q = Query::select();
    q.column(Jobs::Id)
        .from(Jobs::Table)
        .cond_where(condition)
        .order_by(Jobs::RunAt, Order::Asc)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    if let Some(limit) = limit {
        q.limit(limit);
    }
    q.to_owned()
}

/// Claims up to `limit` due jobs for `node` until `locked_until`, counting an attempt each.
/// A job whose lease ran out on its last attempt is not claimed again: see `fail_abandoned`.
pub async fn claim_due(
    tx: &mut Tx,
    kinds: &[&str],
    node: &str,
    now: Timestamp,
    locked_until: Timestamp,
    limit: u64,
) -> Result<Vec<ClaimedRow>> {
    tx.fetch_all(&claim(kinds, node, now, locked_until, limit))
        .await
}

fn claim(
    kinds: &[&str],
    node: &str,
    now: Timestamp,
    locked_until: Timestamp,
    limit: u64,
) -> UpdateStatement {
    let condition = due(kinds, now).add(
        Condition::any()
            .add(Expr::col(Jobs::State).eq(JobState::Queued.as_str()))
            .add(Expr::col(Jobs::Attempts).lt(Expr::col(Jobs::MaxAttempts))),
    );
    Query::update()
        .table(Jobs::Table)
        .value(Jobs::State, JobState::Running.as_str())
        .value(Jobs::LockedBy, node)
        .value(Jobs::LockedUntil, locked_until)
        .value(Jobs::Attempts, Expr::col(Jobs::Attempts).add(1))
        .and_where(Expr::col(Jobs::Id).in_subquery(lock_free_ids(condition, Some(limit))))
        .returning(Query::returning().columns([
            Jobs::Id,
            Jobs::Kind,
            Jobs::Payload,
            Jobs::Attempts,
            Jobs::MaxAttempts,
        ]))
        .to_owned()
}

/// Fails the jobs whose node vanished during their last allowed attempt, so that a job that
/// takes its node down with it cannot do so forever. Answers their kinds, for the metrics.
pub async fn fail_abandoned(tx: &mut Tx, kinds: &[&str], now: Timestamp) -> Result<Vec<String>> {
    let condition = due(kinds, now)
        .add(Expr::col(Jobs::State).eq(JobState::Running.as_str()))
        .add(Expr::col(Jobs::Attempts).gte(Expr::col(Jobs::MaxAttempts)));
    let rows: Vec<(String,)> = tx
        .fetch_all(
            Query::update()
                .table(Jobs::Table)
                .value(Jobs::State, JobState::Failed.as_str())
                .value(
                    Jobs::LastError,
                    "the node running the last attempt stopped before it finished",
                )
                .value(Jobs::LockedBy, Option::<String>::None)
                .value(Jobs::LockedUntil, Option::<i64>::None)
                .value(Jobs::FinishedAt, now)
                .and_where(Expr::col(Jobs::Id).in_subquery(lock_free_ids(condition, None)))
                .returning(Query::returning().column(Jobs::Kind)),
        )
        .await?;
    Ok(rows.into_iter().map(|(kind,)| kind).collect())
}

/// An update of the one row `node` claimed for `attempt`; it matches nothing once another node
/// has taken the job over (or it was released).
fn fenced(id: JobId, node: &str, attempt: i64) -> UpdateStatement {
    Query::update()
        .table(Jobs::Table)
        .value(Jobs::LockedBy, Option::<String>::None)
        .value(Jobs::LockedUntil, Option::<i64>::None)
        .and_where(Expr::col(Jobs::Id).eq(id))
        .and_where(Expr::col(Jobs::State).eq(JobState::Running.as_str()))
        .and_where(Expr::col(Jobs::LockedBy).eq(node))
        .and_where(Expr::col(Jobs::Attempts).eq(attempt))
        .to_owned()
}

pub async fn mark_done(
    db: &Db,
    id: JobId,
    node: &str,
    attempt: i64,
    now: Timestamp,
) -> Result<u64> {
    db.execute(
        fenced(id, node, attempt)
            .value(Jobs::State, JobState::Done.as_str())
            .value(Jobs::FinishedAt, now),
    )
    .await
}

pub async fn mark_retry(
    db: &Db,
    id: JobId,
    node: &str,
    attempt: i64,
    run_at: Timestamp,
    error: &str,
) -> Result<u64> {
    db.execute(
        fenced(id, node, attempt)
            .value(Jobs::State, JobState::Queued.as_str())
            .value(Jobs::RunAt, run_at)
            .value(Jobs::LastError, error),
    )
    .await
}

pub async fn mark_failed(
    db: &Db,
    id: JobId,
    node: &str,
    attempt: i64,
    now: Timestamp,
    error: &str,
) -> Result<u64> {
    db.execute(
        fenced(id, node, attempt)
            .value(Jobs::State, JobState::Failed.as_str())
            .value(Jobs::LastError, error)
            .value(Jobs::FinishedAt, now),
    )
    .await
}

/// Hands back the jobs `node` is still running, without counting the attempt, so that a node
/// shutting down cleanly does not make them wait out their lease.
pub async fn release_claims(db: &Db, node: &str) -> Result<u64> {
    db.execute(
        Query::update()
            .table(Jobs::Table)
            .value(Jobs::State, JobState::Queued.as_str())
            .value(Jobs::LockedBy, Option::<String>::None)
            .value(Jobs::LockedUntil, Option::<i64>::None)
            .value(Jobs::Attempts, Expr::col(Jobs::Attempts).sub(1))
            .and_where(Expr::col(Jobs::State).eq(JobState::Running.as_str()))
            .and_where(Expr::col(Jobs::LockedBy).eq(node)),
    )
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    pub id: JobId,
    pub kind: String,
    pub payload: String,
    pub unique_key: Option<String>,
    pub state: String,
    pub run_at: i64,
    pub attempts: i64,
    pub max_attempts: i64,
    pub locked_by: Option<String>,
    pub locked_until: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

pub async fn job_by_id(db: &Db, id: JobId) -> Result<Option<JobRow>> {
    db.fetch_optional(
        Query::select()
            .columns([
                Jobs::Id,
                Jobs::Kind,
                Jobs::Payload,
                Jobs::UniqueKey,
                Jobs::State,
                Jobs::RunAt,
                Jobs::Attempts,
                Jobs::MaxAttempts,
                Jobs::LockedBy,
                Jobs::LockedUntil,
                Jobs::LastError,
                Jobs::CreatedAt,
                Jobs::FinishedAt,
            ])
            .from(Jobs::Table)
            .and_where(Expr::col(Jobs::Id).eq(id)),
    )
    .await
}

#[cfg(test)]
mod tests {
    use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    use super::*;

    #[test]
    fn claims_skip_rows_other_nodes_hold_on_postgres_only() {
        let q = claim(&["a.kind"], "n1", Timestamp(10), Timestamp(20), 4);
        let pg = q.to_string(PostgresQueryBuilder);
        assert!(pg.contains("FOR UPDATE SKIP LOCKED"), "{pg}");
        assert!(pg.contains(r#"RETURNING "id", "kind""#), "{pg}");
        let sqlite = q.to_string(SqliteQueryBuilder);
        assert!(!sqlite.contains("FOR UPDATE"), "{sqlite}");
        assert!(sqlite.contains("RETURNING"), "{sqlite}");
    }
}

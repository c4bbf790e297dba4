//! Durable background jobs: work that must happen later, or again until it succeeds, and must
//! survive a restart — digests, webhook deliveries, expiring things.
//!
//! A job is a row in `jobs`, enqueued in the same transaction as the change that calls for it,
//! so the two commit or vanish together. A [`Runner`] on each node claims due jobs of the kinds
//! it has [`JobHandler`]s for, for a lease of `Clock` time; if the node dies, the lease runs out
//! and another node claims the job again. Delivery is therefore at least once: handlers must be
//! idempotent. Everything reads the kernel's `Clock`, so tests move time instead of sleeping.

mod runner;
mod store;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

pub use futures::future::BoxFuture;
pub use runner::{Runner, RunnerOptions, backoff};

use crate::db::{Db, Tx};
use crate::id::JobId;
use crate::{Error, Kernel, Result, Timestamp};

/// Attempts a job gets unless its enqueuer says otherwise: with the backoff that is about four
/// minutes of retrying in all, long enough to ride out a restart of a neighbouring service.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Which handler runs it, e.g. `notifications.digest`.
    pub kind: String,
    pub payload: serde_json::Value,
    /// When it becomes due; `None` means now.
    pub run_at: Option<Timestamp>,
    /// At most one job ever holds a key, whatever its state: enqueueing a taken key does
    /// nothing, which makes "send the digest for week 12" safe to ask for twice.
    pub unique_key: Option<String>,
    pub max_attempts: u32,
}

impl NewJob {
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> Self {
        Self {
            kind: kind.into(),
            payload,
            run_at: None,
            unique_key: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }

    pub fn at(mut self, run_at: Timestamp) -> Self {
        self.run_at = Some(run_at);
        self
    }

    pub fn unique(mut self, key: impl Into<String>) -> Self {
        self.unique_key = Some(key.into());
        self
    }

    /// How many times it may run before it is given up as failed (at least once).
    pub fn attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }
}

/// Enqueues `job` inside the caller's transaction, so it exists only if that commits. Answers
/// `None` when the job's unique key is already taken (nothing is inserted then).
pub async fn enqueue(tx: &mut Tx, now: Timestamp, job: NewJob) -> Result<Option<JobId>> {
    if job.kind.is_empty() {
        return Err(Error::invalid("kind", "a job needs a kind"));
    }
    let id = JobId::new();
    let payload = serde_json::to_string(&job.payload).map_err(Error::internal)?;
    let inserted = store::insert_job(
        tx,
        &store::NewJobRow {
            id,
            kind: &job.kind,
            payload,
            unique_key: job.unique_key.as_deref(),
            run_at: job.run_at.unwrap_or(now),
            max_attempts: job.max_attempts.max(1),
            now,
        },
    )
    .await?;
    Ok(inserted.then_some(id))
}

/// Enqueues `job` in a transaction of its own, for callers with nothing else to write.
pub async fn enqueue_now(kernel: &Kernel, job: NewJob) -> Result<Option<JobId>> {
    let mut tx = kernel.db.begin().await?;
    let id = enqueue(&mut tx, kernel.now(), job).await?;
    tx.commit().await?;
    Ok(id)
}

/// A claimed job, as its handler sees it.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub payload: serde_json::Value,
    /// 1 on the first run, counting runs cut short by a dead node.
    pub attempt: u32,
}

/// Runs the jobs of one kind. An `Err` (or a panic) is a failed attempt: the job is retried
/// with backoff until it runs out of attempts; the message is kept as the job's `last_error`.
pub trait JobHandler: Send + Sync + 'static {
    fn kind(&self) -> &'static str;
    fn run(
        &self,
        kernel: Arc<Kernel>,
        job: Job,
    ) -> BoxFuture<'static, std::result::Result<(), String>>;
}

/// The handlers a runner has, by kind. A runner only claims the kinds it has, so nodes of
/// different versions can share a database while a new kind rolls out.
#[derive(Clone, Default)]
pub struct Handlers(BTreeMap<&'static str, Arc<dyn JobHandler>>);

impl Handlers {
    /// Panics on two handlers for one kind: which of them should run is a wiring mistake.
    pub fn new(handlers: Vec<Arc<dyn JobHandler>>) -> Self {
        let mut map = BTreeMap::new();
        for handler in handlers {
            let kind = handler.kind();
            assert!(
                map.insert(kind, handler).is_none(),
                "two job handlers for the kind {kind}"
            );
        }
        Self(map)
    }

    /// The kinds handled, sorted.
    pub fn kinds(&self) -> Vec<&'static str> {
        self.0.keys().copied().collect()
    }

    pub fn get(&self, kind: &str) -> Option<&Arc<dyn JobHandler>> {
        self.0.get(kind)
    }
}

impl fmt::Debug for Handlers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for its `run_at` (first run or a retry).
    Queued,
    /// Claimed by a node until its lease runs out.
    Running,
    Done,
    /// Out of attempts; `last_error` says why.
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        Ok(match text {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            other => return Err(Error::internal(format!("unknown job state {other}"))),
        })
    }
}

/// Where a job stands, for operators and tests.
#[derive(Debug, Clone)]
pub struct JobStatus {
    pub id: JobId,
    pub kind: String,
    pub payload: serde_json::Value,
    pub unique_key: Option<String>,
    pub state: JobState,
    /// When it is (or was last) due.
    pub run_at: Timestamp,
    /// Runs started so far.
    pub attempts: u32,
    pub max_attempts: u32,
    /// The node running it, while it runs.
    pub locked_by: Option<String>,
    pub locked_until: Option<Timestamp>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

/// A job by id, whatever its state; `None` if it was never committed.
pub async fn status(db: &Db, id: JobId) -> Result<Option<JobStatus>> {
    let Some(row) = store::job_by_id(db, id).await? else {
        return Ok(None);
    };
    Ok(Some(JobStatus {
        id: row.id,
        kind: row.kind,
        payload: serde_json::from_str(&row.payload).map_err(Error::internal)?,
        unique_key: row.unique_key,
        state: JobState::parse(&row.state)?,
        run_at: Timestamp(row.run_at),
        attempts: u32::try_from(row.attempts).unwrap_or(0),
        max_attempts: u32::try_from(row.max_attempts).unwrap_or(0),
        locked_by: row.locked_by,
        locked_until: row.locked_until.map(Timestamp),
        last_error: row.last_error,
        created_at: Timestamp(row.created_at),
        finished_at: row.finished_at.map(Timestamp),
    }))
}

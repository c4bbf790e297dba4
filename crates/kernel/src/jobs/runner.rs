//! The runner: claims due jobs for this node, runs them, and records how each went.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::store::{self, ClaimedRow};
use super::{Handlers, Job};
use crate::{Kernel, Result, Timestamp};

/// The longest wait between two attempts: a job failing for a day is retried hourly, not
/// daily.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// `last_error` keeps this many characters: enough for a message, not for a megabyte dump.
const MAX_ERROR_CHARS: usize = 2000;

#[derive(Debug, Clone)]
pub struct RunnerOptions {
    /// Names this process in `locked_by`; must differ between nodes sharing a database.
    pub node: String,
    /// How long (in `Clock` time) a claim holds before other nodes may take the job over. A
    /// handler that runs longer than this may run twice.
    pub lease: Duration,
    /// Real time between two looks for due jobs while idle.
    pub poll: Duration,
    /// Jobs run at once.
    pub concurrency: usize,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        Self {
            node: default_node_name(),
            lease: Duration::from_secs(60),
            poll: Duration::from_millis(500),
            // Most jobs wait on the network (mail, webhooks), not on the CPU.
            concurrency: 16,
        }
    }
}

/// The host's name and a random suffix, so two processes on one host never share a name.
fn default_node_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".into());
    let id = uuid::Uuid::now_v7().simple().to_string();
    // The tail of a UUIDv7 is random; its head is the clock, shared by processes started together.
    format!("{host}-{}", &id[id.len() - 8..])
}

/// The wait before the attempt after `attempt` failed: 2^attempt seconds, at most an hour,
/// plus up to a tenth more so jobs that failed together do not all come back together.
/// `spread` in [0, 1) picks where in that tenth.
pub fn backoff(attempt: u32, spread: f64) -> Duration {
    let base = 1u64
        .checked_shl(attempt)
        .map_or(MAX_BACKOFF, Duration::from_secs)
        .min(MAX_BACKOFF);
    base + base.mul_f64(0.1 * spread.clamp(0.0, 1.0))
}

/// A random number in [0, 1) for `backoff`; no randomness at all only costs the spread.
fn random_spread() -> f64 {
    let bits = getrandom::u64().unwrap_or(0) >> 11;
    bits as f64 / (1u64 << 53) as f64
}

fn after(t: Timestamp, d: Duration) -> Timestamp {
    Timestamp(t.0.saturating_add(i64::try_from(d.as_micros()).unwrap_or(i64::MAX)))
}

/// What a failed attempt leaves in `last_error`: no NUL (PostgreSQL refuses it in text) and
/// no more than `MAX_ERROR_CHARS`.
fn error_text(error: &str) -> String {
    error
        .replace('\0', "")
        .chars()
        .take(MAX_ERROR_CHARS)
        .collect()
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    format!("the handler panicked: {message}")
}

/// Claims and runs this node's jobs. Tests call [`Runner::run_due`] after moving the clock;
/// servers [`Runner::spawn`] it.
pub struct Runner {
    kernel: Arc<Kernel>,
    handlers: Handlers,
    options: RunnerOptions,
    wake: Arc<Notify>,
}

impl Runner {
    pub fn new(kernel: Arc<Kernel>, handlers: Handlers, options: RunnerOptions) -> Self {
        Self {
            kernel,
            handlers,
            options,
            wake: Arc::new(Notify::new()),
        }
    }

    pub fn node(&self) -> &str {
        &self.options.node
    }

    /// Notify it (`notify_one`) after enqueueing on this node, to run the job now rather than
    /// at the next poll.
    pub fn waker(&self) -> Arc<Notify> {
        Arc::clone(&self.wake)
    }

    /// Claims up to `concurrency` due jobs of the kinds this runner handles, runs them together
    /// and records each outcome; answers how many ran.
    pub async fn run_due(&self) -> Result<usize> {
        let kinds = self.handlers.kinds();
        if kinds.is_empty() || self.options.concurrency == 0 {
            return Ok(0);
        }
        let now = self.kernel.now();
        let limit = u64::try_from(self.options.concurrency).unwrap_or(u64::MAX);
        let mut tx = self.kernel.db.begin().await?;
        let abandoned = store::fail_abandoned(&mut tx, &kinds, now).await?;
        let claimed = store::claim_due(
            &mut tx,
            &kinds,
            &self.options.node,
            now,
            after(now, self.options.lease),
            limit,
        )
        .await?;
        tx.commit().await?;
        for kind in abandoned {
            tracing::warn!(%kind, "a job's node stopped during its last attempt; it failed");
            metrics::counter!("weft_jobs_total", "kind" => kind, "outcome" => "failed")
                .increment(1);
        }
        let ran = claimed.len();
        futures::future::join_all(claimed.into_iter().map(|row| self.run_claimed(row))).await;
        Ok(ran)
    }

    /// Runs one claimed job and records the outcome, fenced by the claim.
    async fn run_claimed(&self, row: ClaimedRow) {
        let attempt = row.attempts;
        let outcome = match (
            self.handlers.get(&row.kind),
            serde_json::from_str(&row.payload),
        ) {
            (Some(handler), Ok(payload)) => {
                let job = Job {
                    id: row.id,
                    kind: row.kind.clone(),
                    payload,
                    attempt: u32::try_from(attempt).unwrap_or(u32::MAX),
                };
                let kernel = Arc::clone(&self.kernel);
                // Inside the async block, so a panic while building the future is caught too.
                AssertUnwindSafe(async move { handler.run(kernel, job).await })
                    .catch_unwind()
                    .await
                    .unwrap_or_else(|panic| Err(panic_message(panic.as_ref())))
            }
            (None, _) => Err(format!("no handler for the kind {}", row.kind)),
            (_, Err(e)) => Err(format!("the payload is not JSON: {e}")),
        };
        let now = self.kernel.now();
        let node = &self.options.node;
        let db = &self.kernel.db;
        let (written, label) = match &outcome {
            Ok(()) => (
                store::mark_done(db, row.id, node, attempt, now).await,
                "done",
            ),
            Err(error) if attempt >= row.max_attempts => {
                tracing::warn!(job = %row.id, kind = %row.kind, attempt, %error, "job failed for good");
                let error = error_text(error);
                (
                    store::mark_failed(db, row.id, node, attempt, now, &error).await,
                    "failed",
                )
            }
            Err(error) => {
                tracing::info!(job = %row.id, kind = %row.kind, attempt, %error, "job failed; will retry");
                let wait = backoff(u32::try_from(attempt).unwrap_or(u32::MAX), random_spread());
                let error = error_text(error);
                let run_at = after(now, wait);
                (
                    store::mark_retry(db, row.id, node, attempt, run_at, &error).await,
                    "retry",
                )
            }
        };
        match written {
            Ok(0) => tracing::info!(job = %row.id, kind = %row.kind,
                "the lease ran out before the job finished; another node owns it now"),
            Ok(_) => metrics::counter!("weft_jobs_total", "kind" => row.kind, "outcome" => label)
                .increment(1),
            // The claim stays; the job runs again once its lease runs out.
            Err(e) => tracing::warn!(job = %row.id, error = %e, "cannot record a job's outcome"),
        }
    }

    /// Runs due jobs until `shutdown`: straight on while there is a full batch, otherwise after
    /// `poll` or a wake-up. On shutdown, jobs still running are abandoned and handed back at
    /// once (not counted as attempts) instead of waiting out their lease.
    pub fn spawn(self, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                let ran = tokio::select! {
                    biased;
                    _ = shutdown.cancelled() => break,
                    ran = self.run_due() => ran,
                };
                let full = match ran {
                    Ok(ran) => ran >= self.options.concurrency,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot claim jobs; retrying");
                        false
                    }
                };
                if full {
                    continue;
                }
                tokio::select! {
                    biased;
                    _ = shutdown.cancelled() => break,
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(self.options.poll) => {}
                }
            }
            if let Err(e) = store::release_claims(&self.kernel.db, &self.options.node).await {
                tracing::warn!(error = %e, "cannot hand back running jobs; they wait out their lease");
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_two_seconds() {
        assert_eq!(backoff(1, 0.0), Duration::from_secs(2));
        assert_eq!(backoff(2, 0.0), Duration::from_secs(4));
        assert_eq!(backoff(3, 0.0), Duration::from_secs(8));
        assert_eq!(backoff(11, 0.0), Duration::from_secs(2048));
    }

    #[test]
    fn backoff_stops_growing_at_an_hour() {
        assert_eq!(backoff(12, 0.0), MAX_BACKOFF);
        assert_eq!(backoff(63, 0.0), MAX_BACKOFF);
        assert_eq!(backoff(64, 0.0), MAX_BACKOFF);
        assert_eq!(backoff(u32::MAX, 0.0), MAX_BACKOFF);
    }

    #[test]
    fn backoff_spreads_by_at_most_a_tenth() {
        assert_eq!(backoff(3, 0.5), Duration::from_millis(8400));
        assert!(backoff(3, 0.999_999) < Duration::from_millis(8800));
        assert!(backoff(u32::MAX, 0.999_999) < MAX_BACKOFF + MAX_BACKOFF / 10);
        // Out-of-range spreads are clamped rather than trusted.
        assert_eq!(backoff(1, -3.0), Duration::from_secs(2));
        assert_eq!(backoff(1, 7.0), Duration::from_millis(2200));
        for _ in 0..100 {
            let spread = random_spread();
            assert!((0.0..1.0).contains(&spread));
        }
    }

    #[test]
    fn error_text_is_bounded_and_has_no_nul() {
        assert_eq!(error_text("a\0b"), "ab");
        assert_eq!(
            error_text(&"é".repeat(5000)).chars().count(),
            MAX_ERROR_CHARS
        );
    }

    #[test]
    fn default_node_names_differ() {
        let (a, b) = (default_node_name(), default_node_name());
        assert_ne!(a, b);
        assert!(!a.is_empty());
    }

    #[test]
    fn a_panic_names_its_message() {
        let caught = std::panic::catch_unwind(|| panic!("boom {}", 7)).unwrap_err();
        assert_eq!(
            panic_message(caught.as_ref()),
            "the handler panicked: boom 7"
        );
        let caught = std::panic::catch_unwind(|| panic!("plain")).unwrap_err();
        assert_eq!(
            panic_message(caught.as_ref()),
            "the handler panicked: plain"
        );
    }
}

//! This node's live view of the log: one task reads new entries in commit order and
//! broadcasts them to whoever listens here (the SSE streams). It wakes when this node commits
//! an activity and, on PostgreSQL, when another node does (LISTEN/NOTIFY is only a wake-up:
//! after it the task re-reads the log from its cursor, so a lost signal delays, never loses).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::db::Db;

use super::log::{self, Entry};
use super::model::Cursor;

/// Entries kept for listeners that fall behind; one that falls further must resync from the
/// log with its last cursor.
const CAPACITY: usize = 4096;
const BATCH: u32 = 500;
/// How long to wait before re-reading when an older transaction holds entries back.
const HELD_BACK_RETRY: Duration = Duration::from_millis(5);
/// A read now and then even without a signal, in case one was lost.
const IDLE_POLL: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct Bus {
    sender: broadcast::Sender<Arc<Entry>>,
}

impl Default for Bus {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
        }
    }
}

impl Bus {
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Entry>> {
        self.sender.subscribe()
    }

    /// Starts reading the log (and, on PostgreSQL, listening for other nodes) until
    /// `shutdown`.
    pub fn spawn(&self, db: Db, shutdown: CancellationToken) -> Vec<JoinHandle<()>> {
        let mut tasks = Vec::new();
        if let Some(pool) = db.postgres_pool() {
            tasks.push(tokio::spawn(listen(
                pool.clone(),
                db.clone(),
                shutdown.clone(),
            )));
        }
        let sender = self.sender.clone();
        tasks.push(tokio::spawn(tail(db, sender, shutdown)));
        tasks
    }
}

async fn tail(db: Db, sender: broadcast::Sender<Arc<Entry>>, shutdown: CancellationToken) {
    let mut signal = db.log_signal().subscribe();
    let mut cursor = loop {
        match log::head(&db).await {
            Ok(c) => break c,
            Err(e) => {
                tracing::warn!(error = %e, "cannot find the end of the activity log; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                    _ = shutdown.cancelled() => return,
                }
            }
        }
    };
    loop {
        let wait = match drain(&db, &sender, &mut cursor).await {
            Ok(true) => HELD_BACK_RETRY,
            Ok(false) => IDLE_POLL,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the activity log; retrying");
                IDLE_POLL
            }
        };
        tokio::select! {
            _ = signal.changed() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.cancelled() => return,
        }
    }
}

/// Broadcasts every readable entry after `cursor`; answers whether some are held back.
async fn drain(
    db: &Db,
    sender: &broadcast::Sender<Arc<Entry>>,
    cursor: &mut Cursor,
) -> crate::Result<bool> {
    loop {
        let entries = log::read_after(db, *cursor, BATCH).await?;
        let full = entries.len() == BATCH as usize;
        for entry in entries {
            *cursor = entry.cursor;
            // No listener is fine: nobody is streaming on this node right now.
            let _ = sender.send(Arc::new(entry));
        }
        if !full {
            return log::held_back(db, *cursor).await;
        }
    }
}

async fn listen(pool: sqlx::PgPool, db: Db, shutdown: CancellationToken) {
    // Even a lost connection may hide a missed signal: read the log either way.
    crate::db::listen(pool, crate::db::LOG_CHANNEL, shutdown, |_| {
        db.log_signal().tick()
    })
    .await
}

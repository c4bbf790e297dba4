//! Live results: a poll's open page hears when its ballots (or its state) change, and fetches
//! its results again — which is where hiding is enforced, so what is pushed is only the poll's
//! id, never a count. On this node a change is a message on one broadcast channel; on
//! PostgreSQL it goes through `NOTIFY` so that pages held by other nodes hear it too.
//! Votes do not go to the activity log: a vote each would fill every member's bell.

use std::convert::Infallible;
use std::sync::OnceLock;
use std::time::Duration;

use axum::response::sse::Event;
use futures::Stream;
use kernel::Kernel;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::sync::CancellationToken;

use crate::model::PollId;

/// The `NOTIFY` channel that carries a changed poll's id between nodes.
const CHANNEL: &str = "weft_decide_poll";
/// Changes kept for a page that falls behind (it then just refreshes).
const CAPACITY: usize = 1024;
/// How long a page's stream gathers changes before it says one: a burst of votes is one
/// refresh, not one each.
const GATHER: Duration = Duration::from_millis(250);

/// The changed polls heard on this node. A process-wide channel: it carries only poll ids,
/// and an id names one poll on any server, so servers sharing a process (the tests) may share
/// it.
pub(crate) fn heard() -> &'static broadcast::Sender<PollId> {
    static HEARD: OnceLock<broadcast::Sender<PollId>> = OnceLock::new();
    HEARD.get_or_init(|| broadcast::channel(CAPACITY).0)
}

/// Says that `poll` changed, once it is committed: here directly on SQLite (one node), to
/// every node through `NOTIFY` on PostgreSQL (this one included, through [`listen`]).
pub(crate) fn changed(k: &Kernel, poll: PollId) {
    match k.db.postgres_pool() {
        None => {
            let _ = heard().send(poll);
        }
        Some(pool) => {
            let pool = pool.clone();
            tokio::spawn(async move {
                let sent = sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(poll.to_string())
                    .execute(&pool)
                    .await;
                if let Err(e) = sent {
                    tracing::warn!(error = %e, "cannot announce a poll's change to other nodes");
                    let _ = heard().send(poll);
                }
            });
        }
    }
}

/// On PostgreSQL, forwards the changes every node announces to this node's pages, until
/// `shutdown`.
pub(crate) async fn listen(pool: sqlx::PgPool, shutdown: CancellationToken) {
    kernel::db::listen(pool, CHANNEL, shutdown, |payload| {
        if let Some(poll) = payload.and_then(|p| p.parse().ok()) {
            let _ = heard().send(poll);
        }
    })
    .await
}

/// The events of one poll's page: `changed` (data: the poll's id) each time the poll changed,
/// gathered over [`GATHER`]; it ends with `shutdown`.
pub(crate) fn follow(
    poll: PollId,
    shutdown: CancellationToken,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let receiver = heard().subscribe();
    futures::stream::unfold(receiver, move |mut receiver| {
        let shutdown = shutdown.clone();
        async move {
            loop {
                tokio::select! {
                    got = receiver.recv() => match got {
                        Ok(p) if p == poll => break,
                        Ok(_) => continue,
                        // Fell behind: this poll may be among what was missed.
                        Err(RecvError::Lagged(_)) => break,
                        Err(RecvError::Closed) => return None,
                    },
                    _ = shutdown.cancelled() => return None,
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(GATHER) => {}
                _ = shutdown.cancelled() => return None,
            }
            while receiver.try_recv().is_ok() {}
            let event = Event::default().event("changed").data(poll.to_string());
            Some((Ok(event), receiver))
        }
    })
}

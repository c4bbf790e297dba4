//! Things that changed, for the pages that show them live: a poll's results, an idea board's
//! wall and ranking. A tool keeps one [`Changes`] per kind of thing (a `static`); a write says
//! `changed(id)` once committed, and each open page's `text/event-stream` (from [`follow`])
//! says `changed` so that the page fetches its part again — where reading is checked, so
//! what is pushed is only the thing's id, never its content. On one node a change is a
//! message on a broadcast channel; on PostgreSQL it goes through `NOTIFY` so that pages held
//! by other nodes hear it too ([`Changes::listen`], started by the tool).
//!
//! [`follow`]: Changes::follow

use std::convert::Infallible;
use std::sync::OnceLock;
use std::time::Duration;

use axum::response::sse::Event;
use futures::Stream;
use kernel::Kernel;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::sync::CancellationToken;

/// Changes kept for a page that falls behind (it then just refreshes).
const CAPACITY: usize = 1024;
/// How long a page's stream gathers changes before it says one: a burst of votes is one
/// refresh, not one each.
const GATHER: Duration = Duration::from_millis(250);

/// The changes of one kind of thing, named by their ids.
pub struct Changes {
    /// The `NOTIFY` channel that carries a changed id between nodes.
    channel: &'static str,
    /// Process-wide: it carries only ids, and an id names one thing on any server, so
    /// servers sharing a process (the tests) may share it.
    heard: OnceLock<broadcast::Sender<String>>,
}

impl Changes {
    pub const fn new(channel: &'static str) -> Self {
        Changes {
            channel,
            heard: OnceLock::new(),
        }
    }

    fn heard(&self) -> &broadcast::Sender<String> {
        self.heard.get_or_init(|| broadcast::channel(CAPACITY).0)
    }

    /// Says that `id` changed, once it is committed: here directly on SQLite (one node), to
    /// every node through `NOTIFY` on PostgreSQL (this one included, through `listen`).
    pub fn changed(&'static self, k: &Kernel, id: impl ToString) {
        let id = id.to_string();
        match k.db.postgres_pool() {
            None => {
                let _ = self.heard().send(id);
            }
            Some(pool) => {
                let pool = pool.clone();
                tokio::spawn(async move {
                    let sent = sqlx::query("SELECT pg_notify($1, $2)")
                        .bind(self.channel)
                        .bind(&id)
                        .execute(&pool)
                        .await;
                    if let Err(e) = sent {
                        tracing::warn!(error = %e, channel = self.channel,
                            "cannot announce a change to other nodes");
                        let _ = self.heard().send(id);
                    }
                });
            }
        }
    }

    /// On PostgreSQL, forwards the changes every node announces to this node's pages, until
    /// `shutdown`.
    pub async fn listen(&'static self, pool: sqlx::PgPool, shutdown: CancellationToken) {
        kernel::db::listen(pool, self.channel, shutdown, |payload| {
            if let Some(id) = payload {
                let _ = self.heard().send(id.to_string());
            }
        })
        .await
    }

    /// The events of one thing's page: `changed` (data: its id) each time it changed,
    /// gathered over a quarter second; it ends with `shutdown`.
    pub fn follow(
        &'static self,
        id: impl ToString,
        shutdown: CancellationToken,
    ) -> impl Stream<Item = Result<Event, Infallible>> + 'static {
        let id = id.to_string();
        let receiver = self.heard().subscribe();
        futures::stream::unfold(receiver, move |mut receiver| {
            let (id, shutdown) = (id.clone(), shutdown.clone());
            async move {
                loop {
                    tokio::select! {
                        got = receiver.recv() => match got {
                            Ok(changed) if changed == id => break,
                            Ok(_) => continue,
                            // Fell behind: this thing may be among what was missed.
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
                let event = Event::default().event("changed").data(id);
                Some((Ok(event), receiver))
            }
        })
    }
}

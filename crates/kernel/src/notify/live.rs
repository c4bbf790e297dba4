//! A person's live feed: what of the log reaches them as it is written — their direct
//! notifications and the activity of their groups — resumable from a log position. The SSE
//! endpoint only frames what this yields.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use crate::activity::bus::Bus;
use crate::activity::log::{self, Entry};
use crate::activity::model::Cursor;
use crate::id::{AccountId, GroupId};
use crate::{Kernel, Result};

use super::model::Level;
use super::store;

/// How many missed entries a reconnecting client is replayed before it is told to reload.
const REPLAY_LIMIT: u32 = 1000;

/// One item for the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveEvent {
    /// `notification` (it names you), `activity` (your group's) or `resync` (you missed too
    /// much: reload, then reconnect without a position).
    pub event: &'static str,
    /// The log position to resume after.
    pub id: Option<String>,
    pub data: String,
}

/// Whose stream this is and which groups reach them.
struct Viewer {
    account: AccountId,
    groups: HashMap<GroupId, Level>,
    /// A group-limited token hears its one group and nothing else.
    only_group: Option<GroupId>,
}

impl Viewer {
    async fn load(k: &Kernel, account: AccountId, only_group: Option<GroupId>) -> Result<Viewer> {
        let groups = store::levels(&k.db, account)
            .await?
            .into_iter()
            .filter(|r| only_group.is_none_or(|g| g == r.group_id))
            .map(|r| {
                (
                    r.group_id,
                    r.level.as_deref().map(Level::parse).unwrap_or_default(),
                )
            })
            .collect();
        Ok(Viewer {
            account,
            groups,
            only_group,
        })
    }

    /// Whether the entry may change which groups reach this person (they joined, left, were
    /// removed, changed their settings…): then they are read again.
    fn touched_by(&self, e: &Entry) -> bool {
        let me = self.account;
        let about_me = e.activity.actor.as_ref().is_some_and(|a| a.id == me)
            || e.activity.to.contains(&me)
            || e.activity.object.id == me.to_string();
        about_me && matches!(e.activity.tool.as_str(), "groups" | "notifications")
    }

    fn event(&self, e: &Entry) -> Option<LiveEvent> {
        if self.only_group.is_some() && e.group() != self.only_group {
            return None;
        }
        let me = self.account;
        let level = e.group().and_then(|g| self.groups.get(&g).copied());
        let by_me = e.activity.actor.as_ref().is_some_and(|a| a.id == me);
        let named = e.activity.to.contains(&me);
        let (event, kind, reason) = if named && !by_me && e.reason.is_some() {
            if level == Some(Level::Mute) {
                return None;
            }
            ("notification", "direct", e.reason.as_deref())
        } else if (!e.activity.restricted && level == Some(Level::All)) || named || by_me {
            ("activity", "group", None)
        } else {
            return None;
        };
        let data = format!(
            r#"{{"id":"{}","kind":"{kind}","reason":{},"read":{by_me},"activity":{}}}"#,
            e.activity.id,
            serde_json::to_string(&reason).unwrap_or_else(|_| "null".into()),
            e.activity_json(),
        );
        Some(LiveEvent {
            event,
            id: Some(e.cursor.to_string()),
            data,
        })
    }
}

/// A live feed; call `next` until it answers `None` (shutdown, or the client must resync).
pub struct LiveFeed {
    kernel: Arc<Kernel>,
    viewer: Viewer,
    receiver: broadcast::Receiver<Arc<Entry>>,
    pending: VecDeque<LiveEvent>,
    last: Option<Cursor>,
    finished: bool,
    shutdown: CancellationToken,
}

impl LiveFeed {
    /// Opens `account`'s feed (of `only_group` alone, for a group-limited token); with `after`,
    /// first replays what they missed since.
    pub async fn open(
        kernel: Arc<Kernel>,
        bus: &Bus,
        account: AccountId,
        only_group: Option<GroupId>,
        after: Option<Cursor>,
        shutdown: CancellationToken,
    ) -> Result<LiveFeed> {
        // Listen before replaying, so nothing falls between the two.
        let receiver = bus.subscribe();
        let mut viewer = Viewer::load(&kernel, account, only_group).await?;
        let mut pending = VecDeque::new();
        let mut finished = false;
        if let Some(after) = after {
            let missed = log::read_after(&kernel.db, after, REPLAY_LIMIT + 1).await?;
            if missed.len() > REPLAY_LIMIT as usize {
                // Start again from now; the client reloads what it shows.
                let head = log::head(&kernel.db).await?;
                pending.push_back(resync(Some(head.to_string())));
                finished = true;
            } else {
                for entry in &missed {
                    if viewer.touched_by(entry) {
                        viewer = Viewer::load(&kernel, account, only_group).await?;
                    }
                    pending.extend(viewer.event(entry));
                }
            }
        }
        // Without a position, the feed starts now: what was written before is not news.
        let last = match after {
            Some(after) => after,
            None => log::head(&kernel.db).await?,
        };
        Ok(LiveFeed {
            kernel,
            viewer,
            receiver,
            pending,
            last: Some(last),
            finished,
            shutdown,
        })
    }

    pub async fn next(&mut self) -> Option<LiveEvent> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                if let Some(id) = &event.id {
                    self.last = id.parse().ok().or(self.last);
                }
                return Some(event);
            }
            if self.finished {
                return None;
            }
            let received = tokio::select! {
                r = self.receiver.recv() => r,
                _ = self.shutdown.cancelled() => return None,
            };
            match received {
                Ok(entry) => {
                    if self.last.is_some_and(|last| entry.cursor <= last) {
                        continue; // already replayed
                    }
                    self.last = Some(entry.cursor);
                    if self.viewer.touched_by(&entry) {
                        let (account, only) = (self.viewer.account, self.viewer.only_group);
                        match Viewer::load(&self.kernel, account, only).await {
                            Ok(v) => self.viewer = v,
                            Err(e) => tracing::warn!(error = %e, "cannot reload a live viewer"),
                        }
                    }
                    if let Some(event) = self.viewer.event(&entry) {
                        return Some(event);
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    // Too slow to keep up: the client reconnects from its last position.
                    self.finished = true;
                    return Some(resync(None));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

fn resync(id: Option<String>) -> LiveEvent {
    LiveEvent {
        event: "resync",
        id,
        data: "{}".into(),
    }
}

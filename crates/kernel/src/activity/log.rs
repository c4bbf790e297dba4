//! Writing to the log, and reading it in commit order from a cursor.

use std::collections::HashMap;

use crate::db::{Db, Tx};
use crate::id::{AccountId, ActivityId};
use crate::notify;
use crate::{Result, Timestamp};

use super::model::*;
use super::store::{self, ActivityRow};

/// Writes `new` in the caller's transaction: one row (plus one per person it names — never
/// one per member of its group), and direct notifications for the people it names.
pub async fn record(tx: &mut Tx, now: Timestamp, new: NewActivity) -> Result<ActivityId> {
    let id = ActivityId::new();
    store::insert(tx, id, &new, now).await?;
    let mut recipients = new.to.clone();
    if let Audience::Accounts { accounts, .. } = &new.audience {
        recipients.extend(accounts.iter().copied());
    }
    recipients.sort();
    recipients.dedup();
    store::insert_recipients(tx, id, &recipients).await?;
    if let Some(reason) = &new.reason {
        let mut to: Vec<AccountId> = new
            .to
            .iter()
            .copied()
            .filter(|a| Some(*a) != new.actor)
            .collect();
        to.sort();
        to.dedup();
        notify::store::insert_direct(tx, id, &to, reason, now).await?;
    }
    tx.wake_log_readers().await?;
    tx.wrote_activities();
    Ok(id)
}

/// An activity read from the log with what its readers need to route it.
#[derive(Debug)]
pub struct Entry {
    pub cursor: Cursor,
    pub activity: Activity,
    /// Why it names the people in `to`, when it notifies them.
    pub reason: Option<String>,
    json: std::sync::OnceLock<String>,
}

impl Entry {
    /// The group it belongs to, if any.
    pub fn group(&self) -> Option<crate::id::GroupId> {
        self.activity.audience.as_ref().map(|a| a.id)
    }

    /// The activity as JSON, serialised once however many streams send it.
    pub fn activity_json(&self) -> &str {
        self.json
            .get_or_init(|| serde_json::to_string(&self.activity).unwrap_or_default())
    }
}

pub(crate) fn activity_of(row: ActivityRow, to: Vec<AccountId>) -> Activity {
    let actor = match (row.actor_id, row.actor_handle) {
        (Some(id), Some(handle)) => Some(ActorRef {
            kind: "Person".into(),
            id,
            name: row.actor_name.unwrap_or_else(|| handle.clone()),
            handle,
        }),
        _ => None,
    };
    let target = match (row.target_type, row.target_id) {
        (Some(kind), Some(id)) => Some(ObjectRef {
            kind,
            id,
            name: None,
        }),
        _ => None,
    };
    Activity {
        context: CONTEXT.into(),
        id: row.id,
        kind: row.kind,
        actor,
        object: ObjectRef {
            kind: row.object_type,
            id: row.object_id,
            name: row.object_name,
        },
        target,
        audience: row.group_id.map(|id| AudienceRef {
            kind: "Group".into(),
            id,
            handle: row.group_handle,
            name: row.group_name,
        }),
        restricted: row.audience != store::AUDIENCE_GROUP,
        to,
        published: Timestamp(row.published),
        tool: row.tool,
        summary: row.summary,
        url: row.url,
        extra: serde_json::from_str(&row.extra).unwrap_or(serde_json::Value::Null),
    }
}

/// An activity with its place in the log and why it notifies its recipients.
pub(crate) struct Logged {
    pub pos: i64,
    pub reason: Option<String>,
    pub activity: Activity,
}

/// Turns rows into activities, loading their recipients in one query.
pub(crate) async fn activities_of(db: &Db, rows: Vec<ActivityRow>) -> Result<Vec<Logged>> {
    let ids: Vec<ActivityId> = rows.iter().map(|r| r.id).collect();
    let mut to: HashMap<ActivityId, Vec<AccountId>> = HashMap::new();
    for (activity, account) in store::recipients(db, &ids).await? {
        to.entry(activity).or_default().push(account);
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let recipients = to.remove(&r.id).unwrap_or_default();
            Logged {
                pos: r.pos,
                reason: r.reason.clone(),
                activity: activity_of(r, recipients),
            }
        })
        .collect())
}

fn entries_of(rows: Vec<Logged>) -> Vec<Entry> {
    rows.into_iter()
        .map(|l| Entry {
            cursor: Cursor {
                pos: l.pos,
                id: l.activity.id.0,
            },
            reason: l.reason,
            activity: l.activity,
            json: std::sync::OnceLock::new(),
        })
        .collect()
}

/// Up to `limit` entries after `cursor`, in commit order, that no transaction still running
/// can precede.
pub async fn read_after(db: &Db, cursor: Cursor, limit: u32) -> Result<Vec<Entry>> {
    let rows = store::log_after(db, cursor, limit).await?;
    Ok(entries_of(activities_of(db, rows).await?))
}

/// Whether entries after `cursor` exist that cannot be read yet because an older
/// transaction is still running (read again shortly).
pub async fn held_back(db: &Db, cursor: Cursor) -> Result<bool> {
    store::held_back(db, cursor).await
}

/// The position a new live reader starts from.
pub async fn head(db: &Db) -> Result<Cursor> {
    store::head(db).await
}

/// A durable consumer's batch: the entries after its cursor, read inside a transaction that
/// holds its cursor locked (so two nodes never take the same batch). Do the work in `tx`,
/// then `advance` and commit: the work and the cursor move together, or neither does.
pub struct Batch {
    pub tx: Tx,
    pub entries: Vec<Entry>,
    name: String,
}

pub async fn claim(db: &Db, name: &str, limit: u32, now: Timestamp) -> Result<Batch> {
    let mut tx = db.begin().await?;
    let cursor = store::lock_consumer(&mut tx, name, now).await?;
    let rows = store::log_after_in(&mut tx, cursor, limit).await?;
    let entries = entries_of(activities_of(db, rows).await?);
    Ok(Batch {
        tx,
        entries,
        name: name.into(),
    })
}

impl Batch {
    /// Moves the consumer's cursor past this batch and commits.
    pub async fn advance(mut self, now: Timestamp) -> Result<()> {
        if let Some(last) = self.entries.last() {
            store::move_consumer(&mut self.tx, &self.name, last.cursor, now).await?;
        }
        self.tx.commit().await
    }
}

//! A person's inbox: list, count, mark read, and how much of each group reaches them.

use crate::activity::log::activity_of;
use crate::activity::{self, Audience, NewActivity, ObjectRef};
use crate::groups::access::load;
use crate::groups::model::GroupSummary;
use crate::id::{AccountId, ActivityId, GroupId};
use crate::page::{Page, PageRequest};
use crate::people::{Actor, Scope};
use crate::policy;
use crate::{Error, Kernel, Result};

use super::model::*;
use super::store::{self, InboxQuery, InboxRow};

/// The group named in a filter or a request, as its id; only groups the caller belongs to
/// (and, for a group-limited token, only its group).
async fn own_group(k: &Kernel, actor: &Actor, key: &str, field: &str) -> Result<GroupId> {
    let group = load(k, Some(actor), key)
        .await
        .map_err(|_| Error::invalid(field, "no such group"))?;
    if group.standing.is_none() {
        return Err(Error::invalid(field, "you are not a member of this group"));
    }
    if policy::confined_to(Some(actor)).is_some_and(|g| g != group.row.id) {
        return Err(Error::invalid(
            field,
            "this token is limited to another group",
        ));
    }
    Ok(group.row.id)
}

/// Per-group counts, kept to a group-limited token's group.
async fn unread_counts(k: &Kernel, actor: &Actor) -> Result<Vec<(Option<GroupId>, i64)>> {
    let mut counts = store::unread_counts(&k.db, actor.account).await?;
    if let Some(only) = policy::confined_to(Some(actor)) {
        counts.retain(|(g, _)| *g == Some(only));
    }
    Ok(counts)
}

pub(crate) fn notification_of(row: InboxRow) -> Notification {
    let read = row.read();
    let reason = row.notice.clone();
    Notification {
        id: row.activity.id,
        kind: if reason.is_some() {
            NotificationKind::Direct
        } else {
            NotificationKind::Group
        },
        reason,
        read,
        // Recipients are not shown in an inbox: the item is about you or your group.
        activity: activity_of(row.activity, Vec::new()),
    }
}

pub async fn list(
    k: &Kernel,
    actor: &Actor,
    filter: &NotificationFilter,
    page: &PageRequest,
) -> Result<Page<Notification>> {
    actor.require(Scope::Read)?;
    let limit = page.limit()?;
    let group = match filter.group.as_deref() {
        Some(key) => Some(own_group(k, actor, key, "group").await?),
        None => policy::confined_to(Some(actor)),
    };
    let query = InboxQuery {
        group,
        tool: filter.tool.clone(),
        unread: filter.unread.unwrap_or(false),
        before: page.after()?,
        since: None,
        limit,
    };
    let rows = store::inbox_page(&k.db, actor.account, &query).await?;
    Ok(Page::from_rows(rows, limit, |r| r.activity.id.0).map(notification_of))
}

/// One person's inbox, for the digest and the live stream.
pub async fn unread_for(k: &Kernel, account: AccountId, limit: u32) -> Result<Vec<Notification>> {
    let query = InboxQuery {
        group: None,
        tool: None,
        unread: true,
        before: None,
        since: None,
        limit,
    };
    let mut rows = store::inbox_page(&k.db, account, &query).await?;
    rows.truncate(limit as usize);
    Ok(rows.into_iter().map(notification_of).collect())
}

pub async fn counts(k: &Kernel, actor: &Actor) -> Result<UnreadCounts> {
    actor.require(Scope::Read)?;
    let per_group = unread_counts(k, actor).await?;
    let names = store::levels(&k.db, actor.account).await?;
    let mut counts = UnreadCounts {
        total: 0,
        personal: 0,
        groups: Vec::new(),
    };
    for (group, unread) in per_group {
        counts.total += unread;
        match group.and_then(|g| names.iter().find(|n| n.group_id == g)) {
            Some(n) => counts.groups.push(GroupUnread {
                group: GroupSummary {
                    id: n.group_id,
                    handle: n.handle.clone(),
                    name: n.name.clone(),
                },
                unread,
            }),
            // A group you have left, or none: it counts as yours.
            None => counts.personal += unread,
        }
    }
    counts
        .groups
        .sort_by(|a, b| a.group.handle.cmp(&b.group.handle));
    Ok(counts)
}

/// How many items the caller has not read (the bell).
pub async fn unread_total(k: &Kernel, actor: &Actor) -> Result<i64> {
    actor.require(Scope::Read)?;
    let per_group = unread_counts(k, actor).await?;
    Ok(per_group.iter().map(|(_, n)| n).sum())
}

pub async fn mark_read(k: &Kernel, actor: &Actor, input: MarkRead) -> Result<UnreadCounts> {
    actor.require(Scope::Write)?;
    let now = k.now();
    match (&input.ids, &input.group, input.up_to, input.all) {
        (Some(ids), None, None, None) => {
            if ids.len() > 1000 {
                return Err(Error::invalid("ids", "at most 1000 at a time"));
            }
            let mut tx = k.db.begin().await?;
            let only = policy::confined_to(Some(actor));
            store::mark_items(&mut tx, actor.account, ids, only, now).await?;
            tx.commit().await?;
        }
        (None, Some(group), Some(up_to), None) => {
            let group = own_group(k, actor, group, "group").await?;
            let mut tx = k.db.begin().await?;
            store::mark_seen(&mut tx, actor.account, Some(group), up_to.0).await?;
            store::mark_direct(&mut tx, actor.account, Some((group, up_to)), now).await?;
            tx.commit().await?;
        }
        (None, None, None, Some(true)) => {
            let mut tx = k.db.begin().await?;
            // A fresh time-ordered id is after every activity written so far.
            let up_to = ActivityId::new();
            match policy::confined_to(Some(actor)) {
                // "All" for a group-limited token is all of its group.
                Some(group) => {
                    store::mark_seen(&mut tx, actor.account, Some(group), up_to.0).await?;
                    store::mark_direct(&mut tx, actor.account, Some((group, up_to)), now).await?;
                }
                None => {
                    store::mark_seen(&mut tx, actor.account, None, up_to.0).await?;
                    store::mark_direct(&mut tx, actor.account, None, now).await?;
                }
            }
            tx.commit().await?;
        }
        _ => {
            return Err(Error::BadRequest(
                "send one of {\"ids\": [...]}, {\"group\": ..., \"up_to\": ...} or {\"all\": true}"
                    .into(),
            ));
        }
    }
    counts(k, actor).await
}

pub async fn settings(k: &Kernel, actor: &Actor) -> Result<NotificationSettings> {
    actor.require(Scope::Read)?;
    policy::span_groups(actor)?;
    let (daily_digest, _) = store::prefs(&k.db, actor.account).await?;
    let groups = store::levels(&k.db, actor.account)
        .await?
        .into_iter()
        .map(|r| GroupSetting {
            group: GroupSummary {
                id: r.group_id,
                handle: r.handle,
                name: r.name,
            },
            level: r.level.as_deref().map(Level::parse).unwrap_or_default(),
        })
        .collect();
    Ok(NotificationSettings {
        daily_digest,
        groups,
    })
}

pub async fn update_settings(
    k: &Kernel,
    actor: &Actor,
    input: SettingsUpdate,
) -> Result<NotificationSettings> {
    actor.require(Scope::Write)?;
    policy::span_groups(actor)?;
    let mut levels = Vec::new();
    for (i, g) in input.groups.iter().flatten().enumerate() {
        levels.push((
            own_group(k, actor, &g.group, &format!("groups/{i}/group")).await?,
            g.level,
        ));
    }
    let mut tx = k.db.begin().await?;
    if let Some(on) = input.daily_digest {
        store::set_digest(&mut tx, actor.account, on).await?;
    }
    for (group, level) in &levels {
        store::set_level(&mut tx, actor.account, *group, *level).await?;
    }
    // A private record, so this person's other devices and streams follow the change.
    activity::record(
        &mut tx,
        k.now(),
        NewActivity::new(
            "Update",
            Some(actor.account),
            ObjectRef::new("weft:NotificationSettings", actor.account, None),
            Audience::Accounts {
                group: None,
                accounts: vec![actor.account],
            },
        )
        .tool("notifications")
        .summary(format!(
            "{} changed their notification settings",
            actor.handle
        )),
    )
    .await?;
    tx.commit().await?;
    settings(k, actor).await
}

/// A new member follows their group's activity in their inbox, in the transaction that makes
/// them a member (the membership's use case asks; the groups' store does not reach here).
pub async fn follow_new_member(
    tx: &mut crate::db::Tx,
    account: crate::id::AccountId,
    group: crate::id::GroupId,
) -> crate::Result<()> {
    super::store::start_following(tx, account, group).await
}

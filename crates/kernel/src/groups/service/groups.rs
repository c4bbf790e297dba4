//! Groups themselves: creating, reading, changing and deleting them, the directory and its
//! cursor, subgroups, and the groups a caller belongs to.

use super::{
    Loaded, facts, group_of, group_ref, in_group, load, load_counted, log, standing_of, view,
};
use crate::activity::{Audience, NewActivity, ObjectRef};
use crate::error::Validation;
use crate::groups::model::*;
use crate::groups::store::{self, GroupRow, Groups};
use crate::id::{AccountId, GroupId};
use crate::page::{Page, PageRequest};
use crate::people::{self, Actor, check_handle};
use crate::policy::{self, Action};
use crate::{Error, Kernel, Result, Timestamp};

pub async fn create_group(k: &Kernel, actor: &Actor, input: NewGroup) -> Result<Group> {
    actor.require(people::Scope::Write)?;
    if actor.group.is_some() {
        return Err(Error::Forbidden(
            "a token limited to one group cannot create groups".into(),
        ));
    }
    let mut v = Validation::new();
    v.check("handle", check_handle(&input.handle));
    let name = check_group_name(&input.name)
        .map_err(|e| v.push("name", e))
        .ok();
    let description = check_description(input.description.as_deref().unwrap_or(""))
        .map_err(|e| v.push("description", e))
        .ok();
    v.finish()?;
    let parent = match &input.parent {
        Some(key) => {
            let parent = load(k, Some(actor), key).await.map_err(|e| match e {
                Error::NotFound(_) => Error::invalid("parent", "no such group"),
                other => other,
            })?;
            parent.authorize(Some(actor), Action::Edit).map_err(|_| {
                Error::Forbidden("only the parent group's admins create its subgroups".into())
            })?;
            Some(parent.row.id)
        }
        None => None,
    };
    let id = GroupId::new();
    let now = k.now();
    let mut tx = k.db.begin().await?;
    store::insert_group(
        &mut tx,
        &store::NewGroupRow {
            id,
            handle: &input.handle,
            name: name.as_deref().unwrap_or_default(),
            description: description.as_deref().unwrap_or_default(),
            visibility: input.visibility.as_str(),
            join_policy: input.join_policy.as_str(),
            parent,
            parent_admins_manage: input.parent_admins_manage,
            now,
        },
    )
    .await?;
    super::admit(&mut tx, id, actor.account, Role::Owner.as_str(), now).await?;
    let name = name.unwrap_or_default();
    let new = NewActivity::new(
        "Create",
        Some(actor.account),
        ObjectRef::new("Group", id, Some(&name)),
        Audience::Group(id),
    )
    .summary(format!("{} created {}", actor.handle, name));
    let new = match parent {
        Some(p) => new.target(ObjectRef::new("Group", p, None)),
        None => new,
    };
    log(k, &mut tx, new).await?;
    tx.commit().await?;
    let loaded = load(k, Some(actor), &id.to_string()).await?;
    view(k, Some(actor), &loaded).await
}

pub async fn get_group(k: &Kernel, actor: Option<&Actor>, key: &str) -> Result<Group> {
    Ok(get_group_loaded(k, actor, key).await?.0)
}

/// The group as the caller sees it, and what the policy knows of it (for pages that ask the
/// policy more than once), in one load.
pub async fn get_group_loaded(
    k: &Kernel,
    actor: Option<&Actor>,
    key: &str,
) -> Result<(Group, Loaded)> {
    let (loaded, count) = load_counted(k, actor, key).await?;
    loaded.authorize(actor, Action::See)?;
    let sees_members = loaded.authorize(actor, Action::ReadMembers).is_ok();
    Ok((group_of(&loaded, sees_members.then_some(count)), loaded))
}

pub async fn update_group(
    k: &Kernel,
    actor: &Actor,
    key: &str,
    input: GroupChanges,
) -> Result<Group> {
    let loaded = load(k, Some(actor), key).await?;
    loaded.authorize(Some(actor), Action::Edit)?;
    let mut v = Validation::new();
    let mut values: Vec<(Groups, sea_query::Value)> = Vec::new();
    if let Some(h) = input.handle {
        v.check("handle", check_handle(&h));
        values.push((Groups::Handle, h.into()));
    }
    if let Some(n) = input.name {
        match check_group_name(&n) {
            Ok(n) => values.push((Groups::Name, n.into())),
            Err(e) => v.push("name", e),
        }
    }
    if let Some(d) = input.description {
        match check_description(&d) {
            Ok(d) => values.push((Groups::Description, d.into())),
            Err(e) => v.push("description", e),
        }
    }
    if let Some(vis) = input.visibility {
        values.push((Groups::Visibility, vis.as_str().into()));
    }
    if let Some(p) = input.join_policy {
        values.push((Groups::JoinPolicy, p.as_str().into()));
    }
    if let Some(m) = input.parent_admins_manage {
        values.push((Groups::ParentAdminsManage, m.into()));
    }
    v.finish()?;
    let mut tx = k.db.begin().await?;
    let changed: Vec<String> = values
        .iter()
        .map(|(c, _)| sea_query::Iden::to_string(c))
        .collect();
    store::update_group(&mut tx, loaded.row.id, values, k.now()).await?;
    let new = in_group("Update", actor, group_ref(&loaded.row), &loaded.row)
        .summary(format!("{} changed {}", actor.handle, loaded.row.name))
        .extra(serde_json::json!({ "changed": changed }));
    log(k, &mut tx, new).await?;
    tx.commit().await?;
    let loaded = load(k, Some(actor), &loaded.row.id.to_string()).await?;
    view(k, Some(actor), &loaded).await
}

/// Deletes a group for good. The owner confirms by repeating the group's handle; a group with
/// subgroups must lose them first.
pub async fn delete_group(
    k: &Kernel,
    actor: &Actor,
    key: &str,
    confirm: Option<&str>,
) -> Result<()> {
    let loaded = load(k, Some(actor), key).await?;
    loaded.authorize(Some(actor), Action::Delete)?;
    if confirm != Some(loaded.row.handle.as_str()) {
        return Err(Error::invalid(
            "confirm",
            format!(
                "repeat the group's handle to confirm: ?confirm={}",
                loaded.row.handle
            ),
        ));
    }
    let mut tx = k.db.begin().await?;
    if store::count_subgroups(&mut tx, loaded.row.id).await? > 0 {
        return Err(Error::Conflict {
            field: None,
            detail: "the group has subgroups; delete or move them first".into(),
        });
    }
    // Its members hear of it, though the group and its log are gone for them.
    let members = store::member_ids(&mut tx, loaded.row.id, false).await?;
    let new = NewActivity::new(
        "Delete",
        Some(actor.account),
        group_ref(&loaded.row),
        Audience::Accounts {
            group: Some(loaded.row.id),
            accounts: members.clone(),
        },
    )
    .notify(members, "group_deleted")
    .summary(format!("{} deleted {}", actor.handle, loaded.row.name));
    log(k, &mut tx, new).await?;
    // Tools may keep what must outlive no group but may never be erased (a ledger's
    // currencies): their tables refuse the delete, and the owner hears why.
    store::delete_group(&mut tx, loaded.row.id)
        .await
        .map_err(|e| match e {
            Error::Conflict { .. } => Error::Conflict {
                field: None,
                detail: "the group keeps records that are never erased (the currencies of its \
                         ledger); it cannot be deleted"
                    .into(),
            },
            other => other,
        })?;
    tx.commit().await
}

/// The directory: groups the caller may see, by handle, optionally searched.
pub async fn list_groups(
    k: &Kernel,
    actor: Option<&Actor>,
    search: Option<&str>,
    page: &PageRequest,
) -> Result<Page<Group>> {
    if let Some(a) = actor {
        a.require(people::Scope::GroupsRead)?;
    }
    let limit = page.limit()?;
    let condition = policy::visible_groups(actor);
    let rows =
        store::list_groups(&k.db, condition, search, None, handle_cursor(page)?, limit).await?;
    page_of_groups(k, actor, rows, limit).await
}

pub async fn subgroups(
    k: &Kernel,
    actor: Option<&Actor>,
    key: &str,
    page: &PageRequest,
) -> Result<Page<Group>> {
    let parent = load(k, actor, key).await?;
    parent.authorize(actor, Action::Read)?;
    let limit = page.limit()?;
    let condition = policy::visible_groups(actor);
    let rows = store::list_groups(
        &k.db,
        condition,
        None,
        Some(parent.row.id),
        handle_cursor(page)?,
        limit,
    )
    .await?;
    page_of_groups(k, actor, rows, limit).await
}

/// Directory pages are ordered by handle; their cursor is the last handle, encoded.
fn handle_cursor(page: &PageRequest) -> Result<Option<String>> {
    use base64::Engine;
    match page.cursor.as_deref() {
        None | Some("") => Ok(None),
        Some(c) => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(c)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .map(Some)
            .ok_or_else(|| Error::BadRequest("cursor is not one this server gave out".into())),
    }
}

async fn page_of_groups(
    k: &Kernel,
    actor: Option<&Actor>,
    mut rows: Vec<GroupRow>,
    limit: u32,
) -> Result<Page<Group>> {
    use base64::Engine;
    use std::collections::HashMap;
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last()
            .map(|r| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&r.handle))
    } else {
        None
    };
    // Two queries for the whole page, not two per group: the caller's roles in these groups
    // (and in their parents, for parent admins) and the member counts.
    let mut ids: Vec<GroupId> = rows.iter().map(|r| r.id).collect();
    ids.extend(
        rows.iter()
            .filter(|r| r.parent_admins_manage)
            .filter_map(|r| r.parent_id),
    );
    let roles: HashMap<GroupId, store::MembershipRow> = match actor {
        Some(a) => store::memberships_among(&k.db, a.account, &ids)
            .await?
            .into_iter()
            .map(|r| {
                (
                    r.group_id,
                    store::MembershipRow {
                        role: r.role,
                        permissions: r.permissions,
                    },
                )
            })
            .collect(),
        None => HashMap::new(),
    };
    let counts: HashMap<GroupId, i64> = store::member_counts(&k.db, &ids[..rows.len()])
        .await?
        .into_iter()
        .collect();
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let parent = row
            .parent_id
            .and_then(|p| standing_of(roles.get(&p).cloned()));
        let standing = policy::standing_in(
            standing_of(roles.get(&row.id).cloned()),
            parent.as_ref(),
            row.parent_admins_manage,
        );
        let loaded = Loaded {
            facts: facts(&row),
            row,
            standing,
        };
        let mut group = group_of(&loaded, None);
        if loaded.authorize(actor, Action::ReadMembers).is_ok() {
            group.member_count = Some(counts.get(&loaded.row.id).copied().unwrap_or(0));
        }
        items.push(group);
    }
    Ok(Page { items, next_cursor })
}

/// The groups the caller belongs to, with their role in each, by name (the group switcher).
pub async fn groups_of(k: &Kernel, actor: &Actor) -> Result<Vec<OwnGroup>> {
    actor.require(people::Scope::GroupsRead)?;
    Ok(store::groups_of(&k.db, actor.account)
        .await?
        .into_iter()
        .map(|r| OwnGroup {
            group: GroupSummary {
                id: r.id,
                handle: r.handle,
                name: r.name,
            },
            role: r.role,
        })
        .collect())
}

/// The groups the caller and `other` both belong to, with when `other` joined each (a
/// profile's "groups in common": the caller is in them, so nothing private is told).
pub async fn groups_in_common(
    k: &Kernel,
    actor: &Actor,
    other: AccountId,
) -> Result<Vec<(GroupSummary, Timestamp)>> {
    actor.require(people::Scope::GroupsRead)?;
    let (mine, theirs) = tokio::try_join!(
        store::groups_of(&k.db, actor.account),
        store::groups_of(&k.db, other),
    )?;
    Ok(theirs
        .into_iter()
        .filter(|t| mine.iter().any(|m| m.id == t.id))
        .map(|t| {
            (
                GroupSummary {
                    id: t.id,
                    handle: t.handle,
                    name: t.name,
                },
                Timestamp(t.joined_at),
            )
        })
        .collect())
}

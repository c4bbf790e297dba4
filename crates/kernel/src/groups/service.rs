//! Groups' use cases. Every one loads the facts, asks `policy::authorize`, then acts in one
//! transaction.

use std::collections::BTreeSet;

use crate::activity::{self, Audience, NewActivity, ObjectRef};
use crate::error::Validation;
use crate::groups::model::*;
use crate::groups::store::{self, GroupRow, Groups, InvitationRow, JoinRequestRow, MemberRow};
use crate::id::{AccountId, GroupId, InvitationId, JoinRequestId};
use crate::mail::Mail;
use crate::page::{Page, PageRequest};
use crate::people::secrets::{SecretKind, hash_secret, new_secret};
use crate::people::{self, Actor, check_handle, clean_email};
use crate::policy::{self, AccountAction, Action, GroupFacts, Standing};
use crate::tool::ToolManifest;
use crate::{Error, Kernel, Result, Timestamp};

const DEFAULT_INVITATION_TTL_S: i64 = 14 * 24 * 3600;

fn group_ref(row: &GroupRow) -> ObjectRef {
    ObjectRef::new("Group", row.id, Some(&row.name))
}

fn person_ref(id: AccountId, handle: &str) -> ObjectRef {
    ObjectRef::new("Person", id, Some(handle))
}

/// Writes a group's activity in the caller's transaction.
async fn log(k: &Kernel, tx: &mut crate::db::Tx, new: NewActivity) -> Result<()> {
    activity::record(tx, k.now(), new).await.map(|_| ())
}

/// An activity every reader of the group sees.
fn in_group(kind: &str, actor: &Actor, object: ObjectRef, group: &GroupRow) -> NewActivity {
    NewActivity::new(kind, Some(actor.account), object, Audience::Group(group.id))
}

/// A group with what the policy needs: its facts and the actor's standing in it.
pub struct Loaded {
    pub row: GroupRow,
    pub facts: GroupFacts,
    pub standing: Option<Standing>,
}

impl Loaded {
    pub fn authorize(&self, actor: Option<&Actor>, action: Action) -> Result<()> {
        policy::authorize(actor, self.standing.as_ref(), action, &self.facts)
    }
}

fn facts(row: &GroupRow) -> GroupFacts {
    GroupFacts {
        id: row.id,
        visibility: row.visibility.parse().unwrap_or(Visibility::Secret),
    }
}

fn standing_of(m: Option<store::MembershipRow>) -> Option<Standing> {
    m.map(|m| {
        let custom = m
            .permissions
            .as_deref()
            .map(parse_permission_text)
            .unwrap_or_default();
        Standing::new(Role::parse(&m.role), &custom)
    })
}

/// The actor's standing in a group: their own role, or admin through the parent group when
/// the subgroup lets the parent's admins manage it.
async fn standing(
    k: &Kernel,
    row: &GroupRow,
    own: Option<Standing>,
    actor: Option<&Actor>,
) -> Result<Option<Standing>> {
    let Some(actor) = actor else { return Ok(None) };
    if own.as_ref().is_some_and(Standing::is_admin) || !row.parent_admins_manage {
        return Ok(own);
    }
    let Some(parent) = row.parent_id else {
        return Ok(own);
    };
    let via_parent = standing_of(store::membership(&k.db, parent, actor.account).await?);
    if via_parent.as_ref().is_some_and(Standing::is_admin) {
        return Ok(Some(Standing::new(Role::Admin, &BTreeSet::new())));
    }
    Ok(own)
}

pub async fn load(k: &Kernel, actor: Option<&Actor>, key: &str) -> Result<Loaded> {
    Ok(load_counted(k, actor, key).await?.0)
}

/// Loads a group, the caller's standing and its member count in one query (plus one for a
/// parent's admins).
async fn load_counted(k: &Kernel, actor: Option<&Actor>, key: &str) -> Result<(Loaded, i64)> {
    let found = store::group_with_standing(&k.db, key, actor.map(|a| a.account))
        .await?
        .ok_or(Error::NotFound("group"))?;
    let own = found.role.map(|role| store::MembershipRow {
        role,
        permissions: found.permissions,
    });
    let standing = standing(k, &found.group, standing_of(own), actor).await?;
    let row = found.group;
    Ok((
        Loaded {
            facts: facts(&row),
            row,
            standing,
        },
        found.member_count,
    ))
}

async fn view(k: &Kernel, actor: Option<&Actor>, loaded: &Loaded) -> Result<Group> {
    let sees_members = loaded.authorize(actor, Action::ReadMembers).is_ok();
    let member_count = if sees_members {
        Some(store::count_members(&k.db, loaded.row.id).await?)
    } else {
        None
    };
    Ok(group_of(loaded, member_count))
}

fn group_of(loaded: &Loaded, member_count: Option<i64>) -> Group {
    let row = &loaded.row;
    Group {
        id: row.id,
        handle: row.handle.clone(),
        name: row.name.clone(),
        description: row.description.clone(),
        visibility: facts(row).visibility,
        join_policy: row.join_policy.parse().unwrap_or(JoinPolicy::Invite),
        parent: row.parent_id,
        parent_admins_manage: row.parent_admins_manage,
        member_count,
        your_role: loaded.standing.as_ref().map(|s| s.role.to_string()),
        created_at: Timestamp(row.created_at),
    }
}

fn summary(row: &GroupRow) -> GroupSummary {
    GroupSummary {
        id: row.id,
        handle: row.handle.clone(),
        name: row.name.clone(),
    }
}

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
    store::insert_membership(&mut tx, id, actor.account, Role::Owner.as_str(), now).await?;
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
        let mut standing = standing_of(roles.get(&row.id).cloned());
        if row.parent_admins_manage
            && !standing.as_ref().is_some_and(Standing::is_admin)
            && row
                .parent_id
                .and_then(|p| standing_of(roles.get(&p).cloned()))
                .is_some_and(|s| s.is_admin())
        {
            standing = Some(Standing::new(Role::Admin, &BTreeSet::new()));
        }
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

fn member_of(r: MemberRow) -> Member {
    Member {
        account: MemberAccount {
            id: r.id,
            handle: r.handle,
            display_name: r.display_name,
        },
        role: r.role,
        joined_at: Timestamp(r.joined_at),
    }
}

pub async fn members(
    k: &Kernel,
    actor: Option<&Actor>,
    key: &str,
    page: &PageRequest,
) -> Result<Page<Member>> {
    let loaded = load(k, actor, key).await?;
    loaded.authorize(actor, Action::ReadMembers)?;
    let limit = page.limit()?;
    let rows = store::members(&k.db, loaded.row.id, page.after()?, limit).await?;
    Ok(Page::from_rows(rows, limit, |r| r.id.0).map(member_of))
}

/// Joins an open group at once, or asks to join one that takes requests.
pub async fn join(k: &Kernel, actor: &Actor, key: &str, input: JoinInput) -> Result<Joined> {
    let loaded = load(k, Some(actor), key).await?;
    loaded.authorize(Some(actor), Action::Join)?;
    policy::authorize_account(actor, AccountAction::Change)?;
    if loaded.standing.is_some()
        && store::membership(&k.db, loaded.row.id, actor.account)
            .await?
            .is_some()
    {
        return Err(Error::Conflict {
            field: None,
            detail: "you are already a member".into(),
        });
    }
    let message = input.message.unwrap_or_default();
    let message = check_description(&message).map_err(|e| Error::invalid("message", e))?;
    if message.chars().count() > 1000 {
        return Err(Error::invalid("message", "at most 1000 characters"));
    }
    let now = k.now();
    let mut tx = k.db.begin().await?;
    match loaded.row.join_policy.parse().unwrap_or(JoinPolicy::Invite) {
        JoinPolicy::Open => {
            store::insert_membership(&mut tx, loaded.row.id, actor.account, "member", now).await?;
            let row = store::member_in(&mut tx, loaded.row.id, actor.account)
                .await?
                .ok_or(Error::NotFound("member"))?;
            let new = in_group("Join", actor, group_ref(&loaded.row), &loaded.row)
                .summary(format!("{} joined {}", actor.handle, loaded.row.name));
            log(k, &mut tx, new).await?;
            tx.commit().await?;
            Ok(Joined::Member(member_of(row)))
        }
        JoinPolicy::Request => {
            let id = JoinRequestId::new();
            store::insert_join_request(
                &mut tx,
                id,
                loaded.row.id,
                actor.account,
                message.trim(),
                now,
            )
            .await
            .map_err(|e| match e {
                Error::Conflict { .. } => Error::Conflict {
                    field: None,
                    detail: "you have already asked to join; an admin will answer".into(),
                },
                other => other,
            })?;
            let row = store::join_request_in(&mut tx, id)
                .await?
                .ok_or(Error::NotFound("join request"))?;
            let admins = store::member_ids(&mut tx, loaded.row.id, true).await?;
            let new = in_group(
                "weft:JoinRequest",
                actor,
                ObjectRef::new("weft:JoinRequest", id, None),
                &loaded.row,
            )
            .target(group_ref(&loaded.row))
            .notify(admins, "join_request")
            .summary(format!(
                "{} asked to join {}",
                actor.handle, loaded.row.name
            ));
            log(k, &mut tx, new).await?;
            tx.commit().await?;
            Ok(Joined::Requested(join_request_of(row)))
        }
        JoinPolicy::Invite => Err(Error::Forbidden("this group is by invitation only".into())),
    }
}

async fn account_key(k: &Kernel, key: &str) -> Result<AccountId> {
    people::profile(k, key)
        .await
        .map(|p| p.id)
        .map_err(|e| match e {
            Error::NotFound(_) => Error::NotFound("account"),
            other => other,
        })
}

/// Changes a member's role. Only the owner changes who is an admin; ownership moves only
/// through `hand_over`.
pub async fn change_role(
    k: &Kernel,
    actor: &Actor,
    key: &str,
    account: &str,
    input: RoleChange,
) -> Result<Member> {
    let loaded = load(k, Some(actor), key).await?;
    loaded.authorize(Some(actor), Action::ManageMembers)?;
    let target = account_key(k, account).await?;
    let role = Role::parse(&input.role);
    let mut tx = k.db.begin().await?;
    let current = store::member_in(&mut tx, loaded.row.id, target)
        .await?
        .ok_or(Error::NotFound("member"))?;
    let is_owner = loaded
        .standing
        .as_ref()
        .is_some_and(|s| s.role == Role::Owner);
    match (&role, Role::parse(&current.role)) {
        (Role::Owner, _) => {
            return Err(Error::invalid(
                "role",
                "hand ownership over with POST /api/v1/groups/{group}/owner",
            ));
        }
        (_, Role::Owner) => {
            return Err(Error::Conflict {
                field: Some("role".into()),
                detail: "the owner's role changes only by handing ownership over".into(),
            });
        }
        (Role::Admin, _) | (_, Role::Admin) if !is_owner => {
            return Err(Error::Forbidden(
                "only the owner makes or unmakes admins".into(),
            ));
        }
        (Role::Custom(name), _) if !store::role_exists(&mut tx, loaded.row.id, name).await? => {
            return Err(Error::invalid(
                "role",
                format!("the group has no role {name:?}"),
            ));
        }
        _ => {}
    }
    // Neither the role given nor the one taken away may carry more than the caller holds.
    for carried in [&role, &Role::parse(&current.role)] {
        let permissions = role_permissions(&mut tx, loaded.row.id, carried).await?;
        policy::may_hand_out(loaded.standing.as_ref(), &permissions)?;
    }
    store::set_role(&mut tx, loaded.row.id, target, role.as_str()).await?;
    let row = store::member_in(&mut tx, loaded.row.id, target)
        .await?
        .ok_or(Error::NotFound("member"))?;
    let new = in_group(
        "weft:RoleChanged",
        actor,
        person_ref(target, &row.handle),
        &loaded.row,
    )
    .target(group_ref(&loaded.row))
    .notify([target], "role_changed")
    .summary(format!(
        "{} made {} {} of {}",
        actor.handle,
        row.handle,
        role.as_str(),
        loaded.row.name
    ))
    .extra(serde_json::json!({ "role": role.as_str(), "previous": current.role }));
    log(k, &mut tx, new).await?;
    tx.commit().await?;
    Ok(member_of(row))
}

/// Removes a member, or lets a member leave. The owner cannot leave before handing over;
/// only the owner removes admins.
pub async fn remove_member(k: &Kernel, actor: &Actor, key: &str, account: &str) -> Result<()> {
    let loaded = load(k, Some(actor), key).await?;
    let target = account_key(k, account).await?;
    let leaving = target == actor.account;
    if !leaving {
        loaded.authorize(Some(actor), Action::ManageMembers)?;
    } else {
        loaded.authorize(Some(actor), Action::See)?;
        policy::authorize_account(actor, AccountAction::Change)?;
    }
    let mut tx = k.db.begin().await?;
    let current = store::member_in(&mut tx, loaded.row.id, target)
        .await?
        .ok_or(Error::NotFound("member"))?;
    match Role::parse(&current.role) {
        Role::Owner => {
            return Err(Error::Conflict {
                field: None,
                detail: "the owner cannot leave or be removed; hand ownership over first".into(),
            });
        }
        Role::Admin
            if !leaving
                && loaded
                    .standing
                    .as_ref()
                    .is_none_or(|s| s.role != Role::Owner) =>
        {
            return Err(Error::Forbidden("only the owner removes admins".into()));
        }
        _ => {}
    }
    if !leaving {
        // Nobody removes a member whose role carries more than their own.
        let permissions =
            role_permissions(&mut tx, loaded.row.id, &Role::parse(&current.role)).await?;
        policy::may_hand_out(loaded.standing.as_ref(), &permissions)?;
    }
    store::delete_membership(&mut tx, loaded.row.id, target).await?;
    let new = if leaving {
        in_group("Leave", actor, group_ref(&loaded.row), &loaded.row)
            .summary(format!("{} left {}", actor.handle, loaded.row.name))
    } else {
        in_group(
            "Remove",
            actor,
            person_ref(target, &current.handle),
            &loaded.row,
        )
        .target(group_ref(&loaded.row))
        .notify([target], "removed")
        .summary(format!(
            "{} removed {} from {}",
            actor.handle, current.handle, loaded.row.name
        ))
    };
    log(k, &mut tx, new).await?;
    tx.commit().await
}

/// Hands ownership to another member; the old owner stays as an admin.
pub async fn hand_over(k: &Kernel, actor: &Actor, key: &str, input: OwnerChange) -> Result<Member> {
    let loaded = load(k, Some(actor), key).await?;
    loaded.authorize(Some(actor), Action::HandOver)?;
    let target = account_key(k, &input.account)
        .await
        .map_err(|_| Error::invalid("account", "the new owner must be a member"))?;
    let mut tx = k.db.begin().await?;
    store::member_in(&mut tx, loaded.row.id, target)
        .await?
        .ok_or_else(|| Error::invalid("account", "the new owner must be a member"))?;
    if target != actor.account {
        // Demote first: the database allows one owner per group at any instant.
        store::set_role(&mut tx, loaded.row.id, actor.account, Role::Admin.as_str()).await?;
        store::set_role(&mut tx, loaded.row.id, target, Role::Owner.as_str()).await?;
    }
    let row = store::member_in(&mut tx, loaded.row.id, target)
        .await?
        .ok_or(Error::NotFound("member"))?;
    if target != actor.account {
        let new = in_group(
            "weft:OwnershipTransferred",
            actor,
            person_ref(target, &row.handle),
            &loaded.row,
        )
        .target(group_ref(&loaded.row))
        .notify([target], "ownership")
        .summary(format!(
            "{} handed {} over to {}",
            actor.handle, loaded.row.name, row.handle
        ));
        log(k, &mut tx, new).await?;
    }
    tx.commit().await?;
    Ok(member_of(row))
}

fn built_in_roles() -> Vec<CustomRole> {
    let all: Vec<String> = Permission::MANAGED.iter().map(|p| p.as_str()).collect();
    vec![
        CustomRole {
            name: "owner".into(),
            permissions: all.clone(),
            built_in: true,
        },
        CustomRole {
            name: "admin".into(),
            permissions: all,
            built_in: true,
        },
        CustomRole {
            name: "member".into(),
            permissions: vec!["post".into()],
            built_in: true,
        },
    ]
}

pub async fn roles(k: &Kernel, actor: Option<&Actor>, key: &str) -> Result<Vec<CustomRole>> {
    let loaded = load(k, actor, key).await?;
    loaded.authorize(actor, Action::ReadMembers)?;
    let mut all = built_in_roles();
    for r in store::roles(&k.db, loaded.row.id).await? {
        all.push(CustomRole {
            name: r.name,
            permissions: r
                .permissions
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            built_in: false,
        });
    }
    Ok(all)
}

fn checked_permissions(k: &Kernel, list: &[String]) -> Result<BTreeSet<Permission>> {
    let permissions = parse_permissions(list).map_err(|e| Error::invalid("permissions", e))?;
    for p in &permissions {
        if let Permission::Tool(name) = p {
            let tool = name.split(':').nth(1).unwrap_or_default();
            if k.tools.get(tool).is_none() {
                return Err(Error::invalid(
                    "permissions",
                    format!("no tool named {tool:?}"),
                ));
            }
        }
    }
    Ok(permissions)
}

pub async fn create_role(
    k: &Kernel,
    actor: &Actor,
    key: &str,
    input: RoleInput,
) -> Result<CustomRole> {
    let loaded = load(k, Some(actor), key).await?;
    loaded.authorize(Some(actor), Action::ManageRoles)?;
    check_role_name(&input.name).map_err(|e| Error::invalid("name", e))?;
    let permissions = checked_permissions(k, &input.permissions)?;
    policy::may_hand_out(loaded.standing.as_ref(), &permissions)?;
    let mut tx = k.db.begin().await?;
    store::insert_role(
        &mut tx,
        loaded.row.id,
        &input.name,
        &permissions_text(&permissions),
        k.now(),
    )
    .await
    .map_err(|e| match e {
        Error::Conflict { .. } => {
            Error::conflict("name", "the group already has a role of that name")
        }
        other => other,
    })?;
    let new = in_group(
        "Create",
        actor,
        ObjectRef::new("weft:Role", &input.name, Some(&input.name)),
        &loaded.row,
    )
    .target(group_ref(&loaded.row))
    .summary(format!(
        "{} created the role {} in {}",
        actor.handle, input.name, loaded.row.name
    ));
    log(k, &mut tx, new).await?;
    tx.commit().await?;
    Ok(CustomRole {
        name: input.name,
        permissions: permissions.iter().map(|p| p.as_str()).collect(),
        built_in: false,
    })
}

pub async fn update_role(
    k: &Kernel,
    actor: &Actor,
    key: &str,
    name: &str,
    input: RoleUpdate,
) -> Result<CustomRole> {
    let loaded = load(k, Some(actor), key).await?;
    loaded.authorize(Some(actor), Action::ManageRoles)?;
    if matches!(name, "owner" | "admin" | "member") {
        return Err(Error::Forbidden("built-in roles cannot be changed".into()));
    }
    let existing = store::roles(&k.db, loaded.row.id)
        .await?
        .into_iter()
        .find(|r| r.name == name)
        .ok_or(Error::NotFound("role"))?;
    let new_name = input.name.unwrap_or_else(|| name.to_string());
    check_role_name(&new_name).map_err(|e| Error::invalid("name", e))?;
    // Nobody edits a role above their own, nor raises one above it.
    let held = parse_permission_text(&existing.permissions);
    policy::may_hand_out(loaded.standing.as_ref(), &held)?;
    let permissions = match input.permissions {
        Some(list) => checked_permissions(k, &list)?,
        None => held,
    };
    policy::may_hand_out(loaded.standing.as_ref(), &permissions)?;
    let mut tx = k.db.begin().await?;
    store::update_role(
        &mut tx,
        loaded.row.id,
        name,
        &new_name,
        &permissions_text(&permissions),
    )
    .await
    .map_err(|e| match e {
        Error::Conflict { .. } => {
            Error::conflict("name", "the group already has a role of that name")
        }
        other => other,
    })?;
    if new_name != name {
        store::rename_role_holders(&mut tx, loaded.row.id, name, &new_name).await?;
    }
    let new = in_group(
        "Update",
        actor,
        ObjectRef::new("weft:Role", &new_name, Some(&new_name)),
        &loaded.row,
    )
    .target(group_ref(&loaded.row))
    .summary(format!(
        "{} changed the role {} in {}",
        actor.handle, new_name, loaded.row.name
    ));
    log(k, &mut tx, new).await?;
    tx.commit().await?;
    Ok(CustomRole {
        name: new_name,
        permissions: permissions.iter().map(|p| p.as_str()).collect(),
        built_in: false,
    })
}

/// Deletes a custom role; its holders become plain members.
pub async fn delete_role(k: &Kernel, actor: &Actor, key: &str, name: &str) -> Result<()> {
    let loaded = load(k, Some(actor), key).await?;
    loaded.authorize(Some(actor), Action::ManageRoles)?;
    if matches!(name, "owner" | "admin" | "member") {
        return Err(Error::Forbidden("built-in roles cannot be deleted".into()));
    }
    let mut tx = k.db.begin().await?;
    let Some(held) = store::role_permissions(&mut tx, loaded.row.id, name).await? else {
        return Err(Error::NotFound("role"));
    };
    policy::may_hand_out(loaded.standing.as_ref(), &parse_permission_text(&held))?;
    store::delete_role(&mut tx, loaded.row.id, name).await?;
    store::rename_role_holders(&mut tx, loaded.row.id, name, "member").await?;
    let new = in_group(
        "Delete",
        actor,
        ObjectRef::new("weft:Role", name, Some(name)),
        &loaded.row,
    )
    .target(group_ref(&loaded.row))
    .summary(format!(
        "{} deleted the role {} in {}",
        actor.handle, name, loaded.row.name
    ));
    log(k, &mut tx, new).await?;
    tx.commit().await
}

/// An invitation as the API shows it. `link` is the page with the link's secret, known only
/// when the invitation is made; an account's invitation has a page of its own.
fn invitation_of(
    k: &Kernel,
    group: &GroupRow,
    r: InvitationRow,
    secret: Option<String>,
) -> Invitation {
    let url = match (&secret, r.account_id) {
        (Some(secret), _) => Some(k.link(&format!("/join/{secret}"))),
        (None, Some(_)) => Some(k.link(&format!("/invitations/{}", r.id))),
        (None, None) => None,
    };
    Invitation {
        url,
        token: secret,
        id: r.id,
        group: summary(group),
        account: r.account_id,
        email: r.email,
        role: r.role,
        max_uses: r.max_uses,
        uses: r.uses,
        expires_at: r.expires_at.map(Timestamp),
        status: r.status,
        invited_by: r.invited_by,
        created_at: Timestamp(r.created_at),
    }
}

/// The permissions a role of the group carries (none for a role it does not have).
async fn role_permissions(
    tx: &mut crate::db::Tx,
    group: GroupId,
    role: &Role,
) -> Result<BTreeSet<Permission>> {
    // What a built-in role carries is the policy's to say (`Standing::new`).
    let custom = match role {
        Role::Custom(name) => store::role_permissions(tx, group, name)
            .await?
            .map(|text| parse_permission_text(&text))
            .unwrap_or_default(),
        _ => BTreeSet::new(),
    };
    Ok(Standing::new(role.clone(), &custom).permissions)
}

fn parse_permission_text(text: &str) -> BTreeSet<Permission> {
    text.split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Invites a person, an address (by mail) or — with neither — makes a shareable link. Nobody
/// invites into a role carrying permissions they do not hold.
pub async fn invite(
    k: &Kernel,
    actor: &Actor,
    key: &str,
    input: InvitationInput,
) -> Result<Invitation> {
    let loaded = load(k, Some(actor), key).await?;
    loaded.authorize(Some(actor), Action::Invite)?;
    let mut v = Validation::new();
    let role = input.role.clone().unwrap_or_else(|| "member".into());
    let is_owner = loaded
        .standing
        .as_ref()
        .is_some_and(|s| s.role == Role::Owner);
    match Role::parse(&role) {
        Role::Owner => v.push("role", "nobody is invited as owner"),
        Role::Admin if !is_owner => v.push("role", "only the owner invites admins"),
        _ => {}
    }
    if input.account.is_some() && input.email.is_some() {
        v.push("email", "invite a person or an address, not both");
    }
    let email = match input.email.as_deref().map(clean_email) {
        Some(Ok(e)) => Some(e),
        Some(Err(e)) => {
            v.push("email", e);
            None
        }
        None => None,
    };
    let expires_in = input.expires_in.unwrap_or(DEFAULT_INVITATION_TTL_S);
    if !(60..=366 * 24 * 3600).contains(&expires_in) {
        v.push("expires_in", "must be between 60 seconds and 366 days");
    }
    if let Some(n) = input.max_uses
        && !(1..=100_000).contains(&n)
    {
        v.push("max_uses", "must be between 1 and 100000");
    }
    v.finish()?;
    if email.is_some() {
        // Mail goes to strangers' mailboxes: a group admin sends only so much of it.
        k.invitation_mail_limiter
            .attempt(&[format!("invite-mail:{}", actor.account)], k.now())
            .map_err(|retry_after_s| Error::RateLimited { retry_after_s })?;
    }
    let account = match &input.account {
        Some(a) => Some(
            account_key(k, a)
                .await
                .map_err(|_| Error::invalid("account", "no such account"))?,
        ),
        None => None,
    };
    let now = k.now();
    let mut tx = k.db.begin().await?;
    let parsed = Role::parse(&role);
    if let Role::Custom(name) = &parsed
        && !store::role_exists(&mut tx, loaded.row.id, name).await?
    {
        return Err(Error::invalid(
            "role",
            format!("the group has no role {name:?}"),
        ));
    }
    let carries = role_permissions(&mut tx, loaded.row.id, &parsed).await?;
    policy::may_hand_out(loaded.standing.as_ref(), &carries)?;
    if let Some(a) = account
        && store::membership_in(&mut tx, loaded.row.id, a)
            .await?
            .is_some()
    {
        return Err(Error::conflict("account", "already a member"));
    }
    let personal = account.is_some() || email.is_some();
    // Only an account's invitation goes without a secret: that account alone may accept it.
    let secret = account
        .is_none()
        .then(|| new_secret(SecretKind::Invitation));
    let row = InvitationRow {
        id: InvitationId::new(),
        group_id: loaded.row.id,
        invited_by: actor.account,
        account_id: account,
        email: email.clone(),
        role,
        max_uses: if personal { Some(1) } else { input.max_uses },
        uses: 0,
        expires_at: Some(now.plus_seconds(expires_in).0),
        status: "open".into(),
        created_at: now.0,
    };
    store::insert_invitation(&mut tx, &row, secret.as_ref().map(|s| s.hash.as_slice())).await?;
    // The activity names the invitation, never its secret or an address.
    let (object, whom) = match (&input.account, account) {
        (Some(handle), Some(id)) => (person_ref(id, handle), format!("invited {handle} to")),
        _ if email.is_some() => (
            ObjectRef::new("weft:Invitation", row.id, None),
            "invited someone by mail to".to_string(),
        ),
        _ => (
            ObjectRef::new("weft:Invitation", row.id, None),
            "made an invitation link for".to_string(),
        ),
    };
    let mut extra = serde_json::json!({ "role": row.role });
    if account.is_some() {
        // The invitee answers from their inbox; nobody else can use the id.
        extra["invitation"] = serde_json::json!(row.id);
    }
    let new = in_group("Invite", actor, object, &loaded.row)
        .target(group_ref(&loaded.row))
        .notify(account, "invitation")
        .summary(format!("{} {whom} {}", actor.handle, loaded.row.name))
        .extra(extra);
    log(k, &mut tx, new).await?;
    tx.commit().await?;
    let invitation = invitation_of(k, &loaded.row, row, secret.map(|s| s.secret));
    if let Some(email) = email {
        let body = format!(
            "Hello,\n\n@{} invites you to join {} on Weft.\n\nTo accept, open:\n\n{}\n\n\
             The link works until {}. Keep it to yourself: whoever holds it may join.\n",
            actor.handle,
            loaded.row.name,
            invitation.url.clone().unwrap_or_default(),
            invitation
                .expires_at
                .map(|t| t.to_rfc3339())
                .unwrap_or_default()
        );
        let mail = Mail {
            to: email,
            subject: format!("Join {} on Weft", loaded.row.name),
            body,
        };
        if let Err(e) = k.mailer.send(mail).await {
            tracing::warn!(error = %e, "could not mail an invitation");
        }
    }
    Ok(invitation)
}

pub async fn invitations(
    k: &Kernel,
    actor: &Actor,
    key: &str,
    page: &PageRequest,
) -> Result<Page<Invitation>> {
    let loaded = load(k, Some(actor), key).await?;
    loaded.authorize(Some(actor), Action::Invite)?;
    let limit = page.limit()?;
    let rows = store::invitations_of_group(&k.db, loaded.row.id, page.after()?, limit).await?;
    Ok(Page::from_rows(rows, limit, |r| r.id.0).map(|r| invitation_of(k, &loaded.row, r, None)))
}

/// An invitation by its id: for who may invite in its group, and for the account it invites.
/// Anyone else hears it does not exist (an id is not a way in).
pub async fn invitation(k: &Kernel, actor: Option<&Actor>, id: InvitationId) -> Result<Invitation> {
    let Some(actor) = actor else {
        return Err(Error::Unauthenticated("log in first".into()));
    };
    let row = store::invitation(&k.db, id)
        .await?
        .ok_or(Error::NotFound("invitation"))?;
    let group = load(k, Some(actor), &row.group_id.to_string())
        .await
        .map_err(|_| Error::NotFound("invitation"))?;
    let invitee = row.account_id == Some(actor.account)
        && policy::authorize_account(actor, AccountAction::ReadPrivate).is_ok();
    if !invitee {
        group
            .authorize(Some(actor), Action::Invite)
            .map_err(|_| Error::NotFound("invitation"))?;
    }
    Ok(invitation_of(k, &group.row, row, None))
}

/// The invitation a link's secret opens, for the page that shows it to whoever holds the
/// link (who invites, to what, as what). The address it was mailed to is not shown.
pub async fn invitation_by_token(k: &Kernel, token: &str) -> Result<Invitation> {
    let row = row_by_token(k, token).await?;
    let group = store::group_by_key(&k.db, &row.group_id.to_string())
        .await?
        .ok_or(Error::NotFound("group"))?;
    let mut invitation = invitation_of(k, &group, row, None);
    invitation.email = None;
    Ok(invitation)
}

async fn row_by_token(k: &Kernel, token: &str) -> Result<InvitationRow> {
    if token.len() > 200 {
        return Err(Error::invalid("token", "at most 200 characters"));
    }
    if SecretKind::of(token) != Some(SecretKind::Invitation) {
        return Err(Error::NotFound("invitation"));
    }
    store::invitation_by_secret(&k.db, &hash_secret(token))
        .await?
        .ok_or(Error::NotFound("invitation"))
}

/// Whether the invitation can still be answered: open, unexpired, not used up.
fn usable(row: &InvitationRow, now: Timestamp) -> Result<()> {
    if row.status != "open" {
        return Err(Error::Gone(format!("this invitation was {}", row.status)));
    }
    if row.expires_at.is_some_and(|e| e <= now.0) {
        return Err(Error::Gone("this invitation has expired".into()));
    }
    if row.max_uses.is_some_and(|m| row.uses >= m) {
        return Err(Error::Gone("this invitation has been used up".into()));
    }
    Ok(())
}

/// An account's invitation answered by id: only by that account (anyone else hears it does
/// not exist); an invitation by mail or link is answered with its token instead.
fn answerable_by_id(row: &InvitationRow, actor: &Actor) -> Result<()> {
    match row.account_id {
        Some(a) if a == actor.account => Ok(()),
        Some(_) => Err(Error::NotFound("invitation")),
        None => Err(Error::NotFound(
            "invitation (one sent by mail or as a link is answered with the token from its \
             link: POST /api/v1/invitations/accept {\"token\": …})",
        )),
    }
}

/// The caller's own invitation to a group they may see, still usable, if any (the group's page
/// shows "Invited" with it).
pub async fn your_invitation(
    k: &Kernel,
    actor: &Actor,
    loaded: &Loaded,
) -> Result<Option<InvitationId>> {
    let now = k.now();
    Ok(
        store::open_invitations_for(&k.db, loaded.row.id, actor.account)
            .await?
            .into_iter()
            .find(|row| usable(row, now).is_ok())
            .map(|row| row.id),
    )
}

/// Accepts an invitation to the caller's own account (`POST /api/v1/invitations/{id}/accept`).
pub async fn accept_invitation(k: &Kernel, actor: &Actor, id: InvitationId) -> Result<Member> {
    policy::authorize_account(actor, AccountAction::Change)?;
    let row = store::invitation(&k.db, id)
        .await?
        .ok_or(Error::NotFound("invitation"))?;
    answerable_by_id(&row, actor)?;
    accept(k, actor, row).await
}

/// Accepts an invitation by mail or a shareable link with the secret from its link.
pub async fn accept_invitation_by_token(k: &Kernel, actor: &Actor, token: &str) -> Result<Member> {
    policy::authorize_account(actor, AccountAction::Change)?;
    let row = row_by_token(k, token).await?;
    accept(k, actor, row).await
}

async fn accept(k: &Kernel, actor: &Actor, row: InvitationRow) -> Result<Member> {
    let now = k.now();
    usable(&row, now)?;
    // Read before the transaction: one that waits for the invitation's row must not also
    // wait for a second connection of the pool.
    let group = store::group_by_key(&k.db, &row.group_id.to_string())
        .await?
        .ok_or(Error::NotFound("group"))?;
    let mut tx = k.db.begin().await?;
    if store::membership_in(&mut tx, row.group_id, actor.account)
        .await?
        .is_some()
    {
        return Err(Error::Conflict {
            field: None,
            detail: "you are already a member".into(),
        });
    }
    // A personal invitation is spent once accepted; a shared link stays open until its uses
    // run out or it expires. The use is spent in one statement, so two people racing for
    // the last use of a link cannot both join.
    let personal = row.account_id.is_some() || row.email.is_some();
    if !store::spend_invitation(&mut tx, row.id, now.0, personal).await? {
        return Err(Error::Gone("this invitation has been used up".into()));
    }
    let role = match Role::parse(&row.role) {
        Role::Custom(name) if !store::role_exists(&mut tx, row.group_id, &name).await? => {
            "member".to_string()
        }
        _ => row.role.clone(),
    };
    store::insert_membership(&mut tx, row.group_id, actor.account, &role, now).await?;
    let member = store::member_in(&mut tx, row.group_id, actor.account)
        .await?
        .ok_or(Error::NotFound("member"))?;
    let new = in_group(
        "Accept",
        actor,
        ObjectRef::new("weft:Invitation", row.id, None),
        &group,
    )
    .target(group_ref(&group))
    .notify([row.invited_by], "invitation_accepted")
    .summary(format!(
        "{} accepted an invitation and joined {}",
        actor.handle, group.name
    ));
    log(k, &mut tx, new).await?;
    tx.commit().await?;
    Ok(member_of(member))
}

/// Declines an invitation to the caller's own account.
pub async fn decline_invitation(k: &Kernel, actor: &Actor, id: InvitationId) -> Result<()> {
    policy::authorize_account(actor, AccountAction::Change)?;
    let row = store::invitation(&k.db, id)
        .await?
        .ok_or(Error::NotFound("invitation"))?;
    answerable_by_id(&row, actor)?;
    decline(k, actor, row).await
}

/// Declines an invitation by mail or link, with the secret from its link.
pub async fn decline_invitation_by_token(k: &Kernel, actor: &Actor, token: &str) -> Result<()> {
    policy::authorize_account(actor, AccountAction::Change)?;
    let row = row_by_token(k, token).await?;
    decline(k, actor, row).await
}

async fn decline(k: &Kernel, actor: &Actor, row: InvitationRow) -> Result<()> {
    usable(&row, k.now())?;
    let mut tx = k.db.begin().await?;
    // A shareable link stays open for others; a personal invitation is closed.
    if row.account_id.is_some() || row.email.is_some() {
        store::set_invitation(&mut tx, row.id, "declined", row.uses).await?;
    }
    // Only the one who invited hears of it.
    let new = NewActivity::new(
        "Reject",
        Some(actor.account),
        ObjectRef::new("weft:Invitation", row.id, None),
        Audience::Accounts {
            group: Some(row.group_id),
            accounts: vec![row.invited_by],
        },
    )
    .notify([row.invited_by], "invitation_declined")
    .summary(format!("{} declined an invitation", actor.handle));
    log(k, &mut tx, new).await?;
    tx.commit().await
}

/// Revokes an invitation (its link stops working at once).
pub async fn revoke_invitation(k: &Kernel, actor: &Actor, id: InvitationId) -> Result<()> {
    let row = store::invitation(&k.db, id)
        .await?
        .ok_or(Error::NotFound("invitation"))?;
    let loaded = load(k, Some(actor), &row.group_id.to_string()).await?;
    loaded.authorize(Some(actor), Action::Invite)?;
    let mut tx = k.db.begin().await?;
    store::set_invitation(&mut tx, id, "revoked", row.uses).await?;
    // Seen by those who may invite (they manage invitations) and the invited person.
    let mut accounts = store::member_ids(&mut tx, loaded.row.id, true).await?;
    accounts.extend(row.account_id);
    let new = NewActivity::new(
        "Undo",
        Some(actor.account),
        ObjectRef::new("weft:Invitation", id, None),
        Audience::Accounts {
            group: Some(loaded.row.id),
            accounts,
        },
    )
    .summary(format!(
        "{} revoked an invitation to {}",
        actor.handle, loaded.row.name
    ));
    log(k, &mut tx, new).await?;
    tx.commit().await
}

fn join_request_of(r: JoinRequestRow) -> JoinRequest {
    JoinRequest {
        id: r.id,
        group: r.group_id,
        account: MemberAccount {
            id: r.account_id,
            handle: r.handle,
            display_name: r.display_name,
        },
        message: r.message,
        status: r.status,
        created_at: Timestamp(r.created_at),
        decided_at: r.decided_at.map(Timestamp),
    }
}

pub async fn join_requests(
    k: &Kernel,
    actor: &Actor,
    key: &str,
    page: &PageRequest,
) -> Result<Page<JoinRequest>> {
    let loaded = load(k, Some(actor), key).await?;
    loaded.authorize(Some(actor), Action::ManageMembers)?;
    let limit = page.limit()?;
    let rows = store::join_requests_of_group(&k.db, loaded.row.id, page.after()?, limit).await?;
    Ok(Page::from_rows(rows, limit, |r| r.id.0).map(join_request_of))
}

/// Approves (the asker becomes a member) or rejects a pending request.
pub async fn decide_join_request(
    k: &Kernel,
    actor: &Actor,
    id: JoinRequestId,
    approve: bool,
) -> Result<JoinRequest> {
    let request = store::join_request(&k.db, id)
        .await?
        .ok_or(Error::NotFound("join request"))?;
    let loaded = load(k, Some(actor), &request.group_id.to_string()).await?;
    loaded
        .authorize(Some(actor), Action::ManageMembers)
        .map_err(|e| match e {
            Error::Forbidden(_) if loaded.standing.is_none() => Error::NotFound("join request"),
            other => other,
        })?;
    let now = k.now();
    let mut tx = k.db.begin().await?;
    let status = if approve { "approved" } else { "rejected" };
    if store::decide_join_request(&mut tx, id, status, actor.account, now).await? == 0 {
        return Err(Error::Gone(format!(
            "this request was already {}",
            request.status
        )));
    }
    if approve
        && store::membership_in(&mut tx, request.group_id, request.account_id)
            .await?
            .is_none()
    {
        store::insert_membership(&mut tx, request.group_id, request.account_id, "member", now)
            .await?;
    }
    let row = store::join_request_in(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("join request"))?;
    let (kind, verb) = if approve {
        ("Accept", "let")
    } else {
        ("Reject", "turned down")
    };
    let summary = if approve {
        format!(
            "{} {verb} {} join {}",
            actor.handle, row.handle, loaded.row.name
        )
    } else {
        format!(
            "{} {verb} {}'s request to join {}",
            actor.handle, row.handle, loaded.row.name
        )
    };
    let object = ObjectRef::new("weft:JoinRequest", id, None);
    // An approval is the group's news; a refusal is only the asker's.
    let new = if approve {
        in_group(kind, actor, object, &loaded.row)
    } else {
        NewActivity::new(
            kind,
            Some(actor.account),
            object,
            Audience::Accounts {
                group: Some(loaded.row.id),
                accounts: vec![row.account_id],
            },
        )
    }
    .target(group_ref(&loaded.row))
    .notify([row.account_id], "join_request_decided")
    .summary(summary);
    log(k, &mut tx, new).await?;
    tx.commit().await?;
    Ok(join_request_of(row))
}

/// Every tool the server offers, with the groups (that the caller may see) using each.
pub async fn tool_directory(
    k: &Kernel,
    actor: Option<&Actor>,
) -> Result<Vec<(ToolManifest, Vec<GroupSummary>)>> {
    let mut out = Vec::new();
    for tool in crate::tool::all(k).await? {
        let condition = policy::visible_groups(actor);
        let rows = store::groups_using(&k.db, &tool.name, condition).await?;
        // Listed groups show that they exist, not what they use: only public ones and the
        // caller's own are named.
        let mut groups = Vec::new();
        for row in rows {
            let loaded = load(k, actor, &row.id.to_string()).await?;
            if loaded.authorize(actor, Action::Read).is_ok() {
                groups.push(summary(&loaded.row));
            }
        }
        out.push((tool, groups));
    }
    Ok(out)
}

pub async fn group_tools(
    k: &Kernel,
    actor: Option<&Actor>,
    key: &str,
) -> Result<Vec<ToolManifest>> {
    let loaded = load(k, actor, key).await?;
    tools_of(k, actor, &loaded).await
}

/// The tools a loaded group uses, for whoever may read it.
pub async fn tools_of(
    k: &Kernel,
    actor: Option<&Actor>,
    loaded: &Loaded,
) -> Result<Vec<ToolManifest>> {
    loaded.authorize(actor, Action::Read)?;
    let names = store::enabled_tools(&k.db, loaded.row.id).await?;
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let all = crate::tool::all(k).await?;
    Ok(all
        .into_iter()
        .filter(|t| names.iter().any(|(n,)| *n == t.name))
        .collect())
}

/// Turns a tool on or off for a group. An outside tool whose registrar approves each group
/// is not turned on by the group alone: the ask becomes a pending request (returned), and the
/// registrar's approval turns it on.
pub async fn set_tool(
    k: &Kernel,
    actor: &Actor,
    key: &str,
    tool: &str,
    enabled: bool,
) -> Result<Option<crate::tool::outside::ToolRequest>> {
    let loaded = load(k, Some(actor), key).await?;
    loaded.authorize(Some(actor), Action::ManageTools)?;
    let Some(found) = crate::tool::find(k, tool).await? else {
        return Err(Error::NotFound("tool"));
    };
    let tool = found.name.as_str();
    let outside = match found.id {
        Some(id) => crate::tool::store::by_id(&k.db, id).await?,
        None => None,
    };
    let mut tx = k.db.begin().await?;
    if enabled && let Some(outside) = &outside {
        let already = store::tools_enabled_in(&mut tx, loaded.row.id, tool).await?;
        if !already
            && let Some(request) =
                crate::tool::outside::may_enable(k, &mut tx, actor, outside, &loaded.row).await?
        {
            tx.commit().await?;
            return Ok(Some(request));
        }
    }
    let changed = if enabled {
        store::enable_tool(&mut tx, loaded.row.id, tool, actor.account, k.now()).await?
    } else {
        // An outside tool's tokens for the group stop working at once.
        if let Some(outside) = &outside {
            crate::tool::store::delete_tokens(&mut tx, outside.id, Some(loaded.row.id)).await?;
        }
        store::disable_tool(&mut tx, loaded.row.id, tool).await?
    };
    if changed > 0 {
        let (kind, verb) = if enabled {
            ("Add", "turned on")
        } else {
            ("Remove", "turned off")
        };
        let new = in_group(
            kind,
            actor,
            ObjectRef::new("weft:Tool", tool, Some(tool)),
            &loaded.row,
        )
        .target(group_ref(&loaded.row))
        .summary(format!(
            "{} {verb} {tool} in {}",
            actor.handle, loaded.row.name
        ));
        log(k, &mut tx, new).await?;
    }
    tx.commit().await?;
    Ok(None)
}

/// The account a handle or id names, if it is a member of `group`.
pub async fn member_id(k: &Kernel, group: GroupId, who: &str) -> Result<Option<AccountId>> {
    let id = match who.parse::<AccountId>() {
        Ok(id) => Some(id),
        Err(_) => people::store::account_by_handle(&k.db, &who.trim().to_lowercase())
            .await?
            .map(|a| a.id),
    };
    let Some(id) = id else { return Ok(None) };
    Ok(store::membership(&k.db, group, id).await?.map(|_| id))
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

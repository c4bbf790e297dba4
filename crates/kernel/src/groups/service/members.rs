//! A group's members: listing them, joining, changing a member's role, removing a member or
//! leaving, and handing ownership over.

use super::join_requests::join_request_of;
use super::roles::role_permissions;
use super::{group_ref, in_group, load, log, person_ref};
use crate::activity::ObjectRef;
use crate::groups::model::*;
use crate::groups::store::{self, MemberRow};
use crate::id::{AccountId, GroupId, JoinRequestId};
use crate::page::{Page, PageRequest};
use crate::people::{self, Actor};
use crate::policy::{self, AccountAction, Action};
use crate::{Error, Kernel, Result, Timestamp};

pub(super) fn member_of(r: MemberRow) -> Member {
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
            super::admit(&mut tx, loaded.row.id, actor.account, "member", now).await?;
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

pub(super) async fn account_key(k: &Kernel, key: &str) -> Result<AccountId> {
    people::service::account_ref(k, key).await
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
    let is_owner = loaded.authorize(Some(actor), Action::ManageAdmins).is_ok();
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
        Role::Admin if !leaving && loaded.authorize(Some(actor), Action::ManageAdmins).is_err() => {
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

//! A group's roles: the built-in ones, custom roles and the permissions each carries.

use std::collections::BTreeSet;

use super::{group_ref, in_group, load, log};
use crate::activity::ObjectRef;
use crate::groups::model::*;
use crate::groups::store;
use crate::id::GroupId;
use crate::people::Actor;
use crate::policy::{self, Action, Standing};
use crate::{Error, Kernel, Result};

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
        if let Permission::Tool(name) = p
            && k.tools.permission(name).is_none()
        {
            return Err(Error::invalid(
                "permissions",
                format!("no tool of this server defines {name:?}"),
            ));
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

/// The permissions a role of the group carries (none for a role it does not have).
pub(super) async fn role_permissions(
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
    Permission::parse_list(text)
}

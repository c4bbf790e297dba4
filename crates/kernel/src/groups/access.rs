//! Loading a group with the caller's standing in it: what every use case, in groups and in
//! every other area and tool, does before it asks the policy. It sits below the groups' use
//! cases (`service`), so an area those use cases call (notify follows a new member) can load
//! a group without a circle back into them.

use crate::groups::model::*;
use crate::groups::store::{self, GroupRow};
use crate::id::AccountId;
use crate::people::Actor;
use crate::policy::{self, Action, GroupFacts, Standing};
use crate::{Error, Kernel, Result};

/// A group with what the policy needs: its facts and the actor's standing in it.
#[derive(Clone)]
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

pub(super) fn facts(row: &GroupRow) -> GroupFacts {
    GroupFacts {
        id: row.id,
        visibility: row.visibility.parse().unwrap_or(Visibility::Secret),
    }
}

pub(super) fn standing_of(m: Option<store::MembershipRow>) -> Option<Standing> {
    m.map(|m| {
        let custom = m
            .permissions
            .as_deref()
            .map(Permission::parse_list)
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
    Ok(policy::standing_in(
        own,
        via_parent.as_ref(),
        row.parent_admins_manage,
    ))
}

pub async fn load(k: &Kernel, actor: Option<&Actor>, key: &str) -> Result<Loaded> {
    Ok(load_counted(k, actor, key).await?.0)
}

/// Loads a group, the caller's standing and its member count in one query (plus one for a
/// parent's admins).
pub(super) async fn load_counted(
    k: &Kernel,
    actor: Option<&Actor>,
    key: &str,
) -> Result<(Loaded, i64)> {
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

/// A group whose content of `tool` the actor may read, with the tool turned on there: what
/// a tool loads first for every read of its things (404 when the tool is off).
pub async fn for_tool(
    k: &Kernel,
    actor: Option<&Actor>,
    key: &str,
    tool: &'static str,
) -> Result<Loaded> {
    let group = load(k, actor, key).await?;
    group.authorize(actor, Action::ToolRead(tool))?;
    crate::tool::require_on(k, group.row.id, tool).await?;
    Ok(group)
}

/// The groups using `tool` whose things in it `actor` may read, by handle (at most 1,000):
/// what a tool's list across groups (a directory of offers) covers.
pub async fn readable_using(
    k: &Kernel,
    actor: Option<&Actor>,
    tool: &'static str,
) -> Result<Vec<Loaded>> {
    let mut rows = store::groups_using(&k.db, tool, policy::visible_groups(actor)).await?;
    // A token limited to one group reads across groups in that one alone.
    if let Some(only) = policy::confined_to(actor) {
        rows.retain(|r| r.id == only);
    }
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let loaded = load(k, actor, &row.id.to_string()).await?;
        if loaded.authorize(actor, Action::ToolRead(tool)).is_ok() {
            out.push(loaded);
        }
    }
    Ok(out)
}

/// Whether `account` is a member of `group` (any role).
pub async fn is_member(k: &Kernel, group: crate::id::GroupId, account: AccountId) -> Result<bool> {
    Ok(store::membership(&k.db, group, account).await?.is_some())
}

/// How many members `group` has: who is eligible where the whole group decides.
pub async fn member_count(k: &Kernel, group: crate::id::GroupId) -> Result<u64> {
    Ok(store::count_members(&k.db, group).await?.max(0) as u64)
}

/// A member as a tool that lists a group's people sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: AccountId,
    pub handle: String,
    pub role: String,
}

/// Every member of `group`, in account order (one query): who may vote where the whole group
/// decides, who holds a role.
pub async fn roster(k: &Kernel, group: crate::id::GroupId) -> Result<Vec<Member>> {
    Ok(store::roster(&k.db, group)
        .await?
        .into_iter()
        .map(|(id, handle, role)| Member { id, handle, role })
        .collect())
}

/// The members of `group` whose role holds `permission` (one query for the roster, one for
/// the group's custom roles): who may take part where taking part needs it.
pub async fn roster_holding(
    k: &Kernel,
    group: crate::id::GroupId,
    permission: &Permission,
) -> Result<Vec<Member>> {
    let custom: std::collections::HashMap<String, std::collections::BTreeSet<Permission>> =
        store::roles(&k.db, group)
            .await?
            .into_iter()
            .map(|r| (r.name, Permission::parse_list(&r.permissions)))
            .collect();
    let none = std::collections::BTreeSet::new();
    Ok(roster(k, group)
        .await?
        .into_iter()
        .filter(|m| {
            let role = Role::parse(&m.role);
            let own = custom.get(&m.role).unwrap_or(&none);
            Standing::new(role, own).permissions.contains(permission)
        })
        .collect())
}

/// Whether `name` is a role of `group`: a built-in one or one the group made.
pub async fn role_exists(k: &Kernel, group: crate::id::GroupId, name: &str) -> Result<bool> {
    Ok(matches!(name, "owner" | "admin" | "member")
        || store::roles(&k.db, group)
            .await?
            .iter()
            .any(|r| r.name == name))
}

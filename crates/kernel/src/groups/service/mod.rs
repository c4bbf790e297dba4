//! Groups' use cases. Every one loads the facts, asks `policy::authorize`, then acts in one
//! transaction.
//!
//! This module owns what every use case shares: loading a group with the caller's standing in
//! it (`Loaded`, `load`), the group as the API shows it, and writing a group's activity. The
//! use cases live by subject:
//!
//! - `groups.rs`: create, read, change and delete groups; the directory, subgroups and the
//!   caller's own groups.
//! - `members.rs`: members, joining, roles of members, removing and leaving, handing over.
//! - `roles.rs`: built-in and custom roles and the permissions they carry.
//! - `invitations.rs`: inviting, and answering or revoking invitations.
//! - `join_requests.rs`: requests to join and their decisions.
//! - `tools.rs`: which tools each group uses.

use crate::activity::{self, Audience, NewActivity, ObjectRef};
use crate::groups::model::*;
use crate::groups::store::{self, GroupRow};
use crate::id::AccountId;
use crate::people::Actor;
use crate::policy::Action;
use crate::{Kernel, Result, Timestamp};

mod groups;
mod invitations;
mod join_requests;
mod members;
mod roles;
mod tools;

pub use groups::{
    create_group, delete_group, get_group, get_group_loaded, groups_in_common, groups_of,
    list_groups, subgroups, update_group,
};
pub use invitations::{
    accept_invitation, accept_invitation_by_token, decline_invitation, decline_invitation_by_token,
    invitation, invitation_by_token, invitations, invite, revoke_invitation, your_invitation,
};
pub use join_requests::{decide_join_request, join_requests};
pub use members::{change_role, hand_over, join, member_id, members, remove_member};
pub use roles::{create_role, delete_role, roles, update_role};
pub use tools::{group_tools, set_tool, tool_directory, tools_of};

pub use crate::groups::access::{Loaded, is_member, load};
use crate::groups::access::{facts, load_counted, standing_of};

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

/// Makes `account` a member with `role`, and has them follow the group's activity.
pub(super) async fn admit(
    tx: &mut crate::db::Tx,
    group: crate::id::GroupId,
    account: crate::id::AccountId,
    role: &str,
    now: crate::Timestamp,
) -> Result<()> {
    store::insert_membership(tx, group, account, role, now).await?;
    crate::notify::service::follow_new_member(tx, account, group).await
}

/// The groups of `account` that use `tool`, with the account's role in each (the groups
/// claim of an outside tool's sign-in).
pub async fn memberships_using_tool(
    k: &Kernel,
    account: AccountId,
    tool: &str,
) -> Result<Vec<store::ToolGroupRow>> {
    store::memberships_using_tool(&k.db, account, tool).await
}

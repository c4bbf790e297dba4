//! The one place that decides who may do what. Default deny. Callers hand it the facts (the
//! actor, their standing in the group, the thing acted on); it answers allow, or why not —
//! a secret thing answers "not found" to anyone who may not know it exists.

use std::collections::BTreeSet;

use sea_query::{Condition, Expr, ExprTrait, Query};

use crate::groups::model::{Permission, Role, Visibility};
use crate::id::{AccountId, GroupId};
use crate::people::{Actor, Scope};
use crate::{Error, Result};

/// What a caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Know the group exists: its handle, name and description.
    See,
    /// Read its content: activity, subgroups, the tools it uses.
    Read,
    /// List its members and their roles.
    ReadMembers,
    Join,
    Edit,
    Delete,
    HandOver,
    Invite,
    ManageMembers,
    ManageRoles,
    ManageTools,
    Post,
    Moderate,
}

impl Action {
    fn is_read(self) -> bool {
        matches!(self, Action::See | Action::Read | Action::ReadMembers)
    }

    /// The scope a token needs for this action.
    fn scope(self) -> Scope {
        match self {
            Action::See | Action::Read => Scope::GroupsRead,
            Action::ReadMembers => Scope::MembersRead,
            Action::Post => Scope::ActivitiesWrite,
            _ => Scope::Write,
        }
    }

    /// The permission a role needs for this action, for actions roles grant.
    fn permission(self) -> Option<Permission> {
        match self {
            Action::Invite => Some(Permission::Invite),
            Action::ManageMembers => Some(Permission::ManageMembers),
            Action::ManageRoles => Some(Permission::ManageRoles),
            Action::ManageTools => Some(Permission::ManageTools),
            Action::Post => Some(Permission::Post),
            Action::Moderate => Some(Permission::Moderate),
            _ => None,
        }
    }
}

/// What the policy needs to know of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFacts {
    pub id: GroupId,
    pub visibility: Visibility,
}

/// A protected thing: the group it belongs to (if any) and its owner (if any). Tools'
/// things implement this so the one policy decides for them too.
pub trait Resource {
    fn group(&self) -> Option<&GroupFacts>;
    fn owner(&self) -> Option<AccountId> {
        None
    }
}

impl Resource for GroupFacts {
    fn group(&self) -> Option<&GroupFacts> {
        Some(self)
    }
}

/// The actor's place in a group: their role and what it lets them do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub role: Role,
    pub permissions: BTreeSet<Permission>,
}

impl Standing {
    pub fn new(role: Role, custom_permissions: &BTreeSet<Permission>) -> Self {
        let permissions = match &role {
            Role::Owner | Role::Admin => Permission::MANAGED.iter().cloned().collect(),
            Role::Member => [Permission::Post].into_iter().collect(),
            Role::Custom(_) => custom_permissions.clone(),
        };
        Standing { role, permissions }
    }

    pub fn is_admin(&self) -> bool {
        matches!(self.role, Role::Owner | Role::Admin)
    }
}

/// Decides whether `actor` (with `standing` in the resource's group, if a member) may do
/// `action` on `resource`. Default deny.
pub fn authorize(
    actor: Option<&Actor>,
    standing: Option<&Standing>,
    action: Action,
    resource: &impl Resource,
) -> Result<()> {
    let Some(group) = resource.group() else {
        // Not in a group: only its owner may touch it.
        return match (actor, resource.owner()) {
            (Some(a), Some(owner)) if a.account == owner => Ok(()),
            (None, _) => Err(Error::Unauthenticated("log in first".into())),
            _ => Err(Error::NotFound("resource")),
        };
    };
    // A token limited to another group acts as a stranger here.
    let standing = match actor {
        Some(a) if a.group.is_some_and(|g| g != group.id.0) => None,
        Some(_) => standing,
        None => None,
    };
    let can_see = group.visibility != Visibility::Secret || standing.is_some();
    if !can_see {
        return Err(Error::NotFound("group"));
    }
    if let Some(actor) = actor {
        actor.require(action.scope())?;
        if actor.group.is_some_and(|g| g != group.id.0) && !action.is_read() {
            return Err(Error::Forbidden(
                "this token is limited to another group".into(),
            ));
        }
    }
    let allowed = match action {
        Action::See => true,
        Action::Read | Action::ReadMembers => {
            group.visibility == Visibility::Public || standing.is_some()
        }
        Action::Join => actor.is_some(),
        Action::Edit => standing.is_some_and(Standing::is_admin),
        Action::Delete | Action::HandOver => standing.is_some_and(|s| s.role == Role::Owner),
        _ => {
            let needed = action
                .permission()
                .expect("every other action is granted by a role");
            standing.is_some_and(|s| s.permissions.contains(&needed))
        }
    };
    match (allowed, actor) {
        (true, _) => Ok(()),
        (false, None) => Err(Error::Unauthenticated("log in first".into())),
        (false, Some(_)) if action.is_read() => Err(Error::Forbidden(
            "only members see this group's content".into(),
        )),
        (false, Some(_)) => Err(Error::Forbidden(format!(
            "your role does not allow {action:?}"
        ))),
    }
}

/// The condition a query of groups adds to its `WHERE` so a list never loads what the caller
/// may not see: public and listed groups, and the secret ones the caller belongs to.
pub fn visible_groups(actor: Option<&Actor>, id_column: Expr) -> Condition {
    let open = Expr::col(crate::groups::store::Groups::Visibility)
        .is_in([Visibility::Public.as_str(), Visibility::Listed.as_str()]);
    match actor {
        None => Condition::all().add(open),
        Some(actor) => Condition::any().add(open).add(
            id_column.in_subquery(
                Query::select()
                    .column(crate::groups::store::Memberships::GroupId)
                    .from(crate::groups::store::Memberships::Table)
                    .and_where(
                        Expr::col(crate::groups::store::Memberships::AccountId).eq(actor.account),
                    )
                    .to_owned(),
            ),
        ),
    }
}

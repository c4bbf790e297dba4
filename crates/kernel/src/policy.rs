//! The one place that decides who may do what. Default deny. Callers hand it the facts (the
//! actor, their standing in the group, the thing acted on); it answers allow, or why not —
//! a secret thing answers "not found" to anyone who may not know it exists.

use std::collections::BTreeSet;

use sea_query::{Condition, Expr, ExprTrait, Query};

use crate::groups::model::{Permission, Role, Visibility};
use crate::id::{AccountId, GroupId};
use crate::people::{Access, Actor, Scope};
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
    /// Make, unmake, invite or remove admins: the owner alone.
    ManageAdmins,
    Invite,
    ManageMembers,
    ManageRoles,
    ManageTools,
    Post,
    Moderate,
    /// See the group's currencies and open one's own account in them.
    UseMoney,
    /// Create currencies, change limits, open accounts for others.
    ManageMoney,
    /// Read every account, statement and transfer of the group's currencies: who manages the
    /// money, with a token that may only read.
    AuditMoney,
    /// Move money out of a ledger account: its owner, or for the group's own accounts
    /// whoever may manage the group's money.
    Spend,
    /// Ask for money, or agree to move the group's: claim an expense, request a payment,
    /// propose or approve a spend from a pool. Whoever may post in the group; a token needs
    /// `ledger:write`. Whether the money then moves is the pool's rule.
    AskMoney,
    /// Read a ledger account and its statement: a person's, they and who manages the money;
    /// the group's own, every member.
    ReadAccount,
    /// Read a built-in tool's things in the group (its polls, rooms, boards): whoever may
    /// read the group's content. A token needs `<tool>:read`.
    ToolRead(&'static str),
    /// Take part in a built-in tool (vote, send a message, claim a task): whoever may post in
    /// the group. A token needs `<tool>:write`.
    ToolUse(&'static str),
    /// What a tool's own permission guards (`tool:<name>:<what>`, declared in its manifest):
    /// owners and admins, and roles that hold it. A token needs `<name>:write`.
    Tool(&'static str),
}

impl Action {
    fn is_read(self) -> bool {
        matches!(
            self,
            Action::See
                | Action::Read
                | Action::ReadMembers
                | Action::UseMoney
                | Action::ReadAccount
                | Action::AuditMoney
                | Action::ToolRead(_)
        )
    }

    /// The scope a token needs for this action.
    fn scope(self) -> Scope {
        match self {
            Action::See | Action::Read => Scope::GroupsRead,
            Action::ReadMembers => Scope::MembersRead,
            Action::Post => Scope::ActivitiesWrite,
            Action::UseMoney | Action::ReadAccount | Action::AuditMoney => Scope::LedgerRead,
            Action::ManageMoney | Action::Spend | Action::AskMoney => Scope::LedgerWrite,
            Action::ToolRead(tool) => Scope::tool(tool, Access::Read).unwrap_or(Scope::Read),
            Action::ToolUse(tool) => Scope::tool(tool, Access::Write).unwrap_or(Scope::Write),
            Action::Tool(permission) => permission
                .strip_prefix("tool:")
                .and_then(|rest| rest.split_once(':'))
                .and_then(|(tool, _)| Scope::tool(tool, Access::Write))
                .unwrap_or(Scope::Write),
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
            Action::Post | Action::ToolUse(_) | Action::AskMoney => Some(Permission::Post),
            Action::Moderate => Some(Permission::Moderate),
            Action::ManageMoney | Action::AuditMoney => Some(Permission::ManageMoney),
            Action::Tool(name) => Some(Permission::Tool(name.to_string())),
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

/// The actor's standing in a group from their own role there and their standing in its parent:
/// a parent's admins manage a subgroup that lets them (`parent_admins_manage`), as admins.
pub fn standing_in(
    own: Option<Standing>,
    parent: Option<&Standing>,
    parent_admins_manage: bool,
) -> Option<Standing> {
    if parent_admins_manage
        && !own.as_ref().is_some_and(Standing::is_admin)
        && parent.is_some_and(Standing::is_admin)
    {
        Some(Standing::new(Role::Admin, &BTreeSet::new()))
    } else {
        own
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
    // An outside tool acts only in the one group its token is for (where it is turned on:
    // turning it off deletes its tokens), and there only reads and posts.
    if let Some(tool) = actor.filter(|a| a.is_tool()) {
        if tool.group != Some(group.id.0) {
            return Err(match group.visibility {
                Visibility::Secret => Error::NotFound("group"),
                _ => Error::Forbidden("this tool's token is for another group".into()),
            });
        }
        tool.require(action.scope())?;
        return match action {
            Action::See | Action::Read | Action::ReadMembers | Action::Post => Ok(()),
            _ => Err(Error::Forbidden(format!(
                "an outside tool may read the group and post to it, not {action:?}"
            ))),
        };
    }
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
        Action::Read | Action::ReadMembers | Action::ToolRead(_) => {
            group.visibility == Visibility::Public || standing.is_some()
        }
        Action::Join => actor.is_some(),
        Action::Edit => standing.is_some_and(Standing::is_admin),
        Action::Delete | Action::HandOver | Action::ManageAdmins => {
            standing.is_some_and(|s| s.role == Role::Owner)
        }
        Action::UseMoney => standing.is_some(),
        // A person's account is theirs alone to spend from; the group's own accounts are
        // spent by who manages its money, who may also read every account.
        Action::Spend => standing.is_some_and(|s| match resource.owner() {
            Some(owner) => actor.is_some_and(|a| a.account == owner),
            None => s.permissions.contains(&Permission::ManageMoney),
        }),
        // The group's own accounts are open to its members; a person's to them and to who
        // manages the money.
        Action::ReadAccount => standing.is_some_and(|s| match resource.owner() {
            Some(owner) => {
                actor.is_some_and(|a| a.account == owner)
                    || s.permissions.contains(&Permission::ManageMoney)
            }
            None => true,
        }),
        // Owners and admins hold every tool's permissions; other roles those they were given.
        Action::Tool(name) => standing.is_some_and(|s| {
            s.is_admin() || s.permissions.contains(&Permission::Tool(name.to_string()))
        }),
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

/// Kinds of lists whose rows are not all for every reader of the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    /// A currency's ledger accounts.
    LedgerAccounts,
}

/// Which rows of a list the actor sees: the condition a store turns into its `WHERE`, so a
/// list never loads what the caller may not see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visible {
    All,
    /// The group's own rows (no person owns them) and the actor's.
    GroupsAndOwn(AccountId),
}

/// The rows of a `kind` list in the group that `actor` (with `standing` there) sees, once the
/// list itself is allowed. Ledger accounts: who audits the money sees every account; other
/// members the group's own and theirs.
pub fn visible(
    actor: &Actor,
    standing: Option<&Standing>,
    group: &GroupFacts,
    kind: Listed,
) -> Visible {
    match kind {
        Listed::LedgerAccounts => {
            if authorize(Some(actor), standing, Action::AuditMoney, group).is_ok() {
                Visible::All
            } else {
                Visible::GroupsAndOwn(actor.account)
            }
        }
    }
}

/// Whether `actor` manages an outside tool's registration (its settings, secret, requests):
/// who registered it, or a server administrator acting with a session or an `account` token.
pub fn manages_registration(actor: &Actor, registered_by: Option<AccountId>) -> bool {
    registered_by == Some(actor.account) || actor.is_admin
}

/// What a person does to their own account rather than inside one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    /// Read what is private to the account: its email address, sessions, tokens, the tools it
    /// registered, its notification settings.
    ReadPrivate,
    /// Change the account or act for it as a whole: profile, email, password, sessions,
    /// tokens, tool registrations; join or leave a group, answer an invitation.
    Change,
}

/// Whether `actor` may act on their own account (DESIGN section 5): with a log-in session, or
/// a personal token that holds the `account` scope and is not limited to a group. A leaked
/// narrow token must not become the whole account (change its email, then reset the
/// password). An outside tool never acts on an account. Default deny.
pub fn authorize_account(actor: &Actor, action: AccountAction) -> Result<()> {
    if actor.is_tool() {
        return Err(Error::Forbidden(
            "an outside tool acts in its group, not on an account".into(),
        ));
    }
    if actor.group.is_some() {
        return Err(Error::Forbidden(
            "a token limited to a group acts only inside that group; this needs a log-in \
             session or a token with the account scope"
                .into(),
        ));
    }
    if !actor.scopes.allows(Scope::Account) {
        return Err(Error::Forbidden(
            "this needs a log-in session or a token with the account scope".into(),
        ));
    }
    actor.require(match action {
        AccountAction::ReadPrivate => Scope::Read,
        AccountAction::Change => Scope::Write,
    })
}

/// The one group a reader of lists that span groups (the directory, the inbox, unread counts,
/// the live stream, "my" lists) is confined to: a group-limited token's or an outside tool's
/// group. `None`: every group the person belongs to.
pub fn confined_to(actor: Option<&Actor>) -> Option<GroupId> {
    actor.and_then(|a| a.group).map(GroupId)
}

/// Refuses a group-limited token (or an outside tool) what spans every group of the person
/// and cannot be narrowed to one, such as their notification settings.
pub fn span_groups(actor: &Actor) -> Result<()> {
    match confined_to(Some(actor)) {
        Some(_) => Err(Error::Forbidden(
            "a token limited to a group cannot read or change what spans all your groups".into(),
        )),
        None => Ok(()),
    }
}

/// Whether someone with `standing` may hand out a role holding `permissions` — create or edit
/// such a role, give it to a member, invite someone into it, or act on a member who holds
/// it. Nobody hands out what they do not hold themselves; the owner and admins hold every
/// permission (who makes admins is a separate rule: the owner). The plain member's `post` is
/// what any member may pass on: joining an open group gives it too.
pub fn may_hand_out(standing: Option<&Standing>, permissions: &BTreeSet<Permission>) -> Result<()> {
    let Some(standing) = standing else {
        return Err(Error::Forbidden("only members hand out roles".into()));
    };
    if standing.is_admin() {
        return Ok(());
    }
    let missing: Vec<String> = permissions
        .iter()
        .filter(|p| **p != Permission::Post && !standing.permissions.contains(p))
        .map(|p| p.as_str())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "you cannot hand out permissions you do not hold yourself: {}",
            missing.join(", ")
        )))
    }
}

/// Whether `actor` may run the server itself: its signing keys (`Scope::Write`), its metrics
/// (`Scope::Read`). A server administrator, signed in as themselves with a token that holds
/// `scope`, not limited to a group. Default deny.
pub fn administer_server(actor: Option<&Actor>, scope: Scope) -> Result<()> {
    let Some(actor) = actor else {
        return Err(Error::Unauthenticated("log in first".into()));
    };
    if actor.is_tool() || !actor.is_admin {
        return Err(Error::Forbidden(
            "only the server's administrators may do this".into(),
        ));
    }
    if actor.group.is_some() {
        return Err(Error::Forbidden(
            "a token limited to a group cannot run the server".into(),
        ));
    }
    actor.require(scope)
}

/// The condition a query of groups adds to its `WHERE` so a list never loads what the caller
/// may not see: public and listed groups, and the secret ones the caller belongs to.
pub fn visible_groups(actor: Option<&Actor>) -> Condition {
    let open = Expr::col((
        crate::groups::store::Groups::Table,
        crate::groups::store::Groups::Visibility,
    ))
    .is_in([Visibility::Public.as_str(), Visibility::Listed.as_str()]);
    match actor {
        None => Condition::all().add(open),
        Some(actor) => {
            let mut own = Query::select()
                .column(crate::groups::store::Memberships::GroupId)
                .from(crate::groups::store::Memberships::Table)
                .and_where(
                    Expr::col(crate::groups::store::Memberships::AccountId).eq(actor.account),
                )
                .to_owned();
            // A group-limited token knows of its one group only; elsewhere it is a stranger.
            if let Some(group) = confined_to(Some(actor)) {
                own.and_where(Expr::col(crate::groups::store::Memberships::GroupId).eq(group));
            }
            Condition::any().add(open).add(
                Expr::col((
                    crate::groups::store::Groups::Table,
                    crate::groups::store::Groups::Id,
                ))
                .in_subquery(own),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::{SessionId, TokenId};
    use crate::people::{Credential, Scopes};
    use proptest::prelude::*;

    /// A tool's own permission, as a manifest declares one.
    const PIN: &str = "tool:notes:pin";

    const ACTIONS: [Action; 23] = [
        Action::See,
        Action::Read,
        Action::ReadMembers,
        Action::Join,
        Action::Edit,
        Action::Delete,
        Action::HandOver,
        Action::ManageAdmins,
        Action::Invite,
        Action::ManageMembers,
        Action::ManageRoles,
        Action::ManageTools,
        Action::Post,
        Action::Moderate,
        Action::UseMoney,
        Action::ManageMoney,
        Action::Spend,
        Action::AskMoney,
        Action::ReadAccount,
        Action::AuditMoney,
        Action::ToolRead("notes"),
        Action::ToolUse("notes"),
        Action::Tool(PIN),
    ];

    /// What the policy should answer, written as a plain table a person can check by eye.
    fn reference(
        signed_in: bool,
        visibility: Visibility,
        role: Option<&Role>,
        custom: &BTreeSet<Permission>,
        action: Action,
    ) -> &'static str {
        let member = role.is_some();
        if visibility == Visibility::Secret && !member {
            return "not found";
        }
        let owner = role == Some(&Role::Owner);
        let admin = owner || role == Some(&Role::Admin);
        let holds = |p: Permission| match role {
            Some(Role::Owner) | Some(Role::Admin) => true,
            Some(Role::Member) => p == Permission::Post,
            Some(Role::Custom(_)) => custom.contains(&p),
            None => false,
        };
        let ok = match action {
            Action::See => true,
            Action::Read | Action::ReadMembers | Action::ToolRead(_) => {
                visibility == Visibility::Public || member
            }
            Action::Join => signed_in,
            Action::Edit => admin,
            Action::Delete | Action::HandOver | Action::ManageAdmins => owner,
            Action::Invite => holds(Permission::Invite),
            Action::ManageMembers => holds(Permission::ManageMembers),
            Action::ManageRoles => holds(Permission::ManageRoles),
            Action::ManageTools => holds(Permission::ManageTools),
            Action::Post | Action::ToolUse(_) | Action::AskMoney => holds(Permission::Post),
            Action::Moderate => holds(Permission::Moderate),
            // The group itself owns the resource here (no person does).
            Action::UseMoney | Action::ReadAccount => member,
            Action::ManageMoney | Action::Spend | Action::AuditMoney => {
                holds(Permission::ManageMoney)
            }
            Action::Tool(p) => holds(Permission::Tool(p.to_string())),
        };
        match (ok, signed_in) {
            (true, _) => "ok",
            (false, false) => "unauthenticated",
            (false, true) => "forbidden",
        }
    }

    fn answer(result: Result<()>) -> &'static str {
        match result {
            Ok(()) => "ok",
            Err(Error::NotFound(_)) => "not found",
            Err(Error::Unauthenticated(_)) => "unauthenticated",
            Err(Error::Forbidden(_)) => "forbidden",
            Err(_) => "other",
        }
    }

    fn actor(group: Option<uuid::Uuid>, scopes: Scopes) -> Actor {
        Actor {
            account: AccountId::new(),
            handle: "ada".into(),
            is_admin: false,
            scopes,
            group,
            credential: Credential::Session(SessionId::new()),
        }
    }

    fn role_strategy() -> impl Strategy<Value = Option<Role>> {
        prop_oneof![
            Just(None),
            Just(Some(Role::Owner)),
            Just(Some(Role::Admin)),
            Just(Some(Role::Member)),
            Just(Some(Role::Custom("greeter".into()))),
        ]
    }

    proptest! {
        #[test]
        fn authorize_agrees_with_the_reference_model(
            signed_in in any::<bool>(),
            vis in 0..3usize,
            role in role_strategy(),
            custom_bits in 0u16..256,
            action in 0..ACTIONS.len(),
        ) {
            let visibility = [Visibility::Public, Visibility::Listed, Visibility::Secret][vis];
            let role = if signed_in { role } else { None };
            let custom: BTreeSet<Permission> = Permission::MANAGED
                .iter()
                .cloned()
                .chain([Permission::Tool(PIN.into())])
                .enumerate()
                .filter(|(i, _)| custom_bits & (1 << i) != 0)
                .map(|(_, p)| p)
                .collect();
            let group = GroupFacts { id: GroupId::new(), visibility };
            let standing = role.clone().map(|r| Standing::new(r, &custom));
            let who = actor(None, Scopes::session());
            let got = authorize(signed_in.then_some(&who), standing.as_ref(), ACTIONS[action], &group);
            let want = reference(signed_in, visibility, role.as_ref(), &custom, ACTIONS[action]);
            prop_assert_eq!(answer(got), want);
        }

        #[test]
        fn a_token_for_another_group_is_a_stranger(vis in 0..3usize, action in 0..ACTIONS.len()) {
            let visibility = [Visibility::Public, Visibility::Listed, Visibility::Secret][vis];
            let group = GroupFacts { id: GroupId::new(), visibility };
            let owner = Standing::new(Role::Owner, &BTreeSet::new());
            let token = Actor {
                credential: Credential::Token(TokenId::new()),
                ..actor(Some(uuid::Uuid::now_v7()), Scopes::session())
            };
            let result = authorize(Some(&token), Some(&owner), ACTIONS[action], &group);
            let reads = (matches!(ACTIONS[action], Action::See) && visibility != Visibility::Secret) ||
                (visibility == Visibility::Public && matches!(ACTIONS[action], Action::Read | Action::ReadMembers | Action::ToolRead(_)));
            prop_assert_eq!(result.is_ok(), reads, "{:?} on {:?}", ACTIONS[action], visibility);
        }

        /// An outside tool, even holding every scope and handed an owner's standing, reads
        /// and posts in its one group and nothing more; elsewhere it is refused outright.
        #[test]
        fn an_outside_tool_reads_and_posts_in_its_group_only(vis in 0..3usize, action in 0..ACTIONS.len()) {
            let visibility = [Visibility::Public, Visibility::Listed, Visibility::Secret][vis];
            let group = GroupFacts { id: GroupId::new(), visibility };
            let owner = Standing::new(Role::Owner, &BTreeSet::new());
            let tool = Actor {
                credential: Credential::Tool(crate::id::ToolTokenId::new()),
                ..actor(Some(group.id.0), Scopes::all())
            };
            let here = authorize(Some(&tool), Some(&owner), ACTIONS[action], &group);
            let allowed = matches!(ACTIONS[action], Action::See | Action::Read | Action::ReadMembers | Action::Post);
            prop_assert_eq!(here.is_ok(), allowed, "{:?} on {:?}", ACTIONS[action], visibility);
            let elsewhere = Actor { group: Some(uuid::Uuid::now_v7()), ..tool };
            prop_assert!(authorize(Some(&elsewhere), Some(&owner), ACTIONS[action], &group).is_err());
        }
    }

    /// A tool's scopes open only that tool: `notes:read` reads notes and nothing else,
    /// `notes:write` also takes part and uses the permissions notes defines, and neither
    /// reaches the group's own content nor another tool.
    #[test]
    fn a_tools_scopes_open_that_tool_only() {
        let group = GroupFacts {
            id: GroupId::new(),
            visibility: Visibility::Listed,
        };
        let admin = Standing::new(Role::Admin, &BTreeSet::new());
        let may = |scopes: &str, action: Action| {
            let token = Actor {
                credential: Credential::Token(TokenId::new()),
                ..actor(None, scopes.parse().unwrap())
            };
            answer(authorize(Some(&token), Some(&admin), action, &group))
        };
        assert_eq!(may("notes:read", Action::ToolRead("notes")), "ok");
        assert_eq!(may("notes:read", Action::ToolUse("notes")), "forbidden");
        assert_eq!(may("notes:read", Action::Tool(PIN)), "forbidden");
        assert_eq!(may("notes:read", Action::Read), "forbidden");
        assert_eq!(may("notes:write", Action::ToolRead("notes")), "ok");
        assert_eq!(may("notes:write", Action::ToolUse("notes")), "ok");
        assert_eq!(may("notes:write", Action::Tool(PIN)), "ok");
        assert_eq!(may("notes:write", Action::Post), "forbidden");
        assert_eq!(may("chat:write", Action::ToolRead("notes")), "forbidden");
        assert_eq!(may("chat:write", Action::Tool(PIN)), "forbidden");
        assert_eq!(may("read", Action::ToolRead("notes")), "ok");
        assert_eq!(may("read", Action::ToolUse("notes")), "forbidden");
        assert_eq!(may("write", Action::Tool(PIN)), "ok");
    }

    #[test]
    fn a_parents_admins_manage_a_subgroup_only_when_it_lets_them() {
        let admin = Standing::new(Role::Admin, &BTreeSet::new());
        let member = Standing::new(Role::Member, &BTreeSet::new());
        let none = BTreeSet::new();
        assert_eq!(standing_in(None, Some(&admin), true), Some(admin.clone()));
        assert_eq!(standing_in(None, Some(&admin), false), None);
        assert_eq!(standing_in(None, Some(&member), true), None);
        assert_eq!(
            standing_in(Some(member.clone()), Some(&admin), true),
            Some(admin.clone()),
            "a member of both acts as admin here"
        );
        let owner = Standing::new(Role::Owner, &none);
        assert_eq!(
            standing_in(Some(owner.clone()), Some(&admin), true),
            Some(owner),
            "their own higher role stays"
        );
    }

    struct Owned(GroupFacts, AccountId);

    impl Resource for Owned {
        fn group(&self) -> Option<&GroupFacts> {
            Some(&self.0)
        }
        fn owner(&self) -> Option<AccountId> {
            Some(self.1)
        }
    }

    #[test]
    fn only_its_owner_spends_from_a_persons_account() {
        let group = GroupFacts {
            id: GroupId::new(),
            visibility: Visibility::Public,
        };
        let owner = actor(None, Scopes::session());
        let admin = actor(None, Scopes::session());
        let account = Owned(group, owner.account);
        let member = Standing::new(Role::Member, &BTreeSet::new());
        let admin_standing = Standing::new(Role::Admin, &BTreeSet::new());
        assert!(authorize(Some(&owner), Some(&member), Action::Spend, &account).is_ok());
        assert!(authorize(Some(&admin), Some(&admin_standing), Action::Spend, &account).is_err());
        // Admins read every statement; other members none but their own.
        assert!(
            authorize(
                Some(&admin),
                Some(&admin_standing),
                Action::ReadAccount,
                &account
            )
            .is_ok()
        );
        let other = actor(None, Scopes::session());
        assert!(authorize(Some(&other), Some(&member), Action::ReadAccount, &account).is_err());
        // An owner who has left the group no longer moves money there.
        assert!(authorize(Some(&owner), None, Action::Spend, &account).is_err());
    }

    #[test]
    fn the_account_needs_a_session_or_the_account_scope() {
        let session = actor(None, Scopes::session());
        assert!(authorize_account(&session, AccountAction::Change).is_ok());
        let write = Actor {
            credential: Credential::Token(TokenId::new()),
            ..actor(None, "read write".parse().unwrap())
        };
        assert!(authorize_account(&write, AccountAction::ReadPrivate).is_err());
        let account = Actor {
            scopes: "read write account".parse().unwrap(),
            ..write.clone()
        };
        assert!(authorize_account(&account, AccountAction::Change).is_ok());
        let read_account = Actor {
            scopes: "read account".parse().unwrap(),
            ..write.clone()
        };
        assert!(authorize_account(&read_account, AccountAction::ReadPrivate).is_ok());
        assert!(authorize_account(&read_account, AccountAction::Change).is_err());
        let limited = Actor {
            group: Some(uuid::Uuid::now_v7()),
            ..account.clone()
        };
        assert!(authorize_account(&limited, AccountAction::ReadPrivate).is_err());
        assert_eq!(confined_to(Some(&limited)).map(|g| g.0), limited.group);
        assert!(span_groups(&limited).is_err() && span_groups(&account).is_ok());
        let tool = Actor {
            credential: Credential::Tool(crate::id::ToolTokenId::new()),
            group: None,
            ..account
        };
        assert!(authorize_account(&tool, AccountAction::ReadPrivate).is_err());
    }

    #[test]
    fn nobody_hands_out_what_they_do_not_hold() {
        let roles: BTreeSet<Permission> = [Permission::ManageRoles].into_iter().collect();
        let keeper = Standing::new(Role::Custom("keeper".into()), &roles);
        let money: BTreeSet<Permission> = [Permission::ManageMoney].into_iter().collect();
        assert!(may_hand_out(Some(&keeper), &roles).is_ok());
        assert!(may_hand_out(Some(&keeper), &money).is_err());
        // `post`, what every member has, may always be passed on.
        let post: BTreeSet<Permission> = [Permission::Post].into_iter().collect();
        assert!(may_hand_out(Some(&keeper), &post).is_ok());
        let admin = Standing::new(Role::Admin, &BTreeSet::new());
        assert!(may_hand_out(Some(&admin), &money).is_ok());
        assert!(may_hand_out(None, &post).is_err());
    }

    #[test]
    fn a_read_only_token_cannot_manage() {
        let group = GroupFacts {
            id: GroupId::new(),
            visibility: Visibility::Public,
        };
        let owner = Standing::new(Role::Owner, &BTreeSet::new());
        let reader = actor(None, "read".parse().unwrap());
        assert!(authorize(Some(&reader), Some(&owner), Action::Read, &group).is_ok());
        assert!(matches!(
            authorize(Some(&reader), Some(&owner), Action::Edit, &group),
            Err(Error::Forbidden(_))
        ));
    }
}

//! Groups' types and rules (pure).

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Timestamp;
use crate::id::{AccountId, GroupId, InvitationId, JoinRequestId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Anyone sees the group and its content.
    Public,
    /// Anyone sees that it exists; members see its content.
    Listed,
    /// Only members know it exists.
    Secret,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Listed => "listed",
            Visibility::Secret => "secret",
        }
    }
}

impl FromStr for Visibility {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "public" => Ok(Visibility::Public),
            "listed" => Ok(Visibility::Listed),
            "secret" => Ok(Visibility::Secret),
            other => Err(format!("unknown visibility {other:?}")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JoinPolicy {
    /// Anyone who sees the group may join.
    Open,
    /// People ask; an admin approves.
    Request,
    /// Only by invitation.
    Invite,
}

impl JoinPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            JoinPolicy::Open => "open",
            JoinPolicy::Request => "request",
            JoinPolicy::Invite => "invite",
        }
    }
}

impl FromStr for JoinPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "open" => Ok(JoinPolicy::Open),
            "request" => Ok(JoinPolicy::Request),
            "invite" => Ok(JoinPolicy::Invite),
            other => Err(format!("unknown join policy {other:?}")),
        }
    }
}

/// A member's role: the three built in, or a group's own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Owner,
    Admin,
    Member,
    Custom(String),
}

impl Role {
    pub fn as_str(&self) -> &str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Custom(name) => name,
        }
    }

    pub fn parse(name: &str) -> Role {
        match name {
            "owner" => Role::Owner,
            "admin" => Role::Admin,
            "member" => Role::Member,
            other => Role::Custom(other.to_string()),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a role may do in its group. Tools add their own as `tool:{name}:{what}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    Invite,
    ManageMembers,
    ManageRoles,
    ManageTools,
    Post,
    Moderate,
    /// Create the group's currencies, set accounts' limits, open accounts for others and
    /// move the group's own money.
    ManageMoney,
    Tool(String),
}

impl Permission {
    /// Permissions stored as space-separated text; a word no longer known is skipped.
    pub fn parse_list(text: &str) -> std::collections::BTreeSet<Permission> {
        text.split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect()
    }

    /// The kernel's permissions, all held by owners and admins.
    pub const MANAGED: [Permission; 7] = [
        Permission::Invite,
        Permission::ManageMembers,
        Permission::ManageRoles,
        Permission::ManageTools,
        Permission::Post,
        Permission::Moderate,
        Permission::ManageMoney,
    ];

    pub fn as_str(&self) -> String {
        match self {
            Permission::Invite => "invite".into(),
            Permission::ManageMembers => "manage_members".into(),
            Permission::ManageRoles => "manage_roles".into(),
            Permission::ManageTools => "manage_tools".into(),
            Permission::Post => "post".into(),
            Permission::Moderate => "moderate".into(),
            Permission::ManageMoney => "manage_money".into(),
            Permission::Tool(name) => name.clone(),
        }
    }
}

impl FromStr for Permission {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Permission::MANAGED
            .iter()
            .find(|p| p.as_str() == s)
            .cloned()
            .or_else(|| {
                let mut parts = s.split(':');
                let well_formed = parts.next() == Some("tool")
                    && parts.next().is_some_and(|t| !t.is_empty())
                    && parts.next().is_some_and(|w| !w.is_empty())
                    && parts.next().is_none();
                well_formed.then(|| Permission::Tool(s.to_string()))
            })
            .ok_or_else(|| {
                format!(
                    "unknown permission {s:?}; known: invite, manage_members, manage_roles, \
                     manage_tools, post, moderate, manage_money, tool:NAME:WHAT"
                )
            })
    }
}

pub fn parse_permissions(list: &[String]) -> Result<BTreeSet<Permission>, String> {
    list.iter().map(|p| p.parse()).collect()
}

pub fn permissions_text(permissions: &BTreeSet<Permission>) -> String {
    permissions
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Group {
    pub id: GroupId,
    pub handle: String,
    pub name: String,
    pub description: String,
    pub visibility: Visibility,
    pub join_policy: JoinPolicy,
    /// The parent group's id, for a subgroup.
    pub parent: Option<GroupId>,
    /// Whether the parent group's admins manage this subgroup too.
    pub parent_admins_manage: bool,
    /// How many members it has; `null` when the caller may not see its members.
    pub member_count: Option<i64>,
    /// The caller's role in the group, if a member.
    pub your_role: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    #[schema(pattern = "^[a-z0-9_]{2,32}$")]
    pub handle: String,
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    pub visibility: Visibility,
    pub join_policy: JoinPolicy,
    /// Id or handle of the parent group; you must be one of its admins.
    pub parent: Option<String>,
    /// Let the parent's admins manage this subgroup.
    #[serde(default)]
    pub parent_admins_manage: bool,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupChanges {
    #[schema(pattern = "^[a-z0-9_]{2,32}$")]
    pub handle: Option<String>,
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    pub visibility: Option<Visibility>,
    pub join_policy: Option<JoinPolicy>,
    pub parent_admins_manage: Option<bool>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberAccount {
    pub id: AccountId,
    pub handle: String,
    pub display_name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Member {
    pub account: MemberAccount,
    pub role: String,
    pub joined_at: Timestamp,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinInput {
    /// A word to the admins, for groups that take requests.
    #[schema(max_length = 1000)]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    /// `admin`, `member` or a custom role's name (ownership moves with POST …/owner).
    pub role: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnerChange {
    /// Id or handle of the member who becomes the owner.
    pub account: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomRole {
    pub name: String,
    pub permissions: Vec<String>,
    /// Built-in roles cannot be changed or deleted.
    pub built_in: bool,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleInput {
    #[schema(pattern = "^[a-z0-9_]{2,32}$")]
    pub name: String,
    /// From: invite, manage_members, manage_roles, manage_tools, post, moderate,
    /// and tools' own `tool:NAME:WHAT`.
    pub permissions: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleUpdate {
    #[schema(pattern = "^[a-z0-9_]{2,32}$")]
    pub name: Option<String>,
    pub permissions: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationInput {
    /// Invite this person (id or handle).
    pub account: Option<String>,
    /// Invite by mail.
    #[schema(max_length = 254)]
    pub email: Option<String>,
    /// The role they get on joining (default `member`).
    pub role: Option<String>,
    /// Lifetime in seconds (default 14 days).
    #[schema(minimum = 60, maximum = 31_622_400)]
    pub expires_in: Option<i64>,
    /// For a shareable link: how many people may use it.
    #[schema(minimum = 1, maximum = 100_000)]
    pub max_uses: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Invitation {
    pub id: InvitationId,
    pub group: GroupSummary,
    /// The page to answer it at. For an invitation by mail or a shareable link this carries
    /// its secret, so it is given only once, when the invitation is made (it was mailed, or
    /// is yours to share); afterwards `null`. For an invitation to an account, its page (only
    /// that account may accept).
    pub url: Option<String>,
    /// The secret of a mailed or shareable link, given only once, when it is made: accept
    /// with `POST /api/v1/invitations/accept {"token": …}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub account: Option<AccountId>,
    /// Shown only to who may invite in the group and to the account invited.
    pub email: Option<String>,
    pub role: String,
    pub max_uses: Option<i64>,
    pub uses: i64,
    pub expires_at: Option<Timestamp>,
    /// `open`, `accepted`, `declined` or `revoked`.
    pub status: String,
    pub invited_by: AccountId,
    pub created_at: Timestamp,
}

/// The secret from an invitation's link (by mail or a shareable link).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationToken {
    /// `weft_inv_…`, the last part of the link.
    #[schema(max_length = 200)]
    pub token: String,
}

/// A group the caller belongs to, and their role in it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnGroup {
    pub group: GroupSummary,
    pub role: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GroupSummary {
    pub id: GroupId,
    pub handle: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JoinRequest {
    pub id: JoinRequestId,
    pub group: GroupId,
    pub account: MemberAccount,
    pub message: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub created_at: Timestamp,
    pub decided_at: Option<Timestamp>,
}

/// The answer to a join: a membership (open groups) or a pending request.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Joined {
    Member(Member),
    Requested(JoinRequest),
}

pub fn check_group_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err("1 to 100 printable characters".into());
    }
    Ok(name.to_string())
}

pub fn check_description(text: &str) -> Result<String, String> {
    if text.chars().count() > 2000 {
        return Err("at most 2000 characters".into());
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err("must not contain control characters".into());
    }
    Ok(text.trim().to_string())
}

/// Custom role names follow the handle rule and may not take a built-in name.
pub fn check_role_name(name: &str) -> Result<(), String> {
    crate::people::check_handle(name).map_err(|_| "2 to 32 of a-z, 0-9 and _".to_string())?;
    if matches!(name, "owner" | "admin" | "member") {
        return Err(format!("{name} is a built-in role"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_parse_and_print() {
        for p in Permission::MANAGED {
            assert_eq!(p.as_str().parse::<Permission>().unwrap(), p);
        }
        assert_eq!(
            "tool:chat:pin".parse::<Permission>().unwrap(),
            Permission::Tool("tool:chat:pin".into())
        );
        for bad in ["root", "tool:", "tool:chat", "tool::x", "tool:a:b:c"] {
            assert!(bad.parse::<Permission>().is_err(), "{bad}");
        }
    }

    #[test]
    fn built_in_role_names_are_taken() {
        assert!(check_role_name("admin").is_err());
        assert!(check_role_name("Treasurer").is_err());
        assert!(check_role_name("treasurer").is_ok());
    }
}

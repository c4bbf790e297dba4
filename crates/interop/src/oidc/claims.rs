//! What a tool learns of the person who signs in, by scope: `profile` (name, handle, profile
//! page), `email`, and `groups` — the groups that have the tool turned on, with the person's
//! role in each (as objects, and as plain strings for tools that read only those), and the
//! claims the tool maps from those roles. The same claims go into the
//! ID token and come from userinfo; they are read at the moment of asking, so a group that
//! turns the tool off leaves the claim at once.

use std::collections::BTreeMap;

use kernel::groups::ToolGroupRow;
use kernel::groups::service::memberships_using_tool;
use kernel::tool::OutsideToolRow;
use kernel::tool::outside::{ClaimRule, claim_rules};
use kernel::{Error, Kernel, Result};
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

/// A group in the `groups` claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct GroupClaim {
    /// The group's id: what a claim rule for one group names (not in the claim itself).
    #[serde(skip)]
    pub id: String,
    pub handle: String,
    pub name: String,
    /// `owner`, `admin`, `member`, or the name of a custom role.
    pub role: String,
}

/// Whether `scopes` (space-separated) holds `scope`.
pub fn has(scopes: &str, scope: &str) -> bool {
    scopes.split_whitespace().any(|s| s == scope)
}

/// The person's groups that use the tool.
pub async fn groups(
    k: &Kernel,
    account: kernel::id::AccountId,
    tool: &OutsideToolRow,
) -> Result<Vec<GroupClaim>> {
    Ok(memberships_using_tool(k, account, &tool.name)
        .await?
        .into_iter()
        .map(
            |ToolGroupRow {
                 id,
                 handle,
                 name,
                 role,
             }| GroupClaim {
                id: id.to_string(),
                handle,
                name,
                role,
            },
        )
        .collect())
}

/// How much a role weighs when a rule picks the person's highest: owner, admin, a custom
/// role, member.
fn rank(role: &str) -> u8 {
    match role {
        "owner" => 3,
        "admin" => 2,
        "member" => 0,
        _ => 1,
    }
}

/// The value of one claim rule for someone in `groups`.
pub fn apply(rule: &ClaimRule, groups: &[GroupClaim]) -> Option<String> {
    let role = match &rule.group {
        Some(id) => groups.iter().find(|g| &g.id == id).map(|g| g.role.as_str()),
        None => groups
            .iter()
            .filter(|g| rule.values.contains_key(&g.role))
            .max_by_key(|g| rank(&g.role))
            .map(|g| g.role.as_str()),
    };
    role.and_then(|r| rule.values.get(r))
        .or(rule.default.as_ref())
        .cloned()
}

/// The claims about the person that `scopes` allow, `sub` first.
pub async fn about(
    k: &Kernel,
    account: kernel::id::AccountId,
    tool: &OutsideToolRow,
    scopes: &str,
) -> Result<Map<String, Value>> {
    let person = kernel::people::account_for_sign_in(k, account).await?;
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(account.to_string()));
    if has(scopes, "profile") {
        claims.insert("name".into(), json!(person.display_name));
        claims.insert("preferred_username".into(), json!(person.handle));
        claims.insert(
            "profile".into(),
            json!(k.link(&format!("/@{}", person.handle))),
        );
        claims.insert("updated_at".into(), json!(person.updated_at.0 / 1_000_000));
    }
    if has(scopes, "email")
        && let Some(email) = person.email
    {
        claims.insert("email".into(), json!(email));
        // Weft does not confirm addresses yet: a tool must not take this one as proven.
        claims.insert("email_verified".into(), json!(false));
    }
    if has(scopes, "groups") {
        let groups = groups(k, account, tool).await?;
        let mapped: BTreeMap<String, String> = claim_rules(tool)
            .iter()
            .filter_map(|rule| apply(rule, &groups).map(|v| (rule.claim.clone(), v)))
            .collect();
        // Most tools (Gitea, Nextcloud, Outline…) read group membership as a list of
        // strings: the handles, and `handle:role` for mapping roles to admin rights or teams.
        claims.insert(
            "group_handles".into(),
            json!(groups.iter().map(|g| &g.handle).collect::<Vec<_>>()),
        );
        claims.insert(
            "group_roles".into(),
            json!(
                groups
                    .iter()
                    .map(|g| format!("{}:{}", g.handle, g.role))
                    .collect::<Vec<_>>()
            ),
        );
        claims.insert(
            "groups".into(),
            serde_json::to_value(&groups).map_err(Error::internal)?,
        );
        for (claim, value) in mapped {
            claims.insert(claim, json!(value));
        }
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(handle: &str, role: &str) -> GroupClaim {
        GroupClaim {
            id: handle.into(),
            handle: handle.into(),
            name: handle.to_uppercase(),
            role: role.into(),
        }
    }

    fn grafana() -> ClaimRule {
        ClaimRule {
            claim: "role".into(),
            group: None,
            values: [
                ("owner", "Admin"),
                ("admin", "Editor"),
                ("member", "Viewer"),
            ]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
            default: None,
        }
    }

    #[test]
    fn the_highest_mapped_role_decides() {
        let rule = grafana();
        assert_eq!(
            apply(&rule, &[group("a", "member"), group("b", "admin")]).as_deref(),
            Some("Editor")
        );
        assert_eq!(
            apply(&rule, &[group("a", "owner"), group("b", "member")]).as_deref(),
            Some("Admin")
        );
        assert_eq!(apply(&rule, &[]), None);
        // A custom role the rule does not map is passed over.
        assert_eq!(
            apply(&rule, &[group("a", "treasurer"), group("b", "member")]).as_deref(),
            Some("Viewer")
        );
    }

    #[test]
    fn a_rule_for_one_group_reads_only_that_group() {
        let rule = ClaimRule {
            group: Some("garden".into()),
            default: Some("None".into()),
            ..grafana()
        };
        assert_eq!(
            apply(
                &rule,
                &[group("garden", "member"), group("kitchen", "owner")]
            )
            .as_deref(),
            Some("Viewer")
        );
        assert_eq!(
            apply(&rule, &[group("kitchen", "owner")]).as_deref(),
            Some("None")
        );
    }
}

//! Tools: each built-in tool describes itself with a manifest; the registry holds them, and
//! each group turns tools on and off ("which groups use which tools").

use std::collections::BTreeMap;

pub mod outside;
pub(crate) mod store;

pub use store::OutsideToolRow;
pub mod tokens;

use serde::Serialize;
use utoipa::ToSchema;

use crate::{Kernel, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ToolManifest {
    /// An outside tool's id (paths take it or the name); built-in tools have none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub id: Option<crate::id::ToolId>,
    /// Unique name, lowercase (`chat`, `decide`, …); the path segment of its pages.
    pub name: String,
    pub description: String,
    /// An icon name from the design language, or a URL.
    pub icon: String,
    /// The permissions it adds to roles (`tool:{name}:{what}`).
    pub permissions: Vec<String>,
    /// What each of its permissions lets a role do, by permission ("Pin messages").
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub permission_labels: BTreeMap<String, String>,
    /// The token scopes it opens: a built-in tool's `{name}:read` and `{name}:write`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// The activity types it writes.
    pub activity_types: Vec<String>,
    /// `built_in`, or `external` for outside tools.
    pub kind: String,
    /// What people call it ("Loomio").
    pub display_name: String,
    /// An outside tool's home page (the link back from what it posts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home_url: Option<String>,
}

impl ToolManifest {
    pub fn built_in(name: &str, description: &str, icon: &str) -> Self {
        ToolManifest {
            id: None,
            name: name.into(),
            description: description.into(),
            icon: icon.into(),
            permissions: Vec::new(),
            permission_labels: BTreeMap::new(),
            scopes: vec![format!("{name}:read"), format!("{name}:write")],
            activity_types: Vec::new(),
            kind: "built_in".into(),
            display_name: name.into(),
            home_url: None,
        }
    }

    /// Adds a permission roles may hold (`tool:{name}:{what}`) and what it lets them do.
    pub fn with_permission(mut self, what: &str, label: &str) -> Self {
        let permission = format!("tool:{}:{what}", self.name);
        self.permission_labels
            .insert(permission.clone(), label.into());
        self.permissions.push(permission);
        self
    }

    /// Adds an activity type it records.
    pub fn with_activity(mut self, activity_type: &str) -> Self {
        self.activity_types.push(activity_type.into());
        self
    }

    /// What is wrong with a built-in tool's manifest, if anything: a name scopes cannot carry
    /// or that the kernel keeps, a permission outside `tool:{name}:`, an unlabelled one.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let scope = format!("{}:read", self.name).parse::<crate::people::Scope>();
        if !scope.is_ok_and(|s| s.tool_name() == Some(&self.name)) {
            problems.push(format!(
                "{:?} is not a tool name: lowercase letters, digits and -, at most {}, and \
                 none of the kernel's scope areas",
                self.name,
                crate::people::ToolName::MAX
            ));
        }
        let prefix = format!("tool:{}:", self.name);
        for p in &self.permissions {
            if !p.strip_prefix(&prefix).is_some_and(|what| {
                !what.is_empty() && what.bytes().all(|c| c.is_ascii_lowercase() || c == b'_')
            }) {
                problems.push(format!("permission {p:?} is not {prefix}<what>"));
            }
            if !self.permission_labels.contains_key(p) {
                problems.push(format!("permission {p:?} has no label"));
            }
        }
        let scopes = [
            format!("{}:read", self.name),
            format!("{}:write", self.name),
        ];
        if self.scopes != scopes {
            problems.push(format!("scopes must be {scopes:?}"));
        }
        problems
    }

    /// An outside tool's manifest, from its registration.
    pub fn outside(row: &store::OutsideToolRow, display_name: &str) -> Self {
        ToolManifest {
            id: Some(row.id),
            name: row.name.clone(),
            description: row.description.clone(),
            icon: row.icon_url.clone().unwrap_or_else(|| "plug".into()),
            permissions: Vec::new(),
            permission_labels: BTreeMap::new(),
            scopes: Vec::new(),
            activity_types: Vec::new(),
            kind: "external".into(),
            display_name: display_name.into(),
            home_url: Some(row.home_url.clone()),
        }
    }
}

/// Names no outside tool may take, nor use as the prefix of its activity types: the kernel's
/// own areas (the `tool` of their activities), `weft:` types, and every built-in tool,
/// including those DESIGN plans (section 1), so an outside tool can never pass for one on a
/// dashboard — now or once that tool exists.
pub const RESERVED_NAMES: &[&str] = &[
    "weft",
    "kernel",
    "people",
    "groups",
    "notifications",
    "activities",
    "ledger",
    "subjects",
    "tools",
    "interop",
    "webhooks",
    "oidc",
    "oauth",
    "motions",
    "jobs",
    "files",
    "comments",
    "admin",
    "api",
    "system",
    "settings",
    "credit",
    "decide",
    "polls",
    "ideas",
    "budget",
    "chat",
    "intents",
    "tasks",
    "map",
    "fund",
    "contracts",
    "equity",
    "trust",
    "export",
];

/// Whether an outside tool may not take `name`: reserved, or a built-in tool of this server.
/// Refuses a tool's endpoint in a group that has not turned the tool on: 404, as if the
/// thing were not there (the group's bar shows no tab for it either). Every tool's service
/// calls this once it has loaded the group.
pub async fn require_on(k: &Kernel, group: crate::id::GroupId, tool: &str) -> Result<()> {
    if store::is_on(&k.db, group, tool).await? {
        Ok(())
    } else {
        Err(crate::Error::NotFound("tool"))
    }
}

/// Refuses (409, naming it) a feature that needs another tool the group has turned off: a
/// pool spending by decision needs `decide`, an idea promoted to a poll too.
pub async fn require_other(k: &Kernel, group: crate::id::GroupId, other: &str) -> Result<()> {
    if store::is_on(&k.db, group, other).await? {
        Ok(())
    } else {
        Err(crate::Error::conflict(
            "tool",
            format!("this needs the {other} tool, which this group has not turned on"),
        ))
    }
}

pub fn is_reserved(k: &Kernel, name: &str) -> bool {
    RESERVED_NAMES.contains(&name) || k.tools.get(name).is_some()
}

/// Every tool: the built-in ones, then the outside ones by name.
pub async fn all(k: &Kernel) -> Result<Vec<ToolManifest>> {
    let mut tools = k.tools.all().to_vec();
    let rows = store::all(&k.db).await?;
    let accounts: Vec<_> = rows.iter().map(|r| r.account_id).collect();
    let names = crate::people::display_names(k, &accounts).await?;
    for row in &rows {
        let display = names
            .get(&row.account_id)
            .map_or(row.name.as_str(), String::as_str);
        tools.push(ToolManifest::outside(row, display));
    }
    Ok(tools)
}

/// One tool, built-in or outside, by its name or (an outside tool's) id.
pub async fn find(k: &Kernel, name: &str) -> Result<Option<ToolManifest>> {
    if let Some(t) = k.tools.get(name) {
        return Ok(Some(t.clone()));
    }
    let Some(row) = store::by_key(&k.db, name).await? else {
        return Ok(None);
    };
    let names = crate::people::display_names(k, &[row.account_id]).await?;
    let display = names
        .get(&row.account_id)
        .map_or(row.name.as_str(), String::as_str);
    Ok(Some(ToolManifest::outside(&row, display)))
}

/// The tools this server knows, in the order they were registered.
#[derive(Debug, Clone, Default)]
pub struct ToolRegistry {
    tools: Vec<ToolManifest>,
}

impl ToolRegistry {
    /// The built-in tools. A malformed manifest or a name given twice is a mistake in the
    /// composition root, caught when the server starts (and by the contract test).
    pub fn new(tools: Vec<ToolManifest>) -> Self {
        for (i, tool) in tools.iter().enumerate() {
            let problems = tool.problems();
            assert!(
                problems.is_empty(),
                "tool {}: {}",
                tool.name,
                problems.join("; ")
            );
            assert!(
                !tools[..i].iter().any(|t| t.name == tool.name),
                "two tools are named {}",
                tool.name
            );
        }
        ToolRegistry { tools }
    }

    /// A built-in tool's permission, as its manifest declares it.
    pub fn permission(&self, permission: &str) -> Option<(&ToolManifest, &str)> {
        let tool = permission.strip_prefix("tool:")?.split(':').next()?;
        let manifest = self.get(tool)?;
        let label = manifest.permission_labels.get(permission)?;
        Some((manifest, label.as_str()))
    }

    pub fn all(&self) -> &[ToolManifest] {
        &self.tools
    }

    pub fn get(&self, name: &str) -> Option<&ToolManifest> {
        self.tools.iter().find(|t| t.name == name)
    }
}

/// An outside tool's registration by its id (what interop's protocol reads; the table is the
/// kernel's).
pub async fn registration_by_id(
    k: &Kernel,
    id: crate::id::ToolId,
) -> Result<Option<OutsideToolRow>> {
    store::by_id(&k.db, id).await
}

/// An outside tool's registration by its OAuth `client_id`.
pub async fn registration_by_client_id(
    k: &Kernel,
    client_id: &str,
) -> Result<Option<OutsideToolRow>> {
    store::by_client_id(&k.db, client_id).await
}

/// An outside tool's registration by its name.
pub async fn registration_by_name(k: &Kernel, name: &str) -> Result<Option<OutsideToolRow>> {
    store::by_name(&k.db, name).await
}

//! Tools: each built-in tool describes itself with a manifest; the registry holds them, and
//! each group turns tools on and off ("which groups use which tools").

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
            activity_types: Vec::new(),
            kind: "built_in".into(),
            display_name: name.into(),
            home_url: None,
        }
    }

    /// An outside tool's manifest, from its registration.
    pub fn outside(row: &store::OutsideToolRow, display_name: &str) -> Self {
        ToolManifest {
            id: Some(row.id),
            name: row.name.clone(),
            description: row.description.clone(),
            icon: row.icon_url.clone().unwrap_or_else(|| "plug".into()),
            permissions: Vec::new(),
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
    pub fn new(tools: Vec<ToolManifest>) -> Self {
        ToolRegistry { tools }
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

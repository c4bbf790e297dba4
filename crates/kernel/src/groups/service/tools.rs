//! Which tools each group uses: the server's tool directory, a group's tools, and turning a
//! tool on or off for a group.

use super::{Loaded, group_ref, in_group, load, log};
use crate::activity::ObjectRef;
use crate::groups::model::*;
use crate::groups::store;
use crate::people::Actor;
use crate::policy::{self, Action};
use crate::tool::ToolManifest;
use crate::{Error, Kernel, Result};

/// Every tool the server offers, with the groups (that the caller may see) using each.
pub async fn tool_directory(
    k: &Kernel,
    actor: Option<&Actor>,
) -> Result<Vec<(ToolManifest, Vec<GroupSummary>)>> {
    let mut out = Vec::new();
    for tool in crate::tool::all(k).await? {
        let condition = policy::visible_groups(actor);
        let rows = store::groups_using(&k.db, &tool.name, condition).await?;
        // Listed groups show that they exist, not what they use: only public ones and the
        // caller's own are named.
        let mut groups = Vec::new();
        for row in rows {
            let loaded = load(k, actor, &row.id.to_string()).await?;
            if loaded.authorize(actor, Action::Read).is_ok() {
                groups.push(loaded.row.summary());
            }
        }
        out.push((tool, groups));
    }
    Ok(out)
}

pub async fn group_tools(
    k: &Kernel,
    actor: Option<&Actor>,
    key: &str,
) -> Result<Vec<ToolManifest>> {
    let loaded = load(k, actor, key).await?;
    tools_of(k, actor, &loaded).await
}

/// The tools a loaded group uses, for whoever may read it.
pub async fn tools_of(
    k: &Kernel,
    actor: Option<&Actor>,
    loaded: &Loaded,
) -> Result<Vec<ToolManifest>> {
    loaded.authorize(actor, Action::Read)?;
    let names = store::enabled_tools(&k.db, loaded.row.id).await?;
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let all = crate::tool::all(k).await?;
    Ok(all
        .into_iter()
        .filter(|t| names.iter().any(|(n,)| *n == t.name))
        .collect())
}

/// Turns a tool on or off for a group. An outside tool whose registrar approves each group
/// is not turned on by the group alone: the ask becomes a pending request (returned), and the
/// registrar's approval turns it on.
pub async fn set_tool(
    k: &Kernel,
    actor: &Actor,
    key: &str,
    tool: &str,
    enabled: bool,
) -> Result<Option<crate::tool::outside::ToolRequest>> {
    let loaded = load(k, Some(actor), key).await?;
    loaded.authorize(Some(actor), Action::ManageTools)?;
    let Some(found) = crate::tool::find(k, tool).await? else {
        return Err(Error::NotFound("tool"));
    };
    let tool = found.name.as_str();
    let outside = match found.id {
        Some(id) => crate::tool::store::by_id(&k.db, id).await?,
        None => None,
    };
    let mut tx = k.db.begin().await?;
    if enabled && let Some(outside) = &outside {
        let already = store::tools_enabled_in(&mut tx, loaded.row.id, tool).await?;
        if !already
            && let Some(request) =
                crate::tool::outside::may_enable(k, &mut tx, actor, outside, &loaded.row).await?
        {
            tx.commit().await?;
            return Ok(Some(request));
        }
    }
    let changed = if enabled {
        store::enable_tool(&mut tx, loaded.row.id, tool, actor.account, k.now()).await?
    } else {
        // An outside tool's tokens for the group stop working at once.
        if let Some(outside) = &outside {
            crate::tool::store::delete_tokens(&mut tx, outside.id, Some(loaded.row.id)).await?;
        }
        store::disable_tool(&mut tx, loaded.row.id, tool).await?
    };
    if changed > 0 {
        let (kind, verb) = if enabled {
            ("Add", "turned on")
        } else {
            ("Remove", "turned off")
        };
        let new = in_group(
            kind,
            actor,
            ObjectRef::new("weft:Tool", tool, Some(tool)),
            &loaded.row,
        )
        .target(group_ref(&loaded.row))
        .summary(format!(
            "{} {verb} {tool} in {}",
            actor.handle, loaded.row.name
        ));
        log(k, &mut tx, new).await?;
    }
    tx.commit().await?;
    Ok(None)
}

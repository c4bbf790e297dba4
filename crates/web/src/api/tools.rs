//! Which groups use which tools: the registry and each group's switches.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use kernel::groups::{self, GroupSummary};
use kernel::tool::ToolManifest;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{AppState, Caller, Json, MaybeCaller, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(directory))
        .routes(routes!(group_tools))
        .routes(routes!(enable, disable))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ToolEntry {
    #[serde(flatten)]
    pub tool: ToolManifest,
    /// The groups using it that you may see.
    pub groups: Vec<GroupSummary>,
}

/// Every tool, with the (public, or yours) groups using it.
#[utoipa::path(get, path = "/api/v1/tools", tag = "tools", security((), ("bearer" = [])),
    responses((status = 200, body = Vec<ToolEntry>)))]
async fn directory(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
) -> Result<Json<Vec<ToolEntry>>, Problem> {
    let entries = groups::tool_directory(&app.kernel, actor.as_ref()).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|(tool, groups)| ToolEntry { tool, groups })
            .collect(),
    ))
}

/// The tools a group uses.
#[utoipa::path(get, path = "/api/v1/groups/{group}/tools", tag = "tools",
    security((), ("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle")),
    responses((status = 200, body = Vec<ToolManifest>)))]
async fn group_tools(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(group): Path<String>,
) -> Result<Json<Vec<ToolManifest>>, Problem> {
    Ok(Json(
        groups::group_tools(&app.kernel, actor.as_ref(), &group).await?,
    ))
}

/// Turn a tool on for a group (those who manage tools).
#[utoipa::path(put, path = "/api/v1/groups/{group}/tools/{tool}", tag = "tools",
    security(("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle"),
        ("tool" = String, Path, description = "Tool name")),
    responses((status = 204, description = "Enabled")))]
async fn enable(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path((group, tool)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    groups::set_tool(&app.kernel, &actor, &group, &tool, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Turn a tool off for a group.
#[utoipa::path(delete, path = "/api/v1/groups/{group}/tools/{tool}", tag = "tools",
    security(("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle"),
        ("tool" = String, Path, description = "Tool name")),
    responses((status = 204, description = "Disabled")))]
async fn disable(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path((group, tool)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    groups::set_tool(&app.kernel, &actor, &group, &tool, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! Which groups use which tools: the registry and each group's switches.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use kernel::groups::{self, GroupSummary};
use kernel::tool::ToolManifest;
use kernel::tool::outside::ToolRequest;
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

/// Turn a tool on for a group (those who manage tools). An outside tool whose registrar
/// approves each group (`access: approval`) answers 202 with the pending request instead; it
/// turns on when the registrar approves.
#[utoipa::path(put, path = "/api/v1/groups/{group}/tools/{tool}", tag = "tools",
    security(("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle"),
        ("tool" = String, Path, description = "Tool name, or an outside tool's id")),
    responses((status = 204, description = "Enabled"),
        (status = 202, description = "Asked: the registrar approves", body = ToolRequest)))]
async fn enable(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path((group, tool)): Path<(String, String)>,
) -> Result<axum::response::Response, Problem> {
    use axum::response::IntoResponse;
    Ok(
        match groups::set_tool(&app.kernel, &actor, &group, &tool, true).await? {
            Some(request) => (StatusCode::ACCEPTED, Json(request)).into_response(),
            None => StatusCode::NO_CONTENT.into_response(),
        },
    )
}

/// Turn a tool off for a group.
#[utoipa::path(delete, path = "/api/v1/groups/{group}/tools/{tool}", tag = "tools",
    security(("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle"),
        ("tool" = String, Path, description = "Tool name, or an outside tool's id")),
    responses((status = 204, description = "Disabled")))]
async fn disable(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path((group, tool)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    groups::set_tool(&app.kernel, &actor, &group, &tool, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

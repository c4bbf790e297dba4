//! The JSON API of outside tools: registering one, its secret, and posting activities.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use kernel::tool::outside::{self, NewTool, OutsideTool, Registered};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use web::{AppState, Caller, Json, Problem};

use crate::activities::{self, IncomingActivity, Posted};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(registration))
        .routes(routes!(rotate_secret))
        .routes(routes!(post_activity))
}

/// Register an outside tool. It becomes an OAuth client: the answer holds its `client_id`
/// and, this once, its `client_secret`. Its handle (made from `name` unless given) is the
/// name groups turn it on by, and the actor its activities appear under.
#[utoipa::path(post, path = "/api/v1/tools", tag = "tools", security(("bearer" = [])),
    request_body = NewTool,
    responses((status = 201, body = Registered)))]
async fn register(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<NewTool>,
) -> Result<(StatusCode, Json<Registered>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(outside::register(&app.kernel, &actor, input).await?),
    ))
}

/// A tool's registration, for who registered it (its secret is never shown again).
#[utoipa::path(get, path = "/api/v1/tools/{tool}/registration", tag = "tools",
    security(("bearer" = [])),
    params(("tool" = String, Path, description = "The tool's handle")),
    responses((status = 200, body = OutsideTool)))]
async fn registration(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(tool): Path<String>,
) -> Result<Json<OutsideTool>, Problem> {
    Ok(Json(outside::get(&app.kernel, &actor, &tool).await?))
}

/// A new client secret; the old one stops working at once.
#[utoipa::path(post, path = "/api/v1/tools/{tool}/secret", tag = "tools",
    security(("bearer" = [])),
    params(("tool" = String, Path, description = "The tool's handle")),
    responses((status = 201, body = Registered)))]
async fn rotate_secret(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(tool): Path<String>,
) -> Result<(StatusCode, Json<Registered>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(outside::rotate_secret(&app.kernel, &actor, &tool).await?),
    ))
}

/// Post an ActivityStreams activity to a group: an outside tool with its group token (scope
/// `activities:write`), or a member who may post. It reaches members like a built-in tool's.
#[utoipa::path(post, path = "/api/v1/groups/{group}/activities", tag = "activities",
    security(("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle")),
    request_body = IncomingActivity,
    responses((status = 201, body = Posted)))]
async fn post_activity(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
    Json(input): Json<IncomingActivity>,
) -> Result<(StatusCode, Json<Posted>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(activities::post(&app.kernel, &actor, &group, input).await?),
    ))
}

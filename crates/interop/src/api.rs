//! The JSON API of outside tools: registering one, its secret, and posting activities.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use kernel::tool::outside::{self, NewTool, OutsideTool, Registered, SignInUpdate, ToolRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use web::{AppState, Caller, Json, Problem};

use crate::activities::{self, IncomingActivity, Posted};
use crate::oidc::keys::{self, KeyInfo};
use crate::webhooks::{self, CreatedWebhook, Delivery, NewWebhook, Webhook};
use axum::extract::Query;
use kernel::id::{DeliveryId, WebhookId};
use kernel::page::{Page, PageRequest};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(registration, update_sign_in))
        .routes(routes!(oidc_keys))
        .routes(routes!(rotate_oidc_keys))
        .routes(routes!(rotate_secret))
        .routes(routes!(tool_requests))
        .routes(routes!(approve_request))
        .routes(routes!(reject_request))
        .routes(routes!(post_activity))
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(delete_webhook))
        .routes(routes!(deliveries))
        .routes(routes!(replay))
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

/// Change how people sign in to a tool: its redirect URIs, the algorithm of its ID tokens
/// (`RS256` or `EdDSA`), and claims of its own mapped from group roles.
#[utoipa::path(patch, path = "/api/v1/tools/{tool}/registration", tag = "tools",
    security(("bearer" = [])),
    params(("tool" = String, Path, description = "The tool's handle")),
    request_body = SignInUpdate,
    responses((status = 200, body = OutsideTool)))]
async fn update_sign_in(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(tool): Path<String>,
    Json(input): Json<SignInUpdate>,
) -> Result<Json<OutsideTool>, Problem> {
    Ok(Json(
        outside::update_sign_in(&app.kernel, &actor, &tool, input).await?,
    ))
}

/// The OpenID Connect signing keys, for the server's administrators: which sign, and which
/// the JWKS still lists.
#[utoipa::path(get, path = "/api/v1/oidc/keys", tag = "tools", security(("bearer" = [])),
    responses((status = 200, body = Vec<KeyInfo>)))]
async fn oidc_keys(
    State(app): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<Vec<KeyInfo>>, Problem> {
    kernel::policy::administer_server(Some(&actor), kernel::people::Scope::Write)?;
    Ok(Json(keys::list(&app.kernel).await?))
}

/// Rotate the OpenID Connect signing keys: new keys sign from now on; the old ones stay in
/// the JWKS until the ID tokens they signed have expired.
#[utoipa::path(post, path = "/api/v1/oidc/keys/rotate", tag = "tools",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<KeyInfo>)))]
async fn rotate_oidc_keys(
    State(app): State<AppState>,
    axum::Extension(provider): axum::Extension<std::sync::Arc<crate::oidc::Provider>>,
    Caller(actor): Caller,
) -> Result<Json<Vec<KeyInfo>>, Problem> {
    kernel::policy::administer_server(Some(&actor), kernel::people::Scope::Write)?;
    Ok(Json(keys::rotate(&app.kernel, &provider.keys).await?))
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

/// The groups' requests to use the tool (for who registered it): pending, approved, rejected.
#[utoipa::path(get, path = "/api/v1/tools/{tool}/requests", tag = "tools",
    security(("bearer" = [])),
    params(("tool" = String, Path, description = "The tool's handle or id"), PageRequest),
    responses((status = 200, body = Page<ToolRequest>)))]
async fn tool_requests(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(tool): Path<String>,
    Query(page): Query<PageRequest>,
) -> Result<Json<Page<ToolRequest>>, Problem> {
    Ok(Json(
        outside::requests(&app.kernel, &actor, &tool, &page).await?,
    ))
}

fn request_id(id: &str) -> Result<kernel::id::ToolRequestId, Problem> {
    id.parse().map_err(|_| Problem::not_found("tool request"))
}

/// Approve a group's request: the group uses the tool from now on (no body).
#[utoipa::path(post, path = "/api/v1/tool-requests/{id}/approve", tag = "tools",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Request id")),
    responses((status = 200, body = ToolRequest),
        (status = 410, description = "Already decided", body = Problem)))]
async fn approve_request(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<ToolRequest>, Problem> {
    Ok(Json(
        outside::decide_request(&app.kernel, &actor, request_id(&id)?, true).await?,
    ))
}

/// Reject a group's request (no body).
#[utoipa::path(post, path = "/api/v1/tool-requests/{id}/reject", tag = "tools",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Request id")),
    responses((status = 200, body = ToolRequest),
        (status = 410, description = "Already decided", body = Problem)))]
async fn reject_request(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<ToolRequest>, Problem> {
    Ok(Json(
        outside::decide_request(&app.kernel, &actor, request_id(&id)?, false).await?,
    ))
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

/// Add a webhook endpoint to a group (who manages its tools). Activities the whole group may
/// read are sent to it, signed per the Standard Webhooks specification with the `secret`
/// in the answer, shown this once.
#[utoipa::path(post, path = "/api/v1/groups/{group}/webhooks", tag = "webhooks",
    security(("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle")),
    request_body = NewWebhook,
    responses((status = 201, body = CreatedWebhook)))]
async fn create_webhook(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
    Json(input): Json<NewWebhook>,
) -> Result<(StatusCode, Json<CreatedWebhook>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(webhooks::create(&app.kernel, &actor, &group, input).await?),
    ))
}

/// A group's webhook endpoints.
#[utoipa::path(get, path = "/api/v1/groups/{group}/webhooks", tag = "webhooks",
    security(("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle")),
    responses((status = 200, body = Vec<Webhook>)))]
async fn list_webhooks(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
) -> Result<Json<Vec<Webhook>>, Problem> {
    Ok(Json(webhooks::list(&app.kernel, &actor, &group).await?))
}

fn webhook_id(id: &str) -> Result<WebhookId, Problem> {
    id.parse().map_err(|_| Problem::not_found("webhook"))
}

/// Remove an endpoint; nothing more is sent to it.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Webhook id")),
    responses((status = 204, description = "Removed")))]
async fn delete_webhook(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    webhooks::delete(&app.kernel, &actor, webhook_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What was sent to an endpoint, newest first, with each delivery's state and attempts.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Webhook id"), PageRequest),
    responses((status = 200, body = Page<Delivery>)))]
async fn deliveries(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Query(page): Query<PageRequest>,
) -> Result<Json<Page<Delivery>>, Problem> {
    Ok(Json(
        webhooks::deliveries(&app.kernel, &actor, webhook_id(&id)?, &page).await?,
    ))
}

/// Send a delivery again, now.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery}/replay", tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Webhook id"),
        ("delivery" = uuid::Uuid, Path, description = "Delivery id")),
    responses((status = 202, body = Delivery)))]
async fn replay(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path((id, delivery)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Delivery>), Problem> {
    let delivery: DeliveryId = delivery
        .parse()
        .map_err(|_| Problem::not_found("delivery"))?;
    Ok((
        StatusCode::ACCEPTED,
        Json(webhooks::replay(&app.kernel, &actor, webhook_id(&id)?, delivery).await?),
    ))
}

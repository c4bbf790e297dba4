//! Members, roles and ownership of a group; join requests.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kernel::groups::{
    self, CustomRole, JoinInput, JoinRequest, Joined, Member, OwnerChange, RoleChange, RoleInput,
    RoleUpdate,
};
use kernel::id::JoinRequestId;
use kernel::page::{Page, PageRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{AppState, Caller, Json, MaybeCaller, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_members, join))
        .routes(routes!(change_role, remove_member))
        .routes(routes!(hand_over))
        .routes(routes!(list_roles, create_role))
        .routes(routes!(update_role, delete_role))
        .routes(routes!(list_join_requests))
        .routes(routes!(approve))
        .routes(routes!(reject))
}

/// A group's members and their roles.
#[utoipa::path(get, path = "/api/v1/groups/{group}/members", tag = "groups",
    security((), ("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle"), PageRequest),
    responses((status = 200, body = Page<Member>)))]
async fn list_members(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(group): Path<String>,
    Query(page): Query<PageRequest>,
) -> Result<Json<Page<Member>>, Problem> {
    Ok(Json(
        groups::members(&app.kernel, actor.as_ref(), &group, &page).await?,
    ))
}

/// Join: an open group answers 201 with your membership; one that takes requests answers
/// 202 with your pending request; an invitation-only group answers 403.
#[utoipa::path(post, path = "/api/v1/groups/{group}/members", tag = "groups",
    security(("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle")),
    request_body = JoinInput,
    responses((status = 201, description = "Joined", body = Member),
        (status = 202, description = "Asked to join", body = JoinRequest)))]
async fn join(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
    Json(input): Json<JoinInput>,
) -> Result<Response, Problem> {
    Ok(
        match groups::join(&app.kernel, &actor, &group, input).await? {
            joined @ Joined::Member(_) => (StatusCode::CREATED, Json(joined)).into_response(),
            asked @ Joined::Requested(_) => (StatusCode::ACCEPTED, Json(asked)).into_response(),
        },
    )
}

/// Change a member's role.
#[utoipa::path(patch, path = "/api/v1/groups/{group}/members/{account}", tag = "groups",
    security(("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle"),
        ("account" = String, Path, description = "Account id or handle")),
    request_body = RoleChange, responses((status = 200, body = Member)))]
async fn change_role(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path((group, account)): Path<(String, String)>,
    Json(input): Json<RoleChange>,
) -> Result<Json<Member>, Problem> {
    Ok(Json(
        groups::change_role(&app.kernel, &actor, &group, &account, input).await?,
    ))
}

/// Remove a member, or leave (yourself). Access ends at once.
#[utoipa::path(delete, path = "/api/v1/groups/{group}/members/{account}", tag = "groups",
    security(("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle"),
        ("account" = String, Path, description = "Account id or handle")),
    responses((status = 204, description = "Removed")))]
async fn remove_member(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path((group, account)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    groups::remove_member(&app.kernel, &actor, &group, &account).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Hand ownership to another member (owner only); you stay as an admin.
#[utoipa::path(post, path = "/api/v1/groups/{group}/owner", tag = "groups",
    security(("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle")),
    request_body = OwnerChange, responses((status = 200, body = Member)))]
async fn hand_over(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
    Json(input): Json<OwnerChange>,
) -> Result<Json<Member>, Problem> {
    Ok(Json(
        groups::hand_over(&app.kernel, &actor, &group, input).await?,
    ))
}

/// The group's roles: the built-in three and its own.
#[utoipa::path(get, path = "/api/v1/groups/{group}/roles", tag = "groups",
    security((), ("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle")),
    responses((status = 200, body = Vec<CustomRole>)))]
async fn list_roles(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(group): Path<String>,
) -> Result<Json<Vec<CustomRole>>, Problem> {
    Ok(Json(
        groups::roles(&app.kernel, actor.as_ref(), &group).await?,
    ))
}

/// Create a custom role with permissions.
#[utoipa::path(post, path = "/api/v1/groups/{group}/roles", tag = "groups",
    security(("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle")),
    request_body = RoleInput, responses((status = 201, body = CustomRole)))]
async fn create_role(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
    Json(input): Json<RoleInput>,
) -> Result<(StatusCode, Json<CustomRole>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(groups::create_role(&app.kernel, &actor, &group, input).await?),
    ))
}

/// Rename a custom role or change its permissions.
#[utoipa::path(patch, path = "/api/v1/groups/{group}/roles/{role}", tag = "groups",
    security(("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle"),
        ("role" = String, Path, description = "Role name")),
    request_body = RoleUpdate, responses((status = 200, body = CustomRole)))]
async fn update_role(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path((group, role)): Path<(String, String)>,
    Json(input): Json<RoleUpdate>,
) -> Result<Json<CustomRole>, Problem> {
    Ok(Json(
        groups::update_role(&app.kernel, &actor, &group, &role, input).await?,
    ))
}

/// Delete a custom role; its holders become members.
#[utoipa::path(delete, path = "/api/v1/groups/{group}/roles/{role}", tag = "groups",
    security(("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle"),
        ("role" = String, Path, description = "Role name")),
    responses((status = 204, description = "Deleted")))]
async fn delete_role(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path((group, role)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    groups::delete_role(&app.kernel, &actor, &group, &role).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Pending requests to join (for those who manage members).
#[utoipa::path(get, path = "/api/v1/groups/{group}/join-requests", tag = "groups",
    security(("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle"), PageRequest),
    responses((status = 200, body = Page<JoinRequest>)))]
async fn list_join_requests(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
    Query(page): Query<PageRequest>,
) -> Result<Json<Page<JoinRequest>>, Problem> {
    Ok(Json(
        groups::join_requests(&app.kernel, &actor, &group, &page).await?,
    ))
}

fn request_id(id: &str) -> Result<JoinRequestId, Problem> {
    id.parse().map_err(|_| Problem::not_found("join request"))
}

/// Approve a request to join: the asker becomes a member.
#[utoipa::path(post, path = "/api/v1/join-requests/{id}/approve", tag = "groups",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Join request id")),
    responses((status = 200, body = JoinRequest)))]
async fn approve(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<JoinRequest>, Problem> {
    Ok(Json(
        groups::decide_join_request(&app.kernel, &actor, request_id(&id)?, true).await?,
    ))
}

/// Reject a request to join.
#[utoipa::path(post, path = "/api/v1/join-requests/{id}/reject", tag = "groups",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Join request id")),
    responses((status = 200, body = JoinRequest)))]
async fn reject(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<JoinRequest>, Problem> {
    Ok(Json(
        groups::decide_join_request(&app.kernel, &actor, request_id(&id)?, false).await?,
    ))
}

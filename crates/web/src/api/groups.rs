//! Groups: the directory, creating, reading, editing and deleting a group, its subgroups.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kernel::groups::{self, Group, GroupChanges, NewGroup};
use kernel::page::{Page, PageRequest};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{AppState, Caller, Json, MaybeCaller, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_groups, create_group))
        .routes(routes!(get_group, update_group, delete_group))
        .routes(routes!(subgroups))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    /// Words to look for in handles, names and descriptions.
    #[param(max_length = 100)]
    pub q: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The directory of groups you may see, by handle; `?q=` searches.
#[utoipa::path(get, path = "/api/v1/groups", tag = "groups",
    security((), ("bearer" = [])), params(DirectoryQuery),
    responses((status = 200, body = Page<Group>)))]
async fn list_groups(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Query(query): Query<DirectoryQuery>,
) -> Result<Json<Page<Group>>, Problem> {
    if query.q.as_ref().is_some_and(|q| q.chars().count() > 100) {
        return Err(kernel::Error::BadRequest("search at most 100 characters".into()).into());
    }
    let page = PageRequest {
        limit: query.limit,
        cursor: query.cursor,
    };
    let search = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    Ok(Json(
        groups::list_groups(&app.kernel, actor.as_ref(), search, &page).await?,
    ))
}

/// Create a group (or, with `parent`, a subgroup); you become its owner.
#[utoipa::path(post, path = "/api/v1/groups", tag = "groups", security(("bearer" = [])),
    request_body = NewGroup, responses((status = 201, body = Group)))]
async fn create_group(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<NewGroup>,
) -> Result<(StatusCode, Json<Group>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(groups::create_group(&app.kernel, &actor, input).await?),
    ))
}

/// A group. Secret groups answer 404 to non-members; listed groups show their name but not
/// their members.
#[utoipa::path(get, path = "/api/v1/groups/{group}", tag = "groups",
    security((), ("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle")),
    responses((status = 200, body = Group)))]
async fn get_group(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(group): Path<String>,
) -> Result<Json<Group>, Problem> {
    Ok(Json(
        groups::get_group(&app.kernel, actor.as_ref(), &group).await?,
    ))
}

/// Edit a group (admins).
#[utoipa::path(patch, path = "/api/v1/groups/{group}", tag = "groups", security(("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle")),
    request_body = GroupChanges, responses((status = 200, body = Group)))]
async fn update_group(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
    Json(input): Json<GroupChanges>,
) -> Result<Json<Group>, Problem> {
    Ok(Json(
        groups::update_group(&app.kernel, &actor, &group, input).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteQuery {
    /// The group's handle, repeated to confirm.
    pub confirm: Option<String>,
}

/// Delete a group for good (owner only; confirm with `?confirm={handle}`).
#[utoipa::path(delete, path = "/api/v1/groups/{group}", tag = "groups", security(("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle"), DeleteQuery),
    responses((status = 204, description = "Deleted")))]
async fn delete_group(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
    Query(query): Query<DeleteQuery>,
) -> Result<StatusCode, Problem> {
    groups::delete_group(&app.kernel, &actor, &group, query.confirm.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A group's subgroups that you may see.
#[utoipa::path(get, path = "/api/v1/groups/{group}/subgroups", tag = "groups",
    security((), ("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle"), PageRequest),
    responses((status = 200, body = Page<Group>)))]
async fn subgroups(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(group): Path<String>,
    Query(page): Query<PageRequest>,
) -> Result<Json<Page<Group>>, Problem> {
    Ok(Json(
        groups::subgroups(&app.kernel, actor.as_ref(), &group, &page).await?,
    ))
}

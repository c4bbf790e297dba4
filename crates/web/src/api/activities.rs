//! A group's activity log.

use axum::extract::{Path, Query, State};
use kernel::activity::{Activity, service};
use kernel::page::{Page, PageRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{AppState, Json, MaybeCaller, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_activities))
}

/// What happened in a group, newest first, as ActivityStreams 2.0 activities: everything
/// addressed to the group (for whoever may read its content) and what names you directly.
/// Activities name things by type and id; fetch them for their content.
#[utoipa::path(get, path = "/api/v1/groups/{group}/activities", tag = "activities",
    security((), ("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle"), PageRequest),
    responses((status = 200, body = Page<Activity>)))]
async fn list_activities(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(group): Path<String>,
    Query(page): Query<PageRequest>,
) -> Result<Json<Page<Activity>>, Problem> {
    Ok(Json(
        service::group_activities(&app.kernel, actor.as_ref(), &group, &page).await?,
    ))
}

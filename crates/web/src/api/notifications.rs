//! The caller's inbox: notifications, unread counts, marking read, and settings.

use axum::extract::{Query, State};
use kernel::notify::{
    self, MarkRead, Notification, NotificationFilter, NotificationSettings, SettingsUpdate,
    UnreadCounts,
};
use kernel::page::{Page, PageRequest};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{AppState, Caller, Json, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(unread_counts))
        .routes(routes!(mark_read))
        .routes(routes!(get_settings, update_settings))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// Only this group (id or handle; one of yours).
    pub group: Option<String>,
    /// Only this tool's activities.
    pub tool: Option<String>,
    /// Only unread items.
    pub unread: Option<bool>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Your inbox, newest first: what names you directly (invitations, join requests to decide,
/// changes to your role, mentions) and what happens in your groups, as each group's setting
/// allows.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications",
    security(("bearer" = [])), params(InboxQuery),
    responses((status = 200, body = Page<Notification>)))]
async fn list_notifications(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Query(query): Query<InboxQuery>,
) -> Result<Json<Page<Notification>>, Problem> {
    let filter = NotificationFilter {
        group: query.group,
        tool: query.tool,
        unread: query.unread,
    };
    let page = PageRequest {
        limit: query.limit,
        cursor: query.cursor,
    };
    Ok(Json(
        notify::service::list(&app.kernel, &actor, &filter, &page).await?,
    ))
}

/// How many items are unread, in all and per group.
#[utoipa::path(get, path = "/api/v1/notifications/counts", tag = "notifications",
    security(("bearer" = [])), responses((status = 200, body = UnreadCounts)))]
async fn unread_counts(
    State(app): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<UnreadCounts>, Problem> {
    Ok(Json(notify::service::counts(&app.kernel, &actor).await?))
}

/// Mark read: `{"ids": [...]}`, `{"group": ..., "up_to": id}` or `{"all": true}`. Answers
/// the unread counts after.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications",
    security(("bearer" = [])), request_body = MarkRead,
    responses((status = 200, body = UnreadCounts)))]
async fn mark_read(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<MarkRead>,
) -> Result<Json<UnreadCounts>, Problem> {
    Ok(Json(
        notify::service::mark_read(&app.kernel, &actor, input).await?,
    ))
}

/// Your notification settings: the daily digest, and how much of each group reaches you.
#[utoipa::path(get, path = "/api/v1/notifications/settings", tag = "notifications",
    security(("bearer" = [])), responses((status = 200, body = NotificationSettings)))]
async fn get_settings(
    State(app): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<NotificationSettings>, Problem> {
    Ok(Json(notify::service::settings(&app.kernel, &actor).await?))
}

/// Change the digest (`daily_digest`) or groups' levels (`all`, `mentions`, `mute`).
#[utoipa::path(patch, path = "/api/v1/notifications/settings", tag = "notifications",
    security(("bearer" = [])), request_body = SettingsUpdate,
    responses((status = 200, body = NotificationSettings)))]
async fn update_settings(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<SettingsUpdate>,
) -> Result<Json<NotificationSettings>, Problem> {
    Ok(Json(
        notify::service::update_settings(&app.kernel, &actor, input).await?,
    ))
}

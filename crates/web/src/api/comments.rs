//! Comments on any tool's things (`kernel::comments`): list a thing's, comment, answer, edit,
//! delete, react.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kernel::comments::{self, Comment, CommentEdit, NewComment};
use kernel::id::CommentId;
use kernel::page::{Page, PageRequest};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{AppState, Caller, Json, MaybeCaller, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(edit, delete))
        .routes(routes!(react, unreact))
}

/// The thing commented on.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommentsQuery {
    /// `group`, or a tool's kind of thing.
    pub subject_type: String,
    /// Its id (a group's id or handle).
    pub subject_id: String,
    /// How many (1–200, default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn comment_id(text: &str) -> Result<CommentId, Problem> {
    text.parse().map_err(|_| Problem::not_found("comment"))
}

/// A thing's comments, oldest first, for who may read the thing. Threads nest by `parent`.
#[utoipa::path(get, path = "/api/v1/comments", tag = "comments", security((), ("bearer" = [])),
    params(CommentsQuery), responses((status = 200, body = Page<Comment>)))]
async fn list(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Query(q): Query<CommentsQuery>,
) -> Result<Json<Page<Comment>>, Problem> {
    let page = PageRequest {
        limit: q.limit,
        cursor: q.cursor,
    };
    Ok(Json(
        comments::list(
            &app.kernel,
            actor.as_ref(),
            &q.subject_type,
            &q.subject_id,
            &page,
        )
        .await?,
    ))
}

/// Comment on a thing you may post to (its group), or answer a comment (`parent`). Each
/// `@handle` of a member of the group notifies them.
#[utoipa::path(post, path = "/api/v1/comments", tag = "comments", security(("bearer" = [])),
    request_body = NewComment, responses((status = 201, body = Comment)))]
async fn create(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Json(new): Json<NewComment>,
) -> Result<(StatusCode, Json<Comment>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(comments::create(&app.kernel, &actor, new).await?),
    ))
}

/// Change your comment's text.
#[utoipa::path(patch, path = "/api/v1/comments/{id}", tag = "comments", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Comment id")),
    request_body = CommentEdit, responses((status = 200, body = Comment)))]
async fn edit(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(edit): Json<CommentEdit>,
) -> Result<Json<Comment>, Problem> {
    Ok(Json(
        comments::edit(&app.kernel, &actor, comment_id(&id)?, edit).await?,
    ))
}

/// Delete a comment's text (its answers stay): its author, or who moderates the group.
#[utoipa::path(delete, path = "/api/v1/comments/{id}", tag = "comments", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Comment id")),
    responses((status = 204, description = "Deleted")))]
async fn delete(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    comments::delete(&app.kernel, &actor, comment_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// React to a comment (once per emoji; again changes nothing).
#[utoipa::path(put, path = "/api/v1/comments/{id}/reactions/{emoji}", tag = "comments",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Comment id"),
        ("emoji" = String, Path, description = "1 to 16 characters, no spaces")),
    responses((status = 204, description = "Reacted")))]
async fn react(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path((id, emoji)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    comments::react(&app.kernel, &actor, comment_id(&id)?, &emoji, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take a reaction back.
#[utoipa::path(delete, path = "/api/v1/comments/{id}/reactions/{emoji}", tag = "comments",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Comment id"),
        ("emoji" = String, Path, description = "The reaction")),
    responses((status = 204, description = "Taken back")))]
async fn unreact(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path((id, emoji)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    comments::react(&app.kernel, &actor, comment_id(&id)?, &emoji, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

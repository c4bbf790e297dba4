//! The tasks tool's JSON API (issue "Tasks"): boards in a group, their cards, moving and
//! changing cards, and the caller's tasks across groups. Paths and bodies are the public
//! protocol.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ledger::Ledger;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use web::{AppState, Caller, Json, MaybeCaller, Problem};

use crate::cache::BoardCache;
use crate::model::*;
use crate::service;

#[derive(utoipa::OpenApi)]
#[openapi(tags((name = "tasks",
    description = "Boards with columns, cards with assignees, dependencies, custom fields and bounties")))]
struct TasksTag;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(<TasksTag as utoipa::OpenApi>::openapi())
        .routes(routes!(create_board, list_boards))
        .routes(routes!(get_board, update_board))
        .routes(routes!(create_card, list_cards))
        .routes(routes!(get_card, update_card, delete_card))
        .routes(routes!(my_tasks))
}

fn board_id(text: &str) -> Result<BoardId, Problem> {
    text.parse().map_err(|_| Problem::not_found("board"))
}

fn card_id(text: &str) -> Result<CardId, Problem> {
    text.parse().map_err(|_| Problem::not_found("card"))
}

/// Make a board in the group (who may take part there; the group uses tasks). Columns
/// default to To do, Doing, Review, Done.
#[utoipa::path(post, path = "/api/v1/groups/{group}/boards", tag = "tasks",
    security(("bearer" = [])), params(("group" = String, Path, description = "Group id or handle")),
    request_body = NewBoard, responses((status = 201, body = Board)))]
async fn create_board(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
    Json(input): Json<NewBoard>,
) -> Result<(StatusCode, Json<Board>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(service::create_board(&app.kernel, &actor, &group, input).await?),
    ))
}

/// The group's boards, oldest first.
#[utoipa::path(get, path = "/api/v1/groups/{group}/boards", tag = "tasks",
    params(("group" = String, Path, description = "Group id or handle")),
    responses((status = 200, body = Vec<Board>)))]
async fn list_boards(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(group): Path<String>,
) -> Result<Json<Vec<Board>>, Problem> {
    Ok(Json(
        service::list_boards(&app.kernel, actor.as_ref(), &group).await?,
    ))
}

/// A board: its columns (with how many cards each holds) and custom fields.
#[utoipa::path(get, path = "/api/v1/boards/{id}", tag = "tasks",
    params(("id" = String, Path)), responses((status = 200, body = Board)))]
async fn get_board(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<Board>, Problem> {
    Ok(Json(
        service::get_board(&app.kernel, actor.as_ref(), board_id(&id)?).await?,
    ))
}

/// Rename a board, change its columns or its custom fields: its author, or a role with
/// `tool:tasks:manage`.
#[utoipa::path(patch, path = "/api/v1/boards/{id}", tag = "tasks",
    security(("bearer" = [])), params(("id" = String, Path)),
    request_body = BoardChange, responses((status = 200, body = Board)))]
async fn update_board(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<BoardChange>,
) -> Result<Json<Board>, Problem> {
    Ok(Json(
        service::update_board(&app.kernel, &actor, board_id(&id)?, input).await?,
    ))
}

/// Add a card. A `bounty` is paid now from your account in that currency into the tool's
/// escrow (your token needs `ledger:write`), and paid to the assignees when a reviewer moves
/// the card to done.
#[utoipa::path(post, path = "/api/v1/boards/{id}/cards", tag = "tasks",
    security(("bearer" = [])), params(("id" = String, Path)),
    request_body = NewCard, responses((status = 201, body = Card)))]
async fn create_card(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<NewCard>,
) -> Result<(StatusCode, Json<Card>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(service::create_card(&ledger, &actor, board_id(&id)?, input).await?),
    ))
}

/// The board's cards, column by column in order (`?column=`, `?assignee=`, `?label=`). The
/// whole board carries an `ETag`: ask again with `If-None-Match` for a 304 while nothing
/// changed.
#[utoipa::path(get, path = "/api/v1/boards/{id}/cards", tag = "tasks",
    params(("id" = String, Path), CardFilter,
        ("If-None-Match" = Option<String>, Header, description = "The ETag of a board you hold")),
    responses((status = 200, body = Vec<Card>), (status = 304, description = "Unchanged")))]
async fn list_cards(
    State(app): State<AppState>,
    Extension(cache): Extension<Arc<BoardCache>>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
    Query(filter): Query<CardFilter>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let (copy, filtered) =
        service::list_cards(&app.kernel, &cache, actor.as_ref(), board_id(&id)?, &filter).await?;
    if let Some(cards) = filtered {
        return Ok(Json(cards).into_response());
    }
    let tag = format!("W/\"{}-{}\"", copy.version, copy.fresh_until);
    let etag = (
        header::ETAG,
        HeaderValue::from_str(&tag).map_err(kernel::Error::internal)?,
    );
    let held = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    if held {
        return Ok((StatusCode::NOT_MODIFIED, [etag]).into_response());
    }
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            etag,
        ],
        copy.json.clone(),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/cards/{id}", tag = "tasks",
    params(("id" = String, Path)), responses((status = 200, body = Card)))]
async fn get_card(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<Card>, Problem> {
    Ok(Json(
        service::get_card(&app.kernel, actor.as_ref(), card_id(&id)?).await?,
    ))
}

/// Change a card, or move it: `{column, position}` (column by id or name, position the
/// 0-based place after the move). A card that waits for others does not move to done; a
/// card with a bounty moves there only by a reviewer who is not its assignee, which pays it.
#[utoipa::path(patch, path = "/api/v1/cards/{id}", tag = "tasks",
    security(("bearer" = [])), params(("id" = String, Path)),
    request_body = CardChange, responses((status = 200, body = Card)))]
async fn update_card(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<CardChange>,
) -> Result<Json<Card>, Problem> {
    Ok(Json(
        service::update_card(&ledger, &actor, card_id(&id)?, input).await?,
    ))
}

/// Delete a card (its author, or a role with `tool:tasks:manage`); a held bounty goes back
/// to who offered it.
#[utoipa::path(delete, path = "/api/v1/cards/{id}", tag = "tasks",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 204)))]
async fn delete_card(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    service::delete_card(&ledger, &actor, card_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Cards assigned to you in every group you may read, soonest due first (`?done=true`
/// includes those done).
#[utoipa::path(get, path = "/api/v1/me/tasks", tag = "tasks",
    security(("bearer" = [])), params(MyTasksFilter),
    responses((status = 200, body = Vec<MyTask>)))]
async fn my_tasks(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Query(filter): Query<MyTasksFilter>,
) -> Result<Json<Vec<MyTask>>, Problem> {
    Ok(Json(service::my_tasks(&app.kernel, &actor, &filter).await?))
}

//! The decide tool's JSON API (issue "Decisions"): polls in a group, votes, closing and
//! results. Paths and bodies are the public protocol.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kernel::page::Page;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use web::{AppState, Caller, Json, MaybeCaller, Problem};

use crate::model::*;
use crate::service;

#[derive(utoipa::OpenApi)]
#[openapi(tags((name = "decide",
    description = "Polls a group decides by: proposals, consent, choices, scores, dots and ranked votes")))]
struct DecideTag;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(<DecideTag as utoipa::OpenApi>::openapi())
        .routes(routes!(create_poll, list_polls))
        .routes(routes!(get_poll))
        .routes(routes!(cast_vote))
        .routes(routes!(close_poll))
        .routes(routes!(poll_results))
        .routes(routes!(open_motion))
        .routes(routes!(get_motion))
        .routes(routes!(withdraw_motion))
}

fn poll_id(text: &str) -> Result<PollId, Problem> {
    text.parse().map_err(|_| Problem::not_found("poll"))
}

/// Open a poll in the group (who may take part there; the group uses decide).
#[utoipa::path(post, path = "/api/v1/groups/{group}/polls", tag = "decide",
    security(("bearer" = [])), params(("group" = String, Path, description = "Group id or handle")),
    request_body = NewPoll, responses((status = 201, body = Poll)))]
async fn create_poll(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
    Json(input): Json<NewPoll>,
) -> Result<(StatusCode, Json<Poll>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(service::create_poll(&app.kernel, &actor, &group, input).await?),
    ))
}

/// The group's polls, newest first (`?status=open|closed`).
#[utoipa::path(get, path = "/api/v1/groups/{group}/polls", tag = "decide",
    params(("group" = String, Path, description = "Group id or handle"), PollFilter),
    responses((status = 200, body = Page<Poll>)))]
async fn list_polls(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(group): Path<String>,
    Query(filter): Query<PollFilter>,
) -> Result<Json<Page<Poll>>, Problem> {
    Ok(Json(
        service::group_polls(&app.kernel, actor.as_ref(), &group, &filter).await?,
    ))
}

/// A poll, with the caller's own vote.
#[utoipa::path(get, path = "/api/v1/polls/{id}", tag = "decide",
    params(("id" = String, Path)), responses((status = 200, body = Poll)))]
async fn get_poll(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<Poll>, Problem> {
    Ok(Json(
        service::get_poll(&app.kernel, actor.as_ref(), poll_id(&id)?).await?,
    ))
}

/// Vote, or change your vote where the poll allows it.
#[utoipa::path(post, path = "/api/v1/polls/{id}/votes", tag = "decide",
    security(("bearer" = [])), params(("id" = String, Path)),
    request_body = NewVote, responses((status = 200, body = Poll)))]
async fn cast_vote(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<NewVote>,
) -> Result<Json<Poll>, Problem> {
    Ok(Json(
        service::vote(&app.kernel, &actor, poll_id(&id)?, input).await?,
    ))
}

/// Close the poll now: its author, or a role with `tool:decide:close`.
#[utoipa::path(post, path = "/api/v1/polls/{id}/close", tag = "decide",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Poll)))]
async fn close_poll(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<Poll>, Problem> {
    Ok(Json(
        service::close(&app.kernel, &actor, poll_id(&id)?).await?,
    ))
}

/// The results, once the poll's `hide_results` lets the caller see them.
#[utoipa::path(get, path = "/api/v1/polls/{id}/results", tag = "decide",
    params(("id" = String, Path)), responses((status = 200, body = Results)))]
async fn poll_results(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<Results>, Problem> {
    Ok(Json(
        service::results(&app.kernel, actor.as_ref(), poll_id(&id)?).await?,
    ))
}

fn motion_id(text: &str) -> Result<kernel::id::MotionId, Problem> {
    text.parse().map_err(|_| Problem::not_found("motion"))
}

/// Ask the group to decide: a poll opens with the motion, and closing it resolves the
/// motion (`weft:MotionResolved`). Outside tools ask with their group token.
#[utoipa::path(post, path = "/api/v1/groups/{group}/motions", tag = "decide",
    security(("bearer" = [])), params(("group" = String, Path, description = "Group id or handle")),
    request_body = MotionRequest, responses((status = 201, body = MotionView)))]
async fn open_motion(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
    Json(input): Json<MotionRequest>,
) -> Result<(StatusCode, Json<MotionView>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(service::open_motion(&app.kernel, &actor, &group, input).await?),
    ))
}

/// A motion and how it stands.
#[utoipa::path(get, path = "/api/v1/motions/{id}", tag = "decide",
    params(("id" = String, Path)), responses((status = 200, body = MotionView)))]
async fn get_motion(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<MotionView>, Problem> {
    Ok(Json(
        kernel::motions::get(&app.kernel, actor.as_ref(), motion_id(&id)?)
            .await?
            .into(),
    ))
}

/// Withdraw an open motion: who asked, or who may moderate the group. Its poll ends
/// without a decision.
#[utoipa::path(post, path = "/api/v1/motions/{id}/withdraw", tag = "decide",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = MotionView)))]
async fn withdraw_motion(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<MotionView>, Problem> {
    Ok(Json(
        kernel::motions::withdraw(&app.kernel, &actor, motion_id(&id)?)
            .await?
            .into(),
    ))
}

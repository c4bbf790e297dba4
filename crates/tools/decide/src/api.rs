//! The decide tool's JSON API (issue "Decisions"): polls in a group, votes, closing and
//! results. Paths and bodies are the public protocol.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
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
        .routes(routes!(results_csv))
        .routes(routes!(list_votes))
        .routes(routes!(list_voters))
        .routes(routes!(reopen_poll))
        .routes(routes!(state_outcome))
        .routes(routes!(add_option))
        .routes(routes!(grant_proxy, revoke_proxy))
        .routes(routes!(invitation))
        .routes(routes!(my_delegations, delegate, end_delegation))
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

/// The results as CSV (one row per option), once the poll's `hide_results` lets the caller
/// see them.
#[utoipa::path(get, path = "/api/v1/polls/{id}/results.csv", tag = "decide",
    params(("id" = String, Path)),
    responses((status = 200, content_type = "text/csv", body = String)))]
async fn results_csv(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<axum::response::Response, Problem> {
    let csv = service::results_csv(&app.kernel, actor.as_ref(), poll_id(&id)?).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"poll-{id}.csv\""),
            ),
        ],
        csv,
    )
        .into_response())
}

/// Each vote with its reason and weight, once the results show; an anonymous poll's carry
/// no voter.
#[utoipa::path(get, path = "/api/v1/polls/{id}/votes", tag = "decide",
    params(("id" = String, Path)), responses((status = 200, body = Vec<VoteView>)))]
async fn list_votes(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<VoteView>>, Problem> {
    Ok(Json(
        service::votes(&app.kernel, actor.as_ref(), poll_id(&id)?).await?,
    ))
}

/// Who has voted and who has not (never what they chose).
#[utoipa::path(get, path = "/api/v1/polls/{id}/voters", tag = "decide",
    params(("id" = String, Path)), responses((status = 200, body = VoterList)))]
async fn list_voters(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<VoterList>, Problem> {
    Ok(Json(
        service::voters(&app.kernel, actor.as_ref(), poll_id(&id)?).await?,
    ))
}

/// Open a closed poll again: who may close it.
#[utoipa::path(post, path = "/api/v1/polls/{id}/reopen", tag = "decide",
    security(("bearer" = [])), params(("id" = String, Path)),
    request_body = Reopen, responses((status = 200, body = Poll)))]
async fn reopen_poll(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<Reopen>,
) -> Result<Json<Poll>, Problem> {
    Ok(Json(
        service::reopen(&app.kernel, &actor, poll_id(&id)?, input).await?,
    ))
}

/// State what a closed poll decided, with an optional review date: who may close it.
#[utoipa::path(post, path = "/api/v1/polls/{id}/outcome", tag = "decide",
    security(("bearer" = [])), params(("id" = String, Path)),
    request_body = NewOutcome, responses((status = 200, body = Poll)))]
async fn state_outcome(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<NewOutcome>,
) -> Result<Json<Poll>, Problem> {
    Ok(Json(
        service::state_outcome(&app.kernel, &actor, poll_id(&id)?, input).await?,
    ))
}

/// Add an option: the author, or any voter where the poll lets members add options.
#[utoipa::path(post, path = "/api/v1/polls/{id}/options", tag = "decide",
    security(("bearer" = [])), params(("id" = String, Path)),
    request_body = NewOption, responses((status = 201, body = Poll)))]
async fn add_option(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<NewOption>,
) -> Result<(StatusCode, Json<Poll>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(service::add_option(&app.kernel, &actor, poll_id(&id)?, input).await?),
    ))
}

/// Let another member vote for you in this poll (they vote with `on_behalf_of`).
#[utoipa::path(put, path = "/api/v1/polls/{id}/proxy", tag = "decide",
    security(("bearer" = [])), params(("id" = String, Path)),
    request_body = ProxyGrant, responses((status = 200, body = Poll)))]
async fn grant_proxy(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<ProxyGrant>,
) -> Result<Json<Poll>, Problem> {
    Ok(Json(
        service::grant_proxy(&app.kernel, &actor, poll_id(&id)?, input).await?,
    ))
}

/// Take back your proxy grant in this poll.
#[utoipa::path(delete, path = "/api/v1/polls/{id}/proxy", tag = "decide",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 204)))]
async fn revoke_proxy(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    service::revoke_proxy(&app.kernel, &actor, poll_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A closed meeting poll's chosen time as an iCalendar invitation.
#[utoipa::path(get, path = "/api/v1/polls/{id}/invite.ics", tag = "decide",
    params(("id" = String, Path)),
    responses((status = 200, content_type = "text/calendar", body = String)))]
async fn invitation(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<axum::response::Response, Problem> {
    let ics = service::invitation(&app.kernel, actor.as_ref(), poll_id(&id)?).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"meeting-{id}.ics\""),
            ),
        ],
        ics,
    )
        .into_response())
}

/// Your delegations in the group: those you gave and those given to you.
#[utoipa::path(get, path = "/api/v1/groups/{group}/delegation", tag = "decide",
    security(("bearer" = [])), params(("group" = String, Path, description = "Group id or handle")),
    responses((status = 200, body = Delegations)))]
async fn my_delegations(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
) -> Result<Json<Delegations>, Problem> {
    Ok(Json(
        crate::delegation::mine(&app.kernel, &actor, &group).await?,
    ))
}

/// Give your vote in the group's polls (or those tagged `tag`) to another member, whenever
/// you do not vote yourself.
#[utoipa::path(put, path = "/api/v1/groups/{group}/delegation", tag = "decide",
    security(("bearer" = [])), params(("group" = String, Path, description = "Group id or handle")),
    request_body = DelegationRequest, responses((status = 200, body = Delegations)))]
async fn delegate(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
    Json(input): Json<DelegationRequest>,
) -> Result<Json<Delegations>, Problem> {
    Ok(Json(
        crate::delegation::delegate(&app.kernel, &actor, &group, input).await?,
    ))
}

/// End your delegation in the group (`?tag=`, or a body `{tag}`, for a tag's).
#[utoipa::path(delete, path = "/api/v1/groups/{group}/delegation", tag = "decide",
    security(("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle"), DelegationEnd),
    request_body(content = Option<DelegationEnd>, description = "Optional: `{tag}`"),
    responses((status = 204)))]
async fn end_delegation(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
    Query(query): Query<DelegationEnd>,
    body: axum::body::Bytes,
) -> Result<StatusCode, Problem> {
    let input = if body.iter().all(u8::is_ascii_whitespace) {
        query
    } else {
        let given: DelegationEnd = serde_json::from_slice(&body)
            .map_err(|e| Problem::from(kernel::Error::invalid("body", e.to_string())))?;
        DelegationEnd {
            tag: given.tag.or(query.tag),
        }
    };
    crate::delegation::end(&app.kernel, &actor, &group, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! The intents tool's JSON API (issue "Offers and requests"): offers and requests in a group
//! and across groups, their matches, responses and fulfilment, bounties, followed tags and
//! the Murmurations export. Paths and bodies are the public protocol.

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use ledger::Ledger;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use web::idempotency::{key, replayed};
use web::{AppState, Caller, Json, MaybeCaller, Problem};

use crate::model::*;
use crate::{responses, service};

#[derive(utoipa::OpenApi)]
#[openapi(tags((name = "intents",
    description = "Offers and requests that match themselves, with responses, commitments and bounties")))]
struct IntentsTag;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(<IntentsTag as utoipa::OpenApi>::openapi())
        .routes(routes!(create_intent, list_intents))
        .routes(routes!(group_murmurations))
        .routes(routes!(directory))
        .routes(routes!(get_intent))
        .routes(routes!(matches))
        .routes(routes!(intent_murmuration))
        .routes(routes!(respond, list_responses))
        .routes(routes!(accept))
        .routes(routes!(decline))
        .routes(routes!(fulfil))
        .routes(routes!(withdraw))
        .routes(routes!(renew))
        .routes(routes!(add_bounty))
        .routes(routes!(followed_tags))
        .routes(routes!(follow_tag, unfollow_tag))
}

fn intent_id(text: &str) -> Result<IntentId, Problem> {
    text.parse().map_err(|_| Problem::not_found("intent"))
}

fn response_id(text: &str) -> Result<ResponseId, Problem> {
    text.parse().map_err(|_| Problem::not_found("response"))
}

/// Post an offer or a request (who may take part in the group). A request's `bounty` is
/// paid at once from the author's account into escrow (the token needs `ledger:write`).
/// Counterparts' authors and followers of its tags are told.
#[utoipa::path(post, path = "/api/v1/groups/{group}/intents", tag = "intents",
    security(("bearer" = [])),
    params(("group" = String, Path, description = "Group id or handle"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    request_body = NewIntent, responses((status = 201, body = Intent)))]
async fn create_intent(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(group): Path<String>,
    headers: HeaderMap,
    Json(input): Json<NewIntent>,
) -> Result<Response, Problem> {
    let key = key(&headers)?;
    let (intent, again) = service::create_intent(&ledger, &actor, &group, input, key).await?;
    Ok(replayed(StatusCode::CREATED, intent, again))
}

/// A group's offers and requests, newest first; open ones unless `state` says otherwise.
#[utoipa::path(get, path = "/api/v1/groups/{group}/intents", tag = "intents",
    params(("group" = String, Path, description = "Group id or handle"), Filter),
    responses((status = 200, body = IntentList)))]
async fn list_intents(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(group): Path<String>,
    Query(filter): Query<Filter>,
) -> Result<Json<IntentList>, Problem> {
    Ok(Json(
        service::list_group(&app.kernel, actor.as_ref(), &group, &filter).await?,
    ))
}

/// A group's offers and requests as Murmurations `offers_wants_schema-v0.1.0` profiles.
#[utoipa::path(get, path = "/api/v1/groups/{group}/intents/murmurations", tag = "intents",
    params(("group" = String, Path, description = "Group id or handle"), Filter),
    responses((status = 200, body = Murmurations)))]
async fn group_murmurations(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(group): Path<String>,
    Query(filter): Query<Filter>,
) -> Result<Json<Murmurations>, Problem> {
    Ok(Json(
        service::murmurations(&app.kernel, actor.as_ref(), &group, &filter).await?,
    ))
}

/// Offers and requests across every group the caller may read: by words (`q`), `tag`,
/// distance (`near=lat,lon&km=`), `kind`, bounty `currency` and `state`.
#[utoipa::path(get, path = "/api/v1/intents", tag = "intents", params(Filter),
    responses((status = 200, body = IntentList)))]
async fn directory(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Query(filter): Query<Filter>,
) -> Result<Json<IntentList>, Problem> {
    Ok(Json(
        service::directory(&app.kernel, actor.as_ref(), &filter).await?,
    ))
}

/// An offer or a request, with its images.
#[utoipa::path(get, path = "/api/v1/intents/{id}", tag = "intents",
    params(("id" = String, Path)), responses((status = 200, body = Intent)))]
async fn get_intent(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<Intent>, Problem> {
    Ok(Json(
        service::get_intent(&app.kernel, actor.as_ref(), intent_id(&id)?).await?,
    ))
}

/// Its counterparts, best first, each with a score (0–100) and why ("tags: plumbing;
/// 2 km; this week").
#[utoipa::path(get, path = "/api/v1/intents/{id}/matches", tag = "intents",
    params(("id" = String, Path)), responses((status = 200, body = Matches)))]
async fn matches(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<Matches>, Problem> {
    Ok(Json(
        service::matches(&app.kernel, actor.as_ref(), intent_id(&id)?).await?,
    ))
}

/// The intent as a Murmurations `offers_wants_schema-v0.1.0` profile.
#[utoipa::path(get, path = "/api/v1/intents/{id}/murmurations", tag = "intents",
    params(("id" = String, Path)), responses((status = 200, body = Murmuration)))]
async fn intent_murmuration(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<Murmuration>, Problem> {
    Ok(Json(
        service::murmuration_of(&app.kernel, actor.as_ref(), intent_id(&id)?).await?,
    ))
}

/// Respond: "I can do this" (to a request) or "I would like this" (to an offer), with an
/// optional `{message}`. One each; the author is told.
#[utoipa::path(post, path = "/api/v1/intents/{id}/responses", tag = "intents",
    security(("bearer" = [])), params(("id" = String, Path)),
    request_body(content = Option<NewResponse>, description = "Optional: `{message}`"),
    responses((status = 201, body = IntentResponse)))]
async fn respond(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<NewResponse>,
) -> Result<(StatusCode, Json<IntentResponse>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(responses::respond(&app.kernel, &actor, intent_id(&id)?, input).await?),
    ))
}

/// The responses: all of them for the author (and who manages the tool), one's own for a
/// responder.
#[utoipa::path(get, path = "/api/v1/intents/{id}/responses", tag = "intents",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ResponseList)))]
async fn list_responses(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<ResponseList>, Problem> {
    Ok(Json(
        responses::list(&app.kernel, &actor, intent_id(&id)?).await?,
    ))
}

/// Accept a response (the author): a commitment.
#[utoipa::path(post, path = "/api/v1/responses/{id}/accept", tag = "intents",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = IntentResponse)))]
async fn accept(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<IntentResponse>, Problem> {
    Ok(Json(
        responses::accept(&app.kernel, &actor, response_id(&id)?).await?,
    ))
}

/// Decline a response (the author).
#[utoipa::path(post, path = "/api/v1/responses/{id}/decline", tag = "intents",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = IntentResponse)))]
async fn decline(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<IntentResponse>, Problem> {
    Ok(Json(
        responses::decline(&app.kernel, &actor, response_id(&id)?).await?,
    ))
}

/// Mark it fulfilled from the caller's side (the author, or someone whose response was
/// accepted). Both sides' marks fulfil it and pay the bounty to those who did it.
#[utoipa::path(post, path = "/api/v1/intents/{id}/fulfil", tag = "intents",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Intent)))]
async fn fulfil(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<Intent>, Problem> {
    Ok(Json(
        responses::fulfil(&ledger, &actor, intent_id(&id)?).await?,
    ))
}

/// Withdraw it (the author, or who manages the tool): it closes and its bounty goes back to
/// those who put it up.
#[utoipa::path(post, path = "/api/v1/intents/{id}/withdraw", tag = "intents",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Intent)))]
async fn withdraw(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<Intent>, Problem> {
    Ok(Json(
        service::withdraw(&ledger, &actor, intent_id(&id)?).await?,
    ))
}

/// "Still needed": keep it open until `expires` (30 days more when left out).
#[utoipa::path(post, path = "/api/v1/intents/{id}/renew", tag = "intents",
    security(("bearer" = [])), params(("id" = String, Path)),
    request_body(content = Option<Renewal>, description = "Optional: `{expires}`"),
    responses((status = 200, body = Intent)))]
async fn renew(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<Renewal>,
) -> Result<Json<Intent>, Problem> {
    Ok(Json(
        service::renew(&app.kernel, &actor, intent_id(&id)?, input).await?,
    ))
}

/// Add money to a request's bounty from one's own account (the token needs `ledger:write`).
#[utoipa::path(post, path = "/api/v1/intents/{id}/bounty", tag = "intents",
    security(("bearer" = [])),
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    request_body = NewContribution, responses((status = 201, body = Intent)))]
async fn add_bounty(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(input): Json<NewContribution>,
) -> Result<Response, Problem> {
    let key = key(&headers)?;
    let (intent, again) = service::contribute(&ledger, &actor, intent_id(&id)?, input, key).await?;
    Ok(replayed(StatusCode::CREATED, intent, again))
}

/// The tags the caller follows: a new offer or request with one tells them.
#[utoipa::path(get, path = "/api/v1/me/intent-tags", tag = "intents",
    security(("bearer" = [])), responses((status = 200, body = FollowedTags)))]
async fn followed_tags(
    State(app): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<FollowedTags>, Problem> {
    Ok(Json(service::followed_tags(&app.kernel, &actor).await?))
}

/// Follow a tag.
#[utoipa::path(put, path = "/api/v1/me/intent-tags/{tag}", tag = "intents",
    security(("bearer" = [])), params(("tag" = String, Path)),
    responses((status = 200, body = FollowedTags)))]
async fn follow_tag(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(tag): Path<String>,
) -> Result<Json<FollowedTags>, Problem> {
    Ok(Json(
        service::set_follow(&app.kernel, &actor, &tag, true).await?,
    ))
}

/// Stop following a tag.
#[utoipa::path(delete, path = "/api/v1/me/intent-tags/{tag}", tag = "intents",
    security(("bearer" = [])), params(("tag" = String, Path)),
    responses((status = 200, body = FollowedTags)))]
async fn unfollow_tag(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(tag): Path<String>,
) -> Result<Json<FollowedTags>, Problem> {
    Ok(Json(
        service::set_follow(&app.kernel, &actor, &tag, false).await?,
    ))
}

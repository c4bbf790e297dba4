//! The budget tool's JSON API (issue "Participatory budgeting"): rounds, buckets,
//! contributions, ballots, allocations, results, review, cancel, complete and payouts. Paths
//! and bodies are the public protocol.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use web::idempotency::{key, replayed};
use web::{AppState, Caller, Json, MaybeCaller, Problem};

use crate::model::*;
use crate::money::Money;
use crate::service;

#[derive(utoipa::OpenApi)]
#[openapi(tags((name = "budget",
    description = "Participatory budgeting: Cobudget rounds, Decidim votes and quadratic matching on the one ledger")))]
struct BudgetTag;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(<BudgetTag as utoipa::OpenApi>::openapi())
        .routes(routes!(create_round, list_rounds))
        .routes(routes!(get_round, edit_round))
        .routes(routes!(close_round))
        .routes(routes!(results))
        .routes(routes!(create_bucket, list_buckets))
        .routes(routes!(cast_ballot))
        .routes(routes!(set_allocation))
        .routes(routes!(get_bucket, edit_bucket))
        .routes(routes!(review_bucket))
        .routes(routes!(cancel_bucket))
        .routes(routes!(complete_bucket))
        .routes(routes!(contribute))
        .routes(routes!(create_payout, list_payouts))
}

fn round_id(text: &str) -> Result<RoundId, Problem> {
    text.parse().map_err(|_| Problem::not_found("round"))
}

fn bucket_id(text: &str) -> Result<BucketId, Problem> {
    text.parse().map_err(|_| Problem::not_found("bucket"))
}

/// Open a round in a group (who runs rounds): its currency, mechanism, pool, phases.
#[utoipa::path(post, path = "/api/v1/groups/{group}/rounds", tag = "budget",
    security(("bearer" = [])), params(("group" = String, Path, description = "Group id or handle")),
    request_body = NewRound, responses((status = 201, body = Round)))]
async fn create_round(
    Extension(money): Extension<Money>,
    Caller(actor): Caller,
    Path(group): Path<String>,
    Json(input): Json<NewRound>,
) -> Result<(StatusCode, Json<Round>), Problem> {
    let round = service::create_round(&money, &actor, &group, input).await?;
    Ok((StatusCode::CREATED, Json(round)))
}

/// A group's rounds, newest first.
#[utoipa::path(get, path = "/api/v1/groups/{group}/rounds", tag = "budget",
    params(("group" = String, Path, description = "Group id or handle")),
    responses((status = 200, body = RoundList)))]
async fn list_rounds(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(group): Path<String>,
) -> Result<Json<RoundList>, Problem> {
    Ok(Json(
        service::list_rounds(&app.kernel, actor.as_ref(), &group).await?,
    ))
}

/// A round, with your allocation, what you gave and your ballot.
#[utoipa::path(get, path = "/api/v1/rounds/{id}", tag = "budget",
    params(("id" = String, Path)), responses((status = 200, body = Round)))]
async fn get_round(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<Round>, Problem> {
    Ok(Json(
        service::get_round(&app.kernel, actor.as_ref(), round_id(&id)?).await?,
    ))
}

/// Change a round's title, description or guidelines, or move it forward to a phase.
#[utoipa::path(patch, path = "/api/v1/rounds/{id}", tag = "budget", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = RoundEdit, responses((status = 200, body = Round)))]
async fn edit_round(
    Extension(money): Extension<Money>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<RoundEdit>,
) -> Result<Json<Round>, Problem> {
    Ok(Json(
        service::edit_round(&money, &actor, round_id(&id)?, input).await?,
    ))
}

/// Close a round now: count it, fund the winners, open the next of a recurring round.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/close", tag = "budget", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Round)))]
async fn close_round(
    Extension(money): Extension<Money>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<Round>, Problem> {
    Ok(Json(
        service::close_round(&money, &actor, round_id(&id)?).await?,
    ))
}

/// What the round funds: final once closed, as things stand before.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/results", tag = "budget",
    params(("id" = String, Path)), responses((status = 200, body = Results)))]
async fn results(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<Results>, Problem> {
    Ok(Json(
        service::results(&app.kernel, actor.as_ref(), round_id(&id)?).await?,
    ))
}

/// Propose a bucket: a title, a description and budget items (min and max lines).
#[utoipa::path(post, path = "/api/v1/rounds/{id}/buckets", tag = "budget", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = NewBucket, responses((status = 201, body = Bucket)))]
async fn create_bucket(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<NewBucket>,
) -> Result<(StatusCode, Json<Bucket>), Problem> {
    let bucket = service::create_bucket(&app.kernel, &actor, round_id(&id)?, input).await?;
    Ok((StatusCode::CREATED, Json(bucket)))
}

/// A round's buckets, in the order they were proposed.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/buckets", tag = "budget",
    params(("id" = String, Path)), responses((status = 200, body = BucketList)))]
async fn list_buckets(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<BucketList>, Problem> {
    Ok(Json(
        service::list_buckets(&app.kernel, actor.as_ref(), round_id(&id)?).await?,
    ))
}

/// Cast (or change) your ballot in a vote round, by the round's rule.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/ballots", tag = "budget", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = NewBallot, responses((status = 201, body = Ballot)))]
async fn cast_ballot(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<NewBallot>,
) -> Result<(StatusCode, Json<Ballot>), Problem> {
    let ballot = service::cast_ballot(&app.kernel, &actor, round_id(&id)?, input).await?;
    Ok((StatusCode::CREATED, Json(ballot)))
}

/// Set a member's allocation in a cobudget round.
#[utoipa::path(put, path = "/api/v1/rounds/{id}/allocations/{account}", tag = "budget",
    security(("bearer" = [])), params(("id" = String, Path), ("account" = String, Path, description = "A member's id or handle")),
    request_body = NewAllocation, responses((status = 200, body = Allocation)))]
async fn set_allocation(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path((id, account)): Path<(String, String)>,
    Json(input): Json<NewAllocation>,
) -> Result<Json<Allocation>, Problem> {
    Ok(Json(
        service::set_allocation(&app.kernel, &actor, round_id(&id)?, &account, input).await?,
    ))
}

/// A bucket: its items (with what was spent on each), progress, money and review.
#[utoipa::path(get, path = "/api/v1/buckets/{id}", tag = "budget",
    params(("id" = String, Path)), responses((status = 200, body = Bucket)))]
async fn get_bucket(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<Bucket>, Problem> {
    Ok(Json(
        service::get_bucket(&app.kernel, actor.as_ref(), bucket_id(&id)?).await?,
    ))
}

/// Change a bucket (its creators, or the round's managers); a raised goal moves a funded
/// bucket back to funding.
#[utoipa::path(patch, path = "/api/v1/buckets/{id}", tag = "budget", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = BucketEdit, responses((status = 200, body = Bucket)))]
async fn edit_bucket(
    Extension(money): Extension<Money>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<BucketEdit>,
) -> Result<Json<Bucket>, Problem> {
    Ok(Json(
        service::edit_bucket(&money, &actor, bucket_id(&id)?, input).await?,
    ))
}

/// Review a bucket against the round's guidelines.
#[utoipa::path(post, path = "/api/v1/buckets/{id}/review", tag = "budget", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = NewReview, responses((status = 200, body = Bucket)))]
async fn review_bucket(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<NewReview>,
) -> Result<Json<Bucket>, Problem> {
    Ok(Json(
        service::review_bucket(&app.kernel, &actor, bucket_id(&id)?, input).await?,
    ))
}

/// Cancel a bucket: its contributions come back, its money goes back.
#[utoipa::path(post, path = "/api/v1/buckets/{id}/cancel", tag = "budget", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Bucket)))]
async fn cancel_bucket(
    Extension(money): Extension<Money>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<Bucket>, Problem> {
    Ok(Json(
        service::cancel_bucket(&money, &actor, bucket_id(&id)?).await?,
    ))
}

/// Mark a funded bucket done: what it still holds goes back to the pool.
#[utoipa::path(post, path = "/api/v1/buckets/{id}/complete", tag = "budget", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Bucket)))]
async fn complete_bucket(
    Extension(money): Extension<Money>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<Bucket>, Problem> {
    Ok(Json(
        service::complete_bucket(&money, &actor, bucket_id(&id)?).await?,
    ))
}

/// Give to a bucket (cobudget: from your allocation; quadratic: matched from the budget).
#[utoipa::path(post, path = "/api/v1/buckets/{id}/contributions", tag = "budget",
    security(("bearer" = [])),
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    request_body = NewContribution, responses((status = 201, body = Contribution)))]
async fn contribute(
    Extension(money): Extension<Money>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(input): Json<NewContribution>,
) -> Result<Response, Problem> {
    let key = key(&headers)?;
    let (c, again) =
        service::contribute(&money, &actor, bucket_id(&id)?, input, key.as_deref()).await?;
    Ok(replayed(StatusCode::CREATED, c, again))
}

/// Pay a creator from a funded bucket, against a budget item.
#[utoipa::path(post, path = "/api/v1/buckets/{id}/payouts", tag = "budget", security(("bearer" = [])),
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    request_body = NewPayout, responses((status = 201, body = Payout)))]
async fn create_payout(
    Extension(money): Extension<Money>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(input): Json<NewPayout>,
) -> Result<Response, Problem> {
    let key = key(&headers)?;
    let (p, again) =
        service::payout(&money, &actor, bucket_id(&id)?, input, key.as_deref()).await?;
    Ok(replayed(StatusCode::CREATED, p, again))
}

/// What a bucket paid out, oldest first.
#[utoipa::path(get, path = "/api/v1/buckets/{id}/payouts", tag = "budget",
    params(("id" = String, Path)), responses((status = 200, body = PayoutList)))]
async fn list_payouts(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<PayoutList>, Problem> {
    Ok(Json(
        service::payouts(&app.kernel, actor.as_ref(), bucket_id(&id)?).await?,
    ))
}

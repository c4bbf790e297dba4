//! Dues schedules, their obligations, and arrears.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use ledger::Ledger;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use web::{AppState, Caller, Json, Problem};

use super::{id, idempotency_key, optional, replayed};
use crate::dues;
use crate::model::*;

#[derive(utoipa::OpenApi)]
#[openapi(tags((name = "dues",
    description = "Recurring dues feeding a pool: schedules, obligations made by the clock, payments, arrears")))]
struct DuesTag;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(<DuesTag as utoipa::OpenApi>::openapi())
        .routes(routes!(create_dues, list_dues))
        .routes(routes!(obligations))
        .routes(routes!(arrears))
        .routes(routes!(my_obligations))
        .routes(routes!(pay))
        .routes(routes!(mark_paid))
}

/// Set dues (who manages the group's money): `{name, currency, amount, interval, starts_at,
/// roles?, pool?}`. Obligations are created by the clock a few days before each due date.
#[utoipa::path(post, path = "/api/v1/groups/{group}/dues", tag = "dues",
    security(("bearer" = [])), params(("group" = String, Path, description = "Group id or handle")),
    request_body = NewDues, responses((status = 201, body = Dues)))]
async fn create_dues(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(group): Path<String>,
    Json(input): Json<NewDues>,
) -> Result<(StatusCode, Json<Dues>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(dues::create(&ledger, &actor, &group, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/groups/{group}/dues", tag = "dues",
    security(("bearer" = [])), params(("group" = String, Path, description = "Group id or handle")),
    responses((status = 200, body = Vec<Dues>)))]
async fn list_dues(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
) -> Result<Json<Vec<Dues>>, Problem> {
    Ok(Json(dues::list(&app.kernel, &actor, &group).await?))
}

/// A schedule's obligations, latest first: everyone's for who audits the money, one's own
/// for other members.
#[utoipa::path(get, path = "/api/v1/dues/{id}/obligations", tag = "dues",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Vec<Obligation>)))]
async fn obligations(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(dues_id): Path<String>,
) -> Result<Json<Vec<Obligation>>, Problem> {
    Ok(Json(
        dues::obligations(&app.kernel, &actor, id(&dues_id, "dues")?).await?,
    ))
}

/// The group's arrears: obligations unpaid after their due date.
#[utoipa::path(get, path = "/api/v1/groups/{group}/arrears", tag = "dues",
    security(("bearer" = [])), params(("group" = String, Path, description = "Group id or handle")),
    responses((status = 200, body = Vec<Obligation>)))]
async fn arrears(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
) -> Result<Json<Vec<Obligation>>, Problem> {
    Ok(Json(dues::arrears(&app.kernel, &actor, &group).await?))
}

/// What you owe, in every group.
#[utoipa::path(get, path = "/api/v1/me/obligations", tag = "dues",
    security(("bearer" = [])), responses((status = 200, body = Vec<Obligation>)))]
async fn my_obligations(
    State(app): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<Vec<Obligation>>, Problem> {
    Ok(Json(dues::mine(&app.kernel, &actor).await?))
}

/// Pay your obligation: a transfer from your account to the schedule's pool.
#[utoipa::path(post, path = "/api/v1/obligations/{id}/pay", tag = "dues",
    security(("bearer" = [])),
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    responses((status = 200, body = Obligation)))]
async fn pay(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(obligation): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let key = idempotency_key(&headers)?;
    let (paid, again) = dues::pay(
        &ledger,
        &actor,
        id(&obligation, "obligation")?,
        key.as_deref(),
    )
    .await?;
    Ok(replayed(StatusCode::OK, paid, again))
}

/// Mark an obligation paid outside Weft, with a `{note}` (who manages the group's money):
/// posts a deposit into the pool.
#[utoipa::path(post, path = "/api/v1/obligations/{id}/mark-paid", tag = "dues",
    security(("bearer" = [])),
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    request_body = Note, responses((status = 200, body = Obligation)))]
async fn mark_paid(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(obligation): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let key = idempotency_key(&headers)?;
    let note: Note = optional(&body)?;
    let (paid, again) = dues::mark_paid(
        &ledger,
        &actor,
        id(&obligation, "obligation")?,
        note,
        key.as_deref(),
    )
    .await?;
    Ok(replayed(StatusCode::OK, paid, again))
}

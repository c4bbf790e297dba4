//! Payments between members (with the payee's confirmation when they ask for it), payment
//! requests, the caller's preferences, and currency health.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use ledger::Ledger;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use web::{AppState, Caller, Json, Problem};

use super::{id, idempotency_key, replayed};
use crate::model::*;
use crate::{health, payments};

#[derive(utoipa::OpenApi)]
#[openapi(tags((name = "payments",
    description = "Paying and asking to be paid, confirmations by the payee, and currency health")))]
struct PaymentsTag;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(<PaymentsTag as utoipa::OpenApi>::openapi())
        .routes(routes!(pay))
        .routes(routes!(accept))
        .routes(routes!(decline))
        .routes(routes!(create_request, list_requests))
        .routes(routes!(get_request))
        .routes(routes!(pay_request))
        .routes(routes!(decline_request))
        .routes(routes!(get_preferences, set_preferences))
        .routes(routes!(currency_health))
}

/// Pay from your account. When the payee confirms what they receive, the money is reserved
/// (`awaiting_payee`) until they accept.
#[utoipa::path(post, path = "/api/v1/payments", tag = "payments", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    request_body = NewPayment, responses((status = 201, body = Payment)))]
async fn pay(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    headers: HeaderMap,
    Json(input): Json<NewPayment>,
) -> Result<Response, Problem> {
    let key = idempotency_key(&headers)?;
    let (made, again) = payments::pay(&ledger, &actor, input, key.as_deref()).await?;
    Ok(replayed(StatusCode::CREATED, made, again))
}

/// Accept a payment waiting for you: it is posted.
#[utoipa::path(post, path = "/api/v1/payments/{transfer}/accept", tag = "payments",
    security(("bearer" = [])), params(("transfer" = String, Path)),
    responses((status = 200, body = Payment)))]
async fn accept(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(transfer): Path<String>,
) -> Result<Json<Payment>, Problem> {
    Ok(Json(
        payments::answer(&ledger, &actor, id(&transfer, "payment")?, true).await?,
    ))
}

/// Decline a payment waiting for you (or withdraw one you made): it is voided.
#[utoipa::path(post, path = "/api/v1/payments/{transfer}/decline", tag = "payments",
    security(("bearer" = [])), params(("transfer" = String, Path)),
    responses((status = 200, body = Payment)))]
async fn decline(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(transfer): Path<String>,
) -> Result<Json<Payment>, Problem> {
    Ok(Json(
        payments::answer(&ledger, &actor, id(&transfer, "payment")?, false).await?,
    ))
}

/// Ask a member to pay you: `{from, to, amount, memo}`; they hear of it with Pay and Decline.
#[utoipa::path(post, path = "/api/v1/payment-requests", tag = "payments",
    security(("bearer" = [])), request_body = NewPaymentRequest,
    responses((status = 201, body = PaymentRequest)))]
async fn create_request(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Json(input): Json<NewPaymentRequest>,
) -> Result<(StatusCode, Json<PaymentRequest>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(payments::request(&ledger, &actor, input).await?),
    ))
}

/// Your payment requests, made and received, newest first.
#[utoipa::path(get, path = "/api/v1/payment-requests", tag = "payments",
    security(("bearer" = [])), responses((status = 200, body = Vec<PaymentRequest>)))]
async fn list_requests(
    State(app): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<Vec<PaymentRequest>>, Problem> {
    Ok(Json(payments::requests(&app.kernel, &actor).await?))
}

#[utoipa::path(get, path = "/api/v1/payment-requests/{id}", tag = "payments",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = PaymentRequest)))]
async fn get_request(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(request): Path<String>,
) -> Result<Json<PaymentRequest>, Problem> {
    Ok(Json(
        payments::get(&app.kernel, &actor, id(&request, "payment request")?).await?,
    ))
}

/// Pay a request made of you.
#[utoipa::path(post, path = "/api/v1/payment-requests/{id}/pay", tag = "payments",
    security(("bearer" = [])),
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    responses((status = 200, body = PaymentRequest)))]
async fn pay_request(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(request): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let key = idempotency_key(&headers)?;
    let (paid, again) = payments::pay_request(
        &ledger,
        &actor,
        id(&request, "payment request")?,
        key.as_deref(),
    )
    .await?;
    Ok(replayed(StatusCode::OK, paid, again))
}

/// Decline a request made of you (or cancel one you made).
#[utoipa::path(post, path = "/api/v1/payment-requests/{id}/decline", tag = "payments",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = PaymentRequest)))]
async fn decline_request(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(request): Path<String>,
) -> Result<Json<PaymentRequest>, Problem> {
    Ok(Json(
        payments::decline_request(&app.kernel, &actor, id(&request, "payment request")?).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/me/credit-preferences", tag = "payments",
    security(("bearer" = [])), responses((status = 200, body = Preferences)))]
async fn get_preferences(
    State(app): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<Preferences>, Problem> {
    Ok(Json(payments::preferences(&app.kernel, &actor).await?))
}

/// Whether payments to you wait until you accept them.
#[utoipa::path(put, path = "/api/v1/me/credit-preferences", tag = "payments",
    security(("bearer" = [])), request_body = Preferences,
    responses((status = 200, body = Preferences)))]
async fn set_preferences(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<Preferences>,
) -> Result<Json<Preferences>, Problem> {
    Ok(Json(
        payments::set_preferences(&app.kernel, &actor, input).await?,
    ))
}

/// The currency's health: balances at the floor and ceiling, the Gini coefficient, and per
/// month the volume, velocity and members trading (members of its group).
#[utoipa::path(get, path = "/api/v1/currencies/{id}/health", tag = "payments",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Health)))]
async fn currency_health(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(currency): Path<String>,
) -> Result<Json<Health>, Problem> {
    Ok(Json(
        health::health(&app.kernel, &actor, id(&currency, "currency")?).await?,
    ))
}

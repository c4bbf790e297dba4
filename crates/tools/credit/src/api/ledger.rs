//! The ledger's JSON API (DESIGN section 7): currencies, accounts, transfers, statements and
//! the hash chain's verification. Amounts are decimal strings; `Idempotency-Key` makes a
//! transfer safe to retry.

use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kernel::page::{Page, PageRequest};
use ledger::model::*;
use ledger::{Ledger, service};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use web::{AppState, Caller, Json, Problem};

use super::{id, replayed};

#[derive(utoipa::OpenApi)]
#[openapi(tags((name = "ledger",
    description = "Currencies, accounts, transfers and statements: one book for all the group's value")))]
struct LedgerTag;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(<LedgerTag as utoipa::OpenApi>::openapi())
        .routes(routes!(create_currency, list_currencies))
        .routes(routes!(get_currency))
        .routes(routes!(open_account, list_accounts))
        .routes(routes!(currency_transfers))
        .routes(routes!(verify))
        .routes(routes!(get_account, update_limits))
        .routes(routes!(statement))
        .routes(routes!(my_accounts))
        .routes(routes!(create_transfer))
        .routes(routes!(get_transfer))
        .routes(routes!(post_transfer))
        .routes(routes!(void_transfer))
        .routes(routes!(create_batch))
        .routes(routes!(limit_changes))
}

/// Every change of the account's limits, newest first: who, when, from what to what.
#[utoipa::path(get, path = "/api/v1/ledger-accounts/{id}/limit-changes", tag = "ledger",
    security(("bearer" = [])), params(("id" = uuid::Uuid, Path, description = "Ledger account id")),
    responses((status = 200, body = Vec<LimitChange>)))]
async fn limit_changes(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(account): Path<String>,
) -> Result<Json<Vec<LimitChange>>, Problem> {
    let account: AccountId = id(&account, "ledger account")?;
    Ok(Json(
        service::limit_changes(&app.kernel, &actor, account).await?,
    ))
}

/// Create a currency for the group (who manages its money: owners and admins, or a role
/// with `manage_money`).
#[utoipa::path(post, path = "/api/v1/groups/{group}/currencies", tag = "ledger",
    security(("bearer" = [])), params(("group" = String, Path, description = "Group id or handle")),
    request_body = NewCurrency, responses((status = 201, body = Currency)))]
async fn create_currency(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
    Json(input): Json<NewCurrency>,
) -> Result<(StatusCode, Json<Currency>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(service::create_currency(&app.kernel, &actor, &group, input).await?),
    ))
}

/// The group's currencies (members).
#[utoipa::path(get, path = "/api/v1/groups/{group}/currencies", tag = "ledger",
    security(("bearer" = [])), params(("group" = String, Path, description = "Group id or handle")),
    responses((status = 200, body = Page<Currency>)))]
async fn list_currencies(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(group): Path<String>,
) -> Result<Json<Page<Currency>>, Problem> {
    let items = service::list_currencies(&app.kernel, &actor, &group).await?;
    Ok(Json(Page {
        items,
        next_cursor: None,
    }))
}

#[utoipa::path(get, path = "/api/v1/currencies/{id}", tag = "ledger",
    security(("bearer" = [])), params(("id" = uuid::Uuid, Path, description = "Currency id")),
    responses((status = 200, body = Currency)))]
async fn get_currency(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(currency): Path<String>,
) -> Result<Json<Currency>, Problem> {
    let currency = id(&currency, "currency")?;
    Ok(Json(
        service::get_currency(&app.kernel, &actor, currency).await?,
    ))
}

/// Open an account: `{}` opens your own; `{owner}` (a member) or `{owner_kind, name}` (the
/// group's own: `group`, `pool`, `campaign`, `escrow`) are for who manages the money.
#[utoipa::path(post, path = "/api/v1/currencies/{id}/accounts", tag = "ledger",
    security(("bearer" = [])), params(("id" = uuid::Uuid, Path, description = "Currency id")),
    request_body = NewAccount, responses((status = 201, body = LedgerAccount)))]
async fn open_account(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(currency): Path<String>,
    Json(input): Json<NewAccount>,
) -> Result<(StatusCode, Json<LedgerAccount>), Problem> {
    let currency = id(&currency, "currency")?;
    Ok((
        StatusCode::CREATED,
        Json(service::open_account(&app.kernel, &actor, currency, input).await?),
    ))
}

/// The currency's accounts: all for who manages the money; your own and the group's for
/// members.
#[utoipa::path(get, path = "/api/v1/currencies/{id}/accounts", tag = "ledger",
    security(("bearer" = [])), params(("id" = uuid::Uuid, Path, description = "Currency id"), PageRequest),
    responses((status = 200, body = Page<LedgerAccount>)))]
async fn list_accounts(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(currency): Path<String>,
    Query(page): Query<PageRequest>,
) -> Result<Json<Page<LedgerAccount>>, Problem> {
    let currency = id(&currency, "currency")?;
    Ok(Json(
        service::list_accounts(&app.kernel, &actor, currency, &page).await?,
    ))
}

/// Every transfer of the currency, newest first (who manages the money).
#[utoipa::path(get, path = "/api/v1/currencies/{id}/transfers", tag = "ledger",
    security(("bearer" = [])), params(("id" = uuid::Uuid, Path, description = "Currency id"), PageRequest),
    responses((status = 200, body = Page<Transfer>)))]
async fn currency_transfers(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(currency): Path<String>,
    Query(page): Query<PageRequest>,
) -> Result<Json<Page<Transfer>>, Problem> {
    let currency = id(&currency, "currency")?;
    Ok(Json(
        service::currency_transfers(&app.kernel, &actor, currency, &page).await?,
    ))
}

/// Walk the currency's hash chain and balances again; `problems` says exactly what is wrong.
#[utoipa::path(get, path = "/api/v1/currencies/{id}/verify", tag = "ledger",
    security(("bearer" = [])), params(("id" = uuid::Uuid, Path, description = "Currency id")),
    responses((status = 200, body = Verification)))]
async fn verify(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(currency): Path<String>,
) -> Result<Json<Verification>, Problem> {
    let currency = id(&currency, "currency")?;
    Ok(Json(service::verify(&app.kernel, &actor, currency).await?))
}

/// An account: its owner and who manages the group's money see it.
#[utoipa::path(get, path = "/api/v1/ledger-accounts/{id}", tag = "ledger",
    security(("bearer" = [])), params(("id" = uuid::Uuid, Path, description = "Ledger account id")),
    responses((status = 200, body = LedgerAccount)))]
async fn get_account(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(account): Path<String>,
) -> Result<Json<LedgerAccount>, Problem> {
    let account = id(&account, "ledger account")?;
    Ok(Json(
        service::get_account(&app.kernel, &actor, account).await?,
    ))
}

/// Change an account's floor or ceiling (`null`: none). Every change is kept and its owner
/// is told.
#[utoipa::path(patch, path = "/api/v1/ledger-accounts/{id}", tag = "ledger",
    security(("bearer" = [])), params(("id" = uuid::Uuid, Path, description = "Ledger account id")),
    request_body = LimitsUpdate, responses((status = 200, body = LedgerAccount)))]
async fn update_limits(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(account): Path<String>,
    Json(input): Json<LimitsUpdate>,
) -> Result<Json<LedgerAccount>, Problem> {
    let account = id(&account, "ledger account")?;
    Ok(Json(
        service::update_limits(&app.kernel, &actor, account, input).await?,
    ))
}

/// The account's statement, newest first, with the balance after each entry. With
/// `Accept: text/csv`, the whole statement as CSV, oldest first.
#[utoipa::path(get, path = "/api/v1/ledger-accounts/{id}/statement", tag = "ledger",
    security(("bearer" = [])), params(("id" = uuid::Uuid, Path, description = "Ledger account id"), PageRequest),
    responses((status = 200, description = "The statement, as JSON pages or as CSV",
        content((Page<StatementEntry> = "application/json"), (String = "text/csv")))))]
async fn statement(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(account): Path<String>,
    Query(page): Query<PageRequest>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let account: AccountId = id(&account, "ledger account")?;
    let csv = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/csv"));
    if !csv {
        return Ok(
            Json(service::statement(&app.kernel, &actor, account, &page).await?).into_response(),
        );
    }
    let facts = service::account_for(&app.kernel, &actor, account).await?;
    let scale = facts.currency.scale();
    let kernel = app.kernel.clone();
    let first =
        futures::stream::once(async { Ok::<_, std::io::Error>(service::CSV_HEADER.to_string()) });
    let rest = futures::stream::unfold(Some(0i64), move |after| {
        let kernel = kernel.clone();
        async move {
            let after = after?;
            match service::statement_csv(&kernel, account, scale, after, 1000).await {
                Ok((chunk, next)) => Some((Ok(chunk), next)),
                Err(e) => Some((Err(std::io::Error::other(e.to_string())), None)),
            }
        }
    });
    // Fused: a layer below (gzip) may poll once more after the end, which `unfold` forbids.
    let body = Body::from_stream(futures::StreamExt::fuse(futures::StreamExt::chain(
        first, rest,
    )));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"statement.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// Your accounts in every currency.
#[utoipa::path(get, path = "/api/v1/me/ledger-accounts", tag = "ledger",
    security(("bearer" = [])), responses((status = 200, body = Page<LedgerAccount>)))]
async fn my_accounts(
    State(app): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<Page<LedgerAccount>>, Problem> {
    Ok(Json(Page {
        items: service::my_accounts(&app.kernel, &actor).await?,
        next_cursor: None,
    }))
}

/// Pay: `amount` from `from` (yours, or the group's if you manage its money) to `to`.
/// `pending: true` reserves it to post or void later (`timeout_s` voids it by itself). Send
/// an `Idempotency-Key`: the same key and body answer the same transfer (with
/// `Idempotent-Replayed: true`); the same key with another body is a 409. A floor or ceiling
/// that would be crossed is a 422 naming it.
#[utoipa::path(post, path = "/api/v1/transfers", tag = "ledger", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    request_body = NewTransfer, responses((status = 201, body = Transfer)))]
async fn create_transfer(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    headers: HeaderMap,
    Json(input): Json<NewTransfer>,
) -> Result<Response, Problem> {
    let key = web::idempotency::ledger_key(&headers)?;
    let (transfer, again) = service::transfer(&ledger, &actor, input, key.as_deref()).await?;
    Ok(replayed(StatusCode::CREATED, transfer, again))
}

/// A transfer, for who may read either of its accounts.
#[utoipa::path(get, path = "/api/v1/transfers/{id}", tag = "ledger", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Transfer id")),
    responses((status = 200, body = Transfer)))]
async fn get_transfer(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(transfer): Path<String>,
) -> Result<Json<Transfer>, Problem> {
    let transfer = id(&transfer, "transfer")?;
    Ok(Json(
        service::get_transfer(&app.kernel, &actor, transfer).await?,
    ))
}

/// Post a pending transfer: all of it, or `{amount}` (the rest is released).
#[utoipa::path(post, path = "/api/v1/transfers/{id}/post", tag = "ledger", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Pending transfer id")),
    request_body = PostPending, responses((status = 200, body = Transfer)))]
async fn post_transfer(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(transfer): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Transfer>, Problem> {
    let transfer = id(&transfer, "transfer")?;
    // The body is optional: none posts all that was reserved.
    let input: PostPending = if body.iter().all(u8::is_ascii_whitespace) {
        PostPending::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            Problem::from(kernel::Error::BadRequest(format!(
                "the body is not valid: {e}"
            )))
        })?
    };
    Ok(Json(
        service::end_pending(&ledger, &actor, transfer, Some(input)).await?,
    ))
}

/// Void a pending transfer: what it reserved is released.
#[utoipa::path(post, path = "/api/v1/transfers/{id}/void", tag = "ledger", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Pending transfer id")),
    responses((status = 200, body = Transfer)))]
async fn void_transfer(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(transfer): Path<String>,
) -> Result<Json<Transfer>, Problem> {
    let transfer = id(&transfer, "transfer")?;
    Ok(Json(
        service::end_pending(&ledger, &actor, transfer, None).await?,
    ))
}

/// Linked transfers: `{legs: [...]}` apply in order, all or none (a 422 names the leg).
#[utoipa::path(post, path = "/api/v1/transfer-batches", tag = "ledger", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    request_body = NewBatch, responses((status = 201, body = Batch)))]
async fn create_batch(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    headers: HeaderMap,
    Json(input): Json<NewBatch>,
) -> Result<Response, Problem> {
    let key = web::idempotency::ledger_key(&headers)?;
    let (batch, again) = service::batch(&ledger, &actor, input, key.as_deref()).await?;
    Ok(replayed(StatusCode::CREATED, batch, again))
}

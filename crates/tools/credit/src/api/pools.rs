//! Pools, their spends and deposits, their transparency report, and expense claims with
//! receipts.

use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use ledger::{Ledger, Transfer};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use web::{AppState, Caller, Json, MaybeCaller, Problem};

use super::{id, idempotency_key, optional, replayed};
use crate::model::*;
use crate::{expenses, pools};

#[derive(utoipa::OpenApi)]
#[openapi(tags((name = "pools",
    description = "Common pools spent by a rule (admins, N-of-M approvals, a decision), expense claims with receipts, transparency")))]
struct PoolsTag;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(<PoolsTag as utoipa::OpenApi>::openapi())
        .routes(routes!(create_pool, list_pools))
        .routes(routes!(get_pool))
        .routes(routes!(pool_report))
        .routes(routes!(spend))
        .routes(routes!(list_spends))
        .routes(routes!(approve_spend))
        .routes(routes!(reject_spend))
        .routes(routes!(deposit))
        .routes(routes!(contribute))
        .routes(routes!(create_expense, list_expenses))
        .routes(routes!(get_expense))
        .routes(routes!(submit_expense))
        .routes(routes!(add_receipt))
        .routes(routes!(approve_expense))
        .routes(routes!(reject_expense))
        .routes(routes!(pay_expense))
}

/// Open a pool: a ledger account the credit tool holds, spent by its rule (who manages the
/// group's money).
#[utoipa::path(post, path = "/api/v1/groups/{group}/pools", tag = "pools",
    security(("bearer" = [])), params(("group" = String, Path, description = "Group id or handle")),
    request_body = NewPool, responses((status = 201, body = Pool)))]
async fn create_pool(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(group): Path<String>,
    Json(input): Json<NewPool>,
) -> Result<(StatusCode, Json<Pool>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(pools::create(&ledger, &actor, &group, input).await?),
    ))
}

/// The group's pools: for its members, and for anyone when the group is public.
#[utoipa::path(get, path = "/api/v1/groups/{group}/pools", tag = "pools",
    security((), ("bearer" = [])), params(("group" = String, Path, description = "Group id or handle")),
    responses((status = 200, body = Vec<Pool>)))]
async fn list_pools(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(group): Path<String>,
) -> Result<Json<Vec<Pool>>, Problem> {
    Ok(Json(
        pools::list(&app.kernel, actor.as_ref(), &group).await?,
    ))
}

/// A pool: for whoever may read the group's content (anyone, for a public group).
#[utoipa::path(get, path = "/api/v1/pools/{id}", tag = "pools",
    security((), ("bearer" = [])), params(("id" = String, Path)), responses((status = 200, body = Pool)))]
async fn get_pool(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(pool): Path<String>,
) -> Result<Json<Pool>, Problem> {
    let found = pools::find(&app.kernel, actor.as_ref(), id(&pool, "pool")?, true).await?;
    Ok(Json(pools::view(&app.kernel, &found).await?))
}

/// The pool's transparency report: inflows, outflows, waiting spends, budget against
/// actual per category, the balance over time. Public for public groups.
#[utoipa::path(get, path = "/api/v1/pools/{id}/report", tag = "pools",
    security((), ("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = PoolReport)))]
async fn pool_report(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(pool): Path<String>,
) -> Result<Json<PoolReport>, Problem> {
    Ok(Json(
        pools::report(&app.kernel, actor.as_ref(), id(&pool, "pool")?).await?,
    ))
}

/// Spend from the pool by its rule: `admins` posts at once (who manages the money);
/// `approvals` and `decision` reserve a pending transfer (any member may ask) that posts at
/// the Nth approval or when the motion passes.
#[utoipa::path(post, path = "/api/v1/pools/{id}/spend", tag = "pools",
    security(("bearer" = [])),
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    request_body = NewSpend, responses((status = 201, body = Spend)))]
async fn spend(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(pool): Path<String>,
    headers: HeaderMap,
    Json(input): Json<NewSpend>,
) -> Result<Response, Problem> {
    let key = idempotency_key(&headers)?;
    let (made, again) =
        pools::spend(&ledger, &actor, id(&pool, "pool")?, input, key.as_deref()).await?;
    Ok(replayed(StatusCode::CREATED, made, again))
}

/// The pool's spends, newest first (transparent as the pool is).
#[utoipa::path(get, path = "/api/v1/pools/{id}/spends", tag = "pools",
    security((), ("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Vec<Spend>)))]
async fn list_spends(
    State(app): State<AppState>,
    MaybeCaller(actor): MaybeCaller,
    Path(pool): Path<String>,
) -> Result<Json<Vec<Spend>>, Problem> {
    Ok(Json(
        pools::spends(&app.kernel, actor.as_ref(), id(&pool, "pool")?).await?,
    ))
}

/// Approve a waiting spend (an approver other than who asked); it posts at the Nth.
#[utoipa::path(post, path = "/api/v1/pools/{id}/spends/{transfer}/approve", tag = "pools",
    security(("bearer" = [])), params(("id" = String, Path), ("transfer" = String, Path)),
    responses((status = 200, body = Spend)))]
async fn approve_spend(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path((pool, transfer)): Path<(String, String)>,
) -> Result<Json<Spend>, Problem> {
    Ok(Json(
        pools::approve(&ledger, &actor, id(&pool, "pool")?, id(&transfer, "spend")?).await?,
    ))
}

/// Reject a waiting spend (an approver, or who asked): the reserved money is released.
#[utoipa::path(post, path = "/api/v1/pools/{id}/spends/{transfer}/reject", tag = "pools",
    security(("bearer" = [])), params(("id" = String, Path), ("transfer" = String, Path)),
    responses((status = 200, body = Spend)))]
async fn reject_spend(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path((pool, transfer)): Path<(String, String)>,
) -> Result<Json<Spend>, Problem> {
    Ok(Json(
        pools::reject(&ledger, &actor, id(&pool, "pool")?, id(&transfer, "spend")?).await?,
    ))
}

/// Record money that came in outside Weft: a transfer from the currency's main account into
/// the pool (who manages the group's money).
#[utoipa::path(post, path = "/api/v1/pools/{id}/deposits", tag = "pools",
    security(("bearer" = [])),
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    request_body = NewDeposit, responses((status = 201, body = Transfer)))]
async fn deposit(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(pool): Path<String>,
    headers: HeaderMap,
    Json(input): Json<NewDeposit>,
) -> Result<Response, Problem> {
    let key = idempotency_key(&headers)?;
    let (made, again) =
        pools::deposit(&ledger, &actor, id(&pool, "pool")?, input, key.as_deref()).await?;
    Ok(replayed(StatusCode::CREATED, made, again))
}

/// Put money of your own into the pool: a transfer from your account in its currency.
#[utoipa::path(post, path = "/api/v1/pools/{id}/contributions", tag = "pools",
    security(("bearer" = [])),
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    request_body = NewDeposit, responses((status = 201, body = Transfer)))]
async fn contribute(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(pool): Path<String>,
    headers: HeaderMap,
    Json(input): Json<NewDeposit>,
) -> Result<Response, Problem> {
    let key = idempotency_key(&headers)?;
    let (made, again) =
        pools::contribute(&ledger, &actor, id(&pool, "pool")?, input, key.as_deref()).await?;
    Ok(replayed(StatusCode::CREATED, made, again))
}

/// Claim an expense from the pool (submitted at once unless `draft`).
#[utoipa::path(post, path = "/api/v1/pools/{id}/expenses", tag = "pools",
    security(("bearer" = [])), params(("id" = String, Path)),
    request_body = NewExpense, responses((status = 201, body = Expense)))]
async fn create_expense(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(pool): Path<String>,
    Json(input): Json<NewExpense>,
) -> Result<(StatusCode, Json<Expense>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(expenses::create(&ledger, &actor, id(&pool, "pool")?, input).await?),
    ))
}

/// The pool's claims, newest first.
#[utoipa::path(get, path = "/api/v1/pools/{id}/expenses", tag = "pools",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Vec<Expense>)))]
async fn list_expenses(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(pool): Path<String>,
) -> Result<Json<Vec<Expense>>, Problem> {
    Ok(Json(
        expenses::list(&app.kernel, &actor, id(&pool, "pool")?).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/expenses/{id}", tag = "pools",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Expense)))]
async fn get_expense(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(expense): Path<String>,
) -> Result<Json<Expense>, Problem> {
    Ok(Json(
        expenses::get(&app.kernel, &actor, id(&expense, "expense")?).await?,
    ))
}

/// Submit a draft claim (its claimant); under a decision this opens the group's motion.
#[utoipa::path(post, path = "/api/v1/expenses/{id}/submit", tag = "pools",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Expense)))]
async fn submit_expense(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(expense): Path<String>,
) -> Result<Json<Expense>, Problem> {
    Ok(Json(
        expenses::submit(&ledger, &actor, id(&expense, "expense")?).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ReceiptQuery {
    /// The file's name, when the body is the raw file rather than a multipart form.
    name: Option<String>,
}

/// Add a receipt to a claim (its claimant, before approval): a `multipart/form-data` body
/// with a `file` part, or the file's bytes as the body with `?name=`. JPEG, PNG, WebP or PDF
/// only, judged by the bytes.
#[utoipa::path(post, path = "/api/v1/expenses/{id}/receipts", tag = "pools",
    security(("bearer" = [])), params(("id" = String, Path), ReceiptQuery),
    request_body(content = Vec<u8>, content_type = "multipart/form-data",
        description = "A form with a `file` part (or the raw bytes)"),
    responses((status = 201, body = kernel::files::FileInfo)))]
async fn add_receipt(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(expense): Path<String>,
    Query(q): Query<ReceiptQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<kernel::files::FileInfo>), Problem> {
    let expense: ExpenseId = id(&expense, "expense")?;
    let limit = app.kernel.config.max_file_bytes;
    let bytes = axum::body::to_bytes(
        body,
        usize::try_from(limit + 64 * 1024).unwrap_or(usize::MAX),
    )
    .await
    .map_err(|_| {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("a receipt may have at most {limit} bytes"),
        )
    })?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let file = match multer::parse_boundary(&content_type) {
        Ok(boundary) => crate::receipts::from_form(bytes, boundary).await?,
        Err(_) => kernel::files::NewFile {
            subject_type: String::new(),
            subject_id: String::new(),
            name: q.name.unwrap_or_else(|| "receipt".into()),
            claimed_type: Some(content_type).filter(|c| !c.is_empty()),
            bytes: bytes.to_vec(),
        },
    };
    Ok((
        StatusCode::CREATED,
        Json(expenses::add_receipt(&app.kernel, &actor, expense, file).await?),
    ))
}

/// Approve a submitted claim by the pool's rule (never its claimant).
#[utoipa::path(post, path = "/api/v1/expenses/{id}/approve", tag = "pools",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Expense)))]
async fn approve_expense(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(expense): Path<String>,
) -> Result<Json<Expense>, Problem> {
    Ok(Json(
        expenses::approve(&app.kernel, &actor, id(&expense, "expense")?).await?,
    ))
}

/// Reject a claim (who decides it; its claimant withdraws it the same way), with an
/// optional `{note}`.
#[utoipa::path(post, path = "/api/v1/expenses/{id}/reject", tag = "pools",
    security(("bearer" = [])), params(("id" = String, Path)),
    request_body(content = Option<Note>, description = "Optional: `{note}`"),
    responses((status = 200, body = Expense)))]
async fn reject_expense(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(expense): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Expense>, Problem> {
    let note: Note = optional(&body)?;
    Ok(Json(
        expenses::reject(&app.kernel, &actor, id(&expense, "expense")?, note).await?,
    ))
}

/// Pay an approved claim from the pool to the claimant's account.
#[utoipa::path(post, path = "/api/v1/expenses/{id}/pay", tag = "pools",
    security(("bearer" = [])),
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    responses((status = 200, body = Expense)))]
async fn pay_expense(
    Extension(ledger): Extension<Ledger>,
    Caller(actor): Caller,
    Path(expense): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let key = idempotency_key(&headers)?;
    let (paid, again) =
        expenses::pay(&ledger, &actor, id(&expense, "expense")?, key.as_deref()).await?;
    Ok(replayed(StatusCode::OK, paid, again))
}

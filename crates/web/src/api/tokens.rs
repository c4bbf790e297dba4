//! Personal access tokens: for scripts and tools acting as you, with scopes and an expiry.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kernel::id::TokenId;
use kernel::page::{Page, PageRequest};
use kernel::people::{self, NewToken, TokenInfo, TokenRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{AppState, Caller, Json, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

/// Your personal access tokens (their secrets are never shown again).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "people", security(("bearer" = [])),
    params(PageRequest),
    responses((status = 200, body = Page<TokenInfo>)))]
async fn list_tokens(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Query(page): Query<PageRequest>,
) -> Result<Json<Page<TokenInfo>>, Problem> {
    Ok(Json(people::list_tokens(&app.kernel, &actor, &page).await?))
}

/// Create a personal access token. Its secret is in the answer, and only there.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "people", security(("bearer" = [])),
    request_body = TokenRequest,
    responses((status = 201, body = NewToken)))]
async fn create_token(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<TokenRequest>,
) -> Result<(StatusCode, Json<NewToken>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(people::create_token(&app.kernel, &actor, input).await?),
    ))
}

/// Revoke a token; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "people", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Token id")),
    responses((status = 204, description = "Revoked")))]
async fn revoke_token(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let id: TokenId = id.parse().map_err(|_| Problem::not_found("token"))?;
    people::revoke_token(&app.kernel, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! `POST /api/v1/accounts` (sign up) and public profiles.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use kernel::people::{self, ClientInfo, Me, Profile, SignUp};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{AppState, Json, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_up))
        .routes(routes!(profile))
}

/// Create an account.
///
/// Anyone may sign up, a few times an hour from one address (`signups_per_hour`). The
/// account gets an Ed25519 key pair and its `did:key`. Log in with `POST /api/v1/sessions`
/// afterwards. An `email` is confirmed first: the answer shows it as `pending_email`, and a
/// link is mailed to it (`POST /api/v1/email-confirmations`). The answer is the same when
/// another account has the address; that mailbox is told instead, and the address stays
/// with its account.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "people", security(()),
    request_body = SignUp,
    responses((status = 201, description = "The new account", body = Me)))]
async fn sign_up(
    State(app): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Json(input): Json<SignUp>,
) -> Result<(StatusCode, Json<Me>), Problem> {
    let client = ClientInfo {
        user_agent: None,
        ip: Some(addr.ip().to_string()),
    };
    Ok((
        StatusCode::CREATED,
        Json(people::sign_up_from(&app.kernel, input, &client).await?),
    ))
}

/// A public profile, with every handle the account has had.
///
/// `{account}` is an id, a handle, or a former handle.
#[utoipa::path(get, path = "/api/v1/accounts/{account}", tag = "people", security(()),
    params(("account" = String, Path, description = "Account id or handle")),
    responses((status = 200, body = Profile)))]
async fn profile(
    State(app): State<AppState>,
    Path(account): Path<String>,
) -> Result<Json<Profile>, Problem> {
    Ok(Json(people::profile(&app.kernel, &account).await?))
}

//! Log in, list and revoke sessions, log out. A session is both a bearer token and, for
//! browsers, the `weft_session` cookie.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kernel::id::SessionId;
use kernel::page::{Page, PageRequest};
use kernel::people::{self, ClientInfo, Credential, LogIn, NewSession, SessionInfo};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::session_cookie;
use crate::{AppState, Caller, Json, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(log_in, list_sessions))
        .routes(routes!(log_out))
        .routes(routes!(revoke_session))
}

#[utoipa::path(post, path = "/api/v1/sessions", tag = "people", security(()),
    request_body = LogIn,
    responses((status = 201, body = NewSession,
        headers(("set-cookie" = String, description = "the weft_session cookie"))),
        (status = 401, description = "The handle or the password is wrong", body = Problem)))]
async fn log_in(
    State(app): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(input): Json<LogIn>,
) -> Result<Response, Problem> {
    let client = ClientInfo {
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        ip: Some(addr.ip().to_string()),
    };
    let session = people::log_in(&app.kernel, input, client).await?;
    let max_age = app.kernel.now().seconds_until(session.expires_at);
    let cookie = session_cookie(&app, &session.token, max_age);
    let mut response = (StatusCode::CREATED, Json(session)).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

/// Your sessions that have not expired, newest first.
#[utoipa::path(get, path = "/api/v1/sessions", tag = "people", security(("bearer" = [])),
    params(PageRequest),
    responses((status = 200, body = Page<SessionInfo>)))]
async fn list_sessions(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Query(page): Query<PageRequest>,
) -> Result<Json<Page<SessionInfo>>, Problem> {
    Ok(Json(
        people::list_sessions(&app.kernel, &actor, &page).await?,
    ))
}

/// Log out: end the session this request comes with and clear its cookie.
#[utoipa::path(delete, path = "/api/v1/sessions/current", tag = "people",
    security(("bearer" = [])),
    responses((status = 204, description = "Logged out")))]
async fn log_out(State(app): State<AppState>, Caller(actor): Caller) -> Result<Response, Problem> {
    people::log_out(&app.kernel, &actor).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&app, "", 0));
    Ok(response)
}

/// End one of your sessions (log out another device).
#[utoipa::path(delete, path = "/api/v1/sessions/{id}", tag = "people",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Session id")),
    responses((status = 204, description = "The session is ended")))]
async fn revoke_session(
    State(app): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id: SessionId = id.parse().map_err(|_| Problem::not_found("session"))?;
    people::revoke_session(&app.kernel, &actor, id).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    if actor.credential == Credential::Session(id) {
        response
            .headers_mut()
            .insert(header::SET_COOKIE, session_cookie(&app, "", 0));
    }
    Ok(response)
}

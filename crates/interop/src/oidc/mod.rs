//! Weft as an OpenID Connect provider (DESIGN section 6, group auth): outside tools — a wiki,
//! Gitea, Grafana, Nextcloud — let people sign in with their Weft account and learn which of
//! their groups use the tool, with what role. Tools are the OAuth clients registered through
//! `kernel::tool::outside`.
//!
//! - `/.well-known/openid-configuration`, `/oauth/jwks`: discovery and the public keys.
//! - `/oauth/authorize` ([`authorize`]): the browser's side, with the consent page.
//! - `/oauth/token` (`crate::oauth`): codes and refresh tokens for tokens ([`grant`]).
//! - `/oauth/userinfo`, `/oauth/introspect` (RFC 7662), `/oauth/revoke` (RFC 7009).
//! - `/oauth/logout` ([`logout`]): a tool logs the person out of Weft (RP-Initiated Logout).
//! - `/settings/apps` ([`apps`]): the tools a person let in, and taking that back.
//!
//! The issuer is `--public-url`.

pub mod apps;
pub mod authorize;
pub mod claims;
pub mod grant;
pub mod keys;
pub mod logout;
pub mod spend;
pub mod store;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;
use tower_http::cors::{Any, CorsLayer};
use web::AppState;

use crate::oauth_client::{client_from, json_answer, no_store, oauth_error};

/// How long an authorization code may wait to be exchanged.
pub const CODE_TTL_S: i64 = 60;
/// How long an access token lives.
pub const ACCESS_TTL_S: i64 = 3600;
/// How long a refresh token lives unused (each use gives a new one).
pub const REFRESH_TTL_S: i64 = 30 * 86_400;
/// How long an ID token is valid.
pub const ID_TOKEN_TTL_S: i64 = 3600;

/// What the provider keeps in memory, one per server: the signing keys as last read, and
/// the queue of code exchanges waiting to commit.
#[derive(Default)]
pub struct Provider {
    pub keys: keys::KeyCache,
    pub spender: spend::Spender,
}

/// The scopes of signing in.
pub const SIGN_IN_SCOPES: [&str; 4] = ["openid", "profile", "email", "groups"];

/// `host[:port]` of a URL, to name a tool's site to people.
pub fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(port) => format!("{h}:{port}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_else(|| url.to_string())
}

/// The issuer: the address Weft is reached at, without a trailing slash.
pub fn issuer(k: &kernel::Kernel) -> String {
    k.config.public_url.trim_end_matches('/').to_string()
}

/// Discovery, keys, userinfo, introspection and revocation (the token endpoint is
/// `crate::oauth`'s). Browsers' scripts may read them from any origin: a single-page app is a
/// client too.
pub fn routes() -> Router<AppState> {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods(Any)
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]);
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/oauth/jwks", get(jwks))
        .route("/oauth/userinfo", get(userinfo).post(userinfo))
        .route("/oauth/revoke", post(revoke))
        .route("/oauth/introspect", post(introspect))
        .layer(cors)
}

/// The pages: the authorization and end-session endpoints, and the settings tab.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route(
            "/oauth/authorize",
            get(authorize::authorize).post(authorize::decide),
        )
        .route(
            "/oauth/logout",
            get(logout::start).post(logout::start_by_post),
        )
        .route("/oauth/logout/confirm", post(logout::decide))
        .merge(apps::routes())
}

async fn discovery(State(app): State<AppState>) -> Response {
    let iss = issuer(&app.kernel);
    let body = json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/oauth/authorize"),
        "token_endpoint": format!("{iss}/oauth/token"),
        "userinfo_endpoint": format!("{iss}/oauth/userinfo"),
        "jwks_uri": format!("{iss}/oauth/jwks"),
        "revocation_endpoint": format!("{iss}/oauth/revoke"),
        "introspection_endpoint": format!("{iss}/oauth/introspect"),
        "end_session_endpoint": format!("{iss}/oauth/logout"),
        "scopes_supported": SIGN_IN_SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": keys::Alg::ALL.map(keys::Alg::as_str),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login", "consent"],
        "claims_supported": [
            "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "azp", "name", "preferred_username",
            "profile", "updated_at", "email", "email_verified", "groups", "group_handles",
            "group_roles"
        ],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
    });
    json_answer(body, "public, max-age=300")
}

async fn jwks(State(app): State<AppState>) -> Response {
    match keys::jwks(&app.kernel).await {
        Ok(set) => match serde_json::to_value(set) {
            Ok(body) => json_answer(body, "public, max-age=300"),
            Err(e) => internal(kernel::Error::internal(e)),
        },
        Err(e) => internal(e),
    }
}

fn internal(e: kernel::Error) -> Response {
    tracing::error!(error = %e, "an OpenID Connect request failed");
    oauth_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        "something went wrong on our side; it has been logged",
    )
}

/// RFC 6750's refusal of a bearer token: 401 or 403 with `WWW-Authenticate`.
fn bearer_refusal(status: StatusCode, error: &'static str, description: &str) -> Response {
    let mut response = oauth_error(status, error, description);
    let challenge = format!("Bearer realm=\"weft\", error=\"{error}\"");
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

async fn userinfo(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
    else {
        return bearer_refusal(
            StatusCode::UNAUTHORIZED,
            "invalid_request",
            "send the access token: Authorization: Bearer …",
        );
    };
    match grant::userinfo(&app.kernel, token).await {
        Ok(claims) => no_store(claims),
        Err(grant::BearerError::InvalidToken) => bearer_refusal(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "the access token is unknown, revoked or expired",
        ),
        Err(grant::BearerError::InsufficientScope) => bearer_refusal(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "userinfo needs a token with the openid scope",
        ),
        Err(grant::BearerError::Internal(e)) => internal(e),
    }
}

/// The body of introspection and revocation requests.
#[derive(Debug, Default, Deserialize)]
pub struct TokenQuery {
    pub token: Option<String>,
    #[allow(dead_code)]
    pub token_type_hint: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

type TokenQueryForm = Result<Form<TokenQuery>, axum::extract::rejection::FormRejection>;

/// The client and the token of an introspection or revocation request.
async fn client_and_token(
    app: &AppState,
    headers: &HeaderMap,
    form: TokenQueryForm,
    confidential_only: bool,
) -> Result<(kernel::tool::OutsideToolRow, String), Response> {
    let Ok(Form(form)) = form else {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "send application/x-www-form-urlencoded fields: token, and the client's credentials",
        ));
    };
    let tool = client_from(
        app,
        headers,
        form.client_id.as_deref(),
        form.client_secret.as_deref(),
    )
    .await?;
    if confidential_only && tool.public_client {
        return Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "a public client may not introspect tokens",
        ));
    }
    let Some(token) = form.token.filter(|t| !t.is_empty()) else {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is missing",
        ));
    };
    Ok((tool, token))
}

async fn introspect(
    State(app): State<AppState>,
    headers: HeaderMap,
    form: TokenQueryForm,
) -> Response {
    let (tool, token) = match client_and_token(&app, &headers, form, true).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    match grant::introspect(&app.kernel, &tool, &token).await {
        Ok(body) => no_store(body),
        Err(e) => internal(e),
    }
}

async fn revoke(State(app): State<AppState>, headers: HeaderMap, form: TokenQueryForm) -> Response {
    let (tool, token) = match client_and_token(&app, &headers, form, false).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    match grant::revoke(&app.kernel, &tool, &token).await {
        Ok(()) => no_store(json!({})),
        Err(e) => internal(e),
    }
}

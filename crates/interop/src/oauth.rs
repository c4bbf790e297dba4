//! The OAuth 2.0 token endpoint (RFC 6749). It serves three grants:
//! - client credentials (section 4.4): an outside tool trades its client id and secret for a
//!   token limited to one group;
//! - authorization code (section 4.1, with PKCE) and refresh token (section 6): a person's
//!   sign-in to a tool (`crate::oidc::grant`).
//!
//! Requests are form-encoded; answers are `application/json` with RFC 6749's `error` and
//! `error_description` (OAuth clients parse those), plus the `type`, `title`, `status` and
//! `detail` of our problem documents.

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::post;
use kernel::tool::outside::{self, GrantError};
use serde::Deserialize;
use web::AppState;

use crate::oauth_client::{client_from, no_store, oauth_error};
use crate::oidc::grant::{self, OAuthError};

pub fn routes() -> Router<AppState> {
    // A single-page app (a public client) exchanges its code from the browser.
    let cors = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([axum::http::Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]);
    Router::new()
        .route("/oauth/token", post(token))
        .layer(cors)
        .merge(crate::oidc::routes())
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub scope: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
}

/// The code and refresh grants: a person's sign-in to a tool.
async fn person_grant(
    app: &AppState,
    provider: &crate::oidc::Provider,
    headers: &HeaderMap,
    form: TokenForm,
) -> Response {
    let tool = match client_from(
        app,
        headers,
        form.client_id.as_deref(),
        form.client_secret.as_deref(),
    )
    .await
    {
        Ok(tool) => tool,
        Err(refusal) => return refusal,
    };
    let k = &app.kernel;
    let outcome = if form.grant_type.as_deref() == Some("authorization_code") {
        let Some(code) = form.code.as_deref() else {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "code is missing",
            );
        };
        grant::exchange_code(
            k,
            provider,
            &tool,
            code,
            form.redirect_uri.as_deref(),
            form.code_verifier.as_deref(),
        )
        .await
    } else {
        let Some(refresh) = form.refresh_token.as_deref() else {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "refresh_token is missing",
            );
        };
        grant::refresh(k, &provider.keys, &tool, refresh, form.scope.as_deref()).await
    };
    match outcome {
        Ok(tokens) => no_store(tokens),
        Err(OAuthError::InvalidGrant(why)) => {
            oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", &why)
        }
        Err(OAuthError::InvalidScope(why)) => {
            oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", &why)
        }
        Err(OAuthError::Internal(e)) => {
            tracing::error!(error = %e, "a token request failed");
            oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "something went wrong on our side; it has been logged",
            )
        }
    }
}

async fn token(
    State(app): State<AppState>,
    axum::Extension(provider): axum::Extension<std::sync::Arc<crate::oidc::Provider>>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "send application/x-www-form-urlencoded fields: grant_type, the grant's own, and the client's credentials",
        );
    };
    match form.grant_type.as_deref() {
        Some("client_credentials") => {}
        Some("authorization_code" | "refresh_token") => {
            return person_grant(&app, &provider, &headers, form).await;
        }
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "this endpoint grants authorization_code, refresh_token and client_credentials",
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is missing",
            );
        }
    }
    let tool = match client_from(
        &app,
        &headers,
        form.client_id.as_deref(),
        form.client_secret.as_deref(),
    )
    .await
    {
        Ok(tool) => tool,
        Err(refusal) => return refusal,
    };
    match outside::grant(&app.kernel, &tool, form.scope.as_deref()).await {
        Ok(token) => no_store(token),
        Err(GrantError::InvalidClient) => oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "a public client may not use the client credentials grant",
        ),
        Err(GrantError::InvalidScope(why)) => {
            oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", &why)
        }
        Err(GrantError::Internal(why)) => {
            tracing::error!(error = %why, "a token request failed");
            oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "something went wrong on our side; it has been logged",
            )
        }
    }
}

//! The OAuth 2.0 token endpoint (RFC 6749). Today it serves the client credentials grant
//! (section 4.4): an outside tool trades its client id and secret for a token limited to one
//! group. Requests are form-encoded; answers are `application/json` with RFC 6749's
//! `error` and `error_description` (OAuth clients parse those), plus the `type`, `title`,
//! `status` and `detail` of our problem documents.

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use kernel::tool::outside::{self, GrantError};
use serde::Deserialize;
use serde_json::json;
use web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/oauth/token", post(token))
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub scope: Option<String>,
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = json!({
        "error": error,
        "error_description": description,
        "type": format!("/problems/oauth/{error}"),
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": description,
    });
    let mut response = (status, axum::Json(body)).into_response();
    response
        .extensions_mut()
        .insert(web::problem::SpecifiedError);
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"weft\""),
        );
    }
    response
}

/// Client id and secret from HTTP Basic (preferred by RFC 6749) or from the form.
fn client_of(headers: &HeaderMap, form: &TokenForm) -> Option<(String, String)> {
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(basic.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (id, secret) = text.split_once(':')?;
        return Some((id.to_string(), secret.to_string()));
    }
    Some((form.client_id.clone()?, form.client_secret.clone()?))
}

async fn token(
    State(app): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "send application/x-www-form-urlencoded fields: grant_type, scope, and the client's id and secret",
        );
    };
    match form.grant_type.as_deref() {
        Some("client_credentials") => {}
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "this endpoint grants client_credentials",
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
    let Some((id, secret)) = client_of(&headers, &form) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "authenticate the client: HTTP Basic, or client_id and client_secret in the form",
        );
    };
    match outside::grant(&app.kernel, &id, &secret, form.scope.as_deref()).await {
        Ok(token) => {
            let mut response = (StatusCode::OK, axum::Json(token)).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(GrantError::InvalidClient) => oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client, or a wrong secret",
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

//! How OAuth clients are authenticated and answered (RFC 6749 sections 2.3 and 5): HTTP Basic
//! or form credentials, JSON answers that are never cached, and OAuth errors that are also our
//! problem documents. Both the token endpoint (`crate::oauth`) and the OpenID Connect
//! provider (`crate::oidc`) use it; it uses neither, so they do not import each other both
//! ways.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use kernel::tool::OutsideToolRow;
use kernel::tool::outside::{self, ClientError};
use serde_json::json;
use web::AppState;

pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
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

/// Client id and secret from HTTP Basic (`client_secret_basic`; each form-urlencoded, RFC
/// 6749 section 2.3.1), if the request has that header.
fn basic_of(headers: &HeaderMap) -> Option<Option<(String, String)>> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))?;
    let decode = |s: &str| -> Option<String> {
        let plus_as_space = s.replace('+', " ");
        url::form_urlencoded::parse(format!("x={plus_as_space}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    let parsed = (|| {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(basic.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (id, secret) = text.split_once(':')?;
        Some((decode(id)?, decode(secret)?))
    })();
    Some(parsed)
}

/// The client a request comes from, authenticated by `client_secret_basic`,
/// `client_secret_post`, or — a public client — by its id alone; or the refusal to send.
pub async fn client_from(
    app: &AppState,
    headers: &HeaderMap,
    form_id: Option<&str>,
    form_secret: Option<&str>,
) -> Result<OutsideToolRow, Response> {
    let unauthenticated = || {
        oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client, or a wrong secret",
        )
    };
    let (id, secret) = match basic_of(headers) {
        Some(_) if form_secret.is_some() => {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "authenticate the client one way: HTTP Basic or the form, not both",
            ));
        }
        Some(Some((id, secret))) => (id, Some(secret)),
        Some(None) => return Err(unauthenticated()),
        None => match form_id {
            Some(id) => (id.to_string(), form_secret.map(str::to_string)),
            None => {
                return Err(oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "authenticate the client: HTTP Basic, or client_id (and client_secret) in the form",
                ));
            }
        },
    };
    match outside::authenticate_client(&app.kernel, &id, secret.as_deref()).await {
        Ok(tool) => Ok(tool),
        Err(ClientError::Invalid) => Err(unauthenticated()),
        Err(ClientError::Internal(why)) => {
            tracing::error!(error = %why, "a client could not be authenticated");
            Err(oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "something went wrong on our side; it has been logged",
            ))
        }
    }
}

/// A JSON answer that caches may keep as `cache` says.
pub fn json_answer(body: impl serde::Serialize, cache: &'static str) -> Response {
    let mut response = (StatusCode::OK, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// A JSON answer no cache may keep (tokens, claims; RFC 6749 section 5.1).
pub fn no_store(body: impl serde::Serialize) -> Response {
    let mut response = json_answer(body, "no-store");
    response
        .headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

//! Forms are protected against cross-site request forgery twice over: each form carries a
//! token that must equal the browser's `weft_csrf` cookie (which another site can neither
//! read nor set), and a cookie-authenticated request must come from Weft's own origin
//! (`auth.rs`). The token guards the forms used before there is a session, too (log in, sign
//! up), so nobody can log a visitor into an account of theirs.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use super::flash::{FLASH_COOKIE, Flash};
use crate::auth::cookie;
use crate::{AppState, Problem};

pub const CSRF_COOKIE: &str = "weft_csrf";

/// The token of this browser, for the page's forms.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

fn new_token() -> String {
    URL_SAFE_NO_PAD.encode(kernel::people::secrets::random_bytes::<32>())
}

fn well_formed(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Around every page: gives the browser a form token if it has none, and hands the page a
/// flash message once, then forgets it.
pub async fn page_cookies(State(app): State<AppState>, mut req: Request, next: Next) -> Response {
    let existing = cookie(req.headers(), CSRF_COOKIE).filter(|t| well_formed(t));
    let fresh = existing.is_none();
    let token = existing.unwrap_or_else(new_token);
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let flash = cookie(req.headers(), FLASH_COOKIE).and_then(|c| Flash::parse(&c));
    if let Some(flash) = flash {
        req.extensions_mut().insert(flash);
    }

    let mut response = next.run(req).await;
    let sets_flash = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(FLASH_COOKIE.as_bytes()));
    let headers = response.headers_mut();
    if fresh {
        let secure = if app.secure_cookies() { "; Secure" } else { "" };
        let value = format!("{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{secure}");
        headers.append(
            header::SET_COOKIE,
            HeaderValue::from_str(&value).expect("tokens are ASCII"),
        );
    }
    if flash.is_some() && !sets_flash {
        headers.append(header::SET_COOKIE, Flash::clear());
    }
    response
}

/// A form body (`application/x-www-form-urlencoded`) whose `csrf` field, or `X-CSRF-Token`
/// header (htmx), matches the browser's token. Anything else is refused with 403.
pub struct CsrfForm<T>(pub T);

#[derive(serde::Deserialize)]
struct TokenField {
    csrf: Option<String>,
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Problem> {
        let expected = req.extensions().get::<CsrfToken>().cloned();
        let from_cookie = cookie(req.headers(), CSRF_COOKIE);
        let header_token = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|_| forbidden("the form could not be read"))?;
        let sent = match header_token {
            Some(t) => Some(t),
            None => serde_urlencoded::from_bytes::<TokenField>(&body)
                .ok()
                .and_then(|f| f.csrf),
        };
        // The browser's token must have come in its cookie, not been made up for this request.
        let expected = expected
            .map(|t| t.0)
            .filter(|t| from_cookie.as_ref() == Some(t));
        let matches = match (expected, sent) {
            (Some(e), Some(s)) => bool::from(e.as_bytes().ct_eq(s.as_bytes())),
            _ => false,
        };
        if !matches {
            return Err(forbidden(
                "this form has expired or did not come from Weft; reload the page and try again",
            ));
        }
        serde_urlencoded::from_bytes::<T>(&body)
            .map(CsrfForm)
            .map_err(|e| Problem::new(axum::http::StatusCode::BAD_REQUEST, e.to_string()))
    }
}

fn forbidden(detail: &str) -> Problem {
    Problem::new(axum::http::StatusCode::FORBIDDEN, detail)
}

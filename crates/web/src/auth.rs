//! Who is calling: a bearer token (`Authorization: Bearer …`) or, for browsers, the
//! `weft_session` cookie. A cookie is sent by the browser on any site's behalf, so a
//! cookie-authenticated request that changes state must come from Weft's own origin.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use kernel::Error;
use kernel::people::{self, Actor};

use crate::{AppState, Problem};

pub const SESSION_COOKIE: &str = "weft_session";

/// An authenticated caller; rejects with 401 when there is none.
pub struct Caller(pub Actor);

/// A caller if there is one (public endpoints that show more to the signed-in).
pub struct MaybeCaller(pub Option<Actor>);

/// An authenticated caller of a long-lived stream. Browsers cannot put headers on
/// EventSource, so the cookie is accepted — and then the Origin is checked even on GET, or
/// any site could open a person's stream in their browser.
pub struct StreamCaller(pub Actor);

/// The secret a request carries, and whether it came in a cookie.
fn credential(headers: &HeaderMap) -> Result<Option<(String, bool)>, Error> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().unwrap_or_default();
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Error::Unauthenticated("use Authorization: Bearer <token>".into()))?;
        return Ok(Some((token.to_string(), false)));
    }
    Ok(cookie(headers, SESSION_COOKIE).map(|c| (c, true)))
}

/// The value of the cookie `name` the request carries.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty())
}

/// The `weft_session` cookie: `value` for `max_age_s` seconds (0 ends it).
pub fn session_cookie(app: &AppState, value: &str, max_age_s: i64) -> HeaderValue {
    let secure = if app.secure_cookies() { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{secure}"
    );
    HeaderValue::from_str(&cookie).expect("session cookies are ASCII")
}

/// Refuses a cookie-authenticated request that changes state unless the browser says it comes
/// from Weft's own origin.
fn check_same_origin(parts: &Parts, state: &AppState) -> Result<(), Error> {
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    check_origin(parts, state)
}

/// The browser says the request comes from Weft's own origin.
fn check_origin(parts: &Parts, state: &AppState) -> Result<(), Error> {
    let headers = &parts.headers;
    let same_site = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"same-origin");
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host_origin = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(|host| {
            let scheme = if state.secure_cookies() {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{host}")
        });
    let origin_ok =
        origin.is_some_and(|o| o == state.public_origin || host_origin.as_deref() == Some(o));
    if same_site || origin_ok {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "a request authenticated by cookie must come from this site (Origin check)".into(),
        ))
    }
}

async fn actor_of(parts: &Parts, state: &AppState) -> Result<Option<Actor>, Error> {
    if let Some(actor) = parts.extensions.get::<Actor>() {
        return Ok(Some(actor.clone()));
    }
    let Some((secret, from_cookie)) = credential(&parts.headers)? else {
        return Ok(None);
    };
    if from_cookie {
        check_same_origin(parts, state)?;
    }
    people::authenticate(&state.kernel, &secret).await.map(Some)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        match actor_of(parts, state).await? {
            Some(actor) => {
                parts.extensions.insert(actor.clone());
                Ok(Caller(actor))
            }
            None => Err(Error::Unauthenticated("log in, or send a bearer token".into()).into()),
        }
    }
}

impl FromRequestParts<AppState> for StreamCaller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let Some((secret, from_cookie)) = credential(&parts.headers)? else {
            return Err(Error::Unauthenticated("log in, or send a bearer token".into()).into());
        };
        if from_cookie {
            // Same-origin EventSource requests may carry no Origin at all; then the browser's
            // Sec-Fetch-Site says where they come from. Anything cross-site is refused.
            let headers = &parts.headers;
            let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
            let has_origin = headers.contains_key(header::ORIGIN);
            match (has_origin, fetch_site) {
                (false, None | Some("same-origin") | Some("none")) => {}
                _ => check_origin(parts, state)?,
            }
        }
        Ok(StreamCaller(
            people::authenticate(&state.kernel, &secret).await?,
        ))
    }
}

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let actor = actor_of(parts, state).await?;
        if let Some(actor) = &actor {
            parts.extensions.insert(actor.clone());
        }
        Ok(MaybeCaller(actor))
    }
}

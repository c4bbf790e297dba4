//! Errors in the browser: any error a page request meets — a kernel error, a path that does
//! not exist, a panic — leaves as a page in Weft's design with the same status, built from
//! the `problem+json` the rest of the stack answers with. API clients still get the JSON.

use askama::Template;
use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kernel::people;
use serde::Deserialize;

use super::csrf::CsrfToken;
use super::shell::Shell;
use super::{render, sentence};
use crate::AppState;

/// Paths that belong to machines, never answered with a page.
const MACHINE_PREFIXES: &[&str] = &[
    "/api/",
    "/oauth/",
    "/assets/",
    "/.well-known/",
    "/bell",
    "/healthz",
    "/readyz",
    "/metrics",
];

/// A browser navigating (or posting a form), not a script.
fn wants_page(req: &Request) -> bool {
    let path = req.uri().path();
    if MACHINE_PREFIXES.iter().any(|p| path.starts_with(p)) {
        return false;
    }
    if req.headers().contains_key("hx-request") {
        return false;
    }
    let accepts_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    accepts_html || *req.method() == Method::POST && is_form(req.headers())
}

fn is_form(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes()
            .starts_with(b"application/x-www-form-urlencoded")
    })
}

#[derive(Deserialize, Default)]
struct ProblemBody {
    detail: Option<String>,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    shell: Shell,
    code: u16,
    title: &'static str,
    detail: String,
    /// Offer to log in (401), with the page to come back to.
    login_next: Option<String>,
}

pub async fn html_errors(State(app): State<AppState>, req: Request, next: Next) -> Response {
    if !wants_page(&req) {
        return next.run(req).await;
    }
    let headers = req.headers().clone();
    let path = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let is_get = req.method() == Method::GET;
    let csrf = req.extensions().get::<CsrfToken>().map(|t| t.0.clone());
    let response = next.run(req).await;
    let status = response.status();
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_page {
        return response;
    }
    // A page that needs a session sends a visitor to log in, and back here afterwards.
    if status == StatusCode::UNAUTHORIZED && is_get {
        let query: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
        return super::redirect(&format!("/login?next={query}"), None);
    }
    let (parts, body) = response.into_parts();
    let problem: ProblemBody = to_bytes(body, 64 * 1024)
        .await
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let actor = match crate::auth::cookie(&headers, crate::auth::SESSION_COOKIE) {
        Some(secret) => people::authenticate(&app.kernel, &secret).await.ok(),
        None => None,
    };
    let csrf = csrf
        .or_else(|| crate::auth::cookie(&headers, super::csrf::CSRF_COOKIE))
        .unwrap_or_default();
    let shell = match Shell::load(&app, actor, csrf, None).await {
        Ok(shell) => shell,
        Err(_) => Shell::load(&app, None, String::new(), None)
            .await
            .expect("a visitor's shell reads nothing"),
    };
    let (title, fallback) = words_for(status);
    let detail = match problem.detail {
        // What went wrong inside is logged, not shown.
        Some(d) if !status.is_server_error() => sentence(&d),
        _ => fallback.to_string(),
    };
    let login_next = (status == StatusCode::UNAUTHORIZED).then_some(path);
    let page = ErrorPage {
        shell,
        code: status.as_u16(),
        title,
        detail,
        login_next,
    };
    let mut out = (status, render(&page)).into_response();
    for name in [header::ALLOW, header::RETRY_AFTER, header::SET_COOKIE] {
        for value in parts.headers.get_all(&name) {
            out.headers_mut().append(name.clone(), value.clone());
        }
    }
    out
}

fn words_for(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => (
            "That request did not make sense",
            "Something in the request was malformed.",
        ),
        401 => (
            "Please log in",
            "You need to be logged in to see this page.",
        ),
        403 => ("Not allowed", "You do not have permission to do this."),
        404 => (
            "Page not found",
            "There is nothing here — or nothing you are allowed to see.",
        ),
        405 => (
            "Not like that",
            "This page does not take that kind of request.",
        ),
        409 => ("That clashes", "This conflicts with how things stand now."),
        410 => ("Gone", "This link was used already or has expired."),
        413 => ("Too large", "What you sent is too large."),
        422 => (
            "Please check what you entered",
            "Some of what you entered is not valid.",
        ),
        429 => (
            "Slow down",
            "Too many attempts. Wait a moment and try again.",
        ),
        _ if status.is_server_error() => (
            "Something went wrong on our side",
            "It has been logged and is not your fault. Try again in a moment.",
        ),
        _ => (
            "Something went wrong",
            "The request could not be completed.",
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn details_read_as_sentences() {
        assert_eq!(crate::pages::sentence("no such path"), "No such path.");
        assert_eq!(crate::pages::sentence("Done!"), "Done!");
        assert_eq!(crate::pages::sentence(""), "");
    }
}

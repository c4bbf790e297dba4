//! Weft in the browser: server-rendered pages (askama) in one shell, enhanced by htmx and
//! working without JavaScript. This module holds the shell, the kernel's own pages (landing,
//! sign up, log in, password reset, groups, profiles, settings, the design language at `/ui`)
//! and the error pages; tools add theirs through [`crate::Tool`].

pub mod account;
pub mod bell;
pub mod csrf;
pub mod errors;
pub mod flash;
pub mod group_admin;
pub mod groups;
pub mod home;
pub mod membership;
pub mod settings;
pub mod shell;
pub mod ui;

use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::AppState;

pub use csrf::CsrfForm;
pub use flash::Flash;
pub use shell::{NavLink, Shell};

/// The kernel's pages, and the pages of each tool under `/groups/{group}/{tool}`.
pub fn routes(tools: &[std::sync::Arc<dyn crate::Tool>]) -> Router<AppState> {
    let mut router = Router::new()
        .merge(home::routes())
        .merge(account::routes())
        .merge(groups::routes())
        .merge(membership::routes())
        .merge(group_admin::routes())
        .merge(settings::routes())
        .merge(ui::routes());
    for tool in tools {
        if let Some(pages) = tool.pages() {
            router = router.nest(&format!("/groups/{{group}}/{}", tool.name()), pages);
        }
        if let Some(pages) = tool.root_pages() {
            router = router.merge(pages);
        }
    }
    router.merge(bell::routes())
}

/// A rendered page, or the 500 page if the template fails.
pub fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a template failed to render");
            crate::Problem::from(kernel::Error::Internal(e.to_string())).into_response()
        }
    }
}

/// A rendered page with another status (a form with errors is 422).
pub fn render_with(status: StatusCode, page: &impl Template) -> Response {
    let mut response = render(page);
    if response.status().is_success() {
        *response.status_mut() = status;
    }
    response
}

/// `303 See Other` to `to` (after a form), with a message for the next page.
pub fn redirect(to: &str, flash: Option<Flash>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::LOCATION,
        HeaderValue::from_str(to).unwrap_or(HeaderValue::from_static("/")),
    );
    if let Some(flash) = flash {
        headers.append(header::SET_COOKIE, flash.cookie());
    }
    response
}

/// Whether `p` is a path on this site — not another site, not a scheme-relative
/// `//evil.example`, not `/\\evil.example` (which browsers read as the same).
pub fn is_local_path(p: &str) -> bool {
    p.starts_with('/')
        && !p.starts_with("//")
        && !p.contains('\\')
        && !p.chars().any(char::is_control)
}

/// A path on this site to come back to after logging in; anything else becomes `/`.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if is_local_path(p) => p.to_string(),
        _ => "/".to_string(),
    }
}

/// Puts each field error beside its field; answers the ones no field takes.
pub fn set_errors(errors: &[(String, String)], fields: &mut [(&str, &mut Field)]) -> Vec<String> {
    let mut unplaced = Vec::new();
    for (name, detail) in errors {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some((_, field)) => field.error = Some(sentence(detail)),
            None => unplaced.push(sentence(detail)),
        }
    }
    unplaced
}

/// "no such path" → "No such path."
pub fn sentence(text: &str) -> String {
    let mut chars = text.trim().chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// Every value a form sent under `name` (checkboxes: one pair per box ticked).
pub fn values_of(fields: &[(String, String)], name: &str) -> Vec<String> {
    fields
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .collect()
}

/// A day as people write it: "24 November 2026".
pub fn day(t: kernel::Timestamp) -> String {
    t.to_datetime().format("%-d %B %Y").to_string()
}

/// A form with nothing but its token (a button: log out, remove, revoke…).
#[derive(serde::Deserialize)]
pub struct EmptyForm {}

/// Splits a kernel error into what belongs beside a form's fields, or passes it on.
pub fn field_errors(e: kernel::Error) -> Result<Vec<(String, String)>, crate::Problem> {
    match e {
        kernel::Error::Invalid(errors) => {
            Ok(errors.into_iter().map(|e| (e.field, e.detail)).collect())
        }
        kernel::Error::Conflict {
            field: Some(field),
            detail,
        } => Ok(vec![(field, detail)]),
        other => Err(other.into()),
    }
}

/// What one form field shows: what was typed and what is wrong with it.
#[derive(Debug, Clone, Default)]
pub struct Field {
    pub value: String,
    pub error: Option<String>,
}

impl Field {
    pub fn new(value: impl Into<String>) -> Self {
        Field {
            value: value.into(),
            error: None,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_local_paths_are_followed_after_log_in() {
        use super::local_path;
        assert_eq!(local_path(Some("/groups/x")), "/groups/x");
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(Some("/a\nb")), "/");
        assert_eq!(local_path(None), "/");
        // The dashboard marks links the same way: these lead elsewhere.
        assert!(!super::is_local_path("/\\evil.example"));
        assert!(super::is_local_path("/groups/x?tab=1"));
    }
}

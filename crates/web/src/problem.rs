//! Every error leaves as RFC 9457 `application/problem+json`: kernel errors, axum's own
//! rejections, unknown routes and methods, oversized bodies and panics alike.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kernel::{Error, FieldError};
use serde::Serialize;
use utoipa::ToSchema;

pub const CONTENT_TYPE: &str = "application/problem+json";

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The invalid fields, each with what is wrong with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    #[serde(skip)]
    retry_after_s: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Problem {
            kind: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: Some(detail.into()),
            errors: None,
            retry_after_s: None,
        }
    }

    fn kind(mut self, slug: &str) -> Self {
        self.kind = format!("/problems/{slug}");
        self
    }

    pub fn not_found(what: &str) -> Self {
        Problem::new(StatusCode::NOT_FOUND, format!("{what} not found")).kind("not-found")
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<Error> for Problem {
    fn from(e: Error) -> Self {
        match e {
            Error::BadRequest(d) => Problem::new(StatusCode::BAD_REQUEST, d).kind("bad-request"),
            Error::Unauthenticated(d) => {
                Problem::new(StatusCode::UNAUTHORIZED, d).kind("unauthenticated")
            }
            Error::Forbidden(d) => Problem::new(StatusCode::FORBIDDEN, d).kind("forbidden"),
            Error::NotFound(what) => Problem::not_found(what),
            Error::Gone(d) => Problem::new(StatusCode::GONE, d).kind("gone"),
            Error::Conflict { field, detail } => {
                let mut p = Problem::new(StatusCode::CONFLICT, detail.clone()).kind("conflict");
                p.errors = field.map(|f| vec![FieldError::new(f, detail)]);
                p
            }
            Error::Invalid(errors) => {
                let summary = errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.detail))
                    .collect::<Vec<_>>()
                    .join("; ");
                let mut p =
                    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, summary).kind("validation");
                p.errors = Some(errors);
                p
            }
            Error::RateLimited { retry_after_s } => {
                let mut p = Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("too many attempts; try again in {retry_after_s} s"),
                )
                .kind("rate-limited");
                p.retry_after_s = Some(retry_after_s);
                p
            }
            Error::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "something went wrong on our side; it has been logged",
                )
                .kind("internal")
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(s) = self.retry_after_s {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        response
    }
}

/// Turns every error response that is not yet a problem (axum's plain-text rejections, 404
/// and 405 from the router, 413 from body limits) into one, keeping its status and text.
/// Marks an error answer whose shape another specification fixes (OAuth's token endpoint
/// answers `application/json` with `error` and `error_description`), so it is left as it is.
#[derive(Debug, Clone, Copy)]
pub struct SpecifiedError;

pub async fn problem_for_plain_errors(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let content_type = response.headers().get(header::CONTENT_TYPE);
    let is_problem =
        content_type.is_some_and(|ct| ct.as_bytes().starts_with(CONTENT_TYPE.as_bytes()));
    // A page that answers a form with its errors is already what the browser should show.
    let is_page = content_type.is_some_and(|ct| ct.as_bytes().starts_with(b"text/html"));
    if is_problem || is_page || response.extensions().get::<SpecifiedError>().is_some() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let detail = if !text.is_empty() && !text.starts_with('<') {
        text
    } else {
        match status {
            StatusCode::NOT_FOUND => "no such path".into(),
            StatusCode::METHOD_NOT_ALLOWED => "this path does not take that method".into(),
            _ => status.canonical_reason().unwrap_or("error").to_lowercase(),
        }
    };
    let mut problem = Problem::new(status, detail).into_response();
    for (name, value) in parts.headers.iter() {
        if name == header::ALLOW || name == header::RETRY_AFTER || name == header::WWW_AUTHENTICATE
        {
            problem.headers_mut().insert(name.clone(), value.clone());
        }
    }
    problem
}

/// Answers a panicking handler with a 500 problem (the panic itself is logged).
pub fn panic_problem(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    tracing::error!(panic = %what, "handler panicked");
    Problem::from(Error::Internal(what)).into_response()
}

//! Operational endpoints: liveness, readiness, Prometheus metrics, the OpenAPI document and
//! its docs page.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::{AppState, Problem};

pub fn routes(spec: Arc<String>, docs: Arc<String>) -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route(
            "/api/openapi.json",
            get(move || {
                let spec = Arc::clone(&spec);
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        (*spec).clone(),
                    )
                }
            }),
        )
        .route(
            "/api/docs",
            get(move || {
                let docs = Arc::clone(&docs);
                async move { Html((*docs).clone()) }
            }),
        )
        .route(
            "/api/docs.css",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/css")],
                    crate::openapi::DOCS_CSS,
                )
            }),
        )
}

/// Ready when the database answers.
async fn readyz(State(app): State<AppState>) -> Response {
    match app.kernel.db.ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database does not answer",
            )
            .into_response()
        }
    }
}

/// Prometheus metrics, for the server's administrators (a token of theirs that may read):
/// request counts by route tell strangers more about a community than they should know.
async fn metrics(
    State(app): State<AppState>,
    crate::MaybeCaller(actor): crate::MaybeCaller,
) -> Response {
    if let Err(e) = kernel::policy::administer_server(actor.as_ref(), kernel::people::Scope::Read) {
        return Problem::from(e).into_response();
    }
    match &app.metrics {
        Some(handle) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            handle.render(),
        )
            .into_response(),
        None => Problem::new(StatusCode::NOT_FOUND, "metrics are not enabled").into_response(),
    }
}

/// Counts requests and times them per route and status.
pub async fn record_metrics(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

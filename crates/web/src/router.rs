//! Assembles the HTTP application: the API, operational endpoints, and the layers every
//! request passes (request id, tracing, metrics, panic catching, problem+json, body limit).

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::middleware;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::openapi::{ApiDoc, docs_page, finish};
use crate::problem::{Problem, panic_problem, problem_for_plain_errors};
use crate::{AppState, api, ops};

/// Largest JSON body the API reads.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// What crates above `web` mount beside the kernel's API (the composition root gathers them):
/// routes in the OpenAPI document, and plain ones outside it (OAuth's form-encoded
/// endpoints, which have their own specification).
#[derive(Default)]
pub struct Mounts {
    pub api: Vec<OpenApiRouter<AppState>>,
    pub plain: Vec<Router<AppState>>,
}

/// The OpenAPI document of everything mounted, as served at `/api/openapi.json`.
pub fn openapi(api: Vec<OpenApiRouter<AppState>>) -> utoipa::openapi::OpenApi {
    let (_, api) = api_router(api).split_for_parts();
    finish(api)
}

fn api_router(extra: Vec<OpenApiRouter<AppState>>) -> OpenApiRouter<AppState> {
    let mut router = OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(api::routes());
    for more in extra {
        router = router.merge(more);
    }
    router
}

pub fn app(state: AppState, mounts: Mounts) -> Router {
    let (api, document) = api_router(mounts.api).split_for_parts();
    let document = finish(document);
    let spec = Arc::new(serde_json::to_string(&document).expect("the OpenAPI document serialises"));
    let docs = Arc::new(docs_page(&document));

    let mut router = Router::new().merge(api);
    for plain in mounts.plain {
        router = router.merge(plain);
    }
    router
        .merge(ops::routes(spec, docs))
        .route_layer(middleware::from_fn(ops::record_metrics))
        .fallback(|| async { Problem::new(axum::http::StatusCode::NOT_FOUND, "no such path") })
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                    let id = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), uri = %req.uri(), request_id = %id)
                }))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(CatchPanicLayer::custom(panic_problem))
                .layer(middleware::map_response(problem_for_plain_errors))
                .layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
}

//! Assembles the HTTP application: the API, operational endpoints, and the layers every
//! request passes (request id, tracing, metrics, panic catching, problem+json, body limit).

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request, header};
use axum::middleware;
use axum::response::Response;
use tower::ServiceBuilder;
use tower_http::CompressionLevel;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::openapi::{ApiDoc, docs_page, finish};
use crate::problem::{Problem, panic_problem, problem_for_plain_errors};
use crate::{AppState, Tool, api, assets, ops, pages};

/// Largest JSON body the API reads.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The OpenAPI document of everything mounted, as served at `/api/openapi.json`.
pub fn openapi(tools: &[Arc<dyn Tool>]) -> utoipa::openapi::OpenApi {
    let (_, api) = api_router(tools).split_for_parts();
    finish(api)
}

fn api_router(tools: &[Arc<dyn Tool>]) -> OpenApiRouter<AppState> {
    let mut router = OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(api::routes());
    for more in tools.iter().filter_map(|t| t.api()) {
        router = router.merge(more);
    }
    router
}

/// The whole application: the API, each tool's endpoints and pages, the kernel's pages and
/// assets, and the layers every request passes.
pub fn app(state: AppState) -> Router {
    let (api, document) = api_router(&state.tools).split_for_parts();
    let document = finish(document);
    let spec = Arc::new(serde_json::to_string(&document).expect("the OpenAPI document serialises"));
    let docs = Arc::new(docs_page(&document));

    let mut router = Router::new().merge(api);
    for plain in state.tools.iter().filter_map(|t| t.plain()) {
        router = router.merge(plain);
    }
    let pages = pages::routes(&state.tools).layer(middleware::from_fn_with_state(
        state.clone(),
        pages::csrf::page_cookies,
    ));
    router
        .merge(pages)
        .merge(assets::routes())
        .merge(ops::routes(spec, docs))
        .route_layer(middleware::from_fn(ops::record_metrics))
        .fallback(|| async { Problem::new(axum::http::StatusCode::NOT_FOUND, "no such path") })
        .with_state(state.clone())
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
                .layer(
                    CompressionLayer::new()
                        .quality(CompressionLevel::Fastest)
                        .compress_when(compressible()),
                )
                .layer(middleware::map_response(security_headers))
                .layer(middleware::from_fn_with_state(
                    state.clone(),
                    pages::errors::html_errors,
                ))
                .layer(CatchPanicLayer::custom(panic_problem))
                .layer(middleware::map_response(problem_for_plain_errors))
                .layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
}

/// What a browser must hold every response to: scripts and styles only from this origin (so
/// no inline script runs, whoever managed to put one in a page), no framing by other sites,
/// no referrer beyond this origin, no sniffing of content types.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

const SECURITY_HEADERS: [(&str, &str); 6] = [
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("x-frame-options", "DENY"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    ),
    ("cross-origin-opener-policy", "same-origin"),
];

/// Lets a page's forms lead to `url`'s origin: a sign-in or log-out page whose answer sends the
/// browser on to a tool (browsers hold the redirects after a form to `form-action` too).
pub fn allow_forms_to(response: &mut Response, url: &str) {
    if let Some(origin) = crate::state::origin_of_url(url) {
        response.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            csp_allowing_forms_to(&[origin]),
        );
    }
}

/// Lets a page show images from `origin` (a map's tiles, which the person chose to load):
/// the page's policy adds it to `img-src`, nothing else.
pub fn allow_images_from(response: &mut Response, origin: &'static str) {
    let policy = CONTENT_SECURITY_POLICY.replace(
        "img-src 'self' data:",
        &format!("img-src 'self' data: {origin}"),
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The page's security policy when its forms may lead to other origins.
fn csp_allowing_forms_to(origins: &[String]) -> HeaderValue {
    let extra: Vec<&str> = origins
        .iter()
        .map(String::as_str)
        .filter(|o| {
            !o.is_empty()
                && o.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ":/.-[]".contains(c))
        })
        .collect();
    if extra.is_empty() {
        return HeaderValue::from_static(CONTENT_SECURITY_POLICY);
    }
    let policy = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'",
        &format!("form-action 'self' {}", extra.join(" ")),
    );
    HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static(CONTENT_SECURITY_POLICY))
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers
            .entry(HeaderName::from_static(name))
            .or_insert(HeaderValue::from_static(value));
    }
    response
}

/// Text worth compressing; never the event streams, which must flush each event. At the
/// fastest level: the pages are small, and the best level costs a page ~2 ms of CPU, which
/// queues requests arriving together (see docs/benchmarks.md, web).
fn compressible() -> impl Predicate {
    SizeAbove::new(1024)
        .and(NotForContentType::const_new("text/event-stream"))
        .and(NotForContentType::IMAGES)
}

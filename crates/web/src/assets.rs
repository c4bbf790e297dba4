//! Static assets embedded in the binary: the design language (`weft.css`, the icon sprite),
//! Weft's own small script and the browser libraries npm installed (htmx and its SSE
//! extension). Pages link them as `/assets/{name}?v={hash}`, so a link names one version and
//! may be cached forever; the stylesheet and the sprite are open to other origins, so outside
//! tools can look like Weft.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::AppState;

pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
    /// The first 16 hex digits of the content's SHA-256: the `v` of its links, and its ETag.
    pub version: String,
}

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "weft.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/weft.css"),
    ),
    (
        "weft.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/weft.js"),
    ),
    (
        "icons.svg",
        "image/svg+xml",
        include_bytes!("../assets/icons.svg"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../assets/favicon.svg"),
    ),
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!(concat!(env!("OUT_DIR"), "/htmx.min.js")),
    ),
    (
        "sse.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!(concat!(env!("OUT_DIR"), "/sse.min.js")),
    ),
];

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(name, content_type, bytes)| {
            let digest = Sha256::digest(bytes);
            let version = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
            Asset {
                name,
                content_type,
                bytes,
                version,
            }
        })
        .collect()
});

pub fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// The link to an asset, naming its version: `/assets/weft.css?v=…`.
pub fn url(name: &str) -> String {
    match find(name) {
        Some(a) => format!("/assets/{}?v={}", a.name, a.version),
        None => format!("/assets/{name}"),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/assets/{name}", get(serve))
}

#[derive(Deserialize)]
struct Version {
    v: Option<String>,
}

async fn serve(
    State(_): State<AppState>,
    Path(name): Path<String>,
    Query(version): Query<Version>,
    headers: HeaderMap,
) -> Response {
    let Some(asset) = find(&name) else {
        return crate::Problem::new(StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let etag = format!("\"{}\"", asset.version);
    // A link with the current version may be kept forever; any other is checked each time.
    let cache = if version.v.as_deref() == Some(asset.version.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "public, no-cache"
    };
    let mut response = if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, asset.content_type)], asset.bytes).into_response()
    };
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).expect("hex is a valid header"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    response
}

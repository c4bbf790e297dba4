//! The state every handler gets: the kernel plus what only HTTP needs.

use std::ops::Deref;
use std::sync::Arc;

use kernel::Kernel;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio_util::sync::CancellationToken;

use crate::Tool;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub kernel: Arc<Kernel>,
    /// Renders `/metrics`; absent when another recorder is installed.
    pub metrics: Option<PrometheusHandle>,
    /// Scheme, host and port of `public_url`, which browser requests must come from.
    pub public_origin: String,
    /// Cancelled when the server shuts down, so long-lived streams end.
    pub shutdown: CancellationToken,
    /// The tools mounted beside the kernel: their endpoints, pages and tabs.
    pub tools: Vec<Arc<dyn Tool>>,
    /// The live streams each account holds open on this node.
    pub streams: Arc<crate::streams::StreamSlots>,
}

impl AppState {
    pub fn new(
        kernel: Arc<Kernel>,
        metrics: Option<PrometheusHandle>,
        shutdown: CancellationToken,
        tools: Vec<Arc<dyn Tool>>,
    ) -> Self {
        let public_origin = origin_of(&kernel.config.public_url);
        let streams = crate::streams::StreamSlots::new(kernel.config.streams_per_account);
        AppState(Arc::new(Inner {
            streams,
            kernel,
            metrics,
            public_origin,
            shutdown,
            tools,
        }))
    }

    /// Whether cookies must be `Secure` (the server is reached over HTTPS).
    pub fn secure_cookies(&self) -> bool {
        self.public_origin.starts_with("https://")
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// `https://weft.example.org:8443/some/path` → `https://weft.example.org:8443`.
pub fn origin_of(url: &str) -> String {
    origin_of_url(url).unwrap_or_else(|| {
        let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
        let authority = rest.split('/').next().unwrap_or(rest);
        format!("{scheme}://{authority}")
    })
}

/// The origin (`scheme://host[:port]`, as browsers write it) of an absolute URL.
pub fn origin_of_url(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    match parsed.origin() {
        url::Origin::Tuple(..) => Some(parsed.origin().ascii_serialization()),
        url::Origin::Opaque(_) => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn origin_drops_the_path() {
        assert_eq!(
            super::origin_of("https://w.example:8443/a/b"),
            "https://w.example:8443"
        );
        assert_eq!(
            super::origin_of("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080"
        );
    }
}

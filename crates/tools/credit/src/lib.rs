//! The credit tool (DESIGN section 1, functions 12, 14 and 15): Weft's ledger as people and
//! outside tools use it over HTTP — currencies, accounts, transfers, statements and the hash
//! chain's verification (`api`). The ledger crate is the book; this crate is its face, and
//! the worked example of docs/tools.md.

pub mod api;

use std::sync::{Arc, OnceLock};

use futures::future::BoxFuture;
use kernel::Kernel;
use kernel::db::Migrations;
use kernel::jobs::JobHandler;
use ledger::Ledger;
use tokio_util::sync::CancellationToken;
use utoipa_axum::router::OpenApiRouter;
use web::AppState;
use web::tool::Background;

/// The credit tool, as the composition root mounts it.
#[derive(Default)]
pub struct Credit {
    /// The ledger's writer on this node, started with the server.
    ledger: OnceLock<Ledger>,
}

impl Credit {
    pub fn new() -> Self {
        Self::default()
    }

    fn ledger(&self) -> &Ledger {
        self.ledger
            .get()
            .expect("the composition root starts a tool before mounting it")
    }
}

impl web::Tool for Credit {
    fn name(&self) -> &'static str {
        "credit"
    }

    fn migrations(&self) -> Vec<&'static Migrations> {
        vec![&ledger::MIGRATIONS]
    }

    fn start<'a>(
        &'a self,
        kernel: &'a Arc<Kernel>,
        _shutdown: &'a CancellationToken,
    ) -> BoxFuture<'a, kernel::Result<Background>> {
        Box::pin(async move {
            let _ = self.ledger.set(Ledger::start(Arc::clone(kernel)));
            Ok(Vec::new())
        })
    }

    fn jobs(&self) -> Vec<Arc<dyn JobHandler>> {
        vec![Arc::new(ledger::jobs::Expire(self.ledger().clone()))]
    }

    fn api(&self) -> Option<OpenApiRouter<AppState>> {
        Some(api::routes().layer(axum::Extension(self.ledger().clone())))
    }
}

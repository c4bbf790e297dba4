//! The credit tool (DESIGN section 1, functions 12, 14 and 15): Weft's ledger as people and
//! outside tools use it over HTTP — currencies, accounts, transfers, statements and the hash
//! chain's verification (`api`). The ledger crate is the book; this crate is its face, and
//! the worked example of docs/tools.md.

pub mod api;

use std::sync::Arc;

use futures::future::BoxFuture;
use kernel::Kernel;
use kernel::db::Migrations;
use kernel::jobs::JobHandler;
use ledger::{Ledger, SharedLedger};
use tokio_util::sync::CancellationToken;
use utoipa_axum::router::OpenApiRouter;
use web::AppState;
use web::tool::Background;

/// The credit tool, as the composition root mounts it.
#[derive(Default)]
pub struct Credit {
    /// The ledger's writer on this node, started with the server and shared with the other
    /// tools that move money.
    ledger: SharedLedger,
}

impl Credit {
    pub fn new() -> Self {
        Self::default()
    }

    /// Credit on the node's one writer, which other tools share.
    pub fn with(ledger: SharedLedger) -> Self {
        Credit { ledger }
    }

    fn ledger(&self) -> &Ledger {
        self.ledger.get()
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
            self.ledger.start(kernel);
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

//! The intents tool (DESIGN section 1, function 5; issue "Offers and requests"): offers and
//! requests in a group, or shared across public groups; matching that finds each one's
//! counterparts by tags, words, distance and time, explains its score and tells the people
//! concerned; responses that become commitments and are fulfilled by both sides; bounties
//! held in escrow on the ledger, paid to whoever fulfilled a request, refunded on expiry or
//! withdrawal; followed tags; a directory across groups; the Murmurations export.

pub mod api;
mod bounty;
pub mod jobs;
mod matching;
pub mod model;
mod pages;
pub mod responses;
pub mod service;
mod store;

/// Takes up the bounties a stopped process left between two steps (the tool does at start).
pub use service::finish;

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use kernel::Kernel;
use kernel::db::Migrations;
use kernel::jobs::JobHandler;
use kernel::tool::ToolManifest;
use ledger::{Ledger, SharedLedger};
use tokio_util::sync::CancellationToken;
use utoipa_axum::router::OpenApiRouter;
use web::AppState;
use web::tool::Background;

pub static MIGRATIONS: Migrations = kernel::migrations!();

/// The intents tool, as the composition root mounts it.
#[derive(Default)]
pub struct Intents {
    /// The node's one ledger writer, shared with the other tools that move money.
    ledger: SharedLedger,
}

impl Intents {
    pub fn new() -> Self {
        Self::default()
    }

    /// Intents on the node's one ledger writer, which other tools share.
    pub fn with(ledger: SharedLedger) -> Self {
        Intents { ledger }
    }

    fn ledger(&self) -> &Ledger {
        self.ledger.get()
    }
}

/// Every minute: closes live intents whose expiry passed without their job, and asks the
/// ledger again for bounties a failed step left paying or refunding.
async fn sweep(ledger: Ledger, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(Duration::from_secs(60)) => {}
        }
        if let Err(e) = service::sweep(&ledger).await {
            tracing::warn!(error = %e, "the intents sweep failed");
        }
    }
}

impl web::Tool for Intents {
    fn name(&self) -> &'static str {
        model::TOOL
    }

    fn manifest(&self) -> Option<ToolManifest> {
        let mut manifest = ToolManifest::built_in(
            model::TOOL,
            "Offers and requests that match themselves, with bounties paid on fulfilment",
            "link",
        )
        .with_permission("manage", "Withdraw anyone's offer or request")
        .with_activity("Create")
        .with_activity("Announce")
        .with_activity("Offer")
        .with_activity("Accept")
        .with_activity("Reject")
        .with_activity("Update")
        .with_activity("Complete")
        .with_activity("Delete")
        .with_activity("Remove");
        manifest.display_name = "Offers & requests".into();
        Some(manifest)
    }

    fn migrations(&self) -> Vec<&'static Migrations> {
        vec![&MIGRATIONS, &ledger::MIGRATIONS]
    }

    fn subjects(&self) -> Vec<(&'static str, Arc<dyn kernel::subjects::Subject>)> {
        vec![(model::SUBJECT, Arc::new(service::IntentSubject))]
    }

    fn start<'a>(
        &'a self,
        kernel: &'a Arc<Kernel>,
        shutdown: &'a CancellationToken,
    ) -> BoxFuture<'a, kernel::Result<Background>> {
        Box::pin(async move {
            let ledger = self.ledger.start(kernel).clone();
            service::finish(&ledger).await?;
            Ok(vec![tokio::spawn(sweep(ledger, shutdown.clone()))])
        })
    }

    fn jobs(&self) -> Vec<Arc<dyn JobHandler>> {
        vec![
            Arc::new(jobs::Expire(self.ledger().clone())),
            Arc::new(jobs::StillNeeded),
        ]
    }

    fn api(&self) -> Option<OpenApiRouter<AppState>> {
        Some(api::routes().layer(axum::Extension(self.ledger().clone())))
    }

    fn pages(&self) -> Option<axum::Router<AppState>> {
        Some(pages::routes().layer(axum::Extension(self.ledger().clone())))
    }

    fn nav(&self, group: &web::pages::groups::GroupContext) -> Option<web::pages::NavLink> {
        pages::nav(group)
    }
}

//! The tasks tool (DESIGN section 1, function 13; issue "Tasks"): boards in a group with
//! editable columns and custom fields; cards with assignees, due dates, labels, checklists,
//! dependencies (a card waiting for others does not reach done; loops are refused),
//! comments and files; bounties held in escrow on the ledger and paid to the assignees when
//! a reviewer moves the card to done; due-soon and overdue notices; my tasks everywhere.

pub mod api;
mod bounty;
mod cache;
/// Takes up the bounties a stopped process left between two steps (the tool does at start).
pub use bounty::finish as finish_bounties;
pub mod jobs;
pub mod model;
mod pages;
pub mod service;
mod store;

use std::sync::Arc;

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

/// The tasks tool, as the composition root mounts it.
#[derive(Default)]
pub struct Tasks {
    /// The node's one ledger writer, shared with credit.
    ledger: SharedLedger,
    /// This node's copies of boards' cards.
    cache: Arc<cache::BoardCache>,
}

impl Tasks {
    pub fn new() -> Self {
        Self::default()
    }

    /// Tasks on the node's one ledger writer, which other tools share.
    pub fn with(ledger: SharedLedger) -> Self {
        Tasks {
            ledger,
            cache: Arc::default(),
        }
    }

    fn ledger(&self) -> &Ledger {
        self.ledger.get()
    }
}

impl web::Tool for Tasks {
    fn name(&self) -> &'static str {
        model::TOOL
    }

    fn manifest(&self) -> Option<ToolManifest> {
        let mut manifest = ToolManifest::built_in(
            model::TOOL,
            "Boards of tasks with dependencies, custom fields and bounties paid on done",
            "check",
        )
        .with_permission("manage", "Change any board and delete any card")
        .with_permission("review", "Move a card with a bounty to done, which pays it")
        .with_activity("Create")
        .with_activity("Update")
        .with_activity("Move")
        .with_activity("Complete")
        .with_activity("Delete")
        .with_activity("Announce");
        manifest.display_name = "Tasks".into();
        Some(manifest)
    }

    fn migrations(&self) -> Vec<&'static Migrations> {
        vec![&MIGRATIONS, &ledger::MIGRATIONS]
    }

    fn subjects(&self) -> Vec<(&'static str, Arc<dyn kernel::subjects::Subject>)> {
        vec![("card", Arc::new(service::CardSubject))]
    }

    fn start<'a>(
        &'a self,
        kernel: &'a Arc<Kernel>,
        _shutdown: &'a CancellationToken,
    ) -> BoxFuture<'a, kernel::Result<Background>> {
        Box::pin(async move {
            let ledger = self.ledger.start(kernel).clone();
            bounty::finish(&ledger).await?;
            Ok(Vec::new())
        })
    }

    fn jobs(&self) -> Vec<Arc<dyn JobHandler>> {
        vec![Arc::new(jobs::Due)]
    }

    fn api(&self) -> Option<OpenApiRouter<AppState>> {
        Some(
            api::routes()
                .layer(axum::Extension(self.ledger().clone()))
                .layer(axum::Extension(Arc::clone(&self.cache))),
        )
    }

    fn pages(&self) -> Option<axum::Router<AppState>> {
        Some(
            pages::routes()
                .layer(axum::Extension(self.ledger().clone()))
                .layer(axum::Extension(Arc::clone(&self.cache))),
        )
    }

    fn nav(&self, group: &web::pages::groups::GroupContext) -> Option<web::pages::NavLink> {
        pages::nav(group)
    }

    fn root_pages(&self) -> Option<axum::Router<AppState>> {
        Some(pages::root_routes())
    }
}

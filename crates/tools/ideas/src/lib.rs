//! The ideas tool (DESIGN section 1, function 6; issue "Ideation"): brainstorm boards in a
//! group — ideas with tags, comments (the kernel's service), reactions, endorsements, dots,
//! merged duplicates, clusters by tag — and a pairwise wiki-survey over a board's ideas in
//! the manner of All Our Ideas: "which is better, A or B?", new ideas entering at once, pairs
//! chosen where the order is least certain, scores from a Bradley–Terry fit in `tally`. Ideas
//! are promoted to proposals or to the options of a poll through the kernel's `Decisions`
//! port, and the board shows the poll and its outcome.

pub mod api;
mod live;
pub mod model;
mod pages;
pub mod service;
mod store;
mod survey;

use std::sync::Arc;

use futures::future::BoxFuture;
use kernel::Kernel;
use kernel::db::Migrations;
use kernel::tool::ToolManifest;
use tokio_util::sync::CancellationToken;
use utoipa_axum::router::OpenApiRouter;
use web::AppState;
use web::tool::Background;

pub use survey::Surveys;

pub static MIGRATIONS: Migrations = kernel::migrations!();

/// The ideas tool, as the composition root mounts it.
#[derive(Default)]
pub struct Ideas {
    /// This node's copies of boards' wiki-surveys.
    surveys: Arc<Surveys>,
}

impl Ideas {
    pub fn new() -> Self {
        Self::default()
    }
}

impl web::Tool for Ideas {
    fn name(&self) -> &'static str {
        model::TOOL
    }

    fn manifest(&self) -> Option<ToolManifest> {
        let mut manifest = ToolManifest::built_in(
            model::TOOL,
            "Brainstorm boards and a pairwise wiki-survey that feed decisions",
            "bulb",
        )
        .with_permission("manage", "Run anyone's board: merge, promote, close")
        .with_activity("Create")
        .with_activity("Update")
        .with_activity("Announce");
        manifest.display_name = "Ideas".into();
        Some(manifest)
    }

    fn migrations(&self) -> Vec<&'static Migrations> {
        vec![&MIGRATIONS]
    }

    fn subjects(&self) -> Vec<(&'static str, Arc<dyn kernel::subjects::Subject>)> {
        vec![(model::SUBJECT, Arc::new(service::IdeaSubject))]
    }

    fn start<'a>(
        &'a self,
        kernel: &'a Arc<Kernel>,
        shutdown: &'a CancellationToken,
    ) -> BoxFuture<'a, kernel::Result<Background>> {
        Box::pin(async move {
            Ok(match kernel.db.postgres_pool() {
                Some(pool) => [&live::BOARDS, &live::RANKINGS]
                    .into_iter()
                    .map(|changes| tokio::spawn(changes.listen(pool.clone(), shutdown.clone())))
                    .collect(),
                None => Vec::new(),
            })
        })
    }

    fn api(&self) -> Option<OpenApiRouter<AppState>> {
        Some(api::routes().layer(axum::Extension(Arc::clone(&self.surveys))))
    }

    fn pages(&self) -> Option<axum::Router<AppState>> {
        Some(pages::routes().layer(axum::Extension(Arc::clone(&self.surveys))))
    }

    fn nav(&self, group: &web::pages::groups::GroupContext) -> Option<web::pages::NavLink> {
        pages::nav(group)
    }
}

//! The decide tool (DESIGN section 1, issue "Decisions"): polls a group decides by —
//! proposals, consent, sense checks, counts, questions, single and multiple choice, approval,
//! scores, dot votes, meetings and ranked votes (instant runoff, Schulze, Borda, STV) —
//! counted by `tally`; voters by group, role or list, with weights, liquid delegation and
//! proxies; anonymous ballots; results hidden until a reader voted or the poll closed.

pub mod api;
mod ballot;
mod chart;
mod count;
pub mod delegation;
mod electorate;
mod export;
pub mod jobs;
mod live;
pub mod model;
mod pages;
pub mod service;
mod store;

use std::sync::Arc;

use kernel::db::Migrations;
use kernel::jobs::JobHandler;
use kernel::motions::Decisions;
use kernel::tool::ToolManifest;
use utoipa_axum::router::OpenApiRouter;
use web::AppState;

pub static MIGRATIONS: Migrations = kernel::migrations!();

/// The decide tool, as the composition root mounts it.
#[derive(Default)]
pub struct Decide;

impl web::Tool for Decide {
    fn name(&self) -> &'static str {
        model::TOOL
    }

    fn manifest(&self) -> Option<ToolManifest> {
        let mut manifest = ToolManifest::built_in(
            model::TOOL,
            "Proposals, polls and ranked votes, counted the way your group decides",
            "vote",
        )
        .with_permission("close", "Close anyone's poll early")
        .with_activity("Create")
        .with_activity("Update")
        .with_activity("Announce");
        manifest.display_name = "Decide".into();
        Some(manifest)
    }

    fn migrations(&self) -> Vec<&'static Migrations> {
        vec![&MIGRATIONS]
    }

    fn subjects(&self) -> Vec<(&'static str, Arc<dyn kernel::subjects::Subject>)> {
        vec![("poll", Arc::new(service::PollSubject))]
    }

    fn pages(&self) -> Option<axum::Router<AppState>> {
        Some(pages::routes())
    }

    fn nav(&self, group: &web::pages::groups::GroupContext) -> Option<web::pages::NavLink> {
        pages::nav(group)
    }

    fn decisions(&self) -> Option<Arc<dyn Decisions>> {
        Some(Arc::new(service::Decisions))
    }

    fn start<'a>(
        &'a self,
        kernel: &'a Arc<kernel::Kernel>,
        shutdown: &'a tokio_util::sync::CancellationToken,
    ) -> futures::future::BoxFuture<'a, kernel::Result<web::tool::Background>> {
        Box::pin(async move {
            electorate::reseal(kernel).await?;
            Ok(match kernel.db.postgres_pool() {
                Some(pool) => vec![tokio::spawn(
                    live::POLLS.listen(pool.clone(), shutdown.clone()),
                )],
                None => Vec::new(),
            })
        })
    }

    fn jobs(&self) -> Vec<Arc<dyn JobHandler>> {
        vec![Arc::new(jobs::Close), Arc::new(jobs::Remind)]
    }

    fn api(&self) -> Option<OpenApiRouter<AppState>> {
        Some(api::routes())
    }
}

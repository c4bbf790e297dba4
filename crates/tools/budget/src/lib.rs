//! The budget tool (DESIGN section 1, function 8; issue "Participatory budgeting"): rounds in
//! a group with phases moved by the clock (proposals → review → funding → closed), buckets
//! with budget items and a review against the round's guidelines, and a mechanism chosen per
//! round — `cobudget` (members distribute allocations; a bucket is funded at its goal),
//! `vote` (Decidim's ballot rules, counted by tally's greedy or Method of Equal Shares) or
//! `quadratic` (contributions matched from a budget, optionally bounded pairwise). A round
//! draws on a credit pool through the pools port (`ledger::pools`) or is notional; funded
//! buckets hold their money in accounts the tool holds, pay their creators against budget
//! items, and give back what is left to the pool.

pub mod api;
mod jobs;
mod live;
pub mod model;
pub mod money;
mod pages;
pub mod service;
mod store;

use std::sync::{Arc, OnceLock};

use futures::future::BoxFuture;
use kernel::Kernel;
use kernel::db::Migrations;
use kernel::jobs::JobHandler;
use kernel::tool::ToolManifest;
use ledger::SharedLedger;
use ledger::pools::Pools;
use tokio_util::sync::CancellationToken;
use utoipa_axum::router::OpenApiRouter;
use web::AppState;
use web::tool::Background;

pub use money::Money;
/// Takes up the money steps a stopped process left pending (the tool does this at start).
pub use money::finish as finish_moves;

pub static MIGRATIONS: Migrations = kernel::migrations!();

/// The budget tool, as the composition root mounts it.
#[derive(Default)]
pub struct Budget {
    /// The node's one ledger writer, shared with the other money tools.
    ledger: SharedLedger,
    /// The tool holding pools (credit), whose pools rounds draw on.
    pools: Option<Arc<dyn Pools>>,
    money: OnceLock<Money>,
}

impl Budget {
    pub fn new() -> Self {
        Self::default()
    }

    /// Budget on the node's one ledger writer, drawing on the pools `pools` holds.
    pub fn with(ledger: SharedLedger, pools: Arc<dyn Pools>) -> Self {
        Budget {
            ledger,
            pools: Some(pools),
            money: OnceLock::new(),
        }
    }

    fn money(&self) -> &Money {
        self.money
            .get()
            .expect("the composition root starts a tool before mounting it")
    }
}

impl web::Tool for Budget {
    fn name(&self) -> &'static str {
        model::TOOL
    }

    fn manifest(&self) -> Option<ToolManifest> {
        let mut manifest = ToolManifest::built_in(
            model::TOOL,
            "Participatory budgeting: rounds of buckets funded by allocations, votes or quadratic matching",
            "pie",
        )
        .with_permission("manage", "Run budgeting rounds: open and close them, review buckets, set allocations")
        .with_activity("Create")
        .with_activity("Update")
        .with_activity("Close")
        .with_activity("Complete")
        .with_activity("Delete")
        .with_activity("weft:BucketFunded")
        .with_activity("weft:BucketPayout");
        manifest.display_name = "Budget".into();
        Some(manifest)
    }

    fn migrations(&self) -> Vec<&'static Migrations> {
        vec![&MIGRATIONS, &ledger::MIGRATIONS]
    }

    fn subjects(&self) -> Vec<(&'static str, Arc<dyn kernel::subjects::Subject>)> {
        vec![(model::SUBJECT, Arc::new(service::BucketSubject))]
    }

    fn start<'a>(
        &'a self,
        kernel: &'a Arc<Kernel>,
        shutdown: &'a CancellationToken,
    ) -> BoxFuture<'a, kernel::Result<Background>> {
        Box::pin(async move {
            let ledger = self.ledger.start(kernel).clone();
            let money = self.money.get_or_init(|| Money {
                ledger,
                pools: self.pools.clone(),
            });
            money::finish(money).await?;
            Ok(match kernel.db.postgres_pool() {
                Some(pool) => vec![tokio::spawn(
                    live::ROUNDS.listen(pool.clone(), shutdown.clone()),
                )],
                None => Vec::new(),
            })
        })
    }

    fn jobs(&self) -> Vec<Arc<dyn JobHandler>> {
        vec![Arc::new(jobs::PhaseDue(self.money().clone()))]
    }

    fn api(&self) -> Option<OpenApiRouter<AppState>> {
        Some(api::routes().layer(axum::Extension(self.money().clone())))
    }

    fn pages(&self) -> Option<axum::Router<AppState>> {
        Some(pages::routes().layer(axum::Extension(self.money().clone())))
    }

    fn nav(&self, group: &web::pages::groups::GroupContext) -> Option<web::pages::NavLink> {
        pages::nav(group)
    }
}

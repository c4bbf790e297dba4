//! The credit tool (DESIGN section 1, functions 12, 14 and 15; issue "Credit"), all on the
//! one ledger: the ledger's HTTP face (currencies, accounts, transfers, statements, the hash
//! chain's verification), mutual credit between members (payments the payee may confirm,
//! payment requests, limits and their log, currency health), dues whose obligations a
//! durable job creates, common pools spent by a rule (admins, N-of-M approvals, a decision
//! of the group), expense claims with receipts, and the pages people use for all of it.
//! The ledger crate is the book; this crate is its face, and the worked example of
//! docs/tools.md.

pub mod api;
mod chart;
pub mod dues;
pub mod expenses;
pub mod health;
pub mod model;
mod money;
mod pages;
pub mod payments;
pub mod pools;
pub mod port;
mod receipts;
mod store;

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use kernel::Kernel;
use kernel::db::Migrations;
use kernel::jobs::JobHandler;
use ledger::{Ledger, SharedLedger};
use tokio_util::sync::CancellationToken;
use utoipa_axum::router::OpenApiRouter;
use web::AppState;
use web::tool::Background;

pub static MIGRATIONS: Migrations = kernel::migrations!();

/// How often waiting spends and claims are checked against their motions, besides each
/// decision this node hears of.
const SETTLE_EVERY: Duration = Duration::from_secs(5);

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

/// Takes up what a stopped process left between the ledger's answer and the tool's record:
/// spends being reserved, claims, obligations and requests being paid.
pub async fn finish(ledger: &Ledger) -> kernel::Result<()> {
    pools::finish(ledger).await?;
    dues::finish(ledger.kernel()).await?;
    payments::finish(ledger.kernel()).await?;
    settle_decisions(ledger).await?;
    Ok(())
}

/// Settles the spends and the claims whose motions were decided.
pub async fn settle_decisions(ledger: &Ledger) -> kernel::Result<usize> {
    Ok(
        pools::settle_decisions(ledger).await?
            + expenses::settle_decisions(ledger.kernel()).await?,
    )
}

/// How often the figures of months gone by are brought up to date (the first time just
/// after start).
const HEALTH_EVERY: Duration = Duration::from_secs(3600);

/// Settles decided spends and claims after each decision this node hears of, and now and
/// then (a decision taken on another node, or while this one was down); keeps the currency
/// health of past months counted.
async fn settle(ledger: Ledger, shutdown: CancellationToken) {
    let mut heard = ledger.kernel().bus.subscribe();
    let mut health_due = tokio::time::Instant::now() + Duration::from_secs(2);
    loop {
        if tokio::time::Instant::now() >= health_due {
            health_due = tokio::time::Instant::now() + HEALTH_EVERY;
            if let Err(e) = health::keep_up(ledger.kernel()).await {
                tracing::warn!(error = %e, "currency health could not be brought up to date");
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            entry = heard.recv() => {
                match entry {
                    Ok(e) if e.activity.kind != "weft:MotionResolved" || e.activity.tool != model::TOOL => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                    _ => {}
                }
            }
            _ = tokio::time::sleep(SETTLE_EVERY) => {}
        }
        if let Err(e) = settle_decisions(&ledger).await {
            tracing::warn!(error = %e, "decided spends could not be settled; trying again");
        }
    }
}

impl web::Tool for Credit {
    fn name(&self) -> &'static str {
        model::TOOL
    }

    fn migrations(&self) -> Vec<&'static Migrations> {
        vec![&ledger::MIGRATIONS, &MIGRATIONS]
    }

    fn subjects(&self) -> Vec<(&'static str, Arc<dyn kernel::subjects::Subject>)> {
        vec![(expenses::SUBJECT, Arc::new(expenses::ExpenseSubject))]
    }

    fn start<'a>(
        &'a self,
        kernel: &'a Arc<Kernel>,
        shutdown: &'a CancellationToken,
    ) -> BoxFuture<'a, kernel::Result<Background>> {
        Box::pin(async move {
            let ledger = self.ledger.start(kernel).clone();
            finish(&ledger).await?;
            Ok(vec![tokio::spawn(settle(ledger, shutdown.clone()))])
        })
    }

    fn jobs(&self) -> Vec<Arc<dyn JobHandler>> {
        vec![
            Arc::new(ledger::jobs::Expire(self.ledger().clone())),
            Arc::new(dues::Cycle),
            Arc::new(dues::Overdue),
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

    fn root_pages(&self) -> Option<axum::Router<AppState>> {
        Some(pages::root_routes().layer(axum::Extension(self.ledger().clone())))
    }
}

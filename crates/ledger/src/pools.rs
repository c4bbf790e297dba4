//! The pools port: how a tool that holds pools (credit) lets another tool (a budget round)
//! draw on one. The composition root hands the holder's implementation to the tools that
//! draw, so neither depends on the other, and only the holder ever debits its pool.

use futures::future::BoxFuture;
use kernel::Result;
use kernel::id::GroupId;
use kernel::people::Actor;

use crate::{AccountId, CurrencyId, Ledger, Transfer};

/// A pool another tool may draw on, as its holder answers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolGrant {
    pub id: uuid::Uuid,
    pub account: AccountId,
    pub group: GroupId,
    pub currency: CurrencyId,
    pub name: String,
}

/// What a pool holder offers. `grant` is asked once, when someone ties another tool's thing
/// (a round) to the pool: it answers the pool when `actor` may spend it on their own say (who
/// manages the group's money, on a pool without approvers or a vote), and refuses otherwise.
/// `draw` later moves money for that thing, under the idempotency `key`, recorded by the
/// ledger as a transfer on the pool's statement.
pub trait Pools: Send + Sync {
    /// The pools of `group` that `actor` may tie to another tool (for a form's choices).
    fn grantable<'a>(
        &'a self,
        ledger: &'a Ledger,
        actor: &'a Actor,
        group: GroupId,
    ) -> BoxFuture<'a, Result<Vec<PoolGrant>>>;

    fn grant<'a>(
        &'a self,
        ledger: &'a Ledger,
        actor: &'a Actor,
        pool: uuid::Uuid,
    ) -> BoxFuture<'a, Result<PoolGrant>>;

    #[allow(clippy::too_many_arguments)]
    fn draw<'a>(
        &'a self,
        ledger: &'a Ledger,
        actor: &'a Actor,
        pool: uuid::Uuid,
        to: AccountId,
        units: i64,
        memo: String,
        key: String,
    ) -> BoxFuture<'a, Result<Transfer>>;
}

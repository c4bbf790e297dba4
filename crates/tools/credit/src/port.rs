//! The pools port (`ledger::pools::Pools`) as the credit tool answers it: another tool (a
//! budget round) may draw on a pool that its group's money managers spend on their own say
//! (the `admins` rule). A pool with approvers or a vote keeps its rule: it cannot be tied to
//! another tool, which would spend it without them.

use futures::future::BoxFuture;
use kernel::people::Actor;
use kernel::policy::Action;
use kernel::{Error, Result};
use ledger::pools::{PoolGrant, Pools};
use ledger::{AccountId, Ledger, NewTransfer, Transfer};

use crate::model::*;
use crate::money::decimal;
use crate::pools::find;

/// The credit tool's pools, for the tools that draw on them.
pub struct CreditPools;

impl Pools for CreditPools {
    fn grantable<'a>(
        &'a self,
        ledger: &'a Ledger,
        actor: &'a Actor,
        group: kernel::id::GroupId,
    ) -> BoxFuture<'a, Result<Vec<PoolGrant>>> {
        Box::pin(async move {
            let k = ledger.kernel();
            let loaded = kernel::groups::access::load(k, Some(actor), &group.to_string()).await?;
            if loaded.authorize(Some(actor), Action::ManageMoney).is_err() {
                return Ok(Vec::new());
            }
            Ok(crate::pools::list(k, Some(actor), &group.to_string())
                .await?
                .into_iter()
                .filter(|p| p.rule == Rule::Admins)
                .map(|p| PoolGrant {
                    id: p.id.0,
                    account: p.account,
                    group: p.group,
                    currency: p.currency,
                    name: p.name,
                })
                .collect())
        })
    }

    fn grant<'a>(
        &'a self,
        ledger: &'a Ledger,
        actor: &'a Actor,
        pool: uuid::Uuid,
    ) -> BoxFuture<'a, Result<PoolGrant>> {
        Box::pin(async move {
            let found = find(ledger.kernel(), Some(actor), PoolId(pool), false).await?;
            found.group.authorize(Some(actor), Action::ManageMoney)?;
            if found.row.rule != Rule::Admins.as_str() {
                return Err(Error::conflict(
                    "pool",
                    format!(
                        "the pool {} spends by {}: only a pool its admins spend can fund another tool",
                        found.row.name, found.row.rule
                    ),
                ));
            }
            Ok(PoolGrant {
                id: pool,
                account: found.row.account_id,
                group: found.row.group_id,
                currency: found.row.currency_id,
                name: found.row.name,
            })
        })
    }

    fn draw<'a>(
        &'a self,
        ledger: &'a Ledger,
        actor: &'a Actor,
        pool: uuid::Uuid,
        to: AccountId,
        units: i64,
        memo: String,
        key: String,
    ) -> BoxFuture<'a, Result<Transfer>> {
        Box::pin(async move {
            let k = ledger.kernel();
            // Asked again at every draw: who tied the round to the pool must still manage the
            // group's money, and the pool must still be spent on their say.
            self.grant(ledger, actor, pool).await?;
            let row = crate::store::pool(&k.db, PoolId(pool))
                .await?
                .ok_or(Error::NotFound("pool"))?;
            let scale = crate::money::currency(k, row.currency_id).await?.scale();
            let input = NewTransfer {
                from: row.account_id,
                to,
                amount: decimal(units, scale),
                memo: Some(memo),
                pending: false,
                timeout_s: None,
            };
            let (transfer, _) =
                ledger::service::transfer_for_tool(ledger, TOOL, actor, input, Some(&key)).await?;
            Ok(transfer)
        })
    }
}

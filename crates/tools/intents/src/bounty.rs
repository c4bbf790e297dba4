//! A request's bounty on the ledger, by the tool contract's escrow rule for a payee not known
//! yet: each contribution is posted from its giver's account into an escrow account the tool
//! holds; on fulfilment the whole is paid from there, in equal shares, to whoever fulfilled
//! the request; on expiry or withdrawal each contribution goes back to the account it came
//! from.
//!
//! Each step first writes where it stands (a contribution `escrowing`, the intent `paying`
//! or `refunding`), then asks the ledger under an idempotency key of the thing and the step,
//! then writes the end. A process killed between them leaves rows that `finish` takes up at
//! the next start (`service::finish`): the key makes the ledger answer what it did, never do
//! it twice.

use std::collections::BTreeMap;

use kernel::people::Actor;
use kernel::{Error, Kernel, Result};
use ledger::{Ledger, NewBatch, NewTransfer, OwnerKind, amount};

use crate::model::*;
use crate::store::{self, ContributionRow, IntentRow};

fn contribution_key(id: ContributionId) -> String {
    format!("intents-contribution-{id}")
}

fn intent_key(id: IntentId, step: &str) -> String {
    format!("intents-{id}-{step}")
}

/// The later steps are the tool's: they are asked under the author's name (the same person
/// under the same keys, so a step done twice is answered, not repeated), with no credential
/// of theirs.
fn author(row: &IntentRow) -> Actor {
    Actor::stand_in(row.author_id)
}

/// The escrow account the tool holds in a currency, opened by `actor` the first time.
async fn escrow_account(
    k: &Kernel,
    actor: &Actor,
    currency: ledger::CurrencyId,
) -> Result<ledger::AccountId> {
    if let Some(id) = store::escrow(&k.db, currency).await? {
        return Ok(id);
    }
    let opened = ledger::service::open_held_account(
        k,
        TOOL,
        actor,
        currency,
        OwnerKind::Escrow,
        "Bounties on requests",
    )
    .await?;
    if store::insert_escrow(&k.db, currency, opened.id).await? {
        return Ok(opened.id);
    }
    // Another request opened one first: that one holds the bounties (this one stays empty).
    store::escrow(&k.db, currency)
        .await?
        .ok_or(Error::internal("an escrow account vanished"))
}

async fn scale_of(k: &Kernel, currency: ledger::CurrencyId) -> Result<u32> {
    Ok(ledger::store::currency(&k.db, currency)
        .await?
        .ok_or(Error::NotFound("currency"))?
        .scale())
}

/// Moves a contribution from its giver's account into escrow. `actor` is the giver, with
/// their own credential: a token that may not spend their money cannot put it up. Refusals
/// name `{prefix}amount` (a floor it would cross).
pub(crate) async fn escrow(
    ledger: &Ledger,
    actor: &Actor,
    row: &IntentRow,
    c: &ContributionRow,
    currency: ledger::CurrencyId,
    prefix: &str,
) -> Result<()> {
    let k = ledger.kernel();
    let to = escrow_account(k, actor, currency).await?;
    let scale = scale_of(k, currency).await?;
    let input = NewTransfer {
        from: c.payer,
        to,
        amount: ledger::Decimal(amount::format(c.amount, scale)),
        memo: Some(format!("Bounty on the request {}", row.title)),
        pending: false,
        timeout_s: None,
    };
    ledger::service::transfer_for_tool(ledger, TOOL, actor, input, Some(&contribution_key(c.id)))
        .await
        .map_err(|e| match e {
            Error::Conflict { field, detail }
                if field.as_deref() == Some("amount") || field.is_none() =>
            {
                Error::Conflict {
                    field: Some(format!("{prefix}amount")),
                    detail,
                }
            }
            // The floor it would cross is the giver's: said of the amount they offered.
            Error::Invalid(errors) => Error::Invalid(
                errors
                    .into_iter()
                    .map(|mut e| {
                        e.field = match e.field.as_str() {
                            "from" | "amount" => format!("{prefix}amount"),
                            other => format!("{prefix}{other}"),
                        };
                        e
                    })
                    .collect(),
            ),
            other => other,
        })?;
    Ok(())
}

/// Pays the held bounty from escrow to the intent's `payees` in equal shares (one linked
/// batch), opening an account for whoever has none in the currency.
pub(crate) async fn pay(ledger: &Ledger, row: &IntentRow) -> Result<()> {
    let k = ledger.kernel();
    let currency = row
        .bounty_currency
        .ok_or(Error::internal("paying an intent without a bounty"))?;
    let from = store::escrow(&k.db, currency)
        .await?
        .ok_or(Error::internal("a held bounty without an escrow account"))?;
    let held: i64 = store::contributions_of(&k.db, &[row.id])
        .await?
        .iter()
        .filter(|c| c.state == ContributionState::Held.as_str())
        .map(|c| c.amount)
        .sum();
    let mut payees: Vec<AccountId> =
        serde_json::from_str(row.payees.as_deref().unwrap_or("[]")).map_err(Error::internal)?;
    payees.sort();
    let scale = scale_of(k, currency).await?;
    let mut legs = Vec::with_capacity(payees.len());
    for (person, share) in payees.iter().zip(amount::shares(held, payees.len())) {
        if share == 0 {
            continue;
        }
        let to = ledger::service::member_account_for_tool(k, TOOL, currency, *person, "responses")
            .await?;
        legs.push(NewTransfer {
            from,
            to,
            amount: ledger::Decimal(amount::format(share, scale)),
            memo: Some(format!("Bounty for the request {}", row.title)),
            pending: false,
            timeout_s: None,
        });
    }
    if legs.is_empty() {
        return Ok(());
    }
    ledger::service::batch_for_tool(
        ledger,
        TOOL,
        &author(row),
        NewBatch { legs },
        Some(&intent_key(row.id, "pay")),
    )
    .await?;
    Ok(())
}

/// Sends each held contribution back to the account it came from (one linked batch).
pub(crate) async fn refund(ledger: &Ledger, row: &IntentRow, why: &str) -> Result<()> {
    let k = ledger.kernel();
    let currency = row
        .bounty_currency
        .ok_or(Error::internal("refunding an intent without a bounty"))?;
    let from = store::escrow(&k.db, currency)
        .await?
        .ok_or(Error::internal("a held bounty without an escrow account"))?;
    let mut back: BTreeMap<ledger::AccountId, i64> = BTreeMap::new();
    for c in store::contributions_of(&k.db, &[row.id]).await? {
        if c.state == ContributionState::Held.as_str() {
            *back.entry(c.payer).or_default() += c.amount;
        }
    }
    let scale = scale_of(k, currency).await?;
    let legs: Vec<NewTransfer> = back
        .into_iter()
        .map(|(to, units)| NewTransfer {
            from,
            to,
            amount: ledger::Decimal(amount::format(units, scale)),
            memo: Some(format!("Bounty returned: the request {} {why}", row.title)),
            pending: false,
            timeout_s: None,
        })
        .collect();
    if legs.is_empty() {
        return Ok(());
    }
    ledger::service::batch_for_tool(
        ledger,
        TOOL,
        &author(row),
        NewBatch { legs },
        Some(&intent_key(row.id, "refund")),
    )
    .await?;
    Ok(())
}

/// Whether the ledger took a contribution's escrow (under its giver's key).
pub(crate) async fn taken(k: &Kernel, c: &ContributionRow) -> Result<bool> {
    let mut tx = k.db.begin().await?;
    let found = ledger::store::requests(
        &mut tx,
        &[(
            c.contributor_id,
            ledger::service::tool_key(TOOL, &contribution_key(c.id)),
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(!found.is_empty())
}

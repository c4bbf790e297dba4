//! A card's bounty on the ledger, by the tool contract's escrow rule for a payee not known
//! yet: posted from its author's account into an escrow account the tool holds, then paid
//! from there to the assignees in equal shares when a reviewer moves the card to done, or
//! refunded to the author when the card is deleted.
//!
//! Each step first writes where the card stands (`escrowing`, `paying`, `refunding`), then
//! asks the ledger under an idempotency key of the card and the step, then writes the end
//! (`held`, `paid`, gone). A process killed between them leaves a card that `finish` takes
//! up at the next start: the key makes the ledger answer what it did, never do it twice.

use kernel::error::Validation;
use kernel::people::Actor;
use kernel::{Error, Kernel, Result};
use ledger::{Ledger, NewBatch, NewTransfer, OwnerKind, amount};

use crate::model::*;
use crate::store::{self, CardRow};

/// A bounty checked against the group's currencies and its author's account.
pub(crate) type Checked = ledger::service::OwnMoney;

/// Checks a bounty's currency and amount, and finds the account of `actor` it is paid from.
pub(crate) async fn check(
    k: &Kernel,
    actor: &Actor,
    v: &mut Validation,
    group: GroupId,
    given: &NewBounty,
) -> Result<Option<Checked>> {
    ledger::service::own_money(
        k,
        actor,
        v,
        group,
        &given.currency,
        &given.amount,
        "bounty.",
    )
    .await
}

fn key(card: CardId, step: &str) -> String {
    format!("tasks-card-{card}-{step}")
}

/// The bounty's author, as the ledger's later steps name them: the same person under the
/// same keys, so a step done twice is answered, not repeated. No credential of theirs is
/// used: the escrow is the tool's to spend.
fn author(card: &CardRow) -> Result<Actor> {
    let account = card
        .created_by
        .ok_or(Error::internal("a bounty without an author"))?;
    Ok(Actor::stand_in(account))
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
        "Task bounties",
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

fn decimal(units: i64, scale: u32) -> ledger::Decimal {
    ledger::Decimal(amount::format(units, scale))
}

async fn scale_of(k: &Kernel, currency: ledger::CurrencyId) -> Result<u32> {
    Ok(ledger::store::currency(&k.db, currency)
        .await?
        .ok_or(Error::NotFound("currency"))?
        .scale())
}

/// Moves the bounty from its author's account into escrow; the card is `held` after.
/// `actor` is the author, with their own credential: a token that may not spend their money
/// cannot put up a bounty.
pub(crate) async fn escrow(
    ledger: &Ledger,
    actor: &Actor,
    card: &CardRow,
    b: &Checked,
) -> Result<()> {
    let k = ledger.kernel();
    let to = escrow_account(k, actor, b.currency).await?;
    let scale = scale_of(k, b.currency).await?;
    let input = NewTransfer {
        from: b.payer,
        to,
        amount: decimal(b.amount, scale),
        memo: Some(format!("Bounty on the task {}", card.title)),
        pending: false,
        timeout_s: None,
    };
    ledger::service::transfer_for_tool(ledger, TOOL, actor, input, Some(&key(card.id, "escrow")))
        .await
        .map_err(|e| match e {
            Error::Conflict { field, detail }
                if field.as_deref() == Some("amount") || field.is_none() =>
            {
                Error::Conflict {
                    field: Some("bounty.amount".into()),
                    detail,
                }
            }
            Error::Invalid(errors) => Error::Invalid(
                errors
                    .into_iter()
                    .map(|mut e| {
                        e.field = format!("bounty.{}", e.field);
                        e
                    })
                    .collect(),
            ),
            other => other,
        })?;
    let mut tx = k.db.begin().await?;
    store::lock_board(&mut tx, card.board_id).await?;
    store::set_bounty_state(&mut tx, card.id, Some(BountyState::Held.as_str())).await?;
    tx.commit().await
}

/// Pays the bounty from escrow to `assignees` in equal shares (one linked batch), opening
/// an account for whoever has none in the currency; the card is `paid` after.
pub(crate) async fn pay(ledger: &Ledger, card: &CardRow, assignees: &[AccountId]) -> Result<()> {
    let k = ledger.kernel();
    let (Some(currency), Some(units)) = (card.bounty_currency, card.bounty_amount) else {
        return Err(Error::internal("paying a card without a bounty"));
    };
    let from = store::escrow(&k.db, currency)
        .await?
        .ok_or(Error::internal("a held bounty without an escrow account"))?;
    let scale = scale_of(k, currency).await?;
    let mut people = assignees.to_vec();
    people.sort();
    let mut legs = Vec::with_capacity(people.len());
    for (person, share) in people.iter().zip(amount::shares(units, people.len())) {
        if share == 0 {
            continue;
        }
        let to = ledger::service::member_account_for_tool(k, TOOL, currency, *person, "assignees")
            .await?;
        legs.push(NewTransfer {
            from,
            to,
            amount: decimal(share, scale),
            memo: Some(format!("Bounty for the task {}", card.title)),
            pending: false,
            timeout_s: None,
        });
    }
    ledger::service::batch_for_tool(
        ledger,
        TOOL,
        &author(card)?,
        NewBatch { legs },
        Some(&key(card.id, "pay")),
    )
    .await?;
    let mut tx = k.db.begin().await?;
    store::lock_board(&mut tx, card.board_id).await?;
    store::set_bounty_state(&mut tx, card.id, Some(BountyState::Paid.as_str())).await?;
    tx.commit().await
}

/// Sends the bounty back from escrow to the account it came from.
pub(crate) async fn refund(ledger: &Ledger, card: &CardRow) -> Result<()> {
    let k = ledger.kernel();
    let (Some(currency), Some(units), Some(payer)) =
        (card.bounty_currency, card.bounty_amount, card.bounty_payer)
    else {
        return Err(Error::internal("refunding a card without a bounty"));
    };
    let from = store::escrow(&k.db, currency)
        .await?
        .ok_or(Error::internal("a held bounty without an escrow account"))?;
    let scale = scale_of(k, currency).await?;
    let input = NewTransfer {
        from,
        to: payer,
        amount: decimal(units, scale),
        memo: Some(format!(
            "Bounty returned: the task {} was deleted",
            card.title
        )),
        pending: false,
        timeout_s: None,
    };
    ledger::service::transfer_for_tool(
        ledger,
        TOOL,
        &author(card)?,
        input,
        Some(&key(card.id, "refund")),
    )
    .await?;
    Ok(())
}

/// Takes up the bounties a stopped process left between two steps (at start).
pub async fn finish(ledger: &Ledger) -> Result<()> {
    let k = ledger.kernel();
    for card in store::unfinished_bounties(&k.db).await? {
        let outcome = finish_one(ledger, &card).await;
        if let Err(e) = outcome {
            tracing::warn!(card = %card.id, error = %e, "a task's bounty could not be finished");
        }
    }
    Ok(())
}

async fn finish_one(ledger: &Ledger, card: &CardRow) -> Result<()> {
    let k = ledger.kernel();
    match card.bounty_state.as_deref() {
        Some("escrowing") => {
            // Did the ledger take it? Then it is held; if not, the card was never answered
            // as made, and goes.
            let author = author(card)?;
            let mut tx = k.db.begin().await?;
            store::lock_board(&mut tx, card.board_id).await?;
            let taken = !ledger::store::requests(
                &mut tx,
                &[(
                    author.account,
                    ledger::service::tool_key(TOOL, &key(card.id, "escrow")),
                )],
            )
            .await?
            .is_empty();
            if taken {
                store::set_bounty_state(&mut tx, card.id, Some(BountyState::Held.as_str())).await?;
            } else {
                store::remove_card(&mut tx, card).await?;
            }
            tx.commit().await
        }
        Some("paying") => {
            let people: Vec<AccountId> = store::assignees_of(&k.db, &[card.id])
                .await?
                .into_iter()
                .map(|p| AccountId(p.other))
                .collect();
            if let Err(e) = pay(ledger, card, &people).await {
                let mut tx = k.db.begin().await?;
                store::lock_board(&mut tx, card.board_id).await?;
                store::set_bounty_state(&mut tx, card.id, Some(BountyState::Held.as_str())).await?;
                tx.commit().await?;
                return Err(e);
            }
            Ok(())
        }
        Some("refunding") => {
            refund(ledger, card).await?;
            let mut tx = k.db.begin().await?;
            store::lock_board(&mut tx, card.board_id).await?;
            store::remove_card(&mut tx, card).await?;
            tx.commit().await
        }
        _ => Ok(()),
    }
}

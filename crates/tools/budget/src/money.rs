//! Money a round moves on the ledger, by the tool contract's escrow rule for a payee not
//! known yet: each funded bucket gets an account the tool holds; the round's pool pays into
//! it (through the pool holder's port), a quadratic round's contributors pay into it from
//! their own accounts, and it pays out to the bucket's creators or back to the pool.
//!
//! Each movement is first written as a pending step (`budget_moves`) under an idempotency
//! key, then asked of the ledger, then marked done together with the bucket's counters. A
//! process killed between the two leaves a pending step that `finish` takes up at the next
//! start: the key makes the ledger answer what it did, never do it twice. A step the ledger
//! refuses (the pool ran short) is marked failed and undone on the tool's side.

use std::sync::Arc;

use kernel::people::Actor;
use kernel::{Error, Kernel, Result};
use ledger::pools::Pools;
use ledger::{Ledger, NewTransfer, OwnerKind, amount};

use crate::model::*;
use crate::store::{self, BucketRow, MoveRow, RoundRow};

/// The ledger's writer and the pools port, as every use case that moves money needs them.
#[derive(Clone)]
pub struct Money {
    pub ledger: Ledger,
    pub pools: Option<Arc<dyn Pools>>,
}

impl Money {
    pub fn kernel(&self) -> &Kernel {
        self.ledger.kernel()
    }

    pub fn pools(&self) -> Result<&Arc<dyn Pools>> {
        self.pools.as_ref().ok_or(Error::conflict(
            "pool",
            "this server has no tool holding pools",
        ))
    }
}

kernel::string_enum!(
    /// What a step moves: draw (pool -> bucket), give (a contributor's own account ->
    /// bucket), pay (bucket -> a creator), back (bucket -> pool), refund (bucket -> a contributor).
    Kind {
        Draw = "draw",
        Give = "give",
        Pay = "pay",
        Back = "back",
        Refund = "refund",
    }
);

/// A step to write before asking the ledger. Who writes a step counts it on the bucket in the
/// same transaction: `drawn` for money in, `paid_out` or `returned` for money out.
pub struct Step {
    pub key: String,
    pub bucket: BucketId,
    pub kind: Kind,
    pub from: Option<LedgerAccountId>,
    pub to: Option<LedgerAccountId>,
    pub amount: i64,
    pub actor: AccountId,
    pub memo: String,
}

impl Step {
    pub fn row(&self, now: i64) -> MoveRow {
        MoveRow {
            key: self.key.clone(),
            bucket_id: self.bucket,
            kind: self.kind.as_str().into(),
            from_acct: self.from,
            to_acct: self.to,
            amount: self.amount,
            actor_id: self.actor,
            memo: self.memo.clone(),
            state: "pending".into(),
            created_at: now,
        }
    }
}

/// The account the tool holds for a bucket, opened the first time money moves to it.
pub async fn bucket_account(
    money: &Money,
    round: &RoundRow,
    bucket: &BucketRow,
) -> Result<LedgerAccountId> {
    if let Some(id) = bucket.account_id {
        return Ok(id);
    }
    let k = money.kernel();
    let opener = Actor::stand_in(round.created_by);
    let name: String = format!("Bucket: {}", bucket.title)
        .chars()
        .take(100)
        .collect();
    let opened = ledger::service::open_held_account(
        k,
        TOOL,
        &opener,
        round.currency_id,
        OwnerKind::Campaign,
        &name,
    )
    .await?;
    let mut tx = k.db.begin().await?;
    store::lock_round(&mut tx, round.id).await?;
    let mut row = store::bucket_in(&mut tx, bucket.id)
        .await?
        .ok_or(Error::NotFound("bucket"))?;
    let id = match row.account_id {
        Some(id) => id, // another request opened one first; this one stays empty
        None => {
            row.account_id = Some(opened.id);
            store::update_bucket(&mut tx, &row).await?;
            opened.id
        }
    };
    tx.commit().await?;
    Ok(id)
}

async fn scale(k: &Kernel, round: &RoundRow) -> Result<u32> {
    Ok(ledger::store::currency(&k.db, round.currency_id)
        .await?
        .ok_or(Error::NotFound("currency"))?
        .scale())
}

/// Asks the ledger for a written step, then marks it done with the bucket's counters (or
/// failed, undoing the contribution it belonged to, when the ledger refuses).
pub async fn run(money: &Money, step: &MoveRow) -> Result<()> {
    let k = money.kernel();
    let bucket = store::bucket(&k.db, step.bucket_id)
        .await?
        .ok_or(Error::NotFound("bucket"))?;
    let round = store::round(&k.db, bucket.round_id)
        .await?
        .ok_or(Error::NotFound("round"))?;
    let kind: Kind = step.kind.parse().map_err(Error::internal)?;
    let actor = Actor::stand_in(step.actor_id);
    let answer = match kind {
        Kind::Draw => {
            let pool = round
                .pool_id
                .ok_or(Error::internal("a draw for a round without a pool"))?;
            let to = match step.to_acct {
                Some(to) => to,
                None => {
                    let to = bucket_account(money, &round, &bucket).await?;
                    store::set_move_target(&k.db, &step.key, to).await?;
                    to
                }
            };
            money
                .pools()?
                .draw(
                    &money.ledger,
                    &actor,
                    pool,
                    to,
                    step.amount,
                    step.memo.clone(),
                    step.key.clone(),
                )
                .await
                .map(|_| ())
                .map_err(|e| match e {
                    Error::Forbidden(_) | Error::NotFound(_) => Error::conflict(
                        "pool",
                        "the pool no longer pays this round: who tied it to the round no longer manages the group's money",
                    ),
                    other => other,
                })
        }
        _ => {
            let (Some(from), Some(to)) = (step.from_acct, step.to_acct) else {
                return Err(Error::internal("a step without its accounts"));
            };
            let input = NewTransfer {
                from,
                to,
                amount: ledger::Decimal(amount::format(step.amount, scale(k, &round).await?)),
                memo: Some(step.memo.clone()),
                pending: false,
                timeout_s: None,
            };
            ledger::service::transfer_for_tool(&money.ledger, TOOL, &actor, input, Some(&step.key))
                .await
                .map(|_| ())
        }
    };
    let refused = match &answer {
        Ok(()) => false,
        Err(e) if refused(e) => true,
        Err(_) => return answer, // left pending: `finish` tries again
    };
    let mut tx = k.db.begin().await?;
    store::lock_round(&mut tx, round.id).await?;
    let mut row = store::bucket_in(&mut tx, bucket.id)
        .await?
        .ok_or(Error::NotFound("bucket"))?;
    // Every step was counted on the bucket when it was written (so two payouts cannot both
    // spend what it holds, and a second draw never asks for the same gifts again); the
    // ledger's refusal takes it back out of the count.
    if refused {
        store::set_move_state(&mut tx, &step.key, "failed").await?;
        if let Some(contribution) = contribution_of(&step.key) {
            undo_contribution(&mut tx, &mut row, contribution, step.amount).await?;
        }
        match kind {
            Kind::Draw | Kind::Give => row.drawn -= step.amount,
            Kind::Pay => row.paid_out -= step.amount,
            Kind::Back | Kind::Refund => row.returned -= step.amount,
        }
    } else {
        store::set_move_state(&mut tx, &step.key, "done").await?;
    }
    store::update_bucket(&mut tx, &row).await?;
    tx.commit().await?;
    crate::live::ROUNDS.changed(k, round.id);
    answer
}

/// Whether the ledger said no (the step will never be done) rather than failed for now.
pub fn refused(e: &Error) -> bool {
    matches!(
        e,
        Error::Conflict { .. } | Error::Invalid(_) | Error::Forbidden(_) | Error::NotFound(_)
    )
}

/// The contribution a step was taken for, when its key names one (`budget-c-{id}-…`).
fn contribution_of(key: &str) -> Option<ContributionId> {
    key.strip_prefix("budget-c-")?.get(..36)?.parse().ok()
}

pub fn contribution_key(id: ContributionId, what: &str) -> String {
    format!("budget-c-{id}-{what}")
}

async fn undo_contribution(
    tx: &mut kernel::db::Tx,
    bucket: &mut BucketRow,
    id: ContributionId,
    amount: i64,
) -> Result<()> {
    if store::remove_contribution(tx, id).await? {
        bucket.contributed -= amount;
        if bucket.state() == BucketState::Funded && bucket.contributed < bucket.goal {
            bucket.state = BucketState::Open.as_str().into();
            bucket.funded_at = None;
        }
    }
    Ok(())
}

/// Writes steps (in the caller's transaction, already committed by the time this runs) and
/// runs them in order; the first refusal is answered.
pub async fn run_all(money: &Money, steps: &[MoveRow]) -> Result<()> {
    let mut first = Ok(());
    for step in steps {
        if let Err(e) = run(money, step).await
            && first.is_ok()
        {
            first = Err(e);
        }
    }
    first
}

/// Takes up the steps a stopped process left pending (the tool does this at start).
pub async fn finish(money: &Money) -> Result<()> {
    for step in store::pending_moves(&money.kernel().db).await? {
        if let Err(e) = run(money, &step).await {
            tracing::warn!(key = %step.key, error = %e, "a budget step could not finish");
        }
    }
    Ok(())
}

//! The engine: every change of balances goes through one writer per node, which takes the
//! requests waiting in its queue as one batch — one transaction, one commit (group commit).
//! It locks the chain heads and accounts the batch touches (in id order, so nodes sharing a
//! PostgreSQL cannot deadlock), applies the batch in memory by the book's rules, and writes
//! back what changed. A request is answered only after its batch has committed, so what a
//! client was told survives `kill -9`.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use kernel::activity;
use kernel::id::GroupId;
use kernel::jobs::{self, NewJob};
use kernel::{Error, Kernel, Result, Timestamp};
use tokio::sync::{mpsc, oneshot};

use crate::amount;
use crate::book::{Balances, Book, Move, Refusal};
use crate::chain::{self, Hash};
use crate::model::{AccountId, BatchId, CurrencyId, PersonId, TransferId, TransferKind};
use crate::notices::{self, Currency};
use crate::store::{self, RequestRow, TransferRow};

/// The most requests one batch takes from the queue.
pub const MAX_BATCH: usize = 512;

/// The job that voids a pending transfer when its timeout comes.
pub const EXPIRE_JOB: &str = "ledger.expire";

/// One leg: `amount` (minor units) from one account to another.
#[derive(Debug, Clone)]
pub struct Leg {
    pub from: AccountId,
    pub to: AccountId,
    pub amount: i64,
    pub memo: Option<String>,
    pub pending: bool,
    pub timeout_at: Option<Timestamp>,
    /// The tool that alone may end it, for a pending leg a tool made.
    pub held_by: Option<String>,
}

/// An idempotency key and a hash of the request it came with.
#[derive(Debug, Clone)]
pub struct Key {
    pub key: String,
    pub request_hash: Hash,
}

#[derive(Debug, Clone)]
pub enum Op {
    /// One transfer, or linked legs (`linked`: they get a batch id and apply all or none).
    Transfer {
        actor: Option<PersonId>,
        key: Option<Key>,
        linked: bool,
        legs: Vec<Leg>,
    },
    /// Ends a pending transfer.
    End {
        actor: Option<PersonId>,
        pending: TransferId,
        how: End,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Post all (`None`) or part of the reservation; the rest is released.
    Post(Option<i64>),
    Void,
    /// Void by its timeout (a job): no error if it has ended already.
    Expire,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The transfers written, in order (or, `replayed`, those an earlier request with the
    /// same key wrote; then `rows` is empty and the caller reads them if it needs them).
    Transfers {
        ids: Vec<TransferId>,
        batch: Option<BatchId>,
        replayed: bool,
        rows: Vec<TransferRow>,
    },
    /// The row that ended the pending transfer (`None`: an expiry found it ended already).
    Ended(Option<Box<TransferRow>>),
}

struct Request {
    op: Op,
    reply: oneshot::Sender<Result<Outcome>>,
}

/// One writer per node, shared by every tool that moves money (credit, tasks, budget…): the
/// first tool to start starts it, the others get the same handle.
#[derive(Clone, Default)]
pub struct SharedLedger(Arc<std::sync::OnceLock<Ledger>>);

impl SharedLedger {
    /// This node's writer, started now if no tool has started it yet.
    pub fn start(&self, kernel: &Arc<Kernel>) -> &Ledger {
        self.0.get_or_init(|| Ledger::start(Arc::clone(kernel)))
    }

    /// The writer a tool started.
    ///
    /// # Panics
    /// Before any tool started it: the composition root starts tools before mounting them.
    pub fn get(&self) -> &Ledger {
        self.0
            .get()
            .expect("the composition root starts a tool before mounting it")
    }
}

/// The ledger's handle: cheap to clone, shared by the API and the jobs.
#[derive(Clone)]
pub struct Ledger {
    kernel: Arc<Kernel>,
    queue: mpsc::Sender<Request>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ledger")
    }
}

impl Ledger {
    /// Starts this node's writer. It stops when the last handle is dropped.
    pub fn start(kernel: Arc<Kernel>) -> Ledger {
        let (queue, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(writer(kernel.clone(), rx));
        Ledger { kernel, queue }
    }

    pub fn kernel(&self) -> &Arc<Kernel> {
        &self.kernel
    }

    /// Queues one request and waits until its batch has committed (or failed).
    pub async fn submit(&self, op: Op) -> Result<Outcome> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Request { op, reply })
            .await
            .map_err(|_| Error::internal("the ledger's writer has stopped"))?;
        answer
            .await
            .map_err(|_| Error::internal("the ledger's writer dropped a request"))?
    }

    /// Applies many requests as one batch, here and now (for callers that batch themselves).
    pub async fn apply_all(&self, ops: &[Op]) -> Vec<Result<Outcome>> {
        apply_with_retry(&self.kernel, ops).await
    }
}

async fn writer(kernel: Arc<Kernel>, mut rx: mpsc::Receiver<Request>) {
    while let Some(first) = rx.recv().await {
        let mut requests = vec![first];
        while requests.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(r) => requests.push(r),
                Err(_) => break,
            }
        }
        let (ops, replies): (Vec<Op>, Vec<_>) =
            requests.into_iter().map(|r| (r.op, r.reply)).unzip();
        let results = apply_with_retry(&kernel, &ops).await;
        metrics::counter!("weft_ledger_batches_total").increment(1);
        for (reply, result) in replies.into_iter().zip(results) {
            let _ = reply.send(result);
        }
    }
}

/// Applies a batch; if the batch as a whole fails (a lost race on PostgreSQL, a dropped
/// connection), tries once more, then one request at a time, so one bad request cannot fail
/// the others.
async fn apply_with_retry(kernel: &Kernel, ops: &[Op]) -> Vec<Result<Outcome>> {
    match apply(kernel, ops).await {
        Ok(results) => return results,
        Err(e) => tracing::warn!(error = %e, size = ops.len(), "a ledger batch failed; retrying"),
    }
    if let Ok(results) = apply(kernel, ops).await {
        return results;
    }
    let mut results = Vec::with_capacity(ops.len());
    for op in ops {
        results.push(match apply(kernel, std::slice::from_ref(op)).await {
            Ok(mut one) => one
                .pop()
                .unwrap_or_else(|| Err(Error::internal("no result"))),
            Err(e) => Err(e),
        });
    }
    results
}

struct Head {
    seq: i64,
    hash: Hash,
    scale: u32,
    moved: bool,
    code: String,
    group: GroupId,
}

/// What one batch builds in memory before writing it.
struct Batch {
    now: Timestamp,
    book: Book,
    /// The person owning each member account the batch touches (for notices).
    owners: HashMap<AccountId, PersonId>,
    heads: HashMap<CurrencyId, Head>,
    pendings: HashMap<TransferId, TransferRow>,
    /// Pending transfers already ended, and how.
    ended: HashMap<TransferId, String>,
    /// Idempotency keys known, from earlier batches and this one.
    keys: HashMap<(PersonId, String), RequestRow>,
    rows: Vec<TransferRow>,
    new_keys: Vec<RequestRow>,
    jobs: Vec<NewJob>,
}

async fn apply(kernel: &Kernel, ops: &[Op]) -> Result<Vec<Result<Outcome>>> {
    let now = kernel.now();
    let mut tx = kernel.db.begin().await?;

    let keys: Vec<(PersonId, String)> = ops
        .iter()
        .filter_map(|op| match op {
            Op::Transfer {
                actor: Some(a),
                key: Some(k),
                ..
            } => Some((*a, k.key.clone())),
            _ => None,
        })
        .collect();
    let known = store::requests(&mut tx, &keys).await?;

    let pending_ids: Vec<TransferId> = ops
        .iter()
        .filter_map(|op| match op {
            Op::End { pending, .. } => Some(*pending),
            _ => None,
        })
        .collect();
    let pendings: HashMap<TransferId, TransferRow> =
        store::transfers_by_ids_in(&mut tx, &pending_ids)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
    let ended: HashMap<TransferId, String> = store::ends_of_in(&mut tx, &pending_ids)
        .await?
        .into_iter()
        .collect();

    let mut account_ids = BTreeSet::new();
    for op in ops {
        if let Op::Transfer { legs, .. } = op {
            for leg in legs {
                account_ids.insert(leg.from);
                account_ids.insert(leg.to);
            }
        }
    }
    for p in pendings.values() {
        account_ids.insert(p.debit_account_id);
        account_ids.insert(p.credit_account_id);
    }
    let account_ids: Vec<AccountId> = account_ids.into_iter().collect();
    let mut currency_ids = if account_ids.is_empty() {
        Vec::new()
    } else {
        store::currencies_of_accounts(&mut tx, &account_ids).await?
    };
    currency_ids.sort();
    let mut heads = HashMap::new();
    if !currency_ids.is_empty() {
        for c in store::lock_currencies(&mut tx, &currency_ids).await? {
            let mut hash = chain::GENESIS;
            if c.head.len() == 32 {
                hash.copy_from_slice(&c.head);
            }
            heads.insert(
                c.id,
                Head {
                    seq: c.seq,
                    hash,
                    scale: c.scale(),
                    moved: false,
                    code: c.code,
                    group: c.group_id,
                },
            );
        }
    }
    let mut book = Book::default();
    let mut owners = HashMap::new();
    if !account_ids.is_empty() {
        for a in store::lock_accounts(&mut tx, &account_ids).await? {
            if let Some(owner) = a.owner_id {
                owners.insert(a.id, owner);
            }
            book.accounts.insert(
                a.id,
                Balances {
                    currency: a.currency_id.0,
                    floor: a.floor,
                    ceiling: a.ceiling,
                    balance: a.balance,
                    debits_pending: a.debits_pending,
                    credits_pending: a.credits_pending,
                },
            );
        }
    }
    let original = book.accounts.clone();

    let mut batch = Batch {
        now,
        book,
        owners,
        heads,
        pendings,
        ended,
        keys: known
            .into_iter()
            .map(|r| ((r.actor_id, r.key.clone()), r))
            .collect(),
        rows: Vec::new(),
        new_keys: Vec::new(),
        jobs: Vec::new(),
    };
    let mut results = Vec::with_capacity(ops.len());
    for op in ops {
        results.push(match op {
            Op::Transfer {
                actor,
                key,
                linked,
                legs,
            } => batch.transfer(*actor, key.as_ref(), *linked, legs),
            Op::End {
                actor,
                pending,
                how,
            } => batch.end(*actor, *pending, *how),
        });
    }

    store::insert_transfers(&mut tx, &batch.rows).await?;
    // Notices in the same transaction (most batches between a group's own accounts have none).
    let told: Vec<_> = batch
        .rows
        .iter()
        .filter_map(|row| notices::recipients(row, &batch.owners).map(|r| (row, r)))
        .collect();
    if !told.is_empty() {
        let mut actors: Vec<PersonId> = told.iter().filter_map(|(row, _)| row.actor_id).collect();
        actors.sort();
        actors.dedup();
        let handles = kernel::people::handles(kernel, &actors).await?;
        for (row, (tell, reason)) in told {
            let Some(head) = batch.heads.get(&row.currency_id) else {
                continue;
            };
            let currency = Currency {
                code: &head.code,
                scale: head.scale,
                group: head.group,
            };
            let actor = row
                .actor_id
                .and_then(|a| handles.get(&a))
                .map(String::as_str);
            let notice = notices::notice(row, &currency, &batch.owners, tell, reason, actor);
            activity::record(&mut tx, now, notice).await?;
        }
    }
    store::insert_requests(&mut tx, &batch.new_keys, now).await?;
    for (id, balances) in &batch.book.accounts {
        if original.get(id) != Some(balances) {
            store::write_balances(&mut tx, *id, balances).await?;
        }
    }
    for (id, head) in &batch.heads {
        if head.moved {
            store::write_head(&mut tx, *id, head.seq, &head.hash).await?;
        }
    }
    for job in batch.jobs {
        jobs::enqueue(&mut tx, now, job).await?;
    }
    tx.commit().await?;
    metrics::counter!("weft_ledger_transfers_total").increment(batch.rows.len() as u64);
    Ok(results)
}

impl Batch {
    fn transfer(
        &mut self,
        actor: Option<PersonId>,
        key: Option<&Key>,
        linked: bool,
        legs: &[Leg],
    ) -> Result<Outcome> {
        if let (Some(actor), Some(key)) = (actor, key)
            && let Some(earlier) = self.keys.get(&(actor, key.key.clone()))
        {
            if earlier.request_hash.as_slice() != key.request_hash.as_slice() {
                return Err(Error::conflict(
                    "Idempotency-Key",
                    "this key was used for another request; use a new key for a new transfer",
                ));
            }
            return Ok(Outcome::Transfers {
                ids: earlier.transfer_id.into_iter().collect(),
                batch: earlier.batch_id,
                replayed: true,
                rows: Vec::new(),
            });
        }
        if legs.is_empty() {
            return Err(Error::invalid("legs", "a batch needs at least one leg"));
        }
        // Apply every leg; undo them all if one cannot apply.
        let before: Vec<(AccountId, Option<Balances>)> = legs
            .iter()
            .flat_map(|l| [l.from, l.to])
            .map(|id| (id, self.book.accounts.get(&id).copied()))
            .collect();
        let mut after = Vec::with_capacity(legs.len());
        for (i, leg) in legs.iter().enumerate() {
            let m = if leg.pending {
                Move::Reserve(leg.amount)
            } else {
                Move::Post(leg.amount)
            };
            if let Err(refusal) = self.book.apply(leg.from, leg.to, m) {
                for (id, b) in before.iter().rev() {
                    match b {
                        Some(b) => {
                            self.book.accounts.insert(*id, *b);
                        }
                        None => {
                            self.book.accounts.remove(id);
                        }
                    }
                }
                let prefix = if linked {
                    format!("legs[{i}].")
                } else {
                    String::new()
                };
                return Err(self.refusal(refusal, &prefix, leg));
            }
            after.push((self.book.accounts[&leg.from], self.book.accounts[&leg.to]));
        }
        let batch_id = linked.then(BatchId::new);
        let first_row = self.rows.len();
        let mut ids = Vec::with_capacity(legs.len());
        for (leg, (d, c)) in legs.iter().zip(after) {
            let kind = if leg.pending {
                TransferKind::Pending
            } else {
                TransferKind::Transfer
            };
            let id = TransferId::new();
            self.push(TransferRow {
                id,
                currency_id: CurrencyId(d.currency),
                seq: 0,
                kind: kind.as_str().into(),
                debit_account_id: leg.from,
                credit_account_id: leg.to,
                amount: leg.amount,
                pending_id: None,
                timeout_at: leg.timeout_at.filter(|_| leg.pending).map(|t| t.0),
                batch_id,
                memo: leg.memo.clone(),
                memo_hash: leg.memo.as_deref().map(|m| chain::memo_hash(m).to_vec()),
                actor_id: actor,
                debit_balance: d.balance,
                credit_balance: c.balance,
                created_at: self.now.0,
                hash: Vec::new(),
                held_by: leg.held_by.clone().filter(|_| leg.pending),
            });
            if let (true, Some(at)) = (leg.pending, leg.timeout_at) {
                self.jobs.push(
                    NewJob::new(EXPIRE_JOB, serde_json::json!({ "transfer": id }))
                        .at(at)
                        .unique(format!("{EXPIRE_JOB}:{id}")),
                );
            }
            ids.push(id);
        }
        if let (Some(actor), Some(key)) = (actor, key) {
            let row = RequestRow {
                actor_id: actor,
                key: key.key.clone(),
                request_hash: key.request_hash.to_vec(),
                transfer_id: if linked { None } else { ids.first().copied() },
                batch_id,
            };
            self.keys.insert((actor, key.key.clone()), row.clone());
            self.new_keys.push(row);
        }
        Ok(Outcome::Transfers {
            ids,
            batch: batch_id,
            replayed: false,
            rows: self.rows[first_row..].to_vec(),
        })
    }

    fn end(&mut self, actor: Option<PersonId>, pending: TransferId, how: End) -> Result<Outcome> {
        let p = self
            .pendings
            .get(&pending)
            .cloned()
            .ok_or(Error::NotFound("transfer"))?;
        if p.kind != TransferKind::Pending.as_str() {
            return Err(Error::conflict(
                "id",
                "only a pending transfer can be posted or voided; this one was posted at once",
            ));
        }
        if let Some(kind) = self.ended.get(&pending) {
            if how == End::Expire {
                return Ok(Outcome::Ended(None));
            }
            let what = match kind.as_str() {
                "post" => "posted",
                "void" => "voided",
                "expire" => "voided when it expired",
                _ => "ended",
            };
            return Err(Error::conflict(
                "id",
                format!("this transfer was already {what}"),
            ));
        }
        let scale = self.heads.get(&p.currency_id).map_or(0, |h| h.scale);
        let (kind, posted) = match how {
            End::Post(amount) => {
                let posted = amount.unwrap_or(p.amount);
                if posted > p.amount {
                    return Err(Error::invalid(
                        "amount",
                        format!("at most the {} reserved", amount::format(p.amount, scale)),
                    ));
                }
                (TransferKind::Post, posted)
            }
            End::Void => (TransferKind::Void, 0),
            End::Expire => (TransferKind::Expire, 0),
        };
        self.book
            .apply(
                p.debit_account_id,
                p.credit_account_id,
                Move::Settle {
                    reserved: p.amount,
                    posted,
                },
            )
            .map_err(|r| Error::internal(format!("settling a reservation was refused: {r:?}")))?;
        let d = self.book.accounts[&p.debit_account_id];
        let c = self.book.accounts[&p.credit_account_id];
        self.push(TransferRow {
            id: TransferId::new(),
            currency_id: p.currency_id,
            seq: 0,
            kind: kind.as_str().into(),
            debit_account_id: p.debit_account_id,
            credit_account_id: p.credit_account_id,
            // A post records what moved; a void or expiry what it released.
            amount: if kind == TransferKind::Post {
                posted
            } else {
                p.amount
            },
            pending_id: Some(p.id),
            timeout_at: None,
            batch_id: None,
            memo: None,
            memo_hash: None,
            actor_id: actor,
            debit_balance: d.balance,
            credit_balance: c.balance,
            created_at: self.now.0,
            hash: Vec::new(),
            held_by: None,
        });
        self.ended.insert(pending, kind.as_str().into());
        Ok(Outcome::Ended(self.rows.last().cloned().map(Box::new)))
    }

    /// Numbers the row in its currency's chain, hashes it and keeps it for writing.
    fn push(&mut self, mut row: TransferRow) {
        let head = self
            .heads
            .get_mut(&row.currency_id)
            .expect("every account's currency was loaded");
        row.seq = head.seq + 1;
        let hash = chain::hash(&head.hash, &row);
        row.hash = hash.to_vec();
        head.seq = row.seq;
        head.hash = hash;
        head.moved = true;
        self.rows.push(row);
    }

    fn refusal(&self, refusal: Refusal, prefix: &str, leg: &Leg) -> Error {
        let scale = self
            .book
            .accounts
            .get(&leg.from)
            .and_then(|b| self.heads.get(&CurrencyId(b.currency)))
            .map_or(0, |h| h.scale);
        let limit = |l: Option<i64>| match l {
            Some(l) => amount::format(l, scale),
            None => "the ledger's bound".into(),
        };
        match refusal {
            Refusal::UnknownAccount { field } => {
                Error::invalid(format!("{prefix}{field}"), "no such account")
            }
            Refusal::SameAccount => Error::invalid(
                format!("{prefix}to"),
                "a transfer needs two different accounts",
            ),
            Refusal::OtherCurrency => Error::invalid(
                format!("{prefix}to"),
                "this account holds another currency than the one paying",
            ),
            Refusal::Floor { field, floor } => Error::invalid(
                format!("{prefix}{field}"),
                format!(
                    "this would take the account below its floor of {} (counting what it has reserved)",
                    limit(floor)
                ),
            ),
            Refusal::Ceiling { field, ceiling } => Error::invalid(
                format!("{prefix}{field}"),
                format!(
                    "this would take the account above its ceiling of {} (counting what it is due)",
                    limit(ceiling)
                ),
            ),
        }
    }
}

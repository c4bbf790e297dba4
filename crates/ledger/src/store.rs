//! The ledger's queries, written once for both databases.

use kernel::db::{Db, Tx};
use kernel::{Result, Timestamp};
use sea_query::{Expr, ExprTrait, Iden, LockType, Order, Query};
use uuid::Uuid;

use crate::model::{AccountId, BatchId, CurrencyId, PersonId, TransferId};

#[derive(Iden)]
pub enum Currencies {
    Table,
    Id,
    GroupId,
    Code,
    Name,
    Kind,
    Symbol,
    Scale,
    DefaultFloor,
    DefaultCeiling,
    CreatedBy,
    CreatedAt,
    Seq,
    Head,
}

#[derive(Iden)]
pub enum LedgerAccounts {
    Table,
    Id,
    CurrencyId,
    OwnerKind,
    OwnerId,
    Name,
    Floor,
    Ceiling,
    Balance,
    DebitsPending,
    CreditsPending,
    CreatedAt,
    HeldBy,
}

#[derive(Iden)]
pub enum Transfers {
    Table,
    Id,
    CurrencyId,
    Seq,
    Kind,
    DebitAccountId,
    CreditAccountId,
    Amount,
    PendingId,
    TimeoutAt,
    BatchId,
    Memo,
    MemoHash,
    ActorId,
    DebitBalance,
    CreditBalance,
    CreatedAt,
    Hash,
    HeldBy,
}

#[derive(Iden)]
pub enum LedgerRequests {
    Table,
    ActorId,
    Key,
    RequestHash,
    TransferId,
    BatchId,
    CreatedAt,
}

#[derive(Iden)]
pub enum LedgerLimitChanges {
    Table,
    Id,
    AccountId,
    FloorBefore,
    CeilingBefore,
    Floor,
    Ceiling,
    ChangedBy,
    ChangedAt,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CurrencyRow {
    pub id: CurrencyId,
    pub group_id: kernel::id::GroupId,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub symbol: String,
    pub scale: i64,
    pub default_floor: Option<i64>,
    pub default_ceiling: Option<i64>,
    pub created_by: Option<PersonId>,
    pub created_at: i64,
    pub seq: i64,
    pub head: Vec<u8>,
}

impl CurrencyRow {
    pub fn scale(&self) -> u32 {
        self.scale.clamp(0, crate::amount::MAX_SCALE as i64) as u32
    }
}

const CURRENCY_COLUMNS: [Currencies; 13] = [
    Currencies::Id,
    Currencies::GroupId,
    Currencies::Code,
    Currencies::Name,
    Currencies::Kind,
    Currencies::Symbol,
    Currencies::Scale,
    Currencies::DefaultFloor,
    Currencies::DefaultCeiling,
    Currencies::CreatedBy,
    Currencies::CreatedAt,
    Currencies::Seq,
    Currencies::Head,
];

pub async fn insert_currency(tx: &mut Tx, c: &CurrencyRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(Currencies::Table)
            .columns(CURRENCY_COLUMNS)
            .values_panic([
                c.id.into(),
                c.group_id.into(),
                c.code.clone().into(),
                c.name.clone().into(),
                c.kind.clone().into(),
                c.symbol.clone().into(),
                c.scale.into(),
                c.default_floor.into(),
                c.default_ceiling.into(),
                c.created_by.map(|p| p.0).into(),
                c.created_at.into(),
                c.seq.into(),
                c.head.clone().into(),
            ]),
    )
    .await
    .map(|_| ())
}

pub async fn currency(db: &Db, id: CurrencyId) -> Result<Option<CurrencyRow>> {
    db.fetch_optional(
        Query::select()
            .columns(CURRENCY_COLUMNS)
            .from(Currencies::Table)
            .and_where(Expr::col(Currencies::Id).eq(id)),
    )
    .await
}

pub async fn currencies_of_group(db: &Db, group: kernel::id::GroupId) -> Result<Vec<CurrencyRow>> {
    db.fetch_all(
        Query::select()
            .columns(CURRENCY_COLUMNS)
            .from(Currencies::Table)
            .and_where(Expr::col(Currencies::GroupId).eq(group))
            .order_by(Currencies::Code, Order::Asc),
    )
    .await
}

pub async fn all_currencies(db: &Db) -> Result<Vec<CurrencyRow>> {
    db.fetch_all(
        Query::select()
            .columns(CURRENCY_COLUMNS)
            .from(Currencies::Table)
            .order_by(Currencies::Id, Order::Asc),
    )
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub id: AccountId,
    pub currency_id: CurrencyId,
    pub owner_kind: String,
    pub owner_id: Option<PersonId>,
    pub name: Option<String>,
    pub floor: Option<i64>,
    pub ceiling: Option<i64>,
    pub balance: i64,
    pub debits_pending: i64,
    pub credits_pending: i64,
    pub created_at: i64,
    /// The tool that alone moves money from it (`None`: people do, through the API).
    pub held_by: Option<String>,
}

const ACCOUNT_COLUMNS: [LedgerAccounts; 12] = [
    LedgerAccounts::Id,
    LedgerAccounts::CurrencyId,
    LedgerAccounts::OwnerKind,
    LedgerAccounts::OwnerId,
    LedgerAccounts::Name,
    LedgerAccounts::Floor,
    LedgerAccounts::Ceiling,
    LedgerAccounts::Balance,
    LedgerAccounts::DebitsPending,
    LedgerAccounts::CreditsPending,
    LedgerAccounts::CreatedAt,
    LedgerAccounts::HeldBy,
];

pub async fn insert_account(tx: &mut Tx, a: &AccountRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(LedgerAccounts::Table)
            .columns(ACCOUNT_COLUMNS)
            .values_panic([
                a.id.into(),
                a.currency_id.into(),
                a.owner_kind.clone().into(),
                a.owner_id.map(|p| p.0).into(),
                a.name.clone().into(),
                a.floor.into(),
                a.ceiling.into(),
                a.balance.into(),
                a.debits_pending.into(),
                a.credits_pending.into(),
                a.created_at.into(),
                a.held_by.clone().into(),
            ]),
    )
    .await
    .map(|_| ())
}

pub async fn account(db: &Db, id: AccountId) -> Result<Option<AccountRow>> {
    db.fetch_optional(
        Query::select()
            .columns(ACCOUNT_COLUMNS)
            .from(LedgerAccounts::Table)
            .and_where(Expr::col(LedgerAccounts::Id).eq(id)),
    )
    .await
}

/// An account and its currency, read together (every request about an account needs both).
#[derive(Debug, Clone, sqlx::FromRow)]
struct AccountWithCurrency {
    #[sqlx(flatten)]
    account: AccountRow,
    c_group_id: kernel::id::GroupId,
    c_code: String,
    c_name: String,
    c_kind: String,
    c_symbol: String,
    c_scale: i64,
    c_default_floor: Option<i64>,
    c_default_ceiling: Option<i64>,
    c_created_by: Option<PersonId>,
    c_created_at: i64,
    c_seq: i64,
    c_head: Vec<u8>,
}

pub async fn account_with_currency(
    db: &Db,
    id: AccountId,
) -> Result<Option<(AccountRow, CurrencyRow)>> {
    let mut q = Query::select();
    for c in ACCOUNT_COLUMNS {
        q.column((LedgerAccounts::Table, c));
    }
    for c in CURRENCY_COLUMNS.into_iter().skip(1) {
        let alias = sea_query::Alias::new(format!("c_{}", c.to_string()));
        q.expr_as(Expr::col((Currencies::Table, c)), alias);
    }
    q.from(LedgerAccounts::Table)
        .inner_join(
            Currencies::Table,
            Expr::col((Currencies::Table, Currencies::Id))
                .equals((LedgerAccounts::Table, LedgerAccounts::CurrencyId)),
        )
        .and_where(Expr::col((LedgerAccounts::Table, LedgerAccounts::Id)).eq(id));
    let row: Option<AccountWithCurrency> = db.fetch_optional(&q).await?;
    Ok(row.map(|r| {
        let currency = CurrencyRow {
            id: r.account.currency_id,
            group_id: r.c_group_id,
            code: r.c_code,
            name: r.c_name,
            kind: r.c_kind,
            symbol: r.c_symbol,
            scale: r.c_scale,
            default_floor: r.c_default_floor,
            default_ceiling: r.c_default_ceiling,
            created_by: r.c_created_by,
            created_at: r.c_created_at,
            seq: r.c_seq,
            head: r.c_head,
        };
        (r.account, currency)
    }))
}

/// A currency's accounts by id, those the policy lets the reader see.
pub async fn accounts_of_currency(
    db: &Db,
    currency: CurrencyId,
    visible: kernel::policy::Visible,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<AccountRow>> {
    let mut q = Query::select()
        .columns(ACCOUNT_COLUMNS)
        .from(LedgerAccounts::Table)
        .and_where(Expr::col(LedgerAccounts::CurrencyId).eq(currency))
        .order_by(LedgerAccounts::Id, Order::Asc)
        .limit(u64::from(limit) + 1)
        .to_owned();
    if let Some(after) = after {
        q.and_where(Expr::col(LedgerAccounts::Id).gt(after));
    }
    if let kernel::policy::Visible::GroupsAndOwn(viewer) = visible {
        q.cond_where(
            sea_query::Condition::any()
                .add(Expr::col(LedgerAccounts::OwnerId).eq(viewer.0))
                .add(Expr::col(LedgerAccounts::OwnerId).is_null()),
        );
    }
    db.fetch_all(&q).await
}

/// Every account of a currency, for the verifier.
pub async fn all_accounts_of(db: &Db, currency: CurrencyId) -> Result<Vec<AccountRow>> {
    db.fetch_all(
        Query::select()
            .columns(ACCOUNT_COLUMNS)
            .from(LedgerAccounts::Table)
            .and_where(Expr::col(LedgerAccounts::CurrencyId).eq(currency)),
    )
    .await
}

/// A person's accounts, in every currency.
/// A person's own account in a currency, if they have opened one.
pub async fn member_account(
    db: &Db,
    person: PersonId,
    currency: CurrencyId,
) -> Result<Option<AccountRow>> {
    Ok(accounts_of_person(db, person)
        .await?
        .into_iter()
        .find(|a| a.currency_id == currency && a.owner_kind == "member"))
}

pub async fn accounts_of_person(db: &Db, owner: PersonId) -> Result<Vec<AccountRow>> {
    db.fetch_all(
        Query::select()
            .columns(ACCOUNT_COLUMNS)
            .from(LedgerAccounts::Table)
            .and_where(Expr::col(LedgerAccounts::OwnerId).eq(owner.0))
            .order_by(LedgerAccounts::Id, Order::Asc),
    )
    .await
}

/// Changes an account's limits and records the change, holding the account's row.
pub async fn set_limits(
    tx: &mut Tx,
    account: &AccountRow,
    floor: Option<i64>,
    ceiling: Option<i64>,
    by: PersonId,
    now: Timestamp,
) -> Result<()> {
    tx.execute(
        Query::update()
            .table(LedgerAccounts::Table)
            .value(LedgerAccounts::Floor, floor)
            .value(LedgerAccounts::Ceiling, ceiling)
            .and_where(Expr::col(LedgerAccounts::Id).eq(account.id)),
    )
    .await?;
    tx.execute(
        Query::insert()
            .into_table(LedgerLimitChanges::Table)
            .columns([
                LedgerLimitChanges::Id,
                LedgerLimitChanges::AccountId,
                LedgerLimitChanges::FloorBefore,
                LedgerLimitChanges::CeilingBefore,
                LedgerLimitChanges::Floor,
                LedgerLimitChanges::Ceiling,
                LedgerLimitChanges::ChangedBy,
                LedgerLimitChanges::ChangedAt,
            ])
            .values_panic([
                Uuid::now_v7().into(),
                account.id.into(),
                account.floor.into(),
                account.ceiling.into(),
                floor.into(),
                ceiling.into(),
                by.into(),
                now.into(),
            ]),
    )
    .await
    .map(|_| ())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TransferRow {
    pub id: TransferId,
    pub currency_id: CurrencyId,
    pub seq: i64,
    pub kind: String,
    pub debit_account_id: AccountId,
    pub credit_account_id: AccountId,
    pub amount: i64,
    pub pending_id: Option<TransferId>,
    pub timeout_at: Option<i64>,
    pub batch_id: Option<BatchId>,
    pub memo: Option<String>,
    pub memo_hash: Option<Vec<u8>>,
    pub actor_id: Option<PersonId>,
    pub debit_balance: i64,
    pub credit_balance: i64,
    pub created_at: i64,
    pub hash: Vec<u8>,
    /// The tool that alone may end this pending transfer.
    pub held_by: Option<String>,
}

const TRANSFER_COLUMNS: [Transfers; 18] = [
    Transfers::Id,
    Transfers::CurrencyId,
    Transfers::Seq,
    Transfers::Kind,
    Transfers::DebitAccountId,
    Transfers::CreditAccountId,
    Transfers::Amount,
    Transfers::PendingId,
    Transfers::TimeoutAt,
    Transfers::BatchId,
    Transfers::Memo,
    Transfers::MemoHash,
    Transfers::ActorId,
    Transfers::DebitBalance,
    Transfers::CreditBalance,
    Transfers::CreatedAt,
    Transfers::Hash,
    Transfers::HeldBy,
];

fn select_transfers() -> sea_query::SelectStatement {
    Query::select()
        .columns(TRANSFER_COLUMNS)
        .from(Transfers::Table)
        .to_owned()
}

pub async fn insert_transfers(tx: &mut Tx, rows: &[TransferRow]) -> Result<()> {
    for chunk in rows.chunks(200) {
        let mut q = Query::insert()
            .into_table(Transfers::Table)
            .columns(TRANSFER_COLUMNS)
            .to_owned();
        for r in chunk {
            q.values_panic([
                r.id.into(),
                r.currency_id.into(),
                r.seq.into(),
                r.kind.clone().into(),
                r.debit_account_id.into(),
                r.credit_account_id.into(),
                r.amount.into(),
                r.pending_id.map(|p| p.0).into(),
                r.timeout_at.into(),
                r.batch_id.map(|b| b.0).into(),
                r.memo.clone().into(),
                r.memo_hash.clone().into(),
                r.actor_id.map(|a| a.0).into(),
                r.debit_balance.into(),
                r.credit_balance.into(),
                r.created_at.into(),
                r.hash.clone().into(),
                r.held_by.clone().into(),
            ]);
        }
        tx.execute(&q).await?;
    }
    Ok(())
}

pub async fn transfer(db: &Db, id: TransferId) -> Result<Option<TransferRow>> {
    db.fetch_optional(
        &select_transfers()
            .and_where(Expr::col(Transfers::Id).eq(id))
            .to_owned(),
    )
    .await
}

pub async fn transfers_by_ids_in(tx: &mut Tx, ids: &[TransferId]) -> Result<Vec<TransferRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    tx.fetch_all(
        &select_transfers()
            .and_where(Expr::col(Transfers::Id).is_in(ids.iter().map(|i| i.0)))
            .to_owned(),
    )
    .await
}

/// The rows that end these pending transfers (post, void or expire).
pub async fn ends_of(db: &Db, pending: &[TransferId]) -> Result<Vec<TransferRow>> {
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        &select_transfers()
            .and_where(Expr::col(Transfers::PendingId).is_in(pending.iter().map(|i| i.0)))
            .to_owned(),
    )
    .await
}

/// How these pending transfers ended, if they did: `(pending_id, kind)`.
pub async fn ends_of_in(tx: &mut Tx, pending: &[TransferId]) -> Result<Vec<(TransferId, String)>> {
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    tx.fetch_all(
        Query::select()
            .columns([Transfers::PendingId, Transfers::Kind])
            .from(Transfers::Table)
            .and_where(Expr::col(Transfers::PendingId).is_in(pending.iter().map(|i| i.0))),
    )
    .await
}

pub async fn batch_transfers(db: &Db, batch: BatchId) -> Result<Vec<TransferRow>> {
    db.fetch_all(
        &select_transfers()
            .and_where(Expr::col(Transfers::BatchId).eq(batch.0))
            .order_by(Transfers::Seq, Order::Asc)
            .to_owned(),
    )
    .await
}

/// A currency's transfers, newest first, below `before` (a `seq`).
pub async fn transfers_of_currency(
    db: &Db,
    currency: CurrencyId,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<TransferRow>> {
    let mut q = select_transfers()
        .and_where(Expr::col(Transfers::CurrencyId).eq(currency))
        .order_by(Transfers::Seq, Order::Desc)
        .limit(u64::from(limit) + 1)
        .to_owned();
    if let Some(before) = before {
        q.and_where(Expr::col(Transfers::Seq).lt(before));
    }
    db.fetch_all(&q).await
}

/// A currency's transfers in chain order, after `after` (a `seq`), for the verifier.
pub async fn chain_after(
    db: &Db,
    currency: CurrencyId,
    after: i64,
    limit: u32,
) -> Result<Vec<TransferRow>> {
    db.fetch_all(
        &select_transfers()
            .and_where(Expr::col(Transfers::CurrencyId).eq(currency))
            .and_where(Expr::col(Transfers::Seq).gt(after))
            .order_by(Transfers::Seq, Order::Asc)
            .limit(u64::from(limit))
            .to_owned(),
    )
    .await
}

/// Which way a statement is read: newest first below a `seq`, or oldest first above one.
#[derive(Debug, Clone, Copy)]
pub enum Walk {
    NewestBelow(Option<i64>),
    OldestAbove(i64),
}

/// One side of an account's statement: the transfers debiting (or crediting) it, in `walk`'s
/// order. Both sides read through their own index, so a page costs the same with ten
/// transfers as with a million.
pub async fn statement_side(
    db: &Db,
    account: AccountId,
    debit: bool,
    walk: Walk,
    limit: u32,
) -> Result<Vec<TransferRow>> {
    let side = if debit {
        Transfers::DebitAccountId
    } else {
        Transfers::CreditAccountId
    };
    let mut q = select_transfers()
        .and_where(Expr::col(side).eq(account))
        .limit(u64::from(limit))
        .to_owned();
    match walk {
        Walk::NewestBelow(before) => {
            q.order_by(Transfers::Seq, Order::Desc);
            if let Some(before) = before {
                q.and_where(Expr::col(Transfers::Seq).lt(before));
            }
        }
        Walk::OldestAbove(after) => {
            q.order_by(Transfers::Seq, Order::Asc)
                .and_where(Expr::col(Transfers::Seq).gt(after));
        }
    }
    db.fetch_all(&q).await
}

// The engine's statements, inside its batch transaction.

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RequestRow {
    pub actor_id: PersonId,
    pub key: String,
    pub request_hash: Vec<u8>,
    pub transfer_id: Option<TransferId>,
    pub batch_id: Option<BatchId>,
}

pub async fn requests(tx: &mut Tx, keys: &[(PersonId, String)]) -> Result<Vec<RequestRow>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<RequestRow> = tx
        .fetch_all(
            Query::select()
                .columns([
                    LedgerRequests::ActorId,
                    LedgerRequests::Key,
                    LedgerRequests::RequestHash,
                    LedgerRequests::TransferId,
                    LedgerRequests::BatchId,
                ])
                .from(LedgerRequests::Table)
                .and_where(Expr::col(LedgerRequests::ActorId).is_in(keys.iter().map(|(a, _)| a.0)))
                .and_where(
                    Expr::col(LedgerRequests::Key).is_in(keys.iter().map(|(_, k)| k.clone())),
                ),
        )
        .await?;
    Ok(rows
        .into_iter()
        .filter(|r| keys.iter().any(|(a, k)| *a == r.actor_id && *k == r.key))
        .collect())
}

pub async fn insert_requests(tx: &mut Tx, rows: &[RequestRow], now: Timestamp) -> Result<()> {
    for chunk in rows.chunks(200) {
        let mut q = Query::insert()
            .into_table(LedgerRequests::Table)
            .columns([
                LedgerRequests::ActorId,
                LedgerRequests::Key,
                LedgerRequests::RequestHash,
                LedgerRequests::TransferId,
                LedgerRequests::BatchId,
                LedgerRequests::CreatedAt,
            ])
            .to_owned();
        for r in chunk {
            q.values_panic([
                r.actor_id.into(),
                r.key.clone().into(),
                r.request_hash.clone().into(),
                r.transfer_id.map(|t| t.0).into(),
                r.batch_id.map(|b| b.0).into(),
                now.into(),
            ]);
        }
        tx.execute(&q).await?;
    }
    Ok(())
}

/// The currencies of these accounts (a currency never changes, so no lock is needed).
pub async fn currencies_of_accounts(tx: &mut Tx, ids: &[AccountId]) -> Result<Vec<CurrencyId>> {
    let rows: Vec<(CurrencyId,)> = tx
        .fetch_all(
            Query::select()
                .distinct()
                .column(LedgerAccounts::CurrencyId)
                .from(LedgerAccounts::Table)
                .and_where(Expr::col(LedgerAccounts::Id).is_in(ids.iter().map(|i| i.0))),
        )
        .await?;
    Ok(rows.into_iter().map(|(c,)| c).collect())
}

/// Locks the currencies' chain heads, in id order (always the same order, so two batches
/// on two nodes cannot wait on each other). SQLite has one writer and needs no lock.
pub async fn lock_currencies(tx: &mut Tx, ids: &[CurrencyId]) -> Result<Vec<CurrencyRow>> {
    tx.fetch_all(
        Query::select()
            .columns(CURRENCY_COLUMNS)
            .from(Currencies::Table)
            .and_where(Expr::col(Currencies::Id).is_in(ids.iter().map(|i| i.0)))
            .order_by(Currencies::Id, Order::Asc)
            .lock(LockType::Update),
    )
    .await
}

/// Locks the accounts, in id order, after their currencies.
pub async fn lock_accounts(tx: &mut Tx, ids: &[AccountId]) -> Result<Vec<AccountRow>> {
    tx.fetch_all(
        Query::select()
            .columns(ACCOUNT_COLUMNS)
            .from(LedgerAccounts::Table)
            .and_where(Expr::col(LedgerAccounts::Id).is_in(ids.iter().map(|i| i.0)))
            .order_by(LedgerAccounts::Id, Order::Asc)
            .lock(LockType::Update),
    )
    .await
}

pub async fn write_balances(tx: &mut Tx, id: AccountId, b: &crate::book::Balances) -> Result<()> {
    tx.execute(
        Query::update()
            .table(LedgerAccounts::Table)
            .value(LedgerAccounts::Balance, b.balance)
            .value(LedgerAccounts::DebitsPending, b.debits_pending)
            .value(LedgerAccounts::CreditsPending, b.credits_pending)
            .and_where(Expr::col(LedgerAccounts::Id).eq(id)),
    )
    .await
    .map(|_| ())
}

pub async fn write_head(tx: &mut Tx, id: CurrencyId, seq: i64, head: &[u8]) -> Result<()> {
    tx.execute(
        Query::update()
            .table(Currencies::Table)
            .value(Currencies::Seq, seq)
            .value(Currencies::Head, head.to_vec())
            .and_where(Expr::col(Currencies::Id).eq(id)),
    )
    .await
    .map(|_| ())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LimitChangeRow {
    pub floor_before: Option<i64>,
    pub ceiling_before: Option<i64>,
    pub floor: Option<i64>,
    pub ceiling: Option<i64>,
    pub changed_by: Option<PersonId>,
    pub changed_at: i64,
}

/// An account's limit changes, newest first (at most 200).
pub async fn limit_changes(db: &Db, account: AccountId) -> Result<Vec<LimitChangeRow>> {
    db.fetch_all(
        Query::select()
            .columns([
                LedgerLimitChanges::FloorBefore,
                LedgerLimitChanges::CeilingBefore,
                LedgerLimitChanges::Floor,
                LedgerLimitChanges::Ceiling,
                LedgerLimitChanges::ChangedBy,
                LedgerLimitChanges::ChangedAt,
            ])
            .from(LedgerLimitChanges::Table)
            .and_where(Expr::col(LedgerLimitChanges::AccountId).eq(account))
            .order_by(LedgerLimitChanges::Id, Order::Desc)
            .limit(200),
    )
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct Total {
    total: i64,
}

/// The sum of what was posted out of (`debit`) or into an account, in units.
pub async fn posted_total(db: &Db, account: AccountId, debit: bool) -> Result<i64> {
    let side = if debit {
        Transfers::DebitAccountId
    } else {
        Transfers::CreditAccountId
    };
    let row: Total = db
        .fetch_one(
            Query::select()
                .expr_as(
                    sea_query::Func::cast_as(
                        sea_query::Func::coalesce([
                            Expr::from(sea_query::Func::sum(Expr::col(Transfers::Amount))),
                            Expr::val(0i64),
                        ]),
                        sea_query::Alias::new("BIGINT"),
                    ),
                    sea_query::Alias::new("total"),
                )
                .from(Transfers::Table)
                .and_where(Expr::col(side).eq(account))
                .and_where(Expr::col(Transfers::Kind).is_in(["transfer", "post"])),
        )
        .await?;
    Ok(row.total)
}

/// The `seq` of a currency's first transfer made at or after `at`, if any: the first time at
/// or after `at` (an index seek), then the lowest seq of the transfers made at that very
/// time (one batch of the writer shares its time).
pub async fn first_seq_from(db: &Db, currency: CurrencyId, at: i64) -> Result<Option<i64>> {
    #[derive(sqlx::FromRow)]
    struct Time {
        created_at: i64,
    }
    #[derive(sqlx::FromRow)]
    struct Seq {
        seq: Option<i64>,
    }
    let first: Option<Time> = db
        .fetch_optional(
            Query::select()
                .column(Transfers::CreatedAt)
                .from(Transfers::Table)
                .and_where(Expr::col(Transfers::CurrencyId).eq(currency))
                .and_where(Expr::col(Transfers::CreatedAt).gte(at))
                .order_by(Transfers::CreatedAt, Order::Asc)
                .limit(1),
        )
        .await?;
    let Some(first) = first else { return Ok(None) };
    let row: Seq = db
        .fetch_one(
            Query::select()
                .expr_as(
                    Expr::col(Transfers::Seq).min(),
                    sea_query::Alias::new("seq"),
                )
                .from(Transfers::Table)
                .and_where(Expr::col(Transfers::CurrencyId).eq(currency))
                .and_where(Expr::col(Transfers::CreatedAt).eq(first.created_at)),
        )
        .await?;
    Ok(row.seq)
}

/// How many transfers of a currency were posted in `[from, to)`, and their sum, from the
/// covering index by time.
pub async fn posted_between(
    db: &Db,
    currency: CurrencyId,
    from: i64,
    to: i64,
) -> Result<(i64, i64)> {
    #[derive(sqlx::FromRow)]
    struct Sums {
        n: i64,
        total: i64,
    }
    let row: Sums = db
        .fetch_one(
            Query::select()
                .expr_as(
                    Expr::col(Transfers::Amount).count(),
                    sea_query::Alias::new("n"),
                )
                .expr_as(
                    sea_query::Func::cast_as(
                        sea_query::Func::coalesce([
                            Expr::from(sea_query::Func::sum(Expr::col(Transfers::Amount))),
                            Expr::val(0i64),
                        ]),
                        sea_query::Alias::new("BIGINT"),
                    ),
                    sea_query::Alias::new("total"),
                )
                .from(Transfers::Table)
                .and_where(Expr::col(Transfers::CurrencyId).eq(currency))
                .and_where(Expr::col(Transfers::CreatedAt).gte(from))
                .and_where(Expr::col(Transfers::CreatedAt).lt(to))
                .and_where(Expr::col(Transfers::Kind).is_in(["transfer", "post"])),
        )
        .await?;
    Ok((row.n, row.total))
}

/// Each account of a currency with its last posted movement before `seq` on either side:
/// the `seq` and the balance after it (`None`: it had none).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LastMove {
    pub account: AccountId,
    pub debit_seq: Option<i64>,
    pub debit_balance: Option<i64>,
    pub credit_seq: Option<i64>,
    pub credit_balance: Option<i64>,
}

impl LastMove {
    /// The seq and posted balance after the account's last movement before the bound.
    pub fn last(&self) -> Option<(i64, i64)> {
        let debit = self.debit_seq.zip(self.debit_balance);
        let credit = self.credit_seq.zip(self.credit_balance);
        match (debit, credit) {
            (Some(d), Some(c)) => Some(if d.0 > c.0 { d } else { c }),
            (d, c) => d.or(c),
        }
    }
}

/// For every account of `currency`, its last posted movement before `seq` (a balance at a
/// moment in the past): four index seeks per account, in one statement.
pub async fn last_moves_before(db: &Db, currency: CurrencyId, seq: i64) -> Result<Vec<LastMove>> {
    // `seq` is a number this crate computed, never text from a request.
    let side = |column: &str, side: &str| {
        Expr::cust(format!(
            "(SELECT t.{column} FROM transfers t WHERE t.{side}_account_id = ledger_accounts.id \
             AND t.seq < {seq} AND t.kind IN ('transfer', 'post') ORDER BY t.seq DESC LIMIT 1)"
        ))
    };
    db.fetch_all(
        Query::select()
            .expr_as(
                Expr::col((LedgerAccounts::Table, LedgerAccounts::Id)),
                sea_query::Alias::new("account"),
            )
            .expr_as(side("seq", "debit"), sea_query::Alias::new("debit_seq"))
            .expr_as(
                side("debit_balance", "debit"),
                sea_query::Alias::new("debit_balance"),
            )
            .expr_as(side("seq", "credit"), sea_query::Alias::new("credit_seq"))
            .expr_as(
                side("credit_balance", "credit"),
                sea_query::Alias::new("credit_balance"),
            )
            .from(LedgerAccounts::Table)
            .and_where(Expr::col((LedgerAccounts::Table, LedgerAccounts::CurrencyId)).eq(currency)),
    )
    .await
}

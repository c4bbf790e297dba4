//! The credit tool's queries, written once for both databases.

use kernel::Result;
use kernel::db::{Db, Tx};
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Order, Query};

use crate::model::*;

#[derive(Iden, Clone, Copy)]
pub enum CreditPools {
    Table,
    Id,
    GroupId,
    CurrencyId,
    AccountId,
    Name,
    Description,
    Rule,
    Required,
    PassRule,
    Budget,
    CreatedBy,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum CreditPoolApprovers {
    Table,
    PoolId,
    AccountId,
}

#[derive(Iden, Clone, Copy)]
pub enum CreditSpends {
    Table,
    Id,
    PoolId,
    TransferId,
    LedgerKey,
    ToAccount,
    Amount,
    Memo,
    Category,
    Payee,
    State,
    MotionId,
    ExpenseId,
    CreatedBy,
    CreatedAt,
    EndedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum CreditApprovals {
    Table,
    SubjectId,
    AccountId,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum CreditExpenses {
    Table,
    Id,
    PoolId,
    Claimant,
    Amount,
    Description,
    Category,
    State,
    MotionId,
    SpendId,
    Note,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum CreditDues {
    Table,
    Id,
    GroupId,
    CurrencyId,
    PoolId,
    Name,
    Amount,
    Interval,
    StartsAt,
    Roles,
    NextDueAt,
    Cycles,
    CreatedBy,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum CreditObligations {
    Table,
    Id,
    DuesId,
    GroupId,
    AccountId,
    DueAt,
    Amount,
    State,
    LedgerKey,
    TransferId,
    PaidAt,
    PaidBy,
    Note,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum CreditPaymentRequests {
    Table,
    Id,
    CurrencyId,
    GroupId,
    FromAccount,
    ToAccount,
    Payer,
    Requester,
    Amount,
    Memo,
    State,
    TransferId,
    CreatedAt,
    EndedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum CreditConfirmations {
    Table,
    TransferId,
    Payer,
    Payee,
    State,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum CreditPreferences {
    Table,
    AccountId,
    ConfirmIncoming,
}

#[derive(Iden, Clone, Copy)]
pub enum CreditMainAccounts {
    Table,
    CurrencyId,
    AccountId,
}

// Pools.

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PoolRow {
    pub id: PoolId,
    pub group_id: GroupId,
    pub currency_id: CurrencyId,
    pub account_id: AccountId,
    pub name: String,
    pub description: String,
    pub rule: String,
    pub required: i64,
    pub pass_rule: String,
    pub budget: String,
    pub created_by: Option<PersonId>,
    pub created_at: i64,
}

const POOL_COLUMNS: [CreditPools; 12] = [
    CreditPools::Id,
    CreditPools::GroupId,
    CreditPools::CurrencyId,
    CreditPools::AccountId,
    CreditPools::Name,
    CreditPools::Description,
    CreditPools::Rule,
    CreditPools::Required,
    CreditPools::PassRule,
    CreditPools::Budget,
    CreditPools::CreatedBy,
    CreditPools::CreatedAt,
];

pub async fn insert_pool(tx: &mut Tx, p: &PoolRow, approvers: &[PersonId]) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(CreditPools::Table)
            .columns(POOL_COLUMNS)
            .values_panic([
                p.id.into(),
                p.group_id.into(),
                p.currency_id.into(),
                p.account_id.into(),
                p.name.clone().into(),
                p.description.clone().into(),
                p.rule.clone().into(),
                p.required.into(),
                p.pass_rule.clone().into(),
                p.budget.clone().into(),
                p.created_by.map(|a| a.0).into(),
                p.created_at.into(),
            ]),
    )
    .await?;
    if !approvers.is_empty() {
        let mut q = Query::insert()
            .into_table(CreditPoolApprovers::Table)
            .columns([CreditPoolApprovers::PoolId, CreditPoolApprovers::AccountId])
            .to_owned();
        for a in approvers {
            q.values_panic([p.id.into(), a.0.into()]);
        }
        tx.execute(&q).await?;
    }
    Ok(())
}

pub async fn pool(db: &Db, id: PoolId) -> Result<Option<PoolRow>> {
    db.fetch_optional(
        Query::select()
            .columns(POOL_COLUMNS)
            .from(CreditPools::Table)
            .and_where(Expr::col(CreditPools::Id).eq(id)),
    )
    .await
}

pub async fn pools_of_group(db: &Db, group: GroupId) -> Result<Vec<PoolRow>> {
    db.fetch_all(
        Query::select()
            .columns(POOL_COLUMNS)
            .from(CreditPools::Table)
            .and_where(Expr::col(CreditPools::GroupId).eq(group))
            .order_by(CreditPools::Id, Order::Asc)
            .limit(500),
    )
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PersonRow {
    pub account_id: PersonId,
}

pub async fn approvers(db: &Db, pool: PoolId) -> Result<Vec<PersonId>> {
    let rows: Vec<PersonRow> = db
        .fetch_all(
            Query::select()
                .column(CreditPoolApprovers::AccountId)
                .from(CreditPoolApprovers::Table)
                .and_where(Expr::col(CreditPoolApprovers::PoolId).eq(pool))
                .order_by(CreditPoolApprovers::AccountId, Order::Asc),
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.account_id).collect())
}

// Spends.

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SpendRow {
    pub id: SpendId,
    pub pool_id: PoolId,
    pub transfer_id: Option<TransferId>,
    pub ledger_key: String,
    pub to_account: AccountId,
    pub amount: i64,
    pub memo: String,
    pub category: Option<String>,
    pub payee: Option<String>,
    pub state: String,
    pub motion_id: Option<MotionId>,
    pub expense_id: Option<ExpenseId>,
    pub created_by: PersonId,
    pub created_at: i64,
    pub ended_at: Option<i64>,
}

const SPEND_COLUMNS: [CreditSpends; 15] = [
    CreditSpends::Id,
    CreditSpends::PoolId,
    CreditSpends::TransferId,
    CreditSpends::LedgerKey,
    CreditSpends::ToAccount,
    CreditSpends::Amount,
    CreditSpends::Memo,
    CreditSpends::Category,
    CreditSpends::Payee,
    CreditSpends::State,
    CreditSpends::MotionId,
    CreditSpends::ExpenseId,
    CreditSpends::CreatedBy,
    CreditSpends::CreatedAt,
    CreditSpends::EndedAt,
];

pub async fn insert_spend(tx: &mut Tx, s: &SpendRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(CreditSpends::Table)
            .columns(SPEND_COLUMNS)
            .values_panic([
                s.id.into(),
                s.pool_id.into(),
                s.transfer_id.map(|t| t.0).into(),
                s.ledger_key.clone().into(),
                s.to_account.into(),
                s.amount.into(),
                s.memo.clone().into(),
                s.category.clone().into(),
                s.payee.clone().into(),
                s.state.clone().into(),
                s.motion_id.map(|m| m.0).into(),
                s.expense_id.map(|e| e.0).into(),
                s.created_by.into(),
                s.created_at.into(),
                s.ended_at.into(),
            ]),
    )
    .await?;
    Ok(())
}

pub async fn spend(db: &Db, id: SpendId) -> Result<Option<SpendRow>> {
    db.fetch_optional(
        Query::select()
            .columns(SPEND_COLUMNS)
            .from(CreditSpends::Table)
            .and_where(Expr::col(CreditSpends::Id).eq(id)),
    )
    .await
}

pub async fn spend_by_transfer(db: &Db, transfer: TransferId) -> Result<Option<SpendRow>> {
    db.fetch_optional(
        Query::select()
            .columns(SPEND_COLUMNS)
            .from(CreditSpends::Table)
            .and_where(Expr::col(CreditSpends::TransferId).eq(transfer)),
    )
    .await
}

pub async fn spend_by_key(db: &Db, key: &str) -> Result<Option<SpendRow>> {
    db.fetch_optional(
        Query::select()
            .columns(SPEND_COLUMNS)
            .from(CreditSpends::Table)
            .and_where(Expr::col(CreditSpends::LedgerKey).eq(key)),
    )
    .await
}

/// A pool's spends, newest first; only those in `state` when given.
pub async fn spends_of_pool(
    db: &Db,
    pool: PoolId,
    state: Option<SpendState>,
    limit: u64,
) -> Result<Vec<SpendRow>> {
    let mut q = Query::select()
        .columns(SPEND_COLUMNS)
        .from(CreditSpends::Table)
        .and_where(Expr::col(CreditSpends::PoolId).eq(pool))
        .order_by(CreditSpends::CreatedAt, Order::Desc)
        .limit(limit)
        .to_owned();
    if let Some(state) = state {
        q.and_where(Expr::col(CreditSpends::State).eq(state.as_str()));
    }
    db.fetch_all(&q).await
}

/// Spends still waiting: being reserved, or for approvals or a decision.
pub async fn waiting_spends(db: &Db) -> Result<Vec<SpendRow>> {
    db.fetch_all(
        Query::select()
            .columns(SPEND_COLUMNS)
            .from(CreditSpends::Table)
            .and_where(
                Expr::col(CreditSpends::State)
                    .is_in([SpendState::Reserving.as_str(), SpendState::Pending.as_str()]),
            )
            .order_by(CreditSpends::CreatedAt, Order::Asc)
            .limit(1000),
    )
    .await
}

/// Moves a spend from `from` to `to` (with its transfer and motion when known); answers
/// whether it was still in `from` — one request wins a race to end a spend.
pub async fn set_spend_state(
    tx: &mut Tx,
    id: SpendId,
    from: &[SpendState],
    to: SpendState,
    transfer: Option<TransferId>,
    motion: Option<MotionId>,
    ended_at: Option<i64>,
) -> Result<bool> {
    let mut q = Query::update()
        .table(CreditSpends::Table)
        .value(CreditSpends::State, to.as_str())
        .and_where(Expr::col(CreditSpends::Id).eq(id))
        .and_where(Expr::col(CreditSpends::State).is_in(from.iter().map(|s| s.as_str())))
        .to_owned();
    if let Some(t) = transfer {
        q.value(CreditSpends::TransferId, t.0);
    }
    if let Some(m) = motion {
        q.value(CreditSpends::MotionId, m.0);
    }
    if let Some(at) = ended_at {
        q.value(CreditSpends::EndedAt, at);
    }
    Ok(tx.execute(&q).await? == 1)
}

pub async fn delete_spend(tx: &mut Tx, id: SpendId) -> Result<()> {
    tx.execute(
        Query::delete()
            .from_table(CreditSpends::Table)
            .and_where(Expr::col(CreditSpends::Id).eq(id)),
    )
    .await?;
    Ok(())
}

// Approvals (of spends and of claims).

/// Records `who`'s approval; answers false when they had already approved.
pub async fn approve(tx: &mut Tx, subject: uuid::Uuid, who: PersonId, at: i64) -> Result<bool> {
    let n = tx
        .execute(
            Query::insert()
                .into_table(CreditApprovals::Table)
                .columns([
                    CreditApprovals::SubjectId,
                    CreditApprovals::AccountId,
                    CreditApprovals::CreatedAt,
                ])
                .values_panic([subject.into(), who.0.into(), at.into()])
                .on_conflict(
                    OnConflict::columns([CreditApprovals::SubjectId, CreditApprovals::AccountId])
                        .do_nothing()
                        .to_owned(),
                ),
        )
        .await?;
    Ok(n == 1)
}

pub async fn approvals_in(tx: &mut Tx, subject: uuid::Uuid) -> Result<Vec<PersonId>> {
    let rows: Vec<PersonRow> = tx
        .fetch_all(
            Query::select()
                .column(CreditApprovals::AccountId)
                .from(CreditApprovals::Table)
                .and_where(Expr::col(CreditApprovals::SubjectId).eq(subject))
                .order_by(CreditApprovals::CreatedAt, Order::Asc),
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.account_id).collect())
}

/// Who approved a spend or a claim, first first.
pub async fn approvals_of(db: &Db, subject: uuid::Uuid) -> Result<Vec<PersonId>> {
    let rows: Vec<PersonRow> = db
        .fetch_all(
            Query::select()
                .column(CreditApprovals::AccountId)
                .from(CreditApprovals::Table)
                .and_where(Expr::col(CreditApprovals::SubjectId).eq(subject))
                .order_by(CreditApprovals::CreatedAt, Order::Asc),
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.account_id).collect())
}

// Expense claims.

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExpenseRow {
    pub id: ExpenseId,
    pub pool_id: PoolId,
    pub claimant: PersonId,
    pub amount: i64,
    pub description: String,
    pub category: Option<String>,
    pub state: String,
    pub motion_id: Option<MotionId>,
    pub spend_id: Option<SpendId>,
    pub note: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const EXPENSE_COLUMNS: [CreditExpenses; 12] = [
    CreditExpenses::Id,
    CreditExpenses::PoolId,
    CreditExpenses::Claimant,
    CreditExpenses::Amount,
    CreditExpenses::Description,
    CreditExpenses::Category,
    CreditExpenses::State,
    CreditExpenses::MotionId,
    CreditExpenses::SpendId,
    CreditExpenses::Note,
    CreditExpenses::CreatedAt,
    CreditExpenses::UpdatedAt,
];

pub async fn insert_expense(tx: &mut Tx, e: &ExpenseRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(CreditExpenses::Table)
            .columns(EXPENSE_COLUMNS)
            .values_panic([
                e.id.into(),
                e.pool_id.into(),
                e.claimant.into(),
                e.amount.into(),
                e.description.clone().into(),
                e.category.clone().into(),
                e.state.clone().into(),
                e.motion_id.map(|m| m.0).into(),
                e.spend_id.map(|s| s.0).into(),
                e.note.clone().into(),
                e.created_at.into(),
                e.updated_at.into(),
            ]),
    )
    .await?;
    Ok(())
}

pub async fn expense(db: &Db, id: ExpenseId) -> Result<Option<ExpenseRow>> {
    db.fetch_optional(
        Query::select()
            .columns(EXPENSE_COLUMNS)
            .from(CreditExpenses::Table)
            .and_where(Expr::col(CreditExpenses::Id).eq(id)),
    )
    .await
}

pub async fn expenses_of_pool(db: &Db, pool: PoolId, limit: u64) -> Result<Vec<ExpenseRow>> {
    db.fetch_all(
        Query::select()
            .columns(EXPENSE_COLUMNS)
            .from(CreditExpenses::Table)
            .and_where(Expr::col(CreditExpenses::PoolId).eq(pool))
            .order_by(CreditExpenses::CreatedAt, Order::Desc)
            .limit(limit),
    )
    .await
}

/// Claims whose decision is still open or whose payment a stopped process left.
pub async fn waiting_expenses(db: &Db) -> Result<Vec<ExpenseRow>> {
    db.fetch_all(
        Query::select()
            .columns(EXPENSE_COLUMNS)
            .from(CreditExpenses::Table)
            .and_where(
                Expr::col(CreditExpenses::State)
                    .eq(ExpenseState::Paying.as_str())
                    .or(Expr::col(CreditExpenses::State)
                        .eq(ExpenseState::Submitted.as_str())
                        .and(Expr::col(CreditExpenses::MotionId).is_not_null())),
            )
            .limit(1000),
    )
    .await
}

/// What else a claim's move records.
#[derive(Debug, Clone, Copy, Default)]
pub struct Also<'a> {
    pub note: Option<&'a str>,
    pub motion: Option<MotionId>,
    pub spend: Option<SpendId>,
}

/// Moves a claim from one of `from` to `to`; answers whether it was in `from`.
pub async fn set_expense_state(
    tx: &mut Tx,
    id: ExpenseId,
    from: &[ExpenseState],
    to: ExpenseState,
    at: i64,
    also: Also<'_>,
) -> Result<bool> {
    let Also {
        note,
        motion,
        spend,
    } = also;
    let mut q = Query::update()
        .table(CreditExpenses::Table)
        .value(CreditExpenses::State, to.as_str())
        .value(CreditExpenses::UpdatedAt, at)
        .and_where(Expr::col(CreditExpenses::Id).eq(id))
        .and_where(Expr::col(CreditExpenses::State).is_in(from.iter().map(|s| s.as_str())))
        .to_owned();
    if let Some(note) = note {
        q.value(CreditExpenses::Note, note);
    }
    if let Some(m) = motion {
        q.value(CreditExpenses::MotionId, m.0);
    }
    if let Some(s) = spend {
        q.value(CreditExpenses::SpendId, s.0);
    }
    Ok(tx.execute(&q).await? == 1)
}

// Dues.

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DuesRow {
    pub id: DuesId,
    pub group_id: GroupId,
    pub currency_id: CurrencyId,
    pub pool_id: PoolId,
    pub name: String,
    pub amount: i64,
    pub interval: String,
    pub starts_at: i64,
    pub roles: String,
    pub next_due_at: i64,
    pub cycles: i64,
    pub created_by: Option<PersonId>,
    pub created_at: i64,
}

const DUES_COLUMNS: [CreditDues; 13] = [
    CreditDues::Id,
    CreditDues::GroupId,
    CreditDues::CurrencyId,
    CreditDues::PoolId,
    CreditDues::Name,
    CreditDues::Amount,
    CreditDues::Interval,
    CreditDues::StartsAt,
    CreditDues::Roles,
    CreditDues::NextDueAt,
    CreditDues::Cycles,
    CreditDues::CreatedBy,
    CreditDues::CreatedAt,
];

pub async fn insert_dues(tx: &mut Tx, d: &DuesRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(CreditDues::Table)
            .columns(DUES_COLUMNS)
            .values_panic([
                d.id.into(),
                d.group_id.into(),
                d.currency_id.into(),
                d.pool_id.into(),
                d.name.clone().into(),
                d.amount.into(),
                d.interval.clone().into(),
                d.starts_at.into(),
                d.roles.clone().into(),
                d.next_due_at.into(),
                d.cycles.into(),
                d.created_by.map(|a| a.0).into(),
                d.created_at.into(),
            ]),
    )
    .await?;
    Ok(())
}

pub async fn dues(db: &Db, id: DuesId) -> Result<Option<DuesRow>> {
    db.fetch_optional(
        Query::select()
            .columns(DUES_COLUMNS)
            .from(CreditDues::Table)
            .and_where(Expr::col(CreditDues::Id).eq(id)),
    )
    .await
}

pub async fn dues_of_group(db: &Db, group: GroupId) -> Result<Vec<DuesRow>> {
    db.fetch_all(
        Query::select()
            .columns(DUES_COLUMNS)
            .from(CreditDues::Table)
            .and_where(Expr::col(CreditDues::GroupId).eq(group))
            .order_by(CreditDues::Id, Order::Asc)
            .limit(500),
    )
    .await
}

/// Moves a schedule on to its next due date, if it still stands at `from` (one job run wins).
pub async fn advance_dues(tx: &mut Tx, id: DuesId, from: i64, to: i64) -> Result<bool> {
    let n = tx
        .execute(
            Query::update()
                .table(CreditDues::Table)
                .value(CreditDues::NextDueAt, to)
                .value(CreditDues::Cycles, Expr::col(CreditDues::Cycles).add(1))
                .and_where(Expr::col(CreditDues::Id).eq(id))
                .and_where(Expr::col(CreditDues::NextDueAt).eq(from)),
        )
        .await?;
    Ok(n == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ObligationRow {
    pub id: ObligationId,
    pub dues_id: DuesId,
    pub group_id: GroupId,
    pub account_id: PersonId,
    pub due_at: i64,
    pub amount: i64,
    pub state: String,
    pub ledger_key: Option<String>,
    pub transfer_id: Option<TransferId>,
    pub paid_at: Option<i64>,
    pub paid_by: Option<PersonId>,
    pub note: Option<String>,
    pub created_at: i64,
}

const OBLIGATION_COLUMNS: [CreditObligations; 13] = [
    CreditObligations::Id,
    CreditObligations::DuesId,
    CreditObligations::GroupId,
    CreditObligations::AccountId,
    CreditObligations::DueAt,
    CreditObligations::Amount,
    CreditObligations::State,
    CreditObligations::LedgerKey,
    CreditObligations::TransferId,
    CreditObligations::PaidAt,
    CreditObligations::PaidBy,
    CreditObligations::Note,
    CreditObligations::CreatedAt,
];

/// Creates the obligations of one cycle; one already there (a job run twice) is kept.
pub async fn insert_obligations(tx: &mut Tx, rows: &[ObligationRow]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut q = Query::insert()
        .into_table(CreditObligations::Table)
        .columns(OBLIGATION_COLUMNS)
        .on_conflict(
            OnConflict::columns([
                CreditObligations::DuesId,
                CreditObligations::AccountId,
                CreditObligations::DueAt,
            ])
            .do_nothing()
            .to_owned(),
        )
        .to_owned();
    for o in rows {
        q.values_panic([
            o.id.into(),
            o.dues_id.into(),
            o.group_id.into(),
            o.account_id.into(),
            o.due_at.into(),
            o.amount.into(),
            o.state.clone().into(),
            o.ledger_key.clone().into(),
            o.transfer_id.map(|t| t.0).into(),
            o.paid_at.into(),
            o.paid_by.map(|p| p.0).into(),
            o.note.clone().into(),
            o.created_at.into(),
        ]);
    }
    tx.execute(&q).await?;
    Ok(())
}

pub async fn obligation(db: &Db, id: ObligationId) -> Result<Option<ObligationRow>> {
    db.fetch_optional(
        Query::select()
            .columns(OBLIGATION_COLUMNS)
            .from(CreditObligations::Table)
            .and_where(Expr::col(CreditObligations::Id).eq(id)),
    )
    .await
}

/// A schedule's obligations, latest due first; only one member's when `only` is given.
pub async fn obligations_of_dues(
    db: &Db,
    dues: DuesId,
    only: Option<PersonId>,
    limit: u64,
) -> Result<Vec<ObligationRow>> {
    let mut q = Query::select()
        .columns(OBLIGATION_COLUMNS)
        .from(CreditObligations::Table)
        .and_where(Expr::col(CreditObligations::DuesId).eq(dues))
        .order_by(CreditObligations::DueAt, Order::Desc)
        .order_by(CreditObligations::AccountId, Order::Asc)
        .limit(limit)
        .to_owned();
    if let Some(p) = only {
        q.and_where(Expr::col(CreditObligations::AccountId).eq(p));
    }
    db.fetch_all(&q).await
}

/// A group's unpaid obligations due before `before`, oldest first (its arrears).
pub async fn unpaid_of_group(
    db: &Db,
    group: GroupId,
    before: i64,
    only: Option<PersonId>,
) -> Result<Vec<ObligationRow>> {
    let mut q = Query::select()
        .columns(OBLIGATION_COLUMNS)
        .from(CreditObligations::Table)
        .and_where(Expr::col(CreditObligations::GroupId).eq(group))
        .and_where(Expr::col(CreditObligations::State).ne(ObligationState::Paid.as_str()))
        .and_where(Expr::col(CreditObligations::DueAt).lt(before))
        .order_by(CreditObligations::DueAt, Order::Asc)
        .limit(1000)
        .to_owned();
    if let Some(p) = only {
        q.and_where(Expr::col(CreditObligations::AccountId).eq(p));
    }
    db.fetch_all(&q).await
}

/// One person's open obligations everywhere.
pub async fn open_obligations_of(db: &Db, person: PersonId) -> Result<Vec<ObligationRow>> {
    db.fetch_all(
        Query::select()
            .columns(OBLIGATION_COLUMNS)
            .from(CreditObligations::Table)
            .and_where(Expr::col(CreditObligations::AccountId).eq(person))
            .and_where(Expr::col(CreditObligations::State).ne(ObligationState::Paid.as_str()))
            .order_by(CreditObligations::DueAt, Order::Asc)
            .limit(200),
    )
    .await
}

/// The obligations of one cycle of a schedule that are still unpaid.
pub async fn unpaid_of_cycle(db: &Db, dues: DuesId, due_at: i64) -> Result<Vec<ObligationRow>> {
    db.fetch_all(
        Query::select()
            .columns(OBLIGATION_COLUMNS)
            .from(CreditObligations::Table)
            .and_where(Expr::col(CreditObligations::DuesId).eq(dues))
            .and_where(Expr::col(CreditObligations::DueAt).eq(due_at))
            .and_where(Expr::col(CreditObligations::State).ne(ObligationState::Paid.as_str())),
    )
    .await
}

/// Obligations a stopped process left while paying them.
pub async fn paying_obligations(db: &Db) -> Result<Vec<ObligationRow>> {
    db.fetch_all(
        Query::select()
            .columns(OBLIGATION_COLUMNS)
            .from(CreditObligations::Table)
            .and_where(Expr::col(CreditObligations::State).eq(ObligationState::Paying.as_str()))
            .limit(1000),
    )
    .await
}

/// Writes the intent to pay an open obligation: who pays (`by`: the member, or who marks it
/// paid) under which ledger key; answers false when it is not open (paid, or being paid).
pub async fn intend_payment(
    tx: &mut Tx,
    id: ObligationId,
    key: &str,
    by: PersonId,
    note: Option<&str>,
) -> Result<bool> {
    let mut q = Query::update()
        .table(CreditObligations::Table)
        .value(CreditObligations::State, ObligationState::Paying.as_str())
        .value(CreditObligations::LedgerKey, key)
        .value(CreditObligations::PaidBy, by.0)
        .and_where(Expr::col(CreditObligations::Id).eq(id))
        .and_where(Expr::col(CreditObligations::State).eq(ObligationState::Open.as_str()))
        .to_owned();
    if let Some(note) = note {
        q.value(CreditObligations::Note, note);
    }
    Ok(tx.execute(&q).await? == 1)
}

/// Records that the ledger made the payment being made.
pub async fn record_payment(
    tx: &mut Tx,
    id: ObligationId,
    transfer: TransferId,
    at: i64,
) -> Result<bool> {
    let n = tx
        .execute(
            Query::update()
                .table(CreditObligations::Table)
                .value(CreditObligations::State, ObligationState::Paid.as_str())
                .value(CreditObligations::TransferId, transfer.0)
                .value(CreditObligations::PaidAt, at)
                .and_where(Expr::col(CreditObligations::Id).eq(id))
                .and_where(
                    Expr::col(CreditObligations::State).eq(ObligationState::Paying.as_str()),
                ),
        )
        .await?;
    Ok(n == 1)
}

/// Opens again an obligation whose payment the ledger did not make.
pub async fn reopen(tx: &mut Tx, id: ObligationId) -> Result<bool> {
    let n = tx
        .execute(
            Query::update()
                .table(CreditObligations::Table)
                .value(CreditObligations::State, ObligationState::Open.as_str())
                .value(CreditObligations::PaidBy, Option::<uuid::Uuid>::None)
                .value(CreditObligations::Note, Option::<String>::None)
                .and_where(Expr::col(CreditObligations::Id).eq(id))
                .and_where(
                    Expr::col(CreditObligations::State).eq(ObligationState::Paying.as_str()),
                ),
        )
        .await?;
    Ok(n == 1)
}

// Payment requests.

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RequestRow {
    pub id: RequestId,
    pub currency_id: CurrencyId,
    pub group_id: GroupId,
    pub from_account: AccountId,
    pub to_account: AccountId,
    pub payer: PersonId,
    pub requester: PersonId,
    pub amount: i64,
    pub memo: String,
    pub state: String,
    pub transfer_id: Option<TransferId>,
    pub created_at: i64,
    pub ended_at: Option<i64>,
}

const REQUEST_COLUMNS: [CreditPaymentRequests; 13] = [
    CreditPaymentRequests::Id,
    CreditPaymentRequests::CurrencyId,
    CreditPaymentRequests::GroupId,
    CreditPaymentRequests::FromAccount,
    CreditPaymentRequests::ToAccount,
    CreditPaymentRequests::Payer,
    CreditPaymentRequests::Requester,
    CreditPaymentRequests::Amount,
    CreditPaymentRequests::Memo,
    CreditPaymentRequests::State,
    CreditPaymentRequests::TransferId,
    CreditPaymentRequests::CreatedAt,
    CreditPaymentRequests::EndedAt,
];

pub async fn insert_request(tx: &mut Tx, r: &RequestRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(CreditPaymentRequests::Table)
            .columns(REQUEST_COLUMNS)
            .values_panic([
                r.id.into(),
                r.currency_id.into(),
                r.group_id.into(),
                r.from_account.into(),
                r.to_account.into(),
                r.payer.into(),
                r.requester.into(),
                r.amount.into(),
                r.memo.clone().into(),
                r.state.clone().into(),
                r.transfer_id.map(|t| t.0).into(),
                r.created_at.into(),
                r.ended_at.into(),
            ]),
    )
    .await?;
    Ok(())
}

pub async fn request(db: &Db, id: RequestId) -> Result<Option<RequestRow>> {
    db.fetch_optional(
        Query::select()
            .columns(REQUEST_COLUMNS)
            .from(CreditPaymentRequests::Table)
            .and_where(Expr::col(CreditPaymentRequests::Id).eq(id)),
    )
    .await
}

/// Requests to or from a person, newest first.
pub async fn requests_of(db: &Db, person: PersonId, limit: u64) -> Result<Vec<RequestRow>> {
    db.fetch_all(
        Query::select()
            .columns(REQUEST_COLUMNS)
            .from(CreditPaymentRequests::Table)
            .and_where(
                Expr::col(CreditPaymentRequests::Payer)
                    .eq(person)
                    .or(Expr::col(CreditPaymentRequests::Requester).eq(person)),
            )
            .order_by(CreditPaymentRequests::CreatedAt, Order::Desc)
            .limit(limit),
    )
    .await
}

pub async fn paying_requests(db: &Db) -> Result<Vec<RequestRow>> {
    db.fetch_all(
        Query::select()
            .columns(REQUEST_COLUMNS)
            .from(CreditPaymentRequests::Table)
            .and_where(Expr::col(CreditPaymentRequests::State).eq(RequestState::Paying.as_str()))
            .limit(1000),
    )
    .await
}

pub async fn set_request(
    tx: &mut Tx,
    id: RequestId,
    from: RequestState,
    to: RequestState,
    transfer: Option<TransferId>,
    at: Option<i64>,
) -> Result<bool> {
    let mut q = Query::update()
        .table(CreditPaymentRequests::Table)
        .value(CreditPaymentRequests::State, to.as_str())
        .and_where(Expr::col(CreditPaymentRequests::Id).eq(id))
        .and_where(Expr::col(CreditPaymentRequests::State).eq(from.as_str()))
        .to_owned();
    if let Some(t) = transfer {
        q.value(CreditPaymentRequests::TransferId, t.0);
    }
    if let Some(at) = at {
        q.value(CreditPaymentRequests::EndedAt, at);
    }
    Ok(tx.execute(&q).await? == 1)
}

// Payments awaiting the payee, and preferences.

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConfirmationRow {
    pub transfer_id: TransferId,
    pub payer: PersonId,
    pub payee: PersonId,
    pub state: String,
    pub created_at: i64,
}

const CONFIRMATION_COLUMNS: [CreditConfirmations; 5] = [
    CreditConfirmations::TransferId,
    CreditConfirmations::Payer,
    CreditConfirmations::Payee,
    CreditConfirmations::State,
    CreditConfirmations::CreatedAt,
];

pub async fn insert_confirmation(tx: &mut Tx, c: &ConfirmationRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(CreditConfirmations::Table)
            .columns(CONFIRMATION_COLUMNS)
            .values_panic([
                c.transfer_id.into(),
                c.payer.into(),
                c.payee.into(),
                c.state.clone().into(),
                c.created_at.into(),
            ])
            .on_conflict(
                OnConflict::column(CreditConfirmations::TransferId)
                    .do_nothing()
                    .to_owned(),
            ),
    )
    .await?;
    Ok(())
}

pub async fn confirmation(db: &Db, transfer: TransferId) -> Result<Option<ConfirmationRow>> {
    db.fetch_optional(
        Query::select()
            .columns(CONFIRMATION_COLUMNS)
            .from(CreditConfirmations::Table)
            .and_where(Expr::col(CreditConfirmations::TransferId).eq(transfer)),
    )
    .await
}

/// Payments waiting for `person` to accept them, or that `person` made and wait.
pub async fn open_confirmations(db: &Db, person: PersonId) -> Result<Vec<ConfirmationRow>> {
    db.fetch_all(
        Query::select()
            .columns(CONFIRMATION_COLUMNS)
            .from(CreditConfirmations::Table)
            .and_where(Expr::col(CreditConfirmations::State).eq("pending"))
            .and_where(
                Expr::col(CreditConfirmations::Payee)
                    .eq(person)
                    .or(Expr::col(CreditConfirmations::Payer).eq(person)),
            )
            .order_by(CreditConfirmations::CreatedAt, Order::Desc)
            .limit(200),
    )
    .await
}

pub async fn set_confirmation(tx: &mut Tx, transfer: TransferId, to: &str) -> Result<bool> {
    let n = tx
        .execute(
            Query::update()
                .table(CreditConfirmations::Table)
                .value(CreditConfirmations::State, to)
                .and_where(Expr::col(CreditConfirmations::TransferId).eq(transfer))
                .and_where(Expr::col(CreditConfirmations::State).eq("pending")),
        )
        .await?;
    Ok(n == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct PreferenceRow {
    confirm_incoming: i64,
}

pub async fn confirms_incoming(db: &Db, person: PersonId) -> Result<bool> {
    let row: Option<PreferenceRow> = db
        .fetch_optional(
            Query::select()
                .column(CreditPreferences::ConfirmIncoming)
                .from(CreditPreferences::Table)
                .and_where(Expr::col(CreditPreferences::AccountId).eq(person)),
        )
        .await?;
    Ok(row.is_some_and(|r| r.confirm_incoming != 0))
}

pub async fn set_preferences(tx: &mut Tx, person: PersonId, confirm: bool) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(CreditPreferences::Table)
            .columns([
                CreditPreferences::AccountId,
                CreditPreferences::ConfirmIncoming,
            ])
            .values_panic([person.0.into(), i64::from(confirm).into()])
            .on_conflict(
                OnConflict::column(CreditPreferences::AccountId)
                    .update_column(CreditPreferences::ConfirmIncoming)
                    .to_owned(),
            ),
    )
    .await?;
    Ok(())
}

// Main accounts of tracked currencies.

#[derive(Debug, Clone, sqlx::FromRow)]
struct MainRow {
    account_id: AccountId,
}

pub async fn main_account(db: &Db, currency: CurrencyId) -> Result<Option<AccountId>> {
    let row: Option<MainRow> = db
        .fetch_optional(
            Query::select()
                .column(CreditMainAccounts::AccountId)
                .from(CreditMainAccounts::Table)
                .and_where(Expr::col(CreditMainAccounts::CurrencyId).eq(currency)),
        )
        .await?;
    Ok(row.map(|r| r.account_id))
}

/// Records the currency's main account; false when another was recorded first.
pub async fn insert_main_account(
    db: &Db,
    currency: CurrencyId,
    account: AccountId,
) -> Result<bool> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            Query::insert()
                .into_table(CreditMainAccounts::Table)
                .columns([
                    CreditMainAccounts::CurrencyId,
                    CreditMainAccounts::AccountId,
                ])
                .values_panic([currency.into(), account.into()])
                .on_conflict(
                    OnConflict::column(CreditMainAccounts::CurrencyId)
                        .do_nothing()
                        .to_owned(),
                ),
        )
        .await?;
    tx.commit().await?;
    Ok(n == 1)
}

// Currency health of closed months.

#[derive(Iden, Clone, Copy)]
pub enum CreditHealthMonths {
    Table,
    CurrencyId,
    Month,
    Transfers,
    Volume,
    Traders,
    SupplyEnd,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HealthMonthRow {
    pub month: String,
    pub transfers: i64,
    pub volume: i64,
    pub traders: i64,
    pub supply_end: i64,
}

/// The figures kept for a currency's closed months.
pub async fn health_months(db: &Db, currency: CurrencyId) -> Result<Vec<HealthMonthRow>> {
    db.fetch_all(
        Query::select()
            .columns([
                CreditHealthMonths::Month,
                CreditHealthMonths::Transfers,
                CreditHealthMonths::Volume,
                CreditHealthMonths::Traders,
                CreditHealthMonths::SupplyEnd,
            ])
            .from(CreditHealthMonths::Table)
            .and_where(Expr::col(CreditHealthMonths::CurrencyId).eq(currency))
            .order_by(CreditHealthMonths::Month, Order::Asc),
    )
    .await
}

/// Keeps the figures of closed months (a month counted twice keeps its first count).
pub async fn keep_health_months(
    db: &Db,
    currency: CurrencyId,
    rows: &[HealthMonthRow],
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut q = Query::insert()
        .into_table(CreditHealthMonths::Table)
        .columns([
            CreditHealthMonths::CurrencyId,
            CreditHealthMonths::Month,
            CreditHealthMonths::Transfers,
            CreditHealthMonths::Volume,
            CreditHealthMonths::Traders,
            CreditHealthMonths::SupplyEnd,
        ])
        .on_conflict(
            OnConflict::columns([CreditHealthMonths::CurrencyId, CreditHealthMonths::Month])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    for r in rows {
        q.values_panic([
            currency.into(),
            r.month.clone().into(),
            r.transfers.into(),
            r.volume.into(),
            r.traders.into(),
            r.supply_end.into(),
        ]);
    }
    let mut tx = db.begin().await?;
    tx.execute(&q).await?;
    tx.commit().await
}

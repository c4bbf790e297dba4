//! The budget tool's queries, written once for both databases.

use kernel::Result;
use kernel::db::{Db, Tx};
use sea_query::{Alias, Expr, ExprTrait, Iden, OnConflict, Order, Query, SelectStatement};

use crate::model::*;

#[derive(Iden, Clone, Copy)]
enum BudgetRounds {
    Table,
    Id,
    GroupId,
    Title,
    Description,
    Guidelines,
    CurrencyId,
    Mechanism,
    PoolId,
    PoolAccountId,
    Budget,
    Allocation,
    MaxPerBucket,
    ProposalsUntil,
    ReviewUntil,
    FundingUntil,
    Phase,
    Recurring,
    VoteRule,
    ThresholdPct,
    MinProjects,
    MinSelected,
    MaxSelected,
    PairwiseM,
    Proposers,
    Funders,
    CreatedBy,
    CreatedAt,
    ClosedAt,
    Results,
    PreviousId,
    NextId,
}

#[derive(Iden, Clone, Copy)]
enum BudgetBuckets {
    Table,
    Id,
    RoundId,
    Seq,
    Title,
    Description,
    Items,
    Tags,
    Goal,
    Stretch,
    Review,
    ReviewNote,
    State,
    Contributed,
    Drawn,
    PaidOut,
    Returned,
    AccountId,
    CreatedBy,
    CreatedAt,
    FundedAt,
    CompletedAt,
}

#[derive(Iden, Clone, Copy)]
enum BudgetCreators {
    Table,
    BucketId,
    AccountId,
}

#[derive(Iden, Clone, Copy)]
enum BudgetContributions {
    Table,
    Id,
    RoundId,
    BucketId,
    AccountId,
    Amount,
    IdemKey,
    Refunded,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
enum BudgetAllocations {
    Table,
    RoundId,
    AccountId,
    Amount,
}

#[derive(Iden, Clone, Copy)]
enum BudgetBallots {
    Table,
    RoundId,
    AccountId,
    Buckets,
    CastAt,
}

#[derive(Iden, Clone, Copy)]
enum BudgetPayouts {
    Table,
    Id,
    BucketId,
    ToAccount,
    Amount,
    Item,
    Memo,
    IdemKey,
    CreatedBy,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
enum BudgetMoves {
    Table,
    Key,
    BucketId,
    Kind,
    FromAcct,
    ToAcct,
    Amount,
    ActorId,
    Memo,
    State,
    CreatedAt,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoundRow {
    pub id: RoundId,
    pub group_id: GroupId,
    pub title: String,
    pub description: String,
    pub guidelines: String,
    pub currency_id: CurrencyId,
    pub mechanism: String,
    pub pool_id: Option<uuid::Uuid>,
    pub pool_account_id: Option<LedgerAccountId>,
    pub budget: Option<i64>,
    pub allocation: Option<i64>,
    pub max_per_bucket: Option<i64>,
    pub proposals_until: Option<i64>,
    pub review_until: Option<i64>,
    pub funding_until: Option<i64>,
    pub phase: String,
    pub recurring: Option<String>,
    pub vote_rule: String,
    pub threshold_pct: Option<i64>,
    pub min_projects: Option<i64>,
    pub min_selected: Option<i64>,
    pub max_selected: Option<i64>,
    pub pairwise_m: Option<i64>,
    pub proposers: String,
    pub funders: String,
    pub created_by: AccountId,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub results: Option<String>,
    pub previous_id: Option<RoundId>,
    pub next_id: Option<RoundId>,
}

impl RoundRow {
    pub fn mechanism(&self) -> Mechanism {
        self.mechanism.parse().unwrap_or(Mechanism::Cobudget)
    }

    pub fn phase(&self) -> Phase {
        self.phase.parse().unwrap_or(Phase::Closed)
    }

    pub fn guideline_list(&self) -> Vec<String> {
        serde_json::from_str(&self.guidelines).unwrap_or_default()
    }

    pub fn phases(&self) -> Phases {
        Phases {
            proposals_until: self.proposals_until.map(kernel::Timestamp),
            review_until: self.review_until.map(kernel::Timestamp),
            funding_until: self.funding_until.map(kernel::Timestamp),
        }
    }

    /// Whether buckets wait for a reviewer's approval before they are funded.
    pub fn reviewed(&self) -> bool {
        self.review_until.is_some()
    }
}

const ROUND_COLUMNS: [BudgetRounds; 31] = [
    BudgetRounds::Id,
    BudgetRounds::GroupId,
    BudgetRounds::Title,
    BudgetRounds::Description,
    BudgetRounds::Guidelines,
    BudgetRounds::CurrencyId,
    BudgetRounds::Mechanism,
    BudgetRounds::PoolId,
    BudgetRounds::PoolAccountId,
    BudgetRounds::Budget,
    BudgetRounds::Allocation,
    BudgetRounds::MaxPerBucket,
    BudgetRounds::ProposalsUntil,
    BudgetRounds::ReviewUntil,
    BudgetRounds::FundingUntil,
    BudgetRounds::Phase,
    BudgetRounds::Recurring,
    BudgetRounds::VoteRule,
    BudgetRounds::ThresholdPct,
    BudgetRounds::MinProjects,
    BudgetRounds::MinSelected,
    BudgetRounds::MaxSelected,
    BudgetRounds::PairwiseM,
    BudgetRounds::Proposers,
    BudgetRounds::Funders,
    BudgetRounds::CreatedBy,
    BudgetRounds::CreatedAt,
    BudgetRounds::ClosedAt,
    BudgetRounds::Results,
    BudgetRounds::PreviousId,
    BudgetRounds::NextId,
];

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BucketRow {
    pub id: BucketId,
    pub round_id: RoundId,
    pub seq: i64,
    pub title: String,
    pub description: String,
    pub items: String,
    pub tags: String,
    pub goal: i64,
    pub stretch: i64,
    pub review: String,
    pub review_note: String,
    pub state: String,
    pub contributed: i64,
    pub drawn: i64,
    pub paid_out: i64,
    pub returned: i64,
    pub account_id: Option<LedgerAccountId>,
    pub created_by: AccountId,
    pub created_at: i64,
    pub funded_at: Option<i64>,
    pub completed_at: Option<i64>,
}

/// A budget item as stored, in units.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct ItemRow {
    pub name: String,
    pub min: i64,
    pub max: i64,
}

impl BucketRow {
    pub fn state(&self) -> BucketState {
        self.state.parse().unwrap_or(BucketState::Cancelled)
    }

    pub fn review(&self) -> Review {
        self.review.parse().unwrap_or(Review::Pending)
    }

    pub fn item_list(&self) -> Vec<ItemRow> {
        serde_json::from_str(&self.items).unwrap_or_default()
    }

    pub fn tag_list(&self) -> Vec<String> {
        serde_json::from_str(&self.tags).unwrap_or_default()
    }

    /// Money the tool holds for it on the ledger now.
    pub fn held(&self) -> i64 {
        self.drawn - self.paid_out - self.returned
    }
}

const BUCKET_COLUMNS: [BudgetBuckets; 21] = [
    BudgetBuckets::Id,
    BudgetBuckets::RoundId,
    BudgetBuckets::Seq,
    BudgetBuckets::Title,
    BudgetBuckets::Description,
    BudgetBuckets::Items,
    BudgetBuckets::Tags,
    BudgetBuckets::Goal,
    BudgetBuckets::Stretch,
    BudgetBuckets::Review,
    BudgetBuckets::ReviewNote,
    BudgetBuckets::State,
    BudgetBuckets::Contributed,
    BudgetBuckets::Drawn,
    BudgetBuckets::PaidOut,
    BudgetBuckets::Returned,
    BudgetBuckets::AccountId,
    BudgetBuckets::CreatedBy,
    BudgetBuckets::CreatedAt,
    BudgetBuckets::FundedAt,
    BudgetBuckets::CompletedAt,
];

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContributionRow {
    pub id: ContributionId,
    pub round_id: RoundId,
    pub bucket_id: BucketId,
    pub account_id: AccountId,
    pub amount: i64,
    pub idem_key: Option<String>,
    pub refunded: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PayoutRow {
    pub id: PayoutId,
    pub bucket_id: BucketId,
    pub to_account: AccountId,
    pub amount: i64,
    pub item: Option<String>,
    pub memo: String,
    pub idem_key: Option<String>,
    pub created_by: AccountId,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MoveRow {
    pub key: String,
    pub bucket_id: BucketId,
    pub kind: String,
    pub from_acct: Option<LedgerAccountId>,
    pub to_acct: Option<LedgerAccountId>,
    pub amount: i64,
    pub actor_id: AccountId,
    pub memo: String,
    pub state: String,
    pub created_at: i64,
}

// ---------------------------------------------------------------------------------------
// Rounds

pub async fn insert_round(tx: &mut Tx, r: &RoundRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(BudgetRounds::Table)
            .columns(ROUND_COLUMNS)
            .values_panic([
                r.id.into(),
                r.group_id.into(),
                r.title.clone().into(),
                r.description.clone().into(),
                r.guidelines.clone().into(),
                r.currency_id.into(),
                r.mechanism.clone().into(),
                r.pool_id.into(),
                r.pool_account_id.map(|x| x.0).into(),
                r.budget.into(),
                r.allocation.into(),
                r.max_per_bucket.into(),
                r.proposals_until.into(),
                r.review_until.into(),
                r.funding_until.into(),
                r.phase.clone().into(),
                r.recurring.clone().into(),
                r.vote_rule.clone().into(),
                r.threshold_pct.into(),
                r.min_projects.into(),
                r.min_selected.into(),
                r.max_selected.into(),
                r.pairwise_m.into(),
                r.proposers.clone().into(),
                r.funders.clone().into(),
                r.created_by.into(),
                r.created_at.into(),
                r.closed_at.into(),
                r.results.clone().into(),
                r.previous_id.map(|x| x.0).into(),
                r.next_id.map(|x| x.0).into(),
            ]),
    )
    .await
    .map(|_| ())
}

fn select_rounds() -> SelectStatement {
    Query::select()
        .columns(ROUND_COLUMNS)
        .from(BudgetRounds::Table)
        .to_owned()
}

pub async fn round(db: &Db, id: RoundId) -> Result<Option<RoundRow>> {
    db.fetch_optional(
        &select_rounds()
            .and_where(Expr::col(BudgetRounds::Id).eq(id))
            .to_owned(),
    )
    .await
}

pub async fn rounds_of(db: &Db, group: GroupId) -> Result<Vec<RoundRow>> {
    db.fetch_all(
        &select_rounds()
            .and_where(Expr::col(BudgetRounds::GroupId).eq(group))
            .order_by(BudgetRounds::CreatedAt, Order::Desc)
            .order_by(BudgetRounds::Id, Order::Desc)
            .limit(200)
            .to_owned(),
    )
    .await
}

/// The round held for a change: its row is written first, so changes to it queue.
pub async fn lock_round(tx: &mut Tx, id: RoundId) -> Result<Option<RoundRow>> {
    tx.execute(
        Query::update()
            .table(BudgetRounds::Table)
            .value(BudgetRounds::Phase, Expr::col(BudgetRounds::Phase))
            .and_where(Expr::col(BudgetRounds::Id).eq(id)),
    )
    .await?;
    tx.fetch_optional(
        &select_rounds()
            .and_where(Expr::col(BudgetRounds::Id).eq(id))
            .to_owned(),
    )
    .await
}

pub async fn update_round(tx: &mut Tx, r: &RoundRow) -> Result<()> {
    tx.execute(
        Query::update()
            .table(BudgetRounds::Table)
            .value(BudgetRounds::Title, r.title.clone())
            .value(BudgetRounds::Description, r.description.clone())
            .value(BudgetRounds::Guidelines, r.guidelines.clone())
            .value(BudgetRounds::Phase, r.phase.clone())
            .value(BudgetRounds::ClosedAt, r.closed_at)
            .value(BudgetRounds::Results, r.results.clone())
            .value(BudgetRounds::NextId, r.next_id.map(|x| x.0))
            .and_where(Expr::col(BudgetRounds::Id).eq(r.id)),
    )
    .await
    .map(|_| ())
}

// ---------------------------------------------------------------------------------------
// Buckets

pub async fn insert_bucket(tx: &mut Tx, b: &BucketRow, creators: &[AccountId]) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(BudgetBuckets::Table)
            .columns(BUCKET_COLUMNS)
            .values_panic([
                b.id.into(),
                b.round_id.into(),
                b.seq.into(),
                b.title.clone().into(),
                b.description.clone().into(),
                b.items.clone().into(),
                b.tags.clone().into(),
                b.goal.into(),
                b.stretch.into(),
                b.review.clone().into(),
                b.review_note.clone().into(),
                b.state.clone().into(),
                b.contributed.into(),
                b.drawn.into(),
                b.paid_out.into(),
                b.returned.into(),
                b.account_id.map(|x| x.0).into(),
                b.created_by.into(),
                b.created_at.into(),
                b.funded_at.into(),
                b.completed_at.into(),
            ]),
    )
    .await?;
    let mut insert = Query::insert()
        .into_table(BudgetCreators::Table)
        .columns([BudgetCreators::BucketId, BudgetCreators::AccountId])
        .to_owned();
    for c in creators {
        insert.values_panic([b.id.into(), (*c).into()]);
    }
    tx.execute(&insert).await.map(|_| ())
}

fn select_buckets() -> SelectStatement {
    Query::select()
        .columns(BUCKET_COLUMNS)
        .from(BudgetBuckets::Table)
        .to_owned()
}

pub async fn bucket(db: &Db, id: BucketId) -> Result<Option<BucketRow>> {
    db.fetch_optional(
        &select_buckets()
            .and_where(Expr::col(BudgetBuckets::Id).eq(id))
            .to_owned(),
    )
    .await
}

pub async fn bucket_in(tx: &mut Tx, id: BucketId) -> Result<Option<BucketRow>> {
    tx.fetch_optional(
        &select_buckets()
            .and_where(Expr::col(BudgetBuckets::Id).eq(id))
            .to_owned(),
    )
    .await
}

pub async fn buckets_of(db: &Db, round: RoundId) -> Result<Vec<BucketRow>> {
    db.fetch_all(
        &select_buckets()
            .and_where(Expr::col(BudgetBuckets::RoundId).eq(round))
            .order_by(BudgetBuckets::Seq, Order::Asc)
            .to_owned(),
    )
    .await
}

pub async fn buckets_in(tx: &mut Tx, round: RoundId) -> Result<Vec<BucketRow>> {
    tx.fetch_all(
        &select_buckets()
            .and_where(Expr::col(BudgetBuckets::RoundId).eq(round))
            .order_by(BudgetBuckets::Seq, Order::Asc)
            .to_owned(),
    )
    .await
}

pub async fn count_buckets(tx: &mut Tx, round: RoundId) -> Result<i64> {
    let (n,): (i64,) = tx
        .fetch_one(
            Query::select()
                .expr(Expr::col(BudgetBuckets::Id).count())
                .from(BudgetBuckets::Table)
                .and_where(Expr::col(BudgetBuckets::RoundId).eq(round)),
        )
        .await?;
    Ok(n)
}

pub async fn bucket_counts(db: &Db, rounds: &[RoundId]) -> Result<Vec<(RoundId, i64)>> {
    if rounds.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        Query::select()
            .column(BudgetBuckets::RoundId)
            .expr(Expr::col(BudgetBuckets::Id).count())
            .from(BudgetBuckets::Table)
            .and_where(Expr::col(BudgetBuckets::RoundId).is_in(rounds.iter().map(|r| r.0)))
            .group_by_col(BudgetBuckets::RoundId),
    )
    .await
}

pub async fn update_bucket(tx: &mut Tx, b: &BucketRow) -> Result<()> {
    tx.execute(
        Query::update()
            .table(BudgetBuckets::Table)
            .value(BudgetBuckets::Title, b.title.clone())
            .value(BudgetBuckets::Description, b.description.clone())
            .value(BudgetBuckets::Items, b.items.clone())
            .value(BudgetBuckets::Tags, b.tags.clone())
            .value(BudgetBuckets::Goal, b.goal)
            .value(BudgetBuckets::Stretch, b.stretch)
            .value(BudgetBuckets::Review, b.review.clone())
            .value(BudgetBuckets::ReviewNote, b.review_note.clone())
            .value(BudgetBuckets::State, b.state.clone())
            .value(BudgetBuckets::Contributed, b.contributed)
            .value(BudgetBuckets::Drawn, b.drawn)
            .value(BudgetBuckets::PaidOut, b.paid_out)
            .value(BudgetBuckets::Returned, b.returned)
            .value(BudgetBuckets::AccountId, b.account_id.map(|x| x.0))
            .value(BudgetBuckets::FundedAt, b.funded_at)
            .value(BudgetBuckets::CompletedAt, b.completed_at)
            .and_where(Expr::col(BudgetBuckets::Id).eq(b.id)),
    )
    .await
    .map(|_| ())
}

/// The creators of every bucket of a round (one join, not a list of ids).
pub async fn creators_in(db: &Db, round: RoundId) -> Result<Vec<(BucketId, AccountId)>> {
    db.fetch_all(
        Query::select()
            .column((BudgetCreators::Table, BudgetCreators::BucketId))
            .column((BudgetCreators::Table, BudgetCreators::AccountId))
            .from(BudgetCreators::Table)
            .inner_join(
                BudgetBuckets::Table,
                Expr::col((BudgetBuckets::Table, BudgetBuckets::Id))
                    .equals((BudgetCreators::Table, BudgetCreators::BucketId)),
            )
            .and_where(Expr::col((BudgetBuckets::Table, BudgetBuckets::RoundId)).eq(round)),
    )
    .await
}

/// The creators of these buckets, by bucket.
pub async fn creators_of(db: &Db, buckets: &[BucketId]) -> Result<Vec<(BucketId, AccountId)>> {
    if buckets.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        Query::select()
            .columns([BudgetCreators::BucketId, BudgetCreators::AccountId])
            .from(BudgetCreators::Table)
            .and_where(Expr::col(BudgetCreators::BucketId).is_in(buckets.iter().map(|b| b.0))),
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Contributions

pub async fn insert_contribution(tx: &mut Tx, c: &ContributionRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(BudgetContributions::Table)
            .columns([
                BudgetContributions::Id,
                BudgetContributions::RoundId,
                BudgetContributions::BucketId,
                BudgetContributions::AccountId,
                BudgetContributions::Amount,
                BudgetContributions::IdemKey,
                BudgetContributions::Refunded,
                BudgetContributions::CreatedAt,
            ])
            .values_panic([
                c.id.into(),
                c.round_id.into(),
                c.bucket_id.into(),
                c.account_id.into(),
                c.amount.into(),
                c.idem_key.clone().into(),
                c.refunded.into(),
                c.created_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

fn select_contributions() -> SelectStatement {
    Query::select()
        .columns([
            BudgetContributions::Id,
            BudgetContributions::RoundId,
            BudgetContributions::BucketId,
            BudgetContributions::AccountId,
            BudgetContributions::Amount,
            BudgetContributions::IdemKey,
            BudgetContributions::Refunded,
            BudgetContributions::CreatedAt,
        ])
        .from(BudgetContributions::Table)
        .to_owned()
}

pub async fn contribution_by_key(
    tx: &mut Tx,
    account: AccountId,
    key: &str,
) -> Result<Option<ContributionRow>> {
    tx.fetch_optional(
        &select_contributions()
            .and_where(Expr::col(BudgetContributions::AccountId).eq(account))
            .and_where(Expr::col(BudgetContributions::IdemKey).eq(key))
            .to_owned(),
    )
    .await
}

/// Removes a contribution the ledger refused; whether it was there.
pub async fn remove_contribution(tx: &mut Tx, id: ContributionId) -> Result<bool> {
    Ok(tx
        .execute(
            Query::delete()
                .from_table(BudgetContributions::Table)
                .and_where(Expr::col(BudgetContributions::Id).eq(id)),
        )
        .await?
        > 0)
}

fn sum_amount() -> sea_query::SimpleExpr {
    Expr::col(BudgetContributions::Amount)
        .sum()
        .cast_as(Alias::new("BIGINT"))
}

fn given_query(round: RoundId, account: AccountId, bucket: Option<BucketId>) -> SelectStatement {
    let mut q = Query::select()
        .expr(sum_amount())
        .from(BudgetContributions::Table)
        .and_where(Expr::col(BudgetContributions::RoundId).eq(round))
        .and_where(Expr::col(BudgetContributions::AccountId).eq(account))
        .and_where(Expr::col(BudgetContributions::Refunded).eq(0))
        .to_owned();
    if let Some(b) = bucket {
        q.and_where(Expr::col(BudgetContributions::BucketId).eq(b));
    }
    q
}

/// What `account` gave in a round (standing contributions), and to one bucket of it, as the
/// round is held for a change.
pub async fn given(
    tx: &mut Tx,
    round: RoundId,
    account: AccountId,
    bucket: Option<BucketId>,
) -> Result<i64> {
    let (sum,): (Option<i64>,) = tx.fetch_one(&given_query(round, account, bucket)).await?;
    Ok(sum.unwrap_or(0))
}

/// The same, read for a page.
pub async fn given_now(db: &Db, round: RoundId, account: AccountId) -> Result<i64> {
    let (sum,): (Option<i64>,) = db.fetch_one(&given_query(round, account, None)).await?;
    Ok(sum.unwrap_or(0))
}

/// Per bucket of a round: how many people stand behind its gifts, and what `account` gave it.
pub async fn gift_counts(
    db: &Db,
    round: RoundId,
    account: Option<AccountId>,
) -> Result<Vec<(BucketId, i64, i64)>> {
    let mine = match account {
        Some(a) => Expr::case(
            Expr::col(BudgetContributions::AccountId).eq(a),
            Expr::col(BudgetContributions::Amount),
        )
        .finally(0)
        .into(),
        None => Expr::val(0),
    };
    db.fetch_all(
        Query::select()
            .column(BudgetContributions::BucketId)
            .expr(
                Expr::col(BudgetContributions::AccountId)
                    .count_distinct()
                    .cast_as(Alias::new("BIGINT")),
            )
            .expr(sea_query::Func::sum::<sea_query::SimpleExpr>(mine).cast_as(Alias::new("BIGINT")))
            .from(BudgetContributions::Table)
            .and_where(Expr::col(BudgetContributions::RoundId).eq(round))
            .and_where(Expr::col(BudgetContributions::Refunded).eq(0))
            .group_by_col(BudgetContributions::BucketId),
    )
    .await
}

/// Standing contributions of a round per bucket and person, summed.
pub async fn gifts(db: &Db, round: RoundId) -> Result<Vec<(BucketId, AccountId, i64)>> {
    db.fetch_all(
        Query::select()
            .columns([
                BudgetContributions::BucketId,
                BudgetContributions::AccountId,
            ])
            .expr(sum_amount())
            .from(BudgetContributions::Table)
            .and_where(Expr::col(BudgetContributions::RoundId).eq(round))
            .and_where(Expr::col(BudgetContributions::Refunded).eq(0))
            .group_by_col(BudgetContributions::BucketId)
            .group_by_col(BudgetContributions::AccountId),
    )
    .await
}

/// A bucket's standing contributions per person.
pub async fn gifts_to(tx: &mut Tx, bucket: BucketId) -> Result<Vec<(AccountId, i64)>> {
    tx.fetch_all(
        Query::select()
            .column(BudgetContributions::AccountId)
            .expr(sum_amount())
            .from(BudgetContributions::Table)
            .and_where(Expr::col(BudgetContributions::BucketId).eq(bucket))
            .and_where(Expr::col(BudgetContributions::Refunded).eq(0))
            .group_by_col(BudgetContributions::AccountId)
            .order_by(BudgetContributions::AccountId, Order::Asc),
    )
    .await
}

pub async fn refund_contributions(tx: &mut Tx, bucket: BucketId) -> Result<()> {
    tx.execute(
        Query::update()
            .table(BudgetContributions::Table)
            .value(BudgetContributions::Refunded, 1)
            .and_where(Expr::col(BudgetContributions::BucketId).eq(bucket)),
    )
    .await
    .map(|_| ())
}

// ---------------------------------------------------------------------------------------
// Allocations and ballots

pub async fn set_allocation(
    tx: &mut Tx,
    round: RoundId,
    account: AccountId,
    amount: i64,
) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(BudgetAllocations::Table)
            .columns([
                BudgetAllocations::RoundId,
                BudgetAllocations::AccountId,
                BudgetAllocations::Amount,
            ])
            .values_panic([round.into(), account.into(), amount.into()])
            .on_conflict(
                OnConflict::columns([BudgetAllocations::RoundId, BudgetAllocations::AccountId])
                    .update_column(BudgetAllocations::Amount)
                    .to_owned(),
            ),
    )
    .await
    .map(|_| ())
}

fn allocation_query(round: RoundId, account: AccountId) -> SelectStatement {
    Query::select()
        .column(BudgetAllocations::Amount)
        .from(BudgetAllocations::Table)
        .and_where(Expr::col(BudgetAllocations::RoundId).eq(round))
        .and_where(Expr::col(BudgetAllocations::AccountId).eq(account))
        .to_owned()
}

pub async fn allocation(tx: &mut Tx, round: RoundId, account: AccountId) -> Result<Option<i64>> {
    let row: Option<(i64,)> = tx.fetch_optional(&allocation_query(round, account)).await?;
    Ok(row.map(|r| r.0))
}

/// The same, read for a page.
pub async fn allocation_now(db: &Db, round: RoundId, account: AccountId) -> Result<Option<i64>> {
    let row: Option<(i64,)> = db.fetch_optional(&allocation_query(round, account)).await?;
    Ok(row.map(|r| r.0))
}

pub async fn upsert_ballot(
    tx: &mut Tx,
    round: RoundId,
    account: AccountId,
    buckets: &str,
    at: i64,
) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(BudgetBallots::Table)
            .columns([
                BudgetBallots::RoundId,
                BudgetBallots::AccountId,
                BudgetBallots::Buckets,
                BudgetBallots::CastAt,
            ])
            .values_panic([round.into(), account.into(), buckets.into(), at.into()])
            .on_conflict(
                OnConflict::columns([BudgetBallots::RoundId, BudgetBallots::AccountId])
                    .update_columns([BudgetBallots::Buckets, BudgetBallots::CastAt])
                    .to_owned(),
            ),
    )
    .await
    .map(|_| ())
}

pub async fn ballot(db: &Db, round: RoundId, account: AccountId) -> Result<Option<(String, i64)>> {
    db.fetch_optional(
        Query::select()
            .columns([BudgetBallots::Buckets, BudgetBallots::CastAt])
            .from(BudgetBallots::Table)
            .and_where(Expr::col(BudgetBallots::RoundId).eq(round))
            .and_where(Expr::col(BudgetBallots::AccountId).eq(account)),
    )
    .await
}

/// Every ballot of a round: its buckets as stored (a JSON array of ids).
pub async fn ballots(db: &Db, round: RoundId) -> Result<Vec<(String,)>> {
    db.fetch_all(
        Query::select()
            .column(BudgetBallots::Buckets)
            .from(BudgetBallots::Table)
            .and_where(Expr::col(BudgetBallots::RoundId).eq(round)),
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Payouts

pub async fn insert_payout(tx: &mut Tx, p: &PayoutRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(BudgetPayouts::Table)
            .columns([
                BudgetPayouts::Id,
                BudgetPayouts::BucketId,
                BudgetPayouts::ToAccount,
                BudgetPayouts::Amount,
                BudgetPayouts::Item,
                BudgetPayouts::Memo,
                BudgetPayouts::IdemKey,
                BudgetPayouts::CreatedBy,
                BudgetPayouts::CreatedAt,
            ])
            .values_panic([
                p.id.into(),
                p.bucket_id.into(),
                p.to_account.into(),
                p.amount.into(),
                p.item.clone().into(),
                p.memo.clone().into(),
                p.idem_key.clone().into(),
                p.created_by.into(),
                p.created_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

/// A payout `account` asked for under `key`.
pub async fn payout_by_key(
    tx: &mut Tx,
    account: AccountId,
    key: &str,
) -> Result<Option<PayoutRow>> {
    tx.fetch_optional(
        &select_payouts()
            .and_where(Expr::col(BudgetPayouts::CreatedBy).eq(account))
            .and_where(Expr::col(BudgetPayouts::IdemKey).eq(key))
            .to_owned(),
    )
    .await
}

pub async fn payouts_of(db: &Db, bucket: BucketId) -> Result<Vec<PayoutRow>> {
    db.fetch_all(
        &select_payouts()
            .and_where(Expr::col(BudgetPayouts::BucketId).eq(bucket))
            .order_by(BudgetPayouts::CreatedAt, Order::Asc)
            .to_owned(),
    )
    .await
}

fn select_payouts() -> SelectStatement {
    Query::select()
        .columns([
            BudgetPayouts::Id,
            BudgetPayouts::BucketId,
            BudgetPayouts::ToAccount,
            BudgetPayouts::Amount,
            BudgetPayouts::Item,
            BudgetPayouts::Memo,
            BudgetPayouts::IdemKey,
            BudgetPayouts::CreatedBy,
            BudgetPayouts::CreatedAt,
        ])
        .from(BudgetPayouts::Table)
        .to_owned()
}

// ---------------------------------------------------------------------------------------
// Money steps

const MOVE_COLUMNS: [BudgetMoves; 10] = [
    BudgetMoves::Key,
    BudgetMoves::BucketId,
    BudgetMoves::Kind,
    BudgetMoves::FromAcct,
    BudgetMoves::ToAcct,
    BudgetMoves::Amount,
    BudgetMoves::ActorId,
    BudgetMoves::Memo,
    BudgetMoves::State,
    BudgetMoves::CreatedAt,
];

pub async fn insert_move(tx: &mut Tx, m: &MoveRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(BudgetMoves::Table)
            .columns(MOVE_COLUMNS)
            .values_panic([
                m.key.clone().into(),
                m.bucket_id.into(),
                m.kind.clone().into(),
                m.from_acct.map(|x| x.0).into(),
                m.to_acct.map(|x| x.0).into(),
                m.amount.into(),
                m.actor_id.into(),
                m.memo.clone().into(),
                m.state.clone().into(),
                m.created_at.into(),
            ])
            .on_conflict(OnConflict::column(BudgetMoves::Key).do_nothing().to_owned()),
    )
    .await
    .map(|_| ())
}

pub async fn set_move_state(tx: &mut Tx, key: &str, state: &str) -> Result<()> {
    tx.execute(
        Query::update()
            .table(BudgetMoves::Table)
            .value(BudgetMoves::State, state)
            .and_where(Expr::col(BudgetMoves::Key).eq(key)),
    )
    .await
    .map(|_| ())
}

pub async fn pending_moves(db: &Db) -> Result<Vec<MoveRow>> {
    db.fetch_all(
        Query::select()
            .columns(MOVE_COLUMNS)
            .from(BudgetMoves::Table)
            .and_where(Expr::col(BudgetMoves::State).eq("pending"))
            .order_by(BudgetMoves::CreatedAt, Order::Asc),
    )
    .await
}

/// The account a step pays into, once it is open (a draw at close opens it after writing).
pub async fn set_move_target(db: &Db, key: &str, to: crate::model::LedgerAccountId) -> Result<()> {
    db.execute(
        Query::update()
            .table(BudgetMoves::Table)
            .value(BudgetMoves::ToAcct, to)
            .and_where(Expr::col(BudgetMoves::Key).eq(key)),
    )
    .await
    .map(|_| ())
}

/// Removes a payout the ledger refused.
pub async fn remove_payout(db: &Db, id: PayoutId) -> Result<()> {
    db.execute(
        Query::delete()
            .from_table(BudgetPayouts::Table)
            .and_where(Expr::col(BudgetPayouts::Id).eq(id)),
    )
    .await
    .map(|_| ())
}

/// Steps of a bucket the ledger has not answered yet.
pub async fn pending_steps(tx: &mut Tx, bucket: BucketId) -> Result<i64> {
    let (n,): (i64,) = tx
        .fetch_one(
            Query::select()
                .expr(Expr::col(BudgetMoves::Key).count())
                .from(BudgetMoves::Table)
                .and_where(Expr::col(BudgetMoves::BucketId).eq(bucket))
                .and_where(Expr::col(BudgetMoves::State).eq("pending")),
        )
        .await?;
    Ok(n)
}

/// What a round's buckets have taken from its pool and not given back (steps done or still
/// pending).
pub async fn round_drawn(tx: &mut Tx, round: RoundId) -> Result<i64> {
    let sum = |kind: &'static str| {
        Query::select()
            .expr(
                Expr::col((BudgetMoves::Table, BudgetMoves::Amount))
                    .sum()
                    .cast_as(Alias::new("BIGINT")),
            )
            .from(BudgetMoves::Table)
            .inner_join(
                BudgetBuckets::Table,
                Expr::col((BudgetBuckets::Table, BudgetBuckets::Id))
                    .equals((BudgetMoves::Table, BudgetMoves::BucketId)),
            )
            .and_where(Expr::col((BudgetBuckets::Table, BudgetBuckets::RoundId)).eq(round))
            .and_where(Expr::col((BudgetMoves::Table, BudgetMoves::Kind)).eq(kind))
            .and_where(
                Expr::col((BudgetMoves::Table, BudgetMoves::State)).is_in(["pending", "done"]),
            )
            .to_owned()
    };
    let (drawn,): (Option<i64>,) = tx.fetch_one(&sum("draw")).await?;
    let (back,): (Option<i64>,) = tx.fetch_one(&sum("back")).await?;
    Ok(drawn.unwrap_or(0) - back.unwrap_or(0))
}

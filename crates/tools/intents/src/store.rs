//! The intents tool's queries, written once for both databases.

use kernel::Result;
use kernel::db::{Db, Tx};
use sea_query::{
    Alias, Asterisk, Cond, Expr, ExprTrait, Iden, LikeExpr, Order, Query, SelectStatement,
    UnionType,
};

use crate::model::{AccountId, ContributionId, GroupId, IntentId, ResponseId};

#[derive(Iden, Clone, Copy)]
pub enum Intents {
    Table,
    Id,
    GroupId,
    AuthorId,
    Kind,
    Title,
    Description,
    Tags,
    Words,
    Quantity,
    Unit,
    Item,
    Place,
    Lat,
    Lon,
    StartsAt,
    EndsAt,
    ExpiresAt,
    Shared,
    State,
    AuthorDoneAt,
    BountyCurrency,
    BountyState,
    Payees,
    PromptedAt,
    ClientKey,
    CreatedAt,
    UpdatedAt,
    ClosedAt,
    Version,
}

#[derive(Iden, Clone, Copy)]
pub enum IntentTerms {
    Table,
    Term,
    Kind,
    Scope,
    IntentId,
}

#[derive(Iden, Clone, Copy)]
pub enum IntentResponses {
    Table,
    Id,
    IntentId,
    ResponderId,
    Message,
    State,
    DoneAt,
    CreatedAt,
    DecidedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum IntentContributions {
    Table,
    Id,
    IntentId,
    ContributorId,
    Payer,
    Amount,
    State,
    ClientKey,
    CreatedAt,
}

#[derive(Iden)]
pub enum IntentEscrows {
    Table,
    CurrencyId,
    AccountId,
}

#[derive(Iden)]
pub enum IntentTagFollows {
    Table,
    AccountId,
    Tag,
    CreatedAt,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IntentRow {
    pub id: IntentId,
    pub group_id: GroupId,
    pub author_id: AccountId,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub tags: String,
    pub words: String,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
    pub item: Option<String>,
    pub place: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub expires_at: i64,
    pub shared: i64,
    pub state: String,
    pub author_done_at: Option<i64>,
    pub bounty_currency: Option<ledger::CurrencyId>,
    pub bounty_state: Option<String>,
    pub payees: Option<String>,
    pub prompted_at: Option<i64>,
    pub client_key: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
}

impl IntentRow {
    pub fn tag_list(&self) -> Vec<String> {
        serde_json::from_str(&self.tags).unwrap_or_default()
    }

    pub fn point(&self) -> Option<(f64, f64)> {
        self.lat.zip(self.lon)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResponseRow {
    pub id: ResponseId,
    pub intent_id: IntentId,
    pub responder_id: AccountId,
    pub message: String,
    pub state: String,
    pub done_at: Option<i64>,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContributionRow {
    pub id: ContributionId,
    pub intent_id: IntentId,
    pub contributor_id: AccountId,
    pub payer: ledger::AccountId,
    pub amount: i64,
    pub state: String,
    pub client_key: Option<String>,
    pub created_at: i64,
}

/// What scoring reads of a candidate.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CandidateRow {
    pub id: IntentId,
    pub group_id: GroupId,
    pub author_id: AccountId,
    pub state: String,
    pub expires_at: i64,
    pub shared: i64,
    pub tags: String,
    pub words: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
}

const INTENT_COLUMNS: [Intents; 28] = [
    Intents::Id,
    Intents::GroupId,
    Intents::AuthorId,
    Intents::Kind,
    Intents::Title,
    Intents::Description,
    Intents::Tags,
    Intents::Words,
    Intents::Quantity,
    Intents::Unit,
    Intents::Item,
    Intents::Place,
    Intents::Lat,
    Intents::Lon,
    Intents::StartsAt,
    Intents::EndsAt,
    Intents::ExpiresAt,
    Intents::Shared,
    Intents::State,
    Intents::AuthorDoneAt,
    Intents::BountyCurrency,
    Intents::BountyState,
    Intents::Payees,
    Intents::PromptedAt,
    Intents::ClientKey,
    Intents::CreatedAt,
    Intents::UpdatedAt,
    Intents::ClosedAt,
];

const RESPONSE_COLUMNS: [IntentResponses; 8] = [
    IntentResponses::Id,
    IntentResponses::IntentId,
    IntentResponses::ResponderId,
    IntentResponses::Message,
    IntentResponses::State,
    IntentResponses::DoneAt,
    IntentResponses::CreatedAt,
    IntentResponses::DecidedAt,
];

const CONTRIBUTION_COLUMNS: [IntentContributions; 8] = [
    IntentContributions::Id,
    IntentContributions::IntentId,
    IntentContributions::ContributorId,
    IntentContributions::Payer,
    IntentContributions::Amount,
    IntentContributions::State,
    IntentContributions::ClientKey,
    IntentContributions::CreatedAt,
];

// ---------------------------------------------------------------------------------------
// Intents

fn values(r: &IntentRow) -> [sea_query::SimpleExpr; 28] {
    [
        r.id.into(),
        r.group_id.into(),
        r.author_id.into(),
        r.kind.clone().into(),
        r.title.clone().into(),
        r.description.clone().into(),
        r.tags.clone().into(),
        r.words.clone().into(),
        r.quantity.into(),
        r.unit.clone().into(),
        r.item.clone().into(),
        r.place.clone().into(),
        r.lat.into(),
        r.lon.into(),
        r.starts_at.into(),
        r.ends_at.into(),
        r.expires_at.into(),
        r.shared.into(),
        r.state.clone().into(),
        r.author_done_at.into(),
        r.bounty_currency.map(|c| c.0).into(),
        r.bounty_state.clone().into(),
        r.payees.clone().into(),
        r.prompted_at.into(),
        r.client_key.clone().into(),
        r.created_at.into(),
        r.updated_at.into(),
        r.closed_at.into(),
    ]
}

pub async fn insert_intent(tx: &mut Tx, row: &IntentRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(Intents::Table)
            .columns(INTENT_COLUMNS)
            .values_panic(values(row)),
    )
    .await?;
    Ok(())
}

/// Writes every column of an intent but its id.
pub async fn save_intent(tx: &mut Tx, row: &IntentRow) -> Result<()> {
    let mut q = Query::update();
    q.table(Intents::Table);
    for (column, value) in INTENT_COLUMNS.iter().zip(values(row)).skip(1) {
        q.value(*column, value);
    }
    q.and_where(Expr::col(Intents::Id).eq(row.id));
    tx.execute(&q).await?;
    Ok(())
}

pub async fn remove_intent(tx: &mut Tx, id: IntentId) -> Result<()> {
    tx.execute(
        Query::delete()
            .from_table(Intents::Table)
            .and_where(Expr::col(Intents::Id).eq(id)),
    )
    .await?;
    Ok(())
}

fn select_intents() -> SelectStatement {
    Query::select()
        .columns(INTENT_COLUMNS.map(|c| (Intents::Table, c)))
        .from(Intents::Table)
        .to_owned()
}

pub async fn intent(db: &Db, id: IntentId) -> Result<Option<IntentRow>> {
    db.fetch_optional(
        &select_intents()
            .and_where(Expr::col(Intents::Id).eq(id))
            .to_owned(),
    )
    .await
}

/// An intent, holding its row until the transaction ends: changes to one intent (its state,
/// its responses, its bounty's steps) happen one after another.
pub async fn lock_intent(tx: &mut Tx, id: IntentId) -> Result<Option<IntentRow>> {
    tx.execute(
        Query::update()
            .table(Intents::Table)
            .value(Intents::Version, Expr::col(Intents::Version).add(1))
            .and_where(Expr::col(Intents::Id).eq(id)),
    )
    .await?;
    tx.fetch_optional(
        &select_intents()
            .and_where(Expr::col(Intents::Id).eq(id))
            .to_owned(),
    )
    .await
}

pub async fn by_client_key(db: &Db, author: AccountId, key: &str) -> Result<Option<IntentRow>> {
    db.fetch_optional(
        &select_intents()
            .and_where(Expr::col(Intents::AuthorId).eq(author))
            .and_where(Expr::col(Intents::ClientKey).eq(key))
            .to_owned(),
    )
    .await
}

pub async fn intents_by_ids(db: &Db, ids: &[IntentId]) -> Result<Vec<IntentRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        &select_intents()
            .and_where(Expr::col(Intents::Id).is_in(ids.iter().copied()))
            .to_owned(),
    )
    .await
}

/// Candidates for matching, in one query: the open intents of `kind` in `scopes` that share
/// any of `terms` (at most `per_term` of each term, the newest), summed by the terms' weights,
/// the `limit` heaviest with what scoring reads of them.
pub async fn candidates(
    db: &Db,
    kind: &str,
    scopes: &[String],
    terms: &[(String, f64)],
    per_term: u64,
    limit: u64,
) -> Result<Vec<CandidateRow>> {
    let mut parts: Vec<SelectStatement> = Vec::new();
    for scope in scopes {
        for (term, weight) in terms {
            let inner = Query::select()
                .column(IntentTerms::IntentId)
                .expr_as(Expr::val(*weight), Alias::new("w"))
                .from(IntentTerms::Table)
                .and_where(Expr::col(IntentTerms::Term).eq(term.as_str()))
                .and_where(Expr::col(IntentTerms::Kind).eq(kind))
                .and_where(Expr::col(IntentTerms::Scope).eq(scope.as_str()))
                .order_by(IntentTerms::IntentId, Order::Desc)
                .limit(per_term)
                .to_owned();
            parts.push(
                Query::select()
                    .column(Asterisk)
                    .from_subquery(inner, Alias::new(format!("t{}", parts.len())))
                    .to_owned(),
            );
        }
    }
    if parts.is_empty() {
        return Ok(Vec::new());
    }
    let mut hits = parts.remove(0);
    hits.unions(parts.into_iter().map(|p| (UnionType::All, p)));
    let best = Query::select()
        .column(Alias::new("intent_id"))
        .expr_as(Expr::col(Alias::new("w")).sum(), Alias::new("weight"))
        .from_subquery(hits, Alias::new("hits"))
        .group_by_col(Alias::new("intent_id"))
        .order_by(Alias::new("weight"), Order::Desc)
        .order_by(Alias::new("intent_id"), Order::Desc)
        .limit(limit)
        .to_owned();
    let best_alias = Alias::new("best");
    db.fetch_all(
        Query::select()
            .columns(
                [
                    Intents::Id,
                    Intents::GroupId,
                    Intents::AuthorId,
                    Intents::State,
                    Intents::ExpiresAt,
                    Intents::Shared,
                    Intents::Tags,
                    Intents::Words,
                    Intents::Lat,
                    Intents::Lon,
                    Intents::StartsAt,
                    Intents::EndsAt,
                ]
                .map(|c| (Intents::Table, c)),
            )
            .from_subquery(best, best_alias.clone())
            .inner_join(
                Intents::Table,
                Expr::col((Intents::Table, Intents::Id))
                    .equals((best_alias, Alias::new("intent_id"))),
            ),
    )
    .await
}

/// Which intents a list shows.
pub struct Listing<'a> {
    pub groups: &'a [GroupId],
    /// Also the shared intents of any group (a directory across groups).
    pub shared_too: bool,
    pub kind: Option<&'a str>,
    pub states: &'a [&'a str],
    pub author: Option<AccountId>,
    pub tag: Option<&'a str>,
    /// Part of the place's name (any case).
    pub place: Option<&'a str>,
    /// Words each of which the title, description or tags hold (lowercase).
    pub words: &'a [String],
    pub currency: Option<ledger::CurrencyId>,
    /// ((lat, lon) low, (lat, lon) high).
    pub within: Option<((f64, f64), (f64, f64))>,
    pub before: Option<IntentId>,
    pub limit: u64,
}

/// Intents by a listing's filters, newest first.
pub async fn list(db: &Db, l: &Listing<'_>) -> Result<Vec<IntentRow>> {
    let mut q = select_intents();
    let mut scope = Cond::any();
    if !l.groups.is_empty() {
        scope = scope.add(Expr::col(Intents::GroupId).is_in(l.groups.iter().copied()));
    }
    if l.shared_too {
        scope = scope.add(Expr::col(Intents::Shared).eq(1));
    }
    if l.groups.is_empty() && !l.shared_too {
        return Ok(Vec::new());
    }
    q.cond_where(scope);
    if !l.states.is_empty() {
        q.and_where(Expr::col(Intents::State).is_in(l.states.iter().copied()));
    }
    if let Some(kind) = l.kind {
        q.and_where(Expr::col(Intents::Kind).eq(kind));
    }
    if let Some(author) = l.author {
        q.and_where(Expr::col(Intents::AuthorId).eq(author));
    }
    if let Some(tag) = l.tag {
        // Tags are stored as a JSON array of strings: the quoted tag is in it.
        q.and_where(Expr::col(Intents::Tags).like(containing(&format!("\"{tag}\""))));
    }
    if let Some(place) = l.place {
        q.and_where(
            Expr::expr(sea_query::Func::lower(Expr::col(Intents::Place)))
                .like(containing(&place.to_lowercase())),
        );
    }
    for w in l.words {
        let pattern = containing(w);
        q.cond_where(
            Cond::any()
                .add(
                    Expr::expr(sea_query::Func::lower(Expr::col(Intents::Title)))
                        .like(pattern.clone()),
                )
                .add(
                    Expr::expr(sea_query::Func::lower(Expr::col(Intents::Description)))
                        .like(pattern.clone()),
                )
                .add(Expr::col(Intents::Tags).like(pattern)),
        );
    }
    if let Some(currency) = l.currency {
        q.and_where(Expr::col(Intents::BountyCurrency).eq(currency.0));
    }
    if let Some(((lat_lo, lon_lo), (lat_hi, lon_hi))) = l.within {
        q.and_where(Expr::col(Intents::Lat).between(lat_lo, lat_hi));
        q.and_where(Expr::col(Intents::Lon).between(lon_lo, lon_hi));
    }
    if let Some(before) = l.before {
        q.and_where(Expr::col(Intents::Id).lt(before));
    }
    q.order_by(Intents::Id, Order::Desc).limit(l.limit);
    db.fetch_all(&q).await
}

/// `%text%` as a LIKE pattern that matches `text` literally (`\\` escapes `%`, `_` and
/// itself).
fn containing(text: &str) -> LikeExpr {
    let mut escaped = String::with_capacity(text.len() + 2);
    escaped.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    LikeExpr::new(escaped).escape('\\')
}

/// Live intents whose expiry has passed, oldest first (what a missed job left).
pub async fn expired(db: &Db, now: i64, limit: u64) -> Result<Vec<IntentRow>> {
    db.fetch_all(
        &select_intents()
            .and_where(Expr::col(Intents::State).is_in(["open", "committed"]))
            .and_where(Expr::col(Intents::ExpiresAt).lte(now))
            .order_by(Intents::ExpiresAt, Order::Asc)
            .limit(limit)
            .to_owned(),
    )
    .await
}

/// Intents whose bounty a stopped process left paying or refunding.
pub async fn unfinished_bounties(db: &Db) -> Result<Vec<IntentRow>> {
    db.fetch_all(
        &select_intents()
            .and_where(Expr::col(Intents::BountyState).is_in(["paying", "refunding"]))
            .limit(10_000)
            .to_owned(),
    )
    .await
}

// ---------------------------------------------------------------------------------------
// The terms of open intents

pub async fn insert_terms(
    tx: &mut Tx,
    id: IntentId,
    kind: &str,
    scopes: &[String],
    terms: &[String],
) -> Result<()> {
    if terms.is_empty() || scopes.is_empty() {
        return Ok(());
    }
    let mut q = Query::insert()
        .into_table(IntentTerms::Table)
        .columns([
            IntentTerms::Term,
            IntentTerms::Kind,
            IntentTerms::Scope,
            IntentTerms::IntentId,
        ])
        .to_owned();
    for scope in scopes {
        for term in terms {
            q.values_panic([
                term.clone().into(),
                kind.into(),
                scope.clone().into(),
                id.into(),
            ]);
        }
    }
    tx.execute(&q).await?;
    Ok(())
}

pub async fn remove_terms(tx: &mut Tx, id: IntentId) -> Result<()> {
    tx.execute(
        Query::delete()
            .from_table(IntentTerms::Table)
            .and_where(Expr::col(IntentTerms::IntentId).eq(id)),
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Responses

pub async fn insert_response(tx: &mut Tx, r: &ResponseRow) -> Result<bool> {
    let n = tx
        .execute(
            Query::insert()
                .into_table(IntentResponses::Table)
                .columns(RESPONSE_COLUMNS)
                .values_panic([
                    r.id.into(),
                    r.intent_id.into(),
                    r.responder_id.into(),
                    r.message.clone().into(),
                    r.state.clone().into(),
                    r.done_at.into(),
                    r.created_at.into(),
                    r.decided_at.into(),
                ])
                .on_conflict(
                    sea_query::OnConflict::columns([
                        IntentResponses::IntentId,
                        IntentResponses::ResponderId,
                    ])
                    .do_nothing()
                    .to_owned(),
                ),
        )
        .await?;
    Ok(n == 1)
}

pub async fn save_response(tx: &mut Tx, r: &ResponseRow) -> Result<()> {
    tx.execute(
        Query::update()
            .table(IntentResponses::Table)
            .value(IntentResponses::State, r.state.clone())
            .value(IntentResponses::DoneAt, r.done_at)
            .value(IntentResponses::DecidedAt, r.decided_at)
            .and_where(Expr::col(IntentResponses::Id).eq(r.id)),
    )
    .await?;
    Ok(())
}

pub async fn response(db: &Db, id: ResponseId) -> Result<Option<ResponseRow>> {
    db.fetch_optional(
        Query::select()
            .columns(RESPONSE_COLUMNS)
            .from(IntentResponses::Table)
            .and_where(Expr::col(IntentResponses::Id).eq(id)),
    )
    .await
}

fn responses_to(intent: IntentId) -> SelectStatement {
    Query::select()
        .columns(RESPONSE_COLUMNS)
        .from(IntentResponses::Table)
        .and_where(Expr::col(IntentResponses::IntentId).eq(intent))
        .order_by(IntentResponses::Id, Order::Asc)
        .limit(1000)
        .to_owned()
}

pub async fn responses_of(db: &Db, intent: IntentId) -> Result<Vec<ResponseRow>> {
    db.fetch_all(&responses_to(intent)).await
}

/// An intent's responses, in the transaction that holds the intent.
pub async fn responses_in(tx: &mut Tx, intent: IntentId) -> Result<Vec<ResponseRow>> {
    tx.fetch_all(&responses_to(intent)).await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Count {
    pub intent_id: IntentId,
    pub n: i64,
}

/// How many responses each intent has.
pub async fn response_counts(db: &Db, ids: &[IntentId]) -> Result<Vec<Count>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        Query::select()
            .column(IntentResponses::IntentId)
            .expr_as(
                Expr::col(IntentResponses::Id).count(),
                sea_query::Alias::new("n"),
            )
            .from(IntentResponses::Table)
            .and_where(Expr::col(IntentResponses::IntentId).is_in(ids.iter().copied()))
            .group_by_col(IntentResponses::IntentId),
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Bounties

pub async fn insert_contribution(tx: &mut Tx, c: &ContributionRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(IntentContributions::Table)
            .columns(CONTRIBUTION_COLUMNS)
            .values_panic([
                c.id.into(),
                c.intent_id.into(),
                c.contributor_id.into(),
                c.payer.0.into(),
                c.amount.into(),
                c.state.clone().into(),
                c.client_key.clone().into(),
                c.created_at.into(),
            ]),
    )
    .await?;
    Ok(())
}

pub async fn set_contribution_state(tx: &mut Tx, id: ContributionId, state: &str) -> Result<()> {
    tx.execute(
        Query::update()
            .table(IntentContributions::Table)
            .value(IntentContributions::State, state)
            .and_where(Expr::col(IntentContributions::Id).eq(id)),
    )
    .await?;
    Ok(())
}

pub async fn remove_contribution(tx: &mut Tx, id: ContributionId) -> Result<()> {
    tx.execute(
        Query::delete()
            .from_table(IntentContributions::Table)
            .and_where(Expr::col(IntentContributions::Id).eq(id)),
    )
    .await?;
    Ok(())
}

fn select_contributions() -> SelectStatement {
    Query::select()
        .columns(CONTRIBUTION_COLUMNS)
        .from(IntentContributions::Table)
        .to_owned()
}

pub async fn contributions_of(db: &Db, ids: &[IntentId]) -> Result<Vec<ContributionRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        &select_contributions()
            .and_where(Expr::col(IntentContributions::IntentId).is_in(ids.iter().copied()))
            .order_by(IntentContributions::Id, Order::Asc)
            .to_owned(),
    )
    .await
}

pub async fn contributions_in(tx: &mut Tx, intent: IntentId) -> Result<Vec<ContributionRow>> {
    tx.fetch_all(
        &select_contributions()
            .and_where(Expr::col(IntentContributions::IntentId).eq(intent))
            .order_by(IntentContributions::Id, Order::Asc)
            .to_owned(),
    )
    .await
}

pub async fn contribution_by_key(
    db: &Db,
    contributor: AccountId,
    key: &str,
) -> Result<Option<ContributionRow>> {
    db.fetch_optional(
        &select_contributions()
            .and_where(Expr::col(IntentContributions::ContributorId).eq(contributor))
            .and_where(Expr::col(IntentContributions::ClientKey).eq(key))
            .to_owned(),
    )
    .await
}

/// Contributions a stopped process left between writing them and the ledger's answer.
pub async fn escrowing(db: &Db) -> Result<Vec<ContributionRow>> {
    db.fetch_all(
        &select_contributions()
            .and_where(Expr::col(IntentContributions::State).eq("escrowing"))
            .limit(10_000)
            .to_owned(),
    )
    .await
}

pub async fn escrow(db: &Db, currency: ledger::CurrencyId) -> Result<Option<ledger::AccountId>> {
    let row: Option<(ledger::AccountId,)> = db
        .fetch_optional(
            Query::select()
                .column(IntentEscrows::AccountId)
                .from(IntentEscrows::Table)
                .and_where(Expr::col(IntentEscrows::CurrencyId).eq(currency.0)),
        )
        .await?;
    Ok(row.map(|r| r.0))
}

/// Records the escrow account of a currency; false when another was recorded first.
pub async fn insert_escrow(
    db: &Db,
    currency: ledger::CurrencyId,
    account: ledger::AccountId,
) -> Result<bool> {
    let n = db
        .execute(
            Query::insert()
                .into_table(IntentEscrows::Table)
                .columns([IntentEscrows::CurrencyId, IntentEscrows::AccountId])
                .values_panic([currency.0.into(), account.0.into()])
                .on_conflict(
                    sea_query::OnConflict::column(IntentEscrows::CurrencyId)
                        .do_nothing()
                        .to_owned(),
                ),
        )
        .await?;
    Ok(n == 1)
}

// ---------------------------------------------------------------------------------------
// Followed tags

pub async fn follow(db: &Db, account: AccountId, tag: &str, now: i64) -> Result<()> {
    db.execute(
        Query::insert()
            .into_table(IntentTagFollows::Table)
            .columns([
                IntentTagFollows::AccountId,
                IntentTagFollows::Tag,
                IntentTagFollows::CreatedAt,
            ])
            .values_panic([account.into(), tag.into(), now.into()])
            .on_conflict(
                sea_query::OnConflict::columns([
                    IntentTagFollows::AccountId,
                    IntentTagFollows::Tag,
                ])
                .do_nothing()
                .to_owned(),
            ),
    )
    .await?;
    Ok(())
}

pub async fn unfollow(db: &Db, account: AccountId, tag: &str) -> Result<()> {
    db.execute(
        Query::delete()
            .from_table(IntentTagFollows::Table)
            .and_where(Expr::col(IntentTagFollows::AccountId).eq(account))
            .and_where(Expr::col(IntentTagFollows::Tag).eq(tag)),
    )
    .await?;
    Ok(())
}

pub async fn followed(db: &Db, account: AccountId) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = db
        .fetch_all(
            Query::select()
                .column(IntentTagFollows::Tag)
                .from(IntentTagFollows::Table)
                .and_where(Expr::col(IntentTagFollows::AccountId).eq(account))
                .order_by(IntentTagFollows::Tag, Order::Asc)
                .limit(500),
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

pub async fn count_followed(db: &Db, account: AccountId) -> Result<i64> {
    let row: (i64,) = db
        .fetch_one(
            Query::select()
                .expr(Expr::col(IntentTagFollows::Tag).count())
                .from(IntentTagFollows::Table)
                .and_where(Expr::col(IntentTagFollows::AccountId).eq(account)),
        )
        .await?;
    Ok(row.0)
}

/// Who follows any of `tags` (at most 1,000).
pub async fn followers(db: &Db, tags: &[String]) -> Result<Vec<AccountId>> {
    if tags.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(AccountId,)> = db
        .fetch_all(
            Query::select()
                .distinct()
                .column(IntentTagFollows::AccountId)
                .from(IntentTagFollows::Table)
                .and_where(Expr::col(IntentTagFollows::Tag).is_in(tags.iter().cloned()))
                .limit(1000),
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

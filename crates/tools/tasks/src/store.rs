//! The tasks tool's queries, written once for both databases.

use kernel::Result;
use kernel::db::{Db, Tx};
use sea_query::{Expr, ExprTrait, Iden, Order, Query};

use crate::model::{AccountId, BoardId, CardId, ColumnId, GroupId};

#[derive(Iden)]
pub enum TaskBoards {
    Table,
    Id,
    GroupId,
    Name,
    Fields,
    CreatedBy,
    CreatedAt,
    Version,
}

#[derive(Iden)]
pub enum TaskColumns {
    Table,
    Id,
    BoardId,
    Position,
    Name,
    Done,
}

#[derive(Iden)]
pub enum TaskCards {
    Table,
    Id,
    BoardId,
    GroupId,
    ColumnId,
    Position,
    Title,
    Description,
    Due,
    DueAt,
    Labels,
    Checklists,
    Fields,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    DoneAt,
    BountyCurrency,
    BountyAmount,
    BountyPayer,
    BountyState,
}

#[derive(Iden, Clone, Copy)]
pub enum TaskAssignees {
    Table,
    CardId,
    AccountId,
}

#[derive(Iden, Clone, Copy)]
pub enum TaskBlockers {
    Table,
    CardId,
    BlockedBy,
}

#[derive(Iden)]
pub enum TaskEscrows {
    Table,
    CurrencyId,
    AccountId,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BoardRow {
    pub id: BoardId,
    pub group_id: GroupId,
    pub name: String,
    pub fields: String,
    pub created_by: Option<AccountId>,
    pub created_at: i64,
    /// Raised by every write to the board or its cards.
    pub version: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ColumnRow {
    pub id: ColumnId,
    pub board_id: BoardId,
    pub position: i64,
    pub name: String,
    pub done: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CardRow {
    pub id: CardId,
    pub board_id: BoardId,
    pub group_id: GroupId,
    pub column_id: ColumnId,
    pub position: i64,
    pub title: String,
    pub description: String,
    pub due: Option<String>,
    pub due_at: Option<i64>,
    pub labels: String,
    pub checklists: String,
    pub fields: String,
    pub created_by: Option<AccountId>,
    pub created_at: i64,
    pub updated_at: i64,
    pub done_at: Option<i64>,
    pub bounty_currency: Option<ledger::CurrencyId>,
    pub bounty_amount: Option<i64>,
    pub bounty_payer: Option<ledger::AccountId>,
    pub bounty_state: Option<String>,
}

/// A card and one of its assignees, or a card and one it waits for.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pair {
    pub card_id: CardId,
    pub other: uuid::Uuid,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Count {
    pub column_id: ColumnId,
    pub n: i64,
}

const BOARD_COLUMNS: [TaskBoards; 7] = [
    TaskBoards::Id,
    TaskBoards::GroupId,
    TaskBoards::Name,
    TaskBoards::Fields,
    TaskBoards::CreatedBy,
    TaskBoards::CreatedAt,
    TaskBoards::Version,
];

const COLUMN_COLUMNS: [TaskColumns; 5] = [
    TaskColumns::Id,
    TaskColumns::BoardId,
    TaskColumns::Position,
    TaskColumns::Name,
    TaskColumns::Done,
];

const CARD_COLUMNS: [TaskCards; 20] = [
    TaskCards::Id,
    TaskCards::BoardId,
    TaskCards::GroupId,
    TaskCards::ColumnId,
    TaskCards::Position,
    TaskCards::Title,
    TaskCards::Description,
    TaskCards::Due,
    TaskCards::DueAt,
    TaskCards::Labels,
    TaskCards::Checklists,
    TaskCards::Fields,
    TaskCards::CreatedBy,
    TaskCards::CreatedAt,
    TaskCards::UpdatedAt,
    TaskCards::DoneAt,
    TaskCards::BountyCurrency,
    TaskCards::BountyAmount,
    TaskCards::BountyPayer,
    TaskCards::BountyState,
];

// ---------------------------------------------------------------------------------------
// Boards and columns

pub async fn insert_board(tx: &mut Tx, row: &BoardRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(TaskBoards::Table)
            .columns(BOARD_COLUMNS)
            .values_panic([
                row.id.into(),
                row.group_id.into(),
                row.name.clone().into(),
                row.fields.clone().into(),
                row.created_by.map(|a| a.0).into(),
                row.created_at.into(),
                row.version.into(),
            ]),
    )
    .await?;
    Ok(())
}

/// Raises a board's version, holding its row until the transaction ends: writes to one
/// board's cards (their places, their dependencies, a bounty's step) happen one after
/// another, and every reader's copy of the board is older after.
pub async fn lock_board(tx: &mut Tx, id: BoardId) -> Result<()> {
    tx.execute(
        Query::update()
            .table(TaskBoards::Table)
            .value(TaskBoards::Version, Expr::col(TaskBoards::Version).add(1))
            .and_where(Expr::col(TaskBoards::Id).eq(id)),
    )
    .await?;
    Ok(())
}

pub async fn update_board(tx: &mut Tx, row: &BoardRow) -> Result<()> {
    tx.execute(
        Query::update()
            .table(TaskBoards::Table)
            .value(TaskBoards::Name, row.name.clone())
            .value(TaskBoards::Fields, row.fields.clone())
            .and_where(Expr::col(TaskBoards::Id).eq(row.id)),
    )
    .await?;
    Ok(())
}

pub async fn board(db: &Db, id: BoardId) -> Result<Option<BoardRow>> {
    db.fetch_optional(
        Query::select()
            .columns(BOARD_COLUMNS)
            .from(TaskBoards::Table)
            .and_where(Expr::col(TaskBoards::Id).eq(id)),
    )
    .await
}

/// A group's boards, oldest first.
pub async fn group_boards(db: &Db, group: GroupId) -> Result<Vec<BoardRow>> {
    db.fetch_all(
        Query::select()
            .columns(BOARD_COLUMNS)
            .from(TaskBoards::Table)
            .and_where(Expr::col(TaskBoards::GroupId).eq(group))
            .order_by(TaskBoards::Id, Order::Asc)
            .limit(500),
    )
    .await
}

pub async fn insert_columns(tx: &mut Tx, rows: &[ColumnRow]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut q = Query::insert()
        .into_table(TaskColumns::Table)
        .columns(COLUMN_COLUMNS)
        .to_owned();
    for c in rows {
        q.values_panic([
            c.id.into(),
            c.board_id.into(),
            c.position.into(),
            c.name.clone().into(),
            c.done.into(),
        ]);
    }
    tx.execute(&q).await?;
    Ok(())
}

pub async fn update_column(tx: &mut Tx, c: &ColumnRow) -> Result<()> {
    tx.execute(
        Query::update()
            .table(TaskColumns::Table)
            .value(TaskColumns::Position, c.position)
            .value(TaskColumns::Name, c.name.clone())
            .value(TaskColumns::Done, c.done)
            .and_where(Expr::col(TaskColumns::Id).eq(c.id)),
    )
    .await?;
    Ok(())
}

pub async fn delete_column(tx: &mut Tx, id: ColumnId) -> Result<()> {
    tx.execute(
        Query::delete()
            .from_table(TaskColumns::Table)
            .and_where(Expr::col(TaskColumns::Id).eq(id)),
    )
    .await?;
    Ok(())
}

/// A board's columns in order.
pub async fn columns(db: &Db, board: BoardId) -> Result<Vec<ColumnRow>> {
    db.fetch_all(
        Query::select()
            .columns(COLUMN_COLUMNS)
            .from(TaskColumns::Table)
            .and_where(Expr::col(TaskColumns::BoardId).eq(board))
            .order_by(TaskColumns::Position, Order::Asc),
    )
    .await
}

/// The columns of several boards, each board's in order.
pub async fn columns_of(db: &Db, boards: &[BoardId]) -> Result<Vec<ColumnRow>> {
    if boards.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        Query::select()
            .columns(COLUMN_COLUMNS)
            .from(TaskColumns::Table)
            .and_where(Expr::col(TaskColumns::BoardId).is_in(boards.iter().copied()))
            .order_by(TaskColumns::BoardId, Order::Asc)
            .order_by(TaskColumns::Position, Order::Asc),
    )
    .await
}

/// How many cards each column of these boards holds (one query).
pub async fn column_counts(db: &Db, boards: &[BoardId]) -> Result<Vec<Count>> {
    if boards.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        Query::select()
            .column(TaskCards::ColumnId)
            .expr_as(Expr::col(TaskCards::Id).count(), sea_query::Alias::new("n"))
            .from(TaskCards::Table)
            .and_where(Expr::col(TaskCards::BoardId).is_in(boards.iter().copied()))
            .group_by_col(TaskCards::ColumnId),
    )
    .await
}

pub async fn count_cards(tx: &mut Tx, board: BoardId) -> Result<i64> {
    let rows: Vec<Count> = tx
        .fetch_all(
            Query::select()
                .column(TaskCards::ColumnId)
                .expr_as(Expr::col(TaskCards::Id).count(), sea_query::Alias::new("n"))
                .from(TaskCards::Table)
                .and_where(Expr::col(TaskCards::BoardId).eq(board))
                .group_by_col(TaskCards::ColumnId),
        )
        .await?;
    Ok(rows.iter().map(|c| c.n).sum())
}

// ---------------------------------------------------------------------------------------
// Cards

fn card_values(row: &CardRow) -> [sea_query::SimpleExpr; 20] {
    [
        row.id.into(),
        row.board_id.into(),
        row.group_id.into(),
        row.column_id.into(),
        row.position.into(),
        row.title.clone().into(),
        row.description.clone().into(),
        row.due.clone().into(),
        row.due_at.into(),
        row.labels.clone().into(),
        row.checklists.clone().into(),
        row.fields.clone().into(),
        row.created_by.map(|a| a.0).into(),
        row.created_at.into(),
        row.updated_at.into(),
        row.done_at.into(),
        row.bounty_currency.map(|c| c.0).into(),
        row.bounty_amount.into(),
        row.bounty_payer.map(|a| a.0).into(),
        row.bounty_state.clone().into(),
    ]
}

pub async fn insert_card(tx: &mut Tx, row: &CardRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(TaskCards::Table)
            .columns(CARD_COLUMNS)
            .values_panic(card_values(row)),
    )
    .await?;
    Ok(())
}

/// Writes every column of a card but its id, board and group.
pub async fn update_card(tx: &mut Tx, row: &CardRow) -> Result<()> {
    let mut q = Query::update().table(TaskCards::Table).to_owned();
    for (col, value) in CARD_COLUMNS.into_iter().zip(card_values(row)).skip(3) {
        q.value(col, value);
    }
    q.and_where(Expr::col(TaskCards::Id).eq(row.id));
    tx.execute(&q).await?;
    Ok(())
}

pub async fn set_bounty_state(tx: &mut Tx, card: CardId, state: Option<&str>) -> Result<()> {
    tx.execute(
        Query::update()
            .table(TaskCards::Table)
            .value(TaskCards::BountyState, state.map(str::to_string))
            .and_where(Expr::col(TaskCards::Id).eq(card)),
    )
    .await?;
    Ok(())
}

pub async fn delete_card(tx: &mut Tx, card: CardId) -> Result<()> {
    tx.execute(
        Query::delete()
            .from_table(TaskCards::Table)
            .and_where(Expr::col(TaskCards::Id).eq(card)),
    )
    .await?;
    Ok(())
}

/// Deletes a card and closes the gap it leaves in its column.
pub async fn remove_card(tx: &mut Tx, card: &CardRow) -> Result<()> {
    delete_card(tx, card.id).await?;
    close_gap(tx, card.column_id, card.position).await
}

pub async fn card(db: &Db, id: CardId) -> Result<Option<CardRow>> {
    db.fetch_optional(
        Query::select()
            .columns(CARD_COLUMNS)
            .from(TaskCards::Table)
            .and_where(Expr::col(TaskCards::Id).eq(id)),
    )
    .await
}

/// A card read again inside a transaction that changes it.
pub async fn card_in(tx: &mut Tx, id: CardId) -> Result<Option<CardRow>> {
    tx.fetch_optional(
        Query::select()
            .columns(CARD_COLUMNS)
            .from(TaskCards::Table)
            .and_where(Expr::col(TaskCards::Id).eq(id)),
    )
    .await
}

pub async fn cards_by_ids(db: &Db, ids: &[CardId]) -> Result<Vec<CardRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        Query::select()
            .columns(CARD_COLUMNS)
            .from(TaskCards::Table)
            .and_where(Expr::col(TaskCards::Id).is_in(ids.iter().copied())),
    )
    .await
}

/// A board's cards, by column and place.
pub async fn board_cards(db: &Db, board: BoardId) -> Result<Vec<CardRow>> {
    db.fetch_all(
        Query::select()
            .columns(CARD_COLUMNS)
            .from(TaskCards::Table)
            .and_where(Expr::col(TaskCards::BoardId).eq(board))
            .order_by(TaskCards::ColumnId, Order::Asc)
            .order_by(TaskCards::Position, Order::Asc),
    )
    .await
}

/// Cards assigned to `account`, in every group, by due time (those without last).
pub async fn assigned_to(db: &Db, account: AccountId) -> Result<Vec<CardRow>> {
    let mut q = Query::select();
    for c in CARD_COLUMNS {
        q.column((TaskCards::Table, c));
    }
    q.from(TaskCards::Table)
        .inner_join(
            TaskAssignees::Table,
            Expr::col((TaskAssignees::Table, TaskAssignees::CardId))
                .equals((TaskCards::Table, TaskCards::Id)),
        )
        .and_where(Expr::col((TaskAssignees::Table, TaskAssignees::AccountId)).eq(account))
        .order_by((TaskCards::Table, TaskCards::Id), Order::Asc)
        .limit(1000);
    db.fetch_all(&q).await
}

/// Cards whose bounty was left between two steps (the process stopped).
pub async fn unfinished_bounties(db: &Db) -> Result<Vec<CardRow>> {
    db.fetch_all(
        Query::select()
            .columns(CARD_COLUMNS)
            .from(TaskCards::Table)
            .and_where(Expr::col(TaskCards::BountyState).is_in([
                "escrowing",
                "paying",
                "refunding",
            ])),
    )
    .await
}

/// Makes room at `position` in a column (the cards there and after move down one).
pub async fn open_gap(tx: &mut Tx, column: ColumnId, position: i64) -> Result<()> {
    tx.execute(
        Query::update()
            .table(TaskCards::Table)
            .value(TaskCards::Position, Expr::col(TaskCards::Position).add(1))
            .and_where(Expr::col(TaskCards::ColumnId).eq(column))
            .and_where(Expr::col(TaskCards::Position).gte(position)),
    )
    .await?;
    Ok(())
}

/// Closes the gap a card left at `position` (the cards after it move up one).
pub async fn close_gap(tx: &mut Tx, column: ColumnId, position: i64) -> Result<()> {
    tx.execute(
        Query::update()
            .table(TaskCards::Table)
            .value(TaskCards::Position, Expr::col(TaskCards::Position).sub(1))
            .and_where(Expr::col(TaskCards::ColumnId).eq(column))
            .and_where(Expr::col(TaskCards::Position).gt(position)),
    )
    .await?;
    Ok(())
}

pub async fn column_length(tx: &mut Tx, column: ColumnId) -> Result<i64> {
    let rows: Vec<Count> = tx
        .fetch_all(
            Query::select()
                .column(TaskCards::ColumnId)
                .expr_as(Expr::col(TaskCards::Id).count(), sea_query::Alias::new("n"))
                .from(TaskCards::Table)
                .and_where(Expr::col(TaskCards::ColumnId).eq(column))
                .group_by_col(TaskCards::ColumnId),
        )
        .await?;
    Ok(rows.first().map_or(0, |c| c.n))
}

// ---------------------------------------------------------------------------------------
// Assignees and dependencies

fn pairs_query(
    table: impl Iden + 'static,
    card: impl Iden + 'static,
    other: impl Iden + 'static,
) -> sea_query::SelectStatement {
    Query::select()
        .expr_as(Expr::col(card), sea_query::Alias::new("card_id"))
        .expr_as(Expr::col(other), sea_query::Alias::new("other"))
        .from(table)
        .to_owned()
}

pub async fn assignees_of(db: &Db, cards: &[CardId]) -> Result<Vec<Pair>> {
    if cards.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = pairs_query(
        TaskAssignees::Table,
        TaskAssignees::CardId,
        TaskAssignees::AccountId,
    );
    q.and_where(Expr::col(TaskAssignees::CardId).is_in(cards.iter().copied()));
    db.fetch_all(&q).await
}

/// Pairs of `table` whose card is on `board`.
fn of_board(
    table: impl Iden + 'static,
    card: impl Iden + Copy + 'static,
    other: impl Iden + 'static,
    board: BoardId,
) -> sea_query::SelectStatement {
    let mut q = pairs_query(table, card, other);
    q.and_where(
        Expr::col(card).in_subquery(
            Query::select()
                .column(TaskCards::Id)
                .from(TaskCards::Table)
                .and_where(Expr::col(TaskCards::BoardId).eq(board))
                .to_owned(),
        ),
    );
    q
}

/// Every assignee of a board's cards (one query).
pub async fn board_assignees(db: &Db, board: BoardId) -> Result<Vec<Pair>> {
    db.fetch_all(&of_board(
        TaskAssignees::Table,
        TaskAssignees::CardId,
        TaskAssignees::AccountId,
        board,
    ))
    .await
}

pub async fn blockers_of(db: &Db, cards: &[CardId]) -> Result<Vec<Pair>> {
    if cards.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = pairs_query(
        TaskBlockers::Table,
        TaskBlockers::CardId,
        TaskBlockers::BlockedBy,
    );
    q.and_where(Expr::col(TaskBlockers::CardId).is_in(cards.iter().copied()));
    db.fetch_all(&q).await
}

/// Every dependency among a board's cards (one query).
pub async fn board_blockers(db: &Db, board: BoardId) -> Result<Vec<Pair>> {
    db.fetch_all(&of_board(
        TaskBlockers::Table,
        TaskBlockers::CardId,
        TaskBlockers::BlockedBy,
        board,
    ))
    .await
}

pub async fn board_blockers_in(tx: &mut Tx, board: BoardId) -> Result<Vec<Pair>> {
    tx.fetch_all(&of_board(
        TaskBlockers::Table,
        TaskBlockers::CardId,
        TaskBlockers::BlockedBy,
        board,
    ))
    .await
}

/// Replaces a card's rows of a pair table (its assignees, or what it waits for).
async fn replace_pairs<T: Iden + Copy + 'static>(
    tx: &mut Tx,
    table: T,
    card_col: T,
    other_col: T,
    card: CardId,
    others: &[uuid::Uuid],
) -> Result<()> {
    tx.execute(
        Query::delete()
            .from_table(table)
            .and_where(Expr::col(card_col).eq(card)),
    )
    .await?;
    if others.is_empty() {
        return Ok(());
    }
    let mut q = Query::insert()
        .into_table(table)
        .columns([card_col, other_col])
        .to_owned();
    for other in others {
        q.values_panic([card.into(), (*other).into()]);
    }
    tx.execute(&q).await?;
    Ok(())
}

pub async fn set_assignees(tx: &mut Tx, card: CardId, people: &[AccountId]) -> Result<()> {
    let others: Vec<uuid::Uuid> = people.iter().map(|p| p.0).collect();
    replace_pairs(
        tx,
        TaskAssignees::Table,
        TaskAssignees::CardId,
        TaskAssignees::AccountId,
        card,
        &others,
    )
    .await
}

pub async fn set_blockers(tx: &mut Tx, card: CardId, blockers: &[CardId]) -> Result<()> {
    let others: Vec<uuid::Uuid> = blockers.iter().map(|b| b.0).collect();
    replace_pairs(
        tx,
        TaskBlockers::Table,
        TaskBlockers::CardId,
        TaskBlockers::BlockedBy,
        card,
        &others,
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Escrow accounts

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EscrowRow {
    pub account_id: ledger::AccountId,
}

pub async fn escrow(db: &Db, currency: ledger::CurrencyId) -> Result<Option<ledger::AccountId>> {
    let row: Option<EscrowRow> = db
        .fetch_optional(
            Query::select()
                .column(TaskEscrows::AccountId)
                .from(TaskEscrows::Table)
                .and_where(Expr::col(TaskEscrows::CurrencyId).eq(currency.0)),
        )
        .await?;
    Ok(row.map(|r| r.account_id))
}

/// Records the escrow account of a currency; false when another request recorded one first.
pub async fn insert_escrow(
    db: &Db,
    currency: ledger::CurrencyId,
    account: ledger::AccountId,
) -> Result<bool> {
    let done = db
        .execute(
            Query::insert()
                .into_table(TaskEscrows::Table)
                .columns([TaskEscrows::CurrencyId, TaskEscrows::AccountId])
                .values_panic([currency.0.into(), account.0.into()])
                .on_conflict(
                    sea_query::OnConflict::column(TaskEscrows::CurrencyId)
                        .do_nothing()
                        .to_owned(),
                ),
        )
        .await?;
    Ok(done == 1)
}

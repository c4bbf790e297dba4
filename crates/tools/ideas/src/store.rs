//! The ideas tool's queries, written once for both databases.

use kernel::Result;
use kernel::db::{Db, Tx};
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Order, Query, SelectStatement};

use crate::model::{AccountId, BoardId, GroupId, IdeaId, PromotionId};

#[derive(Iden, Clone, Copy)]
pub enum IdeaBoards {
    Table,
    Id,
    GroupId,
    Question,
    Details,
    Pairwise,
    Anonymous,
    Open,
    Readers,
    Dots,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    Ideas,
    Answers,
    Version,
}

#[derive(Iden, Clone, Copy)]
pub enum Ideas {
    Table,
    Id,
    BoardId,
    Seq,
    AuthorId,
    Title,
    Text,
    Tags,
    MergedInto,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
enum IdeaEndorsements {
    Table,
    IdeaId,
    AccountId,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
enum IdeaReactions {
    Table,
    IdeaId,
    AccountId,
    Emoji,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
enum IdeaDots {
    Table,
    IdeaId,
    AccountId,
    BoardId,
    Dots,
}

#[derive(Iden, Clone, Copy)]
enum IdeaComparisons {
    Table,
    Id,
    BoardId,
    Seq,
    VoterId,
    LeftId,
    RightId,
    Winner,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
enum IdeaPromotions {
    Table,
    Id,
    BoardId,
    MotionId,
    Kind,
    Ideas,
    CreatedBy,
    CreatedAt,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BoardRow {
    pub id: BoardId,
    pub group_id: GroupId,
    pub question: String,
    pub details: String,
    pub pairwise: i64,
    pub anonymous: i64,
    pub open: i64,
    pub readers: Option<String>,
    pub dots: i64,
    pub created_by: AccountId,
    pub created_at: i64,
    pub updated_at: i64,
    pub ideas: i64,
    pub answers: i64,
    pub version: i64,
}

impl BoardRow {
    /// The listed readers, when the board is not the whole group's.
    pub fn reader_ids(&self) -> Option<Vec<AccountId>> {
        self.readers
            .as_deref()
            .map(|r| serde_json::from_str(r).unwrap_or_default())
    }
}

const BOARD_COLUMNS: [IdeaBoards; 15] = [
    IdeaBoards::Id,
    IdeaBoards::GroupId,
    IdeaBoards::Question,
    IdeaBoards::Details,
    IdeaBoards::Pairwise,
    IdeaBoards::Anonymous,
    IdeaBoards::Open,
    IdeaBoards::Readers,
    IdeaBoards::Dots,
    IdeaBoards::CreatedBy,
    IdeaBoards::CreatedAt,
    IdeaBoards::UpdatedAt,
    IdeaBoards::Ideas,
    IdeaBoards::Answers,
    IdeaBoards::Version,
];

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IdeaRow {
    pub id: IdeaId,
    pub board_id: BoardId,
    pub seq: i64,
    pub author_id: AccountId,
    pub title: String,
    pub text: String,
    pub tags: String,
    pub merged_into: Option<IdeaId>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl IdeaRow {
    pub fn tag_list(&self) -> Vec<String> {
        serde_json::from_str(&self.tags).unwrap_or_default()
    }
}

const IDEA_COLUMNS: [Ideas; 10] = [
    Ideas::Id,
    Ideas::BoardId,
    Ideas::Seq,
    Ideas::AuthorId,
    Ideas::Title,
    Ideas::Text,
    Ideas::Tags,
    Ideas::MergedInto,
    Ideas::CreatedAt,
    Ideas::UpdatedAt,
];

/// One answer of the survey, as a fit reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AnswerRow {
    pub seq: i64,
    pub voter_id: AccountId,
    pub left_id: IdeaId,
    pub right_id: IdeaId,
    pub winner: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PromotionRow {
    pub id: PromotionId,
    pub board_id: BoardId,
    pub motion_id: kernel::id::MotionId,
    pub kind: String,
    pub ideas: String,
    pub created_by: AccountId,
    pub created_at: i64,
}

// ---------------------------------------------------------------------------------------
// Boards

pub async fn insert_board(tx: &mut Tx, b: &BoardRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(IdeaBoards::Table)
            .columns(BOARD_COLUMNS)
            .values_panic([
                b.id.into(),
                b.group_id.into(),
                b.question.clone().into(),
                b.details.clone().into(),
                b.pairwise.into(),
                b.anonymous.into(),
                b.open.into(),
                b.readers.clone().into(),
                b.dots.into(),
                b.created_by.into(),
                b.created_at.into(),
                b.updated_at.into(),
                b.ideas.into(),
                b.answers.into(),
                b.version.into(),
            ]),
    )
    .await
    .map(|_| ())
}

fn select_boards() -> SelectStatement {
    Query::select()
        .columns(BOARD_COLUMNS)
        .from(IdeaBoards::Table)
        .to_owned()
}

pub async fn board(db: &Db, id: BoardId) -> Result<Option<BoardRow>> {
    db.fetch_optional(
        &select_boards()
            .and_where(Expr::col(IdeaBoards::Id).eq(id))
            .to_owned(),
    )
    .await
}

pub async fn boards_of(db: &Db, group: GroupId) -> Result<Vec<BoardRow>> {
    db.fetch_all(
        &select_boards()
            .and_where(Expr::col(IdeaBoards::GroupId).eq(group))
            .order_by(IdeaBoards::Id, Order::Desc)
            .limit(200)
            .to_owned(),
    )
    .await
}

/// The board held for a change (its row is written first, so concurrent changes queue).
pub async fn lock_board(tx: &mut Tx, id: BoardId) -> Result<Option<BoardRow>> {
    tx.execute(
        Query::update()
            .table(IdeaBoards::Table)
            .value(IdeaBoards::UpdatedAt, Expr::col(IdeaBoards::UpdatedAt))
            .and_where(Expr::col(IdeaBoards::Id).eq(id)),
    )
    .await?;
    tx.fetch_optional(
        &select_boards()
            .and_where(Expr::col(IdeaBoards::Id).eq(id))
            .to_owned(),
    )
    .await
}

pub async fn update_board(tx: &mut Tx, b: &BoardRow) -> Result<()> {
    tx.execute(
        Query::update()
            .table(IdeaBoards::Table)
            .value(IdeaBoards::Question, b.question.clone())
            .value(IdeaBoards::Details, b.details.clone())
            .value(IdeaBoards::Open, b.open)
            .value(IdeaBoards::Dots, b.dots)
            .value(IdeaBoards::UpdatedAt, b.updated_at)
            .and_where(Expr::col(IdeaBoards::Id).eq(b.id)),
    )
    .await
    .map(|_| ())
}

/// Marks the board changed at `now` (an idea's title was edited: copies of its ranking
/// are made again).
pub async fn touch_board(tx: &mut Tx, id: BoardId, now: i64) -> Result<()> {
    tx.execute(
        Query::update()
            .table(IdeaBoards::Table)
            .value(IdeaBoards::UpdatedAt, now)
            .and_where(Expr::col(IdeaBoards::Id).eq(id)),
    )
    .await
    .map(|_| ())
}

/// Raises one of the board's counters (`Ideas`, `Answers` or `Version`) and answers its new
/// value; the board's row stays held until the transaction ends.
pub async fn next(tx: &mut Tx, id: BoardId, counter: IdeaBoards) -> Result<i64> {
    tx.execute(
        Query::update()
            .table(IdeaBoards::Table)
            .value(counter, Expr::col(counter).add(1))
            .and_where(Expr::col(IdeaBoards::Id).eq(id)),
    )
    .await?;
    let (value,): (i64,) = tx
        .fetch_one(
            Query::select()
                .column(counter)
                .from(IdeaBoards::Table)
                .and_where(Expr::col(IdeaBoards::Id).eq(id)),
        )
        .await?;
    Ok(value)
}

/// The board's counters: (ideas, answers, version, updated_at), what a copy of its survey
/// checks.
pub async fn counters(db: &Db, id: BoardId) -> Result<Option<(i64, i64, i64, i64)>> {
    db.fetch_optional(
        Query::select()
            .columns([
                IdeaBoards::Ideas,
                IdeaBoards::Answers,
                IdeaBoards::Version,
                IdeaBoards::UpdatedAt,
            ])
            .from(IdeaBoards::Table)
            .and_where(Expr::col(IdeaBoards::Id).eq(id)),
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Ideas

pub async fn insert_idea(tx: &mut Tx, i: &IdeaRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(Ideas::Table)
            .columns(IDEA_COLUMNS)
            .values_panic([
                i.id.into(),
                i.board_id.into(),
                i.seq.into(),
                i.author_id.into(),
                i.title.clone().into(),
                i.text.clone().into(),
                i.tags.clone().into(),
                i.merged_into.map(|m| m.0).into(),
                i.created_at.into(),
                i.updated_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

fn select_ideas() -> SelectStatement {
    Query::select()
        .columns(IDEA_COLUMNS)
        .from(Ideas::Table)
        .to_owned()
}

pub async fn idea(db: &Db, id: IdeaId) -> Result<Option<IdeaRow>> {
    db.fetch_optional(
        &select_ideas()
            .and_where(Expr::col(Ideas::Id).eq(id))
            .to_owned(),
    )
    .await
}

pub async fn idea_in(tx: &mut Tx, id: IdeaId) -> Result<Option<IdeaRow>> {
    tx.fetch_optional(
        &select_ideas()
            .and_where(Expr::col(Ideas::Id).eq(id))
            .to_owned(),
    )
    .await
}

/// A board's ideas in their order, from place `after` on; duplicates too when `merged`.
pub async fn ideas_of(db: &Db, board: BoardId, after: i64, merged: bool) -> Result<Vec<IdeaRow>> {
    let mut q = select_ideas()
        .and_where(Expr::col(Ideas::BoardId).eq(board))
        .and_where(Expr::col(Ideas::Seq).gt(after))
        .order_by(Ideas::Seq, Order::Asc)
        .to_owned();
    if !merged {
        q.and_where(Expr::col(Ideas::MergedInto).is_null());
    }
    db.fetch_all(&q).await
}

/// How many standing ideas each of these boards has.
pub async fn standing_counts(db: &Db, boards: &[BoardId]) -> Result<Vec<(BoardId, i64)>> {
    if boards.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        Query::select()
            .column(Ideas::BoardId)
            .expr(Expr::col(Ideas::Id).count())
            .from(Ideas::Table)
            .and_where(Expr::col(Ideas::BoardId).is_in(boards.iter().map(|b| b.0)))
            .and_where(Expr::col(Ideas::MergedInto).is_null())
            .group_by_col(Ideas::BoardId),
    )
    .await
}

/// The dots a person placed on each of these boards.
pub async fn dots_by_board(
    db: &Db,
    boards: &[BoardId],
    account: AccountId,
) -> Result<Vec<(BoardId, i64)>> {
    if boards.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        Query::select()
            .column(IdeaDots::BoardId)
            .expr(
                Expr::col(IdeaDots::Dots)
                    .sum()
                    .cast_as(sea_query::Alias::new("BIGINT")),
            )
            .from(IdeaDots::Table)
            .and_where(Expr::col(IdeaDots::BoardId).is_in(boards.iter().map(|b| b.0)))
            .and_where(Expr::col(IdeaDots::AccountId).eq(account))
            .group_by_col(IdeaDots::BoardId),
    )
    .await
}

pub async fn ideas_by_ids(db: &Db, ids: &[IdeaId]) -> Result<Vec<IdeaRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        &select_ideas()
            .and_where(Expr::col(Ideas::Id).is_in(ids.iter().map(|i| i.0)))
            .to_owned(),
    )
    .await
}

pub async fn update_idea(tx: &mut Tx, i: &IdeaRow) -> Result<()> {
    tx.execute(
        Query::update()
            .table(Ideas::Table)
            .value(Ideas::Title, i.title.clone())
            .value(Ideas::Text, i.text.clone())
            .value(Ideas::Tags, i.tags.clone())
            .value(Ideas::UpdatedAt, i.updated_at)
            .and_where(Expr::col(Ideas::Id).eq(i.id)),
    )
    .await
    .map(|_| ())
}

/// Merges `from` into `into`: the duplicate, and duplicates merged into it before, now point
/// at the survivor, which takes over their endorsements, reactions and dots.
pub async fn merge(tx: &mut Tx, from: IdeaId, into: IdeaId, now: i64) -> Result<()> {
    tx.execute(
        Query::update()
            .table(Ideas::Table)
            .value(Ideas::MergedInto, into.0)
            .value(Ideas::UpdatedAt, now)
            .cond_where(
                sea_query::Cond::any()
                    .add(Expr::col(Ideas::Id).eq(from))
                    .add(Expr::col(Ideas::MergedInto).eq(from)),
            ),
    )
    .await?;
    // Endorsements and reactions: one per person (and emoji) on the survivor.
    tx.execute(
        Query::insert()
            .into_table(IdeaEndorsements::Table)
            .columns([
                IdeaEndorsements::IdeaId,
                IdeaEndorsements::AccountId,
                IdeaEndorsements::CreatedAt,
            ])
            .select_from(
                Query::select()
                    .expr(Expr::val(into.0))
                    .columns([IdeaEndorsements::AccountId, IdeaEndorsements::CreatedAt])
                    .from(IdeaEndorsements::Table)
                    .and_where(Expr::col(IdeaEndorsements::IdeaId).eq(from))
                    .to_owned(),
            )
            .expect("columns match")
            .on_conflict(
                OnConflict::columns([IdeaEndorsements::IdeaId, IdeaEndorsements::AccountId])
                    .do_nothing()
                    .to_owned(),
            ),
    )
    .await?;
    tx.execute(
        Query::insert()
            .into_table(IdeaReactions::Table)
            .columns([
                IdeaReactions::IdeaId,
                IdeaReactions::AccountId,
                IdeaReactions::Emoji,
                IdeaReactions::CreatedAt,
            ])
            .select_from(
                Query::select()
                    .expr(Expr::val(into.0))
                    .columns([
                        IdeaReactions::AccountId,
                        IdeaReactions::Emoji,
                        IdeaReactions::CreatedAt,
                    ])
                    .from(IdeaReactions::Table)
                    .and_where(Expr::col(IdeaReactions::IdeaId).eq(from))
                    .to_owned(),
            )
            .expect("columns match")
            .on_conflict(
                OnConflict::columns([
                    IdeaReactions::IdeaId,
                    IdeaReactions::AccountId,
                    IdeaReactions::Emoji,
                ])
                .do_nothing()
                .to_owned(),
            ),
    )
    .await?;
    // Dots add up: a person's total on the board does not change.
    let moved: Vec<(AccountId, i64)> = tx
        .fetch_all(
            Query::select()
                .columns([IdeaDots::AccountId, IdeaDots::Dots])
                .from(IdeaDots::Table)
                .and_where(Expr::col(IdeaDots::IdeaId).eq(from)),
        )
        .await?;
    for (account, dots) in moved {
        tx.execute(
            Query::insert()
                .into_table(IdeaDots::Table)
                .columns([
                    IdeaDots::IdeaId,
                    IdeaDots::AccountId,
                    IdeaDots::BoardId,
                    IdeaDots::Dots,
                ])
                .select_from(
                    Query::select()
                        .expr(Expr::val(into.0))
                        .expr(Expr::val(account.0))
                        .column(Ideas::BoardId)
                        .expr(Expr::val(dots))
                        .from(Ideas::Table)
                        .and_where(Expr::col(Ideas::Id).eq(into))
                        .to_owned(),
                )
                .expect("columns match")
                .on_conflict(
                    OnConflict::columns([IdeaDots::IdeaId, IdeaDots::AccountId])
                        .value(
                            IdeaDots::Dots,
                            Expr::col((IdeaDots::Table, IdeaDots::Dots)).add(dots),
                        )
                        .to_owned(),
                ),
        )
        .await?;
    }
    for table in [
        IdeaTable::Endorsements,
        IdeaTable::Reactions,
        IdeaTable::Dots,
    ] {
        tx.execute(
            Query::delete()
                .from_table(table)
                .and_where(Expr::col(IdeaEndorsements::IdeaId).eq(from)),
        )
        .await?;
    }
    Ok(())
}

/// The tables keyed by `idea_id` that a merge empties.
#[derive(Clone, Copy)]
enum IdeaTable {
    Endorsements,
    Reactions,
    Dots,
}

impl Iden for IdeaTable {
    fn unquoted(&self) -> &str {
        match self {
            IdeaTable::Endorsements => "idea_endorsements",
            IdeaTable::Reactions => "idea_reactions",
            IdeaTable::Dots => "idea_dots",
        }
    }
}

// ---------------------------------------------------------------------------------------
// Endorsements, reactions, dots

pub async fn endorse(
    tx: &mut Tx,
    idea: IdeaId,
    account: AccountId,
    on: bool,
    now: i64,
) -> Result<()> {
    if on {
        tx.execute(
            Query::insert()
                .into_table(IdeaEndorsements::Table)
                .columns([
                    IdeaEndorsements::IdeaId,
                    IdeaEndorsements::AccountId,
                    IdeaEndorsements::CreatedAt,
                ])
                .values_panic([idea.into(), account.into(), now.into()])
                .on_conflict(
                    OnConflict::columns([IdeaEndorsements::IdeaId, IdeaEndorsements::AccountId])
                        .do_nothing()
                        .to_owned(),
                ),
        )
        .await?;
    } else {
        tx.execute(
            Query::delete()
                .from_table(IdeaEndorsements::Table)
                .and_where(Expr::col(IdeaEndorsements::IdeaId).eq(idea))
                .and_where(Expr::col(IdeaEndorsements::AccountId).eq(account)),
        )
        .await?;
    }
    Ok(())
}

pub async fn react(
    tx: &mut Tx,
    idea: IdeaId,
    account: AccountId,
    emoji: &str,
    on: bool,
    now: i64,
) -> Result<()> {
    if on {
        tx.execute(
            Query::insert()
                .into_table(IdeaReactions::Table)
                .columns([
                    IdeaReactions::IdeaId,
                    IdeaReactions::AccountId,
                    IdeaReactions::Emoji,
                    IdeaReactions::CreatedAt,
                ])
                .values_panic([idea.into(), account.into(), emoji.into(), now.into()])
                .on_conflict(
                    OnConflict::columns([
                        IdeaReactions::IdeaId,
                        IdeaReactions::AccountId,
                        IdeaReactions::Emoji,
                    ])
                    .do_nothing()
                    .to_owned(),
                ),
        )
        .await?;
    } else {
        tx.execute(
            Query::delete()
                .from_table(IdeaReactions::Table)
                .and_where(Expr::col(IdeaReactions::IdeaId).eq(idea))
                .and_where(Expr::col(IdeaReactions::AccountId).eq(account))
                .and_where(Expr::col(IdeaReactions::Emoji).eq(emoji)),
        )
        .await?;
    }
    Ok(())
}

/// Sets a person's dots on an idea (0 takes them back).
pub async fn set_dots(
    tx: &mut Tx,
    board: BoardId,
    idea: IdeaId,
    account: AccountId,
    dots: i64,
) -> Result<()> {
    tx.execute(
        Query::delete()
            .from_table(IdeaDots::Table)
            .and_where(Expr::col(IdeaDots::IdeaId).eq(idea))
            .and_where(Expr::col(IdeaDots::AccountId).eq(account)),
    )
    .await?;
    if dots > 0 {
        tx.execute(
            Query::insert()
                .into_table(IdeaDots::Table)
                .columns([
                    IdeaDots::IdeaId,
                    IdeaDots::AccountId,
                    IdeaDots::BoardId,
                    IdeaDots::Dots,
                ])
                .values_panic([idea.into(), account.into(), board.into(), dots.into()]),
        )
        .await?;
    }
    Ok(())
}

/// The dots a person placed on a board, in all.
pub async fn dots_placed(tx: &mut Tx, board: BoardId, account: AccountId) -> Result<i64> {
    let rows: Vec<(i64,)> = tx
        .fetch_all(
            Query::select()
                .column(IdeaDots::Dots)
                .from(IdeaDots::Table)
                .and_where(Expr::col(IdeaDots::BoardId).eq(board))
                .and_where(Expr::col(IdeaDots::AccountId).eq(account)),
        )
        .await?;
    Ok(rows.into_iter().map(|(d,)| d).sum())
}

/// A person's dots on one idea.
pub async fn dots_on(tx: &mut Tx, idea: IdeaId, account: AccountId) -> Result<i64> {
    let rows: Vec<(i64,)> = tx
        .fetch_all(
            Query::select()
                .column(IdeaDots::Dots)
                .from(IdeaDots::Table)
                .and_where(Expr::col(IdeaDots::IdeaId).eq(idea))
                .and_where(Expr::col(IdeaDots::AccountId).eq(account)),
        )
        .await?;
    Ok(rows.into_iter().map(|(d,)| d).sum())
}

/// The most dots any one person placed on a board.
pub async fn most_dots_placed(tx: &mut Tx, board: BoardId) -> Result<i64> {
    let rows: Vec<(AccountId, i64)> = tx
        .fetch_all(
            Query::select()
                .columns([IdeaDots::AccountId, IdeaDots::Dots])
                .from(IdeaDots::Table)
                .and_where(Expr::col(IdeaDots::BoardId).eq(board)),
        )
        .await?;
    let mut by: std::collections::HashMap<AccountId, i64> = std::collections::HashMap::new();
    for (who, dots) in rows {
        *by.entry(who).or_default() += dots;
    }
    Ok(by.into_values().max().unwrap_or(0))
}

/// A board's standing ideas' ids and titles, in their order (what a ranking names).
pub async fn titles_of(db: &Db, board: BoardId) -> Result<Vec<(IdeaId, String)>> {
    db.fetch_all(
        Query::select()
            .columns([Ideas::Id, Ideas::Title])
            .from(Ideas::Table)
            .and_where(Expr::col(Ideas::BoardId).eq(board))
            .and_where(Expr::col(Ideas::MergedInto).is_null())
            .order_by(Ideas::Seq, Order::Asc),
    )
    .await
}

/// What people did with a board's ideas, for its views: every endorsement, reaction and dot.
#[derive(Debug, Default)]
pub struct Marks {
    pub endorsements: Vec<(IdeaId, AccountId)>,
    pub reactions: Vec<(IdeaId, AccountId, String)>,
    pub dots: Vec<(IdeaId, AccountId, i64)>,
}

pub async fn marks(db: &Db, ideas: &[IdeaId]) -> Result<Marks> {
    if ideas.is_empty() {
        return Ok(Marks::default());
    }
    let ids = || ideas.iter().map(|i| i.0);
    let endorsements = Query::select()
        .columns([IdeaEndorsements::IdeaId, IdeaEndorsements::AccountId])
        .from(IdeaEndorsements::Table)
        .and_where(Expr::col(IdeaEndorsements::IdeaId).is_in(ids()))
        .to_owned();
    let reactions = Query::select()
        .columns([
            IdeaReactions::IdeaId,
            IdeaReactions::AccountId,
            IdeaReactions::Emoji,
        ])
        .from(IdeaReactions::Table)
        .and_where(Expr::col(IdeaReactions::IdeaId).is_in(ids()))
        .order_by(IdeaReactions::CreatedAt, Order::Asc)
        .to_owned();
    let dots = Query::select()
        .columns([IdeaDots::IdeaId, IdeaDots::AccountId, IdeaDots::Dots])
        .from(IdeaDots::Table)
        .and_where(Expr::col(IdeaDots::IdeaId).is_in(ids()))
        .to_owned();
    // Three reads at once, on the pool's readers.
    let (endorsements, reactions, dots) = futures::try_join!(
        db.fetch_all(&endorsements),
        db.fetch_all(&reactions),
        db.fetch_all(&dots)
    )?;
    Ok(Marks {
        endorsements,
        reactions,
        dots,
    })
}

// ---------------------------------------------------------------------------------------
// The survey's answers

#[allow(clippy::too_many_arguments)]
pub async fn insert_answer(
    tx: &mut Tx,
    id: uuid::Uuid,
    board: BoardId,
    seq: i64,
    voter: AccountId,
    left: IdeaId,
    right: IdeaId,
    winner: &str,
    now: i64,
) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(IdeaComparisons::Table)
            .columns([
                IdeaComparisons::Id,
                IdeaComparisons::BoardId,
                IdeaComparisons::Seq,
                IdeaComparisons::VoterId,
                IdeaComparisons::LeftId,
                IdeaComparisons::RightId,
                IdeaComparisons::Winner,
                IdeaComparisons::CreatedAt,
            ])
            .values_panic([
                id.into(),
                board.into(),
                seq.into(),
                voter.into(),
                left.into(),
                right.into(),
                winner.into(),
                now.into(),
            ]),
    )
    .await
    .map(|_| ())
}

pub async fn answer_exists(db: &Db, id: uuid::Uuid) -> Result<bool> {
    let found: Option<(i64,)> = db
        .fetch_optional(
            Query::select()
                .column(IdeaComparisons::Seq)
                .from(IdeaComparisons::Table)
                .and_where(Expr::col(IdeaComparisons::Id).eq(id)),
        )
        .await?;
    Ok(found.is_some())
}

/// A board's answers after place `after`, in order.
pub async fn answers_after(db: &Db, board: BoardId, after: i64) -> Result<Vec<AnswerRow>> {
    db.fetch_all(
        Query::select()
            .columns([
                IdeaComparisons::Seq,
                IdeaComparisons::VoterId,
                IdeaComparisons::LeftId,
                IdeaComparisons::RightId,
                IdeaComparisons::Winner,
            ])
            .from(IdeaComparisons::Table)
            .and_where(Expr::col(IdeaComparisons::BoardId).eq(board))
            .and_where(Expr::col(IdeaComparisons::Seq).gt(after))
            .order_by(IdeaComparisons::Seq, Order::Asc),
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Promotions

pub async fn insert_promotion(tx: &mut Tx, p: &PromotionRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(IdeaPromotions::Table)
            .columns([
                IdeaPromotions::Id,
                IdeaPromotions::BoardId,
                IdeaPromotions::MotionId,
                IdeaPromotions::Kind,
                IdeaPromotions::Ideas,
                IdeaPromotions::CreatedBy,
                IdeaPromotions::CreatedAt,
            ])
            .values_panic([
                p.id.into(),
                p.board_id.into(),
                p.motion_id.into(),
                p.kind.clone().into(),
                p.ideas.clone().into(),
                p.created_by.into(),
                p.created_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

pub async fn promotions_of(db: &Db, boards: &[BoardId]) -> Result<Vec<PromotionRow>> {
    if boards.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        Query::select()
            .columns([
                IdeaPromotions::Id,
                IdeaPromotions::BoardId,
                IdeaPromotions::MotionId,
                IdeaPromotions::Kind,
                IdeaPromotions::Ideas,
                IdeaPromotions::CreatedBy,
                IdeaPromotions::CreatedAt,
            ])
            .from(IdeaPromotions::Table)
            .and_where(Expr::col(IdeaPromotions::BoardId).is_in(boards.iter().map(|b| b.0)))
            .order_by(IdeaPromotions::CreatedAt, Order::Desc),
    )
    .await
}

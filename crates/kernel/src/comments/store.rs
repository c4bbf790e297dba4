//! Comments' queries.

use sea_query::{Expr, ExprTrait, Iden, OnConflict, Order, Query};
use uuid::Uuid;

use crate::Result;
use crate::db::{Db, Tx};
use crate::id::{AccountId, CommentId, GroupId};

#[derive(Iden, Clone, Copy)]
enum Comments {
    Table,
    Id,
    GroupId,
    SubjectType,
    SubjectId,
    ParentId,
    AuthorId,
    Body,
    CreatedAt,
    EditedAt,
    DeletedAt,
}

#[derive(Iden)]
enum CommentReactions {
    Table,
    CommentId,
    AccountId,
    Emoji,
    CreatedAt,
}

const COLUMNS: [Comments; 10] = [
    Comments::Id,
    Comments::GroupId,
    Comments::SubjectType,
    Comments::SubjectId,
    Comments::ParentId,
    Comments::AuthorId,
    Comments::Body,
    Comments::CreatedAt,
    Comments::EditedAt,
    Comments::DeletedAt,
];

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CommentRow {
    pub id: CommentId,
    pub group_id: GroupId,
    pub subject_type: String,
    pub subject_id: String,
    pub parent_id: Option<CommentId>,
    pub author_id: Option<AccountId>,
    pub body: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub deleted_at: Option<i64>,
}

pub async fn insert(tx: &mut Tx, c: &CommentRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(Comments::Table)
            .columns(COLUMNS)
            .values_panic([
                c.id.into(),
                c.group_id.into(),
                c.subject_type.clone().into(),
                c.subject_id.clone().into(),
                c.parent_id.map(|p| p.0).into(),
                c.author_id.map(|a| a.0).into(),
                c.body.clone().into(),
                c.created_at.into(),
                c.edited_at.into(),
                c.deleted_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

pub async fn get(db: &Db, id: CommentId) -> Result<Option<CommentRow>> {
    db.fetch_optional(
        Query::select()
            .columns(COLUMNS)
            .from(Comments::Table)
            .and_where(Expr::col(Comments::Id).eq(id)),
    )
    .await
}

/// A page of a thing's comments, oldest first, after `after`.
pub async fn of_subject(
    db: &Db,
    group: GroupId,
    subject_type: &str,
    subject_id: &str,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<CommentRow>> {
    let mut q = Query::select();
    q.columns(COLUMNS)
        .from(Comments::Table)
        .and_where(Expr::col(Comments::SubjectType).eq(subject_type))
        .and_where(Expr::col(Comments::SubjectId).eq(subject_id))
        .and_where(Expr::col(Comments::GroupId).eq(group))
        .order_by(Comments::Id, Order::Asc)
        .limit(u64::from(limit));
    if let Some(after) = after {
        q.and_where(Expr::col(Comments::Id).gt(after));
    }
    db.fetch_all(&q).await
}

pub async fn set_body(tx: &mut Tx, id: CommentId, body: &str, now: i64) -> Result<()> {
    tx.execute(
        Query::update()
            .table(Comments::Table)
            .value(Comments::Body, body)
            .value(Comments::EditedAt, now)
            .and_where(Expr::col(Comments::Id).eq(id)),
    )
    .await
    .map(|_| ())
}

/// Deleting keeps the row (its answers hang from it) and drops the text and reactions.
pub async fn mark_deleted(tx: &mut Tx, id: CommentId, now: i64) -> Result<()> {
    tx.execute(
        Query::update()
            .table(Comments::Table)
            .value(Comments::Body, "")
            .value(Comments::DeletedAt, now)
            .and_where(Expr::col(Comments::Id).eq(id))
            .and_where(Expr::col(Comments::DeletedAt).is_null()),
    )
    .await?;
    tx.execute(
        Query::delete()
            .from_table(CommentReactions::Table)
            .and_where(Expr::col(CommentReactions::CommentId).eq(id)),
    )
    .await
    .map(|_| ())
}

pub async fn add_reaction(
    tx: &mut Tx,
    id: CommentId,
    account: AccountId,
    emoji: &str,
    now: i64,
) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(CommentReactions::Table)
            .columns([
                CommentReactions::CommentId,
                CommentReactions::AccountId,
                CommentReactions::Emoji,
                CommentReactions::CreatedAt,
            ])
            .values_panic([id.into(), account.into(), emoji.into(), now.into()])
            .on_conflict(
                OnConflict::columns([
                    CommentReactions::CommentId,
                    CommentReactions::AccountId,
                    CommentReactions::Emoji,
                ])
                .do_nothing()
                .to_owned(),
            ),
    )
    .await
    .map(|_| ())
}

pub async fn remove_reaction(
    tx: &mut Tx,
    id: CommentId,
    account: AccountId,
    emoji: &str,
) -> Result<()> {
    tx.execute(
        Query::delete()
            .from_table(CommentReactions::Table)
            .and_where(Expr::col(CommentReactions::CommentId).eq(id))
            .and_where(Expr::col(CommentReactions::AccountId).eq(account))
            .and_where(Expr::col(CommentReactions::Emoji).eq(emoji)),
    )
    .await
    .map(|_| ())
}

/// Every reaction on these comments: (comment, who, emoji), oldest first.
pub async fn reactions(db: &Db, ids: &[CommentId]) -> Result<Vec<(CommentId, AccountId, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        Query::select()
            .columns([
                CommentReactions::CommentId,
                CommentReactions::AccountId,
                CommentReactions::Emoji,
            ])
            .from(CommentReactions::Table)
            .and_where(Expr::col(CommentReactions::CommentId).is_in(ids.iter().map(|i| i.0)))
            .order_by(CommentReactions::CreatedAt, Order::Asc),
    )
    .await
}

/// How many comments (not deleted) each of these things has.
pub async fn counts(
    db: &Db,
    group: GroupId,
    subject_type: &str,
    ids: &[String],
) -> Result<Vec<(String, i64)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        Query::select()
            .column(Comments::SubjectId)
            .expr(Expr::col(Comments::Id).count())
            .from(Comments::Table)
            .and_where(Expr::col(Comments::GroupId).eq(group))
            .and_where(Expr::col(Comments::SubjectType).eq(subject_type))
            .and_where(Expr::col(Comments::SubjectId).is_in(ids.iter().cloned()))
            .and_where(Expr::col(Comments::DeletedAt).is_null())
            .group_by_col(Comments::SubjectId),
    )
    .await
}

/// Moves a thing's comments onto another thing of the same type in the same group.
pub async fn carry_over(
    tx: &mut Tx,
    group: GroupId,
    subject_type: &str,
    from: &str,
    to: &str,
) -> Result<u64> {
    tx.execute(
        Query::update()
            .table(Comments::Table)
            .value(Comments::SubjectId, to)
            .and_where(Expr::col(Comments::GroupId).eq(group))
            .and_where(Expr::col(Comments::SubjectType).eq(subject_type))
            .and_where(Expr::col(Comments::SubjectId).eq(from)),
    )
    .await
}

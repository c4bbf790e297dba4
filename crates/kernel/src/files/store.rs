//! Files' queries.

use sea_query::{Expr, ExprTrait, Iden, Order, Query};

use crate::Result;
use crate::db::{Db, Tx};
use crate::id::{AccountId, FileId, GroupId};

#[derive(Iden, Clone, Copy)]
enum Files {
    Table,
    Id,
    GroupId,
    SubjectType,
    SubjectId,
    Name,
    ContentType,
    Size,
    Sha256,
    Data,
    UploadedBy,
    CreatedAt,
}

const COLUMNS: [Files; 10] = [
    Files::Id,
    Files::GroupId,
    Files::SubjectType,
    Files::SubjectId,
    Files::Name,
    Files::ContentType,
    Files::Size,
    Files::Sha256,
    Files::UploadedBy,
    Files::CreatedAt,
];

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FileRow {
    pub id: FileId,
    pub group_id: GroupId,
    pub subject_type: String,
    pub subject_id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: Vec<u8>,
    pub uploaded_by: Option<AccountId>,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct WithData {
    #[sqlx(flatten)]
    row: FileRow,
    data: Vec<u8>,
}

pub async fn insert(tx: &mut Tx, f: &FileRow, data: Vec<u8>) -> Result<()> {
    let mut columns = COLUMNS.to_vec();
    columns.push(Files::Data);
    tx.execute(
        Query::insert()
            .into_table(Files::Table)
            .columns(columns)
            .values_panic([
                f.id.into(),
                f.group_id.into(),
                f.subject_type.clone().into(),
                f.subject_id.clone().into(),
                f.name.clone().into(),
                f.content_type.clone().into(),
                f.size.into(),
                f.sha256.clone().into(),
                f.uploaded_by.map(|a| a.0).into(),
                f.created_at.into(),
                data.into(),
            ]),
    )
    .await
    .map(|_| ())
}

pub async fn get(db: &Db, id: FileId) -> Result<Option<(FileRow, Vec<u8>)>> {
    let found: Option<WithData> = db
        .fetch_optional(
            Query::select()
                .columns(COLUMNS)
                .column(Files::Data)
                .from(Files::Table)
                .and_where(Expr::col(Files::Id).eq(id)),
        )
        .await?;
    Ok(found.map(|f| (f.row, f.data)))
}

/// A thing's files, without their bytes, oldest first (at most 200).
pub async fn of_subject(
    db: &Db,
    group: GroupId,
    subject_type: &str,
    subject_id: &str,
) -> Result<Vec<FileRow>> {
    db.fetch_all(
        Query::select()
            .columns(COLUMNS)
            .from(Files::Table)
            .and_where(Expr::col(Files::GroupId).eq(group))
            .and_where(Expr::col(Files::SubjectType).eq(subject_type))
            .and_where(Expr::col(Files::SubjectId).eq(subject_id))
            .order_by(Files::Id, Order::Asc)
            .limit(200),
    )
    .await
}

pub async fn delete(tx: &mut Tx, id: FileId) -> Result<()> {
    tx.execute(
        Query::delete()
            .from_table(Files::Table)
            .and_where(Expr::col(Files::Id).eq(id)),
    )
    .await
    .map(|_| ())
}

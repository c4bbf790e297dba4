//! The log's queries, written once for both databases.

use sea_query::{Alias, Condition, Expr, ExprTrait, Iden, Order, Query, SelectStatement};
use uuid::Uuid;

use crate::db::{Backend, Db, Tx};
use crate::groups::store::Groups;
use crate::id::{AccountId, ActivityId, GroupId};
use crate::people::store::Accounts;
use crate::{Result, Timestamp};

use super::model::{Cursor, NewActivity, ObjectRef};

#[derive(Iden, Clone, Copy)]
pub enum Activities {
    Table,
    Id,
    Pos,
    Type,
    ActorId,
    ObjectType,
    ObjectId,
    ObjectName,
    TargetType,
    TargetId,
    GroupId,
    Audience,
    Tool,
    Summary,
    Reason,
    Url,
    Extra,
    Published,
}

#[derive(Iden)]
pub enum ActivityRecipients {
    Table,
    ActivityId,
    AccountId,
}

#[derive(Iden)]
pub enum Consumers {
    Table,
    Name,
    Pos,
    LastId,
    UpdatedAt,
}

pub const AUDIENCE_GROUP: &str = "group";
pub const AUDIENCE_ACCOUNTS: &str = "accounts";

/// The columns a writer fills, in the order `insert` gives their values (`pos` is the
/// database's, or the writer transaction's on SQLite).
const WRITTEN: [Activities; 16] = [
    Activities::Id,
    Activities::Type,
    Activities::ActorId,
    Activities::ObjectType,
    Activities::ObjectId,
    Activities::ObjectName,
    Activities::TargetType,
    Activities::TargetId,
    Activities::GroupId,
    Activities::Audience,
    Activities::Tool,
    Activities::Summary,
    Activities::Reason,
    Activities::Url,
    Activities::Extra,
    Activities::Published,
];

/// An activity with the names it shows (its actor's handle, its group's handle).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActivityRow {
    pub id: ActivityId,
    pub pos: i64,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub actor_id: Option<AccountId>,
    pub actor_handle: Option<String>,
    pub actor_name: Option<String>,
    pub object_type: String,
    pub object_id: String,
    pub object_name: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub group_id: Option<GroupId>,
    pub group_handle: Option<String>,
    pub group_name: Option<String>,
    pub audience: String,
    pub tool: String,
    pub summary: String,
    pub reason: Option<String>,
    pub url: Option<String>,
    pub extra: String,
    pub published: i64,
}

/// The select every reader of activities starts from (`a` for the activity).
pub fn select_activities() -> SelectStatement {
    let a = Alias::new("a");
    Query::select()
        .columns(
            WRITTEN
                .into_iter()
                .chain([Activities::Pos])
                .map(|c| (a.clone(), c)),
        )
        .expr_as(
            Expr::col((Alias::new("ac"), Accounts::Handle)),
            Alias::new("actor_handle"),
        )
        .expr_as(
            Expr::col((Alias::new("ac"), Accounts::DisplayName)),
            Alias::new("actor_name"),
        )
        .expr_as(
            Expr::col((Alias::new("g"), Groups::Handle)),
            Alias::new("group_handle"),
        )
        .expr_as(
            Expr::col((Alias::new("g"), Groups::Name)),
            Alias::new("group_name"),
        )
        .from_as(Activities::Table, a.clone())
        .join_as(
            sea_query::JoinType::LeftJoin,
            Accounts::Table,
            Alias::new("ac"),
            Expr::col((Alias::new("ac"), Accounts::Id)).equals((a.clone(), Activities::ActorId)),
        )
        .join_as(
            sea_query::JoinType::LeftJoin,
            Groups::Table,
            Alias::new("g"),
            Expr::col((Alias::new("g"), Groups::Id)).equals((a, Activities::GroupId)),
        )
        .to_owned()
}

pub fn col(c: Activities) -> Expr {
    Expr::col((Alias::new("a"), c))
}

fn object_value(o: &Option<ObjectRef>, f: impl Fn(&ObjectRef) -> String) -> sea_query::Value {
    o.as_ref().map(f).into()
}

pub async fn insert(tx: &mut Tx, id: ActivityId, new: &NewActivity, now: Timestamp) -> Result<()> {
    let audience = match new.audience {
        super::Audience::Group(_) => AUDIENCE_GROUP,
        super::Audience::Accounts { .. } => AUDIENCE_ACCOUNTS,
    };
    let mut columns = WRITTEN.to_vec();
    let mut values: Vec<Expr> = vec![
        id.into(),
        new.kind.clone().into(),
        new.actor.map(|a| a.0).into(),
        new.object.kind.clone().into(),
        new.object.id.clone().into(),
        new.object.name.clone().into(),
        Expr::val(object_value(&new.target, |t| t.kind.clone())),
        Expr::val(object_value(&new.target, |t| t.id.clone())),
        new.audience.group().map(|g| g.0).into(),
        audience.into(),
        new.tool.clone().into(),
        new.summary.clone().into(),
        new.reason.clone().into(),
        new.url.clone().into(),
        new.extra.to_string().into(),
        now.into(),
    ];
    // SQLite has one writer: a counter taken inside the transaction is commit order.
    // PostgreSQL fills `pos` with the transaction's id (see the migration).
    if tx.backend() == Backend::Sqlite {
        columns.push(Activities::Pos);
        values.push(Expr::cust(
            "(SELECT COALESCE(MAX(pos), 0) + 1 FROM activities)",
        ));
    }
    tx.execute(
        Query::insert()
            .into_table(Activities::Table)
            .columns(columns)
            .values_panic(values),
    )
    .await?;
    Ok(())
}

pub async fn insert_recipients(tx: &mut Tx, id: ActivityId, accounts: &[AccountId]) -> Result<()> {
    for chunk in accounts.chunks(500) {
        let mut q = Query::insert()
            .into_table(ActivityRecipients::Table)
            .columns([
                ActivityRecipients::ActivityId,
                ActivityRecipients::AccountId,
            ])
            .on_conflict(
                sea_query::OnConflict::columns([
                    ActivityRecipients::ActivityId,
                    ActivityRecipients::AccountId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .to_owned();
        for account in chunk {
            q.values_panic([id.into(), (*account).into()]);
        }
        tx.execute(&q).await?;
    }
    Ok(())
}

/// The recipients of these activities.
pub async fn recipients(db: &Db, ids: &[ActivityId]) -> Result<Vec<(ActivityId, AccountId)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        Query::select()
            .columns([
                ActivityRecipients::ActivityId,
                ActivityRecipients::AccountId,
            ])
            .from(ActivityRecipients::Table)
            .and_where(Expr::col(ActivityRecipients::ActivityId).is_in(ids.iter().copied())),
    )
    .await
}

/// A group's activities that `viewer` may see, newest first.
pub async fn group_feed(
    db: &Db,
    group: GroupId,
    viewer: Option<AccountId>,
    before: Option<Uuid>,
    limit: u32,
) -> Result<Vec<ActivityRow>> {
    db.fetch_all(&group_feed_query(group, viewer, before, limit))
        .await
}

pub(crate) fn group_feed_query(
    group: GroupId,
    viewer: Option<AccountId>,
    before: Option<Uuid>,
    limit: u32,
) -> SelectStatement {
    let mut shown = Condition::any().add(col(Activities::Audience).eq(AUDIENCE_GROUP));
    if let Some(viewer) = viewer {
        shown = shown.add(col(Activities::ActorId).eq(viewer)).add(
            col(Activities::Id).in_subquery(
                Query::select()
                    .column(ActivityRecipients::ActivityId)
                    .from(ActivityRecipients::Table)
                    .and_where(Expr::col(ActivityRecipients::AccountId).eq(viewer))
                    .to_owned(),
            ),
        );
    }
    let mut q = select_activities();
    q.and_where(col(Activities::GroupId).eq(group))
        .cond_where(shown)
        .order_by((Alias::new("a"), Activities::Id), Order::Desc)
        .limit(u64::from(limit) + 1);
    if let Some(before) = before {
        q.and_where(col(Activities::Id).lt(before));
    }
    q
}

/// The condition "committed after `cursor`, and nothing can still appear before it".
fn after_cursor(backend: Backend, cursor: Cursor) -> Condition {
    let after = Expr::tuple([col(Activities::Pos), col(Activities::Id)])
        .gt(Expr::tuple([Expr::val(cursor.pos), Expr::val(cursor.id)]));
    let mut c = Condition::all().add(after);
    if let Some(horizon) = backend.commit_horizon() {
        // Below the horizon every transaction has ended: no row can appear there later.
        c = c.add(col(Activities::Pos).lt(horizon));
    }
    c
}

pub(crate) fn log_query(backend: Backend, cursor: Cursor, limit: u32) -> SelectStatement {
    let mut q = select_activities();
    q.cond_where(after_cursor(backend, cursor))
        .order_by((Alias::new("a"), Activities::Pos), Order::Asc)
        .order_by((Alias::new("a"), Activities::Id), Order::Asc)
        .limit(u64::from(limit));
    q
}

pub async fn log_after(db: &Db, cursor: Cursor, limit: u32) -> Result<Vec<ActivityRow>> {
    db.fetch_all(&log_query(db.backend(), cursor, limit)).await
}

pub async fn log_after_in(tx: &mut Tx, cursor: Cursor, limit: u32) -> Result<Vec<ActivityRow>> {
    let backend = tx.backend();
    tx.fetch_all(&log_query(backend, cursor, limit)).await
}

/// Whether rows after `cursor` exist that a reader may not read yet (PostgreSQL: written by
/// a transaction above the horizon).
pub async fn held_back(db: &Db, cursor: Cursor) -> Result<bool> {
    if db.backend().commit_horizon().is_none() {
        return Ok(false);
    }
    let row: Option<(i64,)> = db
        .fetch_optional(
            Query::select()
                .expr(Expr::val(1i64))
                .from_as(Activities::Table, Alias::new("a"))
                .and_where(
                    Expr::tuple([col(Activities::Pos), col(Activities::Id)])
                        .gt(Expr::tuple([Expr::val(cursor.pos), Expr::val(cursor.id)])),
                )
                .limit(1),
        )
        .await?;
    Ok(row.is_some())
}

/// The newest position every reader may read up to now.
pub async fn head(db: &Db) -> Result<Cursor> {
    let mut q = Query::select()
        .columns([
            (Alias::new("a"), Activities::Pos),
            (Alias::new("a"), Activities::Id),
        ])
        .from_as(Activities::Table, Alias::new("a"))
        .order_by((Alias::new("a"), Activities::Pos), Order::Desc)
        .order_by((Alias::new("a"), Activities::Id), Order::Desc)
        .limit(1)
        .to_owned();
    if let Some(horizon) = db.backend().commit_horizon() {
        q.and_where(col(Activities::Pos).lt(horizon));
    }
    let row: Option<(i64, Uuid)> = db.fetch_optional(&q).await?;
    Ok(row.map_or(Cursor::START, |(pos, id)| Cursor { pos, id }))
}

/// A durable consumer's cursor, locked for this transaction (created at the start of the
/// log the first time).
pub async fn lock_consumer(tx: &mut Tx, name: &str, now: Timestamp) -> Result<Cursor> {
    tx.execute(
        Query::insert()
            .into_table(Consumers::Table)
            .columns([
                Consumers::Name,
                Consumers::Pos,
                Consumers::LastId,
                Consumers::UpdatedAt,
            ])
            .values_panic([
                name.into(),
                Cursor::START.pos.into(),
                Cursor::START.id.into(),
                now.into(),
            ])
            .on_conflict(
                sea_query::OnConflict::column(Consumers::Name)
                    .do_nothing()
                    .to_owned(),
            ),
    )
    .await?;
    let (pos, id): (i64, Uuid) = tx
        .fetch_one(
            Query::select()
                .columns([Consumers::Pos, Consumers::LastId])
                .from(Consumers::Table)
                .and_where(Expr::col(Consumers::Name).eq(name))
                .lock(sea_query::LockType::Update),
        )
        .await?;
    Ok(Cursor { pos, id })
}

pub async fn move_consumer(tx: &mut Tx, name: &str, to: Cursor, now: Timestamp) -> Result<()> {
    tx.execute(
        Query::update()
            .table(Consumers::Table)
            .values([
                (Consumers::Pos, to.pos.into()),
                (Consumers::LastId, to.id.into()),
                (Consumers::UpdatedAt, now.into()),
            ])
            .and_where(Expr::col(Consumers::Name).eq(name)),
    )
    .await
    .map(|_| ())
}

//! Notifications' queries, written once for both databases.

use sea_query::{
    Alias, Condition, Expr, ExprTrait, Func, Iden, OnConflict, Order, Query, SelectStatement,
};
use uuid::Uuid;

use crate::activity::store::{Activities, ActivityRecipients, ActivityRow, col, select_activities};
use crate::db::{Db, Tx};
use crate::groups::store::{Groups, Memberships};
use crate::id::{AccountId, ActivityId, GroupId};
use crate::people::store::Accounts;
use crate::{Result, Timestamp};

use super::model::Level;

#[derive(Iden)]
pub enum Notifications {
    Table,
    AccountId,
    ActivityId,
    Reason,
    CreatedAt,
    ReadAt,
}

#[derive(Iden)]
pub enum GroupSubscriptions {
    Table,
    AccountId,
    GroupId,
    Level,
    SeenUpTo,
}

#[derive(Iden)]
pub enum NotificationPrefs {
    Table,
    AccountId,
    DailyDigest,
    DigestSentAt,
}

pub async fn insert_direct(
    tx: &mut Tx,
    activity: ActivityId,
    to: &[AccountId],
    reason: &str,
    now: Timestamp,
) -> Result<()> {
    for chunk in to.chunks(500) {
        let mut q = Query::insert()
            .into_table(Notifications::Table)
            .columns([
                Notifications::AccountId,
                Notifications::ActivityId,
                Notifications::Reason,
                Notifications::CreatedAt,
            ])
            .to_owned();
        for account in chunk {
            q.values_panic([
                (*account).into(),
                activity.into(),
                reason.into(),
                now.into(),
            ]);
        }
        tx.execute(&q).await?;
    }
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InboxRow {
    #[sqlx(flatten)]
    pub activity: ActivityRow,
    /// The reason of the caller's direct notification, if it names them.
    pub notice: Option<String>,
    pub read_at: Option<i64>,
    pub seen_up_to: Option<Uuid>,
}

impl InboxRow {
    pub fn read(&self) -> bool {
        self.read_at.is_some()
            || (self.notice.is_none()
                && self
                    .seen_up_to
                    .is_some_and(|seen| self.activity.id.0 <= seen))
    }
}

fn n(c: Notifications) -> Expr {
    Expr::col((Alias::new("n"), c))
}

fn level() -> Expr {
    Func::coalesce([
        Expr::col((Alias::new("s"), GroupSubscriptions::Level)),
        Expr::val(Level::All.as_str()),
    ])
    .into()
}

/// What may be in `me`'s inbox, and the joins that say so (`n` their notification row, `m`
/// their membership of the activity's group, `s` their subscription to it).
fn inbox(mut q: SelectStatement, me: AccountId) -> SelectStatement {
    /// The caller's row of `table` (alias `alias`) for the activity's `on` column.
    fn own_row(
        q: &mut SelectStatement,
        table: impl Iden + 'static,
        alias: &str,
        column: impl Iden + 'static,
        on: Activities,
        account: impl Iden + 'static,
        me: AccountId,
    ) {
        let alias = Alias::new(alias);
        q.join_as(
            sea_query::JoinType::LeftJoin,
            table,
            alias.clone(),
            Condition::all()
                .add(Expr::col((alias.clone(), column)).equals((Alias::new("a"), on)))
                .add(Expr::col((alias, account)).eq(me)),
        );
    }
    own_row(
        &mut q,
        Notifications::Table,
        "n",
        Notifications::ActivityId,
        Activities::Id,
        Notifications::AccountId,
        me,
    );
    own_row(
        &mut q,
        Memberships::Table,
        "m",
        Memberships::GroupId,
        Activities::GroupId,
        Memberships::AccountId,
        me,
    );
    own_row(
        &mut q,
        GroupSubscriptions::Table,
        "s",
        GroupSubscriptions::GroupId,
        Activities::GroupId,
        GroupSubscriptions::AccountId,
        me,
    );
    q.cond_where(
        Condition::any()
            .add(
                Condition::all()
                    .add(n(Notifications::Reason).is_not_null())
                    .add(level().ne(Level::Mute.as_str())),
            )
            .add(
                Condition::all()
                    .add(col(Activities::Audience).eq(crate::activity::store::AUDIENCE_GROUP))
                    .add(Expr::col((Alias::new("m"), Memberships::AccountId)).is_not_null())
                    .add(level().eq(Level::All.as_str()))
                    .add(
                        Condition::any()
                            .add(col(Activities::ActorId).is_null())
                            .add(col(Activities::ActorId).ne(me)),
                    ),
            ),
    );
    q
}

fn unread() -> Condition {
    Condition::all()
        .add(n(Notifications::ReadAt).is_null())
        .add(
            Condition::any()
                .add(n(Notifications::Reason).is_not_null())
                .add(col(Activities::Id).gt(Func::coalesce([
                    Expr::col((Alias::new("s"), GroupSubscriptions::SeenUpTo)),
                    Expr::val(Uuid::nil()),
                ]))),
        )
}

pub struct InboxQuery {
    pub group: Option<GroupId>,
    pub tool: Option<String>,
    pub unread: bool,
    pub before: Option<Uuid>,
    pub limit: u32,
}

pub async fn inbox_page(db: &Db, me: AccountId, filter: &InboxQuery) -> Result<Vec<InboxRow>> {
    let mut q = inbox(select_activities(), me);
    q.expr_as(n(Notifications::Reason), Alias::new("notice"))
        .expr_as(n(Notifications::ReadAt), Alias::new("read_at"))
        .expr_as(
            Expr::col((Alias::new("s"), GroupSubscriptions::SeenUpTo)),
            Alias::new("seen_up_to"),
        )
        .order_by((Alias::new("a"), Activities::Id), Order::Desc)
        .limit(u64::from(filter.limit) + 1);
    if let Some(group) = filter.group {
        q.and_where(col(Activities::GroupId).eq(group));
    }
    if let Some(tool) = &filter.tool {
        q.and_where(col(Activities::Tool).eq(tool.as_str()));
    }
    if filter.unread {
        q.cond_where(unread());
    }
    if let Some(before) = filter.before {
        q.and_where(col(Activities::Id).lt(before));
    }
    db.fetch_all(&q).await
}

/// Unread items per group (`None`: items of no group).
pub async fn unread_counts(db: &Db, me: AccountId) -> Result<Vec<(Option<GroupId>, i64)>> {
    let mut q = inbox(
        Query::select()
            .from_as(Activities::Table, Alias::new("a"))
            .to_owned(),
        me,
    );
    q.expr(col(Activities::GroupId))
        .expr(Expr::col((Alias::new("a"), Activities::Id)).count())
        .cond_where(unread())
        .group_by_col((Alias::new("a"), Activities::GroupId));
    db.fetch_all(&q).await
}

/// Marks these items read, of those `me` may see.
pub async fn mark_items(
    tx: &mut Tx,
    me: AccountId,
    ids: &[ActivityId],
    now: Timestamp,
) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let visible = Condition::any()
        .add(
            Expr::col(Activities::GroupId).in_subquery(
                Query::select()
                    .column(Memberships::GroupId)
                    .from(Memberships::Table)
                    .and_where(Expr::col(Memberships::AccountId).eq(me))
                    .to_owned(),
            ),
        )
        .add(
            Expr::col(Activities::Id).in_subquery(
                Query::select()
                    .column(ActivityRecipients::ActivityId)
                    .from(ActivityRecipients::Table)
                    .and_where(Expr::col(ActivityRecipients::AccountId).eq(me))
                    .to_owned(),
            ),
        );
    let select = Query::select()
        .expr(Expr::val(me))
        .column(Activities::Id)
        .expr(Expr::val(now.0))
        .expr(Expr::val(now.0))
        .from(Activities::Table)
        .and_where(Expr::col(Activities::Id).is_in(ids.iter().copied()))
        .cond_where(visible)
        .to_owned();
    tx.execute(
        Query::insert()
            .into_table(Notifications::Table)
            .columns([
                Notifications::AccountId,
                Notifications::ActivityId,
                Notifications::CreatedAt,
                Notifications::ReadAt,
            ])
            .select_from(select)
            .map_err(|e| crate::Error::internal(e.to_string()))?
            .on_conflict(
                OnConflict::columns([Notifications::AccountId, Notifications::ActivityId])
                    .update_column(Notifications::ReadAt)
                    .to_owned(),
            ),
    )
    .await
}

/// Marks `me`'s direct notifications read: all of them, or those of one group up to an item.
pub async fn mark_direct(
    tx: &mut Tx,
    me: AccountId,
    group_up_to: Option<(GroupId, ActivityId)>,
    now: Timestamp,
) -> Result<u64> {
    let mut q = Query::update()
        .table(Notifications::Table)
        .value(Notifications::ReadAt, now.0)
        .and_where(Expr::col(Notifications::AccountId).eq(me))
        .and_where(Expr::col(Notifications::ReadAt).is_null())
        .to_owned();
    if let Some((group, up_to)) = group_up_to {
        q.and_where(Expr::col(Notifications::ActivityId).lte(up_to))
            .and_where(
                Expr::col(Notifications::ActivityId).in_subquery(
                    Query::select()
                        .column(Activities::Id)
                        .from(Activities::Table)
                        .and_where(Expr::col(Activities::GroupId).eq(group))
                        .to_owned(),
                ),
            );
    }
    tx.execute(&q).await
}

/// Moves `me`'s "seen up to" in groups: in one group, or (`None`) in every group they belong
/// to. It never moves back.
pub async fn mark_seen(
    tx: &mut Tx,
    me: AccountId,
    group: Option<GroupId>,
    up_to: Uuid,
) -> Result<()> {
    let mut select = Query::select()
        .expr(Expr::val(me))
        .column(Memberships::GroupId)
        .expr(Expr::val(Level::All.as_str()))
        .expr(Expr::val(up_to))
        .from(Memberships::Table)
        .and_where(Expr::col(Memberships::AccountId).eq(me))
        .to_owned();
    if let Some(group) = group {
        select.and_where(Expr::col(Memberships::GroupId).eq(group));
    }
    tx.execute(
        Query::insert()
            .into_table(GroupSubscriptions::Table)
            .columns([
                GroupSubscriptions::AccountId,
                GroupSubscriptions::GroupId,
                GroupSubscriptions::Level,
                GroupSubscriptions::SeenUpTo,
            ])
            .select_from(select)
            .map_err(|e| crate::Error::internal(e.to_string()))?
            .on_conflict(
                OnConflict::columns([GroupSubscriptions::AccountId, GroupSubscriptions::GroupId])
                    .value(
                        GroupSubscriptions::SeenUpTo,
                        Expr::cust("CASE WHEN group_subscriptions.seen_up_to IS NULL OR group_subscriptions.seen_up_to < excluded.seen_up_to THEN excluded.seen_up_to ELSE group_subscriptions.seen_up_to END"),
                    )
                    .to_owned(),
            ),
    )
    .await
    .map(|_| ())
}

/// A new member has seen everything before they joined.
pub async fn start_following(tx: &mut Tx, me: AccountId, group: GroupId) -> Result<()> {
    let now = ActivityId::new().0;
    tx.execute(
        Query::insert()
            .into_table(GroupSubscriptions::Table)
            .columns([
                GroupSubscriptions::AccountId,
                GroupSubscriptions::GroupId,
                GroupSubscriptions::Level,
                GroupSubscriptions::SeenUpTo,
            ])
            .values_panic([
                me.into(),
                group.into(),
                Level::All.as_str().into(),
                now.into(),
            ])
            .on_conflict(
                OnConflict::columns([GroupSubscriptions::AccountId, GroupSubscriptions::GroupId])
                    .update_column(GroupSubscriptions::SeenUpTo)
                    .to_owned(),
            ),
    )
    .await
    .map(|_| ())
}

pub async fn set_level(tx: &mut Tx, me: AccountId, group: GroupId, level: Level) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(GroupSubscriptions::Table)
            .columns([
                GroupSubscriptions::AccountId,
                GroupSubscriptions::GroupId,
                GroupSubscriptions::Level,
            ])
            .values_panic([me.into(), group.into(), level.as_str().into()])
            .on_conflict(
                OnConflict::columns([GroupSubscriptions::AccountId, GroupSubscriptions::GroupId])
                    .update_column(GroupSubscriptions::Level)
                    .to_owned(),
            ),
    )
    .await
    .map(|_| ())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LevelRow {
    pub group_id: GroupId,
    pub handle: String,
    pub name: String,
    pub level: Option<String>,
}

/// Every group `me` belongs to, with how they follow it.
pub async fn levels(db: &Db, me: AccountId) -> Result<Vec<LevelRow>> {
    let (g, m, s) = (Alias::new("g"), Alias::new("m"), Alias::new("s"));
    db.fetch_all(
        Query::select()
            .expr_as(Expr::col((g.clone(), Groups::Id)), Alias::new("group_id"))
            .column((g.clone(), Groups::Handle))
            .column((g.clone(), Groups::Name))
            .column((s.clone(), GroupSubscriptions::Level))
            .from_as(Memberships::Table, m.clone())
            .join_as(
                sea_query::JoinType::InnerJoin,
                Groups::Table,
                g.clone(),
                Expr::col((g.clone(), Groups::Id)).equals((m.clone(), Memberships::GroupId)),
            )
            .join_as(
                sea_query::JoinType::LeftJoin,
                GroupSubscriptions::Table,
                s.clone(),
                Condition::all()
                    .add(
                        Expr::col((s.clone(), GroupSubscriptions::GroupId))
                            .equals((m.clone(), Memberships::GroupId)),
                    )
                    .add(Expr::col((s, GroupSubscriptions::AccountId)).eq(me)),
            )
            .and_where(Expr::col((m, Memberships::AccountId)).eq(me))
            .order_by((g, Groups::Handle), Order::Asc),
    )
    .await
}

pub async fn prefs(db: &Db, me: AccountId) -> Result<(bool, Option<i64>)> {
    let row: Option<(bool, Option<i64>)> = db
        .fetch_optional(
            Query::select()
                .columns([
                    NotificationPrefs::DailyDigest,
                    NotificationPrefs::DigestSentAt,
                ])
                .from(NotificationPrefs::Table)
                .and_where(Expr::col(NotificationPrefs::AccountId).eq(me)),
        )
        .await?;
    Ok(row.unwrap_or((false, None)))
}

pub async fn set_digest(tx: &mut Tx, me: AccountId, on: bool) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(NotificationPrefs::Table)
            .columns([NotificationPrefs::AccountId, NotificationPrefs::DailyDigest])
            .values_panic([me.into(), on.into()])
            .on_conflict(
                OnConflict::column(NotificationPrefs::AccountId)
                    .update_column(NotificationPrefs::DailyDigest)
                    .to_owned(),
            ),
    )
    .await
    .map(|_| ())
}

/// The people who asked for a daily digest and have an address to send it to.
pub async fn digest_subscribers(db: &Db) -> Result<Vec<AccountId>> {
    let rows: Vec<(AccountId,)> = db
        .fetch_all(
            Query::select()
                .column((NotificationPrefs::Table, NotificationPrefs::AccountId))
                .from(NotificationPrefs::Table)
                .inner_join(
                    Accounts::Table,
                    Expr::col((Accounts::Table, Accounts::Id))
                        .equals((NotificationPrefs::Table, NotificationPrefs::AccountId)),
                )
                .and_where(
                    Expr::col((NotificationPrefs::Table, NotificationPrefs::DailyDigest)).eq(true),
                )
                .and_where(Expr::col((Accounts::Table, Accounts::Email)).is_not_null()),
        )
        .await?;
    Ok(rows.into_iter().map(|(a,)| a).collect())
}

pub async fn digest_sent(tx: &mut Tx, me: AccountId, now: Timestamp) -> Result<()> {
    tx.execute(
        Query::update()
            .table(NotificationPrefs::Table)
            .value(NotificationPrefs::DigestSentAt, now.0)
            .and_where(Expr::col(NotificationPrefs::AccountId).eq(me)),
    )
    .await
    .map(|_| ())
}

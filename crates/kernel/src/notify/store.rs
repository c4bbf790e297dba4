//! Notifications' queries, written once for both databases.

use sea_query::{
    Alias, Condition, Expr, ExprTrait, Func, Iden, OnConflict, Order, Query, SelectStatement,
};
use uuid::Uuid;

use crate::activity::store::{Activities, ActivityRecipients, ActivityRow, col, select_activities};
use crate::db::{Backend, Db, Tx};
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

/// Column `c` of the activities aliased `alias`.
fn at(alias: &str, c: Activities) -> Expr {
    Expr::col((Alias::new(alias), c))
}

fn level() -> Expr {
    Func::coalesce([
        Expr::col((Alias::new("s"), GroupSubscriptions::Level)),
        Expr::val(Level::All.as_str()),
    ])
    .into()
}

fn seen() -> Expr {
    Func::coalesce([
        Expr::col((Alias::new("s"), GroupSubscriptions::SeenUpTo)),
        Expr::val(Uuid::nil()),
    ])
    .into()
}

/// Joins `me`'s subscription row (alias `s`) for the group in column `group` of `from`.
fn join_subscription(
    q: &mut SelectStatement,
    from: &str,
    group: impl Iden + 'static,
    me: AccountId,
) {
    let s = Alias::new("s");
    q.join_as(
        sea_query::JoinType::LeftJoin,
        GroupSubscriptions::Table,
        s.clone(),
        Condition::all()
            .add(
                Expr::col((s.clone(), GroupSubscriptions::GroupId))
                    .equals((Alias::new(from), group)),
            )
            .add(Expr::col((s, GroupSubscriptions::AccountId)).eq(me)),
    );
}

/// The activities (alias `t`) of a group's own stream that reach a member `me` through the
/// filter; `s` is their subscription row.
fn stream_items(t: &str, me: AccountId, filter: &InboxQuery) -> Condition {
    let mut c = Condition::all()
        .add(at(t, Activities::Audience).eq(crate::activity::store::AUDIENCE_GROUP))
        .add(
            Condition::any()
                .add(at(t, Activities::ActorId).is_null())
                .add(at(t, Activities::ActorId).ne(me)),
        );
    if let Some(tool) = &filter.tool {
        c = c.add(at(t, Activities::Tool).eq(tool.as_str()));
    }
    if let Some(before) = filter.before {
        c = c.add(at(t, Activities::Id).lt(before));
    }
    if let Some(since) = filter.since {
        c = c.add(at(t, Activities::Id).gte(since));
    }
    if filter.unread {
        let r = Alias::new("r");
        let read_mark = Query::select()
            .expr(Expr::val(1))
            .from_as(Notifications::Table, r.clone())
            .and_where(Expr::col((r.clone(), Notifications::AccountId)).eq(me))
            .and_where(
                Expr::col((r.clone(), Notifications::ActivityId))
                    .equals((Alias::new(t), Activities::Id)),
            )
            .and_where(Expr::col((r, Notifications::ReadAt)).is_not_null())
            .to_owned();
        c = c
            .add(at(t, Activities::Id).gt(seen()))
            .add(Expr::exists(read_mark).not());
    }
    c
}

/// The newest `limit` ids of the group items in `me`'s inbox. It starts from their
/// memberships and reads, per group, only the newest `limit` items that pass the filter
/// through `activities_by_group`, so its cost does not depend on other groups' activity.
/// PostgreSQL does that with a LATERAL subquery; SQLite, which has none, bounds each group
/// below by its `limit`-th newest item and range-scans above that floor. (Given the floor as
/// a join condition instead, PostgreSQL may hash-join the whole log and run the floor for
/// every row: 2.3 s, measured.)
pub(crate) fn group_items_query(
    backend: Backend,
    me: AccountId,
    filter: &InboxQuery,
    limit: u64,
) -> SelectStatement {
    let m = Alias::new("m");
    let newest = |offset: u64, limit: u64| {
        Query::select()
            .column((Alias::new("b"), Activities::Id))
            .from_as(Activities::Table, Alias::new("b"))
            .and_where(at("b", Activities::GroupId).equals((m.clone(), Memberships::GroupId)))
            .cond_where(stream_items("b", me, filter))
            .order_by((Alias::new("b"), Activities::Id), Order::Desc)
            .limit(limit)
            .offset(offset)
            .to_owned()
    };
    let mut q = Query::select()
        .from_as(Memberships::Table, m.clone())
        .to_owned();
    join_subscription(&mut q, "m", Memberships::GroupId, me);
    if backend.has_lateral_joins() {
        let mut lateral = newest(0, limit);
        lateral.reset_offset();
        q.column((Alias::new("a"), Activities::Id)).join_lateral(
            sea_query::JoinType::InnerJoin,
            lateral,
            Alias::new("a"),
            Expr::val(true),
        );
    } else {
        let floor: Expr = Func::coalesce([
            Expr::SubQuery(None, Box::new(newest(limit - 1, 1).into())),
            Expr::val(Uuid::nil()),
        ])
        .into();
        q.column((Alias::new("a"), Activities::Id))
            .join_as(
                sea_query::JoinType::InnerJoin,
                Activities::Table,
                Alias::new("a"),
                Condition::all()
                    .add(col(Activities::GroupId).equals((m.clone(), Memberships::GroupId)))
                    .add(col(Activities::Id).gte(floor)),
            )
            .cond_where(stream_items("a", me, filter));
    }
    q.and_where(Expr::col((m.clone(), Memberships::AccountId)).eq(me))
        .and_where(level().eq(Level::All.as_str()))
        .order_by((Alias::new("a"), Activities::Id), Order::Desc)
        .limit(limit);
    if let Some(group) = filter.group {
        q.and_where(Expr::col((m, Memberships::GroupId)).eq(group));
    }
    q
}

/// The newest `limit` ids of `me`'s direct notifications that pass the filter.
pub(crate) fn direct_query(me: AccountId, filter: &InboxQuery, limit: u64) -> SelectStatement {
    let mut q = Query::select()
        .column((Alias::new("n"), Notifications::ActivityId))
        .from_as(Notifications::Table, Alias::new("n"))
        .join_as(
            sea_query::JoinType::InnerJoin,
            Activities::Table,
            Alias::new("a"),
            col(Activities::Id).equals((Alias::new("n"), Notifications::ActivityId)),
        )
        .to_owned();
    join_subscription(&mut q, "a", Activities::GroupId, me);
    q.and_where(n(Notifications::AccountId).eq(me))
        .and_where(n(Notifications::Reason).is_not_null())
        .and_where(level().ne(Level::Mute.as_str()))
        .order_by((Alias::new("n"), Notifications::ActivityId), Order::Desc)
        .limit(limit);
    if let Some(group) = filter.group {
        q.and_where(col(Activities::GroupId).eq(group));
    }
    if let Some(tool) = &filter.tool {
        q.and_where(col(Activities::Tool).eq(tool.as_str()));
    }
    if let Some(before) = filter.before {
        q.and_where(n(Notifications::ActivityId).lt(before));
    }
    if filter.unread {
        q.and_where(n(Notifications::ReadAt).is_null());
    }
    q
}

pub struct InboxQuery {
    pub group: Option<GroupId>,
    pub tool: Option<String>,
    pub unread: bool,
    pub before: Option<Uuid>,
    /// Only items at or after this id (a bound the page works out for itself).
    pub since: Option<Uuid>,
    pub limit: u32,
}

impl InboxQuery {
    /// Everything unread, unfiltered (for counts).
    fn unread_only() -> Self {
        InboxQuery {
            group: None,
            tool: None,
            unread: true,
            before: None,
            since: None,
            limit: 0,
        }
    }
}

/// Per group `me` follows in full, its newest item that passes the filter.
pub(crate) fn group_tops_query(me: AccountId, filter: &InboxQuery) -> SelectStatement {
    let m = Alias::new("m");
    let top = Query::select()
        .column((Alias::new("b"), Activities::Id))
        .from_as(Activities::Table, Alias::new("b"))
        .and_where(at("b", Activities::GroupId).equals((m.clone(), Memberships::GroupId)))
        .cond_where(stream_items("b", me, filter))
        .order_by((Alias::new("b"), Activities::Id), Order::Desc)
        .limit(1)
        .to_owned();
    let mut q = Query::select()
        .expr(Expr::SubQuery(None, Box::new(top.into())))
        .from_as(Memberships::Table, m.clone())
        .to_owned();
    join_subscription(&mut q, "m", Memberships::GroupId, me);
    q.and_where(Expr::col((m.clone(), Memberships::AccountId)).eq(me))
        .and_where(level().eq(Level::All.as_str()));
    if let Some(group) = filter.group {
        q.and_where(Expr::col((m, Memberships::GroupId)).eq(group));
    }
    q
}

/// One page of `me`'s inbox, newest first, with one row more than `limit` when there is more.
/// The ids come first, from two index-bound queries (group items and direct notifications),
/// and only the page's rows are then read in full.
pub async fn inbox_page(db: &Db, me: AccountId, filter: &InboxQuery) -> Result<Vec<InboxRow>> {
    let limit = u64::from(filter.limit) + 1;
    // If `limit` groups each have an item at or after some id, the page's group items are
    // all at or after it: that bound keeps the page from reading the older items of every
    // group (the threshold of Fagin's algorithm).
    let mut tops: Vec<Uuid> = db
        .fetch_all::<(Option<Uuid>,)>(&group_tops_query(me, filter))
        .await?
        .into_iter()
        .filter_map(|(top,)| top)
        .collect();
    tops.sort_unstable_by(|a, b| b.cmp(a));
    let bounded = InboxQuery {
        since: tops.get(limit as usize - 1).copied(),
        tool: filter.tool.clone(),
        ..*filter
    };
    let groups: Vec<(Uuid,)> = db
        .fetch_all(&group_items_query(db.backend(), me, &bounded, limit))
        .await?;
    let direct: Vec<(Uuid,)> = db.fetch_all(&direct_query(me, filter, limit)).await?;
    let mut ids: Vec<Uuid> = groups.into_iter().chain(direct).map(|(id,)| id).collect();
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids.dedup();
    ids.truncate(limit as usize);
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(&rows_query(me, ids)).await
}

/// The inbox rows of these activities, newest first.
pub(crate) fn rows_query(me: AccountId, ids: Vec<Uuid>) -> SelectStatement {
    let mut q = select_activities();
    let n_alias = Alias::new("n");
    q.join_as(
        sea_query::JoinType::LeftJoin,
        Notifications::Table,
        n_alias.clone(),
        Condition::all()
            .add(n(Notifications::ActivityId).equals((Alias::new("a"), Activities::Id)))
            .add(Expr::col((n_alias, Notifications::AccountId)).eq(me)),
    );
    join_subscription(&mut q, "a", Activities::GroupId, me);
    q.expr_as(n(Notifications::Reason), Alias::new("notice"))
        .expr_as(n(Notifications::ReadAt), Alias::new("read_at"))
        .expr_as(
            Expr::col((Alias::new("s"), GroupSubscriptions::SeenUpTo)),
            Alias::new("seen_up_to"),
        )
        .and_where(col(Activities::Id).is_in(ids))
        .order_by((Alias::new("a"), Activities::Id), Order::Desc);
    q
}

/// Unread items per group (`None`: items of no group). Group items are counted per
/// membership above the "seen up to" mark through `activities_by_group`; unread direct
/// notifications are added unless the group count already holds them.
pub async fn unread_counts(db: &Db, me: AccountId) -> Result<Vec<(Option<GroupId>, i64)>> {
    let mut counts: Vec<(Option<GroupId>, i64)> = db.fetch_all(&group_counts_query(me)).await?;
    for (group, more) in db
        .fetch_all::<(Option<GroupId>, i64)>(&direct_counts_query(me))
        .await?
    {
        match counts.iter_mut().find(|(g, _)| *g == group) {
            Some((_, n)) => *n += more,
            None => counts.push((group, more)),
        }
    }
    counts.retain(|(_, n)| *n > 0);
    Ok(counts)
}

/// Per group `me` follows in full, how many of its items are unread.
pub(crate) fn group_counts_query(me: AccountId) -> SelectStatement {
    let unread = InboxQuery::unread_only();
    let m = Alias::new("m");
    let count = Query::select()
        .expr(Expr::col((Alias::new("b"), Activities::Id)).count())
        .from_as(Activities::Table, Alias::new("b"))
        .and_where(at("b", Activities::GroupId).equals((m.clone(), Memberships::GroupId)))
        .cond_where(stream_items("b", me, &unread))
        .to_owned();
    let mut groups = Query::select()
        .column((m.clone(), Memberships::GroupId))
        .expr(Expr::SubQuery(None, Box::new(count.into())))
        .from_as(Memberships::Table, m.clone())
        .to_owned();
    join_subscription(&mut groups, "m", Memberships::GroupId, me);
    groups
        .and_where(Expr::col((m.clone(), Memberships::AccountId)).eq(me))
        .and_where(level().eq(Level::All.as_str()));
    groups
}

/// Per group (or none), `me`'s unread direct notifications that the group counts do not
/// hold already (an item of a group stream `me` follows in full, above their mark).
pub(crate) fn direct_counts_query(me: AccountId) -> SelectStatement {
    let m = Alias::new("m");
    let in_stream = Condition::all()
        .add(Expr::col((m.clone(), Memberships::AccountId)).is_not_null())
        .add(level().eq(Level::All.as_str()))
        .add(stream_items("a", me, &InboxQuery::unread_only()));
    let mut direct = Query::select()
        .column((Alias::new("a"), Activities::GroupId))
        .expr(Expr::col((Alias::new("n"), Notifications::ActivityId)).count())
        .from_as(Notifications::Table, Alias::new("n"))
        .join_as(
            sea_query::JoinType::InnerJoin,
            Activities::Table,
            Alias::new("a"),
            col(Activities::Id).equals((Alias::new("n"), Notifications::ActivityId)),
        )
        .join_as(
            sea_query::JoinType::LeftJoin,
            Memberships::Table,
            m.clone(),
            Condition::all()
                .add(
                    Expr::col((m.clone(), Memberships::GroupId))
                        .equals((Alias::new("a"), Activities::GroupId)),
                )
                .add(Expr::col((m, Memberships::AccountId)).eq(me)),
        )
        .to_owned();
    join_subscription(&mut direct, "a", Activities::GroupId, me);
    direct
        .and_where(n(Notifications::AccountId).eq(me))
        .and_where(n(Notifications::Reason).is_not_null())
        .and_where(n(Notifications::ReadAt).is_null())
        .and_where(level().ne(Level::Mute.as_str()))
        .cond_where(in_stream.not())
        .group_by_col((Alias::new("a"), Activities::GroupId));
    direct
}

/// Marks these items read, of those `me` may see.
pub async fn mark_items(
    tx: &mut Tx,
    me: AccountId,
    ids: &[ActivityId],
    only_group: Option<GroupId>,
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
    let mut select = Query::select()
        .expr(Expr::val(me))
        .column(Activities::Id)
        .expr(Expr::val(now.0))
        .expr(Expr::val(now.0))
        .from(Activities::Table)
        .and_where(Expr::col(Activities::Id).is_in(ids.iter().copied()))
        .cond_where(visible)
        .to_owned();
    if let Some(group) = only_group {
        select.and_where(Expr::col(Activities::GroupId).eq(group));
    }
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

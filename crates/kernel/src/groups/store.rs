//! Groups' queries, written once for both databases.

use sea_query::{Condition, Expr, ExprTrait, Func, Iden, Order, Query, SelectStatement};

use crate::db::{Db, Tx};
use crate::id::{AccountId, GroupId, InvitationId, JoinRequestId};
use crate::people::store::Accounts;
use crate::{Result, Timestamp};

#[derive(Iden)]
pub enum Groups {
    Table,
    Id,
    Handle,
    Name,
    Description,
    Visibility,
    JoinPolicy,
    ParentId,
    ParentAdminsManage,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden)]
pub enum Memberships {
    Table,
    GroupId,
    AccountId,
    Role,
    JoinedAt,
}

#[derive(Iden)]
pub enum Roles {
    Table,
    Id,
    GroupId,
    Name,
    Permissions,
    CreatedAt,
}

#[derive(Iden)]
pub enum Invitations {
    Table,
    Id,
    GroupId,
    InvitedBy,
    AccountId,
    Email,
    Role,
    MaxUses,
    Uses,
    ExpiresAt,
    Status,
    CreatedAt,
    SecretHash,
}

#[derive(Iden)]
pub enum JoinRequests {
    Table,
    Id,
    GroupId,
    AccountId,
    Message,
    Status,
    DecidedBy,
    CreatedAt,
    DecidedAt,
}

#[derive(Iden)]
pub enum GroupTools {
    Table,
    GroupId,
    Tool,
    EnabledBy,
    EnabledAt,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GroupRow {
    pub id: GroupId,
    pub handle: String,
    pub name: String,
    pub description: String,
    pub visibility: String,
    pub join_policy: String,
    pub parent_id: Option<GroupId>,
    pub parent_admins_manage: bool,
    pub created_at: i64,
}

impl GroupRow {
    /// The group as other things name it: id, handle, name.
    pub fn summary(&self) -> crate::groups::model::GroupSummary {
        crate::groups::model::GroupSummary {
            id: self.id,
            handle: self.handle.clone(),
            name: self.name.clone(),
        }
    }
}

fn select_groups() -> SelectStatement {
    Query::select()
        .columns([
            (Groups::Table, Groups::Id),
            (Groups::Table, Groups::Handle),
            (Groups::Table, Groups::Name),
            (Groups::Table, Groups::Description),
            (Groups::Table, Groups::Visibility),
            (Groups::Table, Groups::JoinPolicy),
            (Groups::Table, Groups::ParentId),
            (Groups::Table, Groups::ParentAdminsManage),
            (Groups::Table, Groups::CreatedAt),
        ])
        .from(Groups::Table)
        .to_owned()
}

/// A group by id or handle.
pub async fn group_by_key(db: &Db, key: &str) -> Result<Option<GroupRow>> {
    let mut q = select_groups();
    match key.parse::<GroupId>() {
        Ok(id) => q.and_where(Expr::col((Groups::Table, Groups::Id)).eq(id)),
        Err(_) => q.and_where(Expr::col((Groups::Table, Groups::Handle)).eq(key)),
    };
    db.fetch_optional(&q).await
}

pub struct NewGroupRow<'a> {
    pub id: GroupId,
    pub handle: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub visibility: &'a str,
    pub join_policy: &'a str,
    pub parent: Option<GroupId>,
    pub parent_admins_manage: bool,
    pub now: Timestamp,
}

pub async fn insert_group(tx: &mut Tx, g: &NewGroupRow<'_>) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(Groups::Table)
            .columns([
                Groups::Id,
                Groups::Handle,
                Groups::Name,
                Groups::Description,
                Groups::Visibility,
                Groups::JoinPolicy,
                Groups::ParentId,
                Groups::ParentAdminsManage,
                Groups::CreatedAt,
                Groups::UpdatedAt,
            ])
            .values_panic([
                g.id.into(),
                g.handle.into(),
                g.name.into(),
                g.description.into(),
                g.visibility.into(),
                g.join_policy.into(),
                g.parent.map(|p| p.0).into(),
                g.parent_admins_manage.into(),
                g.now.into(),
                g.now.into(),
            ]),
    )
    .await
    .map(|_| ())
}

pub async fn update_group(
    tx: &mut Tx,
    id: GroupId,
    values: Vec<(Groups, sea_query::Value)>,
    now: Timestamp,
) -> Result<()> {
    let mut q = Query::update();
    q.table(Groups::Table).value(Groups::UpdatedAt, now);
    for (col, value) in values {
        q.value(col, value);
    }
    tx.execute(q.and_where(Expr::col(Groups::Id).eq(id)))
        .await
        .map(|_| ())
}

pub async fn delete_group(tx: &mut Tx, id: GroupId) -> Result<u64> {
    tx.execute(
        Query::delete()
            .from_table(Groups::Table)
            .and_where(Expr::col(Groups::Id).eq(id)),
    )
    .await
}

pub async fn count_subgroups(tx: &mut Tx, id: GroupId) -> Result<i64> {
    let row: (i64,) = tx
        .fetch_one(
            &Query::select()
                .expr(Func::count(Expr::col(Groups::Id)))
                .from(Groups::Table)
                .and_where(Expr::col(Groups::ParentId).eq(id))
                .to_owned(),
        )
        .await?;
    Ok(row.0)
}

/// A page of groups matching `condition` and an optional search, by handle.
pub async fn list_groups(
    db: &Db,
    condition: sea_query::Condition,
    search: Option<&str>,
    parent: Option<GroupId>,
    after: Option<String>,
    limit: u32,
) -> Result<Vec<GroupRow>> {
    let mut q = select_groups();
    q.cond_where(condition)
        .order_by((Groups::Table, Groups::Handle), Order::Asc)
        .limit(u64::from(limit) + 1);
    if let Some(text) = search {
        let pattern = format!("%{}%", text.to_lowercase().replace(['%', '_'], ""));
        q.cond_where(
            sea_query::Condition::any()
                .add(Expr::col((Groups::Table, Groups::Handle)).like(pattern.clone()))
                .add(Func::lower(Expr::col((Groups::Table, Groups::Name))).like(pattern.clone()))
                .add(Func::lower(Expr::col((Groups::Table, Groups::Description))).like(pattern)),
        );
    }
    if let Some(parent) = parent {
        q.and_where(Expr::col((Groups::Table, Groups::ParentId)).eq(parent));
    }
    if let Some(after) = after {
        q.and_where(Expr::col((Groups::Table, Groups::Handle)).gt(after));
    }
    db.fetch_all(&q).await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MembershipRow {
    pub role: String,
    pub permissions: Option<String>,
}

/// The actor's role in a group, with the permissions of a custom role.
pub async fn membership(
    db: &Db,
    group: GroupId,
    account: AccountId,
) -> Result<Option<MembershipRow>> {
    db.fetch_optional(&membership_query(group, account)).await
}

pub async fn membership_in(
    tx: &mut Tx,
    group: GroupId,
    account: AccountId,
) -> Result<Option<MembershipRow>> {
    tx.fetch_optional(&membership_query(group, account)).await
}

fn membership_query(group: GroupId, account: AccountId) -> SelectStatement {
    roles_of(account)
        .and_where(Expr::col((Memberships::Table, Memberships::GroupId)).eq(group))
        .to_owned()
}

/// An account's roles, with the permissions of custom ones; callers narrow it to groups.
fn roles_of(account: AccountId) -> SelectStatement {
    Query::select()
        .column((Memberships::Table, Memberships::GroupId))
        .column((Memberships::Table, Memberships::Role))
        .column((Roles::Table, Roles::Permissions))
        .from(Memberships::Table)
        .left_join(
            Roles::Table,
            Expr::col((Roles::Table, Roles::GroupId))
                .equals((Memberships::Table, Memberships::GroupId))
                .and(
                    Expr::col((Roles::Table, Roles::Name))
                        .equals((Memberships::Table, Memberships::Role)),
                ),
        )
        .and_where(Expr::col((Memberships::Table, Memberships::AccountId)).eq(account))
        .to_owned()
}

pub async fn insert_membership(
    tx: &mut Tx,
    group: GroupId,
    account: AccountId,
    role: &str,
    now: Timestamp,
) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(Memberships::Table)
            .columns([
                Memberships::GroupId,
                Memberships::AccountId,
                Memberships::Role,
                Memberships::JoinedAt,
            ])
            .values_panic([group.into(), account.into(), role.into(), now.into()]),
    )
    .await
    .map(|_| ())
}

/// The accounts of a group's members; with `admins_only`, of its owner and admins.
pub async fn member_ids(tx: &mut Tx, group: GroupId, admins_only: bool) -> Result<Vec<AccountId>> {
    let mut q = Query::select()
        .column(Memberships::AccountId)
        .from(Memberships::Table)
        .and_where(Expr::col(Memberships::GroupId).eq(group))
        .to_owned();
    if admins_only {
        q.and_where(Expr::col(Memberships::Role).is_in(["owner", "admin"]));
    }
    let rows: Vec<(AccountId,)> = tx.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|(a,)| a).collect())
}

pub async fn set_role(tx: &mut Tx, group: GroupId, account: AccountId, role: &str) -> Result<u64> {
    tx.execute(
        Query::update()
            .table(Memberships::Table)
            .value(Memberships::Role, role)
            .and_where(Expr::col(Memberships::GroupId).eq(group))
            .and_where(Expr::col(Memberships::AccountId).eq(account)),
    )
    .await
}

pub async fn rename_role_holders(tx: &mut Tx, group: GroupId, from: &str, to: &str) -> Result<u64> {
    tx.execute(
        Query::update()
            .table(Memberships::Table)
            .value(Memberships::Role, to)
            .and_where(Expr::col(Memberships::GroupId).eq(group))
            .and_where(Expr::col(Memberships::Role).eq(from)),
    )
    .await
}

pub async fn delete_membership(tx: &mut Tx, group: GroupId, account: AccountId) -> Result<u64> {
    tx.execute(
        Query::delete()
            .from_table(Memberships::Table)
            .and_where(Expr::col(Memberships::GroupId).eq(group))
            .and_where(Expr::col(Memberships::AccountId).eq(account)),
    )
    .await
}

/// Every member of a group with their handle and role (one query), in account order.
pub async fn roster(db: &Db, group: GroupId) -> Result<Vec<(AccountId, String, String)>> {
    db.fetch_all(
        &Query::select()
            .column((Accounts::Table, Accounts::Id))
            .column((Accounts::Table, Accounts::Handle))
            .column((Memberships::Table, Memberships::Role))
            .from(Memberships::Table)
            .inner_join(
                Accounts::Table,
                Expr::col((Accounts::Table, Accounts::Id))
                    .equals((Memberships::Table, Memberships::AccountId)),
            )
            .and_where(Expr::col((Memberships::Table, Memberships::GroupId)).eq(group))
            .order_by((Memberships::Table, Memberships::AccountId), Order::Asc)
            .to_owned(),
    )
    .await
}

pub async fn count_members(db: &Db, group: GroupId) -> Result<i64> {
    let row: (i64,) = db
        .fetch_one(
            &Query::select()
                .expr(Func::count(Expr::col(Memberships::AccountId)))
                .from(Memberships::Table)
                .and_where(Expr::col(Memberships::GroupId).eq(group))
                .to_owned(),
        )
        .await?;
    Ok(row.0)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    pub id: AccountId,
    pub handle: String,
    pub display_name: String,
    pub role: String,
    pub joined_at: i64,
}

pub async fn members(
    db: &Db,
    group: GroupId,
    after: Option<uuid::Uuid>,
    limit: u32,
) -> Result<Vec<MemberRow>> {
    let mut q = Query::select();
    q.column((Accounts::Table, Accounts::Id))
        .column((Accounts::Table, Accounts::Handle))
        .column((Accounts::Table, Accounts::DisplayName))
        .column((Memberships::Table, Memberships::Role))
        .column((Memberships::Table, Memberships::JoinedAt))
        .from(Memberships::Table)
        .inner_join(
            Accounts::Table,
            Expr::col((Accounts::Table, Accounts::Id))
                .equals((Memberships::Table, Memberships::AccountId)),
        )
        .and_where(Expr::col((Memberships::Table, Memberships::GroupId)).eq(group))
        .order_by((Memberships::Table, Memberships::AccountId), Order::Asc)
        .limit(u64::from(limit) + 1);
    if let Some(after) = after {
        q.and_where(Expr::col((Memberships::Table, Memberships::AccountId)).gt(after));
    }
    db.fetch_all(&q).await
}

pub async fn member_in(
    tx: &mut Tx,
    group: GroupId,
    account: AccountId,
) -> Result<Option<MemberRow>> {
    tx.fetch_optional(
        &Query::select()
            .column((Accounts::Table, Accounts::Id))
            .column((Accounts::Table, Accounts::Handle))
            .column((Accounts::Table, Accounts::DisplayName))
            .column((Memberships::Table, Memberships::Role))
            .column((Memberships::Table, Memberships::JoinedAt))
            .from(Memberships::Table)
            .inner_join(
                Accounts::Table,
                Expr::col((Accounts::Table, Accounts::Id))
                    .equals((Memberships::Table, Memberships::AccountId)),
            )
            .and_where(Expr::col((Memberships::Table, Memberships::GroupId)).eq(group))
            .and_where(Expr::col((Memberships::Table, Memberships::AccountId)).eq(account))
            .to_owned(),
    )
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoleRow {
    pub name: String,
    pub permissions: String,
}

pub async fn roles(db: &Db, group: GroupId) -> Result<Vec<RoleRow>> {
    db.fetch_all(
        &Query::select()
            .columns([Roles::Name, Roles::Permissions])
            .from(Roles::Table)
            .and_where(Expr::col(Roles::GroupId).eq(group))
            .order_by(Roles::Name, Order::Asc)
            .to_owned(),
    )
    .await
}

pub async fn role_exists(tx: &mut Tx, group: GroupId, name: &str) -> Result<bool> {
    Ok(role_permissions(tx, group, name).await?.is_some())
}

/// The permissions (space-separated) of the group's custom role `name`, if it has one.
pub async fn role_permissions(tx: &mut Tx, group: GroupId, name: &str) -> Result<Option<String>> {
    let row: Option<(String,)> = tx
        .fetch_optional(
            &Query::select()
                .column(Roles::Permissions)
                .from(Roles::Table)
                .and_where(Expr::col(Roles::GroupId).eq(group))
                .and_where(Expr::col(Roles::Name).eq(name))
                .to_owned(),
        )
        .await?;
    Ok(row.map(|(p,)| p))
}

pub async fn insert_role(
    tx: &mut Tx,
    group: GroupId,
    name: &str,
    permissions: &str,
    now: Timestamp,
) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(Roles::Table)
            .columns([
                Roles::Id,
                Roles::GroupId,
                Roles::Name,
                Roles::Permissions,
                Roles::CreatedAt,
            ])
            .values_panic([
                uuid::Uuid::now_v7().into(),
                group.into(),
                name.into(),
                permissions.into(),
                now.into(),
            ]),
    )
    .await
    .map(|_| ())
}

pub async fn update_role(
    tx: &mut Tx,
    group: GroupId,
    name: &str,
    new_name: &str,
    permissions: &str,
) -> Result<u64> {
    tx.execute(
        Query::update()
            .table(Roles::Table)
            .value(Roles::Name, new_name)
            .value(Roles::Permissions, permissions)
            .and_where(Expr::col(Roles::GroupId).eq(group))
            .and_where(Expr::col(Roles::Name).eq(name)),
    )
    .await
}

pub async fn delete_role(tx: &mut Tx, group: GroupId, name: &str) -> Result<u64> {
    tx.execute(
        Query::delete()
            .from_table(Roles::Table)
            .and_where(Expr::col(Roles::GroupId).eq(group))
            .and_where(Expr::col(Roles::Name).eq(name)),
    )
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvitationRow {
    pub id: InvitationId,
    pub group_id: GroupId,
    pub invited_by: AccountId,
    pub account_id: Option<AccountId>,
    pub email: Option<String>,
    pub role: String,
    pub max_uses: Option<i64>,
    pub uses: i64,
    pub expires_at: Option<i64>,
    pub status: String,
    pub created_at: i64,
}

/// Every column of an invitation, in the order of `InvitationRow`.
const INVITATION_COLUMNS: [Invitations; 11] = [
    Invitations::Id,
    Invitations::GroupId,
    Invitations::InvitedBy,
    Invitations::AccountId,
    Invitations::Email,
    Invitations::Role,
    Invitations::MaxUses,
    Invitations::Uses,
    Invitations::ExpiresAt,
    Invitations::Status,
    Invitations::CreatedAt,
];

fn select_invitations() -> SelectStatement {
    Query::select()
        .columns(INVITATION_COLUMNS)
        .from(Invitations::Table)
        .to_owned()
}

/// Writes an invitation; one by mail or by link keeps the SHA-256 of its link's secret.
pub async fn insert_invitation(
    tx: &mut Tx,
    i: &InvitationRow,
    secret_hash: Option<&[u8]>,
) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(Invitations::Table)
            .columns(
                INVITATION_COLUMNS
                    .into_iter()
                    .chain([Invitations::SecretHash]),
            )
            .values_panic([
                i.id.into(),
                i.group_id.into(),
                i.invited_by.into(),
                i.account_id.map(|a| a.0).into(),
                i.email.clone().into(),
                i.role.clone().into(),
                i.max_uses.into(),
                i.uses.into(),
                i.expires_at.into(),
                i.status.clone().into(),
                i.created_at.into(),
                secret_hash.map(<[u8]>::to_vec).into(),
            ]),
    )
    .await
    .map(|_| ())
}

/// The invitation whose link carries the secret hashing to `hash`.
pub async fn invitation_by_secret(db: &Db, hash: &[u8]) -> Result<Option<InvitationRow>> {
    db.fetch_optional(
        &select_invitations()
            .and_where(Expr::col(Invitations::SecretHash).eq(hash.to_vec()))
            .to_owned(),
    )
    .await
}

/// Spends one use of an invitation in one statement: only while it is open, unexpired and
/// not used up, so requests racing for the last use cannot both have it. A personal
/// invitation (`closes`) is closed as accepted with its use.
pub async fn spend_invitation(
    tx: &mut Tx,
    id: InvitationId,
    now: i64,
    closes: bool,
) -> Result<bool> {
    let mut update = Query::update();
    update
        .table(Invitations::Table)
        .value(Invitations::Uses, Expr::col(Invitations::Uses).add(1))
        .and_where(Expr::col(Invitations::Id).eq(id))
        .and_where(Expr::col(Invitations::Status).eq("open"))
        .cond_where(
            Condition::any()
                .add(Expr::col(Invitations::ExpiresAt).is_null())
                .add(Expr::col(Invitations::ExpiresAt).gt(now)),
        )
        .cond_where(
            Condition::any()
                .add(Expr::col(Invitations::MaxUses).is_null())
                .add(Expr::col(Invitations::Uses).lt(Expr::col(Invitations::MaxUses))),
        );
    if closes {
        update.value(Invitations::Status, "accepted");
    }
    Ok(tx.execute(&update).await? == 1)
}

pub async fn invitation(db: &Db, id: InvitationId) -> Result<Option<InvitationRow>> {
    db.fetch_optional(
        &select_invitations()
            .and_where(Expr::col(Invitations::Id).eq(id))
            .to_owned(),
    )
    .await
}

pub async fn invitations_of_group(
    db: &Db,
    group: GroupId,
    after: Option<uuid::Uuid>,
    limit: u32,
) -> Result<Vec<InvitationRow>> {
    let mut q = select_invitations();
    q.and_where(Expr::col(Invitations::GroupId).eq(group))
        .order_by(Invitations::Id, Order::Desc)
        .limit(u64::from(limit) + 1);
    if let Some(after) = after {
        q.and_where(Expr::col(Invitations::Id).lt(after));
    }
    db.fetch_all(&q).await
}

/// The open invitations of `account` to `group`, newest first.
pub async fn open_invitations_for(
    db: &Db,
    group: GroupId,
    account: AccountId,
) -> Result<Vec<InvitationRow>> {
    let mut q = select_invitations();
    q.and_where(Expr::col(Invitations::GroupId).eq(group))
        .and_where(Expr::col(Invitations::AccountId).eq(account))
        .and_where(Expr::col(Invitations::Status).eq("open"))
        .order_by(Invitations::Id, Order::Desc);
    db.fetch_all(&q).await
}

pub async fn set_invitation(tx: &mut Tx, id: InvitationId, status: &str, uses: i64) -> Result<()> {
    tx.execute(
        Query::update()
            .table(Invitations::Table)
            .value(Invitations::Status, status)
            .value(Invitations::Uses, uses)
            .and_where(Expr::col(Invitations::Id).eq(id)),
    )
    .await
    .map(|_| ())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JoinRequestRow {
    pub id: JoinRequestId,
    pub group_id: GroupId,
    pub account_id: AccountId,
    pub handle: String,
    pub display_name: String,
    pub message: String,
    pub status: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

fn select_join_requests() -> SelectStatement {
    Query::select()
        .column((JoinRequests::Table, JoinRequests::Id))
        .column((JoinRequests::Table, JoinRequests::GroupId))
        .column((JoinRequests::Table, JoinRequests::AccountId))
        .column((Accounts::Table, Accounts::Handle))
        .column((Accounts::Table, Accounts::DisplayName))
        .column((JoinRequests::Table, JoinRequests::Message))
        .column((JoinRequests::Table, JoinRequests::Status))
        .column((JoinRequests::Table, JoinRequests::CreatedAt))
        .column((JoinRequests::Table, JoinRequests::DecidedAt))
        .from(JoinRequests::Table)
        .inner_join(
            Accounts::Table,
            Expr::col((Accounts::Table, Accounts::Id))
                .equals((JoinRequests::Table, JoinRequests::AccountId)),
        )
        .to_owned()
}

pub async fn insert_join_request(
    tx: &mut Tx,
    id: JoinRequestId,
    group: GroupId,
    account: AccountId,
    message: &str,
    now: Timestamp,
) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(JoinRequests::Table)
            .columns([
                JoinRequests::Id,
                JoinRequests::GroupId,
                JoinRequests::AccountId,
                JoinRequests::Message,
                JoinRequests::Status,
                JoinRequests::CreatedAt,
            ])
            .values_panic([
                id.into(),
                group.into(),
                account.into(),
                message.into(),
                "pending".into(),
                now.into(),
            ]),
    )
    .await
    .map(|_| ())
}

pub async fn join_request_in(tx: &mut Tx, id: JoinRequestId) -> Result<Option<JoinRequestRow>> {
    tx.fetch_optional(
        &select_join_requests()
            .and_where(Expr::col((JoinRequests::Table, JoinRequests::Id)).eq(id))
            .to_owned(),
    )
    .await
}

pub async fn join_request(db: &Db, id: JoinRequestId) -> Result<Option<JoinRequestRow>> {
    db.fetch_optional(
        &select_join_requests()
            .and_where(Expr::col((JoinRequests::Table, JoinRequests::Id)).eq(id))
            .to_owned(),
    )
    .await
}

pub async fn join_requests_of_group(
    db: &Db,
    group: GroupId,
    after: Option<uuid::Uuid>,
    limit: u32,
) -> Result<Vec<JoinRequestRow>> {
    let mut q = select_join_requests();
    q.and_where(Expr::col((JoinRequests::Table, JoinRequests::GroupId)).eq(group))
        .and_where(Expr::col((JoinRequests::Table, JoinRequests::Status)).eq("pending"))
        .order_by((JoinRequests::Table, JoinRequests::Id), Order::Asc)
        .limit(u64::from(limit) + 1);
    if let Some(after) = after {
        q.and_where(Expr::col((JoinRequests::Table, JoinRequests::Id)).gt(after));
    }
    db.fetch_all(&q).await
}

pub async fn decide_join_request(
    tx: &mut Tx,
    id: JoinRequestId,
    status: &str,
    by: AccountId,
    now: Timestamp,
) -> Result<u64> {
    tx.execute(
        Query::update()
            .table(JoinRequests::Table)
            .value(JoinRequests::Status, status)
            .value(JoinRequests::DecidedBy, by)
            .value(JoinRequests::DecidedAt, now)
            .and_where(Expr::col(JoinRequests::Id).eq(id))
            .and_where(Expr::col(JoinRequests::Status).eq("pending")),
    )
    .await
}

/// The group (by id or handle) if it has `tool` turned on: its id and handle, in one query.
pub async fn group_using_tool(db: &Db, key: &str, tool: &str) -> Result<Option<(GroupId, String)>> {
    let by = match key.parse::<uuid::Uuid>() {
        Ok(id) => Expr::col((Groups::Table, Groups::Id)).eq(id),
        Err(_) => Expr::col((Groups::Table, Groups::Handle)).eq(key.to_lowercase()),
    };
    db.fetch_optional(
        &Query::select()
            .column((Groups::Table, Groups::Id))
            .column((Groups::Table, Groups::Handle))
            .from(Groups::Table)
            .inner_join(
                GroupTools::Table,
                Expr::col((GroupTools::Table, GroupTools::GroupId))
                    .equals((Groups::Table, Groups::Id)),
            )
            .and_where(by)
            .and_where(Expr::col((GroupTools::Table, GroupTools::Tool)).eq(tool))
            .to_owned(),
    )
    .await
}

/// A person's place in a group that uses a tool: what the tool may learn of it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ToolGroupRow {
    pub id: GroupId,
    pub handle: String,
    pub name: String,
    pub role: String,
}

/// The groups `account` belongs to that have `tool` turned on, with the account's role in
/// each, by handle.
pub async fn memberships_using_tool(
    db: &Db,
    account: AccountId,
    tool: &str,
) -> Result<Vec<ToolGroupRow>> {
    db.fetch_all(
        &Query::select()
            .column((Groups::Table, Groups::Id))
            .column((Groups::Table, Groups::Handle))
            .column((Groups::Table, Groups::Name))
            .column((Memberships::Table, Memberships::Role))
            .from(Memberships::Table)
            .inner_join(
                Groups::Table,
                Expr::col((Groups::Table, Groups::Id))
                    .equals((Memberships::Table, Memberships::GroupId)),
            )
            .inner_join(
                GroupTools::Table,
                Expr::col((GroupTools::Table, GroupTools::GroupId))
                    .equals((Memberships::Table, Memberships::GroupId)),
            )
            .and_where(Expr::col((Memberships::Table, Memberships::AccountId)).eq(account))
            .and_where(Expr::col((GroupTools::Table, GroupTools::Tool)).eq(tool))
            .order_by((Groups::Table, Groups::Handle), Order::Asc)
            .limit(1000)
            .to_owned(),
    )
    .await
}

pub async fn enabled_tools(db: &Db, group: GroupId) -> Result<Vec<(String,)>> {
    db.fetch_all(
        &Query::select()
            .column(GroupTools::Tool)
            .from(GroupTools::Table)
            .and_where(Expr::col(GroupTools::GroupId).eq(group))
            .order_by(GroupTools::Tool, Order::Asc)
            .to_owned(),
    )
    .await
}

/// The group's row for the tool, if it has the tool on.
pub(crate) fn tool_on(group: GroupId, tool: &str) -> sea_query::SelectStatement {
    Query::select()
        .column(GroupTools::Tool)
        .from(GroupTools::Table)
        .and_where(Expr::col(GroupTools::GroupId).eq(group))
        .and_where(Expr::col(GroupTools::Tool).eq(tool))
        .to_owned()
}

/// Whether the group has the tool on.
pub async fn tools_enabled_in(tx: &mut Tx, group: GroupId, tool: &str) -> Result<bool> {
    let row: Option<(String,)> = tx.fetch_optional(&tool_on(group, tool)).await?;
    Ok(row.is_some())
}

pub async fn enable_tool(
    tx: &mut Tx,
    group: GroupId,
    tool: &str,
    by: AccountId,
    now: Timestamp,
) -> Result<u64> {
    tx.execute(
        Query::insert()
            .into_table(GroupTools::Table)
            .columns([
                GroupTools::GroupId,
                GroupTools::Tool,
                GroupTools::EnabledBy,
                GroupTools::EnabledAt,
            ])
            .values_panic([group.into(), tool.into(), by.into(), now.into()])
            .on_conflict(
                sea_query::OnConflict::columns([GroupTools::GroupId, GroupTools::Tool])
                    .do_nothing()
                    .to_owned(),
            ),
    )
    .await
}

pub async fn disable_tool(tx: &mut Tx, group: GroupId, tool: &str) -> Result<u64> {
    tx.execute(
        Query::delete()
            .from_table(GroupTools::Table)
            .and_where(Expr::col(GroupTools::GroupId).eq(group))
            .and_where(Expr::col(GroupTools::Tool).eq(tool)),
    )
    .await
}

/// The groups using a tool, among those `condition` lets the caller see.
pub async fn groups_using(
    db: &Db,
    tool: &str,
    condition: sea_query::Condition,
) -> Result<Vec<GroupRow>> {
    let mut q = select_groups();
    q.inner_join(
        GroupTools::Table,
        Expr::col((GroupTools::Table, GroupTools::GroupId)).equals((Groups::Table, Groups::Id)),
    )
    .and_where(Expr::col((GroupTools::Table, GroupTools::Tool)).eq(tool))
    .cond_where(condition)
    .order_by((Groups::Table, Groups::Handle), Order::Asc)
    .limit(1000);
    db.fetch_all(&q).await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoleInGroupRow {
    pub group_id: GroupId,
    pub role: String,
    pub permissions: Option<String>,
}

/// An account's roles in many groups at once (a page of the directory).
pub async fn memberships_among(
    db: &Db,
    account: AccountId,
    groups: &[GroupId],
) -> Result<Vec<RoleInGroupRow>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let q = roles_of(account)
        .and_where(
            Expr::col((Memberships::Table, Memberships::GroupId)).is_in(groups.iter().copied()),
        )
        .to_owned();
    db.fetch_all(&q).await
}

/// Member counts of many groups at once.
pub async fn member_counts(db: &Db, groups: &[GroupId]) -> Result<Vec<(GroupId, i64)>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        &Query::select()
            .column(Memberships::GroupId)
            .expr(Func::count(Expr::col(Memberships::AccountId)))
            .from(Memberships::Table)
            .and_where(Expr::col(Memberships::GroupId).is_in(groups.iter().copied()))
            .group_by_col(Memberships::GroupId)
            .to_owned(),
    )
    .await
}

/// A group with its member count and the caller's role in it: what showing a group needs,
/// in one query.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GroupWithStandingRow {
    #[sqlx(flatten)]
    pub group: GroupRow,
    pub member_count: i64,
    pub role: Option<String>,
    pub permissions: Option<String>,
}

pub async fn group_with_standing(
    db: &Db,
    key: &str,
    account: Option<AccountId>,
) -> Result<Option<GroupWithStandingRow>> {
    let count = Query::select()
        .expr(Func::count(Expr::col(("mc", Memberships::AccountId))))
        .from_as(Memberships::Table, "mc")
        .and_where(Expr::col(("mc", Memberships::GroupId)).equals((Groups::Table, Groups::Id)))
        .to_owned();
    let nobody = AccountId(uuid::Uuid::nil());
    let mut q = select_groups();
    q.expr_as(Expr::SubQuery(None, Box::new(count.into())), "member_count")
        .column((Memberships::Table, Memberships::Role))
        .column((Roles::Table, Roles::Permissions))
        .left_join(
            Memberships::Table,
            Expr::col((Memberships::Table, Memberships::GroupId))
                .equals((Groups::Table, Groups::Id))
                .and(
                    Expr::col((Memberships::Table, Memberships::AccountId))
                        .eq(account.unwrap_or(nobody)),
                ),
        )
        .left_join(
            Roles::Table,
            Expr::col((Roles::Table, Roles::GroupId))
                .equals((Groups::Table, Groups::Id))
                .and(
                    Expr::col((Roles::Table, Roles::Name))
                        .equals((Memberships::Table, Memberships::Role)),
                ),
        );
    match key.parse::<GroupId>() {
        Ok(id) => q.and_where(Expr::col((Groups::Table, Groups::Id)).eq(id)),
        Err(_) => q.and_where(Expr::col((Groups::Table, Groups::Handle)).eq(key)),
    };
    db.fetch_optional(&q).await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OwnGroupRow {
    pub id: GroupId,
    pub handle: String,
    pub name: String,
    pub role: String,
    pub joined_at: i64,
}

/// The groups `me` belongs to, with their role, by name.
pub async fn groups_of(db: &Db, me: AccountId) -> Result<Vec<OwnGroupRow>> {
    db.fetch_all(
        Query::select()
            .columns([
                (Groups::Table, Groups::Id),
                (Groups::Table, Groups::Handle),
                (Groups::Table, Groups::Name),
            ])
            .column((Memberships::Table, Memberships::Role))
            .column((Memberships::Table, Memberships::JoinedAt))
            .from(Memberships::Table)
            .inner_join(
                Groups::Table,
                Expr::col((Groups::Table, Groups::Id))
                    .equals((Memberships::Table, Memberships::GroupId)),
            )
            .and_where(Expr::col((Memberships::Table, Memberships::AccountId)).eq(me))
            .order_by((Groups::Table, Groups::Name), Order::Asc),
    )
    .await
}

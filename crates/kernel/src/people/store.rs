//! People's queries, written once for both databases.

use sea_query::{Expr, ExprTrait, Iden, Order, Query};

use crate::Result;
use crate::Timestamp;
use crate::db::{Db, Tx};
use crate::id::{AccountId, EmailChangeId, PasswordResetId, SessionId, TokenId};

#[derive(Iden)]
pub enum Accounts {
    Table,
    Id,
    Handle,
    DisplayName,
    Email,
    PasswordHash,
    PublicKey,
    SecretKey,
    Did,
    IsAdmin,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden)]
pub enum HandleHistory {
    Table,
    Id,
    AccountId,
    Handle,
    Since,
    Until,
}

#[derive(Iden)]
pub enum Sessions {
    Table,
    Id,
    AccountId,
    SecretHash,
    UserAgent,
    Ip,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
}

#[derive(Iden)]
pub enum AccessTokens {
    Table,
    Id,
    AccountId,
    Name,
    SecretHash,
    Scopes,
    GroupId,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
}

#[derive(Iden)]
pub enum PasswordResets {
    Table,
    Id,
    AccountId,
    SecretHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(Iden)]
pub enum EmailChanges {
    Table,
    Id,
    AccountId,
    Email,
    SecretHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub id: AccountId,
    pub handle: String,
    pub display_name: String,
    pub email: Option<String>,
    pub password_hash: String,
    pub did: String,
    pub is_admin: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const ACCOUNT_COLUMNS: [Accounts; 9] = [
    Accounts::Id,
    Accounts::Handle,
    Accounts::DisplayName,
    Accounts::Email,
    Accounts::PasswordHash,
    Accounts::Did,
    Accounts::IsAdmin,
    Accounts::CreatedAt,
    Accounts::UpdatedAt,
];

pub struct NewAccountRow<'a> {
    pub id: AccountId,
    pub handle: &'a str,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub password_hash: &'a str,
    pub public_key: &'a [u8],
    pub secret_key: &'a [u8],
    pub did: &'a str,
    pub is_admin: bool,
    pub now: Timestamp,
}

pub async fn insert_account(tx: &mut Tx, a: &NewAccountRow<'_>) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(Accounts::Table)
            .columns([
                Accounts::Id,
                Accounts::Handle,
                Accounts::DisplayName,
                Accounts::Email,
                Accounts::PasswordHash,
                Accounts::PublicKey,
                Accounts::SecretKey,
                Accounts::Did,
                Accounts::IsAdmin,
                Accounts::CreatedAt,
                Accounts::UpdatedAt,
            ])
            .values_panic([
                a.id.into(),
                a.handle.into(),
                a.display_name.into(),
                a.email.map(str::to_string).into(),
                a.password_hash.into(),
                a.public_key.to_vec().into(),
                a.secret_key.to_vec().into(),
                a.did.into(),
                a.is_admin.into(),
                a.now.into(),
                a.now.into(),
            ]),
    )
    .await?;
    insert_handle_record(tx, a.id, a.handle, a.now).await
}

pub async fn insert_handle_record(
    tx: &mut Tx,
    account: AccountId,
    handle: &str,
    now: Timestamp,
) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(HandleHistory::Table)
            .columns([
                HandleHistory::Id,
                HandleHistory::AccountId,
                HandleHistory::Handle,
                HandleHistory::Since,
            ])
            .values_panic([
                uuid::Uuid::now_v7().into(),
                account.into(),
                handle.into(),
                now.into(),
            ]),
    )
    .await
    .map(|_| ())
}

pub async fn close_handle_record(tx: &mut Tx, account: AccountId, now: Timestamp) -> Result<()> {
    tx.execute(
        Query::update()
            .table(HandleHistory::Table)
            .value(HandleHistory::Until, now)
            .and_where(Expr::col(HandleHistory::AccountId).eq(account))
            .and_where(Expr::col(HandleHistory::Until).is_null()),
    )
    .await
    .map(|_| ())
}

fn select_account() -> sea_query::SelectStatement {
    Query::select()
        .columns(ACCOUNT_COLUMNS)
        .from(Accounts::Table)
        .to_owned()
}

/// The handles of these accounts (of those that exist), in one query.
pub async fn display_names(db: &Db, ids: &[AccountId]) -> Result<Vec<(AccountId, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        Query::select()
            .columns([Accounts::Id, Accounts::DisplayName])
            .from(Accounts::Table)
            .and_where(Expr::col(Accounts::Id).is_in(ids.iter().map(|i| i.0))),
    )
    .await
}

pub async fn handles(db: &Db, ids: &[AccountId]) -> Result<Vec<(AccountId, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        Query::select()
            .columns([Accounts::Id, Accounts::Handle])
            .from(Accounts::Table)
            .and_where(Expr::col(Accounts::Id).is_in(ids.iter().map(|i| i.0))),
    )
    .await
}

pub async fn account_by_id(db: &Db, id: AccountId) -> Result<Option<AccountRow>> {
    db.fetch_optional(
        &select_account()
            .and_where(Expr::col(Accounts::Id).eq(id))
            .to_owned(),
    )
    .await
}

pub async fn account_by_id_in(tx: &mut Tx, id: AccountId) -> Result<Option<AccountRow>> {
    tx.fetch_optional(
        &select_account()
            .and_where(Expr::col(Accounts::Id).eq(id))
            .to_owned(),
    )
    .await
}

pub async fn account_by_handle(db: &Db, handle: &str) -> Result<Option<AccountRow>> {
    db.fetch_optional(
        &select_account()
            .and_where(Expr::col(Accounts::Handle).eq(handle))
            .to_owned(),
    )
    .await
}

pub async fn account_by_email(db: &Db, email: &str) -> Result<Option<AccountRow>> {
    db.fetch_optional(
        &select_account()
            .and_where(Expr::col(Accounts::Email).eq(email))
            .to_owned(),
    )
    .await
}

/// The account with this address, inside a transaction.
pub async fn account_by_email_in(tx: &mut Tx, email: &str) -> Result<Option<AccountRow>> {
    tx.fetch_optional(
        &select_account()
            .and_where(Expr::col(Accounts::Email).eq(email))
            .to_owned(),
    )
    .await
}

/// The account that most recently used `handle`, for links made before a rename.
pub async fn account_by_former_handle(db: &Db, handle: &str) -> Result<Option<AccountId>> {
    let row: Option<(AccountId,)> = db
        .fetch_optional(
            &Query::select()
                .column(HandleHistory::AccountId)
                .from(HandleHistory::Table)
                .and_where(Expr::col(HandleHistory::Handle).eq(handle))
                .order_by(HandleHistory::Since, Order::Desc)
                .limit(1)
                .to_owned(),
        )
        .await?;
    Ok(row.map(|r| r.0))
}

#[derive(Debug, sqlx::FromRow)]
pub struct HandleRow {
    pub handle: String,
    pub since: i64,
    pub until: Option<i64>,
}

pub async fn handle_history(db: &Db, account: AccountId) -> Result<Vec<HandleRow>> {
    db.fetch_all(
        &Query::select()
            .columns([
                HandleHistory::Handle,
                HandleHistory::Since,
                HandleHistory::Until,
            ])
            .from(HandleHistory::Table)
            .and_where(Expr::col(HandleHistory::AccountId).eq(account))
            .order_by(HandleHistory::Since, Order::Desc)
            .order_by(HandleHistory::Id, Order::Desc)
            .to_owned(),
    )
    .await
}

pub struct AccountChanges {
    pub display_name: Option<String>,
    pub handle: Option<String>,
    pub email: Option<Option<String>>,
    pub password_hash: Option<String>,
}

pub async fn update_account(
    tx: &mut Tx,
    id: AccountId,
    changes: AccountChanges,
    now: Timestamp,
) -> Result<()> {
    let mut update = Query::update();
    update
        .table(Accounts::Table)
        .value(Accounts::UpdatedAt, now);
    if let Some(name) = changes.display_name {
        update.value(Accounts::DisplayName, name);
    }
    if let Some(handle) = changes.handle {
        update.value(Accounts::Handle, handle);
    }
    if let Some(email) = changes.email {
        update.value(Accounts::Email, email);
    }
    if let Some(hash) = changes.password_hash {
        update.value(Accounts::PasswordHash, hash);
    }
    tx.execute(update.and_where(Expr::col(Accounts::Id).eq(id)))
        .await
        .map(|_| ())
}

pub struct NewSessionRow<'a> {
    pub id: SessionId,
    pub account: AccountId,
    pub secret_hash: &'a [u8],
    pub user_agent: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub now: Timestamp,
    pub expires_at: Timestamp,
}

pub async fn insert_session(db: &Db, s: &NewSessionRow<'_>) -> Result<()> {
    db.execute(
        Query::insert()
            .into_table(Sessions::Table)
            .columns([
                Sessions::Id,
                Sessions::AccountId,
                Sessions::SecretHash,
                Sessions::UserAgent,
                Sessions::Ip,
                Sessions::CreatedAt,
                Sessions::LastSeenAt,
                Sessions::ExpiresAt,
            ])
            .values_panic([
                s.id.into(),
                s.account.into(),
                s.secret_hash.to_vec().into(),
                s.user_agent.map(str::to_string).into(),
                s.ip.map(str::to_string).into(),
                s.now.into(),
                s.now.into(),
                s.expires_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

/// A session or token found by its secret, with what authentication needs of its account.
#[derive(Debug, sqlx::FromRow)]
pub struct CredentialRow {
    pub id: uuid::Uuid,
    pub account_id: AccountId,
    pub handle: String,
    pub is_admin: bool,
    pub scopes: String,
    pub group_id: Option<uuid::Uuid>,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

pub async fn session_by_secret(db: &Db, hash: &[u8]) -> Result<Option<CredentialRow>> {
    db.fetch_optional(
        &Query::select()
            .column((Sessions::Table, Sessions::Id))
            .column((Sessions::Table, Sessions::AccountId))
            .column((Accounts::Table, Accounts::Handle))
            .column((Accounts::Table, Accounts::IsAdmin))
            .expr_as(
                Expr::val(crate::people::Scopes::session().to_string()),
                "scopes",
            )
            .expr_as(Expr::val(Option::<uuid::Uuid>::None), "group_id")
            .expr_as(
                Expr::col((Sessions::Table, Sessions::ExpiresAt)),
                "expires_at",
            )
            .expr_as(
                Expr::col((Sessions::Table, Sessions::LastSeenAt)),
                "last_used_at",
            )
            .from(Sessions::Table)
            .inner_join(
                Accounts::Table,
                Expr::col((Accounts::Table, Accounts::Id))
                    .equals((Sessions::Table, Sessions::AccountId)),
            )
            .and_where(Expr::col((Sessions::Table, Sessions::SecretHash)).eq(hash.to_vec()))
            .to_owned(),
    )
    .await
}

pub async fn token_by_secret(db: &Db, hash: &[u8]) -> Result<Option<CredentialRow>> {
    db.fetch_optional(
        &Query::select()
            .column((AccessTokens::Table, AccessTokens::Id))
            .column((AccessTokens::Table, AccessTokens::AccountId))
            .column((Accounts::Table, Accounts::Handle))
            .column((Accounts::Table, Accounts::IsAdmin))
            .column((AccessTokens::Table, AccessTokens::Scopes))
            .column((AccessTokens::Table, AccessTokens::GroupId))
            .column((AccessTokens::Table, AccessTokens::ExpiresAt))
            .column((AccessTokens::Table, AccessTokens::LastUsedAt))
            .from(AccessTokens::Table)
            .inner_join(
                Accounts::Table,
                Expr::col((Accounts::Table, Accounts::Id))
                    .equals((AccessTokens::Table, AccessTokens::AccountId)),
            )
            .and_where(Expr::col((AccessTokens::Table, AccessTokens::SecretHash)).eq(hash.to_vec()))
            .to_owned(),
    )
    .await
}

/// Marks a session as seen and slides its expiry forward.
pub async fn touch_session(
    db: &Db,
    id: SessionId,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<()> {
    db.execute(
        Query::update()
            .table(Sessions::Table)
            .value(Sessions::LastSeenAt, now)
            .value(Sessions::ExpiresAt, expires_at)
            .and_where(Expr::col(Sessions::Id).eq(id)),
    )
    .await
    .map(|_| ())
}

pub async fn touch_token(db: &Db, id: TokenId, now: Timestamp) -> Result<()> {
    db.execute(
        Query::update()
            .table(AccessTokens::Table)
            .value(AccessTokens::LastUsedAt, now)
            .and_where(Expr::col(AccessTokens::Id).eq(id)),
    )
    .await
    .map(|_| ())
}

#[derive(Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub id: SessionId,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

pub async fn sessions_of(
    db: &Db,
    account: AccountId,
    after: Option<uuid::Uuid>,
    limit: u32,
    now: Timestamp,
) -> Result<Vec<SessionRow>> {
    let mut q = Query::select();
    q.columns([
        Sessions::Id,
        Sessions::UserAgent,
        Sessions::Ip,
        Sessions::CreatedAt,
        Sessions::LastSeenAt,
        Sessions::ExpiresAt,
    ])
    .from(Sessions::Table)
    .and_where(Expr::col(Sessions::AccountId).eq(account))
    .and_where(Expr::col(Sessions::ExpiresAt).gt(now))
    .order_by(Sessions::Id, Order::Desc)
    .limit(u64::from(limit) + 1);
    if let Some(after) = after {
        q.and_where(Expr::col(Sessions::Id).lt(after));
    }
    db.fetch_all(&q).await
}

/// When a session began (when its holder logged in).
pub async fn session_started(db: &Db, id: SessionId) -> Result<Option<i64>> {
    let row: Option<(i64,)> = db
        .fetch_optional(
            Query::select()
                .column(Sessions::CreatedAt)
                .from(Sessions::Table)
                .and_where(Expr::col(Sessions::Id).eq(id)),
        )
        .await?;
    Ok(row.map(|(t,)| t))
}

pub async fn delete_session(db: &Db, account: AccountId, id: SessionId) -> Result<u64> {
    db.execute(
        Query::delete()
            .from_table(Sessions::Table)
            .and_where(Expr::col(Sessions::AccountId).eq(account))
            .and_where(Expr::col(Sessions::Id).eq(id)),
    )
    .await
}

/// Ends every session of an account but `keep` (after a password change or reset).
pub async fn delete_sessions_except(
    tx: &mut Tx,
    account: AccountId,
    keep: Option<SessionId>,
) -> Result<u64> {
    let mut q = Query::delete();
    q.from_table(Sessions::Table)
        .and_where(Expr::col(Sessions::AccountId).eq(account));
    if let Some(keep) = keep {
        q.and_where(Expr::col(Sessions::Id).ne(keep));
    }
    tx.execute(&q).await
}

pub struct NewTokenRow<'a> {
    pub id: TokenId,
    pub account: AccountId,
    pub name: &'a str,
    pub secret_hash: &'a [u8],
    pub scopes: &'a str,
    pub group: Option<uuid::Uuid>,
    pub now: Timestamp,
    pub expires_at: Option<Timestamp>,
}

pub async fn insert_token(db: &Db, t: &NewTokenRow<'_>) -> Result<()> {
    db.execute(
        Query::insert()
            .into_table(AccessTokens::Table)
            .columns([
                AccessTokens::Id,
                AccessTokens::AccountId,
                AccessTokens::Name,
                AccessTokens::SecretHash,
                AccessTokens::Scopes,
                AccessTokens::GroupId,
                AccessTokens::CreatedAt,
                AccessTokens::ExpiresAt,
            ])
            .values_panic([
                t.id.into(),
                t.account.into(),
                t.name.into(),
                t.secret_hash.to_vec().into(),
                t.scopes.into(),
                t.group.into(),
                t.now.into(),
                t.expires_at.map(|e| e.0).into(),
            ]),
    )
    .await
    .map(|_| ())
}

#[derive(Debug, sqlx::FromRow)]
pub struct TokenRow {
    pub id: TokenId,
    pub name: String,
    pub scopes: String,
    pub group_id: Option<uuid::Uuid>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: Option<i64>,
}

pub async fn tokens_of(
    db: &Db,
    account: AccountId,
    after: Option<uuid::Uuid>,
    limit: u32,
) -> Result<Vec<TokenRow>> {
    let mut q = Query::select();
    q.columns([
        AccessTokens::Id,
        AccessTokens::Name,
        AccessTokens::Scopes,
        AccessTokens::GroupId,
        AccessTokens::CreatedAt,
        AccessTokens::LastUsedAt,
        AccessTokens::ExpiresAt,
    ])
    .from(AccessTokens::Table)
    .and_where(Expr::col(AccessTokens::AccountId).eq(account))
    .order_by(AccessTokens::Id, Order::Desc)
    .limit(u64::from(limit) + 1);
    if let Some(after) = after {
        q.and_where(Expr::col(AccessTokens::Id).lt(after));
    }
    db.fetch_all(&q).await
}

pub async fn delete_token(db: &Db, account: AccountId, id: TokenId) -> Result<u64> {
    db.execute(
        Query::delete()
            .from_table(AccessTokens::Table)
            .and_where(Expr::col(AccessTokens::AccountId).eq(account))
            .and_where(Expr::col(AccessTokens::Id).eq(id)),
    )
    .await
}

pub async fn insert_password_reset(
    db: &Db,
    account: AccountId,
    secret_hash: &[u8],
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<()> {
    db.execute(
        Query::insert()
            .into_table(PasswordResets::Table)
            .columns([
                PasswordResets::Id,
                PasswordResets::AccountId,
                PasswordResets::SecretHash,
                PasswordResets::CreatedAt,
                PasswordResets::ExpiresAt,
            ])
            .values_panic([
                PasswordResetId::new().into(),
                account.into(),
                secret_hash.to_vec().into(),
                now.into(),
                expires_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

#[derive(Debug, sqlx::FromRow)]
pub struct PasswordResetRow {
    pub account_id: AccountId,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

pub async fn password_reset_by_secret(db: &Db, hash: &[u8]) -> Result<Option<PasswordResetRow>> {
    db.fetch_optional(
        &Query::select()
            .columns([
                PasswordResets::AccountId,
                PasswordResets::ExpiresAt,
                PasswordResets::UsedAt,
            ])
            .from(PasswordResets::Table)
            .and_where(Expr::col(PasswordResets::SecretHash).eq(hash.to_vec()))
            .to_owned(),
    )
    .await
}

/// Spends a reset link: marks it used if it is still open and unexpired, in one statement, so
/// of two requests racing with one link only one gets its account back.
pub async fn spend_password_reset(
    tx: &mut Tx,
    hash: &[u8],
    now: Timestamp,
) -> Result<Option<AccountId>> {
    let spent: Option<(AccountId,)> = tx
        .fetch_optional(
            Query::update()
                .table(PasswordResets::Table)
                .value(PasswordResets::UsedAt, now)
                .and_where(Expr::col(PasswordResets::SecretHash).eq(hash.to_vec()))
                .and_where(Expr::col(PasswordResets::UsedAt).is_null())
                .and_where(Expr::col(PasswordResets::ExpiresAt).gt(now))
                .returning(Query::returning().column(PasswordResets::AccountId)),
        )
        .await?;
    Ok(spent.map(|(id,)| id))
}

pub async fn insert_email_change(
    tx: &mut Tx,
    account: AccountId,
    email: &str,
    secret_hash: &[u8],
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<()> {
    // One pending address at a time: asking again replaces the earlier link.
    tx.execute(
        Query::delete()
            .from_table(EmailChanges::Table)
            .and_where(Expr::col(EmailChanges::AccountId).eq(account))
            .and_where(Expr::col(EmailChanges::UsedAt).is_null()),
    )
    .await?;
    tx.execute(
        Query::insert()
            .into_table(EmailChanges::Table)
            .columns([
                EmailChanges::Id,
                EmailChanges::AccountId,
                EmailChanges::Email,
                EmailChanges::SecretHash,
                EmailChanges::CreatedAt,
                EmailChanges::ExpiresAt,
            ])
            .values_panic([
                EmailChangeId::new().into(),
                account.into(),
                email.into(),
                secret_hash.to_vec().into(),
                now.into(),
                expires_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

/// The address an account asked to change to and has not confirmed yet.
pub async fn pending_email(db: &Db, account: AccountId, now: Timestamp) -> Result<Option<String>> {
    let row: Option<(String,)> = db
        .fetch_optional(
            &Query::select()
                .column(EmailChanges::Email)
                .from(EmailChanges::Table)
                .and_where(Expr::col(EmailChanges::AccountId).eq(account))
                .and_where(Expr::col(EmailChanges::UsedAt).is_null())
                .and_where(Expr::col(EmailChanges::ExpiresAt).gt(now))
                .order_by(EmailChanges::CreatedAt, Order::Desc)
                .limit(1)
                .to_owned(),
        )
        .await?;
    Ok(row.map(|(e,)| e))
}

/// Spends a confirmation link atomically: the account and the address it confirms.
pub async fn spend_email_change(
    tx: &mut Tx,
    hash: &[u8],
    now: Timestamp,
) -> Result<Option<(AccountId, String)>> {
    tx.fetch_optional(
        Query::update()
            .table(EmailChanges::Table)
            .value(EmailChanges::UsedAt, now)
            .and_where(Expr::col(EmailChanges::SecretHash).eq(hash.to_vec()))
            .and_where(Expr::col(EmailChanges::UsedAt).is_null())
            .and_where(Expr::col(EmailChanges::ExpiresAt).gt(now))
            .returning(Query::returning().columns([EmailChanges::AccountId, EmailChanges::Email])),
    )
    .await
}

/// Drops an account's unconfirmed address (it removed its email, or set another way).
pub async fn cancel_email_changes(tx: &mut Tx, account: AccountId) -> Result<()> {
    tx.execute(
        Query::delete()
            .from_table(EmailChanges::Table)
            .and_where(Expr::col(EmailChanges::AccountId).eq(account))
            .and_where(Expr::col(EmailChanges::UsedAt).is_null()),
    )
    .await
    .map(|_| ())
}

/// Marks a reset used, and every other open reset of the account with it: one link, one use.
pub async fn use_password_resets(tx: &mut Tx, account: AccountId, now: Timestamp) -> Result<()> {
    tx.execute(
        Query::update()
            .table(PasswordResets::Table)
            .value(PasswordResets::UsedAt, now)
            .and_where(Expr::col(PasswordResets::AccountId).eq(account))
            .and_where(Expr::col(PasswordResets::UsedAt).is_null()),
    )
    .await
    .map(|_| ())
}

/// Every account's id and kept secret key (to seal them anew).
pub async fn secret_keys(db: &Db) -> Result<Vec<(AccountId, Vec<u8>)>> {
    db.fetch_all(
        &Query::select()
            .columns([Accounts::Id, Accounts::SecretKey])
            .from(Accounts::Table)
            .to_owned(),
    )
    .await
}

pub async fn set_secret_key(db: &Db, id: AccountId, sealed: Vec<u8>) -> Result<()> {
    db.execute(
        Query::update()
            .table(Accounts::Table)
            .value(Accounts::SecretKey, sealed)
            .and_where(Expr::col(Accounts::Id).eq(id)),
    )
    .await
    .map(|_| ())
}

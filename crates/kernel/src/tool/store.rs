//! Queries of outside tools and their group tokens.

use sea_query::{Expr, ExprTrait, Iden, Order, Query};

use crate::db::{Db, Tx};
use crate::id::{AccountId, GroupId, ToolId, ToolTokenId};
use crate::people::store::{Accounts, CredentialRow};
use crate::{Result, Timestamp};

#[derive(Iden)]
pub enum OutsideTools {
    Table,
    Id,
    Name,
    Description,
    HomeUrl,
    IconUrl,
    RedirectUris,
    WebhookUrl,
    Scopes,
    PublicClient,
    ClientId,
    SecretHash,
    AccountId,
    RegisteredBy,
    CreatedAt,
    SecretRotatedAt,
}

#[derive(Iden)]
pub enum ToolTokens {
    Table,
    Id,
    Tool,
    AccountId,
    GroupId,
    SecretHash,
    Scopes,
    CreatedAt,
    ExpiresAt,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutsideToolRow {
    pub id: ToolId,
    pub name: String,
    pub description: String,
    pub home_url: String,
    pub icon_url: Option<String>,
    /// A JSON array of strings.
    pub redirect_uris: String,
    pub webhook_url: Option<String>,
    /// Space-separated.
    pub scopes: String,
    pub public_client: bool,
    pub client_id: String,
    pub secret_hash: Option<Vec<u8>>,
    pub account_id: AccountId,
    pub registered_by: Option<AccountId>,
    pub created_at: i64,
    pub secret_rotated_at: i64,
}

const COLUMNS: [OutsideTools; 15] = [
    OutsideTools::Id,
    OutsideTools::Name,
    OutsideTools::Description,
    OutsideTools::HomeUrl,
    OutsideTools::IconUrl,
    OutsideTools::RedirectUris,
    OutsideTools::WebhookUrl,
    OutsideTools::Scopes,
    OutsideTools::PublicClient,
    OutsideTools::ClientId,
    OutsideTools::SecretHash,
    OutsideTools::AccountId,
    OutsideTools::RegisteredBy,
    OutsideTools::CreatedAt,
    OutsideTools::SecretRotatedAt,
];

pub async fn insert(tx: &mut Tx, t: &OutsideToolRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(OutsideTools::Table)
            .columns(COLUMNS)
            .values_panic([
                t.id.into(),
                t.name.clone().into(),
                t.description.clone().into(),
                t.home_url.clone().into(),
                t.icon_url.clone().into(),
                t.redirect_uris.clone().into(),
                t.webhook_url.clone().into(),
                t.scopes.clone().into(),
                t.public_client.into(),
                t.client_id.clone().into(),
                t.secret_hash.clone().into(),
                t.account_id.into(),
                t.registered_by.map(|a| a.0).into(),
                t.created_at.into(),
                t.secret_rotated_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

pub async fn all(db: &Db) -> Result<Vec<OutsideToolRow>> {
    db.fetch_all(
        Query::select()
            .columns(COLUMNS)
            .from(OutsideTools::Table)
            .order_by(OutsideTools::Name, Order::Asc)
            .limit(10_000),
    )
    .await
}

pub async fn by_name(db: &Db, name: &str) -> Result<Option<OutsideToolRow>> {
    db.fetch_optional(
        Query::select()
            .columns(COLUMNS)
            .from(OutsideTools::Table)
            .and_where(Expr::col(OutsideTools::Name).eq(name)),
    )
    .await
}

pub async fn by_id(db: &Db, id: ToolId) -> Result<Option<OutsideToolRow>> {
    db.fetch_optional(
        Query::select()
            .columns(COLUMNS)
            .from(OutsideTools::Table)
            .and_where(Expr::col(OutsideTools::Id).eq(id)),
    )
    .await
}

pub async fn by_client_id(db: &Db, client_id: &str) -> Result<Option<OutsideToolRow>> {
    db.fetch_optional(
        Query::select()
            .columns(COLUMNS)
            .from(OutsideTools::Table)
            .and_where(Expr::col(OutsideTools::ClientId).eq(client_id)),
    )
    .await
}

pub async fn set_secret(tx: &mut Tx, id: ToolId, hash: Vec<u8>, now: Timestamp) -> Result<()> {
    tx.execute(
        Query::update()
            .table(OutsideTools::Table)
            .value(OutsideTools::SecretHash, hash)
            .value(OutsideTools::SecretRotatedAt, now.0)
            .and_where(Expr::col(OutsideTools::Id).eq(id)),
    )
    .await
    .map(|_| ())
}

pub struct NewToolToken<'a> {
    pub id: ToolTokenId,
    pub tool: &'a str,
    pub account: AccountId,
    pub group: GroupId,
    pub hash: Vec<u8>,
    pub scopes: String,
    pub now: Timestamp,
    pub expires_at: Timestamp,
}

pub async fn insert_token(db: &Db, t: NewToolToken<'_>) -> Result<()> {
    db.execute(
        Query::insert()
            .into_table(ToolTokens::Table)
            .columns([
                ToolTokens::Id,
                ToolTokens::Tool,
                ToolTokens::AccountId,
                ToolTokens::GroupId,
                ToolTokens::SecretHash,
                ToolTokens::Scopes,
                ToolTokens::CreatedAt,
                ToolTokens::ExpiresAt,
            ])
            .values_panic([
                t.id.into(),
                t.tool.into(),
                t.account.into(),
                t.group.into(),
                t.hash.into(),
                t.scopes.into(),
                t.now.0.into(),
                t.expires_at.0.into(),
            ]),
    )
    .await
    .map(|_| ())
}

/// A tool token as a credential: the tool's actor account, its scopes, its one group.
pub async fn token_by_secret(db: &Db, hash: &[u8]) -> Result<Option<CredentialRow>> {
    db.fetch_optional(
        &Query::select()
            .column((ToolTokens::Table, ToolTokens::Id))
            .column((ToolTokens::Table, ToolTokens::AccountId))
            .column((Accounts::Table, Accounts::Handle))
            .expr_as(Expr::val(false), "is_admin")
            .column((ToolTokens::Table, ToolTokens::Scopes))
            .column((ToolTokens::Table, ToolTokens::GroupId))
            .column((ToolTokens::Table, ToolTokens::ExpiresAt))
            .expr_as(
                Expr::col((ToolTokens::Table, ToolTokens::CreatedAt)),
                "last_used_at",
            )
            .from(ToolTokens::Table)
            .inner_join(
                Accounts::Table,
                Expr::col((Accounts::Table, Accounts::Id))
                    .equals((ToolTokens::Table, ToolTokens::AccountId)),
            )
            .and_where(Expr::col((ToolTokens::Table, ToolTokens::SecretHash)).eq(hash.to_vec()))
            .to_owned(),
    )
    .await
}

/// Revokes every token of `tool` in `group` (the tool was turned off there).
pub async fn delete_tokens(tx: &mut Tx, group: GroupId, tool: &str) -> Result<u64> {
    tx.execute(
        Query::delete()
            .from_table(ToolTokens::Table)
            .and_where(Expr::col(ToolTokens::GroupId).eq(group))
            .and_where(Expr::col(ToolTokens::Tool).eq(tool)),
    )
    .await
}

/// Forgets tokens that expired before `now` (a job's housekeeping).
pub async fn delete_expired_tokens(db: &Db, now: Timestamp) -> Result<u64> {
    db.execute(
        Query::delete()
            .from_table(ToolTokens::Table)
            .and_where(Expr::col(ToolTokens::ExpiresAt).lt(now.0)),
    )
    .await
}

//! Queries of outside tools, and what checking their group tokens needs.

use sea_query::{Expr, ExprTrait, Iden, Order, Query};

use crate::db::{Db, Tx};
use crate::id::{AccountId, GroupId, ToolId};
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
    IdTokenAlg,
    ClaimMap,
    PostLogoutRedirectUris,
    ReviewedAt,
    Access,
}

#[derive(Iden)]
pub enum ToolRequests {
    Table,
    Id,
    ToolId,
    GroupId,
    RequestedBy,
    Status,
    CreatedAt,
    DecidedAt,
    DecidedBy,
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
    /// `RS256` or `EdDSA`: how its ID tokens are signed.
    pub id_token_alg: String,
    /// A JSON array of claim rules, if the tool maps group roles to claims of its own.
    pub claim_map: Option<String>,
    /// A JSON array of strings: where the tool may send people after logging them out.
    pub post_logout_redirect_uris: String,
    /// When a server administrator reviewed the tool; until then Weft sends no browser to it
    /// on its own.
    pub reviewed_at: Option<i64>,
    /// `open` (any group turns it on) or `approval` (the registrar approves each group).
    pub access: String,
}

const COLUMNS: [OutsideTools; 20] = [
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
    OutsideTools::IdTokenAlg,
    OutsideTools::ClaimMap,
    OutsideTools::PostLogoutRedirectUris,
    OutsideTools::ReviewedAt,
    OutsideTools::Access,
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
                t.id_token_alg.clone().into(),
                t.claim_map.clone().into(),
                t.post_logout_redirect_uris.clone().into(),
                t.reviewed_at.into(),
                t.access.clone().into(),
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

pub async fn by_client_id(db: &Db, client_id: &str) -> Result<Option<OutsideToolRow>> {
    db.fetch_optional(
        Query::select()
            .columns(COLUMNS)
            .from(OutsideTools::Table)
            .and_where(Expr::col(OutsideTools::ClientId).eq(client_id)),
    )
    .await
}

/// What a tool's sign-in settings may change: its redirect URIs (both kinds), ID token
/// algorithm and claim rules, as in `row`.
/// Writes what the registration may change: sign-in settings, access, the review.
pub async fn set_sign_in(tx: &mut Tx, row: &OutsideToolRow) -> Result<()> {
    tx.execute(
        Query::update()
            .table(OutsideTools::Table)
            .value(OutsideTools::RedirectUris, row.redirect_uris.clone())
            .value(OutsideTools::IdTokenAlg, row.id_token_alg.clone())
            .value(OutsideTools::ClaimMap, row.claim_map.clone())
            .value(
                OutsideTools::PostLogoutRedirectUris,
                row.post_logout_redirect_uris.clone(),
            )
            .value(OutsideTools::ReviewedAt, row.reviewed_at)
            .value(OutsideTools::Access, row.access.clone())
            .and_where(Expr::col(OutsideTools::Id).eq(row.id)),
    )
    .await
    .map(|_| ())
}

/// A tool by its id.
/// An outside tool by its id or its name, as paths name tools.
pub async fn by_key(db: &Db, key: &str) -> Result<Option<OutsideToolRow>> {
    match key.parse::<ToolId>() {
        Ok(id) => by_id(db, id).await,
        Err(_) => by_name(db, key).await,
    }
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

#[derive(Iden)]
pub enum ToolTokens {
    Table,
    Id,
    ToolId,
    GroupId,
    SecretHash,
    Scopes,
    CreatedAt,
    ExpiresAt,
}

pub struct NewToolToken {
    pub id: crate::id::ToolTokenId,
    pub tool: ToolId,
    pub group: GroupId,
    pub secret_hash: Vec<u8>,
    pub scopes: String,
    pub now: Timestamp,
    pub expires_at: Timestamp,
}

/// Stores tokens, in one statement.
pub async fn insert_tokens(tx: &mut Tx, tokens: &[&NewToolToken]) -> Result<()> {
    let mut insert = Query::insert();
    insert.into_table(ToolTokens::Table).columns([
        ToolTokens::Id,
        ToolTokens::ToolId,
        ToolTokens::GroupId,
        ToolTokens::SecretHash,
        ToolTokens::Scopes,
        ToolTokens::CreatedAt,
        ToolTokens::ExpiresAt,
    ]);
    for t in tokens {
        insert.values_panic([
            t.id.into(),
            t.tool.into(),
            t.group.into(),
            t.secret_hash.clone().into(),
            t.scopes.clone().into(),
            t.now.into(),
            t.expires_at.into(),
        ]);
    }
    tx.execute(&insert).await.map(|_| ())
}

/// The tool token whose secret hashes to `hash`, while the group has the tool on: the
/// credential of the tool's actor in that group.
pub async fn token_by_secret(
    db: &Db,
    hash: &[u8],
) -> Result<Option<crate::people::store::CredentialRow>> {
    use crate::groups::store::GroupTools;
    db.fetch_optional(
        &Query::select()
            .column((ToolTokens::Table, ToolTokens::Id))
            .column((OutsideTools::Table, OutsideTools::AccountId))
            .expr_as(
                Expr::col((OutsideTools::Table, OutsideTools::Name)),
                "handle",
            )
            .expr_as(Expr::val(false), "is_admin")
            .column((ToolTokens::Table, ToolTokens::Scopes))
            .expr_as(
                Expr::col((ToolTokens::Table, ToolTokens::GroupId)),
                "group_id",
            )
            .expr_as(
                Expr::col((ToolTokens::Table, ToolTokens::ExpiresAt)),
                "expires_at",
            )
            .expr_as(
                Expr::col((ToolTokens::Table, ToolTokens::CreatedAt)),
                "last_used_at",
            )
            .from(ToolTokens::Table)
            .inner_join(
                OutsideTools::Table,
                Expr::col((OutsideTools::Table, OutsideTools::Id))
                    .equals((ToolTokens::Table, ToolTokens::ToolId)),
            )
            .inner_join(
                GroupTools::Table,
                Expr::col((GroupTools::Table, GroupTools::GroupId))
                    .equals((ToolTokens::Table, ToolTokens::GroupId))
                    .and(
                        Expr::col((GroupTools::Table, GroupTools::Tool))
                            .equals((OutsideTools::Table, OutsideTools::Name)),
                    ),
            )
            .and_where(Expr::col((ToolTokens::Table, ToolTokens::SecretHash)).eq(hash.to_vec()))
            .to_owned(),
    )
    .await
}

/// Ends a tool's tokens: in one group (`Some`: the tool was turned off there), or everywhere.
pub async fn delete_tokens(tx: &mut Tx, tool: ToolId, group: Option<GroupId>) -> Result<()> {
    let mut q = Query::delete();
    q.from_table(ToolTokens::Table)
        .and_where(Expr::col(ToolTokens::ToolId).eq(tool));
    if let Some(group) = group {
        q.and_where(Expr::col(ToolTokens::GroupId).eq(group));
    }
    tx.execute(&q).await.map(|_| ())
}

/// Forgets tokens that expired before `before`.
pub async fn purge_tokens(db: &Db, before: Timestamp) -> Result<()> {
    db.execute(
        Query::delete()
            .from_table(ToolTokens::Table)
            .and_where(Expr::col(ToolTokens::ExpiresAt).lt(before.0)),
    )
    .await
    .map(|_| ())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ToolRequestRow {
    pub id: crate::id::ToolRequestId,
    pub tool_id: ToolId,
    pub group_id: GroupId,
    pub requested_by: Option<AccountId>,
    pub status: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

const REQUEST_COLUMNS: [ToolRequests; 7] = [
    ToolRequests::Id,
    ToolRequests::ToolId,
    ToolRequests::GroupId,
    ToolRequests::RequestedBy,
    ToolRequests::Status,
    ToolRequests::CreatedAt,
    ToolRequests::DecidedAt,
];

/// The request of `group` to use `tool`, whatever its state.
pub async fn request_of(
    tx: &mut Tx,
    tool: ToolId,
    group: GroupId,
) -> Result<Option<ToolRequestRow>> {
    tx.fetch_optional(
        Query::select()
            .columns(REQUEST_COLUMNS)
            .from(ToolRequests::Table)
            .and_where(Expr::col(ToolRequests::ToolId).eq(tool))
            .and_where(Expr::col(ToolRequests::GroupId).eq(group)),
    )
    .await
}

pub async fn request(db: &Db, id: crate::id::ToolRequestId) -> Result<Option<ToolRequestRow>> {
    db.fetch_optional(
        Query::select()
            .columns(REQUEST_COLUMNS)
            .from(ToolRequests::Table)
            .and_where(Expr::col(ToolRequests::Id).eq(id)),
    )
    .await
}

/// Asks (again): a new pending request, or a rejected one pending once more.
pub async fn ask(
    tx: &mut Tx,
    id: crate::id::ToolRequestId,
    tool: ToolId,
    group: GroupId,
    by: AccountId,
    now: Timestamp,
) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(ToolRequests::Table)
            .columns([
                ToolRequests::Id,
                ToolRequests::ToolId,
                ToolRequests::GroupId,
                ToolRequests::RequestedBy,
                ToolRequests::Status,
                ToolRequests::CreatedAt,
            ])
            .values_panic([
                id.into(),
                tool.into(),
                group.into(),
                by.into(),
                "pending".into(),
                now.into(),
            ])
            .on_conflict(
                sea_query::OnConflict::columns([ToolRequests::ToolId, ToolRequests::GroupId])
                    .update_columns([ToolRequests::Status, ToolRequests::RequestedBy])
                    .to_owned(),
            ),
    )
    .await
    .map(|_| ())
}

/// Decides a pending request, in one statement: only a pending one moves.
pub async fn decide(
    tx: &mut Tx,
    id: crate::id::ToolRequestId,
    status: &str,
    by: AccountId,
    now: Timestamp,
) -> Result<bool> {
    Ok(tx
        .execute(
            Query::update()
                .table(ToolRequests::Table)
                .value(ToolRequests::Status, status)
                .value(ToolRequests::DecidedAt, now.0)
                .value(ToolRequests::DecidedBy, by)
                .and_where(Expr::col(ToolRequests::Id).eq(id))
                .and_where(Expr::col(ToolRequests::Status).eq("pending")),
        )
        .await?
        == 1)
}

pub async fn requests_of_tool(
    db: &Db,
    tool: ToolId,
    after: Option<uuid::Uuid>,
    limit: u32,
) -> Result<Vec<ToolRequestRow>> {
    let mut q = Query::select();
    q.columns(REQUEST_COLUMNS)
        .from(ToolRequests::Table)
        .and_where(Expr::col(ToolRequests::ToolId).eq(tool))
        .order_by(ToolRequests::Id, Order::Desc)
        .limit(u64::from(limit) + 1);
    if let Some(after) = after {
        q.and_where(Expr::col(ToolRequests::Id).lt(after));
    }
    db.fetch_all(&q).await
}

/// Whether the group has the tool on.
pub async fn is_on(db: &Db, group: GroupId, tool: &str) -> Result<bool> {
    let row: Option<(String,)> = db
        .fetch_optional(&crate::groups::store::tool_on(group, tool))
        .await?;
    Ok(row.is_some())
}

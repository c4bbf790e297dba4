//! Queries of the sign-in flow: signing keys, authorization codes, tokens and consents.

use kernel::db::{Db, Tx};
use kernel::id::{AccountId, AuthCodeId, OAuthTokenId, ToolId};
use kernel::{Result, Timestamp};
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Order, Query};

#[derive(Iden)]
pub enum OidcKeys {
    Table,
    Id,
    Alg,
    PrivateDer,
    PublicJwk,
    CreatedAt,
    RetiredAt,
}

#[derive(Iden)]
pub enum OauthCodes {
    Table,
    Id,
    SecretHash,
    ToolId,
    AccountId,
    RedirectUri,
    Scopes,
    Nonce,
    CodeChallenge,
    AuthTime,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(Iden)]
pub enum OauthTokens {
    Table,
    Id,
    SecretHash,
    Kind,
    FamilyId,
    ToolId,
    AccountId,
    Scopes,
    AuthTime,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    RevokedAt,
}

#[derive(Iden)]
pub enum OauthConsents {
    Table,
    AccountId,
    ToolId,
    Scopes,
    CreatedAt,
    UpdatedAt,
}

// ----- Signing keys -----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyRow {
    /// The `kid`.
    pub id: String,
    pub alg: String,
    pub private_der: Vec<u8>,
    pub public_jwk: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

const KEY_COLUMNS: [OidcKeys; 6] = [
    OidcKeys::Id,
    OidcKeys::Alg,
    OidcKeys::PrivateDer,
    OidcKeys::PublicJwk,
    OidcKeys::CreatedAt,
    OidcKeys::RetiredAt,
];

pub async fn insert_key(db: &Db, key: &KeyRow) -> Result<()> {
    let mut tx = db.begin().await?;
    tx.execute(
        Query::insert()
            .into_table(OidcKeys::Table)
            .columns(KEY_COLUMNS)
            .values_panic([
                key.id.clone().into(),
                key.alg.clone().into(),
                key.private_der.clone().into(),
                key.public_jwk.clone().into(),
                key.created_at.into(),
                key.retired_at.into(),
            ]),
    )
    .await?;
    tx.commit().await
}

/// The key that signs for `alg`: the newest that is not retired.
pub async fn signing_key(db: &Db, alg: &str) -> Result<Option<KeyRow>> {
    db.fetch_optional(
        Query::select()
            .columns(KEY_COLUMNS)
            .from(OidcKeys::Table)
            .and_where(Expr::col(OidcKeys::Alg).eq(alg))
            .and_where(Expr::col(OidcKeys::RetiredAt).is_null())
            .order_by(OidcKeys::CreatedAt, Order::Desc)
            .limit(1),
    )
    .await
}

/// A key by its id, retired or not.
pub async fn key(db: &Db, kid: &str) -> Result<Option<KeyRow>> {
    db.fetch_optional(
        Query::select()
            .columns(KEY_COLUMNS)
            .from(OidcKeys::Table)
            .and_where(Expr::col(OidcKeys::Id).eq(kid)),
    )
    .await
}

/// Every key still published: those that sign, and retired ones retired after `since`.
pub async fn published_keys(db: &Db, since: Timestamp) -> Result<Vec<KeyRow>> {
    db.fetch_all(
        Query::select()
            .columns(KEY_COLUMNS)
            .from(OidcKeys::Table)
            .and_where(
                Expr::col(OidcKeys::RetiredAt)
                    .is_null()
                    .or(Expr::col(OidcKeys::RetiredAt).gt(since.0)),
            )
            .order_by(OidcKeys::CreatedAt, Order::Desc)
            .limit(100),
    )
    .await
}

/// Every key, newest first.
pub async fn all_keys(db: &Db) -> Result<Vec<KeyRow>> {
    db.fetch_all(
        Query::select()
            .columns(KEY_COLUMNS)
            .from(OidcKeys::Table)
            .order_by(OidcKeys::CreatedAt, Order::Desc)
            .limit(1000),
    )
    .await
}

/// Keeps a key's private half as given (sealed anew).
pub async fn set_private_der(db: &Db, id: &str, der: Vec<u8>) -> Result<()> {
    db.execute(
        Query::update()
            .table(OidcKeys::Table)
            .value(OidcKeys::PrivateDer, der)
            .and_where(Expr::col(OidcKeys::Id).eq(id)),
    )
    .await
    .map(|_| ())
}

/// Retires every signing key; returns how many.
pub async fn retire_keys(db: &Db, now: Timestamp) -> Result<u64> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            Query::update()
                .table(OidcKeys::Table)
                .value(OidcKeys::RetiredAt, now.0)
                .and_where(Expr::col(OidcKeys::RetiredAt).is_null()),
        )
        .await?;
    tx.commit().await?;
    Ok(n)
}

// ----- Authorization codes -----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CodeRow {
    pub id: AuthCodeId,
    pub secret_hash: Vec<u8>,
    pub tool_id: ToolId,
    pub account_id: AccountId,
    pub redirect_uri: String,
    /// Space-separated.
    pub scopes: String,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    /// When the person logged in.
    pub auth_time: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

const CODE_COLUMNS: [OauthCodes; 12] = [
    OauthCodes::Id,
    OauthCodes::SecretHash,
    OauthCodes::ToolId,
    OauthCodes::AccountId,
    OauthCodes::RedirectUri,
    OauthCodes::Scopes,
    OauthCodes::Nonce,
    OauthCodes::CodeChallenge,
    OauthCodes::AuthTime,
    OauthCodes::CreatedAt,
    OauthCodes::ExpiresAt,
    OauthCodes::UsedAt,
];

pub async fn insert_code(tx: &mut Tx, c: &CodeRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(OauthCodes::Table)
            .columns(CODE_COLUMNS)
            .values_panic([
                c.id.into(),
                c.secret_hash.clone().into(),
                c.tool_id.into(),
                c.account_id.into(),
                c.redirect_uri.clone().into(),
                c.scopes.clone().into(),
                c.nonce.clone().into(),
                c.code_challenge.clone().into(),
                c.auth_time.into(),
                c.created_at.into(),
                c.expires_at.into(),
                c.used_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

pub async fn code_by_secret(db: &Db, hash: &[u8]) -> Result<Option<CodeRow>> {
    db.fetch_optional(
        Query::select()
            .columns(CODE_COLUMNS)
            .from(OauthCodes::Table)
            .and_where(Expr::col(OauthCodes::SecretHash).eq(hash.to_vec())),
    )
    .await
}

/// Marks a code used; false when it already was (someone presents it a second time).
pub async fn use_code(tx: &mut Tx, id: AuthCodeId, now: Timestamp) -> Result<bool> {
    let n = tx
        .execute(
            Query::update()
                .table(OauthCodes::Table)
                .value(OauthCodes::UsedAt, now.0)
                .and_where(Expr::col(OauthCodes::Id).eq(id))
                .and_where(Expr::col(OauthCodes::UsedAt).is_null()),
        )
        .await?;
    Ok(n == 1)
}

/// Ends the codes a person holds for a tool that are not used yet.
pub async fn use_codes_of(
    tx: &mut Tx,
    account: AccountId,
    tool: ToolId,
    now: Timestamp,
) -> Result<u64> {
    tx.execute(
        Query::update()
            .table(OauthCodes::Table)
            .value(OauthCodes::UsedAt, now.0)
            .and_where(Expr::col(OauthCodes::AccountId).eq(account))
            .and_where(Expr::col(OauthCodes::ToolId).eq(tool))
            .and_where(Expr::col(OauthCodes::UsedAt).is_null()),
    )
    .await
}

/// Forgets codes and tokens that expired before `before`: nothing can use them, and a code
/// presented again after it expired is refused as unknown.
pub async fn purge_expired(db: &Db, before: Timestamp) -> Result<u64> {
    let mut tx = db.begin().await?;
    let codes = tx
        .execute(
            Query::delete()
                .from_table(OauthCodes::Table)
                .and_where(Expr::col(OauthCodes::ExpiresAt).lt(before.0)),
        )
        .await?;
    let tokens = tx
        .execute(
            Query::delete()
                .from_table(OauthTokens::Table)
                .and_where(Expr::col(OauthTokens::ExpiresAt).lt(before.0)),
        )
        .await?;
    tx.commit().await?;
    Ok(codes + tokens)
}

// ----- Tokens -----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: OAuthTokenId,
    pub secret_hash: Vec<u8>,
    /// `access` or `refresh`.
    pub kind: String,
    pub family_id: AuthCodeId,
    pub tool_id: ToolId,
    pub account_id: AccountId,
    pub scopes: String,
    /// When the person logged in, for the ID tokens of refreshes.
    pub auth_time: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const TOKEN_COLUMNS: [OauthTokens; 12] = [
    OauthTokens::Id,
    OauthTokens::SecretHash,
    OauthTokens::Kind,
    OauthTokens::FamilyId,
    OauthTokens::ToolId,
    OauthTokens::AccountId,
    OauthTokens::Scopes,
    OauthTokens::AuthTime,
    OauthTokens::CreatedAt,
    OauthTokens::ExpiresAt,
    OauthTokens::UsedAt,
    OauthTokens::RevokedAt,
];

pub async fn insert_tokens(tx: &mut Tx, rows: &[TokenRow]) -> Result<()> {
    let mut insert = Query::insert();
    insert.into_table(OauthTokens::Table).columns(TOKEN_COLUMNS);
    for t in rows {
        insert.values_panic([
            t.id.into(),
            t.secret_hash.clone().into(),
            t.kind.clone().into(),
            t.family_id.into(),
            t.tool_id.into(),
            t.account_id.into(),
            t.scopes.clone().into(),
            t.auth_time.into(),
            t.created_at.into(),
            t.expires_at.into(),
            t.used_at.into(),
            t.revoked_at.into(),
        ]);
    }
    tx.execute(&insert).await.map(|_| ())
}

pub async fn token_by_secret(db: &Db, hash: &[u8]) -> Result<Option<TokenRow>> {
    db.fetch_optional(
        Query::select()
            .columns(TOKEN_COLUMNS)
            .from(OauthTokens::Table)
            .and_where(Expr::col(OauthTokens::SecretHash).eq(hash.to_vec())),
    )
    .await
}

pub async fn refresh_by_secret(tx: &mut Tx, hash: &[u8]) -> Result<Option<TokenRow>> {
    tx.fetch_optional(
        Query::select()
            .columns(TOKEN_COLUMNS)
            .from(OauthTokens::Table)
            .and_where(Expr::col(OauthTokens::SecretHash).eq(hash.to_vec()))
            .and_where(Expr::col(OauthTokens::Kind).eq("refresh")),
    )
    .await
}

/// Marks a refresh token used; false when it already was, or has been revoked.
pub async fn use_refresh(tx: &mut Tx, id: OAuthTokenId, now: Timestamp) -> Result<bool> {
    let n = tx
        .execute(
            Query::update()
                .table(OauthTokens::Table)
                .value(OauthTokens::UsedAt, now.0)
                .and_where(Expr::col(OauthTokens::Id).eq(id))
                .and_where(Expr::col(OauthTokens::UsedAt).is_null())
                .and_where(Expr::col(OauthTokens::RevokedAt).is_null()),
        )
        .await?;
    Ok(n == 1)
}

/// Revokes every token of a family.
pub async fn revoke_family(tx: &mut Tx, family: AuthCodeId, now: Timestamp) -> Result<u64> {
    tx.execute(
        Query::update()
            .table(OauthTokens::Table)
            .value(OauthTokens::RevokedAt, now.0)
            .and_where(Expr::col(OauthTokens::FamilyId).eq(family))
            .and_where(Expr::col(OauthTokens::RevokedAt).is_null()),
    )
    .await
}

pub async fn revoke_token(tx: &mut Tx, id: OAuthTokenId, now: Timestamp) -> Result<u64> {
    tx.execute(
        Query::update()
            .table(OauthTokens::Table)
            .value(OauthTokens::RevokedAt, now.0)
            .and_where(Expr::col(OauthTokens::Id).eq(id))
            .and_where(Expr::col(OauthTokens::RevokedAt).is_null()),
    )
    .await
}

/// Revokes every token a person's sign-ins gave a tool.
pub async fn revoke_grant(
    tx: &mut Tx,
    account: AccountId,
    tool: ToolId,
    now: Timestamp,
) -> Result<u64> {
    tx.execute(
        Query::update()
            .table(OauthTokens::Table)
            .value(OauthTokens::RevokedAt, now.0)
            .and_where(Expr::col(OauthTokens::AccountId).eq(account))
            .and_where(Expr::col(OauthTokens::ToolId).eq(tool))
            .and_where(Expr::col(OauthTokens::RevokedAt).is_null()),
    )
    .await
}

// ----- Consents -----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConsentRow {
    pub account_id: AccountId,
    pub tool_id: ToolId,
    pub scopes: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const CONSENT_COLUMNS: [OauthConsents; 5] = [
    OauthConsents::AccountId,
    OauthConsents::ToolId,
    OauthConsents::Scopes,
    OauthConsents::CreatedAt,
    OauthConsents::UpdatedAt,
];

pub async fn consent(db: &Db, account: AccountId, tool: ToolId) -> Result<Option<ConsentRow>> {
    db.fetch_optional(
        Query::select()
            .columns(CONSENT_COLUMNS)
            .from(OauthConsents::Table)
            .and_where(Expr::col(OauthConsents::AccountId).eq(account))
            .and_where(Expr::col(OauthConsents::ToolId).eq(tool)),
    )
    .await
}

pub async fn consents_of(db: &Db, account: AccountId) -> Result<Vec<ConsentRow>> {
    db.fetch_all(
        Query::select()
            .columns(CONSENT_COLUMNS)
            .from(OauthConsents::Table)
            .and_where(Expr::col(OauthConsents::AccountId).eq(account))
            .order_by(OauthConsents::UpdatedAt, Order::Desc)
            .limit(1000),
    )
    .await
}

/// Records what a person let a tool see (replacing what they let it see before).
pub async fn save_consent(tx: &mut Tx, c: &ConsentRow) -> Result<()> {
    tx.execute(
        Query::insert()
            .into_table(OauthConsents::Table)
            .columns(CONSENT_COLUMNS)
            .values_panic([
                c.account_id.into(),
                c.tool_id.into(),
                c.scopes.clone().into(),
                c.created_at.into(),
                c.updated_at.into(),
            ])
            .on_conflict(
                OnConflict::columns([OauthConsents::AccountId, OauthConsents::ToolId])
                    .update_columns([OauthConsents::Scopes, OauthConsents::UpdatedAt])
                    .to_owned(),
            ),
    )
    .await
    .map(|_| ())
}

pub async fn delete_consent(tx: &mut Tx, account: AccountId, tool: ToolId) -> Result<u64> {
    tx.execute(
        Query::delete()
            .from_table(OauthConsents::Table)
            .and_where(Expr::col(OauthConsents::AccountId).eq(account))
            .and_where(Expr::col(OauthConsents::ToolId).eq(tool)),
    )
    .await
}

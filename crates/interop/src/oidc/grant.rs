//! The grants of the code flow: a code for a person's consent, tokens for the code (with PKCE
//! and the exact redirect URI), refresh with rotation, and what a tool may ask of a token
//! (introspection, revocation, userinfo).
//!
//! Reuse is treated as theft: a code presented a second time, or a refresh token presented
//! after it was rotated, revokes every token grown from the same code (its family).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kernel::id::{AccountId, AuthCodeId, OAuthTokenId};
use kernel::people::secrets::{hash_secret, random_bytes};
use kernel::tool::OutsideToolRow;
use kernel::{Error, Kernel, Timestamp};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::keys::{self, Alg};
use super::spend::Spent;
use super::store::{self, CodeRow, ConsentRow, TokenRow};
use super::{ACCESS_TTL_S, CODE_TTL_S, ID_TOKEN_TTL_S, REFRESH_TTL_S, claims, issuer};

/// Prefixes that tell Weft's secrets apart (and let secret scanners find them).
pub const CODE_PREFIX: &str = "weft_code_";
pub const ACCESS_PREFIX: &str = "weft_oat_";
pub const REFRESH_PREFIX: &str = "weft_ort_";

/// Why a token request is refused, in RFC 6749's words.
#[derive(Debug)]
pub enum OAuthError {
    InvalidGrant(String),
    InvalidScope(String),
    Internal(Error),
}

impl From<Error> for OAuthError {
    fn from(e: Error) -> Self {
        OAuthError::Internal(e)
    }
}

type Result<T> = std::result::Result<T, OAuthError>;

/// The token endpoint's answer (RFC 6749 section 5.1, with OpenID Connect's `id_token`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub refresh_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    pub scope: String,
}

fn fresh(prefix: &str) -> (String, Vec<u8>) {
    let secret = format!("{prefix}{}", URL_SAFE_NO_PAD.encode(random_bytes::<32>()));
    let hash = hash_secret(&secret);
    (secret, hash)
}

/// What the person agreed to, to turn into a code.
pub struct Approved<'a> {
    pub tool: &'a OutsideToolRow,
    pub account: AccountId,
    pub redirect_uri: &'a str,
    pub scopes: &'a str,
    pub nonce: Option<&'a str>,
    pub code_challenge: Option<&'a str>,
    /// When the person logged in.
    pub auth_time: Timestamp,
}

/// A code for an approved request: single use, valid for [`CODE_TTL_S`].
pub async fn issue_code(k: &Kernel, a: Approved<'_>) -> kernel::Result<String> {
    let (code, hash) = fresh(CODE_PREFIX);
    let now = k.now();
    let row = CodeRow {
        id: AuthCodeId::new(),
        secret_hash: hash,
        tool_id: a.tool.id,
        account_id: a.account,
        redirect_uri: a.redirect_uri.to_string(),
        scopes: a.scopes.to_string(),
        nonce: a.nonce.map(str::to_string),
        code_challenge: a.code_challenge.map(str::to_string),
        auth_time: a.auth_time.0,
        created_at: now.0,
        expires_at: now.plus_seconds(CODE_TTL_S).0,
        used_at: None,
    };
    let mut tx = k.db.begin().await?;
    store::insert_code(&mut tx, &row).await?;
    tx.commit().await?;
    // Now and then, forget what expired a day ago (nothing can use it any more).
    if random_bytes::<1>()[0] == 0 {
        let purged = store::purge_expired(&k.db, now.plus_seconds(-86_400)).await?;
        tracing::debug!(purged, "expired codes and tokens forgotten");
    }
    Ok(code)
}

/// RFC 7636's shape of a verifier and of an S256 challenge: 43–128 unreserved characters.
pub fn pkce_shaped(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// `BASE64URL(SHA256(verifier)) == challenge`, for a verifier of RFC 7636's shape.
pub fn pkce_holds(verifier: &str, challenge: &str) -> bool {
    if !pkce_shaped(verifier) {
        return false;
    }
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    subtle::ConstantTimeEq::ct_eq(computed.as_bytes(), challenge.as_bytes()).into()
}

/// The tokens of one grant: an access token and the refresh token that renews it, and the
/// rows to store.
fn mint(
    family: AuthCodeId,
    tool: &OutsideToolRow,
    account: AccountId,
    scopes: &str,
    auth_time: i64,
    now: Timestamp,
) -> ((String, String), Vec<TokenRow>) {
    let (access, access_hash) = fresh(ACCESS_PREFIX);
    let (refresh, refresh_hash) = fresh(REFRESH_PREFIX);
    let row = |kind: &str, hash: Vec<u8>, ttl: i64| TokenRow {
        id: OAuthTokenId::new(),
        secret_hash: hash,
        kind: kind.into(),
        family_id: family,
        tool_id: tool.id,
        account_id: account,
        scopes: scopes.into(),
        auth_time,
        created_at: now.0,
        expires_at: now.plus_seconds(ttl).0,
        used_at: None,
        revoked_at: None,
    };
    let rows = vec![
        row("access", access_hash, ACCESS_TTL_S),
        row("refresh", refresh_hash, REFRESH_TTL_S),
    ];
    ((access, refresh), rows)
}

/// An ID token for the person, signed as the tool asked (RS256 unless it chose EdDSA).
pub async fn id_token(k: &Kernel, keys: &keys::KeyCache, s: &Signed<'_>) -> kernel::Result<String> {
    let Signed {
        tool,
        account,
        scopes,
        nonce,
        auth_time,
    } = *s;
    let now = k.now();
    let mut body: Map<String, Value> = Map::new();
    body.insert("iss".into(), json!(issuer(k)));
    body.insert("aud".into(), json!(tool.client_id));
    body.insert("azp".into(), json!(tool.client_id));
    body.insert("iat".into(), json!(now.0 / 1_000_000));
    body.insert(
        "exp".into(),
        json!(now.plus_seconds(ID_TOKEN_TTL_S).0 / 1_000_000),
    );
    body.insert("auth_time".into(), json!(auth_time / 1_000_000));
    if let Some(nonce) = nonce {
        body.insert("nonce".into(), json!(nonce));
    }
    body.extend(claims::about(k, account, tool, scopes).await?);
    let alg = Alg::parse(&tool.id_token_alg).unwrap_or(Alg::Rs256);
    let key = keys.signing_key(k, alg).await?;
    match alg {
        // An RSA signature takes milliseconds: not on the async runtime's threads.
        Alg::Rs256 => tokio::task::spawn_blocking(move || key.sign(&body))
            .await
            .map_err(Error::internal)?,
        // An Ed25519 signature takes tens of microseconds, less than the hand-over would.
        Alg::EdDsa => key.sign(&body),
    }
}

/// Whom an ID token speaks of, to which tool, and what it may say.
#[derive(Clone, Copy)]
pub struct Signed<'a> {
    pub tool: &'a OutsideToolRow,
    pub account: AccountId,
    pub scopes: &'a str,
    pub nonce: Option<&'a str>,
    /// When the person logged in (microseconds).
    pub auth_time: i64,
}

/// The answer for a new grant or a renewed one.
async fn respond(
    k: &Kernel,
    keys: &keys::KeyCache,
    s: Signed<'_>,
    (access, refresh): (String, String),
) -> Result<TokenResponse> {
    let scopes = s.scopes;
    let id_token = if claims::has(scopes, "openid") {
        Some(id_token(k, keys, &s).await?)
    } else {
        None
    };
    Ok(TokenResponse {
        access_token: access,
        token_type: "Bearer",
        expires_in: ACCESS_TTL_S,
        refresh_token: refresh,
        id_token,
        scope: scopes.to_string(),
    })
}

/// The authorization code grant (RFC 6749 section 4.1.3, RFC 7636 section 4.6).
pub async fn exchange_code(
    k: &Kernel,
    provider: &super::Provider,
    tool: &OutsideToolRow,
    code: &str,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
) -> Result<TokenResponse> {
    let now = k.now();
    // Read before the write lock is taken; spending the code below is what is atomic.
    let found = store::code_by_secret(&k.db, &hash_secret(code)).await?;
    let Some(row) = found.filter(|c| c.tool_id == tool.id) else {
        return Err(OAuthError::InvalidGrant(
            "the code is unknown, or was issued to another client".into(),
        ));
    };
    let refusal = if row.expires_at <= now.0 {
        Some("the code has expired; ask the person to sign in again")
    } else if redirect_uri != Some(row.redirect_uri.as_str()) {
        Some("redirect_uri must be the one the code was issued for")
    } else {
        match (&row.code_challenge, verifier) {
            (Some(challenge), Some(v)) if pkce_holds(v, challenge) => None,
            (Some(_), Some(_)) => Some("the code_verifier does not match the code_challenge"),
            (Some(_), None) => Some("code_verifier is missing (the request used PKCE)"),
            (None, Some(_)) => Some("code_verifier given, but the request had no code_challenge"),
            (None, None) => None,
        }
    };
    let (tokens, rows) = mint(
        row.id,
        tool,
        row.account_id,
        &row.scopes,
        row.auth_time,
        now,
    );
    // The code is spent by this request whatever its outcome: a guessed verifier gets no
    // second try.
    let rows = if refusal.is_none() { rows } else { Vec::new() };
    match provider.spender.spend(&k.db, row.id, rows, now).await? {
        Spent::Reused => {
            tracing::warn!(tool = %tool.name, "an authorization code was presented twice; its tokens are revoked");
            return Err(OAuthError::InvalidGrant(
                "the code was already used; the tokens it gave are revoked".into(),
            ));
        }
        Spent::Issued => {}
    }
    if let Some(why) = refusal {
        return Err(OAuthError::InvalidGrant(why.into()));
    }
    let signed = Signed {
        tool,
        account: row.account_id,
        scopes: &row.scopes,
        nonce: row.nonce.as_deref(),
        auth_time: row.auth_time,
    };
    respond(k, &provider.keys, signed, tokens).await
}

/// The refresh token grant (RFC 6749 section 6), rotating: the old refresh token is spent,
/// and presenting it again revokes the whole family.
pub async fn refresh(
    k: &Kernel,
    keys: &keys::KeyCache,
    tool: &OutsideToolRow,
    token: &str,
    scope: Option<&str>,
) -> Result<TokenResponse> {
    let now = k.now();
    let mut tx = k.db.begin().await?;
    let found = store::refresh_by_secret(&mut tx, &hash_secret(token)).await?;
    let Some(row) = found.filter(|t| t.tool_id == tool.id) else {
        return Err(OAuthError::InvalidGrant(
            "the refresh token is unknown, or was issued to another client".into(),
        ));
    };
    if row.revoked_at.is_some() {
        return Err(OAuthError::InvalidGrant(
            "the refresh token was revoked".into(),
        ));
    }
    if row.expires_at <= now.0 {
        return Err(OAuthError::InvalidGrant(
            "the refresh token has expired".into(),
        ));
    }
    if row.used_at.is_some() || !store::use_refresh(&mut tx, row.id, now).await? {
        let revoked = store::revoke_family(&mut tx, row.family_id, now).await?;
        tx.commit().await?;
        tracing::warn!(tool = %tool.name, revoked, "a rotated refresh token was presented again; its family is revoked");
        return Err(OAuthError::InvalidGrant(
            "the refresh token was already used; every token of this sign-in is revoked".into(),
        ));
    }
    let scopes = match scope {
        None => row.scopes.clone(),
        Some(asked) => {
            if let Some(extra) = asked
                .split_whitespace()
                .find(|s| !claims::has(&row.scopes, s))
            {
                return Err(OAuthError::InvalidScope(format!(
                    "{extra} was not granted; a refresh may only narrow the scope"
                )));
            }
            asked.split_whitespace().collect::<Vec<_>>().join(" ")
        }
    };
    let (tokens, rows) = mint(
        row.family_id,
        tool,
        row.account_id,
        &scopes,
        row.auth_time,
        now,
    );
    store::insert_tokens(&mut tx, &rows).await?;
    tx.commit().await?;
    let signed = Signed {
        tool,
        account: row.account_id,
        scopes: &scopes,
        nonce: None,
        auth_time: row.auth_time,
    };
    respond(k, keys, signed, tokens).await
}

/// A token's standing: live, and whose.
fn live(t: &TokenRow, now: Timestamp) -> bool {
    t.revoked_at.is_none() && t.expires_at > now.0 && (t.kind == "access" || t.used_at.is_none())
}

/// Token introspection (RFC 7662): what a live token of this client is; of any other token,
/// only that it is not active.
pub async fn introspect(k: &Kernel, tool: &OutsideToolRow, token: &str) -> kernel::Result<Value> {
    let now = k.now();
    let found = store::token_by_secret(&k.db, &hash_secret(token)).await?;
    let Some(t) = found.filter(|t| t.tool_id == tool.id && live(t, now)) else {
        return Ok(json!({ "active": false }));
    };
    let handle = kernel::people::handles(k, &[t.account_id])
        .await?
        .remove(&t.account_id)
        .unwrap_or_default();
    Ok(json!({
        "active": true,
        "scope": t.scopes,
        "client_id": tool.client_id,
        "username": handle,
        "token_type": if t.kind == "access" { "Bearer" } else { "refresh_token" },
        "exp": t.expires_at / 1_000_000,
        "iat": t.created_at / 1_000_000,
        "sub": t.account_id.to_string(),
        "aud": tool.client_id,
        "iss": issuer(k),
    }))
}

/// Token revocation (RFC 7009): a refresh token takes its family with it; an access token
/// goes alone. A token that is unknown or another client's is left as it is, and the answer
/// is the same.
pub async fn revoke(k: &Kernel, tool: &OutsideToolRow, token: &str) -> kernel::Result<()> {
    let Some(t) = store::token_by_secret(&k.db, &hash_secret(token)).await? else {
        return Ok(());
    };
    if t.tool_id != tool.id {
        return Ok(());
    }
    let now = k.now();
    let mut tx = k.db.begin().await?;
    if t.kind == "refresh" {
        store::revoke_family(&mut tx, t.family_id, now).await?;
    } else {
        store::revoke_token(&mut tx, t.id, now).await?;
    }
    tx.commit().await
}

/// Why a userinfo request is refused (RFC 6750 section 3.1).
pub enum BearerError {
    InvalidToken,
    InsufficientScope,
    Internal(Error),
}

/// The claims an access token may read, by its scopes.
pub async fn userinfo(
    k: &Kernel,
    token: &str,
) -> std::result::Result<Map<String, Value>, BearerError> {
    let now = k.now();
    let found = store::token_by_secret(&k.db, &hash_secret(token))
        .await
        .map_err(BearerError::Internal)?;
    let Some(t) = found.filter(|t| t.kind == "access" && live(t, now)) else {
        return Err(BearerError::InvalidToken);
    };
    if !claims::has(&t.scopes, "openid") {
        return Err(BearerError::InsufficientScope);
    }
    let tool = kernel::tool::registration_by_id(k, t.tool_id)
        .await
        .map_err(BearerError::Internal)?
        .ok_or(BearerError::InvalidToken)?;
    claims::about(k, t.account_id, &tool, &t.scopes)
        .await
        .map_err(BearerError::Internal)
}

// ----- Consent -----

/// Whether the person already let the tool see everything `scopes` asks.
pub async fn remembered(
    k: &Kernel,
    account: AccountId,
    tool: &OutsideToolRow,
    scopes: &str,
) -> kernel::Result<bool> {
    Ok(store::consent(&k.db, account, tool.id)
        .await?
        .is_some_and(|c| scopes.split_whitespace().all(|s| claims::has(&c.scopes, s))))
}

/// Remembers that the person let the tool see `scopes` (with what they allowed before).
pub async fn remember(
    k: &Kernel,
    account: AccountId,
    tool: &OutsideToolRow,
    scopes: &str,
) -> kernel::Result<()> {
    let now = k.now();
    let before = store::consent(&k.db, account, tool.id).await?;
    let mut all: Vec<String> = before
        .as_ref()
        .map(|c| c.scopes.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    for s in scopes.split_whitespace() {
        if !all.iter().any(|a| a == s) {
            all.push(s.to_string());
        }
    }
    let mut tx = k.db.begin().await?;
    store::save_consent(
        &mut tx,
        &ConsentRow {
            account_id: account,
            tool_id: tool.id,
            scopes: all.join(" "),
            created_at: before.map_or(now.0, |c| c.created_at),
            updated_at: now.0,
        },
    )
    .await?;
    tx.commit().await
}

/// Takes back what the person let a tool see: the consent, every token and every unused code.
pub async fn forget(k: &Kernel, account: AccountId, tool: &OutsideToolRow) -> kernel::Result<bool> {
    let now = k.now();
    let mut tx = k.db.begin().await?;
    let had = store::delete_consent(&mut tx, account, tool.id).await?;
    let tokens = store::revoke_grant(&mut tx, account, tool.id, now).await?;
    store::use_codes_of(&mut tx, account, tool.id, now).await?;
    tx.commit().await?;
    tracing::info!(tool = %tool.name, tokens, "a person took back a tool's sign-in");
    Ok(had > 0 || tokens > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_holds(verifier, challenge));
        assert!(!pkce_holds(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK",
            challenge
        ));
        // Too short to be a verifier, even if it hashed right.
        assert!(!pkce_holds("short", challenge));
    }
}

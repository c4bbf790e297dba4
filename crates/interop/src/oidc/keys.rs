//! Signing keys of ID tokens: an RSA-2048 key (RS256, which every OpenID Connect client
//! reads) and an Ed25519 key (EdDSA, for the clients that ask). Keys live in the database, so
//! every process of a server signs with the same ones and a rotation reaches them all. A key
//! is made the first time it is needed; rotating retires the signing keys and makes new ones,
//! and a retired key stays in the JWKS until the ID tokens it signed have expired.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use kernel::{Error, Kernel, Result};
use serde::Serialize;
use utoipa::ToSchema;

use super::ID_TOKEN_TTL_S;
use super::store::{self, KeyRow};

/// The algorithms Weft signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    Rs256,
    EdDsa,
}

impl Alg {
    pub const ALL: [Alg; 2] = [Alg::Rs256, Alg::EdDsa];

    pub fn as_str(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::EdDsa => "EdDSA",
        }
    }

    pub fn parse(name: &str) -> Option<Alg> {
        Alg::ALL.into_iter().find(|a| a.as_str() == name)
    }

    fn jwt(self) -> Algorithm {
        match self {
            Alg::Rs256 => Algorithm::RS256,
            Alg::EdDsa => Algorithm::EdDSA,
        }
    }
}

/// A key ready to sign.
pub struct SigningKey {
    pub kid: String,
    pub alg: Alg,
    key: EncodingKey,
}

impl SigningKey {
    /// The key a row keeps, opened (private keys are sealed at rest: `kernel::seal`).
    fn of(k: &Kernel, row: &KeyRow) -> Result<SigningKey> {
        let alg =
            Alg::parse(&row.alg).ok_or_else(|| Error::Internal("unknown key algorithm".into()))?;
        let der = k.seal.open(&row.private_der, row.id.as_bytes())?;
        let key = match alg {
            Alg::Rs256 => EncodingKey::from_rsa_der(&der),
            Alg::EdDsa => EncodingKey::from_ed_der(&der),
        };
        Ok(SigningKey {
            kid: row.id.clone(),
            alg,
            key,
        })
    }

    /// A JWT of `claims`, signed (an RSA signature takes a couple of milliseconds: callers on
    /// the async runtime run this on the blocking pool).
    pub fn sign(&self, claims: &impl Serialize) -> Result<String> {
        let mut header = jsonwebtoken::Header::new(self.alg.jwt());
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).map_err(Error::internal)
    }
}

/// A new private key (PKCS #1 DER for RSA, PKCS #8 DER for Ed25519).
fn generate(alg: Alg) -> Result<Vec<u8>> {
    match alg {
        Alg::Rs256 => {
            use rsa::pkcs1::EncodeRsaPrivateKey;
            let key =
                rsa::RsaPrivateKey::new(&mut rand_core_06::OsRng, 2048).map_err(Error::internal)?;
            Ok(key
                .to_pkcs1_der()
                .map_err(Error::internal)?
                .as_bytes()
                .to_vec())
        }
        Alg::EdDsa => {
            // PKCS #8 v1 for Ed25519 (RFC 8410): a fixed header, then the 32-byte seed.
            const HEADER: [u8; 16] = [
                0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
                0x04, 0x20,
            ];
            let seed = kernel::people::secrets::random_bytes::<32>();
            Ok([HEADER.as_slice(), seed.as_slice()].concat())
        }
    }
}

/// The public half as a JWK, named `kid`.
fn public_jwk(alg: Alg, kid: &str, der: &[u8]) -> Result<Jwk> {
    let key = match alg {
        Alg::Rs256 => EncodingKey::from_rsa_der(der),
        Alg::EdDsa => EncodingKey::from_ed_der(der),
    };
    let mut jwk = Jwk::from_encoding_key(&key, alg.jwt()).map_err(Error::internal)?;
    jwk.common.key_id = Some(kid.to_string());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    Ok(jwk)
}

async fn create(k: &Kernel, alg: Alg) -> Result<KeyRow> {
    let der = tokio::task::spawn_blocking(move || generate(alg))
        .await
        .map_err(Error::internal)??;
    let kid = format!(
        "{}-{}",
        alg.as_str().to_lowercase(),
        uuid::Uuid::now_v7().simple()
    );
    let jwk = public_jwk(alg, &kid, &der)?;
    let row = KeyRow {
        private_der: k.seal.seal(&der, kid.as_bytes()),
        id: kid,
        alg: alg.as_str().into(),
        public_jwk: serde_json::to_string(&jwk).map_err(Error::internal)?,
        created_at: k.now().0,
        retired_at: None,
    };
    store::insert_key(&k.db, &row).await?;
    tracing::info!(kid = %row.id, alg = %row.alg, "OpenID Connect signing key made");
    Ok(row)
}

/// The signing keys this process last read, for a minute: a code exchange then reads no key
/// from the database. A rotation here empties it at once; one made by another process is
/// seen within the minute, and until then the retired key still signs tokens that verify
/// (it stays published for over an hour).
#[derive(Default)]
pub struct KeyCache {
    held: std::sync::RwLock<Vec<(Alg, Arc<SigningKey>, Instant)>>,
}

const CACHED_FOR: Duration = Duration::from_secs(60);

impl KeyCache {
    pub async fn signing_key(&self, k: &Kernel, alg: Alg) -> Result<Arc<SigningKey>> {
        let fresh = self
            .held
            .read()
            .map_err(|_| Error::Internal("the key cache is poisoned".into()))?
            .iter()
            .find(|(a, _, at)| *a == alg && at.elapsed() < CACHED_FOR)
            .map(|(_, key, _)| key.clone());
        if let Some(key) = fresh {
            return Ok(key);
        }
        let key = Arc::new(signing_key(k, alg).await?);
        let mut held = self
            .held
            .write()
            .map_err(|_| Error::Internal("the key cache is poisoned".into()))?;
        held.retain(|(a, _, _)| *a != alg);
        held.push((alg, key.clone(), Instant::now()));
        Ok(key)
    }

    pub fn clear(&self) {
        if let Ok(mut held) = self.held.write() {
            held.clear();
        }
    }
}

/// The key that signs for `alg`, made if there is none yet. (Two processes that both find
/// none make one each; both are published and the newer signs.)
pub async fn signing_key(k: &Kernel, alg: Alg) -> Result<SigningKey> {
    let row = match store::signing_key(&k.db, alg.as_str()).await? {
        Some(row) => row,
        None => create(k, alg).await?,
    };
    SigningKey::of(k, &row)
}

/// Makes sure each algorithm has a signing key, so the JWKS lists one before any token is
/// signed.
pub async fn ensure(k: &Kernel) -> Result<()> {
    for alg in Alg::ALL {
        if store::signing_key(&k.db, alg.as_str()).await?.is_none() {
            create(k, alg).await?;
        }
    }
    Ok(())
}

/// How long a retired key stays published: until the last ID token it signed has expired,
/// with a margin for clocks.
const PUBLISHED_AFTER_RETIREMENT_S: i64 = ID_TOKEN_TTL_S + 300;

/// The JWKS: every key that signs, and those retired too recently for their tokens to have
/// expired.
pub async fn jwks(k: &Kernel) -> Result<JwkSet> {
    ensure(k).await?;
    let since = k.now().plus_seconds(-PUBLISHED_AFTER_RETIREMENT_S);
    let keys = store::published_keys(&k.db, since)
        .await?
        .iter()
        .filter_map(|row| serde_json::from_str::<Jwk>(&row.public_jwk).ok())
        .collect();
    Ok(JwkSet { keys })
}

/// What an ID token Weft signed says of whom, to which tool.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Hint {
    pub sub: String,
    /// The tool's `client_id`.
    pub aud: String,
}

/// The subject and audience of an ID token Weft signed with any key it ever had, expired or
/// not: what the token is as a hint (RP-Initiated Logout's `id_token_hint`). `None` for
/// anything else — a token of another issuer, a forged or altered one, not a JWT at all.
pub async fn verify_hint(k: &Kernel, token: &str) -> Result<Option<Hint>> {
    let Some(kid) = jsonwebtoken::decode_header(token).ok().and_then(|h| h.kid) else {
        return Ok(None);
    };
    let Some(row) = store::key(&k.db, &kid).await? else {
        return Ok(None);
    };
    let Ok(jwk) = serde_json::from_str::<Jwk>(&row.public_jwk) else {
        return Ok(None);
    };
    let (Some(alg), Ok(key)) = (Alg::parse(&row.alg), DecodingKey::from_jwk(&jwk)) else {
        return Ok(None);
    };
    let mut rules = jsonwebtoken::Validation::new(alg.jwt());
    rules.validate_exp = false;
    rules.validate_aud = false;
    rules.required_spec_claims = ["iss", "sub", "aud"]
        .into_iter()
        .map(String::from)
        .collect();
    rules.set_issuer(&[super::issuer(k)]);
    Ok(jsonwebtoken::decode::<Hint>(token, &key, &rules)
        .ok()
        .map(|data| data.claims))
}

/// A signing key as an administrator sees it (never its private half).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyInfo {
    pub kid: String,
    pub alg: String,
    pub created_at: kernel::Timestamp,
    pub retired_at: Option<kernel::Timestamp>,
    /// Whether it signs new tokens.
    pub signing: bool,
    /// Whether the JWKS lists it.
    pub published: bool,
}

pub async fn list(k: &Kernel) -> Result<Vec<KeyInfo>> {
    let since = k.now().plus_seconds(-PUBLISHED_AFTER_RETIREMENT_S).0;
    Ok(store::all_keys(&k.db)
        .await?
        .into_iter()
        .map(|row| KeyInfo {
            signing: row.retired_at.is_none(),
            published: row.retired_at.is_none_or(|r| r > since),
            kid: row.id,
            alg: row.alg,
            created_at: kernel::Timestamp(row.created_at),
            retired_at: row.retired_at.map(kernel::Timestamp),
        })
        .collect())
}

/// Retires the signing keys and makes new ones; the retired ones stay published until the
/// tokens they signed have expired.
pub async fn rotate(k: &Kernel, cache: &KeyCache) -> Result<Vec<KeyInfo>> {
    let retired = store::retire_keys(&k.db, k.now()).await?;
    for alg in Alg::ALL {
        create(k, alg).await?;
    }
    cache.clear();
    tracing::info!(retired, "OpenID Connect signing keys rotated");
    list(k).await
}

//! Secrets: random bearer secrets (stored only as SHA-256 — they are long and random, so a slow
//! hash buys nothing), argon2id password hashes, and each account's Ed25519 key and `did:key`.

use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _, phc::PasswordHash};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// The kinds of bearer secrets. The prefix lets people (and secret scanners) tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    Session,
    PersonalToken,
    PasswordReset,
    /// An outside tool's token for one group (client credentials).
    ToolToken,
    /// The link that confirms a new email address.
    EmailConfirmation,
    /// The link of an invitation by mail or a shareable invitation link.
    Invitation,
}

impl SecretKind {
    pub fn prefix(self) -> &'static str {
        match self {
            SecretKind::Session => "weft_ses_",
            SecretKind::PersonalToken => "weft_pat_",
            SecretKind::PasswordReset => "weft_rst_",
            SecretKind::ToolToken => "weft_tool_",
            SecretKind::EmailConfirmation => "weft_eml_",
            SecretKind::Invitation => "weft_inv_",
        }
    }

    pub fn of(secret: &str) -> Option<SecretKind> {
        [
            SecretKind::Session,
            SecretKind::PersonalToken,
            SecretKind::PasswordReset,
            SecretKind::ToolToken,
            SecretKind::EmailConfirmation,
            SecretKind::Invitation,
        ]
        .into_iter()
        .find(|k| secret.starts_with(k.prefix()))
    }
}

/// A fresh secret to hand out once, and the hash to keep.
pub struct NewSecret {
    pub secret: String,
    pub hash: Vec<u8>,
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes
}

pub fn new_secret(kind: SecretKind) -> NewSecret {
    let secret = format!(
        "{}{}",
        kind.prefix(),
        URL_SAFE_NO_PAD.encode(random_bytes::<32>())
    );
    let hash = hash_secret(&secret);
    NewSecret { secret, hash }
}

pub fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Argon2id with the configured cost. Hashing blocks a thread for tens of milliseconds, so
/// callers run it on the blocking pool.
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    /// A hash of nothing in particular, verified against when a handle does not exist so the
    /// answer takes as long as for one that does.
    decoy: String,
}

impl PasswordHasher {
    pub fn new(memory_kib: u32, iterations: u32) -> Self {
        let params = Params::new(memory_kib.max(8), iterations.max(1), 1, None)
            .expect("argon2 parameters within bounds");
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let decoy = argon2
            .hash_password(&random_bytes::<16>())
            .expect("argon2 hashes a decoy")
            .to_string();
        Self { argon2, decoy }
    }

    pub fn hash(&self, password: &str) -> Result<String> {
        self.argon2
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(Error::internal)
    }

    /// Checks a password against a stored hash, or against the decoy when there is none.
    pub fn verify(&self, password: &str, stored: Option<&str>) -> bool {
        let phc = stored.unwrap_or(&self.decoy);
        let Ok(parsed) = PasswordHash::new(phc) else {
            return false;
        };
        let matches = self
            .argon2
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        matches && stored.is_some()
    }
}

/// An account's signing key pair and the `did:key` that names it.
pub struct KeyPair {
    pub public: [u8; 32],
    pub secret: [u8; 32],
    pub did: String,
}

impl KeyPair {
    pub fn generate() -> Self {
        let secret = random_bytes::<32>();
        let signing = ed25519_dalek::SigningKey::from_bytes(&secret);
        let public = signing.verifying_key().to_bytes();
        KeyPair {
            public,
            secret,
            did: did_key(&public),
        }
    }
}

/// `did:key` of an Ed25519 public key: multibase base58btc (`z`) of the multicodec
/// `ed25519-pub` prefix (0xed 0x01) followed by the key.
pub fn did_key(public: &[u8; 32]) -> String {
    let mut bytes = Vec::with_capacity(34);
    bytes.extend_from_slice(&[0xed, 0x01]);
    bytes.extend_from_slice(public);
    format!("did:key:z{}", bs58::encode(bytes).into_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_key_matches_the_spec_test_vector() {
        // From the did:key spec (Ed25519 test vector).
        let public = bs58::decode("B12NYF8RrR3h41TDCTJojY59usg3mbtbjnFs7Eud1Y6u")
            .into_vec()
            .unwrap();
        let public: [u8; 32] = public.try_into().unwrap();
        assert_eq!(
            did_key(&public),
            "did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH"
        );
    }

    #[test]
    fn passwords_verify_and_the_decoy_never_does() {
        let hasher = PasswordHasher::new(64, 1);
        let stored = hasher.hash("correct horse battery staple").unwrap();
        assert!(hasher.verify("correct horse battery staple", Some(&stored)));
        assert!(!hasher.verify("wrong", Some(&stored)));
        assert!(!hasher.verify("anything", None));
    }

    #[test]
    fn secrets_are_prefixed_and_hashed() {
        let s = new_secret(SecretKind::PersonalToken);
        assert!(s.secret.starts_with("weft_pat_"));
        assert_eq!(SecretKind::of(&s.secret), Some(SecretKind::PersonalToken));
        assert_eq!(hash_secret(&s.secret), s.hash);
        assert_ne!(new_secret(SecretKind::PersonalToken).secret, s.secret);
    }
}

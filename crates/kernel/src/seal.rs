//! Secrets at rest: what Weft must read back (OpenID Connect signing keys, webhook secrets,
//! accounts' Ed25519 secret keys) is sealed with XChaCha20-Poly1305 under a key kept outside
//! the database — a key file in the data directory on SQLite, `WEFT_SECRET_KEY` on
//! PostgreSQL — so a copy of the database alone gives none of them away. Each sealed value
//! names its key (the first 8 bytes of the key's SHA-256) and is bound to the row it belongs
//! to (associated data), so it cannot be moved to another row. Several keys may be known:
//! the first seals, all open; a start re-seals under the first what an older one sealed
//! (rotation).

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

use crate::people::secrets::random_bytes;
use crate::{Error, Result};

/// What a sealed value starts with (a value without it is from before sealing: plain).
const MAGIC: &[u8] = b"wseal1";
/// The prefix of a sealed value kept in a text column (base64 after it).
const TEXT_PREFIX: &str = "sealed:";

/// A 256-bit sealing key.
#[derive(Clone)]
pub struct SealKey([u8; 32]);

impl std::fmt::Debug for SealKey {
    /// Names the key by its id, never by its bytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealKey({:02x?})", self.id())
    }
}

impl SealKey {
    pub fn generate() -> Self {
        SealKey(random_bytes::<32>())
    }

    /// A key written as base64 (what the key file and `WEFT_SECRET_KEY` hold).
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| "a sealing key is 32 bytes in base64".to_string())?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "a sealing key is 32 bytes in base64".to_string())?;
        Ok(SealKey(key))
    }

    pub fn to_base64(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }

    fn id(&self) -> [u8; 8] {
        let digest = Sha256::digest(self.0);
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest[..8]);
        id
    }
}

/// Seals and opens secrets at rest.
#[derive(Clone)]
pub struct Sealer {
    /// The first seals; every one opens what it sealed.
    keys: Vec<SealKey>,
}

impl Sealer {
    pub fn new(keys: Vec<SealKey>) -> Self {
        assert!(!keys.is_empty(), "a sealer needs a key");
        Sealer { keys }
    }

    /// `MAGIC | key id | nonce | ciphertext`, bound to `row` (the id of the row it is kept in).
    pub fn seal(&self, plain: &[u8], row: &[u8]) -> Vec<u8> {
        let key = &self.keys[0];
        let nonce = random_bytes::<24>();
        let cipher = XChaCha20Poly1305::new((&key.0).into());
        let sealed = cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plain,
                    aad: row,
                },
            )
            .expect("XChaCha20-Poly1305 seals any length we keep");
        let mut out = Vec::with_capacity(MAGIC.len() + 8 + 24 + sealed.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&key.id());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// The secret a stored value holds: opened when sealed, as it is when kept from before.
    pub fn open(&self, stored: &[u8], row: &[u8]) -> Result<Vec<u8>> {
        let Some(rest) = stored.strip_prefix(MAGIC) else {
            return Ok(stored.to_vec());
        };
        if rest.len() < 8 + 24 {
            return Err(Error::internal("a sealed secret is cut short"));
        }
        let (id, rest) = rest.split_at(8);
        let (nonce, sealed) = rest.split_at(24);
        let key =
            self.keys.iter().find(|k| k.id() == id).ok_or_else(|| {
                Error::internal("a secret is sealed under a key this server lacks")
            })?;
        let nonce =
            XNonce::try_from(nonce).map_err(|_| Error::internal("a sealed secret's nonce"))?;
        XChaCha20Poly1305::new((&key.0).into())
            .decrypt(
                &nonce,
                Payload {
                    msg: sealed,
                    aad: row,
                },
            )
            .map_err(|_| Error::internal("a sealed secret does not open (altered, or moved)"))
    }

    /// Whether a stored value is sealed under the current key (else a start re-seals it).
    pub fn is_current(&self, stored: &[u8]) -> bool {
        stored
            .strip_prefix(MAGIC)
            .is_some_and(|rest| rest.len() >= 8 && rest[..8] == self.keys[0].id())
    }

    /// [`Sealer::seal`] for a text column: `sealed:` and base64.
    pub fn seal_text(&self, plain: &str, row: &[u8]) -> String {
        use base64::Engine;
        format!(
            "{TEXT_PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(self.seal(plain.as_bytes(), row))
        )
    }

    /// [`Sealer::open`] for a text column.
    pub fn open_text(&self, stored: &str, row: &[u8]) -> Result<String> {
        use base64::Engine;
        let Some(encoded) = stored.strip_prefix(TEXT_PREFIX) else {
            return Ok(stored.to_string());
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| Error::internal("a sealed secret is not base64"))?;
        String::from_utf8(self.open(&bytes, row)?).map_err(Error::internal)
    }

    /// [`Sealer::open_text`] for what a client hands back (a token this server sealed):
    /// anything not sealed by one of this server's keys is refused, never taken as it is.
    pub fn open_sealed_text(&self, given: &str, row: &[u8]) -> Result<String> {
        use base64::Engine;
        let bytes = given
            .strip_prefix(TEXT_PREFIX)
            .and_then(|e| base64::engine::general_purpose::STANDARD.decode(e).ok())
            .filter(|b| b.starts_with(MAGIC))
            .ok_or_else(|| Error::invalid("token", "not sealed by this server"))?;
        let plain = self
            .open(&bytes, row)
            .map_err(|_| Error::invalid("token", "not sealed by this server"))?;
        String::from_utf8(plain).map_err(|_| Error::invalid("token", "not sealed by this server"))
    }

    /// Whether a text column's value is sealed under the current key.
    pub fn is_current_text(&self, stored: &str) -> bool {
        use base64::Engine;
        stored
            .strip_prefix(TEXT_PREFIX)
            .and_then(|e| base64::engine::general_purpose::STANDARD.decode(e).ok())
            .is_some_and(|b| self.is_current(&b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_in_its_row_and_under_its_key() {
        let old = SealKey::generate();
        let sealer = Sealer::new(vec![old.clone()]);
        let sealed = sealer.seal(b"whsec_abc", b"row-1");
        assert!(
            !sealed.windows(9).any(|w| w == b"whsec_abc"),
            "no plain text"
        );
        assert_eq!(sealer.open(&sealed, b"row-1").unwrap(), b"whsec_abc");
        assert!(
            sealer.open(&sealed, b"row-2").is_err(),
            "moved to another row"
        );
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert!(sealer.open(&altered, b"row-1").is_err(), "altered");
        // Plain values from before sealing read as they are.
        assert_eq!(sealer.open(b"legacy", b"row-1").unwrap(), b"legacy");
        assert!(!sealer.is_current(b"legacy"));
        // Rotation: a new key first, the old one still opens; what the old sealed is not
        // current.
        let rotated = Sealer::new(vec![SealKey::generate(), old]);
        assert_eq!(rotated.open(&sealed, b"row-1").unwrap(), b"whsec_abc");
        assert!(!rotated.is_current(&sealed));
        assert!(rotated.is_current(&rotated.seal(b"x", b"r")));
        // A server without the key cannot open it.
        let stranger = Sealer::new(vec![SealKey::generate()]);
        assert!(stranger.open(&sealed, b"row-1").is_err());
        // Text columns.
        let text = sealer.seal_text("whsec_abc", b"row-1");
        assert!(text.starts_with("sealed:"));
        assert_eq!(sealer.open_text(&text, b"row-1").unwrap(), "whsec_abc");
        assert_eq!(
            sealer.open_text("whsec_plain", b"row-1").unwrap(),
            "whsec_plain"
        );
        assert!(sealer.is_current_text(&text));
    }

    #[test]
    fn keys_round_trip_through_base64() {
        let key = SealKey::generate();
        let again = SealKey::parse(&key.to_base64()).unwrap();
        assert_eq!(again.0, key.0);
        assert!(SealKey::parse("short").is_err());
    }
}

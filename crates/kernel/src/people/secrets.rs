//! Secrets: random bearer secrets (stored only as SHA-256 — they are long and random, so a slow
//! hash buys nothing), argon2id password hashes, and each account's Ed25519 key and `did:key`.

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use std::sync::mpsc::RecvTimeoutError;

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
/// callers run it on the [`HashingPool`]. Each thread hashes in memory of its own that it
/// keeps (see [`HashingPool`] for why no hash allocates and frees its memory).
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    /// A hash of nothing in particular, verified against when a handle does not exist so the
    /// answer takes as long as for one that does.
    decoy: String,
}

/// The length of a hash, in bytes.
const HASH_LEN: usize = 32;

thread_local! {
    /// This thread's argon2 memory, kept between hashes.
    static MEMORY: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl PasswordHasher {
    pub fn new(memory_kib: u32, iterations: u32) -> Self {
        let params = Params::new(memory_kib.max(8), iterations.max(1), 1, Some(HASH_LEN))
            .expect("argon2 parameters within bounds");
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        // A well-formed hash with today's parameters; checking a password against it costs what
        // checking against a real one costs, and nothing matches it.
        let decoy = phc_string(&argon2, &random_bytes::<16>(), &random_bytes::<HASH_LEN>())
            .expect("a decoy hash");
        Self { argon2, decoy }
    }

    pub fn hash(&self, password: &str) -> Result<String> {
        let salt = random_bytes::<16>();
        let mut out = [0u8; HASH_LEN];
        in_kept_memory(&self.argon2, password.as_bytes(), &salt, &mut out)?;
        phc_string(&self.argon2, &salt, &out)
    }

    /// Whether a stored hash was made with other parameters than today's (an older, costlier
    /// or cheaper setting): it is made again at the next log-in.
    pub fn outdated(&self, stored: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return false;
        };
        let params = self.argon2.params();
        let get = |name: &str| parsed.params.get_decimal(name);
        parsed.algorithm.as_str() != "argon2id"
            || get("m") != Some(params.m_cost())
            || get("t") != Some(params.t_cost())
            || get("p") != Some(params.p_cost())
    }

    /// Checks a password against a stored hash, or against the decoy when there is none.
    pub fn verify(&self, password: &str, stored: Option<&str>) -> bool {
        let phc = stored.unwrap_or(&self.decoy);
        let Ok(parsed) = PasswordHash::new(phc) else {
            return false;
        };
        let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
            return false;
        };
        let get = |name: &str| parsed.params.get_decimal(name);
        let (Some(m), Some(t), Some(p)) = (get("m"), get("t"), get("p")) else {
            return false;
        };
        let expected = expected.as_bytes();
        let Ok(params) = Params::new(m, t, p, Some(expected.len())) else {
            return false;
        };
        let algorithm = match parsed.algorithm.as_str() {
            "argon2id" => Algorithm::Argon2id,
            "argon2i" => Algorithm::Argon2i,
            "argon2d" => Algorithm::Argon2d,
            _ => return false,
        };
        let argon2 = Argon2::new(algorithm, Version::V0x13, params);
        let mut out = vec![0u8; expected.len()];
        if in_kept_memory(&argon2, password.as_bytes(), salt, &mut out).is_err() {
            return false;
        }
        let matches: bool = subtle::ConstantTimeEq::ct_eq(out.as_slice(), expected).into();
        matches && stored.is_some()
    }
}

/// 33 MiB of argon2 blocks (1 KiB each): just above glibc's largest mmap threshold.
const MAPPED_BLOCKS: usize = 33 * 1024;

/// How long a hashing thread keeps its memory after its last hash.
const KEEP_MEMORY_IDLE: std::time::Duration = std::time::Duration::from_secs(1);

/// Gives this thread's argon2 memory back to the system.
fn release_kept_memory() {
    MEMORY.with(|memory| *memory.borrow_mut() = Vec::new());
}

/// Hashes in this thread's kept memory, grown when a hash needs more (an older, costlier
/// setting).
fn in_kept_memory(argon2: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> Result<()> {
    let blocks = argon2.params().block_count();
    MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < blocks {
            // Reserved above glibc's largest mmap threshold (32 MiB), so the block is always
            // mapped on its own and unmapped when released: freeing it neither stays in an
            // arena nor raises the threshold. Only the pages touched count as resident.
            let reserve = blocks.max(MAPPED_BLOCKS);
            if memory.capacity() < reserve {
                *memory = Vec::with_capacity(reserve);
            }
            memory.resize(blocks, argon2::Block::new());
        }
        argon2
            .hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
            .map_err(Error::internal)
    })
}

/// The PHC string of a hash: `$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>`.
fn phc_string(argon2: &Argon2<'_>, salt: &[u8], hash: &[u8]) -> Result<String> {
    let b64 = base64::engine::general_purpose::STANDARD_NO_PAD;
    let params = argon2.params();
    Ok(format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        b64.encode(salt),
        b64.encode(hash)
    ))
}

/// The threads that run argon2, one per core, fed from one queue, each hashing in memory it
/// keeps while busy. Argon2 takes its whole memory cost per hash (9 MiB by default). Allocated
/// and freed per hash on the tokio blocking pool (threads come and go by the dozen under a
/// burst), glibc kept it in every thread's arena — and, once a large block was freed, raised
/// its threshold for giving memory back: 480 MB after 1,000 sign-ups. Here the memory is a few
/// hashes' worth, mapped on its own and unmapped a second after the last hash, and a burst
/// waits its turn instead of taking the CPU and memory (bench/memory, docs/benchmarks.md).
pub struct HashingPool {
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<Job>>,
}

type Job = Box<dyn FnOnce() + Send>;

impl HashingPool {
    pub fn new(threads: usize) -> Self {
        let (sender, receiver) = std::sync::mpsc::channel::<Job>();
        let receiver = std::sync::Arc::new(std::sync::Mutex::new(receiver));
        for i in 0..threads.max(1) {
            let receiver = std::sync::Arc::clone(&receiver);
            std::thread::Builder::new()
                .name(format!("weft-argon2-{i}"))
                .spawn(move || {
                    loop {
                        let job = {
                            let queue = receiver.lock().unwrap_or_else(|p| p.into_inner());
                            queue.recv_timeout(KEEP_MEMORY_IDLE)
                        };
                        match job {
                            Ok(job) => job(),
                            // A quiet second: the burst is over, give the memory back.
                            Err(RecvTimeoutError::Timeout) => release_kept_memory(),
                            Err(RecvTimeoutError::Disconnected) => return, // the pool was dropped
                        }
                    }
                })
                .expect("a hashing thread starts");
        }
        HashingPool {
            jobs: std::sync::Mutex::new(sender),
        }
    }

    /// Runs `work` on one of the pool's threads when its turn comes.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let (done, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job)
            .map_err(|_| Error::internal("the hashing threads are gone"))?;
        answer
            .await
            .map_err(|_| Error::internal("a hashing thread failed"))
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
    fn hashes_made_with_other_settings_still_verify_and_are_outdated() {
        // A hash as the argon2 crate itself writes it (the format of hashes stored before).
        use argon2::password_hash::PasswordHasher as _;
        let older = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(128, 2, 1, None).unwrap(),
        );
        let stored = older
            .hash_password(b"tangerine orbit cello")
            .unwrap()
            .to_string();
        let hasher = PasswordHasher::new(64, 1);
        assert!(hasher.verify("tangerine orbit cello", Some(&stored)));
        assert!(!hasher.verify("tangerine orbit", Some(&stored)));
        assert!(hasher.outdated(&stored));
        let fresh = hasher.hash("tangerine orbit cello").unwrap();
        assert!(!hasher.outdated(&fresh));
        // And what we write, the argon2 crate reads.
        use argon2::password_hash::PasswordVerifier as _;
        let ours = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(64, 1, 1, None).unwrap(),
        );
        assert!(
            ours.verify_password(
                b"tangerine orbit cello",
                &PasswordHash::new(&fresh).unwrap()
            )
            .is_ok()
        );
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

//! `Kernel`: what every use case needs at hand — the database, the clock, the mailer and the
//! settings — built once at start and shared.

use std::path::PathBuf;
use std::sync::Arc;

use crate::Clock;
use crate::activity::bus::Bus;
use crate::db::Db;
use crate::mail::Mailer;
use crate::motions::Decisions;
use crate::people::login_limit::LoginLimiter;
use crate::people::secrets::PasswordHasher;
use crate::tool::ToolRegistry;

#[derive(Debug, Clone)]
pub struct KernelConfig {
    /// The address Weft is reached at; every link in mail starts with it.
    pub public_url: String,
    pub data_dir: PathBuf,
    /// Log-in attempts allowed per handle and per address per minute; 0 turns the limit off.
    pub login_attempts_per_minute: u32,
    pub session_ttl_s: i64,
    pub password_reset_ttl_s: i64,
    /// Argon2id memory in KiB and passes. Production defaults follow OWASP; tests go cheap.
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    /// Let webhooks go to private, loopback and link-local addresses (tests, a closed
    /// network). Off by default: a group admin must not reach the server's own network.
    pub webhooks_allow_private: bool,
    /// Sign-ups per client address per hour; 0 turns the limit off.
    pub signups_per_hour: u32,
    /// Live streams (API and bell) one account may hold open at once.
    pub streams_per_account: u32,
    /// Invitations by mail one person may send per hour.
    pub invitation_mails_per_hour: u32,
    /// The largest file an upload may be (`kernel::files`).
    pub max_file_bytes: u64,
    /// The keys that seal secrets at rest, the current one first (`kernel::seal`). Empty: a
    /// key made for this process alone (tools and examples; a server always brings its own).
    pub seal_keys: Vec<crate::seal::SealKey>,
}

impl Default for KernelConfig {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            data_dir: PathBuf::from("weft-data"),
            login_attempts_per_minute: 10,
            session_ttl_s: 30 * 24 * 3600,
            password_reset_ttl_s: 3600,
            // OWASP's equivalent of 19 MiB and t = 2: half the memory per hash.
            argon2_memory_kib: 9 * 1024,
            argon2_iterations: 4,
            webhooks_allow_private: false,
            signups_per_hour: 10,
            streams_per_account: 20,
            invitation_mails_per_hour: 50,
            max_file_bytes: 10 * 1024 * 1024,
            seal_keys: Vec::new(),
        }
    }
}

pub struct Kernel {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub mailer: Mailer,
    pub config: KernelConfig,
    /// The tools this server offers.
    pub tools: ToolRegistry,
    /// This node's live view of the activity log.
    pub bus: Bus,
    /// The decision tool behind motions, when one is installed.
    pub decisions: Option<Arc<dyn Decisions>>,
    /// The kinds of things files and comments attach to: the kernel's and each tool's.
    pub subjects: crate::subjects::Subjects,
    /// Seals the secrets Weft keeps at rest.
    pub seal: crate::seal::Sealer,
    /// Stores outside tools' group tokens together (group commit).
    pub tool_tokens: crate::tool::tokens::TokenWriter,
    /// Small writes of many requests committed together (a tool's votes).
    pub writes: crate::group_commit::GroupCommit,
    pub(crate) passwords: PasswordHasher,
    /// Argon2 runs on one thread per core; the rest wait their turn. Unbounded, a burst of
    /// sign-ups is a way to exhaust CPU and memory.
    pub(crate) hashing: crate::people::secrets::HashingPool,
    pub(crate) login_limiter: LoginLimiter,
    pub(crate) signup_limiter: LoginLimiter,
    pub(crate) invitation_mail_limiter: LoginLimiter,
}

impl Kernel {
    pub fn new(db: Db, clock: Arc<dyn Clock>, mailer: Mailer, config: KernelConfig) -> Self {
        let passwords = PasswordHasher::new(config.argon2_memory_kib, config.argon2_iterations);
        let login_limiter = LoginLimiter::new(config.login_attempts_per_minute);
        let signup_limiter = LoginLimiter::per_window(config.signups_per_hour, 3600);
        let invitation_mail_limiter =
            LoginLimiter::per_window(config.invitation_mails_per_hour, 3600);
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let seal = crate::seal::Sealer::new(if config.seal_keys.is_empty() {
            vec![crate::seal::SealKey::generate()]
        } else {
            config.seal_keys.clone()
        });
        Self {
            db,
            clock,
            mailer,
            config,
            tools: ToolRegistry::default(),
            bus: Bus::default(),
            decisions: None,
            subjects: Default::default(),
            seal,
            tool_tokens: Default::default(),
            writes: Default::default(),
            passwords,
            hashing: crate::people::secrets::HashingPool::new(cores),
            login_limiter,
            signup_limiter,
            invitation_mail_limiter,
        }
    }

    /// Registers the built-in tools (the composition root knows them).
    pub fn with_tools(mut self, tools: ToolRegistry) -> Self {
        self.tools = tools;
        self
    }

    /// Adds a tool's kinds of things that files and comments attach to.
    pub fn with_subject(mut self, kind: &str, subject: Arc<dyn crate::subjects::Subject>) -> Self {
        self.subjects.add(kind, subject);
        self
    }

    /// Plugs in the decision tool that opens motions' polls.
    pub fn with_decisions(mut self, decisions: Arc<dyn Decisions>) -> Self {
        self.decisions = Some(decisions);
        self
    }

    pub fn now(&self) -> crate::Timestamp {
        self.clock.now()
    }

    /// A link to a path on this server, for mail and webhooks.
    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.config.public_url.trim_end_matches('/'), path)
    }
}

//! Boots a real Weft server on `127.0.0.1:0` over a fresh SQLite file or a fresh PostgreSQL
//! database (cloned from a migrated template), with a controllable clock and a small client.
//!
//! PostgreSQL tests need `WEFT_TEST_DATABASE_URL` (a role that may create databases);
//! `make test` sets it, starting a throwaway server when none is given.

mod client;
mod postgres;

use std::path::PathBuf;
use std::sync::Arc;

use futures::future::BoxFuture;
use kernel::subjects::{Found, Readers, Subject};
use kernel::tool::ToolManifest;
use kernel::{Kernel, ManualClock};
use tokio_util::sync::CancellationToken;
use weft::config::Config;
use weft::server::Server;

pub use client::{Client, EventStream, Reply, SseEvent};
pub use postgres::ScratchDatabase;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestServer {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub clock: ManualClock,
    pub kernel: Arc<Kernel>,
    pub config: Config,
    shutdown: CancellationToken,
    _data_dir: tempfile::TempDir,
    /// Dropped with the server: the scratch database goes with it.
    _postgres: Option<postgres::ScratchDatabase>,
}

/// Weft's tools, and two stand-ins ("notes", whose role permission `tool:notes:pin` tests
/// grant and whose things files and comments attach to, and "polls", a manifest only), so
/// tests can turn tools on and off.
pub fn sample_tools() -> Vec<Arc<dyn web::Tool>> {
    let notes = ToolManifest::built_in("notes", "Shared notes", "note")
        .with_permission("pin", "Pin notes")
        .with_activity("weft:NoteCreated");
    let mut tools = weft::server::tools();
    tools.push(Arc::new(StandIn("notes", notes, true)));
    tools.push(Arc::new(StandIn(
        "polls",
        ToolManifest::built_in("polls", "Quick polls", "poll"),
        false,
    )));
    tools
}

/// A tool that is its manifest, and for "notes" a subject type `note`.
struct StandIn(&'static str, ToolManifest, bool);

impl web::Tool for StandIn {
    fn name(&self) -> &'static str {
        self.0
    }

    fn manifest(&self) -> Option<ToolManifest> {
        Some(self.1.clone())
    }

    fn subjects(&self) -> Vec<(&'static str, Arc<dyn Subject>)> {
        if self.2 {
            vec![("note", Arc::new(NoteSubject))]
        } else {
            Vec::new()
        }
    }
}

/// The stand-in's notes: `{group}/{name}` is the group's, read by whoever reads its content;
/// `{group}/private/{handle}` is that member's alone (a private thing, as a direct message
/// or a person's account is).
struct NoteSubject;

impl Subject for NoteSubject {
    fn readable<'a>(
        &'a self,
        k: &'a Kernel,
        actor: Option<&'a kernel::people::Actor>,
        id: &'a str,
    ) -> BoxFuture<'a, kernel::Result<Found>> {
        Box::pin(async move {
            let (group_key, rest) = id.split_once('/').ok_or(kernel::Error::NotFound("note"))?;
            let group = kernel::groups::access::load(k, actor, group_key).await?;
            group.authorize(actor, kernel::policy::Action::ToolRead("notes"))?;
            kernel::tool::require_on(k, group.row.id, "notes").await?;
            let readers = match rest.strip_prefix("private/") {
                None => Readers::Group,
                Some(handle) => {
                    let owner = kernel::people::service::profile(k, handle)
                        .await
                        .map_err(|_| kernel::Error::NotFound("note"))?;
                    if actor.is_none_or(|a| a.account != owner.id) {
                        return Err(kernel::Error::NotFound("note"));
                    }
                    Readers::Only(vec![owner.id])
                }
            };
            Ok(Found {
                id: format!("{}/{rest}", group.row.id),
                group,
                readers,
            })
        })
    }
}

/// Cheap settings for tests: fast argon2, no log-in limit (tests of the limit turn it on).
/// The sealing key of every test server (`WEFT_SECRET_KEY`): PostgreSQL needs one, and two
/// nodes of one database must share it.
pub const TEST_SEAL_KEY: &str = "dGVzdHMtb25seS1zZWFsaW5nLWtleS0zMi1ieXRlcyE=";

pub fn test_config(data_dir: PathBuf) -> Config {
    Config {
        secret_key: TEST_SEAL_KEY.into(),
        data_dir,
        listen: "127.0.0.1:0".parse().expect("loopback"),
        argon2_memory_kib: 64,
        argon2_iterations: 1,
        webhooks_allow_private: true,
        login_attempts_per_minute: 0,
        signups_per_hour: 0,
        // The background consumers (webhook fan-out, jobs) hold connections of their own: a
        // story that keeps three transactions open at once must not starve for a fourth.
        max_connections: 8,
        ..Config::default()
    }
}

impl TestServer {
    pub async fn start(backend: Backend) -> TestServer {
        Self::start_with(backend, |_| {}).await
    }

    /// Starts a server after `adjust` has changed the test settings.
    pub async fn start_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestServer {
        let data_dir = tempfile::tempdir().expect("a temporary directory");
        let mut config = test_config(data_dir.path().to_path_buf());
        let postgres = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let scratch = postgres::ScratchDatabase::create().await;
                config.database_url = scratch.url.clone();
                Some(scratch)
            }
        };
        adjust(&mut config);
        let clock = ManualClock::starting_now();
        let server = Server::bind_with(&config, Arc::new(clock.clone()), sample_tools())
            .await
            .expect("the server starts");
        let url = format!("http://{}", server.addr);
        let kernel = Arc::clone(&server.kernel);
        let shutdown = server.shutdown_token();
        tokio::spawn(async move {
            server.serve().await.expect("the server serves");
        });
        TestServer {
            url,
            clock,
            kernel,
            config,
            shutdown,
            _data_dir: data_dir,
            _postgres: postgres,
        }
    }

    /// Stops the server gracefully (as SIGTERM would).
    pub fn stop(&self) {
        self.shutdown.cancel();
    }

    /// A client without credentials.
    pub fn client(&self) -> Client {
        Client::new(&self.url)
    }

    /// The texts of the mails in the outbox, oldest first.
    pub async fn mails(&self) -> Vec<String> {
        let files = self
            .kernel
            .mailer
            .outbox_files()
            .await
            .expect("the outbox is readable");
        files
            .iter()
            .map(|f| std::fs::read_to_string(f).expect("a readable mail"))
            .collect()
    }

    /// Waits up to five seconds for the outbox to hold `count` mails.
    pub async fn wait_for_mails(&self, count: usize) -> Vec<String> {
        for _ in 0..100 {
            let mails = self.mails().await;
            if mails.len() >= count {
                return mails;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "expected {count} mails, the outbox has {}",
            self.mails().await.len()
        );
    }

    /// An account with a strong password and the confirmed address `<handle>@example.org`,
    /// logged in: a client holding the session token. The account is made as the operator's
    /// CLI makes one, so no confirmation mail is sent (the sign-up API's own tests, in
    /// `people.rs`, go through the mailed link).
    pub async fn account(&self, handle: &str) -> Client {
        self.made_account(handle, Some(format!("{handle}@example.org")), false)
            .await
    }

    /// A server administrator (made as the operator's CLI makes one), logged in: a client
    /// holding the session token.
    pub async fn admin(&self, handle: &str) -> Client {
        self.made_account(handle, None, true).await
    }

    async fn made_account(&self, handle: &str, email: Option<String>, is_admin: bool) -> Client {
        let password = format!("{handle}-tangerine-orbit-47");
        let sign_up = serde_json::from_value(serde_json::json!({
            "handle": handle, "password": password, "email": email,
        }))
        .expect("a sign-up");
        let me = kernel::people::sign_up(&self.kernel, sign_up, is_admin)
            .await
            .unwrap_or_else(|e| panic!("sign up {handle}: {e}"));
        assert_eq!(me.is_admin, is_admin);
        let reply = self
            .client()
            .post(
                "/api/v1/sessions",
                &serde_json::json!({"handle": handle, "password": password}),
            )
            .await;
        assert_eq!(reply.status, 201, "log in {handle}: {}", reply.body);
        self.client()
            .with_token(reply.json["token"].as_str().expect("a session token"))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Declares a test story once and runs it on both databases: `both!(story)` makes
/// `story::sqlite` and `story::postgres` from `async fn story(backend: Backend)`.
#[macro_export]
macro_rules! both {
    ($($story:ident),* $(,)?) => {
        $(
            mod $story {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$story($crate::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$story($crate::Backend::Postgres).await
                }
            }
        )*
    };
}

//! The composition root: opens the database, builds the kernel, mounts the HTTP application
//! and serves it until told to stop.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use kernel::db::{Db, DbOptions, Migrations};
use kernel::jobs::{Handlers, Runner, RunnerOptions};
use kernel::mail::Mailer;
use kernel::notify::digest;
use kernel::tool::ToolRegistry;
use kernel::{Clock, Kernel, SystemClock};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use web::{AppState, Tool};

use crate::config::Config;

/// Every tool this server mounts, built-in and the fabric's own parts, in the order their tabs
/// appear. Everything else is derived from this list: adding a tool is one line here and its
/// folder under `crates/tools/` (docs/tools.md).
pub fn tools() -> Vec<Arc<dyn Tool>> {
    // One ledger writer on this node, whichever money tool starts first.
    let ledger = ledger::SharedLedger::default();
    vec![
        Arc::new(interop::Interop::new()),
        Arc::new(credit::Credit::with(ledger.clone())),
        Arc::new(decide::Decide),
        Arc::new(tasks::Tasks::with(ledger.clone())),
        Arc::new(intents::Intents::with(ledger.clone())),
        Arc::new(ideas::Ideas::new()),
        Arc::new(budget::Budget::with(
            ledger,
            Arc::new(credit::port::CreditPools),
        )),
    ]
}

/// The kernel's migrations and every tool's, each set once.
pub fn migrations(tools: &[Arc<dyn Tool>]) -> Vec<&'static Migrations> {
    let mut sets: Vec<&'static Migrations> = vec![&kernel::db::MIGRATIONS];
    for set in tools.iter().flat_map(|t| t.migrations()) {
        if !sets.iter().any(|s| std::ptr::eq(*s, set)) {
            sets.push(set);
        }
    }
    sets
}

/// The tools groups can turn on: each tool's manifest.
pub fn registry(tools: &[Arc<dyn Tool>]) -> ToolRegistry {
    ToolRegistry::new(tools.iter().filter_map(|t| t.manifest()).collect())
}

/// Opens (and migrates) the configured database, creating the data directory if needed.
pub async fn open_db(config: &Config) -> Result<Db, String> {
    open_db_for(config, &tools()).await
}

async fn open_db_for(config: &Config, tools: &[Arc<dyn Tool>]) -> Result<Db, String> {
    let url = config.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            format!(
                "cannot create data directory {}: {e}",
                config.data_dir.display()
            )
        })?;
    }
    let options = DbOptions {
        max_connections: config.max_connections,
        run_migrations: true,
        migrations: migrations(tools),
    };
    Db::connect(&url, &options).await.map_err(|e| e.to_string())
}

pub fn mailer(config: &Config) -> Result<Mailer, String> {
    if config.smtp_url.is_empty() {
        Mailer::outbox(&config.data_dir, &config.mail_from)
    } else {
        Mailer::smtp(&config.smtp_url, &config.mail_from)
    }
    .map_err(|e| e.to_string())
}

/// The kernel's own durable jobs, and each started tool's.
pub fn jobs(tools: &[Arc<dyn Tool>]) -> Handlers {
    let mut handlers: Vec<Arc<dyn kernel::jobs::JobHandler>> =
        vec![Arc::new(digest::Sweep), Arc::new(digest::Digest)];
    handlers.extend(tools.iter().flat_map(|t| t.jobs()));
    Handlers::new(handlers)
}

/// The kernel over the configured database, for the CLI's commands (no tool is started).
pub async fn build_kernel(config: &Config, clock: Arc<dyn Clock>) -> Result<Arc<Kernel>, String> {
    build_kernel_with(config, clock, &tools()).await
}

async fn build_kernel_with(
    config: &Config,
    clock: Arc<dyn Clock>,
    tools: &[Arc<dyn Tool>],
) -> Result<Arc<Kernel>, String> {
    let mut kernel_config = config.kernel_config();
    kernel_config.seal_keys = config.seal_keys()?;
    let db = open_db_for(config, tools).await?;
    let mut kernel =
        Kernel::new(db, clock, mailer(config)?, kernel_config).with_tools(registry(tools));
    for tool in tools {
        for (kind, subject) in tool.subjects() {
            kernel = kernel.with_subject(kind, subject);
        }
    }
    let mut ports = tools.iter().filter_map(|t| t.decisions());
    if let Some(decisions) = ports.next() {
        if ports.next().is_some() {
            return Err("two tools provide the Decisions port; mount one".into());
        }
        kernel = kernel.with_decisions(decisions);
    }
    // What an older key sealed, or what was kept before sealing, is sealed under the current
    // key now (rotation: put the new key first, keep the old one until this has run). Tools
    // seal their own anew when they start.
    kernel::people::reseal(&kernel)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Arc::new(kernel))
}

/// The process-wide Prometheus recorder (a process has only one).
fn metrics_handle() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| PrometheusBuilder::new().install_recorder().ok())
        .clone()
}

/// A server bound to its address, ready to serve.
pub struct Server {
    pub addr: SocketAddr,
    pub kernel: Arc<Kernel>,
    listener: TcpListener,
    app: axum::Router,
    shutdown: CancellationToken,
    /// The log reader and the job runner; they stop with `shutdown`.
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl Server {
    /// Builds everything and binds `config.listen` (port 0 picks a free port).
    pub async fn bind(config: &Config, clock: Arc<dyn Clock>) -> Result<Server, String> {
        Self::bind_with(config, clock, tools()).await
    }

    /// Like `bind`, with another list of tools (tests add stand-ins to [`tools`]).
    pub async fn bind_with(
        config: &Config,
        clock: Arc<dyn Clock>,
        tools: Vec<Arc<dyn Tool>>,
    ) -> Result<Server, String> {
        let started = Instant::now();
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let mut config = config.clone();
        if config.public_url.is_empty() {
            config.public_url = format!("http://{addr}");
        }
        let kernel = build_kernel_with(&config, clock, &tools).await?;
        let shutdown = CancellationToken::new();
        // The node's background work: its live view of the log, each tool's, and the job
        // runner.
        let mut background = kernel.bus.spawn(kernel.db.clone(), shutdown.clone());
        for tool in &tools {
            let started = tool
                .start(&kernel, &shutdown)
                .await
                .map_err(|e| format!("the {} tool cannot start: {e}", tool.name()))?;
            background.extend(started);
        }
        background.push(
            Runner::new(Arc::clone(&kernel), jobs(&tools), RunnerOptions::default())
                .spawn(shutdown.clone()),
        );
        digest::schedule(&kernel)
            .await
            .map_err(|e| format!("cannot plan the daily digest: {e}"))?;
        let state = AppState::new(
            Arc::clone(&kernel),
            metrics_handle(),
            shutdown.clone(),
            tools,
        );
        let app = web::app(state);
        tracing::info!(%addr, public_url = %config.public_url(), backend = ?kernel.db.backend(),
            ready_in_ms = started.elapsed().as_millis() as u64, "Weft is ready");
        Ok(Server {
            addr,
            kernel,
            listener,
            app,
            shutdown,
            background,
        })
    }

    /// Cancel this to stop the server gracefully.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Serves until the shutdown token is cancelled, then lets open requests finish.
    pub async fn serve(self) -> Result<(), String> {
        let shutdown = self.shutdown.clone();
        let service = self.app.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, service)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await
            .map_err(|e| e.to_string())?;
        // Let the job runner hand back what it holds before the database closes.
        let stopped = futures::future::join_all(self.background);
        if tokio::time::timeout(std::time::Duration::from_secs(10), stopped)
            .await
            .is_err()
        {
            tracing::warn!("background tasks did not stop within 10 s");
        }
        self.kernel.db.close().await;
        Ok(())
    }
}

/// Runs `weft serve`: serve until SIGTERM or Ctrl-C.
pub async fn run(config: &Config) -> Result<(), String> {
    let server = Server::bind(config, Arc::new(SystemClock)).await?;
    eprintln!(
        "Weft is listening on http://{} (public URL {})",
        server.addr, server.kernel.config.public_url
    );
    let token = server.shutdown_token();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down");
        token.cancel();
    });
    server.serve().await
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

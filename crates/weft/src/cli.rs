//! The command line: `weft serve`, `weft migrate`, `weft admin …`.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use kernel::SystemClock;
use kernel::people::{self, SignUp};
use serde::Serialize;

use crate::config::Config;
use crate::server;

/// Weft: one open server for every collaborative tool a community needs — chat, decisions,
/// budgets, mutual credit, tasks, offers and requests — over one identity, one group model,
/// one activity stream and one ledger.
///
/// Settings come from built-in defaults, then `weft.toml` (or --config), then `WEFT_*`
/// environment variables (e.g. WEFT_DATABASE_URL, WEFT_LISTEN, WEFT_SMTP_URL), then flags.
#[derive(Debug, Parser)]
#[command(name = "weft", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub flags: Flags,
    #[command(subcommand)]
    pub command: Command,
}

/// Settings any command may override.
#[derive(Debug, Args, Serialize)]
pub struct Flags {
    /// A TOML file of settings (default: ./weft.toml if it exists) [env: WEFT_CONFIG]
    #[arg(long, global = true, env = "WEFT_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Directory for the SQLite database, mail outbox and files [default: ./weft-data]
    #[arg(long, global = true, value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// sqlite://PATH or postgres://USER@HOST/DB [default: sqlite in the data directory]
    #[arg(long, global = true, value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, global = true, value_name = "ADDR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    /// The address people reach Weft at: links in mail, the OIDC issuer [default: http://LISTEN]
    #[arg(long, global = true, value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (creates and migrates the database if needed)
    Serve,
    /// Apply database migrations and exit
    Migrate,
    /// Fill an empty database with a small demo community (prints how to log in)
    Demo {
        /// Do nothing, successfully, if the database already has data
        #[arg(long)]
        if_empty: bool,
    },
    /// Operator tasks
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The ledger
    #[command(subcommand)]
    Ledger(LedgerCommand),
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Walk every currency's hash chain and balances again; exits 1 and says exactly what is
    /// wrong if anything is
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an account (an instance administrator with --admin)
    CreateAccount {
        /// The handle: 2–32 of a–z, 0–9 and _
        #[arg(long)]
        handle: String,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        /// Make the account an instance administrator
        #[arg(long)]
        admin: bool,
        /// Read the password from the first line of standard input (otherwise a strong one is
        /// generated and printed)
        #[arg(long)]
        password_stdin: bool,
    },
}

pub async fn run(cli: Cli) -> Result<(), String> {
    let config = Config::load(cli.flags.config.as_deref(), &cli.flags)?;
    match cli.command {
        Command::Serve => server::run(&config).await,
        Command::Migrate => {
            let db = server::open_db(&config).await?;
            db.close().await;
            println!("migrated {}", redact(&config.database_url()));
            Ok(())
        }
        Command::Demo { if_empty } => {
            let clock = crate::demo::DemoClock::default();
            let kernel = server::build_kernel(&config, Arc::new(clock.clone())).await?;
            if if_empty
                && crate::demo::has_data(&kernel)
                    .await
                    .map_err(|e| e.to_string())?
            {
                kernel.db.close().await;
                return Ok(());
            }
            let handles = crate::demo::fill_with(&kernel, Some(&clock))
                .await
                .map_err(|e| e.to_string())?;
            kernel.db.close().await;
            println!(
                "Demo community created: {} people in Riverside Commons and its subgroups.\n\
                 Log in as any of {} with the password {:?} (amara owns everything and is an \
                 instance administrator).",
                handles.len(),
                handles.join(", "),
                crate::demo::PASSWORD
            );
            Ok(())
        }
        Command::Ledger(LedgerCommand::Verify) => {
            let db = server::open_db(&config).await?;
            let results = ledger::verify::verify_all(&db).await;
            db.close().await;
            let results = results.map_err(|e| e.to_string())?;
            let mut broken = 0;
            for (currency, v) in &results {
                println!(
                    "{} {} ({}): {} transfers, head {}",
                    if v.ok { "ok    " } else { "BROKEN" },
                    currency.code,
                    currency.id,
                    v.transfers,
                    v.head
                );
                for p in &v.problems {
                    let at = match (p.seq, p.account) {
                        (Some(seq), _) => format!("  #{seq}: "),
                        (None, Some(account)) => format!("  account {account}: "),
                        _ => "  ".into(),
                    };
                    println!("{at}{}", p.detail);
                }
                broken += usize::from(!v.ok);
            }
            println!("{} currencies, {broken} broken", results.len());
            if broken > 0 {
                return Err(format!("{broken} currencies do not verify"));
            }
            Ok(())
        }
        Command::Admin(AdminCommand::CreateAccount {
            handle,
            display_name,
            email,
            admin,
            password_stdin,
        }) => {
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .map_err(|e| e.to_string())?;
                (line.trim_end_matches(['\r', '\n']).to_string(), false)
            } else {
                (generate_password(), true)
            };
            let kernel = server::build_kernel(&config, Arc::new(SystemClock)).await?;
            let input = SignUp {
                handle,
                password: password.clone(),
                display_name,
                email,
            };
            let me = people::sign_up(&kernel, input, admin)
                .await
                .map_err(|e| match e {
                    kernel::Error::Invalid(errors) => errors
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.detail))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    other => other.to_string(),
                })?;
            kernel.db.close().await;
            println!(
                "created @{} ({}){}",
                me.handle,
                me.id,
                if admin { ", administrator" } else { "" }
            );
            if generated {
                println!("password: {password}");
            }
            Ok(())
        }
    }
}

fn generate_password() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(kernel::people::secrets::random_bytes::<18>())
}

/// A database URL without its password, for printing.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

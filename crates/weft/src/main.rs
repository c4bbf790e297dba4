//! `weft`: the server binary.

use clap::Parser;
use tracing_subscriber::EnvFilter;
use weft::cli::{Cli, run};

fn main() -> std::process::ExitCode {
    interop::install_crypto();
    let cli = Cli::parse();
    let json_logs = std::env::var("WEFT_LOG_FORMAT").is_ok_and(|f| f == "json");
    let filter = EnvFilter::try_from_env("WEFT_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    if json_logs {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .json()
            .with_writer(std::io::stderr)
            .init();
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("weft: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

//! The `pixelbin-emulator` binary: a local Pixelbin-compatible server on 127.0.0.1.
//!
//! Its first stdout line is exactly `pixelbin-emulator listening on http://127.0.0.1:PORT`;
//! logs go to stderr (`RUST_LOG=info` for one line per request). It runs until killed.

use std::io::Write;

use clap::Parser;
use pixelbin_emulator::Emulator;
use pixelbin_emulator::cli::{API_SECRET_ENV, EmulatorArgs, shutdown_signal, start_error};

/// A local Pixelbin-compatible server for tests, demos and CI.
#[derive(Parser)] // no Debug: it holds the API secret
#[command(name = "pixelbin-emulator", version, about)]
struct Args {
    #[command(flatten)]
    emulator: EmulatorArgs,
    /// Accept only `Authorization: Bearer base64(SECRET)`; without it any well-formed token.
    #[arg(long, env = API_SECRET_ENV, hide_env_values = true, value_name = "SECRET")]
    api_secret: Option<String>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let args = Args::parse();
    let options = args.emulator.options(args.api_secret);
    let emulator = match Emulator::start(options).await {
        Ok(emulator) => emulator,
        Err(error) => {
            eprintln!("error: {}", start_error(args.emulator.port, &error));
            return std::process::ExitCode::from(1);
        }
    };
    // Installed before the announcement, so a signal sent on reading it is handled.
    let shutdown = shutdown_signal();
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "pixelbin-emulator listening on {}", emulator.url());
    let _ = stdout.flush();
    shutdown.await;
    drop(emulator);
    std::process::ExitCode::SUCCESS
}

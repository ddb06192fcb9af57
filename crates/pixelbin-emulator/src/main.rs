//! The `pixelbin-emulator` binary: a local Pixelbin-compatible server on 127.0.0.1.
//!
//! Its first stdout line is exactly `pixelbin-emulator listening on http://127.0.0.1:PORT`;
//! logs go to stderr (`RUST_LOG=info` for one line per request). It runs until killed.

use std::io::Write;
use std::time::Duration;

use clap::Parser;
use pixelbin_emulator::{Emulator, EmulatorOptions, Fault, ROUTE_NAMES};

/// A local Pixelbin-compatible server for tests, demos and CI.
#[derive(Debug, Parser)]
#[command(name = "pixelbin-emulator", version, about)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Accept only `Authorization: Bearer base64(SECRET)`; without it any well-formed token.
    #[arg(long, env = "PIXELBIN_EMULATOR_API_SECRET", hide_env_values = true)]
    api_secret: Option<String>,
    /// Milliseconds from ACCEPTED to the final status of a prediction.
    #[arg(long, default_value_t = 200)]
    prediction_delay_ms: u64,
    /// Probability (0..=1) of answering a request with --fail-status.
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    fail_rate: f64,
    /// Status of injected failures (e.g. 500, 503, 429).
    #[arg(long, default_value_t = 503, value_parser = clap::value_parser!(u16).range(400..=599))]
    fail_status: u16,
    /// Seconds sent as Retry-After with injected failures.
    #[arg(long)]
    retry_after: Option<u64>,
    /// Milliseconds added before every faulted route's answer.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Probability (0..=1) of resetting the connection mid-request.
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    reset_rate: f64,
    /// Seed of the fault decisions and generated ids.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Comma-separated route names or globs the faults apply to (default: all), e.g.
    /// `upload.part,predictions.*`.
    #[arg(long, value_delimiter = ',')]
    routes: Vec<String>,
}

fn parse_rate(s: &str) -> Result<f64, String> {
    let rate: f64 = s
        .parse()
        .map_err(|_| format!("'{s}' is not a number; give a probability such as 0.25"))?;
    if (0.0..=1.0).contains(&rate) {
        Ok(rate)
    } else {
        Err(format!("{rate} is not between 0 and 1"))
    }
}

impl Args {
    fn options(&self) -> Result<EmulatorOptions, String> {
        for route in &self.routes {
            let known = ROUTE_NAMES.iter().any(|name| {
                route == "*"
                    || route == name
                    || route.strip_suffix('*').is_some_and(|p| name.starts_with(p))
            });
            if !known {
                return Err(format!(
                    "--routes: '{route}' matches no route; known routes: {}",
                    ROUTE_NAMES.join(", ")
                ));
            }
        }
        let faulty = self.fail_rate > 0.0 || self.reset_rate > 0.0 || self.latency_ms > 0;
        let faults = if faulty {
            vec![Fault {
                routes: self.routes.clone(),
                fail_rate: self.fail_rate,
                status: self.fail_status,
                retry_after: self.retry_after,
                latency: Duration::from_millis(self.latency_ms),
                reset_rate: self.reset_rate,
            }]
        } else {
            Vec::new()
        };
        Ok(EmulatorOptions {
            port: self.port,
            api_secret: self.api_secret.clone(),
            prediction_delay: Duration::from_millis(self.prediction_delay_ms),
            faults,
            seed: self.seed,
        })
    }
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
    let options = match args.options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return std::process::ExitCode::from(2);
        }
    };
    let emulator = match Emulator::start(options).await {
        Ok(emulator) => emulator,
        Err(error) => {
            eprintln!(
                "error: could not start on 127.0.0.1:{}: {error}; pick another --port or use 0",
                args.port
            );
            return std::process::ExitCode::from(1);
        }
    };
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "pixelbin-emulator listening on {}", emulator.url());
    let _ = stdout.flush();
    wait_for_signal().await;
    drop(emulator);
    std::process::ExitCode::SUCCESS
}

/// Waits for Ctrl-C or SIGTERM.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

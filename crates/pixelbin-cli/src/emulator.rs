//! `pixelbin emulator`: the local Pixelbin-compatible server, in the foreground.
//!
//! Same flags as the `pixelbin-emulator` binary. The accepted secret is the global
//! `--api-secret` when given on the command line, else `PIXELBIN_EMULATOR_API_SECRET`; a
//! `PIXELBIN_API_TOKEN` in the environment is deliberately ignored, so an exported production
//! token does not silently lock the emulator.

use std::time::Duration;

use anyhow::Context;
use clap::Args;
use pixelbin_emulator::{Emulator, EmulatorOptions, Fault, ROUTE_NAMES};

use crate::error::CliError;
use crate::output::Output;

/// Flags of `pixelbin emulator`.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Milliseconds from ACCEPTED to the final status of a prediction.
    #[arg(long, default_value_t = 200, value_name = "MS")]
    pub prediction_delay_ms: u64,
    /// Probability (0..=1) of answering a request with --fail-status.
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate, value_name = "RATE")]
    pub fail_rate: f64,
    /// Status of injected failures (e.g. 500, 503, 429).
    #[arg(long, default_value_t = 503, value_parser = clap::value_parser!(u16).range(400..=599), value_name = "STATUS")]
    pub fail_status: u16,
    /// Seconds sent as Retry-After with injected failures.
    #[arg(long, value_name = "SECS")]
    pub retry_after: Option<u64>,
    /// Milliseconds added before every faulted route's answer.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency_ms: u64,
    /// Probability (0..=1) of resetting the connection mid-request.
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate, value_name = "RATE")]
    pub reset_rate: f64,
    /// Seed of the fault decisions and generated ids.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Comma-separated route names or globs the faults apply to (default: all), e.g.
    /// `upload.part,predictions.*`.
    #[arg(long, value_delimiter = ',', value_name = "ROUTES")]
    pub routes: Vec<String>,
}

/// A probability in `0..=1`.
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

impl EmulatorArgs {
    /// The emulator options these flags describe; `api_secret` is the secret to accept.
    pub fn options(&self, api_secret: Option<String>) -> anyhow::Result<EmulatorOptions> {
        for route in &self.routes {
            let known = ROUTE_NAMES.iter().any(|name| {
                route == "*"
                    || route == name
                    || route.strip_suffix('*').is_some_and(|p| name.starts_with(p))
            });
            if !known {
                return Err(CliError::usage(format!(
                    "--routes: '{route}' matches no route; known routes: {}",
                    ROUTE_NAMES.join(", ")
                )));
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
            api_secret,
            prediction_delay: Duration::from_millis(self.prediction_delay_ms),
            faults,
            seed: self.seed,
        })
    }
}

/// Serves until Ctrl-C or SIGTERM. The first stdout line is the listening line (or, with
/// `--json`, `{"url":"..."}` on one line), printed once the port is bound.
pub async fn run(
    args: EmulatorArgs,
    api_secret: Option<String>,
    out: Output,
) -> anyhow::Result<()> {
    let options = args.options(api_secret)?;
    let emulator = Emulator::start(options).await.with_context(|| {
        format!(
            "could not start the emulator on 127.0.0.1:{}; pick another --port or use 0",
            args.port
        )
    })?;
    // One line either way, flushed at once, so a script can read it and go on.
    let line = if out.json {
        serde_json::json!({ "url": emulator.url() }).to_string()
    } else {
        format!("pixelbin-emulator listening on {}", emulator.url())
    };
    crate::output::print_text(|w| writeln!(w, "{line}"))?;
    wait_for_signal().await;
    drop(emulator);
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: EmulatorArgs,
    }

    #[test]
    fn flags_map_to_one_fault() {
        let w = Wrapper::try_parse_from([
            "x",
            "--fail-rate",
            "0.5",
            "--fail-status",
            "429",
            "--retry-after",
            "2",
            "--routes",
            "upload.*,predictions.get",
            "--prediction-delay-ms",
            "10",
        ])
        .unwrap();
        let options = w.args.options(Some("secret".into())).unwrap();
        assert_eq!(options.faults.len(), 1);
        let fault = &options.faults[0];
        assert_eq!(fault.status, 429);
        assert_eq!(fault.retry_after, Some(2));
        assert_eq!(fault.routes, ["upload.*", "predictions.get"]);
        assert_eq!(options.prediction_delay, Duration::from_millis(10));
        assert_eq!(options.api_secret.as_deref(), Some("secret"));
    }

    #[test]
    fn no_fault_flags_means_no_faults() {
        let w = Wrapper::try_parse_from(["x"]).unwrap();
        assert!(w.args.options(None).unwrap().faults.is_empty());
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(Wrapper::try_parse_from(["x", "--fail-rate", "1.5"]).is_err());
        assert!(Wrapper::try_parse_from(["x", "--fail-status", "200"]).is_err());
        let w = Wrapper::try_parse_from(["x", "--routes", "nope.*"]).unwrap();
        assert!(w.args.options(None).is_err());
    }
}

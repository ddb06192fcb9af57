//! The emulator's command-line flags, for any command that serves an emulator.
//!
//! Both the `pixelbin-emulator` binary and `pixelbin emulator` flatten [`EmulatorArgs`] into
//! their command, so the two accept the same flags with the same checks, and turn them into
//! [`EmulatorOptions`] with [`EmulatorArgs::options`].
//!
//! The API secret is not one of these flags: where it comes from is the command's choice. The
//! binary has its own `--api-secret` (or [`API_SECRET_ENV`]); `pixelbin` reuses its global
//! `--api-secret` but ignores `PIXELBIN_API_TOKEN`, so an exported production token does not
//! lock the emulator.
//!
//! ```
//! use clap::Parser;
//! use pixelbin_emulator::cli::EmulatorArgs;
//!
//! /// Serves an emulator.
//! #[derive(Parser)]
//! struct Serve {
//!     #[command(flatten)]
//!     emulator: EmulatorArgs,
//! }
//!
//! let serve = Serve::try_parse_from(["serve", "--fail-rate", "0.5", "--routes", "upload.*"])?;
//! let options = serve.emulator.options(Some("test-secret".into()));
//! assert_eq!(options.faults[0].routes, ["upload.*"]);
//! assert_eq!(options.faults[0].status, 503);
//!
//! // Unknown routes are refused while parsing, with the list of known ones.
//! assert!(Serve::try_parse_from(["serve", "--routes", "uplod.*"]).is_err());
//! # Ok::<(), clap::Error>(())
//! ```

use std::time::Duration;

use clap::Args;

use crate::options::route_matches;
use crate::{EmulatorOptions, Fault, NetworkModel, route_names};

/// The environment variable holding the one API secret a served emulator accepts.
pub const API_SECRET_ENV: &str = "PIXELBIN_EMULATOR_API_SECRET";

/// Flags of a served emulator: port, prediction timing and the faults to inject.
///
/// Any fault flag (`--fail-rate`, `--reset-rate`, `--latency-ms`) makes one [`Fault`] on the
/// `--routes`; without them the emulator injects none.
#[derive(Clone, Debug, Args)]
#[non_exhaustive]
pub struct EmulatorArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Milliseconds from ACCEPTED to the final status of a prediction.
    #[arg(long, default_value_t = 200, value_name = "MS")]
    pub prediction_delay_ms: u64,
    /// Milliseconds a CDN URL with an AI operation answers 202 from its first request
    /// before its stand-in is served.
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    pub transform_delay_ms: u64,
    /// Probability (0..=1) of answering a request with --fail-status.
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate, value_name = "RATE")]
    pub fail_rate: f64,
    /// Status of injected failures (e.g. 500, 503, 429).
    #[arg(
        long,
        default_value_t = 503,
        value_parser = clap::value_parser!(u16).range(400..=599),
        value_name = "STATUS"
    )]
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
    #[arg(long, value_delimiter = ',', value_parser = parse_route, value_name = "ROUTES")]
    pub routes: Vec<String>,
    /// At most N requests per second per API token on platform routes (429 beyond it).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: Option<u32>,
    /// A prediction create answers 429 while N jobs of the same token are running.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_running_jobs: Option<u32>,
    /// Sign webhook deliveries with this secret (`x-erbg-signature`); unsigned without it.
    #[arg(long, env = WEBHOOK_SECRET_ENV, hide_env_values = true, value_name = "SECRET")]
    pub webhook_secret: Option<WebhookSecret>,
    /// Deliver webhooks to any host, not only to loopback receivers (localhost, 127.0.0.1, ::1).
    #[arg(long)]
    pub webhook_any_host: bool,
    /// Credits each API token starts with; a create then answers 403 Usage Limit Exceeded
    /// once they are spent (default: unlimited).
    #[arg(long, value_name = "N")]
    pub credits: Option<u64>,
    /// Network model: round-trip time added to every request/response exchange.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub rtt_ms: u64,
    /// Network model: bandwidth cap of each connection, each direction, in Mbit/s.
    #[arg(long, value_parser = parse_mbit, value_name = "MBIT")]
    pub conn_mbit: Option<f64>,
    /// Network model: bandwidth cap of the uplink shared by all connections, in Mbit/s.
    #[arg(long, value_parser = parse_mbit, value_name = "MBIT")]
    pub link_mbit: Option<f64>,
    /// Network model: round trips a new connection costs before it is served.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub connect_rtts: u32,
    /// Base of the presigned and file URLs handed out (behind a proxy, port mapping or tunnel),
    /// e.g. `https://emulator.example.test`.
    #[arg(long, value_parser = parse_public_url, value_name = "URL")]
    pub public_url: Option<String>,
    /// Keep files, folders, presets, credentials and jobs in DIR across restarts (default: in
    /// memory and a temporary directory).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<std::path::PathBuf>,
}

/// The environment variable holding the secret webhook deliveries are signed with.
pub const WEBHOOK_SECRET_ENV: &str = "PIXELBIN_EMULATOR_WEBHOOK_SECRET";

/// The `--webhook-secret` value; its `Debug` output hides it.
#[derive(Clone)]
pub struct WebhookSecret(pub String);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("WebhookSecret")
            .field(&pixelbin_url::redact::Redacted)
            .finish()
    }
}

impl std::str::FromStr for WebhookSecret {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s.is_empty() {
            Err("the webhook secret must not be empty".into())
        } else {
            Ok(WebhookSecret(s.to_string()))
        }
    }
}

impl EmulatorArgs {
    /// The emulator options these flags describe, accepting only `api_secret` when it is `Some`
    /// (any well-formed token otherwise).
    pub fn options(&self, api_secret: Option<String>) -> EmulatorOptions {
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
        let network = NetworkModel {
            rtt: Duration::from_millis(self.rtt_ms),
            conn_mbit: self.conn_mbit,
            link_mbit: self.link_mbit,
            connect_rtts: self.connect_rtts,
        };
        EmulatorOptions {
            port: self.port,
            api_secret,
            prediction_delay: Duration::from_millis(self.prediction_delay_ms),
            transform_delay: Duration::from_millis(self.transform_delay_ms),
            faults,
            seed: self.seed,
            network: (network != NetworkModel::default()).then_some(network),
            public_url: self.public_url.clone(),
            rate_limit: self.rate_limit,
            max_running_jobs: self.max_running_jobs,
            webhook_secret: self.webhook_secret.as_ref().map(|s| s.0.clone()),
            webhook_any_host: self.webhook_any_host,
            credits: self.credits,
            data_dir: self.data_dir.clone(),
            ..EmulatorOptions::default()
        }
    }
}

/// What to print when an emulator cannot start on `port`: a port in use gets the `--port` hint;
/// any other failure (a damaged store...) its own message, which says what to do.
pub fn start_error(port: u16, error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::AddrInUse | std::io::ErrorKind::AddrNotAvailable => format!(
            "could not start the emulator on 127.0.0.1:{port}: {error}; pick another --port or use 0"
        ),
        _ => format!("could not start the emulator: {error}"),
    }
}

/// A positive bandwidth in Mbit/s.
fn parse_mbit(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(mbit) if mbit.is_finite() && mbit > 0.0 => Ok(mbit),
        _ => Err(format!(
            "'{s}' is not a positive number of Mbit/s, e.g. 128"
        )),
    }
}

/// An absolute http(s) URL.
fn parse_public_url(s: &str) -> Result<String, String> {
    match url::Url::parse(s) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.query().is_none() => {
            Ok(s.trim_end_matches('/').to_owned())
        }
        _ => Err(format!(
            "'{s}' is not an http(s) URL without a query, e.g. https://emulator.example.test"
        )),
    }
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

/// A route name or glob that matches at least one route: a typo would otherwise make a fault
/// that silently never fires.
fn parse_route(s: &str) -> Result<String, String> {
    let names = route_names();
    if names.iter().any(|name| route_matches(s, name)) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "'{s}' matches no route; known routes: {}",
            names.join(", ")
        ))
    }
}

/// Waits for Ctrl-C or (on Unix) SIGTERM or SIGHUP (the terminal closed): the end of a
/// foreground emulator's life. The caller then drops the emulator, which removes its
/// temporary directory.
///
/// The handlers are installed when this is called, not when the future is first polled: call
/// it before announcing the server (the `listening on` line), or a signal sent as soon as the
/// line is read would still meet the default action and kill the process uncleaned.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let handlers = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        );
        async move {
            match handlers {
                (Ok(mut int), Ok(mut term), Ok(mut hup)) => {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                        _ = hup.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
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

    fn parse(args: &[&str]) -> Result<EmulatorArgs, clap::Error> {
        Wrapper::try_parse_from(std::iter::once("x").chain(args.iter().copied())).map(|w| w.args)
    }

    #[test]
    fn flags_map_to_one_fault() {
        let args = parse(&[
            "--fail-rate",
            "0.5",
            "--fail-status",
            "429",
            "--retry-after",
            "2",
            "--latency-ms",
            "7",
            "--reset-rate",
            "0.25",
            "--routes",
            "upload.*,predictions.get",
            "--prediction-delay-ms",
            "10",
            "--port",
            "4321",
            "--seed",
            "9",
            "--rate-limit",
            "50",
            "--max-running-jobs",
            "10",
            "--webhook-secret",
            "whsec-value",
            "--credits",
            "5",
        ])
        .unwrap();
        let options = args.options(Some("secret".into()));
        assert_eq!(options.faults.len(), 1);
        let fault = &options.faults[0];
        assert_eq!(fault.fail_rate, 0.5);
        assert_eq!(fault.status, 429);
        assert_eq!(fault.retry_after, Some(2));
        assert_eq!(fault.latency, Duration::from_millis(7));
        assert_eq!(fault.reset_rate, 0.25);
        assert_eq!(fault.routes, ["upload.*", "predictions.get"]);
        assert_eq!(options.prediction_delay, Duration::from_millis(10));
        assert_eq!(options.port, 4321);
        assert_eq!(options.seed, 9);
        assert_eq!(options.rate_limit, Some(50));
        assert_eq!(options.max_running_jobs, Some(10));
        assert_eq!(options.api_secret.as_deref(), Some("secret"));
        assert_eq!(options.webhook_secret.as_deref(), Some("whsec-value"));
        assert_eq!(options.credits, Some(5));
        assert!(!format!("{args:?}").contains("whsec-value"));
    }

    #[test]
    fn defaults_match_the_library_defaults() {
        let options = parse(&[]).unwrap().options(None);
        let defaults = EmulatorOptions::default();
        assert!(options.faults.is_empty());
        assert_eq!(options.port, defaults.port);
        assert_eq!(options.prediction_delay, defaults.prediction_delay);
        assert_eq!(options.transform_delay, defaults.transform_delay);
        assert_eq!(options.seed, defaults.seed);
        assert_eq!(options.api_secret, None);
    }

    #[test]
    fn latency_alone_is_a_fault() {
        let options = parse(&["--latency-ms", "5"]).unwrap().options(None);
        assert_eq!(options.faults.len(), 1);
        assert_eq!(options.faults[0].fail_rate, 0.0);
        assert!(options.faults[0].routes.is_empty());
    }

    #[test]
    fn bad_values_are_refused() {
        for bad in [
            &["--fail-rate", "1.5"][..],
            &["--fail-rate", "often"],
            &["--reset-rate", "-0.1"],
            &["--fail-status", "200"],
            &["--routes", "nope.*"],
            &["--routes", "upload.part,"],
            &["--rate-limit", "0"],
            &["--max-running-jobs", "-1"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        let error = parse(&["--routes", "upload.prt"]).unwrap_err().to_string();
        assert!(error.contains("'upload.prt' matches no route"), "{error}");
        assert!(error.contains("upload.part"), "{error}");
    }

    #[test]
    fn globs_and_star_are_known_routes() {
        for good in ["*", "upload.*", "predictions.get", "files.*"] {
            assert!(parse(&["--routes", good]).is_ok(), "{good}");
        }
    }
}

//! Start-up options of an emulator and the faults it can inject.

use std::fmt;
use std::time::Duration;

use crate::network::NetworkModel;

/// Options for a local emulator.
///
/// The default accepts any well-formed Bearer token, binds port 0 (a free port), moves predictions
/// from `ACCEPTED` to their final status after 200 ms, injects no faults and uses seed 0.
#[derive(Clone)]
pub struct EmulatorOptions {
    /// Port to bind on 127.0.0.1; 0 picks a free port.
    pub port: u16,
    /// `Some(secret)`: only `Authorization: Bearer base64(secret)` is accepted.
    /// `None`: any Bearer token that is base64 of 5 or more characters is accepted.
    pub api_secret: Option<String>,
    /// Time from `ACCEPTED` to `SUCCESS` or `FAILURE` for every prediction job.
    pub prediction_delay: Duration,
    /// How long a CDN URL with an AI operation (`erase.bg`, `sr.upscale`, ...) answers `202`
    /// from its first request before its stand-in is served, as the live CDN does while it
    /// processes. Default 1 s.
    pub transform_delay: Duration,
    /// Faults injected into matching routes (see [`Fault`]).
    pub faults: Vec<Fault>,
    /// Seed of the random numbers behind fault decisions and generated ids, so runs repeat.
    pub seed: u64,
    /// At most this many requests per second per API token on platform routes; beyond it, 429
    /// with `Retry-After`. `None`: unlimited.
    pub rate_limit: Option<u32>,
    /// A prediction create answers 429 while this many jobs of the same token are still
    /// running. `None`: unlimited.
    pub max_running_jobs: Option<u32>,
    /// Secret that signs webhook deliveries (`x-erbg-signature`); `None` sends them unsigned.
    pub webhook_secret: Option<String>,
    /// How long one webhook attempt may take in all (connect, answer); 10 s by default.
    pub webhook_timeout: Duration,
    /// Wait before the first webhook retry; it doubles for each further one. 1 s by default.
    pub webhook_backoff: Duration,
    /// Deliver webhooks to any host; by default only to loopback receivers (`localhost`,
    /// `127.0.0.1`, `::1`), so tests never reach beyond the machine.
    pub webhook_any_host: bool,
    /// Credits each API token starts with; `None`: unlimited.
    pub credits: Option<u64>,
    /// A model of the network applied to the emulator's own connections (latency, bandwidth
    /// caps); `None` serves at loopback speed.
    pub network: Option<NetworkModel>,
    /// The base of the presigned upload URLs and file/output URLs the emulator hands out,
    /// e.g. `https://emulator.example.test` behind a proxy, a port mapping or a tunnel;
    /// `None` uses the address it listens on.
    pub public_url: Option<String>,
    /// A connection with no traffic for this long is closed, and a client has this long (at
    /// most 30 s) to send a request's headers: idle or half-open clients cannot hold
    /// connections for ever. Default 60 s.
    pub idle_timeout: Duration,
    /// Keep files, folders, presets, credentials, jobs and webhook attempts in this directory
    /// across restarts (`store.sqlite3` and the contents); `None`: in memory and a temporary
    /// directory.
    pub data_dir: Option<std::path::PathBuf>,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        EmulatorOptions {
            port: 0,
            api_secret: None,
            prediction_delay: Duration::from_millis(200),
            transform_delay: Duration::from_secs(1),
            faults: Vec::new(),
            seed: 0,
            rate_limit: None,
            max_running_jobs: None,
            webhook_secret: None,
            webhook_timeout: Duration::from_secs(10),
            webhook_backoff: Duration::from_secs(1),
            webhook_any_host: false,
            credits: None,
            data_dir: None,
            network: None,
            public_url: None,
            idle_timeout: Duration::from_secs(60),
        }
    }
}

// Written by hand so the API secret never shows up in logs or test output.
impl fmt::Debug for EmulatorOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorOptions")
            .field("port", &self.port)
            .field(
                "api_secret",
                &self
                    .api_secret
                    .as_ref()
                    .map(|_| pixelbin_url::redact::Redacted),
            )
            .field("prediction_delay", &self.prediction_delay)
            .field("transform_delay", &self.transform_delay)
            .field("faults", &self.faults)
            .field("seed", &self.seed)
            .field("rate_limit", &self.rate_limit)
            .field("max_running_jobs", &self.max_running_jobs)
            .field(
                "webhook_secret",
                &self
                    .webhook_secret
                    .as_ref()
                    .map(|_| pixelbin_url::redact::Redacted),
            )
            .field("webhook_timeout", &self.webhook_timeout)
            .field("webhook_backoff", &self.webhook_backoff)
            .field("webhook_any_host", &self.webhook_any_host)
            .field("credits", &self.credits)
            .field("data_dir", &self.data_dir)
            .field("network", &self.network)
            .field("public_url", &self.public_url)
            .finish()
    }
}

/// A fault injected into the routes it names.
///
/// For each request on a matching route the emulator first waits `latency`, then with probability
/// `reset_rate` drops the connection without answering, else with probability `fail_rate` answers
/// `status` (with the usual error body, and `Retry-After` when `retry_after` is set). When several
/// faults match, they apply in order and the first reset or failure wins.
///
/// ```
/// use pixelbin_emulator::Fault;
/// // Every part upload answers 503 with `Retry-After: 1`.
/// let fault = Fault::failing(503, 1.0).on_routes(["upload.part"]).with_retry_after(1);
/// assert_eq!(fault.status, 503);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    /// Route names this fault applies to: exact names (`upload.part`), `*`, or prefix globs
    /// (`upload.*`). Empty means every route.
    pub routes: Vec<String>,
    /// Probability (0.0..=1.0) of answering with `status` instead of the real answer.
    pub fail_rate: f64,
    /// Status of injected failures, e.g. 500, 503, 429 or 400.
    pub status: u16,
    /// Seconds sent as `Retry-After` with injected failures.
    pub retry_after: Option<u64>,
    /// Delay added before the request is handled.
    pub latency: Duration,
    /// Probability (0.0..=1.0) of dropping the connection (a TCP reset) mid-request.
    pub reset_rate: f64,
}

impl Default for Fault {
    fn default() -> Self {
        Fault {
            routes: Vec::new(),
            fail_rate: 0.0,
            status: 500,
            retry_after: None,
            latency: Duration::ZERO,
            reset_rate: 0.0,
        }
    }
}

impl Fault {
    /// A fault answering `status` with probability `fail_rate` on every route.
    pub fn failing(status: u16, fail_rate: f64) -> Fault {
        Fault {
            status,
            fail_rate,
            ..Fault::default()
        }
    }

    /// A fault dropping the connection with probability `reset_rate` on every route.
    pub fn resetting(reset_rate: f64) -> Fault {
        Fault {
            reset_rate,
            ..Fault::default()
        }
    }

    /// A fault adding `latency` to every route.
    pub fn delaying(latency: Duration) -> Fault {
        Fault {
            latency,
            ..Fault::default()
        }
    }

    /// Restricts the fault to these route names or globs.
    pub fn on_routes<I, S>(mut self, routes: I) -> Fault
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.routes = routes.into_iter().map(Into::into).collect();
        self
    }

    /// Sends `Retry-After: seconds` with injected failures.
    pub fn with_retry_after(mut self, seconds: u64) -> Fault {
        self.retry_after = Some(seconds);
        self
    }

    /// Adds `latency` before each matching request.
    pub fn with_latency(mut self, latency: Duration) -> Fault {
        self.latency = latency;
        self
    }

    /// Whether this fault applies to the route called `route`.
    pub fn applies_to(&self, route: &str) -> bool {
        self.routes.is_empty() || self.routes.iter().any(|p| route_matches(p, route))
    }
}

/// Matches a route name against a pattern: `*`, an exact name, or a prefix glob ending in `*`.
pub(crate) fn route_matches(pattern: &str, route: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => route.starts_with(prefix),
        None => pattern == route,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_by_prefix() {
        assert!(route_matches("*", "files.list"));
        assert!(route_matches("upload.*", "upload.part"));
        assert!(!route_matches("upload.*", "files.list"));
        assert!(route_matches("upload.part", "upload.part"));
        assert!(!route_matches("upload.part", "upload.partial"));
    }

    #[test]
    fn empty_routes_apply_everywhere() {
        let fault = Fault::failing(500, 1.0);
        assert!(fault.applies_to("predictions.get"));
        let fault = fault.on_routes(["predictions.*"]);
        assert!(fault.applies_to("predictions.get"));
        assert!(!fault.applies_to("cdn"));
    }

    #[test]
    fn debug_redacts_the_secret() {
        let options = EmulatorOptions {
            api_secret: Some("super-secret-value".into()),
            webhook_secret: Some("webhook-secret-value".into()),
            ..EmulatorOptions::default()
        };
        let text = format!("{options:?}");
        assert!(!text.contains("super-secret-value"), "{text}");
        assert!(!text.contains("webhook-secret-value"), "{text}");
        assert!(text.contains("api_secret: Some([REDACTED])"), "{text}");
    }
}

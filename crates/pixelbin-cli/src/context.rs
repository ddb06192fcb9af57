//! What every API command needs: the settings resolved from flags, environment and profile, and
//! the client built from them.
//!
//! Precedence, for each setting: a flag (`--domain`, `--api-secret`, `--request-timeout`,
//! `--json`/`--output`), then its environment variable (`PIXELBIN_DOMAIN`,
//! `PIXELBIN_API_TOKEN`, `PIXELBIN_REQUEST_TIMEOUT`, `PIXELBIN_OUTPUT`), then the profile in the
//! config file ([`crate::profiles`]; `--profile`, `PIXELBIN_PROFILE`, else `default`), then the
//! built-in default. [`Context::resolve`] is the one place that decides it, and
//! [`Context::client`] the one place a client is built.

use std::time::Duration;

use anyhow::Context as _;
use pixelbin::{PixelbinClient, PixelbinConfig};

use crate::cli::{DEFAULT_DOMAIN, GlobalArgs, OutputFormat};
use crate::error::CliError;
use crate::output::Output;
use crate::profiles::{ConfigFile, DEFAULT_PROFILE};

/// The user agent prefix, so Pixelbin can tell CLI traffic from SDK traffic.
const USER_AGENT: &str = concat!("pixelbin-cli/", env!("CARGO_PKG_VERSION"));

/// The settings, resolved.
#[derive(Clone)]
pub struct Context {
    /// API domain.
    pub domain: String,
    /// Where the API secret comes from; never printed.
    secret: Secret,
    /// Per-request time limit.
    pub request_timeout: Option<Duration>,
    /// How results are printed.
    pub out: Output,
    /// The profile in use (`--profile`, `PIXELBIN_PROFILE`, else `default`).
    pub profile: String,
    /// Whether that profile has a table in the config file.
    profile_exists: bool,
}

/// The API secret and where it was found.
#[derive(Clone)]
enum Secret {
    /// Neither a flag, the environment nor the profile gives one.
    Missing,
    /// From `--api-secret` or `PIXELBIN_API_TOKEN`.
    Given(String),
    /// From the profile in the config file.
    Profile(String),
    /// The profile has one, but the file is readable by others: why it is refused.
    Refused(String),
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = pixelbin::http::REDACTED;
        let secret = match self.secret {
            Secret::Missing => "missing".to_owned(),
            Secret::Given(_) => format!("{redacted} (flag or environment)"),
            Secret::Profile(_) => format!("{redacted} (profile)"),
            Secret::Refused(_) => "refused (config file readable by others)".to_owned(),
        };
        f.debug_struct("Context")
            .field("domain", &self.domain)
            .field("api_secret", &secret)
            .field("request_timeout", &self.request_timeout)
            .field("out", &self.out)
            .field("profile", &self.profile)
            .finish()
    }
}

impl Context {
    /// Resolves the global flags (already merged with their environment variables by clap)
    /// with the profile from the config file. A config file that does not parse is an error;
    /// a missing one is an empty one.
    pub fn resolve(global: &GlobalArgs) -> anyhow::Result<Context> {
        let config = ConfigFile::load()?;
        Self::resolve_with(global, &config)
    }

    /// [`resolve`](Self::resolve) against an already loaded config file.
    pub fn resolve_with(global: &GlobalArgs, config: &ConfigFile) -> anyhow::Result<Context> {
        let profile_name = global
            .profile
            .clone()
            .unwrap_or_else(|| DEFAULT_PROFILE.to_string());
        let profile = config.profile(&profile_name)?;
        let domain = match (&global.domain, &profile.domain) {
            (Some(domain), _) => domain.clone(),
            (None, Some(domain)) => domain.clone(),
            (None, None) => DEFAULT_DOMAIN.to_string(),
        };
        let secret = match (&global.api_secret, profile.api_secret) {
            (Some(given), _) => Secret::Given(given.clone()),
            (None, Some(stored)) => match config.check_private() {
                Ok(()) => Secret::Profile(stored),
                Err(refusal) => Secret::Refused(refusal.to_string()),
            },
            (None, None) => Secret::Missing,
        };
        let json = match (global.json, global.output, profile.output.as_deref()) {
            (true, _, _) => true,
            (false, Some(format), _) => format == OutputFormat::Json,
            (false, None, Some(stored)) => stored == "json",
            (false, None, None) => false,
        };
        Ok(Context {
            domain,
            secret,
            request_timeout: global
                .request_timeout
                .or(profile.request_timeout)
                .map(Duration::from_secs),
            out: Output { json },
            profile_exists: config.has_profile(&profile_name),
            profile: profile_name,
        })
    }

    /// The client for the API commands. Fails without a secret, with a message saying where to
    /// put one.
    pub fn client(&self) -> anyhow::Result<PixelbinClient> {
        match &self.secret {
            Secret::Given(secret) if !secret.is_empty() => {
                self.build_client(secret, "from --api-secret or PIXELBIN_API_TOKEN")
            }
            Secret::Profile(secret) if !secret.is_empty() => self.build_client(
                secret,
                &format!("of profile {:?} in the config file", self.profile),
            ),
            Secret::Refused(why) => Err(CliError::usage(why.clone())),
            _ if !self.profile_exists && self.profile != DEFAULT_PROFILE => {
                Err(CliError::usage(format!(
                    "there is no profile {name:?} in the config file: create it with \
                     `pixelbin login --profile {name}`, or see `pixelbin config list`",
                    name = self.profile
                )))
            }
            _ => Err(CliError::usage(
                "No API Secret Token Present: pass --api-secret or set PIXELBIN_API_TOKEN, or save \
                 one with `pixelbin login` (create a token in the Pixelbin console under \
                 Settings > Tokens)",
            )),
        }
    }

    /// The client for `secret` with the resolved domain and time limit (what `login` checks a
    /// new token with).
    pub fn client_with_secret(&self, secret: &str) -> anyhow::Result<PixelbinClient> {
        self.build_client(secret, "given")
    }

    /// The client; `origin` says where the secret came from, for the error messages.
    fn build_client(&self, secret: &str, origin: &str) -> anyhow::Result<PixelbinClient> {
        let mut builder = PixelbinConfig::builder()
            .api_secret(secret)
            .domain(self.domain.as_str())
            .user_agent_prefix(USER_AGENT);
        if let Some(limit) = self.request_timeout {
            // One number bounds every phase: connect, headers, bodies, and a download's
            // longest pause without progress.
            builder = builder
                .timeout(limit)
                .connect_timeout(limit)
                .stall_protection(pixelbin::http::StallProtection {
                    grace: limit,
                    min_bytes: 1024,
                });
        }
        let config = builder.build().map_err(|e| match e {
            // The only credential error left once the secret is present: a short one.
            pixelbin::http::Error::InvalidCredential(_) => CliError::usage(format!(
                "Invalid API Secret Token: the token {origin} is shorter than {} characters; \
                 check that it holds the whole token",
                pixelbin::http::MIN_SECRET_LEN
            )),
            _ => CliError::usage(format!(
                "{e}; check --domain or PIXELBIN_DOMAIN (or the profile's domain)"
            )),
        })?;
        PixelbinClient::new(config).context("could not set up the HTTP client")
    }
}

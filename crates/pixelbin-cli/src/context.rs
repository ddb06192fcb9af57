//! What every API command needs: the global flags and the client built from them.

use std::time::Duration;

use anyhow::Context as _;
use pixelbin::{PixelbinClient, PixelbinConfig};

use crate::error::CliError;
use crate::output::Output;

/// The user agent prefix, so Pixelbin can tell CLI traffic from SDK traffic.
const USER_AGENT: &str = concat!("pixelbin-cli/", env!("CARGO_PKG_VERSION"));

/// The global flags, resolved.
#[derive(Clone)]
pub struct Context {
    /// API domain (`--domain` / `PIXELBIN_DOMAIN`).
    pub domain: String,
    /// API secret (`--api-secret` / `PIXELBIN_API_TOKEN`); never printed.
    api_secret: Option<String>,
    /// Per-request time limit (`--request-timeout` / `PIXELBIN_REQUEST_TIMEOUT`).
    pub request_timeout: Option<Duration>,
    /// How results are printed.
    pub out: Output,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("domain", &self.domain)
            .field(
                "api_secret",
                &self.api_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("request_timeout", &self.request_timeout)
            .field("out", &self.out)
            .finish()
    }
}

impl Context {
    /// A context from the resolved global flags.
    pub fn new(domain: String, api_secret: Option<String>, out: Output) -> Self {
        Context {
            domain,
            api_secret,
            request_timeout: None,
            out,
        }
    }

    /// The client for the API commands. Fails without a secret, with a message saying where to
    /// put one.
    pub fn client(&self) -> anyhow::Result<PixelbinClient> {
        let Some(secret) = self.api_secret.as_deref().filter(|s| !s.is_empty()) else {
            return Err(CliError::usage(
                "No API Secret Token Present: pass --api-secret or set PIXELBIN_API_TOKEN \
                 (create a token in the Pixelbin console under Settings > Tokens)",
            ));
        };
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
                "Invalid API Secret Token: the token from --api-secret or PIXELBIN_API_TOKEN \
                 is shorter than {} characters; check that it holds the whole token",
                pixelbin::http::MIN_SECRET_LEN
            )),
            _ => CliError::usage(format!("{e}; check --domain or PIXELBIN_DOMAIN")),
        })?;
        PixelbinClient::new(config).context("could not set up the HTTP client")
    }
}

//! Client configuration: API secret, domain, HTTP options and retry policy.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::bounds::{DEFAULT_MAX_RESPONSE_BYTES, StallProtection};
use crate::error::Error;
use crate::retry::RetryPolicy;

/// The API domain used when none is configured.
pub const DEFAULT_DOMAIN: &str = "https://api.pixelbin.io";

/// Secrets shorter than this are rejected, as the reference SDK does.
pub const MIN_SECRET_LEN: usize = 5;

/// Default time limit for one attempt of a request (the reference's 15 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// Default time limit for establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Environment variable holding the API secret, read by [`PixelbinConfig::from_env`].
pub const ENV_API_TOKEN: &str = "PIXELBIN_API_TOKEN";

/// Environment variable holding the API domain, read by [`PixelbinConfig::from_env`].
pub const ENV_DOMAIN: &str = "PIXELBIN_DOMAIN";

/// Validated configuration of a Pixelbin client.
///
/// `Debug` never shows the secret:
///
/// ```
/// let config = pixelbin_http::PixelbinConfig::new("my-secret-token")?;
/// assert!(!format!("{config:?}").contains("my-secret-token"));
/// assert_eq!(config.domain().as_str(), "https://api.pixelbin.io/");
/// # Ok::<(), pixelbin_http::Error>(())
/// ```
#[derive(Clone)]
pub struct PixelbinConfig {
    api_secret: SecretString,
    domain: Url,
    http: HttpOptions,
    retry: RetryPolicy,
}

impl PixelbinConfig {
    /// A builder for every option.
    pub fn builder() -> PixelbinConfigBuilder {
        PixelbinConfigBuilder::default()
    }

    /// A configuration with the given secret and every default
    /// (domain `https://api.pixelbin.io`).
    pub fn new(api_secret: impl Into<String>) -> Result<Self, Error> {
        Self::builder().api_secret(api_secret).build()
    }

    /// Reads `PIXELBIN_API_TOKEN` (required) and `PIXELBIN_DOMAIN` (optional).
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) with an injectable environment, so tests
    /// need not mutate the process environment.
    pub(crate) fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let mut builder = Self::builder();
        builder.secret_origin = SecretOrigin::Env;
        if let Some(secret) = lookup(ENV_API_TOKEN) {
            builder = builder.api_secret(secret);
        }
        if let Some(domain) = lookup(ENV_DOMAIN).filter(|d| !d.trim().is_empty()) {
            builder = builder.domain(domain);
        }
        builder.build()
    }

    /// The API secret. Expose it only to send it; never log it.
    pub fn api_secret(&self) -> &SecretString {
        &self.api_secret
    }

    /// The API domain, e.g. `https://api.pixelbin.io/`.
    pub fn domain(&self) -> &Url {
        &self.domain
    }

    /// HTTP client options.
    pub fn http(&self) -> &HttpOptions {
        &self.http
    }

    /// Retry policy applied to every request.
    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }

    /// A copy of this configuration with another retry policy.
    #[deprecated(
        since = "0.2.0",
        note = "set the policy once, with `PixelbinConfig::builder().retry(policy)`"
    )]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
}

impl fmt::Debug for PixelbinConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PixelbinConfig")
            .field("api_secret", &crate::Redacted)
            .field("domain", &self.domain.as_str())
            .field("http", &self.http)
            .field("retry", &self.retry)
            .finish()
    }
}

/// HTTP client options.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpOptions {
    /// Honour `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` (upper or lower case)
    /// and take proxy credentials from `$NETRC` or `~/.netrc` when the proxy
    /// URL has none. Off by default, as in the reference SDK.
    pub trust_env: bool,
    /// A proxy for every request (`http://user:pass@host:port`); takes
    /// precedence over the environment.
    pub proxy: Option<String>,
    /// Time limit for establishing a connection.
    pub connect_timeout: Duration,
    /// Time limit for one attempt of a request, until the response headers
    /// arrive; also the longest pause while reading a body. Default 15 s.
    pub timeout: Duration,
    /// Put in front of the user agent: `"<prefix> pixelbin-rust/<version>"`.
    pub user_agent_prefix: Option<String>,
    /// Largest 2xx body read whole into memory (JSON answers); a larger one
    /// fails with [`Error::TooLarge`]. Default 16 MiB.
    pub max_response_bytes: u64,
    /// The least progress any response body must make; see [`StallProtection`].
    pub stall: StallProtection,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            trust_env: false,
            proxy: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            user_agent_prefix: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            stall: StallProtection::default(),
        }
    }
}

impl HttpOptions {
    /// The `User-Agent` sent with every request: `pixelbin-rust/<version>`,
    /// after the integration prefix when there is one.
    pub fn user_agent(&self) -> String {
        let base = concat!("pixelbin-rust/", env!("CARGO_PKG_VERSION"));
        match self.user_agent_prefix.as_deref().map(str::trim) {
            Some(prefix) if !prefix.is_empty() => format!("{prefix} {base}"),
            _ => base.to_owned(),
        }
    }
}

impl fmt::Debug for HttpOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A proxy URL may carry a password.
        let proxy = self.proxy.as_deref().map(crate::proxy::redact_proxy_url);
        f.debug_struct("HttpOptions")
            .field("trust_env", &self.trust_env)
            .field("proxy", &proxy)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("user_agent_prefix", &self.user_agent_prefix)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("stall", &self.stall)
            .finish()
    }
}

/// Builder of [`PixelbinConfig`]; [`build`](Self::build) validates everything.
#[derive(Clone, Default)]
pub struct PixelbinConfigBuilder {
    api_secret: Option<SecretString>,
    domain: Option<String>,
    http: HttpOptions,
    retry: RetryPolicy,
    secret_origin: SecretOrigin,
}

impl fmt::Debug for PixelbinConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PixelbinConfigBuilder")
            .field(
                "api_secret",
                &self.api_secret.as_ref().map(|_| crate::Redacted),
            )
            .field("domain", &self.domain)
            .field("http", &self.http)
            .field("retry", &self.retry)
            .finish()
    }
}

impl PixelbinConfigBuilder {
    /// The API secret (the "API token" of the Pixelbin console). Required.
    pub fn api_secret(mut self, secret: impl Into<String>) -> Self {
        self.api_secret = Some(SecretString::from(secret.into()));
        self
    }

    /// The API domain, `http(s)://host[:port]`; defaults to `https://api.pixelbin.io`.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Time limit for one attempt of a request (default 15 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.http.timeout = timeout;
        self
    }

    /// Time limit for establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.http.connect_timeout = timeout;
        self
    }

    /// Honour proxy environment variables and `.netrc` proxy credentials (default false).
    pub fn trust_env(mut self, trust: bool) -> Self {
        self.http.trust_env = trust;
        self
    }

    /// Send every request through this proxy (`http://[user:pass@]host:port`).
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.http.proxy = Some(url.into());
        self
    }

    /// Name your integration in the user agent, e.g. `"my-app/1.2"`.
    pub fn user_agent_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.http.user_agent_prefix = Some(prefix.into());
        self
    }

    /// Largest answer read whole into memory (default 16 MiB); larger ones
    /// fail with [`Error::TooLarge`] instead of exhausting memory.
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.http.max_response_bytes = bytes;
        self
    }

    /// The least progress a response body must make (default 1 KiB per 15 s);
    /// a slower body fails with [`Error::Stalled`].
    pub fn stall_protection(mut self, stall: StallProtection) -> Self {
        self.http.stall = stall;
        self
    }

    /// Replace all HTTP options at once.
    pub fn http(mut self, http: HttpOptions) -> Self {
        self.http = http;
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]; [`RetryPolicy::none`] disables retries).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Validates the options and builds the configuration.
    pub fn build(self) -> Result<PixelbinConfig, Error> {
        let api_secret = self.api_secret.unwrap_or_else(|| SecretString::from(""));
        validate_secret(api_secret.expose_secret(), self.secret_origin)?;
        let domain = parse_domain(self.domain.as_deref().unwrap_or(DEFAULT_DOMAIN))?;
        validate_http(&self.http)?;
        Ok(PixelbinConfig {
            api_secret,
            domain,
            http: self.http,
            retry: self.retry,
        })
    }
}

/// The reference's texts ("No API Secret Token Present", "Invalid API Secret Token"), then
/// what to do, said for where the secret came from.
fn validate_secret(secret: &str, from: SecretOrigin) -> Result<(), Error> {
    if secret.is_empty() {
        let todo = match from {
            SecretOrigin::Builder => {
                "pass your Pixelbin API token to PixelbinConfig::builder().api_secret(..), \
                 or use PixelbinConfig::from_env and set PIXELBIN_API_TOKEN"
            }
            SecretOrigin::Env => {
                "set the PIXELBIN_API_TOKEN environment variable to your Pixelbin API token"
            }
        };
        return Err(Error::InvalidCredential(format!(
            "No API Secret Token Present: {todo}"
        )));
    }
    if secret.chars().count() < MIN_SECRET_LEN {
        let holder = match from {
            SecretOrigin::Builder => "the API secret given",
            SecretOrigin::Env => "PIXELBIN_API_TOKEN",
        };
        return Err(Error::InvalidCredential(format!(
            "Invalid API Secret Token: {holder} is shorter than {MIN_SECRET_LEN} characters; \
             check that it holds the whole token"
        )));
    }
    Ok(())
}

/// Where a secret came from, so a validation error can say what to fix.
#[derive(Clone, Copy, Default)]
enum SecretOrigin {
    #[default]
    Builder,
    Env,
}

fn parse_domain(raw: &str) -> Result<Url, Error> {
    let raw = raw.trim();
    let bad = |why: &str| {
        Error::IllegalArgument(format!(
            "invalid domain {raw:?}: {why}; expected an http(s) URL such as \"https://api.pixelbin.io\""
        ))
    };
    let url = Url::parse(raw).map_err(|e| bad(&e.to_string()))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(bad("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it must not contain credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it must not contain a query or fragment"));
    }
    Ok(url)
}

fn validate_http(http: &HttpOptions) -> Result<(), Error> {
    if http.timeout.is_zero() {
        return Err(Error::IllegalArgument(
            "timeout must be greater than zero".into(),
        ));
    }
    if http.connect_timeout.is_zero() {
        return Err(Error::IllegalArgument(
            "connect_timeout must be greater than zero".into(),
        ));
    }
    if http.max_response_bytes == 0 {
        return Err(Error::IllegalArgument(
            "max_response_bytes must be greater than zero".into(),
        ));
    }
    if http.stall.grace.is_zero() {
        return Err(Error::IllegalArgument(
            "the stall protection's grace period must be greater than zero".into(),
        ));
    }
    if let Some(proxy) = &http.proxy {
        crate::proxy::parse_proxy_url(proxy)?;
    }
    if http::HeaderValue::from_str(&http.user_agent()).is_err() {
        return Err(Error::IllegalArgument(
            "user_agent_prefix must be printable ASCII without line breaks".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn secret_validation_matches_the_reference() {
        let err = PixelbinConfig::builder().build().unwrap_err();
        assert!(
            matches!(&err, Error::InvalidCredential(m) if m.starts_with("No API Secret Token Present: pass your Pixelbin API token to PixelbinConfig::builder().api_secret(..)")),
            "{err}"
        );
        let err = PixelbinConfig::new("").unwrap_err();
        assert!(
            err.to_string().starts_with("No API Secret Token Present: "),
            "{err}"
        );
        let err = PixelbinConfig::new("abcd").unwrap_err();
        assert!(
            matches!(&err, Error::InvalidCredential(m) if m.starts_with("Invalid API Secret Token: the API secret given is shorter than 5 characters")),
            "{err}"
        );
        assert!(PixelbinConfig::new("abcde").is_ok());
    }

    #[test]
    fn debug_redacts_the_secret_and_proxy_password() {
        let config = PixelbinConfig::builder()
            .api_secret("super-secret-value")
            .proxy("http://user:hunter2@proxy.local:3128")
            .build()
            .unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains("super-secret-value"), "{debug}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("api_secret: [REDACTED]"), "{debug}");
        let builder = PixelbinConfig::builder().api_secret("super-secret-value");
        let debug = format!("{builder:?}");
        assert!(!debug.contains("super-secret-value"), "{debug}");
        assert!(debug.contains("api_secret: Some([REDACTED])"), "{debug}");
    }

    #[test]
    fn domain_defaults_and_validation() {
        let config = PixelbinConfig::new("secret").unwrap();
        assert_eq!(config.domain().as_str(), "https://api.pixelbin.io/");
        for bad in [
            "api.pixelbin.io",
            "ftp://api.pixelbin.io",
            "https://",
            "https://a:b@api.pixelbin.io",
            "https://api.pixelbin.io/?x=1",
            "not a url",
        ] {
            let err = PixelbinConfig::builder()
                .api_secret("secret")
                .domain(bad)
                .build()
                .unwrap_err();
            assert!(
                matches!(&err, Error::IllegalArgument(m) if m.contains("invalid domain")),
                "{bad}: {err}"
            );
        }
        let config = PixelbinConfig::builder()
            .api_secret("secret")
            .domain("http://127.0.0.1:8080")
            .build()
            .unwrap();
        assert_eq!(config.domain().port(), Some(8080));
    }

    #[test]
    fn from_env_reads_token_and_domain() {
        let env: HashMap<&str, &str> = [
            (ENV_API_TOKEN, "env-secret"),
            (ENV_DOMAIN, "http://localhost:9000"),
        ]
        .into();
        let config = PixelbinConfig::from_lookup(|k| env.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(config.api_secret().expose_secret(), "env-secret");
        assert_eq!(config.domain().as_str(), "http://localhost:9000/");
        let err = PixelbinConfig::from_lookup(|_| None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "No API Secret Token Present: set the PIXELBIN_API_TOKEN environment variable to your Pixelbin API token"
        );
        let short = |k: &str| (k == ENV_API_TOKEN).then(|| "abc".to_string());
        let err = PixelbinConfig::from_lookup(short).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid API Secret Token: PIXELBIN_API_TOKEN is shorter than 5 characters; check that it holds the whole token"
        );
    }

    #[test]
    fn http_option_validation() {
        let base = || PixelbinConfig::builder().api_secret("secret");
        assert!(base().timeout(Duration::ZERO).build().is_err());
        assert!(base().connect_timeout(Duration::ZERO).build().is_err());
        assert!(base().proxy("not a url").build().is_err());
        assert!(base().user_agent_prefix("bad\nprefix").build().is_err());
        let config = base().timeout(Duration::from_secs(3)).build().unwrap();
        assert_eq!(config.http().timeout, Duration::from_secs(3));
        assert_eq!(config.http().connect_timeout, DEFAULT_CONNECT_TIMEOUT);
        assert!(!config.http().trust_env);
    }

    #[test]
    fn user_agent_has_version_and_prefix() {
        let mut http = HttpOptions::default();
        assert_eq!(
            http.user_agent(),
            format!("pixelbin-rust/{}", env!("CARGO_PKG_VERSION"))
        );
        http.user_agent_prefix = Some("acme-shop/2.0".into());
        assert_eq!(
            http.user_agent(),
            format!("acme-shop/2.0 pixelbin-rust/{}", env!("CARGO_PKG_VERSION"))
        );
    }
}

//! Configuration, typed errors and the HTTP transport of the Pixelbin SDK.
//!
//! Every API call of the SDK goes through a [`Transport`]: one shared
//! `reqwest::Client` (one connection pool) under a tower stack that adds the
//! credential for the API host only, retries what is safe to retry, limits
//! the time of each attempt and traces every request without leaking secrets.
//!
//! ```no_run
//! use pixelbin_http::{ApiRequest, PixelbinConfig, Transport};
//! use std::time::Duration;
//!
//! # async fn run() -> Result<(), pixelbin_http::Error> {
//! let config = PixelbinConfig::builder()
//!     .api_secret("00000000-0000-0000-0000-000000000000")
//!     .timeout(Duration::from_secs(30))
//!     .user_agent_prefix("my-app/1.0")
//!     .build()?;
//! let transport = Transport::new(config)?;
//!
//! let url = transport.api_url("/service/platform/assets/v1.0/listFiles");
//! match transport.send(ApiRequest::get(url).query("pageSize", "10")).await {
//!     Ok(resp) => println!("{}", resp.json::<serde_json::Value>()?),
//!     Err(e) if e.status() == Some(401) => eprintln!("check the API token: {e}"),
//!     Err(e) => return Err(e),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # The stack
//!
//! ```text
//!  Transport::send(ApiRequest)
//!      │  into http::Request<Body>: query encoded, Content-Type/-Length set
//!      ▼
//!  ┌──────────────────────────────────────────────────────────────┐
//!  │ your layers  (TransportBuilder::layer, first added = outer)  │ once per call
//!  ├──────────────────────────────────────────────────────────────┤
//!  │ TraceLayer      span: method, host, path, attempt, status    │ once per call
//!  ├──────────────────────────────────────────────────────────────┤
//!  │ RetryLayer      classify, backoff + jitter, Retry-After,     │ loops ↓
//!  │                 max retries, overall deadline                │
//!  ├──────────────────────────────────────────────────────────────┤
//!  │ AuthLayer       Bearer base64(secret), API origin only       │ per attempt
//!  ├──────────────────────────────────────────────────────────────┤
//!  │ UserAgentLayer  "[prefix ]pixelbin-rust/<version>"           │ per attempt
//!  ├──────────────────────────────────────────────────────────────┤
//!  │ TimeoutLayer    per-attempt limit (15 s default)             │ per attempt
//!  ├──────────────────────────────────────────────────────────────┤
//!  │ HttpService     shared reqwest::Client (pool, proxy, TLS)    │ per attempt
//!  │                 ↳ replaceable: TransportBuilder::service     │
//!  └──────────────────────────────────────────────────────────────┘
//!      │  http::Response<reqwest::Body>
//!      ▼
//!  2xx → ApiResponse (or reqwest::Response for send_streaming)
//!  else → Error::Api parsed from Pixelbin's error JSON
//! ```
//!
//! Your layers sit outside the SDK's own, so they never see the
//! `Authorization` header and run once per call, not per retry. To act on
//! every attempt, wrap [`HttpService`] yourself and pass it to
//! [`TransportBuilder::service`].
//!
//! What is retried, and why, is described in [`retry`].
//!
//! # Secrets
//!
//! The API secret never appears in `Debug` output, errors or traces; the
//! `Authorization` header value is marked sensitive; spans record the path
//! but never the query string, which carries signatures in presigned URLs.

mod auth;
mod body;
mod config;
mod error;
pub mod model;
mod multipart;
mod netrc;
mod proxy;
mod request;
mod response;
pub mod retry;
mod timeout;
mod trace;
mod transport;
mod user_agent;

pub use auth::{AuthLayer, AuthService};
pub use body::Body;
pub use config::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_DOMAIN, DEFAULT_TIMEOUT, ENV_API_TOKEN, ENV_DOMAIN,
    HttpOptions, MIN_SECRET_LEN, PixelbinConfig, PixelbinConfigBuilder,
};
pub use error::{Error, MAX_RAW_ERROR_BODY};
pub use multipart::Form;
pub use request::{ApiRequest, RequestOptions};
pub use response::ApiResponse;
pub use retry::{RetryDecision, RetryLayer, RetryPolicy};
pub use timeout::{TimeoutLayer, TimeoutService};
pub use trace::{TraceLayer, TraceService, redacted_url};
pub use transport::{
    BoxedService, HttpRequest, HttpResponse, HttpService, Transport, TransportBuilder,
};
pub use user_agent::{UserAgentLayer, UserAgentService};

/// Re-exported so callers can build URLs and requests without adding the crates.
pub use {bytes, http, reqwest, url};

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
//!  2xx → ApiResponse (send), StreamingResponse (send_streaming),
//!        a file on disk (download)
//!  else → Error::Api parsed from Pixelbin's error JSON
//! ```
//!
//! # Bounds, redirects, redaction
//!
//! - Every phase is bounded: connect (`connect_timeout`), each attempt up to
//!   the headers ([`middleware::TimeoutLayer`]), and every body — answers,
//!   error bodies, downloads — as [`bounds`] describes (request timeout, size
//!   cap, stall protection).
//! - Redirects are followed only within the request's origin ([`redirect`]),
//!   so the API secret never reaches another origin on any hop.
//! - [`redact_url`] is the one function that makes a URL safe to show; every
//!   error, log and trace line of the SDK that shows a URL uses it, and a
//!   secret is shown as [`REDACTED`] ([`Redacted`] in `Debug`), one spelling.
//! - [`Transport::download`] saves a body to disk atomically ([`download`]).
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

// Lets `lenient_response!` name this crate by the same path inside and outside it.
extern crate self as pixelbin_http;

pub mod atomic_file;
mod auth;
mod body;
pub mod bounds;
mod config;
pub mod download;
mod error;
pub mod local_file;
pub mod model;
mod multipart;
pub mod naming;
mod netrc;
mod proxy;
pub mod redirect;
mod request;
mod response;
pub mod retry;
mod timeout;
mod trace;
mod transport;
mod user_agent;

pub use body::Body;
pub use bounds::{DEFAULT_MAX_RESPONSE_BYTES, StallProtection};
pub use config::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_DOMAIN, DEFAULT_TIMEOUT, ENV_API_TOKEN, ENV_DOMAIN,
    HttpOptions, MIN_SECRET_LEN, PixelbinConfig, PixelbinConfigBuilder,
};
pub use download::DownloadOptions;
pub use error::{Error, MAX_RAW_ERROR_BODY, USAGE_LIMIT_ERROR_CODE};
pub use multipart::Form;
/// The SDK's one redaction (marker and functions), from the lowest crate.
pub use pixelbin_url::redact::{
    REDACTED, Redacted, redact_query, redact_secret, redact_text, redact_url,
};
pub use request::{ApiRequest, RequestOptions};
pub use response::ApiResponse;
pub use retry::RetryPolicy;
pub use transport::{
    BoxedService, HttpRequest, HttpResponse, HttpService, StreamingResponse, Transport,
    TransportBuilder,
};

/// The tower layers of the stack, each with the service it makes, for users
/// who assemble their own stack around [`HttpService`] (see
/// [`TransportBuilder::service`]). Their order is drawn in the crate docs.
pub mod middleware {
    pub use crate::auth::{AuthLayer, AuthService};
    pub use crate::retry::{RetryLayer, RetryService};
    pub use crate::timeout::{TimeoutLayer, TimeoutService};
    pub use crate::trace::{TraceLayer, TraceService};
    pub use crate::user_agent::{UserAgentLayer, UserAgentService};
}

// Foreign crates whose types appear in this crate's public signatures, so a
// user can name them without depending on a matching version:
// `http` (requests, headers, status), `url` (request URLs), `bytes` (bodies),
// `reqwest` (`TransportBuilder::client`, `HttpResponse`'s body).
pub use {bytes, http, reqwest, url};

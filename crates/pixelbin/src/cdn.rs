//! Fetching transformed URLs from the CDN: [`PixelbinClient::cdn`](crate::PixelbinClient::cdn).
//!
//! The CDN renders a transformation on first request; AI transformations take a while, and
//! until their output exists the CDN answers `202 Accepted`. [`Cdn::fetch`] asks again with a
//! growing wait (1 s, 2 s, 4 s, ... at most [`CdnOptions::max_wait`]) until the answer is the
//! image or [`CdnOptions::deadline`] passes ([`Error::CdnNotReady`]).
//!
//! Every request goes through the client's one send path (timeouts, stall protection,
//! retries of failures worth retrying) **without** the API `Authorization` header: the API
//! secret never leaves the API origin, even when the CDN shares it (an emulator). A body is
//! capped at [`CdnOptions::max_bytes`]; [`Cdn::fetch_to`] streams it into a temporary file
//! beside the target and renames it into place only once complete.
//!
//! ```no_run
//! use pixelbin::url::plugins::{basic, erase_bg};
//! use pixelbin::url::UrlObj;
//! use pixelbin::PixelbinClient;
//!
//! # async fn run() -> Result<(), pixelbin::Error> {
//! let client = PixelbinClient::from_env()?;
//! let url = UrlObj::new("my-cloud", "shoes/red.jpeg")
//!     .transform(erase_bg::bg())
//!     .transform(basic::resize().width(300));
//! let image = client.cdn().fetch(&url).await?;
//! println!("{} bytes of {:?}", image.bytes.len(), image.content_type);
//! client.cdn().fetch_to(url, "red.png".as_ref()).await?;
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::path::Path;
use std::time::Duration;

use pixelbin_http::atomic_file::{Access, PartFile};
use pixelbin_http::{ApiRequest, StreamingResponse, Transport};
use pixelbin_url::UrlObj;
use tokio::io::AsyncWriteExt as _;
use tokio::time::Instant;

use crate::Error;

/// How long [`Cdn::fetch`] waits through `202`s by default.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);
/// The largest body [`Cdn::fetch`] accepts by default (256 MiB).
pub const DEFAULT_MAX_BYTES: u64 = 256 * 1024 * 1024;

/// How a [`Cdn`] fetch waits and what it accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CdnOptions {
    /// The whole fetch (waiting through `202`s and reading the body) ends by then
    /// (default [`DEFAULT_DEADLINE`]).
    pub deadline: Duration,
    /// The wait after the first `202` (default 1 s); each next wait doubles.
    pub first_wait: Duration,
    /// The longest wait between two requests (default 10 s).
    pub max_wait: Duration,
    /// A larger body is refused (default [`DEFAULT_MAX_BYTES`]).
    pub max_bytes: u64,
    /// [`Cdn::fetch_to`] replaces an existing file (default: refuses it).
    pub overwrite: bool,
}

impl Default for CdnOptions {
    fn default() -> Self {
        CdnOptions {
            deadline: DEFAULT_DEADLINE,
            first_wait: Duration::from_secs(1),
            max_wait: Duration::from_secs(10),
            max_bytes: DEFAULT_MAX_BYTES,
            overwrite: false,
        }
    }
}

impl CdnOptions {
    /// Sets [`deadline`](Self::deadline).
    #[must_use]
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Sets [`first_wait`](Self::first_wait) and [`max_wait`](Self::max_wait).
    #[must_use]
    pub fn waits(mut self, first_wait: Duration, max_wait: Duration) -> Self {
        self.first_wait = first_wait;
        self.max_wait = max_wait;
        self
    }

    /// Sets [`max_bytes`](Self::max_bytes).
    #[must_use]
    pub fn max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// Sets [`overwrite`](Self::overwrite).
    #[must_use]
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// The wait before request `attempt + 1` (0-based): `first_wait * 2^attempt`, at most
    /// `max_wait`.
    fn wait(&self, attempt: u32) -> Duration {
        self.first_wait
            .saturating_mul(2u32.saturating_pow(attempt.min(31)))
            .min(self.max_wait)
    }
}

/// Anything a [`Cdn`] fetch takes as its URL: `&str`, `String`, or the typed builders'
/// [`UrlObj`] (built with [`UrlObj::to_url`]).
pub trait CdnUrl {
    /// The URL to request.
    ///
    /// # Errors
    /// [`Error::Url`] when a [`UrlObj`] does not build.
    fn cdn_url(&self) -> Result<String, Error>;
}

impl CdnUrl for str {
    fn cdn_url(&self) -> Result<String, Error> {
        Ok(self.to_owned())
    }
}

impl CdnUrl for String {
    fn cdn_url(&self) -> Result<String, Error> {
        Ok(self.clone())
    }
}

impl CdnUrl for UrlObj<'_> {
    fn cdn_url(&self) -> Result<String, Error> {
        Ok(self.to_url()?)
    }
}

impl<T: CdnUrl + ?Sized> CdnUrl for &T {
    fn cdn_url(&self) -> Result<String, Error> {
        (**self).cdn_url()
    }
}

/// A fetched image: its bytes and content type.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Fetched {
    /// The body.
    pub bytes: Vec<u8>,
    /// The `Content-Type` the CDN gave, e.g. `image/png`.
    pub content_type: Option<String>,
    /// How many `202 Accepted` answers came before it.
    pub accepted: u32,
}

impl fmt::Debug for Fetched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fetched")
            .field("bytes", &self.bytes.len())
            .field("content_type", &self.content_type)
            .field("accepted", &self.accepted)
            .finish()
    }
}

/// What [`Cdn::fetch_to`] saved.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Saved {
    /// The file's size in bytes.
    pub size: u64,
    /// The `Content-Type` the CDN gave, e.g. `image/png`.
    pub content_type: Option<String>,
    /// How many `202 Accepted` answers came before it.
    pub accepted: u32,
}

/// Fetches transformed (or signed) CDN URLs; see the [module docs](self).
#[derive(Clone)]
pub struct Cdn {
    transport: Transport,
}

impl fmt::Debug for Cdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cdn").finish_non_exhaustive()
    }
}

impl Cdn {
    pub(crate) fn new(transport: Transport) -> Self {
        Cdn { transport }
    }

    /// [`fetch_with`](Self::fetch_with) with [`CdnOptions::default`].
    ///
    /// # Errors
    /// See [`fetch_with`](Self::fetch_with).
    pub async fn fetch(&self, url: impl CdnUrl) -> Result<Fetched, Error> {
        self.fetch_with(url, &CdnOptions::default()).await
    }

    /// The body and content type of `url`, waiting through `202`s.
    ///
    /// # Errors
    /// [`Error::CdnNotReady`] when the CDN still answers `202` at the deadline,
    /// [`Error::CdnDeadline`] when the body is not read by then; the transport's errors
    /// (an error status, a stalled or too large body, a bad URL); [`Error::Url`] for a
    /// [`UrlObj`] that does not build.
    pub async fn fetch_with(
        &self,
        url: impl CdnUrl,
        options: &CdnOptions,
    ) -> Result<Fetched, Error> {
        let started = Instant::now();
        let (mut response, accepted) = self.ready(&url.cdn_url()?, options, started).await?;
        let content_type = content_type(&response);
        let read = async {
            let mut bytes = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                bytes.extend_from_slice(&chunk);
            }
            Ok::<_, Error>(bytes)
        };
        let bytes = within(started, options, read).await?;
        Ok(Fetched {
            bytes,
            content_type,
            accepted,
        })
    }

    /// [`fetch_to_with`](Self::fetch_to_with) with [`CdnOptions::default`].
    ///
    /// # Errors
    /// See [`fetch_to_with`](Self::fetch_to_with).
    pub async fn fetch_to(&self, url: impl CdnUrl, target: &Path) -> Result<Saved, Error> {
        self.fetch_to_with(url, target, &CdnOptions::default())
            .await
    }

    /// Saves the body of `url` to the file `target`, waiting through `202`s. The body streams
    /// into a temporary file beside `target`, renamed over it only once complete: a failed
    /// fetch leaves no partial file and never damages what was there. An existing `target`
    /// is refused before any request unless [`CdnOptions::overwrite`] is set.
    ///
    /// # Errors
    /// Those of [`fetch_with`](Self::fetch_with), and the transport's `OutputExists` /
    /// `WriteOutput` for the file.
    pub async fn fetch_to_with(
        &self,
        url: impl CdnUrl,
        target: &Path,
        options: &CdnOptions,
    ) -> Result<Saved, Error> {
        if std::fs::symlink_metadata(target).is_ok() && !options.overwrite {
            return Err(pixelbin_http::Error::OutputExists {
                path: target.to_path_buf(),
            }
            .into());
        }
        let write_err = |source| pixelbin_http::Error::WriteOutput {
            path: target.to_path_buf(),
            source,
        };
        let started = Instant::now();
        let url = url.cdn_url()?;
        let (mut response, accepted) = self.ready(&url, options, started).await?;
        let content_type = content_type(&response);
        // The one atomic write of the SDK: a locked part file beside the target, with a plain
        // create's mode, renamed into place once complete (and removed on any failure).
        let mut part = PartFile::create(target, Access::Umask).map_err(write_err)?;
        let mut file = tokio::fs::File::from_std(part.file().try_clone().map_err(write_err)?);
        let write = async {
            let mut size = 0u64;
            while let Some(chunk) = response.chunk().await? {
                file.write_all(&chunk).await.map_err(write_err)?;
                size += chunk.len() as u64;
            }
            file.flush().await.map_err(write_err)?;
            Ok::<_, Error>(size)
        };
        let size = within(started, options, write).await?;
        drop(file);
        pixelbin_http::download::commit_output(part, target, options.overwrite).await?;
        Ok(Saved {
            size,
            content_type,
            accepted,
        })
    }

    /// Requests `url` until the answer is not `202`, and returns that answer (body unread)
    /// with the count of `202`s before it.
    async fn ready(
        &self,
        url: &str,
        options: &CdnOptions,
        started: Instant,
    ) -> Result<(StreamingResponse, u32), Error> {
        // The message leaves the URL out: a signed query must not reach logs.
        let parsed = pixelbin_http::url::Url::parse(url).map_err(|e| {
            pixelbin_http::Error::IllegalArgument(format!(
                "the CDN URL does not parse ({e}); give a full https:// URL"
            ))
        })?;
        let mut accepted = 0;
        loop {
            // The API secret stays on the API origin, even when the CDN shares it.
            let request = ApiRequest::get(parsed.clone()).without_auth();
            let response = within(
                started,
                options,
                self.transport
                    .send_streaming(request, Some(options.max_bytes)),
            )
            .await?;
            if response.status() != pixelbin_http::http::StatusCode::ACCEPTED {
                return Ok((response, accepted));
            }
            drop(response);
            let wait = options.wait(accepted);
            accepted += 1;
            if started.elapsed() + wait >= options.deadline {
                return Err(Error::CdnNotReady {
                    accepted,
                    deadline: options.deadline,
                });
            }
            tokio::time::sleep(wait).await;
        }
    }
}

/// `future`, cut at the fetch's deadline.
async fn within<T>(
    started: Instant,
    options: &CdnOptions,
    future: impl Future<Output = Result<T, impl Into<Error>>>,
) -> Result<T, Error> {
    match tokio::time::timeout_at(started + options.deadline, future).await {
        Ok(result) => result.map_err(Into::into),
        Err(_) => Err(Error::CdnDeadline {
            deadline: options.deadline,
        }),
    }
}

fn content_type(response: &StreamingResponse) -> Option<String> {
    response
        .headers()
        .get(pixelbin_http::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

//! How every response body is bounded, in time and in memory. All body reads
//! of the SDK — JSON answers, error bodies, streamed downloads — go through
//! one reader (`BoundedBody`), whose limits are chosen in one place
//! (`BodyLimits::for_json`, `for_error`, `for_stream`) as this table says.
//!
//! | body                         | whole-body time limit | size cap                           | stall protection |
//! |------------------------------|-----------------------|------------------------------------|------------------|
//! | 2xx answer read by `send`    | the request timeout   | `max_response_bytes` (16 MiB)      | yes              |
//! | error body (any non-2xx)     | the request timeout   | 64 KiB (the rest is not read)      | yes              |
//! | streamed download            | none (may be long)    | the caller's (`DownloadOptions`)   | yes              |
//!
//! Stall protection: a body that delivers fewer than
//! [`StallProtection::min_bytes`] within any [`StallProtection::grace`]
//! window fails with [`Error::Stalled`], so a large download may take long
//! but a stalled or dripping one never runs forever (the idea of smithy-rs's
//! stalled-stream protection).

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::StreamExt as _;
use futures::stream::BoxStream;
use tokio::time::Instant;

use crate::config::HttpOptions;
use crate::error::Error;

/// Default cap of a body read whole into memory by [`Transport::send`](crate::Transport::send).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

/// How much of an error body is read to find Pixelbin's error JSON.
pub(crate) const MAX_ERROR_BODY_READ: u64 = 64 * 1024;

/// The least progress a body must make: at least `min_bytes` in every
/// `grace` window. Default: 1 KiB per 15 s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StallProtection {
    /// Length of each window.
    pub grace: Duration,
    /// Bytes that must arrive within each window.
    pub min_bytes: u64,
}

impl Default for StallProtection {
    fn default() -> Self {
        StallProtection {
            grace: Duration::from_secs(15),
            min_bytes: 1024,
        }
    }
}

/// The bounds of one body read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BodyLimits {
    /// The whole body must arrive within this time.
    pub(crate) deadline: Option<Duration>,
    /// More bytes than this fail with [`Error::TooLarge`].
    pub(crate) max_bytes: Option<u64>,
    /// Error bodies are cut at the cap instead of failing.
    pub(crate) truncate: bool,
    pub(crate) stall: StallProtection,
}

impl BodyLimits {
    /// A 2xx body read whole by `send`.
    pub(crate) fn for_json(http: &HttpOptions, timeout: Duration) -> Self {
        BodyLimits {
            deadline: Some(timeout),
            max_bytes: Some(http.max_response_bytes),
            truncate: false,
            stall: http.stall,
        }
    }

    /// An error body: only its beginning matters, and it must not hold the call.
    pub(crate) fn for_error(http: &HttpOptions, timeout: Duration) -> Self {
        BodyLimits {
            deadline: Some(timeout),
            max_bytes: Some(MAX_ERROR_BODY_READ),
            truncate: true,
            stall: http.stall,
        }
    }

    /// A download streamed by the caller: no overall deadline, the caller's cap.
    pub(crate) fn for_stream(http: &HttpOptions, max_bytes: Option<u64>) -> Self {
        BodyLimits {
            deadline: None,
            max_bytes,
            truncate: false,
            stall: http.stall,
        }
    }
}

/// A response body read under [`BodyLimits`]: every chunk waits at most
/// until the deadline or the end of the current stall window.
pub(crate) struct BoundedBody {
    inner: BoxStream<'static, Result<Bytes, reqwest::Error>>,
    limits: BodyLimits,
    deadline: Option<Instant>,
    read: u64,
    window_start: Instant,
    window_bytes: u64,
    done: bool,
}

impl BoundedBody {
    pub(crate) fn new(resp: reqwest::Response, limits: BodyLimits) -> Self {
        let now = Instant::now();
        BoundedBody {
            inner: resp.bytes_stream().boxed(),
            limits,
            deadline: limits.deadline.map(|d| now + d),
            read: 0,
            window_start: now,
            window_bytes: 0,
            done: false,
        }
    }

    /// The next chunk, `None` at the end (or at the cap of a truncated body).
    pub(crate) async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        if self.done {
            return Ok(None);
        }
        loop {
            let window_end = self.window_start + self.limits.stall.grace;
            let wake = match self.deadline {
                Some(deadline) => deadline.min(window_end),
                None => window_end,
            };
            match tokio::time::timeout_at(wake, self.inner.next()).await {
                Ok(Some(Ok(chunk))) => {
                    self.window_bytes += chunk.len() as u64;
                    self.check_window(Instant::now())?;
                    return self.accept(chunk);
                }
                Ok(Some(Err(e))) => {
                    self.done = true;
                    return Err(Error::from_reqwest(e, None));
                }
                Ok(None) => {
                    self.done = true;
                    return Ok(None);
                }
                Err(_) => {
                    let now = Instant::now();
                    if let Some(deadline) = self.deadline
                        && now >= deadline
                    {
                        self.done = true;
                        return Err(Error::Timeout {
                            after: self.limits.deadline.unwrap_or_default(),
                        });
                    }
                    self.check_window(now)?;
                }
            }
        }
    }

    /// Closes the stall window when it has ended: fails if too little arrived.
    fn check_window(&mut self, now: Instant) -> Result<(), Error> {
        let stall = self.limits.stall;
        if now < self.window_start + stall.grace {
            return Ok(());
        }
        if self.window_bytes < stall.min_bytes {
            self.done = true;
            return Err(Error::Stalled {
                min_bytes: stall.min_bytes,
                grace: stall.grace,
            });
        }
        self.window_start = now;
        self.window_bytes = 0;
        Ok(())
    }

    fn accept(&mut self, mut chunk: Bytes) -> Result<Option<Bytes>, Error> {
        let Some(max) = self.limits.max_bytes else {
            self.read += chunk.len() as u64;
            return Ok(Some(chunk));
        };
        let room = max.saturating_sub(self.read);
        if chunk.len() as u64 > room {
            self.done = true;
            if !self.limits.truncate {
                return Err(Error::TooLarge { limit: max });
            }
            chunk.truncate(usize::try_from(room).unwrap_or(usize::MAX));
        }
        self.read += chunk.len() as u64;
        Ok(Some(chunk))
    }

    /// Reads the rest of the body into memory (within the limits).
    pub(crate) async fn collect(mut self) -> Result<Bytes, Error> {
        let mut out = BytesMut::new();
        while let Some(chunk) = self.chunk().await? {
            out.extend_from_slice(&chunk);
        }
        Ok(out.freeze())
    }
}

/// Fails early when a declared `Content-Length` is already over the cap.
pub(crate) fn check_declared_length(
    resp: &reqwest::Response,
    limits: &BodyLimits,
) -> Result<(), Error> {
    if limits.truncate {
        return Ok(());
    }
    match (resp.content_length(), limits.max_bytes) {
        (Some(len), Some(max)) if len > max => Err(Error::TooLarge { limit: max }),
        _ => Ok(()),
    }
}

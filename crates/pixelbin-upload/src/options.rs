//! How an upload runs: chunk size, concurrency, retries and progress reporting.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::error::UploadError;
use crate::progress::Progress;

/// A progress callback: called after every acknowledged part (keep it quick,
/// it runs on the upload's task).
pub type ProgressCallback = Arc<dyn Fn(Progress) + Send + Sync>;

/// Default size of a part: 10 MiB, as the reference SDK.
pub const DEFAULT_CHUNK_SIZE: usize = 10 * 1024 * 1024;
/// Default number of retries of a failed part (so at most 3 attempts).
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// Default number of parts in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 3;
/// Default growth factor of the delay between retries.
pub const DEFAULT_EXPONENTIAL_FACTOR: f64 = 2.0;
/// Default delay before the first retry (the reference's base delay).
pub const DEFAULT_INITIAL_BACKOFF: Duration = Duration::from_secs(1);
/// Least time allowed for the completion request, which makes the server
/// assemble the whole file (see [`UploadOptions::complete_timeout`]).
pub const MIN_COMPLETE_TIMEOUT: Duration = Duration::from_secs(300);
/// Longest delay between two attempts of a part (the reference's cap).
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Options of a multipart upload (the reference's `uploadOptions`, plus
/// progress reporting and backoff tuning).
///
/// Invalid values are refused by [`Uploader::upload`](crate::Uploader::upload)
/// before any request is sent, with the reference's messages.
///
/// ```
/// use pixelbin_upload::UploadOptions;
///
/// let options = UploadOptions::default()
///     .chunk_size(5 * 1024 * 1024)
///     .concurrency(4)
///     .on_progress(|p| eprintln!("{} bytes stored", p.bytes_acknowledged));
/// assert_eq!(options.max_retries, 2);
/// assert!(options.validate().is_ok());
/// assert_eq!(
///     UploadOptions::default().chunk_size(0).validate().unwrap_err().to_string(),
///     "Invalid chunkSize: Must be a positive integer."
/// );
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct UploadOptions {
    /// Size of each part in bytes (`chunkSize`, default 10 MiB). Must be positive.
    /// Memory use is about `chunk_size * (concurrency + 1)`.
    pub chunk_size: usize,
    /// Retries of a part (and of the completion request) after a retryable
    /// failure (`maxRetries`, default 2). A 4xx answer other than 408/429 is
    /// never retried.
    pub max_retries: u32,
    /// Parts in flight at once (`concurrency`, default 3). Must be positive.
    pub concurrency: usize,
    /// The delay before retry `n` (from 0) is `initial_backoff * exponential_factor^n`,
    /// capped at [`MAX_BACKOFF`], with jitter (`exponentialFactor`, default 2).
    /// Must be a finite number, not negative.
    pub exponential_factor: f64,
    /// Delay before the first retry (default 1 s).
    pub initial_backoff: Duration,
    /// Time limit of one part request; `None` uses the transport's timeout.
    /// Raise it for large chunks on slow links.
    pub part_timeout: Option<Duration>,
    /// Time limit of the completion request. The server assembles the whole
    /// file before answering, which takes a while for large files, so `None`
    /// uses the transport's timeout but at least [`MIN_COMPLETE_TIMEOUT`].
    pub complete_timeout: Option<Duration>,
    /// Called after every acknowledged part.
    pub progress: Option<ProgressCallback>,
    /// Receives the latest [`Progress`] after every acknowledged part.
    pub progress_watch: Option<watch::Sender<Progress>>,
}

impl Default for UploadOptions {
    fn default() -> Self {
        UploadOptions {
            chunk_size: DEFAULT_CHUNK_SIZE,
            max_retries: DEFAULT_MAX_RETRIES,
            concurrency: DEFAULT_CONCURRENCY,
            exponential_factor: DEFAULT_EXPONENTIAL_FACTOR,
            initial_backoff: DEFAULT_INITIAL_BACKOFF,
            part_timeout: None,
            complete_timeout: None,
            progress: None,
            progress_watch: None,
        }
    }
}

impl UploadOptions {
    /// Sets [`chunk_size`](Self::chunk_size).
    pub fn chunk_size(mut self, bytes: usize) -> Self {
        self.chunk_size = bytes;
        self
    }

    /// Deprecated name of [`chunk_size`](Self::chunk_size).
    #[deprecated(
        since = "0.2.0",
        note = "renamed to `chunk_size`, the `field(value)` style of every builder"
    )]
    pub fn with_chunk_size(self, bytes: usize) -> Self {
        self.chunk_size(bytes)
    }

    /// Sets [`max_retries`](Self::max_retries).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Deprecated name of [`max_retries`](Self::max_retries).
    #[deprecated(
        since = "0.2.0",
        note = "renamed to `max_retries`, the `field(value)` style of every builder"
    )]
    pub fn with_max_retries(self, retries: u32) -> Self {
        self.max_retries(retries)
    }

    /// Sets [`concurrency`](Self::concurrency).
    pub fn concurrency(mut self, parts: usize) -> Self {
        self.concurrency = parts;
        self
    }

    /// Deprecated name of [`concurrency`](Self::concurrency).
    #[deprecated(
        since = "0.2.0",
        note = "renamed to `concurrency`, the `field(value)` style of every builder"
    )]
    pub fn with_concurrency(self, parts: usize) -> Self {
        self.concurrency(parts)
    }

    /// Sets [`exponential_factor`](Self::exponential_factor).
    pub fn exponential_factor(mut self, factor: f64) -> Self {
        self.exponential_factor = factor;
        self
    }

    /// Deprecated name of [`exponential_factor`](Self::exponential_factor).
    #[deprecated(
        since = "0.2.0",
        note = "renamed to `exponential_factor`, the `field(value)` style of every builder"
    )]
    pub fn with_exponential_factor(self, factor: f64) -> Self {
        self.exponential_factor(factor)
    }

    /// Sets [`initial_backoff`](Self::initial_backoff).
    pub fn initial_backoff(mut self, delay: Duration) -> Self {
        self.initial_backoff = delay;
        self
    }

    /// Deprecated name of [`initial_backoff`](Self::initial_backoff).
    #[deprecated(
        since = "0.2.0",
        note = "renamed to `initial_backoff`, the `field(value)` style of every builder"
    )]
    pub fn with_initial_backoff(self, delay: Duration) -> Self {
        self.initial_backoff(delay)
    }

    /// Sets [`part_timeout`](Self::part_timeout).
    pub fn part_timeout(mut self, timeout: Duration) -> Self {
        self.part_timeout = Some(timeout);
        self
    }

    /// Deprecated name of [`part_timeout`](Self::part_timeout).
    #[deprecated(
        since = "0.2.0",
        note = "renamed to `part_timeout`, the `field(value)` style of every builder"
    )]
    pub fn with_part_timeout(self, timeout: Duration) -> Self {
        self.part_timeout(timeout)
    }

    /// Sets [`complete_timeout`](Self::complete_timeout).
    pub fn complete_timeout(mut self, timeout: Duration) -> Self {
        self.complete_timeout = Some(timeout);
        self
    }

    /// Deprecated name of [`complete_timeout`](Self::complete_timeout).
    #[deprecated(
        since = "0.2.0",
        note = "renamed to `complete_timeout`, the `field(value)` style of every builder"
    )]
    pub fn with_complete_timeout(self, timeout: Duration) -> Self {
        self.complete_timeout(timeout)
    }

    /// Calls `callback` after every acknowledged part.
    pub fn on_progress(mut self, callback: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(callback));
        self
    }

    /// Publishes the latest [`Progress`] on `sender` after every acknowledged part.
    pub fn progress_watch(mut self, sender: watch::Sender<Progress>) -> Self {
        self.progress_watch = Some(sender);
        self
    }

    /// Deprecated name of [`progress_watch`](Self::progress_watch).
    #[deprecated(
        since = "0.2.0",
        note = "renamed to `progress_watch`, the `field(value)` style of every builder"
    )]
    pub fn with_progress_watch(self, sender: watch::Sender<Progress>) -> Self {
        self.progress_watch(sender)
    }

    /// Checks the options; the error messages are the reference SDK's.
    pub fn validate(&self) -> Result<(), UploadError> {
        if self.chunk_size == 0 {
            return Err(invalid("Invalid chunkSize: Must be a positive integer."));
        }
        // max_retries is unsigned: the reference's "Invalid maxRetries: Must be
        // a non-negative integer." cannot happen.
        if self.concurrency == 0 {
            return Err(invalid("Invalid concurrency: Must be a positive integer."));
        }
        if !self.exponential_factor.is_finite() || self.exponential_factor < 0.0 {
            return Err(invalid(
                "Invalid exponentialFactor: Must be a positive number.",
            ));
        }
        Ok(())
    }
}

fn invalid(message: &str) -> UploadError {
    UploadError::InvalidOptions(message.to_owned())
}

impl fmt::Debug for UploadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadOptions")
            .field("chunk_size", &self.chunk_size)
            .field("max_retries", &self.max_retries)
            .field("concurrency", &self.concurrency)
            .field("exponential_factor", &self.exponential_factor)
            .field("initial_backoff", &self.initial_backoff)
            .field("part_timeout", &self.part_timeout)
            .field("complete_timeout", &self.complete_timeout)
            .field("progress", &self.progress.as_ref().map(|_| "Fn(Progress)"))
            .field("progress_watch", &self.progress_watch.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(options: UploadOptions) -> String {
        options.validate().unwrap_err().to_string()
    }

    #[test]
    fn defaults_are_the_reference_defaults() {
        let o = UploadOptions::default();
        assert_eq!(o.chunk_size, 10 * 1024 * 1024);
        assert_eq!(o.max_retries, 2);
        assert_eq!(o.concurrency, 3);
        assert_eq!(o.exponential_factor, 2.0);
        assert!(o.validate().is_ok());
    }

    #[test]
    fn invalid_values_get_the_reference_messages() {
        assert_eq!(
            message(UploadOptions::default().chunk_size(0)),
            "Invalid chunkSize: Must be a positive integer."
        );
        assert_eq!(
            message(UploadOptions::default().concurrency(0)),
            "Invalid concurrency: Must be a positive integer."
        );
        for factor in [-1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(
                message(UploadOptions::default().exponential_factor(factor)),
                "Invalid exponentialFactor: Must be a positive number."
            );
        }
        assert!(matches!(
            UploadOptions::default().chunk_size(0).validate(),
            Err(UploadError::InvalidOptions(_))
        ));
    }

    #[test]
    fn edge_values_the_reference_accepts_are_accepted() {
        // The reference checks `< 0` for the factor and `< 0` for retries.
        let o = UploadOptions::default()
            .exponential_factor(0.0)
            .max_retries(0)
            .chunk_size(1)
            .concurrency(1);
        assert!(o.validate().is_ok());
    }

    #[test]
    fn debug_shows_the_numbers_not_the_callback() {
        let o = UploadOptions::default().on_progress(|_| {});
        let text = format!("{o:?}");
        assert!(text.contains("chunk_size: 10485760"), "{text}");
        assert!(text.contains("Fn(Progress)"), "{text}");
    }
}

//! How an upload runs: chunk size, concurrency, retries and progress reporting.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use pixelbin_http::RetryPolicy;

use tokio::sync::watch;

use crate::error::UploadError;
use crate::path_estimate::PathMemory;
use crate::progress::Progress;

/// A progress callback: called after every acknowledged part (keep it quick,
/// it runs on the upload's task).
pub type ProgressCallback = Arc<dyn Fn(Progress) + Send + Sync>;

/// Default size of a part with [`ConcurrencyMode::Fixed`]: 10 MiB, as the reference SDK.
pub const DEFAULT_CHUNK_SIZE: usize = 10 * 1024 * 1024;
/// Default size of a part with [`ConcurrencyMode::Auto`]: 512 KiB, within the
/// reference's recommended chunk sizes (500 KB to 1 MB on 4G). Small parts
/// make each measuring round short, so the concurrency finds the link within
/// the first second, and the last parts leave little of the link idle.
pub const AUTO_CHUNK_SIZE: usize = 512 * 1024;
/// Default number of retries of a failed part (so at most 3 attempts).
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// Parts in flight at once with [`ConcurrencyMode::Fixed`] when the reference's
/// default is wanted (`concurrency` 3).
pub const DEFAULT_CONCURRENCY: usize = 3;
/// Default memory budget of [`ConcurrencyMode::Auto`]: 128 MiB of parts in
/// flight and read ahead.
pub const DEFAULT_MEMORY_BUDGET: usize = 128 * 1024 * 1024;
/// Most parts (and so connections) [`ConcurrencyMode::Auto`] keeps in flight,
/// whatever the memory budget allows: enough to fill 512 Mbit/s over a 200 ms
/// path with 32 Mbit/s connections, without opening hundreds of connections
/// to one server.
pub const MAX_AUTO_PARTS: usize = 64;
/// A signed-URL request answered within this tells a short path (the same
/// host, a LAN): see [`UploadOptions::chunk_size_on_path`].
pub const SHORT_PATH_ROUND_TRIP: Duration = Duration::from_millis(10);
/// Most parts an upload may have (the storage service's multipart limit).
pub const MAX_PARTS: u64 = 10_000;
/// How long opening a FIFO waits for a process to write to it.
pub const DEFAULT_OPEN_TIMEOUT: Duration = pixelbin_http::local_file::DEFAULT_FIFO_OPEN_TIMEOUT;
/// Default growth factor of the delay between retries.
pub const DEFAULT_EXPONENTIAL_FACTOR: f64 = 2.0;
/// Default delay before the first retry (the reference's base delay).
pub const DEFAULT_INITIAL_BACKOFF: Duration = Duration::from_secs(1);
/// Least time allowed for the completion request, which makes the server
/// assemble the whole file (see [`UploadOptions::complete_timeout`]).
pub const MIN_COMPLETE_TIMEOUT: Duration = Duration::from_secs(300);
/// Longest delay between two attempts of a part (the reference's cap).
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// How many parts are in flight at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConcurrencyMode {
    /// Adapts to the network (the default): starts with a few parts, adds
    /// more while the aggregate throughput keeps rising, backs off when it
    /// stops rising, never beyond [`UploadOptions::memory_budget`]. See
    /// the `concurrency` module documentation of [`crate::Uploader`] for the rules.
    #[default]
    Auto,
    /// Exactly this many parts in flight (the reference's `concurrency`).
    /// Must be positive.
    Fixed(usize),
}

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
    /// Size of each part in bytes (`chunkSize`). Must be positive.
    ///
    /// `None` (the default) is [`AUTO_CHUNK_SIZE`] (512 KiB) with automatic
    /// concurrency ([`DEFAULT_CHUNK_SIZE`] for a source of known length when
    /// the API answers within [`SHORT_PATH_ROUND_TRIP`], see
    /// [`chunk_size_on_path`](Self::chunk_size_on_path)), [`DEFAULT_CHUNK_SIZE`]
    /// (10 MiB) with a fixed one, grown
    /// for a source of known length that would need more than [`MAX_PARTS`]
    /// parts (to the smallest whole MiB that fits). A size set here is never changed: an upload that would
    /// need more than [`MAX_PARTS`] parts with it is refused before any request.
    pub chunk_size: Option<usize>,
    /// Retries of a part (and of the completion request) after a retryable
    /// failure (`maxRetries`, default 2). A 4xx answer other than 408/429 is
    /// never retried.
    pub max_retries: u32,
    /// Parts in flight at once (default [`ConcurrencyMode::Auto`]).
    pub concurrency: ConcurrencyMode,
    /// Most bytes of the source held at once by [`ConcurrencyMode::Auto`]:
    /// parts in flight (hedges included) times the chunk size, plus the
    /// chunk read ahead. Default [`DEFAULT_MEMORY_BUDGET`]; at least two
    /// chunks are always allowed.
    pub memory_budget: usize,
    /// Sends a part a second time, on another connection, when it takes more
    /// than three times the median time of the parts finished so far (and at least a second); the
    /// first answer wins (a part PUT is idempotent). At most one hedge per
    /// part, within the memory budget. Default `true`.
    pub hedge: bool,
    /// The delay bound before retry `n` (from 0) is `initial_backoff * exponential_factor^n`,
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
    /// Where [`Uploader::upload`](crate::Uploader::upload) and
    /// [`Uploader::resume`](crate::Uploader::resume) keep the
    /// [`ResumeState`](crate::ResumeState) as parts are acknowledged (written
    /// atomically, at most every 100 ms and at the end), so another
    /// process can finish the upload after a crash. Removed when the upload
    /// completes.
    pub state_file: Option<PathBuf>,
    /// How long opening a FIFO source waits for a writer (default
    /// [`DEFAULT_OPEN_TIMEOUT`]).
    pub open_timeout: Duration,
    /// Where [`ConcurrencyMode::Auto`] starts: from 3 parts in flight ([`PathMemory::Off`], the
    /// default), or from what an earlier upload to the same host showed, kept in a cache file
    /// ([`PathMemory::File`], [`PathMemory::user_cache`]) or given ([`PathMemory::Given`]).
    /// A large upload over a long path then skips the ramp.
    pub path_memory: PathMemory,
    /// Called after every acknowledged part.
    pub progress: Option<ProgressCallback>,
    /// Receives the latest [`Progress`] after every acknowledged part.
    pub progress_watch: Option<watch::Sender<Progress>>,
}

impl Default for UploadOptions {
    fn default() -> Self {
        UploadOptions {
            chunk_size: None,
            max_retries: DEFAULT_MAX_RETRIES,
            concurrency: ConcurrencyMode::Auto,
            memory_budget: DEFAULT_MEMORY_BUDGET,
            hedge: true,
            state_file: None,
            open_timeout: DEFAULT_OPEN_TIMEOUT,
            exponential_factor: DEFAULT_EXPONENTIAL_FACTOR,
            initial_backoff: DEFAULT_INITIAL_BACKOFF,
            part_timeout: None,
            complete_timeout: None,
            path_memory: PathMemory::Off,
            progress: None,
            progress_watch: None,
        }
    }
}

impl UploadOptions {
    /// Sets [`chunk_size`](Self::chunk_size).
    pub fn chunk_size(mut self, bytes: usize) -> Self {
        self.chunk_size = Some(bytes);
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

    /// Sets a fixed number of parts in flight ([`ConcurrencyMode::Fixed`]).
    pub fn concurrency(mut self, parts: usize) -> Self {
        self.concurrency = ConcurrencyMode::Fixed(parts);
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

    /// Sets [`concurrency`](Self::concurrency) (automatic or fixed).
    pub fn concurrency_mode(mut self, mode: ConcurrencyMode) -> Self {
        self.concurrency = mode;
        self
    }

    /// Sets [`memory_budget`](Self::memory_budget).
    pub fn memory_budget(mut self, bytes: usize) -> Self {
        self.memory_budget = bytes;
        self
    }

    /// Sets [`hedge`](Self::hedge).
    pub fn hedge(mut self, yes: bool) -> Self {
        self.hedge = yes;
        self
    }

    /// Sets [`state_file`](Self::state_file).
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Sets [`open_timeout`](Self::open_timeout).
    pub fn open_timeout(mut self, timeout: Duration) -> Self {
        self.open_timeout = timeout;
        self
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

    /// Sets [`path_memory`](Self::path_memory).
    pub fn path_memory(mut self, memory: PathMemory) -> Self {
        self.path_memory = memory;
        self
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
        if self.chunk_size == Some(0) {
            return Err(invalid("Invalid chunkSize: Must be a positive integer."));
        }
        // max_retries is unsigned: the reference's "Invalid maxRetries: Must be
        // a non-negative integer." cannot happen.
        if self.concurrency == ConcurrencyMode::Fixed(0) {
            return Err(invalid("Invalid concurrency: Must be a positive integer."));
        }
        if !self.exponential_factor.is_finite() || self.exponential_factor < 0.0 {
            return Err(invalid(
                "Invalid exponentialFactor: Must be a positive number.",
            ));
        }
        Ok(())
    }

    /// The chunk size for a source of `len` bytes (when known): the one set,
    /// or the default grown so the upload fits in [`MAX_PARTS`] parts.
    ///
    /// ```
    /// use pixelbin_upload::{UploadOptions, AUTO_CHUNK_SIZE, DEFAULT_CHUNK_SIZE};
    ///
    /// let auto = UploadOptions::default();
    /// assert_eq!(auto.chunk_size_for(Some(1 << 30)).unwrap(), AUTO_CHUNK_SIZE);
    /// let fixed = UploadOptions::default().concurrency(3);
    /// assert_eq!(fixed.chunk_size_for(Some(1 << 30)).unwrap(), DEFAULT_CHUNK_SIZE);
    /// // 200 GiB needs parts of 21 MiB to stay within 10,000 parts.
    /// assert_eq!(auto.chunk_size_for(Some(200 << 30)).unwrap(), 21 << 20);
    /// // A chunk size that was set is honoured or refused, never changed.
    /// let err = UploadOptions::default().chunk_size(1).chunk_size_for(Some(10_001)).unwrap_err();
    /// assert!(err.to_string().contains("10001 parts"), "{err}");
    /// ```
    pub fn chunk_size_for(&self, len: Option<u64>) -> Result<usize, UploadError> {
        match (self.chunk_size, len) {
            (Some(size), Some(len)) => {
                let parts = len.div_ceil(size.max(1) as u64);
                if parts > MAX_PARTS {
                    return Err(UploadError::InvalidOptions(format!(
                        "Invalid chunkSize: {size} bytes would cut this {len}-byte source into \
                         {parts} parts, more than the {MAX_PARTS} allowed; use a chunk size of \
                         at least {} bytes, or leave it unset to have it chosen",
                        len.div_ceil(MAX_PARTS)
                    )));
                }
                Ok(size)
            }
            (Some(size), None) => Ok(size),
            (None, len) => grown_to_fit(self.unset_chunk_size(), len),
        }
    }

    /// The chunk size once the round trip of the signed-URL request is known:
    /// as [`chunk_size_for`](Self::chunk_size_for), except that an unset
    /// chunk size with [`ConcurrencyMode::Auto`] is [`DEFAULT_CHUNK_SIZE`]
    /// when the API answered within [`SHORT_PATH_ROUND_TRIP`].
    ///
    /// Small parts pay on a long path, where the concurrency must find the
    /// link within a few rounds of one part each. On a short one (the same
    /// host, a LAN) a round is quick whatever the part size, and each
    /// request's own cost is what limits the upload, so fewer, larger parts
    /// do better.
    ///
    /// ```
    /// use std::time::Duration;
    /// use pixelbin_upload::{UploadOptions, AUTO_CHUNK_SIZE, DEFAULT_CHUNK_SIZE};
    ///
    /// let auto = UploadOptions::default();
    /// let far = auto.chunk_size_on_path(Some(1 << 30), Duration::from_millis(60)).unwrap();
    /// assert_eq!(far, AUTO_CHUNK_SIZE);
    /// let near = auto.chunk_size_on_path(Some(1 << 30), Duration::from_millis(2)).unwrap();
    /// assert_eq!(near, DEFAULT_CHUNK_SIZE);
    /// ```
    pub fn chunk_size_on_path(
        &self,
        len: Option<u64>,
        round_trip: Duration,
    ) -> Result<usize, UploadError> {
        match self.chunk_size {
            None => grown_to_fit(self.unset_chunk_size_on_path(round_trip), len),
            Some(_) => self.chunk_size_for(len),
        }
    }

    /// Whether `chunk_size`, chosen after a signed-URL round trip of `round_trip`, was grown
    /// from the default to fit [`MAX_PARTS`] (never a chunk size that was set).
    pub(crate) fn chunk_grown(&self, chunk_size: usize, round_trip: Duration) -> bool {
        self.chunk_size.is_none() && chunk_size > self.unset_chunk_size_on_path(round_trip)
    }

    /// The chunk size when none is set, once the signed-URL round trip is known, before any
    /// growth: [`DEFAULT_CHUNK_SIZE`] with [`ConcurrencyMode::Auto`] on a short path.
    pub(crate) fn unset_chunk_size_on_path(&self, round_trip: Duration) -> usize {
        let short = PathKind::from_round_trip(round_trip) == PathKind::Short;
        match self.concurrency {
            ConcurrencyMode::Auto if short => DEFAULT_CHUNK_SIZE,
            _ => self.unset_chunk_size(),
        }
    }

    /// The chunk size when none is set, before any growth.
    pub(crate) fn unset_chunk_size(&self) -> usize {
        match self.concurrency {
            ConcurrencyMode::Auto => AUTO_CHUNK_SIZE,
            ConcurrencyMode::Fixed(_) => DEFAULT_CHUNK_SIZE,
        }
    }

    /// The retry policy of part and completion requests: the transport's
    /// deadline with these options' `max_retries`, `initial_backoff` and
    /// `exponential_factor` (what is retried is `pixelbin_http::retry`'s table).
    pub(crate) fn retry_policy(&self, base: &RetryPolicy) -> RetryPolicy {
        RetryPolicy {
            max_retries: self.max_retries,
            initial_backoff: self.initial_backoff,
            exponential_factor: self.exponential_factor,
            max_backoff: MAX_BACKOFF,
            retry_deadline: base.retry_deadline.max(MAX_BACKOFF * 2),
        }
    }
}

/// What the round trip of the signed-URL request tells about the path to the
/// service (the one place that tells them apart).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PathKind {
    /// Answered within [`SHORT_PATH_ROUND_TRIP`]: the same host or a LAN,
    /// where a few connections carry all there is and each request's own
    /// cost is the limit.
    Short,
    /// Anything slower, or not measured (a resumed upload): a path where one
    /// connection may carry far less than the link.
    Long,
}

impl PathKind {
    pub(crate) fn from_round_trip(round_trip: Duration) -> PathKind {
        if round_trip < SHORT_PATH_ROUND_TRIP {
            PathKind::Short
        } else {
            PathKind::Long
        }
    }
}

/// `base`, grown to the smallest whole MiB that cuts `len` bytes into at most
/// [`MAX_PARTS`] parts.
fn grown_to_fit(base: usize, len: Option<u64>) -> Result<usize, UploadError> {
    const MIB: u64 = 1024 * 1024;
    let Some(len) = len.filter(|len| len.div_ceil(base.max(1) as u64) > MAX_PARTS) else {
        return Ok(base);
    };
    let least = len.div_ceil(MAX_PARTS).div_ceil(MIB) * MIB;
    usize::try_from(least.max(base as u64)).map_err(|_| {
        UploadError::InvalidOptions(format!(
            "the source of {len} bytes is too large to upload in {MAX_PARTS} parts"
        ))
    })
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
            .field("memory_budget", &self.memory_budget)
            .field("hedge", &self.hedge)
            .field("state_file", &self.state_file)
            .field("open_timeout", &self.open_timeout)
            .field("exponential_factor", &self.exponential_factor)
            .field("initial_backoff", &self.initial_backoff)
            .field("part_timeout", &self.part_timeout)
            .field("complete_timeout", &self.complete_timeout)
            .field("path_memory", &self.path_memory)
            .field("progress", &self.progress.as_ref().map(|_| "Fn(Progress)"))
            .field("progress_watch", &self.progress_watch.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_is_reported_only_for_a_chosen_chunk_size() {
        let far = Duration::from_millis(80);
        let near = Duration::from_millis(1);
        let auto = UploadOptions::default();
        let huge = Some(200u64 << 30);
        let grown = auto.chunk_size_on_path(huge, far).unwrap();
        assert!(auto.chunk_grown(grown, far), "{grown}");
        let small = auto.chunk_size_on_path(Some(1 << 30), far).unwrap();
        assert!(!auto.chunk_grown(small, far));
        let near_size = auto.chunk_size_on_path(Some(1 << 30), near).unwrap();
        assert_eq!(near_size, DEFAULT_CHUNK_SIZE);
        assert!(
            !auto.chunk_grown(near_size, near),
            "the short path's size is no growth"
        );
        let set = UploadOptions::default().chunk_size(64 << 20);
        assert!(!set.chunk_grown(64 << 20, far));
    }

    fn message(options: UploadOptions) -> String {
        options.validate().unwrap_err().to_string()
    }

    #[test]
    fn defaults_are_the_reference_defaults() {
        let o = UploadOptions::default();
        assert_eq!(o.chunk_size_for(Some(1)).unwrap(), 512 * 1024);
        let fixed = UploadOptions::default().concurrency(3);
        assert_eq!(fixed.chunk_size_for(Some(1)).unwrap(), 10 * 1024 * 1024);
        assert_eq!(o.max_retries, 2);
        assert_eq!(o.concurrency, ConcurrencyMode::Auto);
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
    fn more_than_max_parts_grows_an_unset_chunk_size_and_refuses_a_set_one() {
        let mib = 1024 * 1024;
        let auto = UploadOptions::default().concurrency(3);
        // Exactly 10,000 parts of 10 MiB fit; one byte more grows the chunk to 11 MiB.
        let limit = MAX_PARTS * DEFAULT_CHUNK_SIZE as u64;
        assert_eq!(
            auto.chunk_size_for(Some(limit)).unwrap(),
            DEFAULT_CHUNK_SIZE
        );
        assert_eq!(auto.chunk_size_for(Some(limit + 1)).unwrap(), 11 * mib);
        assert_eq!(auto.chunk_size_for(None).unwrap(), DEFAULT_CHUNK_SIZE);
        // Automatic concurrency: small parts, kept for anything that fits in
        // 10,000 of them, then whole MiB.
        let adaptive = UploadOptions::default();
        let limit = MAX_PARTS * AUTO_CHUNK_SIZE as u64;
        for len in [1, 10 * mib as u64, limit] {
            assert_eq!(adaptive.chunk_size_for(Some(len)).unwrap(), AUTO_CHUNK_SIZE);
        }
        assert_eq!(adaptive.chunk_size_for(Some(limit + 1)).unwrap(), mib);
        // On a short path, the fixed default, grown the same way.
        let near = Duration::from_millis(1);
        let far = SHORT_PATH_ROUND_TRIP;
        assert_eq!(
            adaptive.chunk_size_on_path(Some(limit), near).unwrap(),
            DEFAULT_CHUNK_SIZE
        );
        assert_eq!(
            adaptive.chunk_size_on_path(Some(limit), far).unwrap(),
            AUTO_CHUNK_SIZE
        );
        let huge = MAX_PARTS * DEFAULT_CHUNK_SIZE as u64 + 1;
        assert_eq!(
            adaptive.chunk_size_on_path(Some(huge), near).unwrap(),
            11 * mib
        );
        // A size that was set, or a fixed concurrency, ignores the path.
        let set = UploadOptions::default().chunk_size(mib);
        assert_eq!(set.chunk_size_on_path(Some(limit), near).unwrap(), mib);
        let fixed = UploadOptions::default().concurrency(3);
        assert_eq!(
            fixed.chunk_size_on_path(Some(limit), far).unwrap(),
            DEFAULT_CHUNK_SIZE
        );
        let set = UploadOptions::default().chunk_size(10);
        assert_eq!(set.chunk_size_for(Some(100_000)).unwrap(), 10);
        let err = set.chunk_size_for(Some(100_001)).unwrap_err();
        assert!(matches!(err, UploadError::InvalidOptions(_)));
        let text = err.to_string();
        assert!(
            text.contains("10001 parts") && text.contains("at least 11 bytes"),
            "{text}"
        );
    }

    #[test]
    fn part_retries_use_the_options_and_the_reference_factor() {
        let o = UploadOptions::default()
            .max_retries(4)
            .exponential_factor(3.0)
            .initial_backoff(Duration::from_millis(100));
        let policy = o.retry_policy(&RetryPolicy::default());
        assert_eq!(policy.max_retries, 4);
        assert_eq!(policy.backoff_ceiling(2), Duration::from_millis(900));
        assert_eq!(policy.max_backoff, MAX_BACKOFF);
    }

    #[test]
    fn debug_shows_the_numbers_not_the_callback() {
        let o = UploadOptions::default().on_progress(|_| {});
        let text = format!("{o:?}");
        assert!(text.contains("chunk_size: None"), "{text}");
        assert!(text.contains("Fn(Progress)"), "{text}");
    }
}

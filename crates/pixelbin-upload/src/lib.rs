//! Signed multipart upload to [Pixelbin](https://www.pixelbin.io) of files of
//! any size, with bounded memory, retries, progress and resume.
//!
//! An upload takes three steps (as the reference SDK's `uploader.upload`):
//! a presigned URL is requested (signed-url v2), the data is sent in parts of
//! `chunk_size` bytes to that URL, and the upload is completed, which returns
//! the stored [`FileObject`].
//!
//! - **Any source**: bytes in memory, a file on disk, or any `AsyncRead`
//!   ([`UploadSource`]). Files and readers are read one chunk at a time.
//! - **Fills the link by default**: [`ConcurrencyMode::Auto`] sends 512 KiB
//!   parts, starts with 3 in flight and adds more while the aggregate
//!   throughput keeps rising (long paths cap each connection far below the
//!   link), settling with headroom when it stops rising and backing off when
//!   parts fail or are throttled; [`ConcurrencyMode::Fixed`] is the reference's
//!   `concurrency`. A new part starts as soon as one finishes (the reference
//!   waits for the slowest part of each wave).
//! - **Bounded memory**: at most [`UploadOptions::memory_budget`] (128 MiB)
//!   of the source in memory with `Auto`, `chunk_size * (n + 1)` with
//!   `Fixed(n)`, whatever its size.
//! - **Slow parts hedged**: a part taking three times the median part time is
//!   sent again on another connection; the first answer wins.
//! - **Limits up front**: more than [`MAX_PARTS`] parts grow an unset chunk
//!   size, and refuse a set one before any request.
//! - **Retries** per part through `pixelbin_http::retry` (exponential backoff
//!   with jitter, `Retry-After`, never on a 4xx other than 408/429). A part
//!   that still fails stops the upload and the error names it.
//! - **Sources that change are caught**: a file rewritten during the upload
//!   fails with [`UploadError::SourceChanged`] instead of storing mixed bytes.
//! - **Progress** through a callback or a `tokio::sync::watch` channel
//!   ([`Progress`]).
//! - **Resume**: a failed upload's error carries a [`ResumeState`];
//!   [`Uploader::resume`] sends only the missing parts, then completes. With
//!   [`UploadOptions::state_file`] the state is kept on disk as parts are
//!   acknowledged, so another process can finish after a crash.
//!
//! # Example
//!
//! ```no_run
//! use pixelbin_http::{PixelbinConfig, Transport};
//! use pixelbin_upload::{Access, UploadOptions, UploadRequest, UploadSource, Uploader};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let transport = Transport::new(PixelbinConfig::from_env()?)?;
//! let uploader = Uploader::new(transport);
//!
//! let options = UploadOptions::default()
//!     .chunk_size(8 * 1024 * 1024)
//!     .concurrency(4)
//!     .on_progress(|p| {
//!         if let Some(f) = p.fraction() {
//!             eprintln!("{:.0}%", f * 100.0);
//!         }
//!     });
//! let file = uploader
//!     .upload(
//!         UploadSource::from_path("catalogue/shoe.jpeg"),
//!         UploadRequest::new()
//!             .name("shoe")
//!             .path("catalogue")
//!             .access(Access::PublicRead)
//!             .tags(["shoes"]),
//!         options,
//!     )
//!     .await?;
//! println!("{}", file.url.as_deref().unwrap_or(""));
//!
//! // Any async reader, with or without a known length:
//! let stdin = tokio::io::stdin();
//! let file = uploader
//!     .upload(
//!         UploadSource::from_reader(stdin, None),
//!         UploadRequest::new().name("from-stdin"),
//!         UploadOptions::default(),
//!     )
//!     .await?;
//! # let _ = file;
//! # Ok(()) }
//! ```
//!
//! # Errors and resume
//!
//! ```no_run
//! # use pixelbin_upload::{UploadError, UploadOptions, UploadRequest, UploadSource, Uploader};
//! # async fn demo(uploader: Uploader, data: bytes::Bytes) -> Result<(), UploadError> {
//! match uploader
//!     .upload(data.clone().into(), UploadRequest::new(), UploadOptions::default())
//!     .await
//! {
//!     Ok(file) => println!("stored {:?}", file.file_id),
//!     Err(UploadError::Part { part_number, source, resume, .. }) => {
//!         eprintln!("part {part_number} failed: {source}");
//!         // Parts already acknowledged are not sent again.
//!         uploader.resume(data.into(), *resume, UploadOptions::default()).await?;
//!     }
//!     Err(other) => return Err(other),
//! }
//! # Ok(()) }
//! ```
//!
//! # Mapping from the reference SDK
//!
//! | Python (`pixelbin==4.3.0`)            | Rust                                   |
//! |---------------------------------------|----------------------------------------|
//! | `pixelbin.uploader.upload(file, ...)` | [`Uploader::upload`]                   |
//! | `file` (`bytes` / file object)        | [`UploadSource`]                       |
//! | `name`, `path`, ..., `expiry`         | [`UploadRequest`]                      |
//! | `uploadOptions` `chunkSize`, `maxRetries`, `concurrency`, `exponentialFactor` | [`UploadOptions`] |
//! | returned `dict`                       | [`FileObject`]                       |
//! | `PixelbinIllegalArgumentError`        | [`UploadError::InvalidOptions`]        |

mod concurrency;
mod direct;
mod error;
mod flight;
mod many;
mod options;
mod path_estimate;
mod progress;
mod report;
mod request;
mod resume;
mod source;
mod uploader;
mod window;
mod wire;

pub use error::UploadError;
pub use flight::{MAX_FILES_IN_FLIGHT, START_FILES};
pub use many::{ManyOptions, ONE_REQUEST_MAX, TreeFile, UploadItem, UploadStream, files_under};
pub use options::{
    AUTO_CHUNK_SIZE, ConcurrencyMode, DEFAULT_CHUNK_SIZE, DEFAULT_CONCURRENCY,
    DEFAULT_EXPONENTIAL_FACTOR, DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_RETRIES,
    DEFAULT_MEMORY_BUDGET, DEFAULT_OPEN_TIMEOUT, MAX_AUTO_PARTS, MAX_BACKOFF, MAX_PARTS,
    MIN_COMPLETE_TIMEOUT, ProgressCallback, SHORT_PATH_ROUND_TRIP, UploadOptions,
};
/// The access level of an asset (shared with `pixelbin-platform`, defined in `pixelbin-http`).
pub use pixelbin_http::model::Access;
/// The stored file the completion request answers with (defined in `pixelbin_http::model`,
/// shared with `pixelbin-platform`).
pub use pixelbin_http::model::FileObject;
/// The service's naming rules (defined in `pixelbin_http::naming`, shared with the emulator):
/// a local file's default name and format, the stored name, the folder check.
pub use pixelbin_http::naming::{
    NameError, check_folder, default_format, default_name, stored_name,
};
/// Former name of [`FileObject`].
#[deprecated(
    since = "0.2.0",
    note = "renamed to `FileObject`, the one name of a stored file"
)]
pub type UploadedFile = FileObject;
pub use path_estimate::{PathEstimate, PathMemory};
pub use progress::Progress;
pub use report::{Route, UploadReport, Uploaded};
pub use request::UploadRequest;
pub use resume::{PresignedUrl, ResumeState};
pub use source::UploadSource;
pub use uploader::Uploader;

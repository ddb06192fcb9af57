//! [`Uploader`]: the entry point tying the steps together.

use std::fmt;

use pixelbin_http::Transport;

use crate::FileObject;
use crate::error::UploadError;
use crate::options::{ConcurrencyMode, PathKind, UploadOptions};
use crate::progress::Tracker;
use crate::report::{Route, UploadReport, Uploaded};
use crate::request::UploadRequest;
use crate::resume::ResumeState;
use crate::source::{Changed, ChunkReader, UploadSource};
use crate::window::{self, Plan, WindowError};
use crate::wire::{self, PresignedTarget};

/// Uploads files of any size to Pixelbin with signed multipart upload.
///
/// Cheap to clone (it holds a [`Transport`], which shares one connection pool).
///
/// ```no_run
/// use pixelbin_http::{PixelbinConfig, Transport};
/// use pixelbin_upload::{Access, UploadOptions, UploadRequest, UploadSource, Uploader};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let uploader = Uploader::new(Transport::new(PixelbinConfig::from_env()?)?);
/// let file = uploader
///     .upload(
///         UploadSource::from_path("launch.mp4"),
///         UploadRequest::new().name("launch").path("videos").access(Access::PublicRead),
///         UploadOptions::default(),
///     )
///     .await?;
/// println!("stored at {}", file.url.unwrap_or_default());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Uploader {
    transport: Transport,
}

impl fmt::Debug for Uploader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Uploader")
            .field("domain", &self.transport.config().domain().as_str())
            .finish_non_exhaustive()
    }
}

impl Uploader {
    /// An uploader sending through `transport`.
    pub fn new(transport: Transport) -> Self {
        Uploader { transport }
    }

    /// The transport requests go through.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Uploads `source` as the file described by `request`.
    ///
    /// A [`UploadSource::from_path`] source fills the request's unset `name` and `format` from
    /// the file name, as the CLI does.
    ///
    /// Invalid `options`, an unknown [`Access::Other`](crate::Access::Other)
    /// level, an empty source and a source that would need more than
    /// [`MAX_PARTS`](crate::MAX_PARTS) parts with a chunk size that was set
    /// are refused before any request (an unset chunk size grows instead; see
    /// [`UploadOptions::chunk_size_for`]).
    /// Then a presigned URL is requested (how quickly it comes back picks an
    /// unset chunk size, [`UploadOptions::chunk_size_on_path`]), the parts are sent (as many at once
    /// as [`UploadOptions::concurrency`] allows, each retried per the options)
    /// and the upload is completed.
    ///
    /// On failure after the presigned URL was obtained, the error carries a
    /// [`ResumeState`] ([`UploadError::resume_state`]) for [`Uploader::resume`];
    /// with [`UploadOptions::state_file`] it is also kept on disk as parts
    /// are acknowledged. Dropping the returned future stops the upload:
    /// requests in flight are abandoned and no further part is sent.
    pub async fn upload(
        &self,
        source: UploadSource,
        request: UploadRequest,
        options: UploadOptions,
    ) -> Result<FileObject, UploadError> {
        self.upload_with_report(source, request, options)
            .await
            .map(|uploaded| uploaded.file)
    }

    /// [`upload`](Self::upload), returning with the file how its upload went: the part size
    /// (and whether it was grown to fit), the parts in flight, the route.
    ///
    /// ```no_run
    /// # use pixelbin_upload::{UploadOptions, UploadRequest, UploadSource, Uploader};
    /// # async fn demo(uploader: Uploader) -> Result<(), pixelbin_upload::UploadError> {
    /// let uploaded = uploader
    ///     .upload_with_report(
    ///         UploadSource::from_path("launch.mp4"),
    ///         UploadRequest::new(),
    ///         UploadOptions::default(),
    ///     )
    ///     .await?;
    /// let report = uploaded.report;
    /// eprintln!(
    ///     "{} parts of {} bytes, at most {} at once",
    ///     report.parts, report.chunk_size, report.peak_parts_in_flight
    /// );
    /// # Ok(()) }
    /// ```
    pub async fn upload_with_report(
        &self,
        source: UploadSource,
        request: UploadRequest,
        options: UploadOptions,
    ) -> Result<Uploaded, UploadError> {
        options.validate()?;
        let request = match &source {
            UploadSource::Path(path) => request.defaults_from_file(path),
            _ => request,
        };
        request
            .validate()
            .map_err(|e| UploadError::InvalidOptions(e.to_string()))?;
        let mut reader = open(source, &options).await?;
        let chunk_size = options.chunk_size_for(reader.total_len())?;
        reader.set_chunk_size(chunk_size);
        if reader.is_empty().await.map_err(source_error(None))? {
            return Err(UploadError::EmptySource);
        }
        let asked = tokio::time::Instant::now();
        let presigned = wire::create_signed_url(&self.transport, &request).await?;
        let round_trip = asked.elapsed();
        // A source of unknown length may already hold its first chunk (read to
        // tell it from an empty one): its chunk size stays.
        let chunk_size = match reader.total_len() {
            Some(len) => options.chunk_size_on_path(Some(len), round_trip)?,
            None => chunk_size,
        };
        reader.set_chunk_size(chunk_size);
        let grown = options.chunk_grown(chunk_size, round_trip);
        // Only the origin: the presigned URL's path and query carry its signature.
        let origin = crate::resume::parse_presigned(&presigned)?
            .origin()
            .ascii_serialization();
        let mut state = ResumeState::new(presigned, chunk_size);
        state.set_expiry(request.expiry.unwrap_or(DEFAULT_EXPIRY_SECS));
        state.source_len = reader.total_len();
        state.source_modified_ns = reader.stamp().and_then(|s| s.modified_ns);
        let path = PathKind::from_round_trip(round_trip);
        let memory = PathLearning {
            // A fixed concurrency has nothing to start from.
            estimate: (options.concurrency == ConcurrencyMode::Auto)
                .then(|| options.path_memory.recall(&origin))
                .flatten()
                .filter(|e| e.fits(chunk_size, Some(round_trip))),
            origin,
            round_trip,
        };
        let mut uploaded = self
            .finish(&mut reader, state, &options, path, Some(memory))
            .await?;
        uploaded.report.chunk_grown = grown;
        Ok(uploaded)
    }

    /// Finishes an interrupted upload: sends the parts `state` does not list
    /// as acknowledged, then completes it.
    ///
    /// `source` must hold the same data as the first attempt; parts are cut
    /// with `state.chunk_size` (`options.chunk_size` is not used). Fails with
    /// [`UploadError::InvalidState`] before any request when the state does
    /// not fit the source (another length, or a file modified since).
    ///
    /// ```no_run
    /// # use pixelbin_upload::{UploadOptions, UploadRequest, UploadSource, Uploader};
    /// # async fn demo(uploader: Uploader) -> Result<(), pixelbin_upload::UploadError> {
    /// let path = "backup.tar";
    /// let result = uploader
    ///     .upload(UploadSource::from_path(path), UploadRequest::new(), UploadOptions::default())
    ///     .await;
    /// let file = match result {
    ///     Ok(file) => file,
    ///     Err(err) => match err.into_resume_state() {
    ///         // Later (before the URL expires), send only what is missing.
    ///         Some(state) => {
    ///             uploader
    ///                 .resume(UploadSource::from_path(path), state, UploadOptions::default())
    ///                 .await?
    ///         }
    ///         None => return Ok(()),
    ///     },
    /// };
    /// # let _ = file; Ok(()) }
    /// ```
    pub async fn resume(
        &self,
        source: UploadSource,
        state: ResumeState,
        options: UploadOptions,
    ) -> Result<FileObject, UploadError> {
        self.resume_with_report(source, state, options)
            .await
            .map(|uploaded| uploaded.file)
    }

    /// [`resume`](Self::resume), returning with the file how its upload went
    /// ([`Uploader::upload_with_report`]).
    pub async fn resume_with_report(
        &self,
        source: UploadSource,
        mut state: ResumeState,
        options: UploadOptions,
    ) -> Result<Uploaded, UploadError> {
        options.validate()?;
        state.check(source.len())?;
        let mut reader = open(source, &options).await?;
        reader.set_chunk_size(state.chunk_size);
        state.check(reader.total_len())?;
        if let (Some(then), Some(now)) = (state.source_modified_ns, reader.stamp())
            && now.modified_ns != Some(then)
        {
            return Err(UploadError::InvalidState(
                "the file was modified since the interrupted upload; upload it afresh".to_owned(),
            ));
        }
        if reader.is_empty().await.map_err(source_error(None))? {
            return Err(UploadError::EmptySource);
        }
        // No request measured the path: assume a long one, and learn nothing of it.
        self.finish(&mut reader, state, &options, PathKind::Long, None)
            .await
    }

    /// Steps 2 and 3 for a presigned URL.
    async fn finish(
        &self,
        reader: &mut ChunkReader,
        state: ResumeState,
        options: &UploadOptions,
        path: PathKind,
        learning: Option<PathLearning>,
    ) -> Result<Uploaded, UploadError> {
        let target = PresignedTarget::new(&self.transport, &state.presigned_url, options)?;
        let mut tracker = Tracker::new(options)
            .with_acknowledged(&state.acknowledged_parts, state.acknowledged_bytes);
        if let Some(path) = &options.state_file {
            tracker.keep_state_in(path.clone(), state.clone())?;
        }
        tracker.set_chunk_size(state.chunk_size);
        let _ = tracker.set_totals(reader.total_len(), reader.total_parts());
        tracker.publish();

        let mut plan = Plan::new(options, state.chunk_size, path);
        plan.estimate = learning.as_ref().and_then(|l| l.estimate);
        let outcome = window::run(&target, reader, &mut tracker, plan).await;
        let saved = tracker.save_state(true);
        let snapshot = |tracker: &Tracker, reader: &ChunkReader| {
            Box::new(ResumeState {
                acknowledged_parts: tracker.acknowledged(),
                acknowledged_bytes: tracker.bytes_acknowledged(),
                source_len: reader.total_len().or(state.source_len),
                ..state.clone()
            })
        };
        let ran = match outcome {
            Ok(ran) => ran,
            Err(WindowError::Part { part_number, error }) => {
                return Err(UploadError::Part {
                    part_number,
                    source: Box::new(error),
                    resume: snapshot(&tracker, reader),
                });
            }
            Err(WindowError::Source(source)) => {
                return Err(source_failure(source, Some(snapshot(&tracker, reader))));
            }
        };
        saved?;

        // The window only returns Ok once the source is exhausted, so the
        // number of parts is known; check the acknowledged parts are exactly
        // 1..=N rather than complete a file with a hole or with extra parts.
        let acknowledged = tracker.acknowledged();
        let parts = reader
            .total_parts()
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(u32::MAX);
        if acknowledged.last().is_some_and(|&last| last > parts) {
            return Err(UploadError::InvalidState(format!(
                "the source has {parts} parts but part {} was acknowledged by the interrupted \
                 upload; resume with the same data",
                acknowledged.last().copied().unwrap_or_default()
            )));
        }
        if acknowledged.len() != parts as usize {
            return Err(UploadError::Source {
                source: std::io::Error::other(
                    "the source ended before every part was acknowledged; resume the upload",
                ),
                resume: Some(snapshot(&tracker, reader)),
            });
        }
        // A file written to after its last chunk was read would not be mixed,
        // but the user meant to upload a file that was still changing.
        if let Err(source) = reader.check_unchanged().await {
            return Err(source_failure(source, Some(snapshot(&tracker, reader))));
        }
        let file = target
            .complete(parts)
            .await
            .map_err(|error| UploadError::Complete {
                source: Box::new(error),
                resume: snapshot(&tracker, reader),
            })?;
        tracker.remove_state();
        let controller = ran.controller.as_ref();
        if let (Some(learning), Some(controller)) = (&learning, controller)
            && let Some(estimate) = controller.estimate(state.chunk_size, learning.round_trip)
        {
            options.path_memory.remember(&learning.origin, estimate);
        }
        Ok(Uploaded {
            file,
            report: UploadReport {
                route: Route::Multipart,
                bytes: tracker.bytes_acknowledged(),
                chunk_size: state.chunk_size,
                chunk_grown: false,
                parts: u64::from(parts),
                peak_parts_in_flight: ran.peak_in_flight,
                concurrency: ran.limit,
                started_from_estimate: controller.is_some_and(|c| c.started_from_estimate()),
            },
        })
    }
}

/// What an upload knows of its path, to start from and to update
/// ([`UploadOptions::path_memory`]).
struct PathLearning {
    /// The presigned URL's origin (`scheme://host:port`).
    origin: String,
    round_trip: std::time::Duration,
    /// The remembered estimate, when it fits this upload.
    estimate: Option<crate::path_estimate::PathEstimate>,
}

/// The signed URL's lifetime when the request does not set `expiry` (the service's default).
const DEFAULT_EXPIRY_SECS: u64 = 3000;

async fn open(source: UploadSource, options: &UploadOptions) -> Result<ChunkReader, UploadError> {
    let chunk_size = options
        .chunk_size
        .unwrap_or_else(|| options.unset_chunk_size());
    ChunkReader::open_with(source, chunk_size, options.open_timeout)
        .await
        .map_err(source_error(None))
}

fn source_error(resume: Option<Box<ResumeState>>) -> impl FnOnce(std::io::Error) -> UploadError {
    move |source| source_failure(source, resume)
}

/// A source error as the upload reports it: a file that changed under the
/// upload is [`UploadError::SourceChanged`].
fn source_failure(source: std::io::Error, resume: Option<Box<ResumeState>>) -> UploadError {
    if let Some(changed) = source.get_ref().and_then(|e| e.downcast_ref::<Changed>()) {
        return UploadError::SourceChanged {
            path: changed.path.clone(),
            what: changed.what.clone(),
        };
    }
    UploadError::Source { source, resume }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    /// Users spawn uploads on multi-threaded runtimes: the futures must be Send.
    #[allow(dead_code)]
    fn futures_are_send(uploader: &Uploader, state: ResumeState) {
        let upload = uploader.upload(
            UploadSource::from_reader(tokio::io::empty(), None),
            UploadRequest::new(),
            UploadOptions::default(),
        );
        assert_send(&upload);
        let resume = uploader.resume(Vec::new().into(), state, UploadOptions::default());
        assert_send(&resume);
    }

    #[test]
    fn uploader_is_clone_send_sync() {
        fn check<T: Clone + Send + Sync + 'static>() {}
        check::<Uploader>();
    }
}

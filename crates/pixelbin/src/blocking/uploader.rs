//! Blocking signed multipart uploads.

use std::fmt;

use pixelbin_http::Transport;
use pixelbin_upload::{
    FileObject, ManyOptions, ResumeState, UploadItem, UploadOptions, UploadRequest, UploadSource,
};

use super::bulk::BulkIter;
use super::runtime::BlockingRuntime;
use crate::Error;

/// Blocking twin of [`pixelbin::Uploader`](crate::Uploader).
///
/// Sources are the async ones: bytes, a path, or a reader. For a [`std::io::Read`] (an open
/// `std::fs::File`, stdin, ...) wrap it in [`BlockingReader`](super::BlockingReader).
///
/// ```no_run
/// use pixelbin::blocking::PixelbinClient;
/// use pixelbin::{PixelbinConfig, UploadOptions, UploadRequest};
///
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = PixelbinClient::new(PixelbinConfig::from_env()?)?;
/// let stored = client.uploader().upload(
///     std::fs::read("myimage.png")?.into(),
///     UploadRequest::new().name("myimage").path("folder").format("png"),
///     UploadOptions::default().chunk_size(5 * 1024 * 1024).concurrency(2),
/// )?;
/// println!("{}", stored.url.unwrap_or_default());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Uploader {
    inner: pixelbin_upload::Uploader,
    runtime: BlockingRuntime,
}

impl Uploader {
    pub(crate) fn new(inner: pixelbin_upload::Uploader, runtime: BlockingRuntime) -> Self {
        Uploader { inner, runtime }
    }

    /// The transport requests go through.
    pub fn transport(&self) -> &Transport {
        self.inner.transport()
    }

    /// Uploads `source` as the file described by `request`; see
    /// [`pixelbin::upload::Uploader::upload`](crate::upload::Uploader::upload). A failed upload's error may carry a
    /// [`ResumeState`] for [`resume`](Self::resume).
    pub fn upload(
        &self,
        source: UploadSource,
        request: UploadRequest,
        options: UploadOptions,
    ) -> Result<FileObject, Error> {
        self.runtime.run(
            "Uploader::upload",
            self.inner.upload(source, request, options),
        )
    }

    /// Finishes an interrupted upload; see [`pixelbin::upload::Uploader::resume`](crate::upload::Uploader::resume).
    pub fn resume(
        &self,
        source: UploadSource,
        state: ResumeState,
        options: UploadOptions,
    ) -> Result<FileObject, Error> {
        self.runtime.run(
            "Uploader::resume",
            self.inner.resume(source, state, options),
        )
    }

    /// Uploads many files, `options.files` at a time; see
    /// [`pixelbin::upload::Uploader::upload_many`](crate::upload::Uploader::upload_many). The iterator yields `(key, result)` as each
    /// file ends.
    pub fn upload_many<K, I>(&self, items: I, options: ManyOptions) -> BulkIter<K, FileObject>
    where
        K: Send + 'static,
        I: IntoIterator<Item = UploadItem<K>>,
        I::IntoIter: Send + 'static,
    {
        BulkIter::new(
            self.runtime.clone(),
            "Uploader::upload_many",
            self.inner.upload_many(items, options),
        )
    }
}

impl fmt::Debug for Uploader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Uploader")
            .field(&self.inner)
            .finish()
    }
}

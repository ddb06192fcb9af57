//! What an upload did besides storing the file: [`Uploaded`] and its [`UploadReport`], for
//! callers that print or log how the transfer went (the CLI's `--json` `transfer`) without
//! re-deriving the library's decisions.

use crate::FileObject;

/// A stored file and how its upload went ([`Uploader::upload_with_report`](crate::Uploader::upload_with_report)).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Uploaded {
    /// The stored file (what [`Uploader::upload`](crate::Uploader::upload) returns).
    pub file: FileObject,
    /// How the transfer went.
    pub report: UploadReport,
}

/// How an upload's bytes went up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadReport {
    /// How the file went up.
    pub route: Route,
    /// Bytes stored, including parts stored by an earlier, interrupted run.
    pub bytes: u64,
    /// Size of the parts, in bytes (the whole file when it went up in one request).
    pub chunk_size: usize,
    /// Whether the chunk size was grown from the default so the file fits in
    /// [`MAX_PARTS`](crate::MAX_PARTS) parts (never a chunk size that was set).
    pub chunk_grown: bool,
    /// Parts of the upload.
    pub parts: u64,
    /// Most parts that were in flight at once.
    pub peak_parts_in_flight: usize,
    /// Parts allowed in flight at the end (the adaptive limit, or the fixed concurrency).
    pub concurrency: usize,
    /// Whether the adaptive concurrency started from what an earlier upload to the same host
    /// showed ([`UploadOptions::path_memory`](crate::UploadOptions::path_memory)).
    pub started_from_estimate: bool,
}

/// The request path an upload took.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Route {
    /// Signed multipart: a signed URL, the parts, the completion.
    #[default]
    Multipart,
    /// One request (`fileUpload`, `upload/direct`), for a small named file.
    OneRequest,
}

//! Why an upload failed, and (when parts may already be stored) how to finish it.

use crate::resume::ResumeState;

/// Everything that can make an upload fail.
///
/// Failures after the presigned URL was obtained carry a [`ResumeState`]
/// ([`UploadError::resume_state`]) so the upload can be finished with
/// [`Uploader::resume`](crate::Uploader::resume) instead of starting over.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    /// An option (or the request's access level) is invalid; nothing was sent.
    /// The message is the reference SDK's, e.g. "Invalid chunkSize: Must be a
    /// positive integer." or "access: Must be one of: public-read, private.".
    #[error("{0}")]
    InvalidOptions(String),

    /// The source holds no data; nothing was sent.
    #[error(
        "nothing to upload: the source is empty (0 bytes); Pixelbin does not store empty files, \
         check the path, buffer or reader passed to upload"
    )]
    EmptySource,

    /// The source could not be opened or read. When it failed after the
    /// upload had started, `resume` holds what was already sent.
    #[error("cannot read the upload source")]
    Source {
        /// The I/O error (with the file path for files).
        #[source]
        source: std::io::Error,
        /// Present when parts had already been requested.
        resume: Option<Box<ResumeState>>,
    },

    /// The signed-url v2 request (step 1) failed; nothing was uploaded.
    #[error("could not create the signed upload URL; nothing was uploaded")]
    SignedUrl(#[source] pixelbin_http::Error),

    /// A part still failed after its retries; the other parts were stopped.
    #[error("part {part_number} failed{}", retry_hint(source))]
    Part {
        /// Number of the failed part (from 1).
        part_number: u32,
        /// The last failure (boxed: keeps `Result<_, UploadError>` small).
        #[source]
        source: Box<pixelbin_http::Error>,
        /// What had been acknowledged; finish with `Uploader::resume`.
        resume: Box<ResumeState>,
    },

    /// The completion request (step 3) failed after its retries; every part
    /// had been acknowledged.
    #[error(
        "completing the upload failed; every part is stored, Uploader::resume only completes it"
    )]
    Complete {
        /// The last failure (boxed: keeps `Result<_, UploadError>` small).
        #[source]
        source: Box<pixelbin_http::Error>,
        /// Every part is acknowledged: `Uploader::resume` only completes.
        resume: Box<ResumeState>,
    },

    /// A small file's one-request upload (`fileUpload`, used by
    /// [`Uploader::upload`](crate::Uploader::upload) and
    /// [`Uploader::upload_many`](crate::Uploader::upload_many) for small named files) failed
    /// after its retries. A
    /// create is never sent again once it may have reached the server: `may_be_stored` says
    /// whether the file may be stored all the same (look before uploading it again).
    #[error(
        "the one-request upload failed{}",
        if *may_be_stored {
            "; the file may be stored all the same: check before uploading it again"
        } else {
            ""
        }
    )]
    Direct {
        /// The last failure (not boxed, so callers can downcast the `source()` chain to it).
        #[source]
        source: pixelbin_http::Error,
        /// `false` when the service refused it (4xx) or it never reached the service.
        may_be_stored: bool,
    },

    /// The file the upload would create already exists and the request neither overwrites
    /// it nor lets the service rename it; found by one lookup before any part was sent, so
    /// nothing was uploaded.
    #[error(
        "a file `{file_id}` already exists; nothing was uploaded: set `overwrite` on the \
         request (`UploadRequest::overwrite(true)`) to replace it, or `filename_override` to \
         store the upload under a new name"
    )]
    NameTaken {
        /// The existing file's `fileId` (`folder/name.format`).
        file_id: String,
    },

    /// The server answered the signed-url request with something unusable.
    #[error("the signed-url response is not usable: {0}")]
    InvalidResponse(String),

    /// A [`ResumeState`] does not fit itself or the source given to resume;
    /// nothing was sent.
    #[error("cannot resume: {0}")]
    InvalidState(String),

    /// The resume state file could not be read or written.
    #[error("cannot use the resume state file {}", path.display())]
    StateFile {
        /// The state file.
        path: std::path::PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },

    /// A file source changed while it was being uploaded (its size or
    /// modification time); the upload was not completed, so nothing mixed
    /// was stored.
    #[error(
        "the file {} changed during the upload ({what}); nothing was stored: upload it again once \
         it is no longer being written",
        path.display()
    )]
    SourceChanged {
        /// The file.
        path: std::path::PathBuf,
        /// What changed, e.g. "size 10 -> 12 bytes".
        what: String,
    },
}

fn retry_hint(source: &pixelbin_http::Error) -> &'static str {
    if source.is_retryable() {
        "; the upload can be resumed with Uploader::resume"
    } else {
        ""
    }
}

impl UploadError {
    /// What a failed upload had achieved, to finish it with
    /// [`Uploader::resume`](crate::Uploader::resume).
    pub fn resume_state(&self) -> Option<&ResumeState> {
        match self {
            UploadError::Part { resume, .. } | UploadError::Complete { resume, .. } => Some(resume),
            UploadError::Source { resume, .. } => resume.as_deref(),
            _ => None,
        }
    }

    /// Takes the [`ResumeState`] out of the error.
    pub fn into_resume_state(self) -> Option<ResumeState> {
        match self {
            UploadError::Part { resume, .. } | UploadError::Complete { resume, .. } => {
                Some(*resume)
            }
            UploadError::Source { resume, .. } => resume.map(|r| *r),
            _ => None,
        }
    }

    /// The failed part's number, for [`UploadError::Part`].
    pub fn part_number(&self) -> Option<u32> {
        match self {
            UploadError::Part { part_number, .. } => Some(*part_number),
            _ => None,
        }
    }

    /// The HTTP status of the underlying API failure, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            UploadError::SignedUrl(e) => e.status(),
            UploadError::Part { source, .. } | UploadError::Complete { source, .. } => {
                source.status()
            }
            UploadError::Direct { source, .. } => source.status(),
            // What the service answers to the same clash.
            UploadError::NameTaken { .. } => Some(409),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resume::PresignedUrl;

    fn state() -> Box<ResumeState> {
        Box::new(ResumeState::new(
            PresignedUrl::new("http://127.0.0.1:9/u?pbs=sig", Default::default()),
            10,
        ))
    }

    #[test]
    fn part_error_names_the_part_and_the_cause() {
        let err = UploadError::Part {
            part_number: 7,
            source: Box::new(pixelbin_http::Error::from_response(
                http_status(503),
                br#"{"message":"busy"}"#,
            )),
            resume: state(),
        };
        let text = err.to_string();
        assert!(text.starts_with("part 7 failed; "), "{text}");
        assert!(text.contains("Uploader::resume"), "{text}");
        // The cause reads once: in the source, not repeated in the message.
        let cause = std::error::Error::source(&err)
            .expect("a source")
            .to_string();
        assert!(cause.contains("503") && cause.contains("busy"), "{cause}");
        assert!(!text.contains("busy"), "{text}");
        assert!(!text.contains("pbs=sig"), "{text}");
        assert!(!format!("{err:?}").contains("pbs=sig"));
        assert_eq!(err.part_number(), Some(7));
        assert_eq!(err.status(), Some(503));
        assert!(err.resume_state().is_some());
        assert_eq!(err.into_resume_state().unwrap().chunk_size, 10);
    }

    #[test]
    fn a_4xx_part_error_does_not_suggest_resuming() {
        let err = UploadError::Part {
            part_number: 1,
            source: Box::new(pixelbin_http::Error::from_response(
                http_status(403),
                b"denied",
            )),
            resume: state(),
        };
        assert!(!err.to_string().contains("resume"), "{err}");
    }

    #[test]
    fn errors_before_any_request_have_no_resume_state() {
        assert!(UploadError::EmptySource.resume_state().is_none());
        assert!(
            UploadError::InvalidOptions("x".into())
                .into_resume_state()
                .is_none()
        );
    }

    fn http_status(code: u16) -> pixelbin_http::http::StatusCode {
        pixelbin_http::http::StatusCode::from_u16(code).unwrap()
    }
}

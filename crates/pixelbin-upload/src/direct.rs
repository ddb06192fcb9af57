//! A small file in one request: `fileUpload`, `POST /service/platform/assets/v1.0/upload/direct`
//! (multipart form: the file as part `file`, then `path`, `name`, `access`, `tags`, `metadata`,
//! `overwrite`, `filenameOverride` as text).
//!
//! Why: a signed multipart upload costs three sequential requests (signed URL, one part,
//! completion) for a file that fits in one part; this costs one, over the same one connection,
//! with the same result (the stored file object) and the same name-clash and overwrite rules
//! (the same fields). The format, which the form has no field for, goes in the file part's name
//! (`file.jpeg`), from which the service takes it.
//!
//! Retry safety is the transport's: the request creates a file, so it is not idempotent and is
//! repeated only when it never reached the server or was refused with 429; a failure that may
//! have stored the file is reported as such ([`UploadError::Direct`]), never sent again blindly.

use std::io;
use std::path::Path;

use bytes::Bytes;
use pixelbin_http::retry::{AfterError, Pushback, after_error};
use pixelbin_http::{ApiRequest, Form, Transport};

use crate::FileObject;
use crate::error::UploadError;
use crate::options::UploadOptions;
use crate::request::UploadRequest;
use crate::source::UploadSource;

/// The direct-upload endpoint.
const DIRECT_PATH: &str = "/service/platform/assets/v1.0/upload/direct";

/// What one direct upload did, for the files-in-flight window.
pub(crate) struct DirectSent {
    /// The stored file.
    pub(crate) file: FileObject,
    /// Whether the service pushed back (429/503) or an attempt failed and was retried.
    pub(crate) pushed_back: bool,
}

/// Uploads `data` as the file `request` describes, in one request. The request must name the
/// file (else the service would name it after the part, `file`, where the signed flow picks an
/// id): [`fits`] says when this path applies.
pub(crate) async fn upload(
    transport: &Transport,
    data: Bytes,
    request: &UploadRequest,
    options: &UploadOptions,
) -> Result<DirectSent, UploadError> {
    let form = form(data, request)?;
    let pushback = Pushback::new();
    let mut req = ApiRequest::post(transport.api_url(DIRECT_PATH))
        .multipart(form)
        .retry(options.retry_policy(transport.config().retry()))
        .record_pushback(&pushback);
    if let Some(timeout) = options.part_timeout {
        req = req.timeout(timeout);
    }
    let response = match transport.send(req).await {
        Ok(response) => response,
        Err(source) => {
            return Err(UploadError::Direct {
                may_be_stored: may_be_stored(&source),
                source,
            });
        }
    };
    let file = response.json().map_err(|source| UploadError::Direct {
        // The service answered with success: the file is stored.
        may_be_stored: true,
        source,
    })?;
    Ok(DirectSent {
        file,
        pushed_back: pushback.any(),
    })
}

/// The bytes of `source` for a one-request upload: `Ok(data)` when it holds 1 to `max` bytes,
/// else `Err(source)` back (larger, empty, or a reader of unknown length) for the signed
/// multipart upload, which reads it as a stream and reports an empty one.
pub(crate) async fn whole(
    source: UploadSource,
    max: u64,
) -> Result<Result<Bytes, UploadSource>, UploadError> {
    let fits = |len: u64| len > 0 && len <= max;
    match source {
        UploadSource::Bytes(data) if fits(data.len() as u64) => Ok(Ok(data)),
        UploadSource::Path(path) => {
            let len = tokio::fs::metadata(&path)
                .await
                .ok()
                .filter(std::fs::Metadata::is_file)
                .map(|m| m.len());
            let Some(len) = len.filter(|&len| fits(len)) else {
                return Ok(Err(UploadSource::Path(path)));
            };
            match read_at_most(&path, len, max).await {
                Ok(Some(data)) if !data.is_empty() => Ok(Ok(data)),
                // It changed since it was looked at: the multipart upload takes it.
                Ok(_) => Ok(Err(UploadSource::Path(path))),
                Err(source) => Err(UploadError::Source {
                    source,
                    resume: None,
                }),
            }
        }
        other => Ok(Err(other)),
    }
}

/// The whole file when it holds at most `max` bytes (`len` expected: the buffer's size, so a
/// small file holds no more memory than its bytes), `None` when it holds more.
pub(crate) async fn read_at_most(path: &Path, len: u64, max: u64) -> io::Result<Option<Bytes>> {
    use tokio::io::AsyncReadExt;
    let named = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    let file = tokio::fs::File::open(path).await.map_err(named)?;
    let capacity = len.min(max).saturating_add(1);
    let mut data = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    file.take(max.saturating_add(1))
        .read_to_end(&mut data)
        .await
        .map_err(named)?;
    if data.len() as u64 > max {
        return Ok(None);
    }
    Ok(Some(Bytes::from(data)))
}

/// Whether `request` can go up in one request: it names the file (the signed flow picks an id
/// for an unnamed one, the direct endpoint would use the part's name).
pub(crate) fn fits(request: &UploadRequest) -> bool {
    request.name.as_deref().is_some_and(|n| !n.is_empty())
}

/// Whether a failed create may have stored the file (the transport's one table decides).
fn may_be_stored(error: &pixelbin_http::Error) -> bool {
    after_error(error, false) == AfterError::Uncertain
}

/// The form of the direct upload: the file first, then the fields the request sets.
fn form(data: Bytes, request: &UploadRequest) -> Result<Form, UploadError> {
    let filename = match &request.format {
        Some(format) if !format.is_empty() => format!("file.{format}"),
        _ => "file".to_owned(),
    };
    let content_type = pixelbin_http::model::content_type_for_name(&filename)
        .unwrap_or("application/octet-stream");
    let form = Form::new().file("file", filename, content_type, data);
    request
        .placement()
        .form_fields(form)
        .map_err(|e| UploadError::InvalidOptions(format!("metadata: not JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn only_named_files_go_in_one_request() {
        assert!(fits(&UploadRequest::new().name("a")));
        assert!(!fits(&UploadRequest::new()));
        assert!(!fits(&UploadRequest::new().name("")));
    }

    #[test]
    fn refusals_and_unsent_requests_stored_nothing() {
        let status = |code| {
            pixelbin_http::Error::from_response(
                pixelbin_http::http::StatusCode::from_u16(code).unwrap(),
                b"{}",
            )
        };
        assert!(!may_be_stored(&status(409)));
        assert!(!may_be_stored(&status(429)));
        assert!(may_be_stored(&status(502)));
        assert!(may_be_stored(&pixelbin_http::Error::Timeout {
            after: Duration::from_secs(1)
        }));
    }
}

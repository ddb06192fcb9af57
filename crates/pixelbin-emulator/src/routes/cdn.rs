//! Serving stored content: files at `/v2/{cloud}/{pattern}/{fileId}` and prediction inputs and
//! outputs at `/predictions/...`. Transformations in the URL are not applied: the original bytes
//! are served.

use std::io::Read;
use std::path::PathBuf;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::StreamExt;

use crate::state::AppState;
use crate::store::{Blob, FileRecord, Store};
use crate::wire::errors::{ApiError, ApiResult};

/// Content found behind a URL path.
#[derive(Debug, Clone)]
pub struct Found {
    /// Where the bytes are.
    pub blob: Blob,
    /// MIME type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
}

/// Finds the content behind a URL path (no query), if the emulator serves it.
pub fn lookup(store: &Store, path: &str) -> Option<Found> {
    if path.starts_with("/predictions/") {
        let served = store.served().get(path)?;
        return Some(Found {
            blob: Blob::Memory(served.bytes.clone()),
            content_type: served.content_type.clone(),
            size: served.bytes.len() as u64,
        });
    }
    let (_, file) = split_cdn_path(store, path)?;
    Some(Found {
        blob: file.blob.clone(),
        content_type: file.content_type.clone(),
        size: file.size,
    })
}

/// Splits a CDN path `/v2/{cloud}/{zone?}/{pattern}/{fileId}` into the segments between the
/// cloud name and the file id, and the stored file.
///
/// The file id is the longest suffix that names a stored file, so zones and transformation
/// patterns in between need no parsing here.
pub fn split_cdn_path<'a>(store: &'a Store, path: &str) -> Option<(Vec<String>, &'a FileRecord)> {
    let rest = path.strip_prefix("/v2/")?;
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    (1..segments.len()).find_map(|start| {
        let file_id = percent_decode(&segments[start..].join("/"));
        store.file_by_file_id(&file_id).map(|file| {
            let middle = segments[1..start]
                .iter()
                .map(|s| percent_decode(s))
                .collect();
            (middle, file)
        })
    })
}

/// Reads the content behind a full URL into memory, refusing content over `max` bytes.
pub async fn read_url(
    state: &AppState,
    url: &str,
    max: u64,
) -> Result<Option<(Bytes, String)>, u64> {
    let Ok(parsed) = url::Url::parse(url) else {
        return Ok(None);
    };
    let found = lookup(&state.store(), parsed.path());
    let Some(found) = found else {
        return Ok(None);
    };
    if found.size > max {
        return Err(found.size);
    }
    match read_prefix(&found.blob, max).await {
        Ok(bytes) => Ok(Some((bytes, found.content_type))),
        Err(_) => Ok(None),
    }
}

/// Reads at most `limit` bytes from the start of a blob's content.
pub async fn read_prefix(blob: &Blob, limit: u64) -> std::io::Result<Bytes> {
    if let Blob::Memory(bytes) = blob {
        let end = usize::try_from(limit).map_or(bytes.len(), |l| l.min(bytes.len()));
        return Ok(bytes.slice(..end));
    }
    let files: Vec<PathBuf> = blob.files().into_iter().map(PathBuf::from).collect();
    tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        for path in files {
            let left = limit.saturating_sub(out.len() as u64);
            if left == 0 {
                break;
            }
            std::fs::File::open(path)?
                .take(left)
                .read_to_end(&mut out)?;
        }
        Ok(Bytes::from(out))
    })
    .await
    .map_err(std::io::Error::other)?
}

/// Bytes read from disk per body chunk when serving a file.
const SERVE_CHUNK: usize = 256 * 1024;

/// The content of a blob on disk as a body stream. Every file is checked before the response
/// starts, so missing content is an error rather than a truncated body; files are opened one at
/// a time, so a file of thousands of parts needs one descriptor.
async fn disk_body(blob: &Blob) -> std::io::Result<Body> {
    let paths: Vec<PathBuf> = blob.files().into_iter().map(PathBuf::from).collect();
    let checked = paths.clone();
    tokio::task::spawn_blocking(move || {
        checked
            .iter()
            .try_for_each(|path| std::fs::metadata(path).map(drop))
    })
    .await
    .map_err(std::io::Error::other)??;
    let stream = futures::stream::iter(paths)
        .then(tokio::fs::File::open)
        .map(|opened| match opened {
            Ok(file) => {
                tokio_util::io::ReaderStream::with_capacity(file, SERVE_CHUNK).left_stream()
            }
            Err(error) => futures::stream::once(async { Err(error) }).right_stream(),
        })
        .flatten();
    Ok(Body::from_stream(stream))
}

/// `GET /v2/{*path}` and `GET /predictions/{*path}`.
pub async fn serve(State(state): State<AppState>, request: Request) -> ApiResult<Response> {
    let path = request.uri().path().to_string();
    let found = lookup(&state.store(), &path)
        .ok_or_else(|| ApiError::not_found(format!("Nothing is stored at {path}")))?;
    let body = match &found.blob {
        Blob::Memory(bytes) => Body::from(bytes.clone()),
        Blob::Disk(_) | Blob::Parts(_) => disk_body(&found.blob)
            .await
            .map_err(|_| ApiError::not_found(format!("Nothing is stored at {path}")))?,
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    if let Ok(ct) = HeaderValue::from_str(&found.content_type) {
        headers.insert(header::CONTENT_TYPE, ct);
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(found.size));
    Ok(response)
}

/// Decodes `%XX` escapes (file ids with spaces and the like); invalid escapes stay as they are.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes() {
        assert_eq!(percent_decode("a%20b.jpeg"), "a b.jpeg");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}

//! Serving stored content: files at `/v2/{cloud}/{zone?}/{pattern}/{fileId}` and prediction
//! inputs and outputs at `/predictions/...`. `original` (or no pattern) serves the stored bytes;
//! any other pattern is rendered (see [`crate::transform`]), with `p:NAME` presets expanded
//! from the store, `?dpr=` and `?f_auto=true` (the format from `Accept`) honoured. Every `200`
//! carries an `ETag`; a matching `If-None-Match` answers `304`.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::StreamExt;
use pixelbin_render::{OutputFormat, RenderOptions};
use pixelbin_url::Transformation;

use crate::state::AppState;
use crate::store::{Blob, FileRecord, Store};
use crate::transform::{
    self,
    cache::{Cached, RenderCache},
};
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

/// Stored files over this size are served but not rendered.
pub(crate) const MAX_RENDER_INPUT: u64 = 256 << 20;

/// `GET /v2/{*path}` and `GET /predictions/{*path}`.
pub async fn serve(State(state): State<AppState>, request: Request) -> ApiResult<Response> {
    let path = request.uri().path().to_string();
    let if_none_match = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let plan = {
        let store = state.store();
        plan(&store, &request)?
    };
    let Some(plan) = plan else {
        return serve_original(&state, &path, if_none_match.as_deref()).await;
    };
    if let Some(cached) = lock_cache(&state).get(&plan.key) {
        return Ok(answer(cached, if_none_match.as_deref()));
    }
    if plan.steps.iter().any(transform::is_ai)
        && state.pending_transforms.still_processing(&plan.url)
    {
        let mut response = (
            StatusCode::ACCEPTED,
            axum::Json(serde_json::json!({"status": "processing", "message": "The transformation is being processed; ask again shortly."})),
        )
            .into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(response);
    }
    if plan.file.size > MAX_RENDER_INPUT {
        return Err(ApiError::too_large(format!(
            "{} is {} bytes; the emulator renders files of at most {MAX_RENDER_INPUT} bytes",
            plan.file.file_id(),
            plan.file.size
        )));
    }
    let input = read_prefix(&plan.file.blob, MAX_RENDER_INPUT)
        .await
        .map_err(|_| ApiError::not_found(format!("Nothing is stored at {path}")))?;
    let options = RenderOptions {
        dpr: plan.dpr,
        auto_format: plan.auto_format,
        resolver: Some(Arc::new(StoreResolver(state.clone()))),
        ..RenderOptions::default()
    };
    let content_type = plan.file.content_type.clone();
    let steps = plan.steps;
    let output = tokio::task::spawn_blocking(move || {
        transform::run_chain(input, &content_type, &steps, &options)
    })
    .await
    .map_err(|e| ApiError::internal(format!("rendering stopped: {e}")))?
    .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let cached = Cached {
        etag: etag_of(&output.bytes),
        output,
    };
    lock_cache(&state).insert(plan.key, cached.clone());
    Ok(answer(cached, if_none_match.as_deref()))
}

/// What a CDN request renders; `None` when it serves stored bytes as they are.
struct Plan {
    /// The cache key: the URL, the format picked from `Accept`, and the file's version.
    key: String,
    /// Path and query: one AI URL's processing time runs from its first request.
    url: String,
    file: FileRecord,
    steps: Vec<Transformation<'static>>,
    dpr: Option<f64>,
    auto_format: Option<OutputFormat>,
}

/// Reads the pattern, presets and query of a CDN request; a bad one is a 400 naming what
/// was wrong.
fn plan(store: &Store, request: &Request) -> ApiResult<Option<Plan>> {
    let uri = request.uri();
    let Some((middle, file)) = split_cdn_path(store, uri.path()) else {
        if lookup(store, uri.path()).is_some() {
            return Ok(None);
        }
        return Err(ApiError::not_found(format!(
            "Nothing is stored at {}",
            uri.path()
        )));
    };
    // `{zone?}/{pattern}`: the pattern is the last segment before the file.
    let pattern = match middle.as_slice() {
        [] => return Ok(None),
        [pattern] | [_, pattern] => pattern.as_str(),
        _ => {
            return Err(ApiError::bad_request(format!(
                "{} has more segments than /v2/{{cloud}}/{{zone}}/{{pattern}}/{{file}}",
                uri.path()
            )));
        }
    };
    if pattern == "original" {
        return Ok(None);
    }
    let steps = pixelbin_url::parse_pattern(pattern)
        .map_err(|e| ApiError::bad_request(format!("invalid pattern '{pattern}': {e}")))?;
    let mut expanded = Vec::new();
    for step in steps {
        if !step.is_preset() {
            expanded.push(step.into_owned());
            continue;
        }
        let preset = store
            .presets()
            .get(step.name.as_ref())
            .filter(|p| !p.archived)
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "preset 'p:{}' does not exist: create it first (presets add)",
                    step.name
                ))
            })?;
        let inner = pixelbin_url::parse_pattern(&preset.transformation).map_err(|e| {
            ApiError::bad_request(format!("preset 'p:{}' is invalid: {e}", step.name))
        })?;
        if inner.iter().any(Transformation::is_preset) {
            return Err(ApiError::bad_request(format!(
                "preset 'p:{}' names another preset; presets do not nest",
                step.name
            )));
        }
        expanded.extend(inner.into_iter().map(Transformation::into_owned));
    }
    let mut dpr = None;
    let mut f_auto = false;
    for (key, value) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "dpr" if value != "auto" => match value.parse::<f64>() {
                Ok(ratio) if (0.1..=5.0).contains(&ratio) => dpr = Some(ratio),
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "invalid dpr '{value}': expected a number from 0.1 to 5.0, or auto"
                    )));
                }
            },
            "f_auto" => f_auto = value == "true",
            _ => {}
        }
    }
    // Every step is checked now, before a render or an AI URL's `202`.
    let check_options = RenderOptions {
        dpr,
        ..RenderOptions::default()
    };
    transform::check_chain(&expanded, &check_options)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let auto_format = if f_auto {
        auto_format(request.headers().get(header::ACCEPT))
    } else {
        None
    };
    let url = match uri.query() {
        Some(query) => format!("{}?{query}", uri.path()),
        None => uri.path().to_string(),
    };
    Ok(Some(Plan {
        key: format!("{url} {auto_format:?} {} {}", file.id, file.updated_at),
        url,
        file: file.clone(),
        steps: expanded,
        dpr,
        auto_format,
    }))
}

/// `f_auto`: the best format the client accepts, avif over webp; `None` keeps the original's.
fn auto_format(accept: Option<&HeaderValue>) -> Option<OutputFormat> {
    let accept = accept.and_then(|v| v.to_str().ok()).unwrap_or("");
    if accept.contains("image/avif") {
        Some(OutputFormat::Avif)
    } else if accept.contains("image/webp") {
        Some(OutputFormat::Webp)
    } else {
        None
    }
}

/// `t.merge` overlays: stored files by file id (`i:logos/a.png`).
struct StoreResolver(AppState);

impl pixelbin_render::Resolver for StoreResolver {
    fn resolve(&self, path: &str) -> Result<Vec<u8>, String> {
        let blob = {
            let store = self.0.store();
            let file = store
                .file_by_file_id(path.trim_start_matches('/'))
                .ok_or_else(|| format!("no stored file has the id '{path}'"))?;
            if file.size > MAX_RENDER_INPUT {
                return Err(format!("{path} is over {MAX_RENDER_INPUT} bytes"));
            }
            file.blob.clone()
        };
        match blob {
            Blob::Memory(bytes) => Ok(bytes.to_vec()),
            Blob::Disk(_) | Blob::Parts(_) => {
                let mut out = Vec::new();
                for part in blob.files() {
                    std::fs::File::open(part)
                        .and_then(|mut f| f.read_to_end(&mut out))
                        .map_err(|e| format!("{path}: {e}"))?;
                }
                Ok(out)
            }
        }
    }
}

fn lock_cache(state: &AppState) -> std::sync::MutexGuard<'_, RenderCache> {
    state.render_cache.lock().unwrap_or_else(|e| e.into_inner())
}

/// A strong entity tag: the first 16 bytes of the content's SHA-256, in hex.
fn etag_of(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("\"{}\"", hex::encode(&sha2::Sha256::digest(bytes)[..16]))
}

/// Whether an `If-None-Match` value names `etag` (or is `*`).
fn matches_etag(if_none_match: Option<&str>, etag: &str) -> bool {
    if_none_match.is_some_and(|value| {
        value
            .split(',')
            .map(|tag| tag.trim().trim_start_matches("W/"))
            .any(|tag| tag == "*" || tag == etag.trim_start_matches("W/"))
    })
}

/// `304` when the client has this version, else `200` with the bytes; both with the `ETag`.
fn answer(cached: Cached, if_none_match: Option<&str>) -> Response {
    let etag = HeaderValue::from_str(&cached.etag).ok();
    let mut response = if matches_etag(if_none_match, &cached.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = (StatusCode::OK, Body::from(cached.output.bytes)).into_response();
        if let Ok(ct) = HeaderValue::from_str(&cached.output.content_type) {
            response.headers_mut().insert(header::CONTENT_TYPE, ct);
        }
        response
    };
    if let Some(etag) = etag {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

/// Stored bytes as they are, with a weak `ETag` of the content's identity (its path, size and
/// version), so a large file need not be hashed to be served.
async fn serve_original(
    state: &AppState,
    path: &str,
    if_none_match: Option<&str>,
) -> ApiResult<Response> {
    let (found, version) = {
        let store = state.store();
        let found = lookup(&store, path)
            .ok_or_else(|| ApiError::not_found(format!("Nothing is stored at {path}")))?;
        let version = split_cdn_path(&store, path)
            .map(|(_, file)| format!("{} {}", file.id, file.updated_at))
            .unwrap_or_default();
        (found, version)
    };
    let etag = {
        use sha2::Digest;
        let identity = format!("{path} {} {version}", found.size);
        format!(
            "W/\"{}\"",
            hex::encode(&sha2::Sha256::digest(identity.as_bytes())[..16])
        )
    };
    let etag_value = HeaderValue::from_str(&etag).ok();
    if matches_etag(if_none_match, &etag) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        if let Some(etag) = etag_value {
            response.headers_mut().insert(header::ETAG, etag);
        }
        return Ok(response);
    }
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
    if let Some(etag) = etag_value {
        headers.insert(header::ETAG, etag);
    }
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

//! Upload routes: signed multipart upload (v2 URL, part PUT, completion), the v1 signed form
//! upload, direct multipart upload and upload from a URL.
//!
//! Content is streamed to the emulator's temporary directory and never held in memory whole.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::media;
use crate::routes::cdn;
use crate::state::{AppState, CLOUD_NAME, ORG_ID};
use crate::store::ids;
use crate::store::{
    AssetRequest, Blob, FilePlan, FileRecord, PartFile, Store, UploadSession, join_path,
    normalize_path, stored_name,
};
use crate::wire::auth::{Authed, constant_time_eq};
use crate::wire::errors::{ApiError, ApiResult};
use crate::wire::extract::{JsonBody, drain, parse};
use crate::wire::form::{FileData, FileSink, FormField, discard, read_form};
use crate::wire::record::BodySlot;

/// Name of the form field that carries the signed asset data.
pub const ASSET_DATA_FIELD: &str = "x-pixb-meta-assetdata";
/// Path of presigned multipart upload URLs (v2).
pub const SIGNED_MULTIPART_PATH: &str = "/service/public/assets/v1.0/signed-multipart";
/// Path of presigned single-request form uploads (v1).
pub const SIGNED_UPLOAD_PATH: &str = "/service/public/assets/v1.0/signed-upload";
/// Default lifetime of a presigned URL in seconds.
const DEFAULT_EXPIRY_SECS: u64 = 3000;
/// Highest part number (as on S3).
const MAX_PART_NUMBER: u32 = 10_000;
/// Token id sent as `pbt` (the emulator has one signing key).
const TOKEN_ID: u64 = 1;

/// The asset fields of upload requests, as sent on the wire.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AssetFields {
    name: Option<String>,
    path: Option<String>,
    format: Option<String>,
    access: Option<String>,
    tags: Option<Vec<String>>,
    metadata: Option<Value>,
    overwrite: Option<bool>,
    filename_override: Option<bool>,
}

impl AssetFields {
    fn into_request(self) -> ApiResult<AssetRequest> {
        if let Some(access) = &self.access {
            check_access(access)?;
        }
        Ok(AssetRequest {
            name: self.name.filter(|n| !n.is_empty()),
            path: self.path.map(|p| normalize_path(&p)),
            format: self
                .format
                .filter(|f| !f.is_empty())
                .map(|f| f.to_ascii_lowercase()),
            access: self.access,
            tags: self.tags,
            metadata: self.metadata,
            overwrite: self.overwrite,
            filename_override: self.filename_override,
        })
    }
}

/// Refuses access levels other than `public-read` and `private`.
pub fn check_access(access: &str) -> ApiResult<()> {
    if access == "public-read" || access == "private" {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "access must be 'public-read' or 'private', got '{access}'"
        )))
    }
}

/// `POST /service/platform/assets/v2.0/upload/signed-url`
pub async fn signed_url_v2(
    State(state): State<AppState>,
    _auth: Authed,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let (url, fields) = issue(&state, body, SIGNED_MULTIPART_PATH)?;
    Ok(Json(
        json!({"presignedUrl": {"url": url, "fields": fields}}),
    ))
}

/// `POST /service/platform/assets/v1.0/upload/signed-url`
pub async fn signed_url_v1(
    State(state): State<AppState>,
    _auth: Authed,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    if body.get("expiry").is_some() {
        return Err(ApiError::validation(
            "expiry is not a field of the v1 signed-url request; use the v2 endpoint for it",
        ));
    }
    let (url, fields) = issue(&state, body, SIGNED_UPLOAD_PATH)?;
    Ok(Json(
        json!({"s3PresignedUrl": {"url": url, "fields": fields}}),
    ))
}

/// Creates an upload session and its presigned URL on `path`.
fn issue(state: &AppState, body: Value, path: &str) -> ApiResult<(String, Value)> {
    let (expiry, body) = take_field(body, "expiry")?;
    let expiry = match expiry {
        None | Some(Value::Null) => DEFAULT_EXPIRY_SECS,
        Some(value) => match value.as_u64() {
            Some(secs) if secs > 0 => secs,
            _ => {
                return Err(ApiError::validation(format!(
                    "expiry must be a positive whole number of seconds, got {value}"
                )));
            }
        },
    };
    let fields: AssetFields = parse(body, "signed-url")?;
    let mut asset = fields.into_request()?;
    let upload_id = state.new_id();
    let name = stored_name(
        asset.name.as_deref().unwrap_or(&upload_id),
        asset.format.as_deref(),
    )?;
    asset.name = Some(name.clone());
    let folder = asset.path.clone().unwrap_or_default();
    let mut metadata = match asset.metadata.clone() {
        Some(Value::Object(map)) => map,
        Some(Value::Null) | None => serde_json::Map::new(),
        Some(other) => {
            return Err(ApiError::validation(format!(
                "metadata must be a JSON object, got {other}"
            )));
        }
    };
    metadata.insert("source".into(), json!("signedUrl"));
    metadata.insert("publicUploadId".into(), json!(upload_id));
    let asset_data = json!({
        "orgId": ORG_ID,
        "type": "file",
        "name": name,
        "path": folder,
        "fileId": join_path(&folder, &name),
        "format": asset.format.clone().unwrap_or_default(),
        "s3Bucket": "pixelbin-emulator",
        "s3Key": format!("uploads/{CLOUD_NAME}/original/{upload_id}"),
        "access": asset.access.clone().unwrap_or_else(|| "public-read".into()),
        "tags": asset.tags.clone().unwrap_or_default(),
        "metadata": metadata,
        "overwrite": asset.overwrite.unwrap_or(false),
        "filenameOverride": asset.filename_override.unwrap_or(false),
    })
    .to_string();
    let expires_ms = ids::now_millis().saturating_add(expiry.saturating_mul(1000));
    let url = sign(state, path, expires_ms, &upload_id);
    state.store().uploads.insert(
        upload_id.clone(),
        UploadSession {
            asset_data: asset_data.clone(),
            asset,
            parts: Default::default(),
            completing: false,
            completed: None,
        },
    );
    Ok((url, json!({ASSET_DATA_FIELD: asset_data})))
}

/// The query of a presigned URL without its signature: what the signature covers.
fn unsigned_query(pbe: u64, pbo: u64, pbu: &str) -> String {
    format!("pbe={pbe}&pbt={TOKEN_ID}&pbo={pbo}&pbu={pbu}")
}

fn sign(state: &AppState, path: &str, expires_ms: u64, upload_id: &str) -> String {
    let query = unsigned_query(expires_ms, ORG_ID, upload_id);
    let pbs = pixelbin_url::generate_signature(
        &format!("{path}?{query}"),
        expires_ms,
        &state.signing_key,
    );
    format!("{}{path}?pbs={pbs}&{query}", state.base_url)
}

/// Checks a presigned URL's signature and expiry; returns its upload id.
fn verify(state: &AppState, uri: &Uri) -> ApiResult<String> {
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| {
                ApiError::forbidden(format!(
                    "Presigned URL is missing `{key}`: use the URL exactly as signed-url returned it"
                ))
            })
    };
    let pbs = get("pbs")?;
    let pbe: u64 = get("pbe")?
        .parse()
        .map_err(|_| ApiError::forbidden("Presigned URL has a malformed `pbe` (expiry)"))?;
    let pbt = get("pbt")?;
    let pbo: u64 = get("pbo")?
        .parse()
        .map_err(|_| ApiError::forbidden("Presigned URL has a malformed `pbo` (organisation)"))?;
    let pbu = get("pbu")?;
    let expected = pixelbin_url::generate_signature(
        &format!("{}?{}", uri.path(), unsigned_query(pbe, pbo, pbu)),
        pbe,
        &state.signing_key,
    );
    if pbt != TOKEN_ID.to_string() || !constant_time_eq(expected.as_bytes(), pbs.as_bytes()) {
        return Err(ApiError::forbidden(
            "Presigned URL signature does not match: the URL was altered; request a new one",
        ));
    }
    if ids::now_millis() > pbe {
        return Err(ApiError::forbidden(
            "Presigned URL has expired: request a new one from signed-url (raise `expiry` for long uploads)",
        ));
    }
    Ok(pbu.to_string())
}

/// Runs `check` before the body is read; on error drains the body first.
async fn refuse_early<T>(request: Request, check: ApiResult<T>) -> ApiResult<(T, Request)> {
    match check {
        Ok(value) => Ok((value, request)),
        Err(error) => {
            drain(request.into_body()).await;
            Err(error)
        }
    }
}

/// `PUT /service/public/assets/v1.0/signed-multipart?...&partNumber=N`
pub async fn part(State(state): State<AppState>, request: Request) -> ApiResult<Response> {
    let slot = request.extensions().get::<BodySlot>().cloned();
    let check = verify(&state, request.uri()).and_then(|upload_id| {
        let number = part_number(request.uri())?;
        let store = state.store();
        let session = store.uploads.get(&upload_id).ok_or_else(|| {
            ApiError::not_found(format!("Upload {upload_id} not found: request a new presigned URL"))
        })?;
        if session.completed.is_some() {
            return Err(ApiError::conflict(format!(
                "Upload {upload_id} is already completed: request a new presigned URL to upload again"
            )));
        }
        if session.completing {
            return Err(completing_conflict(&upload_id));
        }
        Ok((upload_id, number, session.asset_data.clone()))
    });
    let ((upload_id, number, asset_data), request) = refuse_early(request, check).await?;

    let dir = state.uploads_dir().join(&upload_id);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| ApiError::internal(format!("Could not create the part directory: {e}")))?;
    let fields = read_upload_form(&state, request, &dir, slot.as_ref()).await?;
    let (file, size) = match check_form(fields, &asset_data).await {
        Ok(found) => found,
        Err(error) => return Err(error),
    };
    // The part keeps the unique name it was written under: a part sent again replaces the
    // old one in the session, never a file that a completion may be linking.
    let part = PartFile { path: file, size };
    let outcome = {
        let mut store = state.store();
        match store.uploads.get_mut(&upload_id) {
            Some(session) if session.completed.is_none() && !session.completing => {
                Ok(session.parts.insert(number, part))
            }
            _ => Err(part),
        }
    };
    match outcome {
        Ok(replaced) => {
            if let Some(old) = replaced {
                let _ = tokio::fs::remove_file(old.path).await;
            }
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Err(part) => {
            let _ = tokio::fs::remove_file(part.path).await;
            Err(ApiError::conflict(format!(
                "Upload {upload_id} was completed while part {number} was being sent"
            )))
        }
    }
}

fn completing_conflict(upload_id: &str) -> ApiError {
    ApiError::conflict(format!(
        "Upload {upload_id} is being completed by another request; retry the completion in a moment"
    ))
}

fn part_number(uri: &Uri) -> ApiResult<u32> {
    let raw = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "partNumber")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| {
            ApiError::bad_request(
                "Missing partNumber: append `&partNumber=N` (N from 1) to the presigned URL",
            )
        })?;
    raw.parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_PART_NUMBER).contains(n))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "partNumber must be an integer from 1 to {MAX_PART_NUMBER}, got '{raw}'"
            ))
        })
}

/// Reads a multipart body whose files stream into `dir`.
async fn read_upload_form(
    state: &AppState,
    request: Request,
    dir: &FsPath,
    slot: Option<&BodySlot>,
) -> ApiResult<Vec<FormField>> {
    let multipart = Multipart::from_request(request, state).await.map_err(|e| {
        ApiError::bad_request(format!(
            "Expected a multipart/form-data body with the signed fields and a `file` part: {}",
            e.body_text()
        ))
    })?;
    let dir = dir.to_path_buf();
    let state2 = state.clone();
    read_form(
        multipart,
        FileSink::Disk {
            next_path: Box::new(move || dir.join(state2.new_id())),
        },
        slot,
    )
    .await
}

/// Checks the signed field and the single `file` part; returns the file's path and size.
async fn check_form(fields: Vec<FormField>, asset_data: &str) -> ApiResult<(PathBuf, u64)> {
    let sent = fields.iter().find_map(|f| match f {
        FormField::Text { name, value } if name == ASSET_DATA_FIELD => Some(value.clone()),
        _ => None,
    });
    let problem = match sent {
        None => Some(ApiError::bad_request(format!(
            "Missing {ASSET_DATA_FIELD} field"
        ))),
        Some(value) if value != asset_data => Some(ApiError::bad_request(format!(
            "{ASSET_DATA_FIELD} does not match the value issued with this presigned URL: send `fields` unchanged"
        ))),
        Some(_) => None,
    };
    let file_count = fields
        .iter()
        .filter(|f| matches!(f, FormField::File { name, .. } if name == "file"))
        .count();
    let problem = problem.or(match file_count {
        0 => Some(ApiError::bad_request(
            "Missing file field: send the content as a file part named `file`",
        )),
        1 => None,
        _ => Some(ApiError::bad_request(
            "More than one `file` part: send one file per request",
        )),
    });
    if let Some(error) = problem {
        discard(fields).await;
        return Err(error);
    }
    let mut found = None;
    let mut rest = Vec::new();
    for field in fields {
        match field {
            FormField::File {
                name,
                data: FileData::Disk(path),
                size,
                ..
            } if name == "file" => found = Some((path, size)),
            other => rest.push(other),
        }
    }
    discard(rest).await;
    found.ok_or_else(|| ApiError::internal("file part was not stored on disk"))
}

/// Body of the completion request.
#[derive(Debug, Deserialize)]
struct CompleteRequest {
    parts: Vec<Value>,
    #[serde(rename = "x-pixb-meta-assetdata")]
    asset_data: Option<String>,
}

/// `POST /service/public/assets/v1.0/signed-multipart?...` with `{"parts": [...], ...fields}`.
pub async fn complete(State(state): State<AppState>, request: Request) -> ApiResult<Json<Value>> {
    let upload_id = match verify(&state, request.uri()) {
        Ok(id) => id,
        Err(error) => {
            drain(request.into_body()).await;
            return Err(error);
        }
    };
    let JsonBody(body) = JsonBody::from_request(request, &state).await?;
    let body: CompleteRequest = parse(body, "completion")?;
    let parts = body
        .parts
        .iter()
        .map(|p| {
            p.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| *n >= 1)
        })
        .collect::<Option<Vec<u32>>>()
        .ok_or_else(|| {
            ApiError::validation("parts must be a list of part numbers (integers from 1)")
        })?;
    if parts.is_empty() {
        return Err(ApiError::validation(
            "parts is empty: list the part numbers you uploaded",
        ));
    }
    if parts.windows(2).any(|w| w[0] >= w[1]) {
        return Err(ApiError::validation(
            "parts must be in ascending order without repeats, e.g. [1, 2, 3]",
        ));
    }

    let (asset, plan, listed) = {
        let mut store = state.store();
        let session = store.uploads.get(&upload_id).ok_or_else(|| {
            ApiError::not_found(format!(
                "Upload {upload_id} not found: request a new presigned URL"
            ))
        })?;
        match body.asset_data.as_deref() {
            None => {
                return Err(ApiError::bad_request(format!(
                    "Missing {ASSET_DATA_FIELD} field"
                )));
            }
            Some(sent) if sent != session.asset_data => {
                return Err(ApiError::bad_request(format!(
                    "{ASSET_DATA_FIELD} does not match the value issued with this presigned URL: send `fields` unchanged"
                )));
            }
            Some(_) => {}
        }
        if let Some(file_id) = &session.completed {
            // A retried completion (the first answer was lost) gets the same file.
            let file = store.files().get(file_id).ok_or_else(|| {
                ApiError::not_found("The file of this completed upload was deleted")
            })?;
            return Ok(Json(file.to_json(&state.base_url)));
        }
        if session.completing {
            return Err(completing_conflict(&upload_id));
        }
        let listed = parts
            .iter()
            .map(|n| session.parts.get(n).cloned())
            .collect::<Option<Vec<PartFile>>>();
        let Some(listed) = listed else {
            let missing = parts
                .iter()
                .find(|n| !session.parts.contains_key(n))
                .copied()
                .unwrap_or_default();
            let uploaded: Vec<String> = session.parts.keys().map(u32::to_string).collect();
            return Err(ApiError::bad_request(format!(
                "Part {missing} was not uploaded (uploaded parts: [{}]); upload it before completing",
                uploaded.join(", ")
            )));
        };
        let asset = session.asset.clone();
        let plan = store.plan_file(&asset, None, &mut || state.new_id())?;
        if let Some(session) = store.uploads.get_mut(&upload_id) {
            session.completing = true;
        }
        (asset, plan, listed)
    };
    // From here until the file is stored, parts and other completions of this upload are
    // refused; the guard lifts that if this request fails or its client goes away.
    let guard = CompletingGuard {
        state: &state,
        upload_id: &upload_id,
    };

    // The parts become the file as they are, served back to back: no copy.
    let blob = Blob::Parts(Arc::from(listed));
    let record = finish_file(&state, plan, &asset, blob).await?;

    let (body, unlisted) = {
        let mut store = state.store();
        let used: Vec<PathBuf> = record.blob.files().into_iter().map(Into::into).collect();
        // A file of this name stored meanwhile is a clash decided now (the guard then lifts
        // the completing mark, and the parts stay for a retry).
        let stored = store.insert_file(record, Store::clash_of(&asset), &mut || state.new_id())?;
        let (body, id) = (stored.to_json(&state.base_url), stored.id.clone());
        let mut unlisted = Vec::new();
        if let Some(upload) = store.uploads.get_mut(&upload_id) {
            upload.completed = Some(id);
            upload.completing = false;
            unlisted = std::mem::take(&mut upload.parts)
                .into_values()
                .filter(|p| !used.contains(&p.path))
                .collect::<Vec<_>>();
        }
        (body, unlisted)
    };
    // Completed above, so the guard's reset changes nothing.
    drop(guard);
    // Parts uploaded but not listed are dropped, as S3 does.
    for part in unlisted {
        let _ = tokio::fs::remove_file(part.path).await;
    }
    Ok(Json(body))
}

/// Clears an upload's `completing` mark unless the completion went through.
struct CompletingGuard<'a> {
    state: &'a AppState,
    upload_id: &'a str,
}

impl Drop for CompletingGuard<'_> {
    fn drop(&mut self) {
        if let Some(session) = self.state.store().uploads.get_mut(self.upload_id) {
            session.completing = false;
        }
    }
}

/// `POST /service/public/assets/v1.0/signed-upload?...`: the v1 form upload of a whole file.
pub async fn signed_form_upload(
    State(state): State<AppState>,
    request: Request,
) -> ApiResult<Response> {
    let slot = request.extensions().get::<BodySlot>().cloned();
    let check = verify(&state, request.uri()).and_then(|upload_id| {
        let store = state.store();
        let session = store.uploads.get(&upload_id).ok_or_else(|| {
            ApiError::not_found(format!(
                "Upload {upload_id} not found: request a new presigned URL"
            ))
        })?;
        if session.completed.is_some() {
            return Err(ApiError::conflict(format!(
                "Upload {upload_id} is already completed"
            )));
        }
        Ok((upload_id, session.asset_data.clone(), session.asset.clone()))
    });
    let ((upload_id, asset_data, asset), request) = refuse_early(request, check).await?;
    let fields = read_upload_form(&state, request, &state.blobs_dir(), slot.as_ref()).await?;
    let (path, _) = check_form(fields, &asset_data).await?;
    let plan = {
        let store = state.store();
        store.plan_file(&asset, None, &mut || state.new_id())
    };
    let plan = match plan {
        Ok(plan) => plan,
        Err(error) => {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(error);
        }
    };
    let record = finish_file(&state, plan, &asset, Blob::Disk(path)).await?;
    let mut store = state.store();
    let id = store_new_file(&mut store, &state, record, &asset)?
        .id
        .clone();
    if let Some(upload) = store.uploads.get_mut(&upload_id) {
        upload.completed = Some(id);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /service/platform/assets/v1.0/upload/direct` (multipart with `file`).
pub async fn direct(
    State(state): State<AppState>,
    _auth: Authed,
    request: Request,
) -> ApiResult<Json<Value>> {
    let slot = request.extensions().get::<BodySlot>().cloned();
    let fields = read_upload_form(&state, request, &state.blobs_dir(), slot.as_ref()).await?;
    let result = direct_fields(&fields);
    let (asset, filename) = match result {
        Ok(found) => found,
        Err(error) => {
            discard(fields).await;
            return Err(error);
        }
    };
    let mut file_path = None;
    let mut rest = Vec::new();
    for field in fields {
        match field {
            FormField::File {
                name,
                data: FileData::Disk(path),
                ..
            } if name == "file" && file_path.is_none() => file_path = Some(path),
            other => rest.push(other),
        }
    }
    discard(rest).await;
    let path = file_path.ok_or_else(|| {
        ApiError::bad_request("Missing file field: send the content as a file part named `file`")
    })?;
    let plan = {
        let store = state.store();
        store.plan_file(&asset, filename.as_deref(), &mut || state.new_id())
    };
    let plan = match plan {
        Ok(plan) => plan,
        Err(error) => {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(error);
        }
    };
    let record = finish_file(&state, plan, &asset, Blob::Disk(path)).await?;
    let mut store = state.store();
    let stored = store_new_file(&mut store, &state, record, &asset)?;
    Ok(Json(stored.to_json(&state.base_url)))
}

/// Reads the text fields of a direct upload into an asset request and the file's name.
fn direct_fields(fields: &[FormField]) -> ApiResult<(AssetRequest, Option<String>)> {
    let mut asset = AssetFields::default();
    let mut tags: Vec<String> = Vec::new();
    let mut filename = None;
    let bool_field = |name: &str, value: &str| match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::validation(format!(
            "{name} must be 'true' or 'false', got '{value}'"
        ))),
    };
    for field in fields {
        match field {
            FormField::File {
                name, filename: f, ..
            } if name == "file" => filename = f.clone(),
            FormField::Text { name, value } => match name.as_str() {
                "path" => asset.path = Some(value.clone()),
                "name" => asset.name = Some(value.clone()),
                "access" => asset.access = Some(value.clone()),
                "format" => asset.format = Some(value.clone()),
                "tags" | "tags[]" => match serde_json::from_str::<Vec<String>>(value) {
                    // A JSON list in one field, or one tag per repeated field.
                    Ok(list) if value.trim_start().starts_with('[') => tags.extend(list),
                    _ => tags.push(value.clone()),
                },
                "metadata" => {
                    asset.metadata = Some(serde_json::from_str(value).map_err(|e| {
                        ApiError::validation(format!("metadata must be a JSON object: {e}"))
                    })?)
                }
                "overwrite" => asset.overwrite = Some(bool_field(name, value)?),
                "filenameOverride" => asset.filename_override = Some(bool_field(name, value)?),
                other => {
                    return Err(ApiError::validation(format!(
                        "Unknown field '{other}': direct upload takes file, path, name, access, tags, metadata, overwrite, filenameOverride"
                    )));
                }
            },
            FormField::File { name, .. } => {
                return Err(ApiError::validation(format!(
                    "Unexpected file part '{name}': send the content as a part named `file`"
                )));
            }
        }
    }
    if !tags.is_empty() {
        asset.tags = Some(tags);
    }
    Ok((asset.into_request()?, filename))
}

/// Removes `key` from a JSON object body, returning its value and the rest.
fn take_field(body: Value, key: &str) -> ApiResult<(Option<Value>, Value)> {
    match body {
        Value::Object(mut map) => {
            let value = map.remove(key);
            Ok((value, Value::Object(map)))
        }
        other => Err(ApiError::bad_request(format!(
            "Request body must be a JSON object, got {other}"
        ))),
    }
}

/// `POST /service/platform/assets/v1.0/upload/url`
pub async fn url_upload(
    State(state): State<AppState>,
    _auth: Authed,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let (url, body) = take_field(body, "url")?;
    let Some(Value::String(url)) = url else {
        return Err(ApiError::validation(
            "url is required: the URL of the asset to copy",
        ));
    };
    let fields: AssetFields = parse(body, "url upload")?;
    let asset = fields.into_request()?;
    let parsed = url::Url::parse(&url)
        .map_err(|e| ApiError::validation(format!("url is not a valid URL ({e}): '{url}'")))?;
    let found = cdn::lookup(&state.store(), parsed.path()).ok_or_else(|| {
        ApiError::bad_request(format!(
            "Could not download '{url}': the emulator has no network access and only copies URLs it serves"
        ))
    })?;
    let blob = duplicate(&state, found.blob)
        .await
        .map_err(|e| ApiError::internal(format!("Copy failed: {e}")))?;
    let url_name = parsed
        .path_segments()
        .and_then(|mut s| s.next_back())
        .map(cdn::percent_decode);
    let plan = {
        let store = state.store();
        store.plan_file(&asset, url_name.as_deref(), &mut || state.new_id())?
    };
    let record = finish_file(&state, plan, &asset, blob).await?;
    let mut store = state.store();
    let stored = store_new_file(&mut store, &state, record, &asset)?;
    Ok(Json(stored.to_json(&state.base_url)))
}

/// A copy of a blob that lives on independently of the original (stored content is never
/// changed in place, so a hard link is a copy; a real copy is made where links fail).
async fn duplicate(state: &AppState, blob: Blob) -> std::io::Result<Blob> {
    fn link_or_copy(source: &FsPath, target: &FsPath) -> std::io::Result<()> {
        std::fs::hard_link(source, target).or_else(|_| std::fs::copy(source, target).map(drop))
    }
    match blob {
        Blob::Memory(bytes) => Ok(Blob::Memory(bytes)),
        Blob::Disk(source) => {
            let target = state.new_blob_path();
            let to = target.clone();
            tokio::task::spawn_blocking(move || link_or_copy(&source, &to))
                .await
                .map_err(std::io::Error::other)??;
            Ok(Blob::Disk(target))
        }
        Blob::Parts(parts) => {
            // A directory of its own, as `Blob::Parts` requires.
            let dir = state.uploads_dir().join(state.new_id());
            let copies: Vec<PartFile> = parts
                .iter()
                .enumerate()
                .map(|(i, p)| PartFile {
                    path: dir.join(format!("part-{}", i + 1)),
                    size: p.size,
                })
                .collect();
            let targets = copies.clone();
            tokio::task::spawn_blocking(move || {
                std::fs::create_dir_all(&dir)?;
                let linked = parts
                    .iter()
                    .zip(&targets)
                    .try_for_each(|(source, target)| link_or_copy(&source.path, &target.path));
                if linked.is_err() {
                    let _ = std::fs::remove_dir_all(&dir);
                }
                linked
            })
            .await
            .map_err(std::io::Error::other)??;
            Ok(Blob::Parts(Arc::from(copies)))
        }
    }
}

/// Stores a new file whose content is its own (not an upload session's parts): a name taken
/// since it was planned is decided again under this lock (see [`Store::insert_file`]), and a
/// refused file's content is removed.
fn store_new_file<'s>(
    store: &'s mut Store,
    state: &AppState,
    record: FileRecord,
    asset: &AssetRequest,
) -> ApiResult<&'s FileRecord> {
    let blob = record.blob.clone();
    match store.insert_file(record, Store::clash_of(asset), &mut || state.new_id()) {
        Ok(stored) => Ok(stored),
        Err(error) => {
            crate::store::remove_blob(&blob);
            Err(error)
        }
    }
}

/// Builds the record of a stored file, reading its head for format and dimensions.
async fn finish_file(
    state: &AppState,
    plan: FilePlan,
    asset: &AssetRequest,
    blob: Blob,
) -> ApiResult<FileRecord> {
    let read_error =
        |e: std::io::Error| ApiError::internal(format!("Could not read the stored file: {e}"));
    let size = match &blob {
        Blob::Memory(bytes) => bytes.len() as u64,
        Blob::Disk(path) => tokio::fs::metadata(path).await.map_err(read_error)?.len(),
        Blob::Parts(parts) => parts.iter().map(|p| p.size).sum(),
    };
    // The first MiB is enough for any image header.
    let head = cdn::read_prefix(&blob, 1 << 20).await.map_err(read_error)?;
    let sniffed = media::sniff(&head);
    let ext = plan
        .name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase());
    let format = asset
        .format
        .clone()
        .or_else(|| sniffed.map(|s| s.format.to_string()))
        .or(ext.clone())
        .unwrap_or_default();
    let content_type = sniffed
        .map(|s| s.content_type.to_string())
        .or_else(|| media::content_type_for_extension(&format).map(str::to_string))
        .unwrap_or_else(|| "application/octet-stream".into());
    let (width, height) =
        media::dimensions(&head).map_or((None, None), |(w, h)| (Some(w), Some(h)));
    let now = ids::now_iso();
    let mut store = state.store();
    Ok(FileRecord {
        id: plan.replaces.clone().unwrap_or_else(|| state.new_id()),
        seq: store.next_seq(),
        name: plan.name,
        path: plan.path,
        format,
        content_type,
        size,
        access: asset.access.clone().unwrap_or_else(|| "public-read".into()),
        tags: asset.tags.clone().unwrap_or_default(),
        metadata: asset.metadata.clone().unwrap_or_else(|| json!({})),
        is_active: true,
        width,
        height,
        created_at: now.clone(),
        updated_at: now,
        blob,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Completed multipart uploads as the store keeps them: their parts, in place.
    mod parts {
        use std::path::Path;

        use base64::Engine;
        use reqwest::multipart::{Form, Part};
        use serde_json::{Value, json};

        use crate::store::Blob;
        use crate::{Emulator, EmulatorOptions};

        async fn emulator() -> Emulator {
            Emulator::start(EmulatorOptions::default()).await.unwrap()
        }

        fn client() -> reqwest::Client {
            reqwest::Client::builder().no_proxy().build().unwrap()
        }

        fn bearer() -> String {
            let token = base64::engine::general_purpose::STANDARD.encode("parts-secret");
            format!("Bearer {token}")
        }

        async fn signed_url(emu: &Emulator, name: &str) -> (String, String) {
            let answer: Value = client()
                .post(format!(
                    "{}/service/platform/assets/v2.0/upload/signed-url",
                    emu.url()
                ))
                .header("authorization", bearer())
                .json(&json!({"name": name, "format": "bin"}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let presigned = &answer["presignedUrl"];
            (
                presigned["url"].as_str().unwrap().to_string(),
                presigned["fields"][super::ASSET_DATA_FIELD]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        }

        async fn put_part(url: &str, asset_data: &str, n: u32, data: Vec<u8>) -> u16 {
            let form = Form::new()
                .text(super::ASSET_DATA_FIELD, asset_data.to_string())
                .part("file", Part::bytes(data).file_name("file"));
            client()
                .put(format!("{url}&partNumber={n}"))
                .multipart(form)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }

        async fn complete(url: &str, asset_data: &str, parts: Value) -> (u16, Value) {
            let response = client()
                .post(url)
                .json(&json!({"parts": parts, super::ASSET_DATA_FIELD: asset_data}))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json().await.unwrap_or(Value::Null))
        }

        /// The stored file's content: (Content-Length header, body).
        async fn fetch(url: &str) -> (Option<u64>, Vec<u8>) {
            let response = client().get(url).send().await.unwrap();
            assert_eq!(response.status(), 200);
            let length = response
                .headers()
                .get("content-length")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok());
            (length, response.bytes().await.unwrap().to_vec())
        }

        fn files_in(dir: &Path) -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(dir)
                .map(|entries| {
                    entries
                        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            names
        }

        fn blob_of(emu: &Emulator, id: &str) -> Blob {
            emu.state.store().files()[id].blob.clone()
        }

        #[tokio::test]
        async fn completion_keeps_the_listed_parts_and_serves_them_back_to_back() {
            let emu = emulator().await;
            let (url, asset_data) = signed_url(&emu, "joined").await;
            let upload_id = url.rsplit("pbu=").next().unwrap().to_string();
            let upload_dir = emu.state.uploads_dir().join(&upload_id);
            let one: Vec<u8> = (0..70_000u32).map(|i| (i % 253) as u8).collect();
            let two: Vec<u8> = (0..50_000u32).map(|i| (i % 241) as u8).collect();
            assert_eq!(put_part(&url, &asset_data, 2, vec![9; 10]).await, 204);
            // Sent again: the new content replaces the old, whose file goes.
            assert_eq!(put_part(&url, &asset_data, 2, two.clone()).await, 204);
            assert_eq!(put_part(&url, &asset_data, 1, one.clone()).await, 204);
            // Not listed at completion: dropped.
            assert_eq!(put_part(&url, &asset_data, 3, vec![7; 99]).await, 204);
            assert_eq!(files_in(&upload_dir).len(), 3);

            let (status, file) = complete(&url, &asset_data, json!([1, 2])).await;
            assert_eq!(status, 200, "{file}");
            assert_eq!(file["size"], 120_000);
            let id = file["_id"].as_str().unwrap();
            let Blob::Parts(parts) = blob_of(&emu, id) else {
                panic!("a multipart upload is kept as its parts");
            };
            assert_eq!(
                parts.iter().map(|p| p.size).collect::<Vec<_>>(),
                [70_000, 50_000]
            );
            assert_eq!(files_in(&upload_dir).len(), 2, "part 3 was removed");

            let (length, body) = fetch(file["url"].as_str().unwrap()).await;
            assert_eq!(length, Some(120_000));
            assert_eq!(body, [one.clone(), two.clone()].concat());

            // Deleting the file removes its parts and their directory.
            let deleted = client()
                .delete(format!(
                    "{}/service/platform/assets/v1.0/files/joined.bin",
                    emu.url()
                ))
                .header("authorization", bearer())
                .send()
                .await
                .unwrap();
            assert_eq!(deleted.status(), 200);
            assert!(!upload_dir.exists(), "{:?}", files_in(&upload_dir));
        }

        #[tokio::test]
        async fn url_uploads_copy_multipart_files() {
            let emu = emulator().await;
            let (url, asset_data) = signed_url(&emu, "source").await;
            assert_eq!(
                put_part(&url, &asset_data, 1, b"first ".to_vec()).await,
                204
            );
            assert_eq!(
                put_part(&url, &asset_data, 2, b"second".to_vec()).await,
                204
            );
            let (status, file) = complete(&url, &asset_data, json!([1, 2])).await;
            assert_eq!(status, 200, "{file}");
            let copy: Value = client()
                .post(format!(
                    "{}/service/platform/assets/v1.0/upload/url",
                    emu.url()
                ))
                .header("authorization", bearer())
                .json(&json!({"url": file["url"], "name": "copy", "format": "bin"}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(copy["size"], 12, "{copy}");
            // The copy outlives the original.
            let original = blob_of(&emu, file["_id"].as_str().unwrap());
            crate::store::remove_blob(&original);
            let (length, body) = fetch(copy["url"].as_str().unwrap()).await;
            assert_eq!((length, body), (Some(12), b"first second".to_vec()));
        }

        #[tokio::test]
        async fn parts_and_completions_wait_for_a_completion_in_progress() {
            let emu = emulator().await;
            let (url, asset_data) = signed_url(&emu, "busy").await;
            assert_eq!(put_part(&url, &asset_data, 1, b"data".to_vec()).await, 204);
            let upload_id = url.rsplit("pbu=").next().unwrap().to_string();
            let mark = |on: bool| {
                emu.state
                    .store()
                    .uploads
                    .get_mut(&upload_id)
                    .unwrap()
                    .completing = on;
            };
            mark(true);
            assert_eq!(put_part(&url, &asset_data, 2, b"late".to_vec()).await, 409);
            let (status, body) = complete(&url, &asset_data, json!([1])).await;
            assert_eq!(status, 409, "{body}");
            assert!(
                body["message"]
                    .as_str()
                    .unwrap()
                    .contains("being completed")
            );
            mark(false);
            let (status, file) = complete(&url, &asset_data, json!([1])).await;
            assert_eq!(status, 200, "{file}");
            assert_eq!(fetch(file["url"].as_str().unwrap()).await.1, b"data");
        }

        #[tokio::test]
        async fn recorded_part_hashes_survive_the_file() {
            use sha2::{Digest, Sha256};

            let emu = emulator().await;
            let (url, asset_data) = signed_url(&emu, "hashed").await;
            let data = vec![42u8; 100_000];
            assert_eq!(put_part(&url, &asset_data, 1, data.clone()).await, 204);
            let (status, file) = complete(&url, &asset_data, json!([1])).await;
            assert_eq!(status, 200, "{file}");
            let blob = blob_of(&emu, file["_id"].as_str().unwrap());
            crate::store::remove_blob(&blob);
            let parts = emu.recorded("upload.part");
            match parts[0].body.field("file") {
                Some(crate::RecordedField::File { size, sha256, .. }) => {
                    assert_eq!(*size, 100_000);
                    assert_eq!(*sha256, hex::encode(Sha256::digest(&data)));
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn part_numbers() {
        let uri: Uri = "/x?pbs=a&partNumber=3".parse().unwrap();
        assert_eq!(part_number(&uri).unwrap(), 3);
        for bad in [
            "/x?partNumber=0",
            "/x?partNumber=abc",
            "/x?partNumber=10001",
            "/x",
        ] {
            let uri: Uri = bad.parse().unwrap();
            assert_eq!(part_number(&uri).unwrap_err().status.as_u16(), 400, "{bad}");
        }
    }
}

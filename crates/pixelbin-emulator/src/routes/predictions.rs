//! Prediction routes: create (multipart or JSON), get, list and schema.
//!
//! Jobs are decided when created (the emulator's "model" only checks its input and writes a
//! generated PNG) and show `ACCEPTED` until `prediction_delay` has passed.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header;
use bytes::Bytes;
use serde_json::{Value, json};

use crate::jobs::models::{self, FieldKind, MAX_IMAGE_SIDE, MAX_IMAGE_SIZE, Model};
use crate::media;
use crate::routes::cdn;
use crate::state::{AppState, ORG_ID};
use crate::store::{Job, Outcome, ServedBlob};
use crate::wire::auth::Authed;
use crate::wire::errors::{ApiError, ApiResult};
use crate::wire::extract::JsonBody;
use crate::wire::form::{FileData, FileSink, FormField, read_form};
use crate::wire::record::BodySlot;

/// Largest image file a create request may carry (bigger ones are refused with 413; ones
/// between the model's 25 MiB limit and this fail the job instead, as on the real service).
pub const MAX_UPLOADED_INPUT: u64 = 64 * 1024 * 1024;

/// `GET /service/public/transformation/v1.0/predictions`
pub async fn list() -> Json<Value> {
    Json(Value::Array(
        models::MODELS.iter().map(Model::summary).collect(),
    ))
}

/// `GET /service/public/transformation/v1.0/predictions/schema/{name}`
pub async fn schema(Path(name): Path<String>) -> ApiResult<Json<Value>> {
    split_name(&name)?;
    let model = find_model(&name)?;
    Ok(Json(model.schema()))
}

/// `GET /service/platform/transformation/v1.0/predictions/{id}`
pub async fn get(
    State(state): State<AppState>,
    _auth: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    if !is_well_formed_job_id(&id) {
        return Err(ApiError::bad_request(format!(
            "Malformed prediction id '{id}': ids look like 'erase--bg--<uuid>', as returned in `_id` by create"
        )));
    }
    let job = state
        .store()
        .jobs()
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("Prediction '{id}' not found")))?;
    Ok(Json(job_json(&state, &job)))
}

/// `POST /service/platform/transformation/v1.0/predictions/{plugin}/{operation}`
pub async fn create(
    State(state): State<AppState>,
    _auth: Authed,
    Path((plugin, operation)): Path<(String, String)>,
    request: Request,
) -> ApiResult<Json<Value>> {
    for part in [&plugin, &operation] {
        if !is_name_segment(part) {
            return Err(ApiError::bad_request(format!(
                "Malformed model name '{plugin}_{operation}': plugin and operation are lower-case letters, digits and '-'"
            )));
        }
    }
    let model = find_model(&format!("{plugin}_{operation}"))?;
    let headers = request.headers().clone();
    let fields = read_fields(&state, request).await?;
    let (input, webhook) = collect_inputs(model, fields)?;
    let webhook = webhook
        .map(|url| check_webhook_url(&url).map(|()| url))
        .transpose()?;

    let uuid = state.new_id();
    let id = format!("{plugin}--{operation}--{uuid}");
    let mut echoed = serde_json::Map::new();
    let mut image: Option<Result<Bytes, String>> = None;
    for (key, value) in input {
        let field = model
            .field(&key)
            .ok_or_else(|| unknown_field(model, &key))?;
        match (field.kind, value) {
            (
                FieldKind::Image,
                InputValue::File {
                    bytes,
                    content_type,
                },
            ) => {
                // A file breaking the schema's limits is refused now, naming the limit; a URL
                // is only read later, so its image fails the job instead (see `decide`).
                check_image(model, &bytes)
                    .map_err(|limit| ApiError::validation(format!("input.{key}: {limit}")))?;
                let sniffed = media::sniff(&bytes);
                let ext = sniffed.map_or("bin", |s| s.format);
                let path = format!("/predictions/inputs/{plugin}/{operation}/{uuid}/{key}/0.{ext}");
                echoed.insert(key, json!(format!("{}{path}", state.base_url)));
                state.store().insert_served(
                    path,
                    ServedBlob {
                        content_type: sniffed.map_or(content_type, |s| s.content_type.into()),
                        bytes: bytes.clone(),
                    },
                );
                image = Some(Ok(bytes));
            }
            (FieldKind::Image, InputValue::Value(Value::String(url))) => {
                // Judged by its bytes (see `check_image`), whatever type the URL answered with.
                image = Some(
                    resolve_image_url(&state, &url)
                        .await
                        .map(|(bytes, _)| bytes),
                );
                echoed.insert(key, json!(url));
            }
            (FieldKind::Image, InputValue::Value(other)) => {
                return Err(ApiError::validation(format!(
                    "input.{key} must be an image URL or a file, got {other}"
                )));
            }
            (FieldKind::Enum(allowed), InputValue::Value(Value::String(s))) => {
                if !allowed.contains(&s.as_str()) {
                    return Err(ApiError::validation(format!(
                        "input.{key} must be one of {}, got '{s}'",
                        allowed.join(", ")
                    )));
                }
                echoed.insert(key, json!(s));
            }
            (FieldKind::Boolean, InputValue::Value(v)) => {
                let b = match &v {
                    Value::Bool(b) => *b,
                    Value::String(s) if s == "true" => true,
                    Value::String(s) if s == "false" => false,
                    _ => {
                        return Err(ApiError::validation(format!(
                            "input.{key} must be a boolean (true/false), got {v}"
                        )));
                    }
                };
                echoed.insert(key, json!(b));
            }
            (_, InputValue::File { .. }) => {
                return Err(ApiError::validation(format!(
                    "input.{key} is not a file input; send it as a text field"
                )));
            }
            (_, InputValue::Value(v)) => {
                return Err(ApiError::validation(format!(
                    "input.{key} has the wrong type: {v}"
                )));
            }
        }
    }

    let decided = decide(model, image);
    // Only a valid create spends credits (a successful one) and takes a running-job slot.
    let token = crate::wire::auth::token(&headers).unwrap_or_default();
    let charged = if decided.is_ok() { model.credits } else { 0 };
    state.credits.spend(&token, model.credits, charged)?;
    let done_at = tokio::time::Instant::now() + state.prediction_delay;
    if let Err(refused) = state.limits.admit_job(&headers, done_at) {
        state.credits.refund(&token, charged);
        return Err(refused);
    }

    let outcome = match decided {
        Ok((width, height, seed)) => {
            let png = media::generate_png(
                width.saturating_mul(model.scale),
                height.saturating_mul(model.scale),
                &seed,
            );
            let path = format!("/predictions/outputs/30d/{plugin}/{operation}/{uuid}/result_0.png");
            state.store().insert_served(
                path.clone(),
                ServedBlob {
                    content_type: "image/png".into(),
                    bytes: Bytes::from(png),
                },
            );
            Outcome::Success {
                output: vec![format!("{}{path}", state.base_url)],
                credits: model.credits,
            }
        }
        Err(error) => Outcome::Failure { error },
    };
    let job = Job {
        id: id.clone(),
        input: Value::Object(echoed),
        created_at: crate::store::ids::now_iso(),
        done_at,
        outcome,
        webhook: webhook.clone(),
    };
    let body = job_json(&state, &job);
    state.store().insert_job(job);
    if let Some(url) = webhook {
        crate::jobs::webhooks::schedule(&state, id, url, done_at);
    }
    state
        .predictions_created
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Ok(Json(body))
}

/// A value given for one input.
enum InputValue {
    Value(Value),
    File { bytes: Bytes, content_type: String },
}

/// Reads a multipart or JSON create body into `(name, value)` pairs in order.
async fn read_fields(state: &AppState, request: Request) -> ApiResult<Vec<(String, InputValue)>> {
    let slot = request.extensions().get::<BodySlot>().cloned();
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("multipart/form-data"));
    if is_multipart {
        let multipart = Multipart::from_request(request, state).await.map_err(|e| {
            ApiError::bad_request(format!("Invalid multipart body: {}", e.body_text()))
        })?;
        let fields = read_form(
            multipart,
            FileSink::Memory {
                max: MAX_UPLOADED_INPUT,
            },
            slot.as_ref(),
        )
        .await?;
        Ok(fields
            .into_iter()
            .map(|field| match field {
                FormField::Text { name, value } => (name, InputValue::Value(Value::String(value))),
                FormField::File {
                    name,
                    filename,
                    content_type,
                    data,
                    ..
                } => {
                    let bytes = match data {
                        FileData::Memory(bytes) => bytes,
                        FileData::Disk(_) => Bytes::new(), // not produced by a memory sink
                    };
                    let content_type = effective_content_type(
                        content_type.as_deref(),
                        filename.as_deref(),
                        &bytes,
                    );
                    (
                        name,
                        InputValue::File {
                            bytes,
                            content_type,
                        },
                    )
                }
            })
            .collect())
    } else {
        let JsonBody(body) = JsonBody::from_request(request, state).await?;
        let Value::Object(map) = body else {
            return Err(ApiError::bad_request(
                "Request body must be a JSON object of `input.<key>` and `webhook` fields",
            ));
        };
        Ok(map
            .into_iter()
            .map(|(k, v)| (k, InputValue::Value(v)))
            .collect())
    }
}

/// Splits wire fields into model inputs and the webhook, refusing unknown or repeated fields.
fn collect_inputs(
    model: &Model,
    fields: Vec<(String, InputValue)>,
) -> ApiResult<(BTreeMap<String, InputValue>, Option<String>)> {
    let mut inputs = BTreeMap::new();
    let mut webhook = None;
    for (name, value) in fields {
        if name == "webhook" {
            match value {
                InputValue::Value(Value::String(url)) => webhook = Some(url),
                InputValue::Value(Value::Null) => {}
                _ => return Err(ApiError::validation("webhook must be a URL string")),
            }
            continue;
        }
        let Some(key) = name.strip_prefix("input.") else {
            return Err(ApiError::validation(format!(
                "Unknown field '{name}': send `webhook` and `input.<key>` fields"
            )));
        };
        if model.field(key).is_none() {
            return Err(unknown_field(model, key));
        }
        if matches!(value, InputValue::Value(Value::Null)) {
            continue;
        }
        if inputs.insert(key.to_string(), value).is_some() {
            return Err(ApiError::validation(format!(
                "input.{key} was given more than once; {} takes a single value",
                model.name
            )));
        }
    }
    Ok((inputs, webhook))
}

fn unknown_field(model: &Model, key: &str) -> ApiError {
    let names: Vec<&str> = model.fields.iter().map(|f| f.name).collect();
    ApiError::validation(format!(
        "input.{key} is not an input of {}; its inputs are {}",
        model.name,
        names.join(", ")
    ))
}

/// Checks an image against the limits the model's schema declares (`imageValidation` and
/// `supportedContentTypes`); `Ok` gives its dimensions, `Err` names the broken limit.
///
/// Like the service, the content is judged by its bytes: a text file named `broken.png`, or sent
/// as `image/png`, is not an image.
pub fn check_image(model: &Model, bytes: &[u8]) -> Result<(u32, u32), String> {
    if bytes.is_empty() {
        return Err("image is empty".into());
    }
    if bytes.len() as u64 > MAX_IMAGE_SIZE {
        return Err(format!(
            "image is too large: {} bytes, above imageValidation.maxSize of {} ({MAX_IMAGE_SIZE} bytes)",
            bytes.len(),
            model.name
        ));
    }
    let Some(sniffed) = media::sniff(bytes) else {
        return Err(format!(
            "not an image: its content is none of the supportedContentTypes of {} ({}), whatever its name or declared type; send the image file itself",
            model.name,
            models::SUPPORTED_CONTENT_TYPES.join(", ")
        ));
    };
    if !models::SUPPORTED_CONTENT_TYPES.contains(&sniffed.content_type) {
        return Err(format!(
            "unsupported content type '{}': supportedContentTypes of {} are {}",
            sniffed.content_type,
            model.name,
            models::SUPPORTED_CONTENT_TYPES.join(", ")
        ));
    }
    let (width, height) = media::dimensions(bytes).unwrap_or((64, 64));
    if width > MAX_IMAGE_SIDE {
        return Err(format!(
            "image is too large: {width}x{height} pixels, above imageValidation.maxWidth of {MAX_IMAGE_SIDE}"
        ));
    }
    if height > MAX_IMAGE_SIDE {
        return Err(format!(
            "image is too large: {width}x{height} pixels, above imageValidation.maxHeight of {MAX_IMAGE_SIDE}"
        ));
    }
    Ok((width, height))
}

/// A webhook must be an absolute http(s) URL: the emulator will POST the final job to it.
fn check_webhook_url(url: &str) -> ApiResult<()> {
    match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => Ok(()),
        _ => Err(ApiError::validation(format!(
            "webhook must be an absolute http(s) URL, got '{url}'"
        ))),
    }
}

/// Checks the image the way the real model does; `Ok` gives the size of the output.
fn decide(
    model: &Model,
    image: Option<Result<Bytes, String>>,
) -> Result<(u32, u32, Vec<u8>), String> {
    let Some(image) = image else {
        return Err("image not found".into());
    };
    let bytes = image?;
    let (width, height) = check_image(model, &bytes)?;
    let seed = <sha2::Sha256 as sha2::Digest>::digest(&bytes).to_vec();
    Ok((width, height, seed))
}

/// The content type of an uploaded input: the declared one unless it is generic, else sniffed.
fn effective_content_type(declared: Option<&str>, filename: Option<&str>, bytes: &[u8]) -> String {
    let declared = declared
        .map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or(ct)
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|ct| !ct.is_empty() && ct != "application/octet-stream");
    if let Some(ct) = declared {
        return ct;
    }
    if let Some(sniffed) = media::sniff(bytes) {
        return sniffed.content_type.to_string();
    }
    filename
        .and_then(|f| f.rsplit_once('.'))
        .and_then(|(_, ext)| media::content_type_for_extension(ext))
        .unwrap_or("application/octet-stream")
        .to_string()
}

/// Finds the bytes behind an image URL, which must be one the emulator serves.
async fn resolve_image_url(state: &AppState, url: &str) -> Result<(Bytes, String), String> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(format!(
            "image must be an http(s) URL or an uploaded file, got '{url}'"
        ));
    }
    match cdn::read_url(state, url, MAX_IMAGE_SIZE).await {
        Ok(Some(found)) => Ok(found),
        Ok(None) => Err(format!(
            "could not download image from '{url}': the emulator has no network access and only \
             reads URLs it serves (uploaded files, prediction outputs, the playground default)"
        )),
        Err(size) => Err(format!(
            "image is too large: {size} bytes, the limit is {MAX_IMAGE_SIZE} bytes"
        )),
    }
}

/// The job object; status depends on whether `prediction_delay` has passed.
pub fn job_json(state: &AppState, job: &Job) -> Value {
    let done = tokio::time::Instant::now() >= job.done_at;
    let mut body = json!({
        "_id": job.id,
        "input": job.input,
        "status": "ACCEPTED",
        "urls": {"get": format!(
            "{}/service/platform/transformation/v1.0/predictions/{}",
            state.base_url, job.id
        )},
        "orgId": ORG_ID,
        "retention": "30d",
        "createdAt": job.created_at,
    });
    if done {
        match &job.outcome {
            Outcome::Success { output, credits } => {
                body["status"] = json!("SUCCESS");
                body["output"] = json!(output);
                body["consumedCredits"] = json!(credits);
            }
            Outcome::Failure { error } => {
                body["status"] = json!("FAILURE");
                body["error"] = json!(error);
            }
        }
    }
    body
}

fn find_model(name: &str) -> ApiResult<&'static Model> {
    models::find(name).ok_or_else(|| {
        ApiError::not_found(format!(
            "Model '{name}' not found; `pixelbin predictions list` (or `predictions().list()` in the SDK) lists the models"
        ))
    })
}

/// Checks the `plugin_operation` form.
fn split_name(name: &str) -> ApiResult<(&str, &str)> {
    match name.split('_').collect::<Vec<_>>().as_slice() {
        [plugin, operation] if !plugin.is_empty() && !operation.is_empty() => {
            Ok((plugin, operation))
        }
        _ => Err(ApiError::bad_request(format!(
            "Malformed model name '{name}': name must be in 'plugin_operation' format, e.g. 'erase_bg'"
        ))),
    }
}

fn is_name_segment(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// `plugin--operation--<uuid>`.
fn is_well_formed_job_id(id: &str) -> bool {
    let parts: Vec<&str> = id.splitn(3, "--").collect();
    match parts.as_slice() {
        [plugin, operation, uuid] => {
            is_name_segment(plugin)
                && is_name_segment(operation)
                && uuid.len() == 36
                && uuid.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids() {
        assert!(is_well_formed_job_id(
            "erase--bg--0198f54a-cc84-7ccc-b31f-18dd0a5b0f01"
        ));
        assert!(!is_well_formed_job_id("erase--bg"));
        assert!(!is_well_formed_job_id("erase--bg--nope"));
        assert!(!is_well_formed_job_id(
            "Erase--bg--0198f54a-cc84-7ccc-b31f-18dd0a5b0f01"
        ));
    }

    #[test]
    fn names() {
        assert!(split_name("erase_bg").is_ok());
        assert!(split_name("erasebg").is_err());
        assert!(split_name("a_b_c").is_err());
        assert!(split_name("_bg").is_err());
    }

    #[test]
    fn content_type_prefers_declared_then_sniffed() {
        let png = media::generate_png(2, 2, b"x");
        assert_eq!(
            effective_content_type(Some("application/octet-stream"), None, &png),
            "image/png"
        );
        assert_eq!(
            effective_content_type(Some("text/plain"), None, &png),
            "text/plain"
        );
        assert_eq!(
            effective_content_type(None, Some("a.webp"), b"junk"),
            "image/webp"
        );
        assert_eq!(
            effective_content_type(None, None, b"junk"),
            "application/octet-stream"
        );
    }

    #[test]
    fn decisions() {
        let model = models::find("erase_bg").unwrap();
        assert_eq!(decide(model, None).unwrap_err(), "image not found");
        let png = Bytes::from(media::generate_png(10, 20, b"x"));
        assert_eq!(decide(model, Some(Ok(png))).unwrap().0, 10);
        // Judged by content: text is not an image, whatever it is called.
        let text = Bytes::from_static(b"this is a text file named broken.png");
        let refused = decide(model, Some(Ok(text))).unwrap_err();
        assert!(refused.starts_with("not an image"), "{refused}");
        let mut huge = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        huge.extend_from_slice(&20_000u32.to_be_bytes());
        huge.extend_from_slice(&10u32.to_be_bytes());
        assert!(
            decide(model, Some(Ok(Bytes::from(huge))))
                .unwrap_err()
                .contains("20000x10")
        );
    }
}

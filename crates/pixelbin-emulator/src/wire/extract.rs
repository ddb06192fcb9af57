//! Request-body extractors that answer with the Pixelbin error body and record what they read.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::state::AppState;
use crate::wire::errors::ApiError;
use crate::wire::record::{BodySlot, RecordedBody};

/// A JSON request body (an empty body reads as `{}`).
#[derive(Debug, Clone)]
pub struct JsonBody(pub Value);

impl FromRequest<AppState> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let slot = request.extensions().get::<BodySlot>().cloned();
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| body_error(e.status().as_u16(), &e.body_text()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            if let Some(slot) = &slot {
                slot.set(RecordedBody::Empty);
            }
            return Ok(JsonBody(Value::Object(Default::default())));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(value) => {
                if let Some(slot) = &slot {
                    slot.set(RecordedBody::Json(value.clone()));
                }
                Ok(JsonBody(value))
            }
            Err(e) => {
                if let Some(slot) = &slot {
                    slot.set(RecordedBody::Raw {
                        size: bytes.len() as u64,
                        sha256: hex::encode(Sha256::digest(&bytes)),
                    });
                }
                Err(ApiError::bad_request(format!(
                    "Request body is not valid JSON ({e}); send a JSON object with Content-Type: application/json"
                )))
            }
        }
    }
}

/// Maps a body-reading failure (too large, broken stream) to an error body.
pub fn body_error(status: u16, detail: &str) -> ApiError {
    if status == 413 {
        ApiError::too_large(format!(
            "Request body is larger than this route accepts: {detail}"
        ))
    } else {
        ApiError::bad_request(format!("Could not read the request body: {detail}"))
    }
}

/// Deserialises a JSON value into `T`, naming the offending field on failure.
pub fn parse<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, ApiError> {
    serde_json::from_value(value)
        .map_err(|e| ApiError::validation(format!("Invalid {what} body: {e}")))
}

/// Reads and discards a request body, so an early error reaches the client as a response
/// rather than as a connection closed under a half-sent body.
pub async fn drain(body: Body) {
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        if chunk.is_err() {
            break;
        }
    }
}

/// Reads the first chunk of a body, if any (a reset then happens mid-request).
pub async fn read_first_chunk(body: Body) {
    let mut stream = body.into_data_stream();
    let _ = stream.next().await;
}

//! The three HTTP steps of a signed multipart upload:
//!
//! 1. `POST /service/platform/assets/v2.0/upload/signed-url` (JSON request
//!    fields) -> `{"presignedUrl": {"url", "fields"}}`;
//! 2. per part `PUT {url}&partNumber={n}`, multipart/form-data with every
//!    signed field as a text part, then the chunk as part `file`; 204 expected;
//! 3. `POST {url}` JSON `{"parts": [1..=N], ...fields}` -> the file object.
//!
//! Steps 2 and 3 go to the presigned URL, which carries its own signature:
//! they are sent without the `Authorization` header, and with the upload's
//! retry policy (`maxRetries`, `exponentialFactor`; what is retried is
//! `pixelbin_http::retry`'s table: a part PUT is idempotent, the completion
//! POST is not, so it is repeated only when it never reached the server or
//! was refused with 429).

use std::time::Duration;

use bytes::Bytes;
use pixelbin_http::retry::Pushback;
use pixelbin_http::{ApiRequest, Form, RetryPolicy, Transport};
use serde::Deserialize;
use serde_json::{Map, Value};
use url::Url;

use crate::FileObject;
use crate::error::UploadError;
use crate::options::{MIN_COMPLETE_TIMEOUT, UploadOptions};
use crate::request::UploadRequest;
use crate::resume::{PresignedUrl, parse_presigned};
use crate::window::{PartSender, Sent};

use pixelbin_http::model::SIGNED_URL_V2_PATH;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignedUrlResponse {
    presigned_url: Option<PresignedUrl>,
}

/// Step 1: asks Pixelbin for a presigned multipart URL.
pub(crate) async fn create_signed_url(
    transport: &Transport,
    request: &UploadRequest,
) -> Result<PresignedUrl, UploadError> {
    let req = ApiRequest::post(transport.api_url(SIGNED_URL_V2_PATH))
        .json(request)
        .map_err(UploadError::SignedUrl)?;
    let response = transport.send(req).await.map_err(UploadError::SignedUrl)?;
    let body: SignedUrlResponse = response.json().map_err(UploadError::SignedUrl)?;
    let presigned = body
        .presigned_url
        .ok_or_else(|| UploadError::InvalidResponse("it has no `presignedUrl`".to_owned()))?;
    parse_presigned(&presigned).map_err(|_| {
        UploadError::InvalidResponse("`presignedUrl.url` is not an absolute URL".to_owned())
    })?;
    Ok(presigned)
}

/// Steps 2 and 3 against one presigned URL.
pub(crate) struct PresignedTarget<'a> {
    transport: &'a Transport,
    url: Url,
    /// The signed fields as text, in the order the server sent them.
    text_fields: Vec<(String, String)>,
    fields: &'a Map<String, Value>,
    part_timeout: Option<Duration>,
    complete_timeout: Duration,
    retry: RetryPolicy,
}

impl<'a> PresignedTarget<'a> {
    pub(crate) fn new(
        transport: &'a Transport,
        presigned: &'a PresignedUrl,
        options: &UploadOptions,
    ) -> Result<Self, UploadError> {
        let complete_timeout = options
            .complete_timeout
            .unwrap_or_else(|| transport.config().http().timeout.max(MIN_COMPLETE_TIMEOUT));
        Ok(PresignedTarget {
            transport,
            url: parse_presigned(presigned)?,
            text_fields: presigned.text_fields(),
            fields: &presigned.fields,
            part_timeout: options.part_timeout,
            complete_timeout,
            retry: options.retry_policy(transport.config().retry()),
        })
    }

    /// A request to the presigned URL: no Authorization header (the URL is
    /// signed), the upload's retry policy.
    fn request(&self, req: ApiRequest) -> ApiRequest {
        req.without_auth().retry(self.retry.clone())
    }

    /// Step 3: completes the upload with parts `1..=parts`.
    pub(crate) async fn complete(&self, parts: u32) -> Result<FileObject, pixelbin_http::Error> {
        let body = completion_body(parts, self.fields);
        let req = self
            .request(ApiRequest::post(self.url.clone()))
            .timeout(self.complete_timeout)
            .json(&body)?;
        let response = self.transport.send(req).await?;
        response.json()
    }
}

impl PartSender for PresignedTarget<'_> {
    /// Step 2, retried per the upload's policy.
    async fn send_part(&self, part_number: u32, data: Bytes) -> Result<Sent, pixelbin_http::Error> {
        let mut form = Form::new();
        for (name, value) in &self.text_fields {
            form = form.text(name.clone(), value.clone());
        }
        // "file" is also the filename the reference's HTTP client gives bytes.
        let form = form.file("file", "file", "application/octet-stream", data);
        let pushback = Pushback::new();
        let mut req = self
            .request(ApiRequest::put(self.url.clone()))
            .query("partNumber", part_number.to_string())
            .multipart(form)
            .idempotent(true)
            .record_pushback(&pushback);
        if let Some(timeout) = self.part_timeout {
            req = req.timeout(timeout);
        }
        // Any 2xx is success (the service answers 204).
        self.transport.send(req).await?;
        Ok(Sent {
            pushed_back: pushback.any(),
        })
    }
}

/// A signed field as form text: strings as they are, anything else as JSON
/// (booleans `true`/`false`), as the reference sends them.
/// `{"parts": [1..=N], ...fields}` (a field named `parts` wins, as in the reference).
fn completion_body(parts: u32, fields: &Map<String, Value>) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert(
        "parts".to_owned(),
        Value::Array((1..=parts).map(Value::from).collect()),
    );
    for (name, value) in fields {
        body.insert(name.clone(), value.clone());
    }
    body
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn completion_lists_every_part_and_the_fields() {
        let mut fields = Map::new();
        fields.insert("x-pixb-meta-assetdata".into(), json!("{\"a\":1}"));
        let body = completion_body(3, &fields);
        assert_eq!(
            Value::Object(body),
            json!({"parts": [1, 2, 3], "x-pixb-meta-assetdata": "{\"a\":1}"})
        );
    }

    #[test]
    fn fields_become_text_like_the_reference() {
        let fields = json!({"s": "v", "b": true, "n": 12, "o": {"k": "v"}});
        let presigned =
            PresignedUrl::new("http://127.0.0.1:9/u", fields.as_object().unwrap().clone());
        let text: Vec<(String, String)> = presigned.text_fields();
        let value = |name: &str| {
            text.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(value("s"), Some("v"));
        assert_eq!(value("b"), Some("true"));
        assert_eq!(value("n"), Some("12"));
        assert_eq!(value("o"), Some("{\"k\":\"v\"}"));
    }

    #[test]
    fn the_completion_gets_at_least_the_minimum_timeout() {
        let presigned = PresignedUrl::new("http://127.0.0.1:9/u?pbs=1", Map::new());
        let short = Transport::new(
            pixelbin_http::PixelbinConfig::builder()
                .api_secret("test-secret")
                .timeout(Duration::from_secs(15))
                .build()
                .unwrap(),
        )
        .unwrap();
        let target = PresignedTarget::new(&short, &presigned, &UploadOptions::default()).unwrap();
        assert_eq!(target.complete_timeout, MIN_COMPLETE_TIMEOUT);

        let long = Transport::new(
            pixelbin_http::PixelbinConfig::builder()
                .api_secret("test-secret")
                .timeout(Duration::from_secs(900))
                .build()
                .unwrap(),
        )
        .unwrap();
        let target = PresignedTarget::new(&long, &presigned, &UploadOptions::default()).unwrap();
        assert_eq!(target.complete_timeout, Duration::from_secs(900));

        let options = UploadOptions::default().complete_timeout(Duration::from_secs(2));
        let target = PresignedTarget::new(&long, &presigned, &options).unwrap();
        assert_eq!(target.complete_timeout, Duration::from_secs(2));
    }

    #[test]
    fn signed_url_response_decodes() {
        let body: SignedUrlResponse = serde_json::from_value(json!({
            "presignedUrl": {"url": "https://api.pixelbin.io/x?pbs=1", "fields": {"k": "v"}}
        }))
        .unwrap();
        let url = body.presigned_url.unwrap();
        assert_eq!(url.fields["k"], "v");
        let empty: SignedUrlResponse = serde_json::from_value(json!({})).unwrap();
        assert!(empty.presigned_url.is_none());
    }
}

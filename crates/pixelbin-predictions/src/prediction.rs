//! Typed results: a prediction job, its status, the model list and a model's schema.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::Error;

/// The state of a prediction job. Open: statuses this crate does not know are kept verbatim.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum PredictionStatus {
    /// `ACCEPTED`: queued or running.
    Accepted,
    /// `SUCCESS`: finished; `output` holds the results.
    Success,
    /// `FAILURE`: finished; `error` says why.
    Failure,
    /// Any other status string, kept as sent.
    Other(String),
    /// No status could be read (missing, `null` or not a string): the job is not known to be
    /// finished, so a wait goes on polling.
    #[default]
    Unknown,
}

impl PredictionStatus {
    /// The wire spelling (`"ACCEPTED"`, `"SUCCESS"`, `"FAILURE"` or the unknown string;
    /// `"UNKNOWN"` when none was sent).
    pub fn as_str(&self) -> &str {
        match self {
            PredictionStatus::Accepted => "ACCEPTED",
            PredictionStatus::Success => "SUCCESS",
            PredictionStatus::Failure => "FAILURE",
            PredictionStatus::Other(s) => s,
            PredictionStatus::Unknown => "UNKNOWN",
        }
    }

    /// True for `SUCCESS`: the job finished and its outputs can be read.
    pub fn is_success(&self) -> bool {
        *self == PredictionStatus::Success
    }

    /// True for `SUCCESS` and `FAILURE`, the two statuses that end a wait.
    pub fn is_final(&self) -> bool {
        matches!(self, PredictionStatus::Success | PredictionStatus::Failure)
    }
}

impl From<&str> for PredictionStatus {
    fn from(s: &str) -> Self {
        match s {
            "ACCEPTED" => PredictionStatus::Accepted,
            "SUCCESS" => PredictionStatus::Success,
            "FAILURE" => PredictionStatus::Failure,
            other => PredictionStatus::Other(other.to_string()),
        }
    }
}

impl fmt::Display for PredictionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for PredictionStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            PredictionStatus::Unknown => serializer.serialize_none(),
            known => serializer.serialize_str(known.as_str()),
        }
    }
}

/// Never fails: a status that is not a string is [`PredictionStatus::Unknown`], so an odd
/// status cannot hide a job whose credits were already spent.
impl<'de> Deserialize<'de> for PredictionStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(deserializer)? {
            Value::String(s) => PredictionStatus::from(s.as_str()),
            _ => PredictionStatus::Unknown,
        })
    }
}

pixelbin_http::lenient_response! {
/// Links returned with a prediction.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PredictionUrls {
    /// The API URL that returns this prediction's current state.
    pub get: Option<String>,
    /// Any other link, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

pixelbin_http::lenient_response! {
/// A prediction job as returned by `create` and `get`.
///
/// Fields the API adds later land in [`Prediction::extra`], so nothing sent is lost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// The request id (`_id`), e.g. `erase--bg--0198f54a-...`. The one required field: a
    /// job cannot be polled without it, so a response without it is an error naming `_id`.
    #[serde_with(skip_apply)]
    #[serde(rename = "_id", deserialize_with = "pixelbin_http::model::lenient::required_string")]
    pub id: String,
    /// The job's status; [`PredictionStatus::Unknown`] when missing or not a string.
    #[serde(default)]
    pub status: PredictionStatus,
    /// The model input as the server stored it (files replaced by URLs).
    pub input: Option<Value>,
    /// Related links (`urls.get`).
    pub urls: Option<PredictionUrls>,
    /// The organization id (`orgId`).
    #[serde(rename = "orgId")]
    pub org_id: Option<i64>,
    /// How long outputs are kept, e.g. `30d`.
    pub retention: Option<String>,
    /// Creation time, ISO 8601 (`createdAt`).
    #[serde(rename = "createdAt")]
    pub created_at: Option<String>,
    /// Credits consumed, present on `SUCCESS` (`consumedCredits`).
    #[serde(rename = "consumedCredits")]
    pub consumed_credits: Option<f64>,
    /// The results on `SUCCESS`: usually a list of output URLs, see [`Prediction::output_urls`].
    pub output: Option<Value>,
    /// Why the job failed, on `FAILURE`. A non-string error is kept as its JSON text.
    #[serde_with(skip_apply)]
    #[serde(default, deserialize_with = "lenient_string")]
    pub error: Option<String>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

impl Prediction {
    /// True once the job reached `SUCCESS` or `FAILURE`.
    pub fn is_finished(&self) -> bool {
        self.status.is_final()
    }

    /// The output URLs: the strings in `output` (a list, or a single string).
    pub fn output_urls(&self) -> Vec<&str> {
        match &self.output {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// Turns a `FAILURE` into [`Error::PredictionFailed`], for callers who prefer `?`.
    /// Any other status (including unfinished ones) is returned unchanged.
    pub fn into_result(self) -> Result<Prediction, Error> {
        if self.status == PredictionStatus::Failure {
            Err(Error::PredictionFailed {
                prediction: Box::new(self),
            })
        } else {
            Ok(self)
        }
    }
}

pixelbin_http::lenient_response! {
/// One entry of the model list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The model name, e.g. `erase_bg`.
    pub name: String,
    /// The human-readable name (`displayName`).
    #[serde(rename = "displayName")]
    pub display_name: Option<String>,
    /// A short description.
    pub description: Option<String>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

pixelbin_http::lenient_response! {
/// A model's input schema as returned by `get_schema`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelSchema {
    /// The model name.
    pub name: String,
    /// The human-readable name (`displayName`).
    #[serde(rename = "displayName")]
    pub display_name: Option<String>,
    /// A short description.
    pub description: Option<String>,
    /// The JSON Schema of the model's input fields (varies by model); `null` when not sent.
    #[serde(default)]
    pub input: Value,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

/// Keeps a string as is and any other JSON value as its JSON text.
fn lenient_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_is_open() {
        let s: PredictionStatus = serde_json::from_value(json!("PROCESSING")).unwrap();
        assert_eq!(s, PredictionStatus::Other("PROCESSING".into()));
        assert!(!s.is_final());
        assert_eq!(serde_json::to_value(&s).unwrap(), json!("PROCESSING"));
        for (wire, status) in [
            ("ACCEPTED", PredictionStatus::Accepted),
            ("SUCCESS", PredictionStatus::Success),
            ("FAILURE", PredictionStatus::Failure),
        ] {
            assert_eq!(PredictionStatus::from(wire), status);
            assert_eq!(status.to_string(), wire);
        }
    }

    #[test]
    fn prediction_keeps_every_field() {
        let body = json!({
            "_id": "erase--bg--1",
            "status": "SUCCESS",
            "input": {"image": "https://delivery.pixelbin.io/x.jpeg"},
            "urls": {"get": "https://api.pixelbin.io/p/erase--bg--1", "cancel": "c"},
            "orgId": 402162,
            "retention": "30d",
            "createdAt": "2025-08-29T10:06:16.708Z",
            "consumedCredits": 1,
            "output": ["https://delivery.pixelbin.io/out/result_0.png"],
            "newField": {"a": 1}
        });
        let p: Prediction = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(p.id, "erase--bg--1");
        assert_eq!(p.status, PredictionStatus::Success);
        assert_eq!(p.org_id, Some(402162));
        assert_eq!(p.consumed_credits, Some(1.0));
        assert_eq!(
            p.output_urls(),
            vec!["https://delivery.pixelbin.io/out/result_0.png"]
        );
        assert_eq!(p.urls.as_ref().unwrap().extra["cancel"], json!("c"));
        assert_eq!(p.extra["newField"], json!({"a": 1}));
        // Round trip keeps the wire names.
        let back = serde_json::to_value(&p).unwrap();
        assert_eq!(back["_id"], body["_id"]);
        assert_eq!(back["orgId"], body["orgId"]);
        assert_eq!(back["newField"], body["newField"]);
        assert!(p.clone().into_result().is_ok());
    }

    #[test]
    fn failure_into_result_is_an_error() {
        let p: Prediction = serde_json::from_value(json!({
            "_id": "a--b--1", "status": "FAILURE", "error": "image not found", "orgId": "12"
        }))
        .unwrap();
        assert_eq!(p.org_id, Some(12));
        let err = p.into_result().unwrap_err();
        assert_eq!(
            err.to_string(),
            "prediction a--b--1 failed: image not found"
        );
        assert_eq!(
            err.last_prediction().unwrap().error.as_deref(),
            Some("image not found")
        );
    }

    #[test]
    fn structured_error_is_kept_as_json_text() {
        let p: Prediction = serde_json::from_value(json!({
            "_id": "a", "status": "FAILURE", "error": {"code": 7}
        }))
        .unwrap();
        assert_eq!(p.error.as_deref(), Some(r#"{"code":7}"#));
    }

    #[test]
    fn an_unreadable_org_id_is_none_not_an_error() {
        let p: Prediction =
            serde_json::from_value(json!({"_id": "a", "status": "ACCEPTED", "orgId": "x"}))
                .unwrap();
        assert_eq!(p.org_id, None);
    }

    #[test]
    fn a_missing_or_null_status_is_unknown_and_not_final() {
        for body in [
            json!({"_id": "a"}),
            json!({"_id": "a", "status": null}),
            json!({"_id": "a", "status": 3}),
        ] {
            let p: Prediction = serde_json::from_value(body.clone()).unwrap();
            assert_eq!(p.status, PredictionStatus::Unknown, "{body}");
            assert!(!p.is_finished() && !p.status.is_success());
        }
        assert!(PredictionStatus::Success.is_success());
        assert!(!PredictionStatus::Failure.is_success());
    }
}

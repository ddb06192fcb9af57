//! Requests the emulator saw, kept per route so tests can check what a client sent.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

/// Most requests kept per route; older ones are dropped so a long-running emulator stays small.
const MAX_RECORDED_PER_ROUTE: usize = 10_000;

/// One request as the emulator received it.
#[derive(Clone, PartialEq)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Path without the query, e.g. `/service/platform/assets/v1.0/listFiles`.
    pub path: String,
    /// Raw query string without `?`, if any.
    pub query: Option<String>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// Request headers in arrival order, names lower-case; the `Authorization` value is redacted.
    pub headers: Vec<(String, String)>,
    /// Whether an `Authorization` header was present.
    pub has_authorization: bool,
    /// The decoded body.
    pub body: RecordedBody,
}

/// A decoded request body.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordedBody {
    /// No body, or the handler did not need one.
    Empty,
    /// The body was not read: the request was refused (auth, fault) before its body mattered.
    NotRead,
    /// A JSON body.
    Json(serde_json::Value),
    /// A `multipart/form-data` body, fields in order.
    Multipart(Vec<RecordedField>),
    /// Any other body, summarised.
    Raw {
        /// Body length in bytes.
        size: u64,
        /// Lower-case hex SHA-256 of the body.
        sha256: String,
    },
}

/// One field of a recorded multipart body.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordedField {
    /// A text field.
    Text {
        /// Field name.
        name: String,
        /// Field value.
        value: String,
    },
    /// A file field, summarised (files can be large).
    File {
        /// Field name.
        name: String,
        /// The filename of the part, if given.
        filename: Option<String>,
        /// The content type of the part, if given.
        content_type: Option<String>,
        /// Size in bytes.
        size: u64,
        /// Lower-case hex SHA-256 of the content.
        sha256: String,
    },
}

impl RecordedField {
    /// The field name.
    pub fn name(&self) -> &str {
        match self {
            RecordedField::Text { name, .. } | RecordedField::File { name, .. } => name,
        }
    }
}

impl RecordedBody {
    /// The JSON value, if the body was JSON.
    pub fn json(&self) -> Option<&serde_json::Value> {
        match self {
            RecordedBody::Json(value) => Some(value),
            _ => None,
        }
    }

    /// The multipart fields, if the body was multipart.
    pub fn fields(&self) -> &[RecordedField] {
        match self {
            RecordedBody::Multipart(fields) => fields,
            _ => &[],
        }
    }

    /// The first multipart field called `name`.
    pub fn field(&self, name: &str) -> Option<&RecordedField> {
        self.fields().iter().find(|f| f.name() == name)
    }

    /// The value of the first multipart text field called `name`.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.fields().iter().find_map(|f| match f {
            RecordedField::Text { name: n, value } if n == name => Some(value.as_str()),
            _ => None,
        })
    }
}

impl RecordedRequest {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The decoded query pairs, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.query
            .as_deref()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first decoded query value called `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

// Written by hand so signed query strings (`pbs=...`) never reach logs or test output.
impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query.as_deref().map(redact_query))
            .field("content_type", &self.content_type)
            .field("headers", &self.headers)
            .field("has_authorization", &self.has_authorization)
            .field("body", &self.body)
            .finish()
    }
}

/// Replaces the value of every `pbs` query parameter with `<redacted>`.
pub(crate) fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            if pair.starts_with("pbs=") {
                "pbs=<redacted>".to_string()
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A handle a handler uses to attach the decoded body to the request's record.
#[derive(Clone)]
pub(crate) struct BodySlot(Arc<Mutex<RecordedRequest>>);

impl BodySlot {
    /// Stores the decoded body.
    pub(crate) fn set(&self, body: RecordedBody) {
        if let Ok(mut record) = self.0.lock() {
            record.body = body;
        }
    }
}

/// Request counters and records of every route.
#[derive(Default)]
pub(crate) struct Recorder {
    inner: Mutex<RecorderInner>,
}

#[derive(Default)]
struct RecorderInner {
    counts: HashMap<String, u64>,
    records: HashMap<String, Vec<Arc<Mutex<RecordedRequest>>>>,
}

impl Recorder {
    /// Counts and records a request; the returned slot receives its body later.
    pub(crate) fn record(&self, route: &str, request: RecordedRequest) -> BodySlot {
        let entry = Arc::new(Mutex::new(request));
        if let Ok(mut inner) = self.inner.lock() {
            *inner.counts.entry(route.to_string()).or_insert(0) += 1;
            let list = inner.records.entry(route.to_string()).or_default();
            if list.len() >= MAX_RECORDED_PER_ROUTE {
                list.remove(0);
            }
            list.push(entry.clone());
        }
        BodySlot(entry)
    }

    /// Requests seen on `route` (a name or glob), faulted ones included.
    pub(crate) fn count(&self, route: &str) -> u64 {
        self.inner
            .lock()
            .map(|inner| {
                inner
                    .counts
                    .iter()
                    .filter(|(name, _)| crate::options::route_matches(route, name))
                    .map(|(_, n)| *n)
                    .sum()
            })
            .unwrap_or(0)
    }

    /// Recorded requests of `route` (a name or glob), oldest first within each route.
    pub(crate) fn recorded(&self, route: &str) -> Vec<RecordedRequest> {
        let Ok(inner) = self.inner.lock() else {
            return Vec::new();
        };
        let mut names: Vec<&String> = inner
            .records
            .keys()
            .filter(|name| crate::options::route_matches(route, name))
            .collect();
        names.sort();
        names
            .into_iter()
            .flat_map(|name| inner.records[name].iter())
            .filter_map(|entry| entry.lock().ok().map(|r| r.clone()))
            .collect()
    }

    /// Forgets every count and record.
    pub(crate) fn reset(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.counts.clear();
            inner.records.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str) -> RecordedRequest {
        RecordedRequest {
            method: "GET".into(),
            path: path.into(),
            query: Some("pbs=abc&pbe=1".into()),
            content_type: None,
            headers: vec![],
            has_authorization: false,
            body: RecordedBody::Empty,
        }
    }

    #[test]
    fn counts_by_name_and_glob() {
        let recorder = Recorder::default();
        recorder.record("upload.part", request("/a"));
        recorder.record("upload.part", request("/b"));
        recorder.record("upload.complete", request("/c"));
        assert_eq!(recorder.count("upload.part"), 2);
        assert_eq!(recorder.count("upload.*"), 3);
        assert_eq!(recorder.count("files.list"), 0);
        assert_eq!(recorder.recorded("upload.part")[1].path, "/b");
        recorder.reset();
        assert_eq!(recorder.count("*"), 0);
    }

    #[test]
    fn slot_sets_the_body() {
        let recorder = Recorder::default();
        let slot = recorder.record("files.list", request("/a"));
        slot.set(RecordedBody::Json(serde_json::json!({"a": 1})));
        assert_eq!(
            recorder.recorded("files.list")[0].body.json(),
            Some(&serde_json::json!({"a": 1}))
        );
    }

    #[test]
    fn debug_hides_signatures() {
        let text = format!("{:?}", request("/a"));
        assert!(!text.contains("abc"), "{text}");
        assert!(text.contains("pbe=1"));
    }
}

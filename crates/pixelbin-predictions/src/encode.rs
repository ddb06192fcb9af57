//! Turns a [`PredictionInput`] into the create request's body, with the reference's wire shapes.
//!
//! - Field names: `webhook` (only when non-empty) first, then `input.<key>` in insertion order.
//! - Any file anywhere: `multipart/form-data`. Text and URLs as is, booleans `"true"`/`"false"`,
//!   numbers in decimal, objects JSON-encoded, lists repeat the field, files as file parts.
//! - Otherwise one JSON object with the same flat keys (`{"input.image": "https://..."}`).
//!   Booleans and numbers stay JSON scalars, but objects are JSON-encoded *strings*: the
//!   reference encodes objects before choosing the body type, and the API expects that.

use bytes::Bytes;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use crate::error::{Error, InputProblem};
use crate::input::{InputValue, PredictionInput};

/// One part of a multipart body.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Part {
    Text {
        name: String,
        value: String,
    },
    File {
        name: String,
        filename: String,
        content_type: String,
        data: Bytes,
    },
    /// A file streamed from disk when sent.
    DiskFile {
        name: String,
        filename: String,
        content_type: String,
        path: std::path::PathBuf,
        len: u64,
    },
}

/// The encoded body, before it becomes a transport [`pixelbin_http::Body`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Encoded {
    /// Ordered `(key, value)` pairs of one JSON object.
    Json(Vec<(String, Value)>),
    Multipart(Vec<Part>),
}

/// A JSON object that keeps its keys in the order given.
struct OrderedObject<'a>(&'a [(String, Value)]);

impl Serialize for OrderedObject<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl Encoded {
    /// The transport body.
    pub(crate) fn into_body(self) -> Result<pixelbin_http::Body, Error> {
        match self {
            Encoded::Json(fields) => Ok(pixelbin_http::Body::json(&OrderedObject(&fields))?),
            Encoded::Multipart(parts) => {
                let mut form = pixelbin_http::Form::new();
                for part in parts {
                    form = match part {
                        Part::Text { name, value } => form.text(name, value),
                        Part::File {
                            name,
                            filename,
                            content_type,
                            data,
                        } => form.file(name, filename, content_type, data),
                        Part::DiskFile {
                            name,
                            filename,
                            content_type,
                            path,
                            len,
                        } => form.file_path(name, filename, content_type, path, len),
                    };
                }
                Ok(pixelbin_http::Body::Multipart(form))
            }
        }
    }
}

/// Encodes `input` (whose files must already be loaded) for model `model`.
pub(crate) fn encode(
    model: &str,
    input: &PredictionInput,
    webhook: Option<&str>,
) -> Result<Encoded, Error> {
    let mut problems: Vec<InputProblem> = input.problems().to_vec();
    let multipart = input.has_files();
    let webhook = webhook.filter(|w| !w.is_empty());

    let encoded = if multipart {
        let mut parts = Vec::new();
        if let Some(w) = webhook {
            parts.push(Part::Text {
                name: "webhook".into(),
                value: w.to_string(),
            });
        }
        for (key, value) in input.iter() {
            multipart_parts(key, value, &mut parts, &mut problems);
        }
        Encoded::Multipart(parts)
    } else {
        let mut fields = Vec::new();
        if let Some(w) = webhook {
            fields.push(("webhook".to_string(), Value::String(w.to_string())));
        }
        for (key, value) in input.iter() {
            if let Some(v) = json_value(key, value, &mut problems) {
                fields.push((format!("input.{key}"), v));
            }
        }
        Encoded::Json(fields)
    };

    if problems.is_empty() {
        Ok(encoded)
    } else {
        Err(Error::InvalidInput {
            model: model.to_string(),
            problems,
        })
    }
}

fn check_url(key: &str, url: &str, problems: &mut Vec<InputProblem>) {
    let ok = url::Url::parse(url)
        .map(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
        .unwrap_or(false);
    if !ok {
        problems.push(InputProblem::new(
            key,
            format!(
                "{url:?} is not an absolute http(s) URL; pass a full URL or send the file itself"
            ),
        ));
    }
}

/// The JSON body value of one field; `None` omits it (a JSON `null`).
fn json_value(key: &str, value: &InputValue, problems: &mut Vec<InputProblem>) -> Option<Value> {
    Some(match value {
        InputValue::Text(s) => Value::String(s.clone()),
        InputValue::Url(u) => {
            check_url(key, u, problems);
            Value::String(u.clone())
        }
        InputValue::Bool(b) => Value::Bool(*b),
        InputValue::Number(n) => Value::Number(n.clone()),
        InputValue::Json(v) => return json_from_json(v, true),
        InputValue::List(items) => Value::Array(
            items
                .iter()
                .filter_map(|item| json_value(key, item, problems))
                .collect(),
        ),
        InputValue::File(_) => {
            // Unreachable by construction: a file makes the body multipart.
            problems.push(InputProblem::new(
                key,
                "a file cannot be sent in a JSON body",
            ));
            return None;
        }
    })
}

/// Applies the reference's conversion to a JSON value: objects become their JSON text, arrays
/// are converted element by element, `null` is dropped at the top level.
fn json_from_json(v: &Value, top: bool) -> Option<Value> {
    match v {
        Value::Null if top => None,
        Value::Object(_) => Some(Value::String(v.to_string())),
        Value::Array(items) => Some(Value::Array(
            items
                .iter()
                .filter_map(|i| json_from_json(i, false))
                .collect(),
        )),
        other => Some(other.clone()),
    }
}

fn multipart_parts(
    key: &str,
    value: &InputValue,
    parts: &mut Vec<Part>,
    problems: &mut Vec<InputProblem>,
) {
    let name = format!("input.{key}");
    let text = |value: String| Part::Text {
        name: name.clone(),
        value,
    };
    match value {
        InputValue::Text(s) => parts.push(text(s.clone())),
        InputValue::Url(u) => {
            check_url(key, u, problems);
            parts.push(text(u.clone()));
        }
        InputValue::Bool(b) => parts.push(text(b.to_string())),
        InputValue::Number(n) => parts.push(text(n.to_string())),
        InputValue::Json(v) => match v {
            Value::Null => {}
            Value::Array(items) => {
                for item in items {
                    if let Some(s) = multipart_json_text(item) {
                        parts.push(text(s));
                    }
                }
            }
            other => {
                if let Some(s) = multipart_json_text(other) {
                    parts.push(text(s));
                }
            }
        },
        InputValue::List(items) => {
            for item in items {
                match item {
                    // Lists do not nest in a form: an inner list goes as its JSON text.
                    InputValue::List(_) => {
                        if let Some(v) = json_value(key, item, problems) {
                            parts.push(text(v.to_string()));
                        }
                    }
                    _ => multipart_parts(key, item, parts, problems),
                }
            }
        }
        InputValue::File(f) => match (f.data(), f.on_disk()) {
            (Some(data), _) => parts.push(Part::File {
                name: name.clone(),
                filename: f.effective_filename(key),
                content_type: f.effective_content_type(key),
                data: data.clone(),
            }),
            (None, Some((path, len))) => parts.push(Part::DiskFile {
                name: name.clone(),
                filename: f.effective_filename(key),
                content_type: f.effective_content_type(key),
                path: path.to_path_buf(),
                len,
            }),
            (None, None) => problems.push(InputProblem::new(
                key,
                "file was not loaded; call PredictionInput::load first",
            )),
        },
    }
}

/// The form text of a JSON value: strings as is, booleans/numbers in JSON spelling, everything
/// else JSON-encoded; `null` is skipped.
fn multipart_json_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::FileInput;
    use serde_json::json;

    fn json_fields(e: Encoded) -> Vec<(String, Value)> {
        match e {
            Encoded::Json(f) => f,
            other => panic!("expected JSON, got {other:?}"),
        }
    }

    fn parts(e: Encoded) -> Vec<Part> {
        match e {
            Encoded::Multipart(p) => p,
            other => panic!("expected multipart, got {other:?}"),
        }
    }

    fn t(name: &str, value: &str) -> Part {
        Part::Text {
            name: name.into(),
            value: value.into(),
        }
    }

    #[test]
    fn json_body_has_flat_prefixed_keys_in_order() {
        let input = PredictionInput::new()
            .url("image", "https://cdn.pixelbin.io/a.jpeg")
            .text("industry_type", "general")
            .bool("shadow", false)
            .number("n", 3)
            .float("f", 1.5)
            .json("obj", json!({"a": 1, "b": "x/y"}))
            .json("nothing", Value::Null)
            .json("arr", json!([1, {"k": true}, null]))
            .list("tags", ["a", "b"]);
        let fields = json_fields(encode("erase_bg", &input, Some("https://hook")).unwrap());
        assert_eq!(
            fields,
            vec![
                ("webhook".into(), json!("https://hook")),
                (
                    "input.image".into(),
                    json!("https://cdn.pixelbin.io/a.jpeg")
                ),
                ("input.industry_type".into(), json!("general")),
                ("input.shadow".into(), json!(false)),
                ("input.n".into(), json!(3)),
                ("input.f".into(), json!(1.5)),
                ("input.obj".into(), json!(r#"{"a":1,"b":"x/y"}"#)),
                ("input.arr".into(), json!([1, r#"{"k":true}"#, null])),
                ("input.tags".into(), json!(["a", "b"])),
            ]
        );
        // Key order survives serialization.
        let body = serde_json::to_string(&OrderedObject(&fields)).unwrap();
        assert!(
            body.starts_with(r#"{"webhook":"https://hook","input.image":"#),
            "{body}"
        );
    }

    #[test]
    fn empty_webhook_is_omitted() {
        let input = PredictionInput::new().text("a", "b");
        let fields = json_fields(encode("erase_bg", &input, Some("")).unwrap());
        assert_eq!(fields, vec![("input.a".into(), json!("b"))]);
    }

    #[test]
    fn multipart_when_any_file() {
        let input = PredictionInput::new()
            .file("image", &b"\x89PNG\r\n\x1a\nrest"[..])
            .bool("refine", true)
            .bool("shadow", false)
            .number("n", 7)
            .json("obj", json!({"a": [1, 2]}))
            .json("arr", json!([true, "s", {"k": 1}]))
            .list("tags", [InputValue::from("x"), InputValue::from(false)])
            .list(
                "masks",
                [
                    FileInput::bytes(&b"m1"[..]),
                    FileInput::bytes(&b"m2"[..])
                        .filename("m2.png")
                        .content_type("image/png"),
                ],
            )
            .list("nested", [InputValue::List(vec![1.into(), 2.into()])]);
        let p = parts(encode("erase_bg", &input, Some("https://hook")).unwrap());
        assert_eq!(
            p,
            vec![
                t("webhook", "https://hook"),
                Part::File {
                    name: "input.image".into(),
                    filename: "image.jpg".into(),
                    content_type: "image/png".into(),
                    data: Bytes::from_static(b"\x89PNG\r\n\x1a\nrest"),
                },
                t("input.refine", "true"),
                t("input.shadow", "false"),
                t("input.n", "7"),
                t("input.obj", r#"{"a":[1,2]}"#),
                t("input.arr", "true"),
                t("input.arr", "s"),
                t("input.arr", r#"{"k":1}"#),
                t("input.tags", "x"),
                t("input.tags", "false"),
                Part::File {
                    name: "input.masks".into(),
                    filename: "masks.jpg".into(),
                    content_type: "image/jpeg".into(),
                    data: Bytes::from_static(b"m1"),
                },
                Part::File {
                    name: "input.masks".into(),
                    filename: "m2.png".into(),
                    content_type: "image/png".into(),
                    data: Bytes::from_static(b"m2"),
                },
                t("input.nested", "[1,2]"),
            ]
        );
    }

    #[test]
    fn bad_urls_and_builder_problems_are_refused_together() {
        let input = PredictionInput::new()
            .url("image", "not a url")
            .url("mask", "ftp://x/y")
            .float("scale", f64::INFINITY);
        let err = encode("erase_bg", &input, None).unwrap_err();
        let Error::InvalidInput { model, problems } = &err else {
            panic!("unexpected {err:?}")
        };
        assert_eq!(model, "erase_bg");
        let keys: Vec<_> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["scale", "image", "mask"]);
        assert!(
            err.to_string().contains("is not an absolute http(s) URL"),
            "{err}"
        );
    }

    #[test]
    fn unloaded_file_is_reported_not_panicked() {
        let input = PredictionInput::new().file_path("image", "/x.png");
        let err = encode("erase_bg", &input, None).unwrap_err();
        assert!(err.to_string().contains("not loaded"), "{err}");
    }
}

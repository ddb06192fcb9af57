//! Checks an input against a model's schema before anything is sent (opt-in).
//!
//! The schema is the JSON Schema `get_schema` returns in `input`: `properties` (each field's
//! `type`, `enum`, `minimum`/`maximum`, `oneOf`/`anyOf` branches, and for image fields
//! `supportedContentTypes` and `imageValidation.{maxSize,maxWidth,maxHeight}`), `required` and
//! `additionalProperties`. Validation is deliberately lenient where the schema says nothing: a
//! field without a `type` accepts any value, and keywords it does not know are ignored.

use serde_json::{Map, Value};

use crate::error::{Error, InputProblem};
use crate::input::{FileInput, InputValue, PredictionInput};
use crate::prediction::ModelSchema;
use pixelbin_http::model as sniff;

/// Checks `input` against `schema`, returning every problem at once as [`Error::InvalidInput`].
///
/// Checked: required fields, unknown fields (when `additionalProperties` is `false`), value
/// types, `enum` values, numeric `minimum`/`maximum`, and for files the content type against
/// `supportedContentTypes` and the byte size and pixel size against `imageValidation`. File
/// sizes and sniffed types are known only for bytes in memory: call
/// [`PredictionInput::load`] first to have path and reader inputs checked too.
///
/// ```
/// use pixelbin_predictions::{validate_input, ModelSchema, PredictionInput};
/// let schema: ModelSchema = serde_json::from_value(serde_json::json!({
///     "name": "erase_bg",
///     "input": {
///         "type": "object",
///         "properties": {
///             "image": {"type": "string"},
///             "industry_type": {"type": "string", "enum": ["general", "ecommerce"]}
///         },
///         "required": ["image"]
///     }
/// })).unwrap();
/// let bad = PredictionInput::new().text("industry_type", "cars");
/// let err = validate_input(&schema, &bad).unwrap_err();
/// assert!(err.to_string().contains("image: required"));
/// assert!(err.to_string().contains("industry_type: \"cars\" is not one of"));
/// ```
pub fn validate_input(schema: &ModelSchema, input: &PredictionInput) -> Result<(), Error> {
    let mut problems: Vec<InputProblem> = input.problems().to_vec();
    if let Some(fields) = SchemaFields::of(&schema.input) {
        for key in &fields.required {
            if input.get(key).is_none_or(is_null) {
                problems.push(InputProblem::new(
                    key.as_str(),
                    format!("required by {}; add this field to the input", schema.name),
                ));
            }
        }
        for (key, value) in input.iter() {
            match fields.properties.get(key) {
                Some(prop) => check_value(key, value, prop, &mut problems),
                None if !fields.additional_allowed => {
                    let mut known: Vec<&str> =
                        fields.properties.keys().map(String::as_str).collect();
                    known.sort_unstable();
                    problems.push(InputProblem::new(
                        key,
                        format!(
                            "not a field of {}; known fields: {}",
                            schema.name,
                            known.join(", ")
                        ),
                    ));
                }
                None => {}
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidInput {
            model: schema.name.clone(),
            problems,
        })
    }
}

fn is_null(v: &InputValue) -> bool {
    matches!(v, InputValue::Json(Value::Null))
}

/// The parts of the model schema validation uses.
struct SchemaFields<'a> {
    properties: &'a Map<String, Value>,
    required: Vec<String>,
    additional_allowed: bool,
}

impl<'a> SchemaFields<'a> {
    fn of(input: &'a Value) -> Option<Self> {
        let obj = input.as_object()?;
        if let Some(properties) = obj.get("properties").and_then(Value::as_object) {
            let required = obj
                .get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let additional_allowed = obj.get("additionalProperties") != Some(&Value::Bool(false));
            return Some(SchemaFields {
                properties,
                required,
                additional_allowed,
            });
        }
        // Some schemas list the fields directly, each with `required: true`.
        if !obj.is_empty() && obj.values().all(Value::is_object) {
            let required = obj
                .iter()
                .filter(|(_, p)| p.get("required") == Some(&Value::Bool(true)))
                .map(|(k, _)| k.clone())
                .collect();
            return Some(SchemaFields {
                properties: obj,
                required,
                additional_allowed: true,
            });
        }
        None
    }
}

/// A field schema and its `oneOf`/`anyOf` branches, flattened.
fn branches(prop: &Value) -> Vec<&Value> {
    let mut out = vec![prop];
    for kw in ["oneOf", "anyOf"] {
        if let Some(list) = prop.get(kw).and_then(Value::as_array) {
            for b in list {
                out.extend(branches(b));
            }
        }
    }
    out
}

/// Every `type` named by the field or its branches; empty means "anything".
fn types(prop: &Value) -> Vec<&str> {
    let mut out = Vec::new();
    for b in branches(prop) {
        match b.get("type") {
            Some(Value::String(t)) => out.push(t.as_str()),
            Some(Value::Array(ts)) => out.extend(ts.iter().filter_map(Value::as_str)),
            _ => {}
        }
    }
    out
}

fn accepts_file(prop: &Value) -> bool {
    let bs = branches(prop);
    bs.iter().any(|b| {
        b.get("supportedContentTypes").is_some()
            || b.get("imageValidation").is_some()
            || b.get("format").and_then(Value::as_str) == Some("binary")
            || matches!(
                b.get("type").and_then(Value::as_str),
                Some("file" | "binary")
            )
    }) || types(prop).is_empty()
}

fn keyword<'v>(prop: &'v Value, name: &str) -> Option<&'v Value> {
    branches(prop).into_iter().find_map(|b| b.get(name))
}

fn check_value(key: &str, value: &InputValue, prop: &Value, problems: &mut Vec<InputProblem>) {
    let allowed = types(prop);
    let allows = |t: &str| allowed.is_empty() || allowed.contains(&t);
    let problem = |msg: String| InputProblem::new(key, msg);
    match value {
        InputValue::List(items) => {
            // A single value in a list is what a repeated form field of one looks like.
            if !allows("array") && items.len() > 1 {
                problems.push(problem(format!(
                    "expected {}, got a list of {} values",
                    allowed.join(" or "),
                    items.len()
                )));
                return;
            }
            let item_schema = keyword(prop, "items").unwrap_or(prop);
            let mut inner = Vec::new();
            for item in items {
                check_value(key, item, item_schema, &mut inner);
            }
            problems.extend(inner);
            return;
        }
        InputValue::Json(Value::Null) => return,
        InputValue::Json(Value::Array(items)) => {
            let list = InputValue::List(items.iter().cloned().map(InputValue::Json).collect());
            return check_value(key, &list, prop, problems);
        }
        InputValue::Json(Value::Object(_)) => {
            if !(allows("object") || allows("string")) {
                problems.push(problem(format!(
                    "expected {}, got a JSON object",
                    allowed.join(" or ")
                )));
            }
            return;
        }
        InputValue::File(f) => {
            if accepts_file(prop) {
                check_file(key, f, prop, problems);
            } else {
                problems.push(problem(format!(
                    "this field takes {}, not a file",
                    allowed.join(" or ")
                )));
            }
            return;
        }
        _ => {}
    }

    // Scalars: text, URL, boolean, number (or their JSON forms).
    let scalar = match value {
        InputValue::Text(s) | InputValue::Url(s) => Value::String(s.clone()),
        InputValue::Bool(b) => Value::Bool(*b),
        InputValue::Number(n) => Value::Number(n.clone()),
        InputValue::Json(v) => v.clone(),
        _ => return,
    };
    let type_ok = match &scalar {
        Value::String(s) => {
            allows("string")
                || (allows("boolean") && (s == "true" || s == "false"))
                || (allows("number") && s.parse::<f64>().is_ok_and(f64::is_finite))
                || (allows("integer") && s.parse::<i64>().is_ok())
        }
        Value::Bool(_) => allows("boolean"),
        Value::Number(n) => allows("number") || (allows("integer") && (n.is_i64() || n.is_u64())),
        _ => true,
    };
    if !type_ok {
        problems.push(problem(format!(
            "expected {}, got {}",
            allowed.join(" or "),
            describe(&scalar)
        )));
        return;
    }
    let options = keyword(prop, "enum").and_then(Value::as_array);
    if let Some(options) = options.filter(|o| !o.iter().any(|o| enum_matches(o, &scalar))) {
        let listed: Vec<String> = options.iter().map(Value::to_string).collect();
        problems.push(problem(format!(
            "{} is not one of {}",
            scalar,
            listed.join(", ")
        )));
        return;
    }
    let as_number = match &scalar {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if !allows("string") => s.parse::<f64>().ok(),
        _ => None,
    };
    if let Some(x) = as_number {
        if let Some(min) = keyword(prop, "minimum")
            .and_then(Value::as_f64)
            .filter(|m| x < *m)
        {
            problems.push(problem(format!("{x} is below the minimum {min}")));
        }
        if let Some(max) = keyword(prop, "maximum")
            .and_then(Value::as_f64)
            .filter(|m| x > *m)
        {
            problems.push(problem(format!("{x} is above the maximum {max}")));
        }
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => format!("text {s:?}"),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        other => other.to_string(),
    }
}

/// An enum option matches the value itself or its form-field spelling (`true` ~ `"true"`).
fn enum_matches(option: &Value, v: &Value) -> bool {
    if option == v {
        return true;
    }
    match (option, v) {
        (Value::String(o), Value::Bool(b)) => o.as_str() == if *b { "true" } else { "false" },
        (Value::String(o), Value::Number(n)) => o.parse::<f64>().ok() == n.as_f64(),
        (Value::Bool(b), Value::String(s)) => s.as_str() == if *b { "true" } else { "false" },
        (Value::Number(o), Value::String(s)) => {
            matches!((o.as_f64(), s.parse::<f64>()), (Some(a), Ok(b)) if a == b)
        }
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => false,
    }
}

fn check_file(key: &str, file: &FileInput, prop: &Value, problems: &mut Vec<InputProblem>) {
    let mut problem = |msg: String| problems.push(InputProblem::new(key, msg));
    let supported: Vec<&str> = branches(prop)
        .iter()
        .filter_map(|b| b.get("supportedContentTypes").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let content_type = file.effective_content_type(key);
    if !supported.is_empty()
        && !supported
            .iter()
            .any(|s| content_type_matches(s, &content_type))
    {
        problem(format!(
            "content type {content_type} is not in the model's supportedContentTypes; use one of {}",
            supported.join(", ")
        ));
    }
    check_file_limits(key, file, prop, problems);
}

/// The model's `imageValidation` limits (byte size, pixel size) for one file.
fn check_file_limits(key: &str, file: &FileInput, prop: &Value, problems: &mut Vec<InputProblem>) {
    let mut problem = |msg: String| problems.push(InputProblem::new(key, msg));
    let Some(rules) = keyword(prop, "imageValidation") else {
        return;
    };
    let (Some(size), Some(head)) = (file.size(), file.head()) else {
        return;
    };
    let limit = |name: &str| rules.get(name).and_then(Value::as_u64);
    if let Some(message) = size_problem(prop, size) {
        problem(message);
    }
    if let Some((w, h)) = sniff::dimensions_of(head) {
        for (name, actual, is_max) in [
            ("maxWidth", w, true),
            ("maxHeight", h, true),
            ("minWidth", w, false),
            ("minHeight", h, false),
        ] {
            if let Some(bound) = limit(name) {
                let bad = if is_max {
                    u64::from(actual) > bound
                } else {
                    u64::from(actual) < bound
                };
                if bad {
                    let what = if name.ends_with("Width") {
                        "width"
                    } else {
                        "height"
                    };
                    let rel = if is_max { "more" } else { "less" };
                    problem(format!(
                        "image {what} is {actual} px, {rel} than the model's imageValidation.{name} of {bound} px"
                    ));
                }
            }
        }
    }
}

/// The broken `imageValidation.maxSize` of field schema `prop`, if a file of `size` bytes
/// breaks it.
fn size_problem(prop: &Value, size: u64) -> Option<String> {
    let max = keyword(prop, "imageValidation")?
        .get("maxSize")
        .and_then(Value::as_u64)?;
    (size > max).then(|| {
        format!(
            "file is {size} bytes, more than the model's imageValidation.maxSize of {max} bytes"
        )
    })
}

/// Checks the size of a file for input `key` against the schema's `imageValidation.maxSize`,
/// before its bytes are read: for a file streamed from disk, whose size the file system
/// knows. [`validate_input`] applies the same rule (and every other one) to files in memory;
/// this is that rule alone, so a caller streaming a file refuses an oversized one the same
/// way, with the same message.
///
/// ```
/// use pixelbin_predictions::{check_file_size, ModelSchema};
/// let schema: ModelSchema = serde_json::from_value(serde_json::json!({
///     "name": "erase_bg",
///     "input": {"type": "object", "properties": {
///         "image": {"type": "string", "imageValidation": {"maxSize": 1024}}
///     }}
/// })).unwrap();
/// assert!(check_file_size(&schema, "image", 1024).is_ok());
/// let err = check_file_size(&schema, "image", 1025).unwrap_err();
/// assert!(err.to_string().contains("imageValidation.maxSize of 1024 bytes"));
/// ```
pub fn check_file_size(schema: &ModelSchema, key: &str, size: u64) -> Result<(), Error> {
    let problem = SchemaFields::of(&schema.input)
        .and_then(|fields| fields.properties.get(key))
        .and_then(|prop| size_problem(prop, size));
    match problem {
        None => Ok(()),
        Some(message) => Err(Error::InvalidInput {
            model: schema.name.clone(),
            problems: vec![InputProblem::new(key, message)],
        }),
    }
}

/// `image/*` style wildcards and parameters (`; charset=...`) are honoured.
fn content_type_matches(supported: &str, actual: &str) -> bool {
    let actual = actual.split(';').next().unwrap_or("").trim();
    let supported = supported.trim();
    if let Some(prefix) = supported.strip_suffix("/*") {
        return actual
            .split_once('/')
            .is_some_and(|(t, _)| t.eq_ignore_ascii_case(prefix));
    }
    supported == "*/*" || supported.eq_ignore_ascii_case(actual)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_images::png_header;
    use serde_json::json;

    fn erase_bg() -> ModelSchema {
        serde_json::from_value(json!({
            "name": "erase_bg",
            "displayName": "Erase Background",
            "input": {
                "type": "object",
                "properties": {
                    "image": {
                        "oneOf": [
                            {"type": "string", "format": "uri"},
                            {"type": "string", "format": "binary"}
                        ],
                        "supportedContentTypes": ["image/png", "image/jpeg", "image/webp"],
                        "imageValidation": {"maxWidth": 1000, "maxHeight": 800, "maxSize": 1024}
                    },
                    "industry_type": {"type": "string", "enum": ["general", "ecommerce", "car"]},
                    "shadow": {"type": "boolean"},
                    "scale": {"type": "integer", "minimum": 1, "maximum": 4},
                    "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
                    "options": {"type": "object"}
                },
                "required": ["image"],
                "additionalProperties": false
            }
        }))
        .unwrap()
    }

    fn problems(input: &PredictionInput) -> Vec<String> {
        match validate_input(&erase_bg(), input) {
            Ok(()) => Vec::new(),
            Err(Error::InvalidInput { problems, .. }) => {
                problems.iter().map(ToString::to_string).collect()
            }
            Err(other) => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn good_inputs_pass() {
        let ok = PredictionInput::new()
            .file("image", png_header(100, 100))
            .text("industry_type", "car")
            .bool("shadow", true)
            .number("scale", 2)
            .list("tags", ["a", "b"])
            .json("options", json!({"x": 1}));
        assert_eq!(problems(&ok), Vec::<String>::new());
        let ok = PredictionInput::new()
            .url("image", "https://x.test/a.jpg")
            .text("shadow", "false")
            .text("scale", "3");
        assert_eq!(problems(&ok), Vec::<String>::new());
    }

    #[test]
    fn each_rule_reports() {
        let bad = PredictionInput::new()
            .text("industry_type", "boat")
            .text("shadow", "maybe")
            .number("scale", 9)
            .list("tags", ["a", "z"])
            .text("colour", "red");
        assert_eq!(
            problems(&bad),
            vec![
                "image: required by erase_bg; add this field to the input",
                r#"industry_type: "boat" is not one of "general", "ecommerce", "car""#,
                r#"shadow: expected boolean, got text "maybe""#,
                "scale: 9 is above the maximum 4",
                r#"tags: "z" is not one of "a", "b""#,
                "colour: not a field of erase_bg; known fields: image, industry_type, options, scale, shadow, tags",
            ]
        );
    }

    #[test]
    fn file_rules() {
        let too_big = PredictionInput::new().file("image", {
            let mut v = png_header(10, 10);
            v.resize(2000, 0);
            v
        });
        assert_eq!(
            problems(&too_big),
            vec![
                "image: file is 2000 bytes, more than the model's imageValidation.maxSize of 1024 bytes"
            ]
        );
        let too_wide = PredictionInput::new().file("image", png_header(1001, 900));
        assert_eq!(
            problems(&too_wide),
            vec![
                "image: image width is 1001 px, more than the model's imageValidation.maxWidth of 1000 px",
                "image: image height is 900 px, more than the model's imageValidation.maxHeight of 800 px",
            ]
        );
        let gif = PredictionInput::new().file("image", &b"GIF89a\x01\x00\x01\x00"[..]);
        assert_eq!(
            problems(&gif),
            vec![
                "image: content type image/gif is not in the model's supportedContentTypes; use one of image/png, image/jpeg, image/webp"
            ]
        );
        let file_for_text = PredictionInput::new()
            .file("image", png_header(1, 1))
            .file("industry_type", &b"x"[..]);
        assert_eq!(
            problems(&file_for_text),
            vec!["industry_type: this field takes string, not a file"]
        );
    }

    #[test]
    fn builder_problems_are_included() {
        let bad = PredictionInput::new()
            .file("image", png_header(1, 1))
            .float("scale", f64::NAN);
        assert_eq!(problems(&bad).len(), 1);
    }

    #[test]
    fn flat_schema_and_unknown_schema() {
        let flat: ModelSchema = serde_json::from_value(json!({
            "name": "sr_upscale",
            "input": {"image": {"type": "string", "required": true}, "x": {"enum": [2, 4]}}
        }))
        .unwrap();
        let err = validate_input(&flat, &PredictionInput::new().number("x", 3)).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("image: required"), "{text}");
        assert!(text.contains("x: 3 is not one of 2, 4"), "{text}");
        assert!(
            validate_input(
                &flat,
                &PredictionInput::new().text("image", "s").text("x", "4")
            )
            .is_ok()
        );

        let opaque: ModelSchema =
            serde_json::from_value(json!({"name": "a_b", "input": "whatever"})).unwrap();
        assert!(validate_input(&opaque, &PredictionInput::new().text("q", "r")).is_ok());
    }

    #[test]
    fn content_type_wildcards() {
        assert!(content_type_matches("image/*", "image/heic"));
        assert!(content_type_matches("IMAGE/PNG", "image/png; q=1"));
        assert!(!content_type_matches("image/*", "video/mp4"));
    }
}

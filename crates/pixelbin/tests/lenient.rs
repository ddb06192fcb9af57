//! Lenient typed responses: every response type of every area, decoded through the SDK's
//! own decode path after each field (at every depth) was mutated the ways the live service may
//! surprise a typed client. A field the SDK does not need never fails the decode; a field it
//! needs (a prediction's `_id`, an upload's `presignedUrl.url`) fails with an error naming it;
//! unambiguous conversions (numbers as strings, booleans as strings, one string for a list)
//! give back the original value.

use pixelbin::http::ApiResponse;
use pixelbin::http::bytes::Bytes;
use pixelbin::http::http::{HeaderMap, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// One response type: its name, a sample with every field set, and its required fields.
struct Case {
    name: &'static str,
    sample: &'static str,
    required: &'static [&'static str],
    decode: fn(&[u8]) -> Result<Value, String>,
}

fn case<T: DeserializeOwned + Serialize>(
    name: &'static str,
    sample: &'static str,
    required: &'static [&'static str],
) -> Case {
    Case {
        name,
        sample,
        required,
        decode: decode::<T>,
    }
}

/// Decodes as the SDK does ([`ApiResponse::json`]) and serializes back, to compare values.
fn decode<T: DeserializeOwned + Serialize>(body: &[u8]) -> Result<Value, String> {
    let response = ApiResponse {
        status: StatusCode::OK,
        headers: HeaderMap::new(),
        body: Bytes::copy_from_slice(body),
    };
    let typed: T = response.json().map_err(|e| e.to_string())?;
    Ok(serde_json::to_value(&typed).expect("serializes"))
}

fn cases() -> Vec<Case> {
    vec![
        case::<pixelbin::Prediction>(
            "pixelbin::Prediction",
            r#"{"_id": "erase--bg--1", "status": "SUCCESS", "input": {"k": "v"}, "urls": {"get": "https://cdn.example/a.png"}, "orgId": 42, "retention": "retention-text", "createdAt": "createdAt-text", "consumedCredits": 1.5, "output": {"k": "v"}, "error": "error-text"}"#,
            &["_id"],
        ),
        case::<pixelbin::predictions::PredictionUrls>(
            "pixelbin::predictions::PredictionUrls",
            r#"{"get": "https://cdn.example/a.png"}"#,
            &[],
        ),
        case::<pixelbin::ModelInfo>(
            "pixelbin::ModelInfo",
            r#"{"name": "name-text", "displayName": "displayName-text", "description": "description-text"}"#,
            &[],
        ),
        case::<pixelbin::ModelSchema>(
            "pixelbin::ModelSchema",
            r#"{"name": "name-text", "displayName": "displayName-text", "description": "description-text", "input": {"k": "v"}}"#,
            &[],
        ),
        case::<pixelbin::FileObject>(
            "pixelbin::FileObject",
            r#"{"_id": "erase--bg--1", "orgId": 42, "type": "type-text", "name": "name-text", "path": "path-text", "fileId": "fileId-text", "format": "format-text", "assetType": "assetType-text", "size": 42, "width": 42, "height": 42, "access": "public-read", "isActive": true, "tags": ["a", "b"], "metadata": {"k": "v"}, "context": {"k": "v"}, "isOriginal": true, "url": "https://cdn.example/a.png", "thumbnail": "thumbnail-text", "createdAt": "createdAt-text", "updatedAt": "updatedAt-text"}"#,
            &[],
        ),
        case::<pixelbin::upload::PresignedUrl>(
            "pixelbin::upload::PresignedUrl",
            r#"{"url": "https://cdn.example/a.png", "fields": {"k": "v"}}"#,
            &["url"],
        ),
        case::<pixelbin::platform::Preset>(
            "pixelbin::platform::Preset",
            r#"{"_id": "erase--bg--1", "presetName": "presetName-text", "transformation": "transformation-text", "params": {"k": "v"}, "archived": true, "isActive": true, "orgId": 42, "createdAt": "createdAt-text", "updatedAt": "updatedAt-text"}"#,
            &[],
        ),
        case::<pixelbin::platform::PresetsResponse>(
            "pixelbin::platform::PresetsResponse",
            r#"{"items": [{"_id": "erase--bg--1", "presetName": "presetName-text", "transformation": "transformation-text", "params": {"k": "v"}, "archived": true, "isActive": true, "orgId": 42, "createdAt": "createdAt-text", "updatedAt": "updatedAt-text"}], "page": {"type": "type-text", "size": 42, "current": 42, "hasNext": true, "itemTotal": 42}}"#,
            &[],
        ),
        case::<pixelbin::platform::SignedUrlResponse>(
            "pixelbin::platform::SignedUrlResponse",
            r#"{"s3PresignedUrl": {"url": "https://cdn.example/a.png", "fields": {"k": "v"}}}"#,
            &[],
        ),
        case::<pixelbin::platform::SignedUrlV2Response>(
            "pixelbin::platform::SignedUrlV2Response",
            r#"{"presignedUrl": {"url": "https://cdn.example/a.png", "fields": {"k": "v"}}}"#,
            &[],
        ),
        case::<pixelbin::platform::AppOrgDetails>(
            "pixelbin::platform::AppOrgDetails",
            r#"{"app": {"_id": 42, "orgId": 42, "name": "name-text", "token": "token-text", "permissions": ["a", "b"], "active": true, "createdAt": "createdAt-text", "updatedAt": "updatedAt-text"}, "org": {"_id": 42, "name": "name-text", "cloudName": "cloudName-text", "ownerId": "ownerId-text", "active": true, "createdAt": "createdAt-text", "updatedAt": "updatedAt-text"}}"#,
            &[],
        ),
        case::<pixelbin::platform::AppDetails>(
            "pixelbin::platform::AppDetails",
            r#"{"_id": 42, "orgId": 42, "name": "name-text", "token": "token-text", "permissions": ["a", "b"], "active": true, "createdAt": "createdAt-text", "updatedAt": "updatedAt-text"}"#,
            &[],
        ),
        case::<pixelbin::platform::OrgDetails>(
            "pixelbin::platform::OrgDetails",
            r#"{"_id": 42, "name": "name-text", "cloudName": "cloudName-text", "ownerId": "ownerId-text", "active": true, "createdAt": "createdAt-text", "updatedAt": "updatedAt-text"}"#,
            &[],
        ),
        case::<pixelbin::platform::CredentialsInfo>(
            "pixelbin::platform::CredentialsInfo",
            r#"{"_id": "erase--bg--1", "pluginId": "pluginId-text", "orgId": 42, "credentials": {"k": "v"}, "createdAt": "createdAt-text", "updatedAt": "updatedAt-text"}"#,
            &[],
        ),
        case::<pixelbin::platform::FolderInfo>(
            "pixelbin::platform::FolderInfo",
            r#"{"_id": "erase--bg--1", "orgId": 42, "name": "name-text", "path": "path-text", "type": "type-text", "isActive": true, "createdAt": "createdAt-text", "updatedAt": "updatedAt-text"}"#,
            &[],
        ),
        case::<pixelbin::platform::AncestorsResponse>(
            "pixelbin::platform::AncestorsResponse",
            r#"{"folder": {"_id": "erase--bg--1", "orgId": 42, "name": "name-text", "path": "path-text", "type": "type-text", "isActive": true, "createdAt": "createdAt-text", "updatedAt": "updatedAt-text"}, "ancestors": [{"_id": "erase--bg--1", "orgId": 42, "name": "name-text", "path": "path-text", "type": "type-text", "isActive": true, "createdAt": "createdAt-text", "updatedAt": "updatedAt-text"}]}"#,
            &[],
        ),
        case::<pixelbin::platform::Delimiters>(
            "pixelbin::platform::Delimiters",
            r#"{"operationSeparator": "operationSeparator-text", "parameterSeparator": "parameterSeparator-text"}"#,
            &[],
        ),
        case::<pixelbin::platform::ModuleOperation>(
            "pixelbin::platform::ModuleOperation",
            r#"{"method": "method-text", "displayName": "displayName-text", "description": "description-text", "params": {"k": "v"}}"#,
            &[],
        ),
        case::<pixelbin::platform::TransformationModule>(
            "pixelbin::platform::TransformationModule",
            r#"{"identifier": "identifier-text", "name": "name-text", "description": "description-text", "credentials": {"k": "v"}, "operations": [{"method": "method-text", "displayName": "displayName-text", "description": "description-text", "params": {"k": "v"}}], "enabled": true}"#,
            &[],
        ),
        case::<pixelbin::platform::TransformationModules>(
            "pixelbin::platform::TransformationModules",
            r#"{"delimiters": {"operationSeparator": "operationSeparator-text", "parameterSeparator": "parameterSeparator-text"}, "plugins": {"m": {"identifier": "identifier-text", "name": "name-text", "description": "description-text", "credentials": {"k": "v"}, "operations": [{"method": "method-text", "displayName": "displayName-text", "description": "description-text", "params": {"k": "v"}}], "enabled": true}}, "presets": [{"_id": "erase--bg--1", "presetName": "presetName-text", "transformation": "transformation-text", "params": {"k": "v"}, "archived": true, "isActive": true, "orgId": 42, "createdAt": "createdAt-text", "updatedAt": "updatedAt-text"}]}"#,
            &[],
        ),
        case::<pixelbin::platform::Page>(
            "pixelbin::platform::Page",
            r#"{"type": "type-text", "size": 42, "current": 42, "hasNext": true, "itemTotal": 42}"#,
            &[],
        ),
        case::<pixelbin::platform::TransformationContext>(
            "pixelbin::platform::TransformationContext",
            r#"{"context": {"k": "v"}}"#,
            &[],
        ),
        case::<pixelbin::FileItem>(
            "pixelbin::FileItem",
            r#"{"_id": "erase--bg--1", "orgId": 42, "name": "name-text", "type": "type-text", "path": "path-text", "fileId": "fileId-text", "format": "format-text", "size": 42, "access": "public-read", "s3Bucket": "s3Bucket-text", "s3Key": "s3Key-text", "width": 42, "height": 42, "metadata": {"k": "v"}, "createdAt": "createdAt-text", "updatedAt": "updatedAt-text"}"#,
            &[],
        ),
        case::<pixelbin::ListFilesResponse>(
            "pixelbin::ListFilesResponse",
            r#"{"items": [{"_id": "erase--bg--1", "orgId": 42, "name": "name-text", "type": "type-text", "path": "path-text", "fileId": "fileId-text", "format": "format-text", "size": 42, "access": "public-read", "s3Bucket": "s3Bucket-text", "s3Key": "s3Key-text", "width": 42, "height": 42, "metadata": {"k": "v"}, "createdAt": "createdAt-text", "updatedAt": "updatedAt-text"}], "page": {"type": "type-text", "size": 42, "current": 42, "hasNext": true, "itemTotal": 42}}"#,
            &[],
        ),
    ]
}

/// A change made to one field.
#[derive(Clone, Copy, Debug)]
enum Mutation {
    Removed,
    Null,
    Object,
    EmptyList,
    Text,
    Number,
    Bool,
    /// `12` -> `"12"`, `true` -> `"true"`: must read back as the original.
    AsString,
    /// `["a"]` -> `"a"`: must read back as the original list.
    OneForList,
    /// `"a"` -> `["a"]`, `12` -> `[12]`.
    InList,
}

const MUTATIONS: [Mutation; 10] = [
    Mutation::Removed,
    Mutation::Null,
    Mutation::Object,
    Mutation::EmptyList,
    Mutation::Text,
    Mutation::Number,
    Mutation::Bool,
    Mutation::AsString,
    Mutation::OneForList,
    Mutation::InList,
];

impl Mutation {
    /// The new value, or `None` to remove the key; `None` too when it does not apply.
    fn apply(self, value: &Value) -> Option<Option<Value>> {
        Some(match self {
            Mutation::Removed => None,
            Mutation::Null => Some(Value::Null),
            Mutation::Object => Some(json!({"unexpected": [1, {"deep": true}]})),
            Mutation::EmptyList => Some(json!([])),
            Mutation::Text => Some(json!("???")),
            Mutation::Number => Some(json!(17)),
            Mutation::Bool => Some(json!(false)),
            Mutation::AsString => match value {
                Value::Number(n) => Some(json!(n.to_string())),
                Value::Bool(b) => Some(json!(b.to_string())),
                _ => return None,
            },
            Mutation::OneForList => match value.as_array().map(Vec::as_slice) {
                Some([Value::String(s)]) => Some(json!(s)),
                Some([Value::String(s), ..]) => Some(json!(s)),
                _ => return None,
            },
            Mutation::InList => match value {
                Value::String(_) | Value::Number(_) => Some(json!([value])),
                _ => return None,
            },
        })
    }

    /// Whether the decoded field must equal the original one.
    fn keeps_the_value(self) -> bool {
        matches!(self, Mutation::AsString)
    }
}

/// Every path to a field: object keys at every depth, through the first item of lists.
fn paths(value: &Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                prefix.push(key.clone());
                out.push(prefix.clone());
                paths(item, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            if let Some(first) = items.first() {
                prefix.push("0".into());
                paths(first, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn get<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| match v {
        Value::Array(items) => items.get(key.parse::<usize>().ok()?),
        other => other.get(key),
    })
}

/// `value` with the field at `path` replaced (or removed with `None`).
fn mutate(mut value: Value, path: &[String], new: Option<Value>) -> Value {
    let (last, parents) = path.split_last().expect("a path");
    let mut parent = &mut value;
    for key in parents {
        parent = match parent {
            Value::Array(items) => &mut items[key.parse::<usize>().unwrap()],
            other => &mut other[key.as_str()],
        };
    }
    let map = parent.as_object_mut().expect("an object holds the field");
    match new {
        Some(new) => map.insert(last.clone(), new),
        None => map.remove(last),
    };
    value
}

#[test]
fn every_response_type_survives_every_mutation_of_a_field_it_does_not_need() {
    let mut tried = 0;
    for case in cases() {
        let sample: Value = serde_json::from_str(case.sample).unwrap();
        let original = (case.decode)(case.sample.as_bytes())
            .unwrap_or_else(|e| panic!("{}: the sample decodes: {e}", case.name));
        let mut all = Vec::new();
        paths(&sample, &mut Vec::new(), &mut all);
        assert!(!all.is_empty(), "{}", case.name);
        for path in &all {
            let field = get(&sample, path).unwrap();
            let required = path.len() == 1 && case.required.contains(&path[0].as_str());
            for mutation in MUTATIONS {
                let Some(new) = mutation.apply(field) else {
                    continue;
                };
                tried += 1;
                let body = serde_json::to_vec(&mutate(sample.clone(), path, new.clone())).unwrap();
                let result = (case.decode)(&body);
                let at = format!("{} {} {mutation:?} ({new:?})", case.name, path.join("."));
                if required {
                    if matches!(
                        mutation,
                        Mutation::Removed | Mutation::Null | Mutation::Object | Mutation::EmptyList
                    ) {
                        let err = result.expect_err(&at);
                        assert!(err.contains(&format!("`{}`", path[0])), "{at}: {err}");
                    }
                    continue;
                }
                let decoded = result.unwrap_or_else(|e| panic!("{at}: {e}"));
                if mutation.keeps_the_value() {
                    assert_eq!(get(&decoded, path), get(&original, path), "{at}");
                }
            }
        }
    }
    // 25 types; a field-by-field table that grows with the types.
    assert!(tried > 1500, "{tried} mutations tried");
}

#[test]
fn one_string_for_a_list_reads_as_a_list_of_one() {
    let file = decode::<pixelbin::FileObject>(br#"{"tags": "cat"}"#).unwrap();
    assert_eq!(file["tags"], json!(["cat"]));
    let app = decode::<pixelbin::platform::AppDetails>(br#"{"permissions": "read"}"#).unwrap();
    assert_eq!(app["permissions"], json!(["read"]));
}

#[test]
fn numbers_read_back_from_strings_and_strings_from_numbers() {
    let job = decode::<pixelbin::Prediction>(
        br#"{"_id": 7, "status": "SUCCESS", "consumedCredits": "1", "orgId": "42", "retention": 30}"#,
    )
    .unwrap();
    assert_eq!(job["_id"], "7");
    assert_eq!(job["consumedCredits"], json!(1.0));
    assert_eq!(job["orgId"], 42);
    assert_eq!(job["retention"], "30");
}

#[test]
fn a_null_or_unknown_status_is_kept_not_an_error() {
    let typed: pixelbin::Prediction =
        serde_json::from_str(r#"{"_id": "a", "status": null, "consumedCredits": "1"}"#).unwrap();
    assert_eq!(typed.status, pixelbin::PredictionStatus::Unknown);
    assert_eq!(typed.consumed_credits, Some(1.0));
    let typed: pixelbin::Prediction =
        serde_json::from_str(r#"{"_id": "a", "status": "QUEUED"}"#).unwrap();
    assert_eq!(
        typed.status,
        pixelbin::PredictionStatus::Other("QUEUED".into())
    );
}

#[test]
fn required_fields_are_named_when_missing() {
    let err = decode::<pixelbin::Prediction>(br#"{"status": "ACCEPTED"}"#).unwrap_err();
    assert!(err.contains("missing field `_id`"), "{err}");
    let err = decode::<pixelbin::upload::PresignedUrl>(br#"{"url": null}"#).unwrap_err();
    assert!(err.contains("`url`"), "{err}");
}

#[test]
fn unknown_fields_are_kept() {
    let file = decode::<pixelbin::FileObject>(br#"{"_id": "a", "brandNew": {"x": 1}}"#).unwrap();
    assert_eq!(file["brandNew"], json!({"x": 1}));
    let job = decode::<pixelbin::Prediction>(br#"{"_id": "a", "queue": 3}"#).unwrap();
    assert_eq!(job["queue"], 3);
}

//! Argument checks made before any request is sent.
//!
//! Messages follow the reference's validators (`<field>: <problem>`, with marshmallow's wording
//! where the reference has a rule) so users of both SDKs see the same text.

use pixelbin_http::Error;
use serde_json::Value;

fn illegal(field: &str, problem: &str) -> Error {
    Error::IllegalArgument(format!("{field}: {problem}"))
}

/// A required text argument must not be empty (or only whitespace).
pub(crate) fn required(field: &str, value: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(illegal(
            field,
            "Missing data for required field (got an empty string).",
        ));
    }
    Ok(())
}

/// Fields the reference declares as `fields.Dict` must hold a JSON object.
pub(crate) fn mapping(field: &str, value: Option<&Value>) -> Result<(), Error> {
    match value {
        None | Some(Value::Object(_)) => Ok(()),
        Some(_) => Err(illegal(
            field,
            "Not a valid mapping type. Pass a JSON object, e.g. json!({\"key\": \"value\"}).",
        )),
    }
}

/// Page numbers and sizes start at 1 (the reference silently drops 0; we say so instead).
pub(crate) fn positive(field: &str, value: Option<u32>) -> Result<(), Error> {
    if value == Some(0) {
        return Err(illegal(field, "Must be at least 1."));
    }
    Ok(())
}

/// A single path segment such as an `_id`, a preset name or a plugin id.
///
/// It is percent-encoded as one segment, so `/` inside it cannot change the endpoint.
pub(crate) fn segment<'a>(field: &str, value: &'a str) -> Result<&'a str, Error> {
    required(field, value)?;
    Ok(value)
}

/// A `fileId`/`folderId`: `path/name`, sent as several path segments.
///
/// Empty, `.` and `..` segments are refused because URL normalisation would silently drop or
/// resolve them and address a different asset.
pub(crate) fn asset_path<'a>(field: &str, value: &'a str) -> Result<Vec<&'a str>, Error> {
    required(field, value)?;
    let segments: Vec<&str> = value.trim_matches('/').split('/').collect();
    if segments
        .iter()
        .any(|s| s.is_empty() || *s == "." || *s == "..")
    {
        return Err(illegal(
            field,
            &format!(
                "\"{value}\" is not a valid path: it must be `path/to/name` without empty, `.` or `..` segments."
            ),
        ));
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn required_refuses_blank_strings() {
        assert!(required("name", "cat").is_ok());
        let err = required("name", "  ").unwrap_err();
        assert_eq!(
            err.to_string(),
            "name: Missing data for required field (got an empty string)."
        );
        assert!(matches!(err, Error::IllegalArgument(_)));
    }

    #[test]
    fn mapping_accepts_objects_only() {
        assert!(mapping("metadata", None).is_ok());
        assert!(mapping("metadata", Some(&json!({}))).is_ok());
        let err = mapping("metadata", Some(&json!([1]))).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("metadata: Not a valid mapping type."),
            "{err}"
        );
    }

    #[test]
    fn positive_refuses_zero() {
        assert!(positive("pageNo", None).is_ok());
        assert!(positive("pageNo", Some(1)).is_ok());
        assert_eq!(
            positive("pageNo", Some(0)).unwrap_err().to_string(),
            "pageNo: Must be at least 1."
        );
    }

    #[test]
    fn asset_paths_split_into_segments() {
        assert_eq!(
            asset_path("fileId", "a/b/c.jpg").unwrap(),
            ["a", "b", "c.jpg"]
        );
        assert_eq!(asset_path("fileId", "/a/b/").unwrap(), ["a", "b"]);
        assert_eq!(asset_path("fileId", "cat.png").unwrap(), ["cat.png"]);
        for bad in ["", "a//b", "a/./b", "../secret", "a/.."] {
            let err = asset_path("fileId", bad).unwrap_err();
            assert!(err.to_string().starts_with("fileId: "), "{bad}: {err}");
        }
    }
}

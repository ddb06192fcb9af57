//! `--input KEY=VALUE` for `pixelbin predict`: how a value on the command line becomes a
//! typed model input.
//!
//! The rules (also in `pixelbin predict --help`), first match wins:
//!
//! | value                      | sent as                                            |
//! |----------------------------|----------------------------------------------------|
//! | `@photo.jpg`               | the file's bytes (the request becomes multipart)   |
//! | `@@text`                   | the text `@text` (escape for a leading `@`)        |
//! | `true`, `false`            | a boolean                                          |
//! | `null`                     | nothing: the field is left out                     |
//! | a JSON number (`2`, `0.5`) | a number                                           |
//! | `{...}`, `[...]`, `"..."`  | that JSON value (`'"42"'` sends the text `42`)      |
//! | `http://...`, `https://...`| a URL (checked to be absolute)                     |
//! | anything else              | text                                               |
//!
//! Giving the same key more than once sends a list (`--input image=@a.png --input image=@b.png`).

use std::ffi::OsStr;
use std::path::PathBuf;

use serde_json::{Number, Value};

use crate::error::CliError;

/// One parsed input value, before files are read (the library's [`SharedInput`]: the same
/// value is sent with every job of `--each`).
pub use pixelbin::bulk::SharedInput as RawValue;

/// The inputs of one prediction, in the order their keys first appeared.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Inputs {
    /// Each key with its values (more than one value makes a list).
    pub fields: Vec<(String, Vec<RawValue>)>,
}

impl Inputs {
    /// Parses every `KEY=VALUE` argument. Arguments are OS strings because a `@path` may name
    /// a file whose name is not UTF-8.
    pub fn parse<S: AsRef<OsStr>>(args: &[S]) -> anyhow::Result<Inputs> {
        let mut inputs = Inputs::default();
        for arg in args {
            let arg = arg.as_ref();
            let (key, value) = match arg.to_str() {
                Some(text) => parse_pair(text)?,
                None => parse_non_utf8_pair(arg)?,
            };
            match inputs.fields.iter_mut().find(|(k, _)| *k == key) {
                Some((_, values)) => values.push(value),
                None => inputs.fields.push((key, vec![value])),
            }
        }
        Ok(inputs)
    }

    /// Builds the SDK's input: single values as they are, repeated keys as lists.
    pub fn into_prediction_input(self) -> pixelbin::predictions::PredictionInput {
        use pixelbin::predictions::{InputValue, PredictionInput};
        let mut input = PredictionInput::new();
        for (key, mut values) in self.fields {
            let value = if values.len() == 1 {
                InputValue::from(values.remove(0))
            } else {
                InputValue::List(values.into_iter().map(InputValue::from).collect())
            };
            input = input.value(key, value);
        }
        input
    }
}

/// Splits `KEY=VALUE` and types the value (see the module docs for the rules).
pub fn parse_pair(arg: &str) -> anyhow::Result<(String, RawValue)> {
    let Some((key, value)) = arg.split_once('=') else {
        return Err(CliError::usage(format!(
            "--input {arg:?} has no '=': write KEY=VALUE, e.g. image=@photo.jpg or shadow=true"
        )));
    };
    let key = clean_key(key, arg)?;
    Ok((key.to_string(), parse_value(key, value)?))
}

/// The key of `arg` without spaces or the wire's `input.` prefix (accepted for people pasting
/// from docs); an empty key is a usage error.
fn clean_key<'a>(key: &'a str, arg: &str) -> anyhow::Result<&'a str> {
    let key = key.trim();
    let key = key.strip_prefix("input.").unwrap_or(key);
    if key.is_empty() {
        return Err(CliError::usage(format!(
            "--input {arg:?} has an empty key: write KEY=VALUE, e.g. image=@photo.jpg"
        )));
    }
    Ok(key)
}

/// A `KEY=VALUE` that is not UTF-8: only `KEY=@PATH` can be (a Unix file name is any bytes);
/// anything else is a usage error.
fn parse_non_utf8_pair(arg: &OsStr) -> anyhow::Result<(String, RawValue)> {
    let shown = arg.to_string_lossy();
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bytes = arg.as_bytes();
        if let Some(eq) = bytes.iter().position(|&b| b == b'=')
            && let Ok(key) = std::str::from_utf8(&bytes[..eq])
            && let Some(path) = bytes[eq + 1..].strip_prefix(b"@")
            && !path.is_empty()
            && !path.starts_with(b"@")
        {
            let key = clean_key(key, &shown)?;
            let path = PathBuf::from(OsStr::from_bytes(path));
            return Ok((key.to_string(), RawValue::File(path)));
        }
    }
    Err(CliError::usage(format!(
        "--input {shown:?} is not valid UTF-8: only a file (KEY=@PATH) may have such a name; \
         write keys and other values in UTF-8"
    )))
}

/// Types one value (see the module docs for the rules).
pub fn parse_value(key: &str, value: &str) -> anyhow::Result<RawValue> {
    if let Some(rest) = value.strip_prefix("@@") {
        return Ok(RawValue::Text(format!("@{rest}")));
    }
    if let Some(path) = value.strip_prefix('@') {
        if path.is_empty() {
            return Err(CliError::usage(format!(
                "--input {key}=@ names no file: write {key}=@path/to/file (or {key}=@@text for text starting with '@')"
            )));
        }
        return Ok(RawValue::File(PathBuf::from(path)));
    }
    match value {
        "true" => return Ok(RawValue::Bool(true)),
        "false" => return Ok(RawValue::Bool(false)),
        "null" => return Ok(RawValue::Json(Value::Null)),
        _ => {}
    }
    if looks_numeric(value)
        && let Ok(number) = serde_json::from_str::<Number>(value)
    {
        return Ok(RawValue::Number(number));
    }
    if value.starts_with(['{', '[', '"']) {
        return serde_json::from_str::<Value>(value)
            .map(RawValue::Json)
            .map_err(|e| {
                CliError::usage(format!(
                    "--input {key}: the value starts like JSON but does not parse ({e}); \
                     fix the JSON, or quote the whole value as a JSON string to send it as text"
                ))
            });
    }
    let lower = value.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Ok(RawValue::Url(value.to_string()));
    }
    Ok(RawValue::Text(value.to_string()))
}

/// A cheap pre-check so words like `Infinity` or `1_000` stay text.
fn looks_numeric(value: &str) -> bool {
    let digits = value.strip_prefix('-').unwrap_or(value);
    digits.starts_with(|c: char| c.is_ascii_digit())
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn value(text: &str) -> RawValue {
        parse_value("k", text).unwrap()
    }

    #[test]
    fn typing_rules() {
        assert_eq!(value("@photo.jpg"), RawValue::File("photo.jpg".into()));
        assert_eq!(value("@@handle"), RawValue::Text("@handle".into()));
        assert_eq!(value("true"), RawValue::Bool(true));
        assert_eq!(value("false"), RawValue::Bool(false));
        assert_eq!(value("null"), RawValue::Json(Value::Null));
        assert_eq!(value("42"), RawValue::Number(42.into()));
        assert_eq!(
            value("-0.5"),
            RawValue::Number(Number::from_f64(-0.5).unwrap())
        );
        assert_eq!(
            value("1e3"),
            RawValue::Number(serde_json::from_str("1e3").unwrap())
        );
        assert_eq!(value("{\"a\":1}"), RawValue::Json(json!({"a": 1})));
        assert_eq!(value("[1,\"x\"]"), RawValue::Json(json!([1, "x"])));
        assert_eq!(value("\"42\""), RawValue::Json(json!("42")));
        assert_eq!(
            value("https://cdn.example/a.jpg"),
            RawValue::Url("https://cdn.example/a.jpg".into())
        );
        assert_eq!(value("general"), RawValue::Text("general".into()));
        assert_eq!(value(""), RawValue::Text(String::new()));
        // Not JSON numbers: leading zeros, words, separators.
        assert_eq!(value("007"), RawValue::Text("007".into()));
        assert_eq!(value("Infinity"), RawValue::Text("Infinity".into()));
        assert_eq!(value("1_000"), RawValue::Text("1_000".into()));
        assert_eq!(value("1.2.3"), RawValue::Text("1.2.3".into()));
        assert_eq!(value("True"), RawValue::Text("True".into()));
    }

    #[test]
    fn bad_pairs_are_usage_errors() {
        for bad in ["image", "=x", "image=@", "o={bad json"] {
            let err = parse_pair(bad).unwrap_err();
            let cli = err.downcast_ref::<CliError>().expect("a CliError");
            assert_eq!(cli.failure, crate::error::Failure::Usage, "{bad}");
        }
    }

    #[test]
    fn keys_may_carry_the_wire_prefix_and_repeat_into_lists() {
        let inputs = Inputs::parse(&["input.image=@a.png", "shadow=true", "image=@b.png"]).unwrap();
        assert_eq!(
            inputs.fields,
            vec![
                (
                    "image".to_string(),
                    vec![
                        RawValue::File("a.png".into()),
                        RawValue::File("b.png".into())
                    ]
                ),
                ("shadow".to_string(), vec![RawValue::Bool(true)]),
            ]
        );
        let input = inputs.into_prediction_input();
        assert!(input.has_files());
        assert_eq!(input.keys().collect::<Vec<_>>(), ["image", "shadow"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_file_name_need_not_be_utf8() {
        use std::ffi::OsString;
        use std::os::unix::ffi::{OsStrExt, OsStringExt};

        let arg = OsString::from_vec(b"input.image=@dir/ph\xffoto.png".to_vec());
        let inputs = Inputs::parse(&[arg]).unwrap();
        let (key, values) = &inputs.fields[0];
        assert_eq!(key, "image");
        let [RawValue::File(path)] = values.as_slice() else {
            panic!("not a file: {values:?}");
        };
        assert_eq!(path.as_os_str().as_bytes(), b"dir/ph\xffoto.png");

        // Other non-UTF-8 values cannot be sent: a usage error, not a panic.
        for bad in [&b"note=\xff"[..], b"k\xff=@a.png", b"k=@@\xff", b"=@\xff"] {
            let err = Inputs::parse(&[OsString::from_vec(bad.to_vec())]).unwrap_err();
            let cli = err.downcast_ref::<CliError>().expect("a CliError");
            assert_eq!(cli.failure, crate::error::Failure::Usage);
        }
    }

    #[test]
    fn values_may_contain_equals_signs() {
        let (key, value) = parse_pair("note=a=b").unwrap();
        assert_eq!(key, "note");
        assert_eq!(value, RawValue::Text("a=b".into()));
    }
}

//! JSON (serde) support, behind the default `serde` feature.
//!
//! Serialising a parsed [`UrlObj`] gives exactly the reference's `url_to_obj` dictionary.
//! Reading goes through [`UrlObj::from_json`], which accepts what the reference's `obj_to_url`
//! accepts and, where the reference would fail, reports the same first fault.

use std::borrow::Cow;

use serde::de::Error as _;
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::build::{FaultPosition, build, step};
use crate::dpr::{python_float, python_float_repr};
use crate::{Dpr, Param, SignUrlRequest, Transformation, UrlError, UrlObj, UrlOptions};

impl Serialize for UrlObj<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("UrlObj", 10)?;
        s.serialize_field("baseUrl", &self.base_url)?;
        s.serialize_field("version", &self.version)?;
        s.serialize_field("cloudName", &self.cloud_name)?;
        s.serialize_field("zone", &self.zone)?;
        s.serialize_field("pattern", &self.pattern)?;
        s.serialize_field("filePath", &self.file_path)?;
        s.serialize_field("worker", &self.worker)?;
        s.serialize_field("workerPath", &self.worker_path)?;
        s.serialize_field("options", &self.options)?;
        s.serialize_field("transformations", &self.transformations)?;
        s.end()
    }
}

/// Accepts what the reference's `obj_to_url` accepts; see [`UrlObj::from_json`].
impl<'de> Deserialize<'de> for UrlObj<'_> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        UrlObj::from_json(&value)
            .map(UrlObj::into_owned)
            .map_err(D::Error::custom)
    }
}

/// A map with `dpr` and `f_auto` when set, in the order the URL had them.
impl Serialize for UrlOptions {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = usize::from(self.dpr.is_some()) + usize::from(self.f_auto.is_some());
        let mut map = serializer.serialize_map(Some(len))?;
        if self.f_auto_first
            && let Some(f_auto) = self.f_auto
        {
            map.serialize_entry("f_auto", &f_auto)?;
        }
        if let Some(dpr) = self.dpr {
            map.serialize_entry("dpr", &dpr)?;
        }
        if !self.f_auto_first
            && let Some(f_auto) = self.f_auto
        {
            map.serialize_entry("f_auto", &f_auto)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for UrlOptions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let mut faults = Faults::default();
        let options = read_options(&value, &mut faults);
        match faults.first {
            Some((_, error)) => Err(D::Error::custom(error)),
            None => Ok(options),
        }
    }
}

/// `"auto"` or a number.
impl Serialize for Dpr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Dpr::Auto => serializer.serialize_str("auto"),
            Dpr::Value(v) => serializer.serialize_f64(*v),
        }
    }
}

/// `"auto"`, a number, or a numeric string (`"2.0"`), as the reference's `obj_to_url` reads.
impl<'de> Deserialize<'de> for Dpr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        read_dpr(&value).map_err(D::Error::custom)
    }
}

impl Serialize for Transformation<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = if self.values.is_empty() { 2 } else { 3 };
        let mut s = serializer.serialize_struct("Transformation", fields)?;
        s.serialize_field("plugin", &self.plugin)?;
        s.serialize_field("name", &self.name)?;
        if self.values.is_empty() {
            s.skip_field("values")?;
        } else {
            s.serialize_field("values", &self.values)?;
        }
        s.end()
    }
}

impl Serialize for Param<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Param", 2)?;
        s.serialize_field("key", &self.key)?;
        s.serialize_field("value", &self.value)?;
        s.end()
    }
}

/// Python truthiness of a JSON value (`null`, `false`, `0`, `""`, `[]`, `{}` are false).
fn truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
    }
}

/// Python's `str()` of a JSON scalar; `None` for arrays and objects.
fn py_str(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Null => Some(Cow::Borrowed("None")),
        Value::Bool(true) => Some(Cow::Borrowed("True")),
        Value::Bool(false) => Some(Cow::Borrowed("False")),
        Value::Number(n) if n.is_f64() => n.as_f64().map(|f| Cow::Owned(python_float_repr(f))),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// A stand-in for a faulty text field: not empty, so it triggers no other fault.
const PLACEHOLDER: &str = "?";

/// The first fault met, by position in the reference's `obj_to_url`.
#[derive(Default)]
struct Faults {
    first: Option<(FaultPosition, UrlError)>,
}

impl Faults {
    fn note(&mut self, position: FaultPosition, error: UrlError) {
        if self
            .first
            .as_ref()
            .is_none_or(|(first, _)| position < *first)
        {
            self.first = Some((position, error));
        }
    }
}

fn invalid(name: &'static str, expected: &'static str) -> UrlError {
    UrlError::InvalidArgument { name, expected }
}

/// A text key that the reference checks for truthiness and later joins into the URL:
/// falsy gives `None`, a string itself, anything else a fault (met when joining).
fn optional_text<'a>(
    value: Option<&'a Value>,
    name: &'static str,
    faults: &mut Faults,
) -> Option<Cow<'a, str>> {
    match value {
        Some(Value::String(s)) if !s.is_empty() => Some(Cow::Borrowed(s)),
        v if !truthy(v) => None,
        _ => {
            faults.note((step::JOIN, 0, 0), invalid(name, "a string"));
            Some(Cow::Borrowed(PLACEHOLDER))
        }
    }
}

impl<'a> UrlObj<'a> {
    /// Reads an object as the reference's `obj_to_url` does (text borrowed from `value`).
    ///
    /// - Missing keys take the reference's defaults: `baseUrl` `https://cdn.pixelbin.io`,
    ///   `version` `v2`; `isCustomDomain` and `worker` are read for truthiness.
    /// - A transformation without `name` is skipped (see
    ///   [`UrlObj::skipped_transformations`]); parameter keys and values may be strings,
    ///   numbers or booleans, written as Python writes them.
    /// - `options.dpr` is a number, a numeric string or `"auto"`; `options.f_auto` a boolean.
    ///
    /// Faults the object can hold (no cloud name, an empty parameter value, `dpr` out of
    /// range, ...) are left for [`obj_to_url`](crate::obj_to_url) to report; other faults are
    /// reported here, and when there are several, the one the reference would report first.
    ///
    /// # Errors
    /// [`UrlError::MissingWorkerPath`], [`UrlError::MissingTransformations`],
    /// [`UrlError::MissingPlugin`], [`UrlError::InvalidDpr`], [`UrlError::InvalidFAuto`],
    /// [`UrlError::InvalidArgument`] for a key of the wrong type, or the reference's first
    /// fault as above.
    ///
    /// ```
    /// use pixelbin_url::{obj_to_url, UrlObj};
    ///
    /// let value = serde_json::json!({
    ///     "cloudName": "my-cloud",
    ///     "filePath": "photo.jpeg",
    ///     "transformations": [{"plugin": "t", "name": "resize", "values": [{"key": "h", "value": 100}]}],
    ///     "options": {"dpr": 2, "f_auto": true}
    /// });
    /// let obj = UrlObj::from_json(&value)?;
    /// assert_eq!(
    ///     obj_to_url(&obj)?,
    ///     "https://cdn.pixelbin.io/v2/my-cloud/t.resize(h:100)/photo.jpeg?dpr=2.0&f_auto=true"
    /// );
    /// # Ok::<(), pixelbin_url::UrlError>(())
    /// ```
    pub fn from_json(value: &'a Value) -> Result<UrlObj<'a>, UrlError> {
        let Value::Object(map) = value else {
            return Err(invalid("obj", "a JSON object"));
        };
        let mut faults = Faults::default();
        let mut obj = UrlObj {
            is_custom_domain: truthy(map.get("isCustomDomain")),
            worker: truthy(map.get("worker")),
            ..UrlObj::default()
        };
        if map.contains_key("baseUrl") {
            obj.base_url = optional_text(map.get("baseUrl"), "baseUrl", &mut faults)
                .unwrap_or(Cow::Borrowed(""));
        }
        obj.cloud_name = optional_text(map.get("cloudName"), "cloudName", &mut faults);
        obj.file_path = if obj.worker {
            match map.get("filePath") {
                Some(Value::String(s)) => Cow::Borrowed(s),
                _ => Cow::Borrowed(""),
            }
        } else {
            optional_text(map.get("filePath"), "filePath", &mut faults).unwrap_or(Cow::Borrowed(""))
        };
        obj.worker_path = match map.get("workerPath") {
            Some(Value::String(s)) => Cow::Borrowed(s),
            _ => {
                if obj.worker {
                    faults.note((step::WORKER_PATH, 0, 0), UrlError::MissingWorkerPath);
                }
                Cow::Borrowed("")
            }
        };
        if let Some(Value::String(pattern)) = map.get("pattern") {
            obj.pattern = Cow::Borrowed(pattern);
        }

        // The reference reads the transformations only for non-worker URLs.
        let mut ignored = Faults::default();
        let transformation_faults = if obj.worker {
            &mut ignored
        } else {
            &mut faults
        };
        let json_index =
            read_transformations(map.get("transformations"), &mut obj, transformation_faults);

        match map.get("version") {
            None => {}
            Some(Value::String(version)) => obj.version = Cow::Borrowed(version),
            Some(_) => faults.note((step::VERSION, 0, 0), invalid("version", "a string")),
        }
        match map.get("zone") {
            None | Some(Value::Null) => {}
            Some(Value::String(zone)) => obj.zone = Some(Cow::Borrowed(zone)),
            Some(_) => faults.note((step::ZONE, 0, 0), invalid("zone", "a string")),
        }
        if let Some(options) = map.get("options") {
            obj.options = read_options(options, &mut faults);
        }

        let Some((fault_position, fault)) = faults.first else {
            // Faults the object holds are reported by `obj_to_url`.
            return Ok(obj);
        };
        match build(&obj) {
            Err(((step_no, index, check), error)) => {
                let position = (
                    step_no,
                    json_index.get(index).copied().unwrap_or(index),
                    check,
                );
                Err(if position < fault_position {
                    error
                } else {
                    fault
                })
            }
            Ok(_) => Err(fault),
        }
    }
}

/// Reads `transformations` into `obj`; gives, for each kept transformation, its index in the
/// JSON list (nameless ones are skipped).
fn read_transformations<'a>(
    value: Option<&'a Value>,
    obj: &mut UrlObj<'a>,
    faults: &mut Faults,
) -> Vec<usize> {
    const T: u8 = step::TRANSFORMATIONS;
    let items = match value {
        Some(Value::Array(items)) => items,
        None => {
            faults.note((T, 0, 0), UrlError::MissingTransformations);
            return Vec::new();
        }
        Some(_) => {
            faults.note((T, 0, 0), invalid("transformations", "a list"));
            return Vec::new();
        }
    };
    let mut json_index = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let Value::Object(item) = item else {
            faults.note((T, index, 0), invalid("transformation", "an object"));
            continue;
        };
        let Some(name) = item.get("name") else {
            obj.skipped_transformations += 1;
            continue;
        };
        let name = py_str(name).unwrap_or_else(|| {
            faults.note((T, index, usize::MAX), invalid("name", "a string"));
            Cow::Borrowed(PLACEHOLDER)
        });
        let values = match item.get("values") {
            None => &[][..],
            Some(Value::Array(values)) => values.as_slice(),
            // Iterating an empty string or object finds no parameter in the reference.
            Some(Value::String(s)) if s.is_empty() => &[],
            Some(Value::Object(o)) if o.is_empty() => &[],
            // Iterating a string gives characters, none of which holds a "key".
            Some(Value::String(_)) => {
                faults.note(
                    (T, index, 2),
                    UrlError::MissingParamKey {
                        name: name.to_string(),
                    },
                );
                &[]
            }
            Some(_) => {
                faults.note(
                    (T, index, 1),
                    invalid("values", "a list of {key, value} objects"),
                );
                &[]
            }
        };
        let mut params = Vec::with_capacity(values.len());
        for (p, param) in values.iter().enumerate() {
            let Value::Object(param) = param else {
                faults.note(
                    (T, index, 2 + 2 * p),
                    invalid("values", "a list of {key, value} objects"),
                );
                params.push(Param::new(PLACEHOLDER, PLACEHOLDER));
                continue;
            };
            let mut text = |field: &'static str, check: usize| match param.get(field) {
                Some(v) if truthy(Some(v)) => py_str(v).unwrap_or_else(|| {
                    faults.note((T, index, check), invalid(field, "a string or a number"));
                    Cow::Borrowed(PLACEHOLDER)
                }),
                _ => Cow::Borrowed(""),
            };
            let key = text("key", 2 + 2 * p);
            let value = text("value", 3 + 2 * p);
            params.push(Param { key, value });
        }
        let plugin = match item.get("plugin") {
            Some(plugin) => py_str(plugin).unwrap_or_else(|| {
                faults.note((T, index, usize::MAX), invalid("plugin", "a string"));
                Cow::Borrowed(PLACEHOLDER)
            }),
            None => {
                faults.note(
                    (T, index, usize::MAX),
                    UrlError::MissingPlugin {
                        name: name.to_string(),
                    },
                );
                Cow::Borrowed(PLACEHOLDER)
            }
        };
        obj.transformations.push(Transformation {
            plugin,
            name,
            values: params,
        });
        json_index.push(index);
    }
    json_index
}

fn read_dpr(value: &Value) -> Result<Dpr, UrlError> {
    let invalid_dpr = || UrlError::InvalidDpr {
        value: value.to_string(),
    };
    match value {
        Value::String(s) if s == "auto" => Ok(Dpr::Auto),
        Value::String(s) => python_float(s).map(Dpr::Value).ok_or_else(invalid_dpr),
        Value::Number(n) => n.as_f64().map(Dpr::Value).ok_or_else(invalid_dpr),
        Value::Bool(b) => Ok(Dpr::Value(if *b { 1.0 } else { 0.0 })),
        Value::Null | Value::Array(_) | Value::Object(_) => Err(invalid_dpr()),
    }
}

fn read_options(value: &Value, faults: &mut Faults) -> UrlOptions {
    let mut options = UrlOptions::default();
    let map = match value {
        Value::Object(map) => map,
        // Empty containers have no options for the reference either.
        Value::Array(a) if a.is_empty() => return options,
        Value::String(s) if s.is_empty() => return options,
        _ => {
            faults.note((step::DPR, 0, 0), invalid("options", "an object"));
            return options;
        }
    };
    match map.get("dpr") {
        None | Some(Value::Null) => {}
        Some(dpr) => match read_dpr(dpr) {
            Ok(dpr) => options.dpr = Some(dpr),
            Err(error) => faults.note((step::DPR, 0, 0), error),
        },
    }
    match map.get("f_auto") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(f_auto)) => options.f_auto = Some(*f_auto),
        Some(other) => faults.note(
            (step::F_AUTO, 0, 0),
            UrlError::InvalidFAuto {
                value: other.to_string(),
            },
        ),
    }
    options
}

impl SignUrlRequest {
    /// Reads the reference's `sign_url` arguments from JSON
    /// (`{"url", "expiry_seconds", "access_key", "token"}`) with its checks, in its order:
    /// `expiry_seconds` an integer, `access_key` a string or an integer, `token` a string,
    /// `url` a string.
    ///
    /// # Errors
    /// [`UrlError::InvalidArgument`]: `expiry_seconds must be an integer`,
    /// `access_key must be a string`, `token must be a string` (the reference's messages) or
    /// `url must be a string`.
    ///
    /// ```
    /// use pixelbin_url::SignUrlRequest;
    ///
    /// let request = SignUrlRequest::from_json(&serde_json::json!({
    ///     "url": "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg",
    ///     "expiry_seconds": 20,
    ///     "access_key": 22,
    ///     "token": "dummy-token"
    /// }))?;
    /// assert!(request.sign_at(1_700_000_000)?.ends_with("&pbe=1700000020&pbt=22"));
    /// # Ok::<(), pixelbin_url::UrlError>(())
    /// ```
    pub fn from_json(value: &Value) -> Result<SignUrlRequest, UrlError> {
        let field = |name: &str| value.get(name).unwrap_or(&Value::Null);
        // Python's `bool` is an `int`, so the reference takes booleans here too.
        let expiry_seconds = match field("expiry_seconds") {
            Value::Number(n) => n.as_i64(),
            Value::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
        .ok_or_else(|| invalid("expiry_seconds", "an integer"))?;
        let access_key = match field("access_key") {
            Value::String(s) => s.clone(),
            Value::Number(n) if !n.is_f64() => n.to_string(),
            Value::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
            _ => return Err(invalid("access_key", "a string")),
        };
        let Value::String(token) = field("token") else {
            return Err(invalid("token", "a string"));
        };
        let Value::String(url) = field("url") else {
            return Err(invalid("url", "a string"));
        };
        Ok(SignUrlRequest {
            url: url.clone(),
            expiry_seconds,
            access_key,
            token: token.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{UrlToObjOptions, obj_to_url, url_to_obj};
    use serde_json::json;

    fn build_json(value: Value) -> Result<String, UrlError> {
        obj_to_url(&UrlObj::from_json(&value)?)
    }

    #[test]
    fn serialises_like_the_reference() {
        let obj = url_to_obj(
            "https://cdn.pixelbin.io/v2/c12/t.flip()~p:x(a:1)/a.jpeg?f_auto=false&dpr=2",
            UrlToObjOptions::default(),
        )
        .expect("parses");
        assert_eq!(
            serde_json::to_string(&obj).expect("serialises"),
            r#"{"baseUrl":"https://cdn.pixelbin.io","version":"v2","cloudName":"c12","zone":null,"pattern":"t.flip()~p:x(a:1)","filePath":"a.jpeg","worker":false,"workerPath":"","options":{"f_auto":false,"dpr":2.0},"transformations":[{"plugin":"t","name":"flip"},{"plugin":"p","name":"x","values":[{"key":"a","value":"1"}]}]}"#
        );
    }

    #[test]
    fn reads_reference_defaults_and_scalars() {
        assert_eq!(
            build_json(json!({"cloudName": "c12", "filePath": "a.jpeg", "transformations": [
                {"plugin": "t", "name": "resize", "values": [{"key": "h", "value": 100}, {"key": "s", "value": 1.5}, {"key": "b", "value": true}]}
            ], "options": {"dpr": "2.50"}})).as_deref(),
            Ok("https://cdn.pixelbin.io/v2/c12/t.resize(h:100,s:1.5,b:True)/a.jpeg?dpr=2.5")
        );
        assert_eq!(
            build_json(json!({"cloudName": "c12", "filePath": "a.jpeg", "transformations": [{}]}))
                .as_deref(),
            Ok("https://cdn.pixelbin.io/v2/c12/a.jpeg")
        );
        assert_eq!(
            build_json(json!({"cloudName": "c12", "filePath": "a.jpeg", "baseUrl": null, "transformations": []})).as_deref(),
            Ok("v2/c12/original/a.jpeg")
        );
    }

    #[test]
    fn type_faults() {
        assert_eq!(
            build_json(json!({"cloudName": "c12", "filePath": "a.jpeg"})),
            Err(UrlError::MissingTransformations)
        );
        assert_eq!(
            build_json(json!({"cloudName": "c12", "worker": true, "transformations": []})),
            Err(UrlError::MissingWorkerPath)
        );
        assert!(matches!(
            build_json(
                json!({"cloudName": "c12", "filePath": "a", "transformations": [], "options": {"f_auto": "abc"}})
            ),
            Err(UrlError::InvalidFAuto { .. })
        ));
        assert!(matches!(
            build_json(
                json!({"cloudName": "c12", "filePath": "a", "transformations": [], "options": {"dpr": "abc"}})
            ),
            Err(UrlError::InvalidDpr { .. })
        ));
        assert_eq!(
            build_json(
                json!({"cloudName": "c12", "filePath": "a", "transformations": [{"name": "x"}]})
            ),
            Err(UrlError::MissingPlugin { name: "x".into() })
        );
    }

    #[test]
    fn first_fault_is_the_references() {
        // No cloud name (held by the object) comes before a bad f_auto (not held).
        assert_eq!(
            build_json(
                json!({"filePath": "a", "transformations": [], "options": {"f_auto": "abc"}})
            ),
            Err(UrlError::MissingCloudName)
        );
        // dpr out of range comes before a bad f_auto.
        assert!(matches!(
            build_json(
                json!({"cloudName": "c12", "filePath": "a", "transformations": [], "options": {"dpr": 9, "f_auto": 1}})
            ),
            Err(UrlError::InvalidDpr { .. })
        ));
        // An empty value in the first transformation comes before a missing plugin in the second.
        assert_eq!(
            build_json(
                json!({"cloudName": "c12", "filePath": "a", "transformations": [
                    {"plugin": "t", "name": "a", "values": [{"key": "h", "value": ""}]},
                    {"name": "b"}
                ]})
            ),
            Err(UrlError::MissingParamValue {
                name: "a".into(),
                key: "h".into()
            })
        );
        // Within one transformation, the values are checked before the plugin.
        assert_eq!(
            build_json(
                json!({"cloudName": "c12", "filePath": "a", "transformations": [
                    {}, {"name": "b", "values": [{"key": "h"}]}
                ]})
            ),
            Err(UrlError::MissingParamValue {
                name: "b".into(),
                key: "h".into()
            })
        );
    }

    #[test]
    fn deserialize_goes_through_from_json() {
        let obj: UrlObj<'static> = serde_json::from_str(
            r#"{"cloudName":"c12","filePath":"a.jpeg","transformations":[],"options":{"dpr":"auto"}}"#,
        )
        .expect("reads");
        assert_eq!(obj.options.dpr, Some(Dpr::Auto));
        let err = serde_json::from_str::<UrlObj<'static>>(r#"{"cloudName":"c12","filePath":"a"}"#)
            .expect_err("fails");
        assert!(
            err.to_string()
                .starts_with("key transformations should be defined"),
            "{err}"
        );
        let dpr: Dpr = serde_json::from_str("2").expect("reads");
        assert_eq!(dpr, Dpr::Value(2.0));
    }

    #[test]
    fn sign_request_checks_in_reference_order() {
        let base =
            json!({"url": "https://a/b", "expiry_seconds": 20, "access_key": "k", "token": "t"});
        let with = |key: &str, v: Value| {
            let mut o = base.clone();
            o[key] = v;
            SignUrlRequest::from_json(&o)
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        assert_eq!(
            with("expiry_seconds", json!("twenty")),
            Err("expiry_seconds must be an integer".into())
        );
        assert_eq!(
            with("expiry_seconds", json!(2.5)),
            Err("expiry_seconds must be an integer".into())
        );
        assert_eq!(
            with("access_key", Value::Null),
            Err("access_key must be a string".into())
        );
        assert_eq!(
            with("token", Value::Null),
            Err("token must be a string".into())
        );
        assert_eq!(with("url", Value::Null), Err("url must be a string".into()));
        assert_eq!(with("access_key", json!(7)), Ok(()));
    }
}

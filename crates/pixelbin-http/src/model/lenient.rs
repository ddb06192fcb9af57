//! Tolerant decoding of response fields: the one place that decides what a surprising value
//! becomes.
//!
//! The service is not consistent about JSON types (the reference documents `orgId` as an
//! integer yet returns `"orgId": "1"`, flags come back as `"true"`, a list sometimes as one
//! string), and the reference SDK never notices because it hands back the raw dict. A typed SDK
//! must not fail a whole call over a field it does not even need, so every response field that
//! the SDK's own logic does not require is decoded through [`field`]:
//!
//! - a value of another type is converted when the meaning is unambiguous: numbers given as
//!   strings (`"12"`) and the reverse, `"true"`/`"false"` and `0`/`1` as booleans, one string
//!   where a list is expected, `null` as an empty list;
//! - anything else (an object where a number was expected, `"abc"` for a count) becomes `None`,
//!   or the type's default for non-optional fields: never an error.
//!
//! Response structs get this for every field at once with [`lenient_response!`](crate::lenient_response),
//! which applies [`field`] to each field by its type; the few fields the SDK needs (a
//! prediction's `_id`, a presigned URL) opt out and stay strict, so their absence is an error
//! naming them. Unknown fields are kept in each struct's `extra` map.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

#[doc(hidden)]
pub use serde_with::apply as __apply;
#[doc(hidden)]
pub use serde_with::skip_serializing_none as __skip_serializing_none;

/// A field type that can be read from any JSON value, converting what is unambiguous.
///
/// Implemented for the scalar, list and map types used in responses, and for every response
/// struct through [`Record`].
pub trait Lenient: Default {
    /// The value read from `value`; the type's default when nothing sensible can be made of it.
    fn from_json(value: Value) -> Self;
}

/// A response struct (or enum) decoded as a whole: a value that does not fit becomes `None`
/// (as an `Option` field) or is dropped (as a list item), instead of failing the response.
pub trait Record: serde::de::DeserializeOwned {}

/// `deserialize_with` for a tolerant field: see the [module documentation](self).
pub fn field<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Lenient,
{
    Ok(T::from_json(Value::deserialize(deserializer)?))
}

/// `Option<u64>` (for `deserialize_with` where a struct does not use [`field`]).
pub fn opt_u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    field(deserializer)
}

/// `Option<bool>` (for `deserialize_with` where a struct does not use [`field`]).
pub fn opt_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    field(deserializer)
}

/// A list that may be `null`, missing, or one item instead of a list.
pub fn vec_or_null<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    Ok(items(Value::deserialize(deserializer)?))
}

/// A required string field (an id the SDK needs): a string, or a number written as one.
/// Anything else is an error, which serde reports with the field's name.
pub fn required_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::String(s) if !s.is_empty() => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected a non-empty string, got {}",
            kind(&other)
        ))),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "an empty string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Each item that decodes as `T`; one value that is not a list counts as a list of one.
fn items<T: serde::de::DeserializeOwned>(value: Value) -> Vec<T> {
    let list = match value {
        Value::Null => Vec::new(),
        Value::Array(list) => list,
        one => vec![one],
    };
    list.into_iter()
        .filter_map(|item| serde_json::from_value(item).ok())
        .collect()
}

fn text(value: Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_f64() {
            Some(0.0) => Some(false),
            Some(1.0) => Some(true),
            _ => None,
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A number read from a JSON number or a numeric string, when it fits `T` exactly.
trait Numeric: Sized + Copy {
    fn from_f64(f: f64) -> Option<Self>;
    fn parse(s: &str) -> Option<Self>;
    fn from_number(n: &serde_json::Number) -> Option<Self>;
}

macro_rules! integer {
    ($($t:ty),*) => {$(
        impl Numeric for $t {
            fn from_f64(f: f64) -> Option<Self> {
                // Integral and in range only: 1.5 items or -1 bytes are not a count.
                (f.fract() == 0.0 && f >= <$t>::MIN as f64 && f <= <$t>::MAX as f64).then(|| f as $t)
            }
            fn parse(s: &str) -> Option<Self> {
                s.parse().ok().or_else(|| s.parse::<f64>().ok().and_then(Self::from_f64))
            }
            fn from_number(n: &serde_json::Number) -> Option<Self> {
                n.as_u64()
                    .and_then(|u| <$t>::try_from(u).ok())
                    .or_else(|| n.as_i64().and_then(|i| <$t>::try_from(i).ok()))
                    .or_else(|| n.as_f64().and_then(Self::from_f64))
            }
        }
    )*};
}
integer!(u8, u16, u32, u64, usize, i32, i64);

impl Numeric for f64 {
    fn from_f64(f: f64) -> Option<Self> {
        f.is_finite().then_some(f)
    }
    fn parse(s: &str) -> Option<Self> {
        s.parse::<f64>().ok().filter(|f| f.is_finite())
    }
    fn from_number(n: &serde_json::Number) -> Option<Self> {
        n.as_f64()
    }
}

fn number<T: Numeric>(value: &Value) -> Option<T> {
    match value {
        Value::Number(n) => T::from_number(n),
        Value::String(s) => T::parse(s.trim()),
        _ => None,
    }
}

macro_rules! lenient_number {
    ($($t:ty),*) => {$(
        impl Lenient for $t {
            fn from_json(value: Value) -> Self {
                number(&value).unwrap_or_default()
            }
        }
        impl Lenient for Option<$t> {
            fn from_json(value: Value) -> Self {
                number(&value)
            }
        }
    )*};
}
lenient_number!(u8, u16, u32, u64, usize, i32, i64, f64);

impl Lenient for bool {
    fn from_json(value: Value) -> Self {
        flag(&value).unwrap_or_default()
    }
}

impl Lenient for Option<bool> {
    fn from_json(value: Value) -> Self {
        flag(&value)
    }
}

impl Lenient for String {
    fn from_json(value: Value) -> Self {
        text(value).unwrap_or_default()
    }
}

impl Lenient for Option<String> {
    fn from_json(value: Value) -> Self {
        text(value)
    }
}

impl Lenient for Option<Value> {
    fn from_json(value: Value) -> Self {
        (!value.is_null()).then_some(value)
    }
}

impl Lenient for Map<String, Value> {
    fn from_json(value: Value) -> Self {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }
}

impl Lenient for Option<Map<String, Value>> {
    fn from_json(value: Value) -> Self {
        match value {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }
}

impl Lenient for Vec<String> {
    fn from_json(value: Value) -> Self {
        match value {
            // One string where a list was expected: a list of one, unless empty.
            Value::String(s) if s.is_empty() => Vec::new(),
            Value::Array(list) => list.into_iter().filter_map(text).collect(),
            other => text(other).into_iter().collect(),
        }
    }
}

impl Lenient for Option<Vec<String>> {
    fn from_json(value: Value) -> Self {
        (!value.is_null()).then(|| Vec::<String>::from_json(value))
    }
}

impl Lenient for Vec<Value> {
    fn from_json(value: Value) -> Self {
        items(value)
    }
}

impl<T: Record> Lenient for Option<T> {
    fn from_json(value: Value) -> Self {
        serde_json::from_value(value).ok()
    }
}

impl<T: Record> Lenient for Vec<T> {
    fn from_json(value: Value) -> Self {
        items(value)
    }
}

impl<T: Record> Lenient for Option<Vec<T>> {
    fn from_json(value: Value) -> Self {
        (!value.is_null()).then(|| items(value))
    }
}

impl<T: Record> Lenient for std::collections::BTreeMap<String, T> {
    fn from_json(value: Value) -> Self {
        match value {
            Value::Object(map) => map
                .into_iter()
                .filter_map(|(key, item)| Some((key, serde_json::from_value(item).ok()?)))
                .collect(),
            _ => Self::new(),
        }
    }
}

impl Record for super::Access {}
impl Record for super::PresignedUrl {}

/// Declares response structs whose every field decodes through [`lenient::field`](field)
/// (chosen by type: options, lists, strings, numbers and booleans), with `None` fields left out
/// when serialized, and makes each struct a [`Record`]. A field marked
/// `#[serde_with(skip_apply)]` keeps its own, strict decoding (for the few the SDK needs); a
/// field of a nested struct type uses `deserialize_with = "pixelbin_http::model::lenient::record"`.
///
/// ```
/// pixelbin_http::lenient_response! {
///     /// A thing the service describes.
///     #[derive(Debug, serde::Serialize, serde::Deserialize)]
///     pub struct Thing {
///         /// Its id, needed: strict.
///         #[serde_with(skip_apply)]
///         pub id: String,
///         /// How many; tolerant.
///         pub count: Option<u64>,
///         /// Labels; tolerant.
///         pub tags: Vec<String>,
///     }
/// }
///
/// let thing: Thing = serde_json::from_str(r#"{"id": "a", "count": "3", "tags": "x"}"#)?;
/// assert_eq!((thing.count, thing.tags), (Some(3), vec!["x".to_string()]));
/// let odd: Thing = serde_json::from_str(r#"{"id": "a", "count": {"n": 3}, "tags": null}"#)?;
/// assert_eq!((odd.count, odd.tags.len()), (None, 0));
/// let missing = serde_json::from_str::<Thing>(r#"{"count": 1}"#).unwrap_err();
/// assert!(missing.to_string().contains("`id`"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[macro_export]
macro_rules! lenient_response {
    ($( $(#[$meta:meta])* $vis:vis struct $name:ident { $($body:tt)* } )*) => {$(
        #[$crate::model::lenient::__skip_serializing_none]
        #[$crate::model::lenient::__apply(
            Option => #[serde(default, deserialize_with = "pixelbin_http::model::lenient::field")],
            Vec => #[serde(default, deserialize_with = "pixelbin_http::model::lenient::field")],
            String => #[serde(default, deserialize_with = "pixelbin_http::model::lenient::field")],
            bool => #[serde(default, deserialize_with = "pixelbin_http::model::lenient::field")],
            u32 => #[serde(default, deserialize_with = "pixelbin_http::model::lenient::field")],
            u64 => #[serde(default, deserialize_with = "pixelbin_http::model::lenient::field")],
            i64 => #[serde(default, deserialize_with = "pixelbin_http::model::lenient::field")],
            f64 => #[serde(default, deserialize_with = "pixelbin_http::model::lenient::field")],
            usize => #[serde(default, deserialize_with = "pixelbin_http::model::lenient::field")],
        )]
        $(#[$meta])*
        $vis struct $name { $($body)* }

        impl $crate::model::lenient::Record for $name {}
    )*};
}

/// `deserialize_with` for a field of a nested [`Record`] type that is not optional: the
/// record, or its default when the value does not fit.
pub fn record<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Record + Default,
{
    Ok(serde_json::from_value(Value::deserialize(deserializer)?).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Deserialize, Debug, Default, PartialEq)]
    struct Inner {
        a: u32,
    }
    impl Record for Inner {}

    fn read<T: Lenient>(value: Value) -> T {
        T::from_json(value)
    }

    #[test]
    fn numbers_come_from_numbers_and_numeric_strings() {
        assert_eq!(read::<Option<u64>>(json!(12)), Some(12));
        assert_eq!(read::<Option<u64>>(json!(12.0)), Some(12));
        assert_eq!(read::<Option<u64>>(json!("265")), Some(265));
        assert_eq!(read::<Option<u64>>(json!(" 7 ")), Some(7));
        assert_eq!(read::<Option<i64>>(json!("-3")), Some(-3));
        assert_eq!(read::<Option<f64>>(json!("1.5")), Some(1.5));
        assert_eq!(read::<Option<f64>>(json!(2)), Some(2.0));
    }

    #[test]
    fn nonsense_numbers_become_none_not_errors() {
        for odd in [
            json!("abc"),
            json!(-1),
            json!(1.5),
            json!(true),
            json!({}),
            json!([]),
            json!(null),
            json!(""),
        ] {
            assert_eq!(read::<Option<u64>>(odd.clone()), None, "{odd}");
            assert_eq!(read::<u64>(odd.clone()), 0, "{odd}");
        }
        assert_eq!(read::<Option<u8>>(json!(300)), None);
        assert_eq!(read::<Option<f64>>(json!("NaN")), None);
    }

    #[test]
    fn booleans_come_from_strings_and_zero_or_one() {
        assert_eq!(read::<Option<bool>>(json!(true)), Some(true));
        assert_eq!(read::<Option<bool>>(json!("false")), Some(false));
        assert_eq!(read::<Option<bool>>(json!("TRUE")), Some(true));
        assert_eq!(read::<Option<bool>>(json!(1)), Some(true));
        assert_eq!(read::<Option<bool>>(json!(0)), Some(false));
        assert_eq!(read::<Option<bool>>(json!("yes")), None);
        assert_eq!(read::<Option<bool>>(json!(2)), None);
        assert!(!read::<bool>(json!(null)));
    }

    #[test]
    fn strings_come_from_scalars() {
        assert_eq!(read::<Option<String>>(json!(17)), Some("17".into()));
        assert_eq!(read::<Option<String>>(json!(false)), Some("false".into()));
        assert_eq!(read::<Option<String>>(json!({"a": 1})), None);
        assert_eq!(read::<String>(json!(null)), "");
    }

    #[test]
    fn lists_come_from_one_value_or_null() {
        assert_eq!(read::<Vec<String>>(json!("a")), vec!["a"]);
        assert_eq!(read::<Vec<String>>(json!("")), Vec::<String>::new());
        assert_eq!(
            read::<Vec<String>>(json!(["a", 1, null, {}])),
            vec!["a", "1"]
        );
        assert_eq!(read::<Vec<String>>(json!(null)), Vec::<String>::new());
        assert_eq!(read::<Option<Vec<String>>>(json!(null)), None);
        assert_eq!(read::<Vec<Inner>>(json!({"a": 1})), vec![Inner { a: 1 }]);
        assert_eq!(
            read::<Vec<Inner>>(json!([{"a": 1}, "junk", {"a": 2}])),
            vec![Inner { a: 1 }, Inner { a: 2 }]
        );
    }

    #[test]
    fn records_that_do_not_fit_become_none() {
        assert_eq!(read::<Option<Inner>>(json!({"a": 1})), Some(Inner { a: 1 }));
        assert_eq!(read::<Option<Inner>>(json!("x")), None);
        assert_eq!(read::<Option<Value>>(json!(null)), None);
        assert_eq!(read::<Option<Map<String, Value>>>(json!([1])), None);
    }

    #[test]
    fn required_strings_accept_numbers_and_refuse_the_rest() {
        #[derive(Deserialize, Debug)]
        struct Job {
            #[serde(rename = "_id", deserialize_with = "super::required_string")]
            _id: String,
        }
        let job: Job = serde_json::from_value(json!({"_id": 42})).unwrap();
        assert_eq!(job._id, "42");
        for bad in [
            json!({"_id": null}),
            json!({"_id": ""}),
            json!({"_id": [1]}),
        ] {
            assert!(serde_json::from_value::<Job>(bad.clone()).is_err(), "{bad}");
        }
        let err = serde_json::from_value::<Job>(json!({})).unwrap_err();
        assert!(err.to_string().contains("`_id`"), "{err}");
    }
}

//! Tolerant decoders for numbers and booleans, for `#[serde(deserialize_with = ...)]`.
//!
//! [`FileObject`](super::FileObject) uses them, and so do the platform API's response types.
//!
//! The service is not consistent about scalar types: the reference documents `orgId` as an
//! integer yet returns `"orgId": "1"` from the playground, and flags sometimes come back as
//! `"true"`/`"false"`. These decoders accept both forms (and `null`) so one odd field does not
//! make a whole response undecodable; anything else is still a decode error.

use serde::{Deserialize, Deserializer, de::Error as _};

#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Unsigned(u64),
    Float(f64),
    Text(String),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Flag {
    Bool(bool),
    Text(String),
}

/// `Option<u64>` from a JSON integer, an integral float, a numeric string, `""` or `null`.
pub fn opt_u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    match Option::<Number>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Number::Unsigned(n)) => Ok(Some(n)),
        Some(Number::Float(f)) if f >= 0.0 && f.fract() == 0.0 && f <= u64::MAX as f64 => {
            Ok(Some(f as u64))
        }
        Some(Number::Float(f)) => Err(D::Error::custom(format!(
            "expected a non-negative integer, got {f}"
        ))),
        Some(Number::Text(s)) if s.trim().is_empty() => Ok(None),
        Some(Number::Text(s)) => {
            s.trim().parse().map(Some).map_err(|_| {
                D::Error::custom(format!("expected a non-negative integer, got \"{s}\""))
            })
        }
    }
}

/// `Option<bool>` from a JSON boolean, `"true"`/`"false"`, `""` or `null`.
pub fn opt_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    match Option::<Flag>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Flag::Bool(b)) => Ok(Some(b)),
        Some(Flag::Text(s)) => match s.trim() {
            "" => Ok(None),
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            _ => Err(D::Error::custom(format!("expected a boolean, got \"{s}\""))),
        },
    }
}

/// A list that may be `null` or missing (both read as empty).
pub fn vec_or_null<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    struct Probe {
        #[serde(default, deserialize_with = "super::opt_u64")]
        n: Option<u64>,
        #[serde(default, deserialize_with = "super::opt_bool")]
        b: Option<bool>,
        #[serde(default, deserialize_with = "super::vec_or_null")]
        v: Vec<String>,
    }

    fn probe(json: &str) -> Result<Probe, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn numbers_accept_integers_floats_and_numeric_strings() {
        assert_eq!(probe(r#"{"n": 12}"#).unwrap().n, Some(12));
        assert_eq!(probe(r#"{"n": 12.0}"#).unwrap().n, Some(12));
        assert_eq!(probe(r#"{"n": "265"}"#).unwrap().n, Some(265));
        assert_eq!(probe(r#"{"n": null}"#).unwrap().n, None);
        assert_eq!(probe(r#"{"n": ""}"#).unwrap().n, None);
        assert_eq!(probe(r#"{}"#).unwrap().n, None);
    }

    #[test]
    fn numbers_refuse_nonsense() {
        for bad in [
            r#"{"n": "abc"}"#,
            r#"{"n": -1}"#,
            r#"{"n": 1.5}"#,
            r#"{"n": true}"#,
        ] {
            assert!(probe(bad).is_err(), "{bad} should not decode");
        }
    }

    #[test]
    fn booleans_accept_strings() {
        assert_eq!(probe(r#"{"b": true}"#).unwrap().b, Some(true));
        assert_eq!(probe(r#"{"b": "false"}"#).unwrap().b, Some(false));
        assert_eq!(probe(r#"{"b": null}"#).unwrap().b, None);
        assert!(probe(r#"{"b": "yes"}"#).is_err());
        assert!(probe(r#"{"b": 1}"#).is_err());
    }

    #[test]
    fn lists_may_be_null() {
        assert!(probe(r#"{"v": null}"#).unwrap().v.is_empty());
        assert_eq!(probe(r#"{"v": ["a"]}"#).unwrap().v, vec!["a".to_owned()]);
    }
}

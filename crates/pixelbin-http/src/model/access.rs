//! The access level of an asset (`AccessEnum` in the reference).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// Who may read an asset: `public-read` or `private`.
///
/// Responses keep values this SDK does not know yet in [`Access::Other`], so a new server-side
/// level never breaks decoding; requests refuse [`Access::Other`] ([`Access::validate`]) with the
/// reference's message.
///
/// ```
/// use pixelbin_http::model::Access;
///
/// assert_eq!(Access::PublicRead.as_str(), "public-read");
/// assert_eq!(Access::from("private"), Access::Private);
/// assert_eq!(Access::from("team"), Access::Other("team".into()));
/// assert!(Access::from("team").validate().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// `public-read`: anyone with the URL may read the asset.
    PublicRead,
    /// `private`: reads need a signed URL.
    Private,
    /// Any other value the service returned (kept verbatim).
    Other(String),
}

impl Access {
    /// The wire form: `public-read`, `private`, or the kept unknown value.
    pub fn as_str(&self) -> &str {
        match self {
            Access::PublicRead => "public-read",
            Access::Private => "private",
            Access::Other(other) => other,
        }
    }

    /// Checks the value may be sent in a request: [`Access::Other`] is refused with
    /// [`Error::IllegalArgument`] (the reference validator's message) before anything is sent.
    pub fn validate(&self) -> Result<(), Error> {
        match self {
            Access::PublicRead | Access::Private => Ok(()),
            Access::Other(_) => Err(Error::IllegalArgument(
                "access: Must be one of: public-read, private.".to_owned(),
            )),
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Access {
    type Err = std::convert::Infallible;

    /// Never fails: unknown values become [`Access::Other`] (refused later when sent).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Access::from(s))
    }
}

impl From<&str> for Access {
    fn from(s: &str) -> Self {
        match s {
            "public-read" => Access::PublicRead,
            "private" => Access::Private,
            other => Access::Other(other.to_owned()),
        }
    }
}

impl From<String> for Access {
    fn from(s: String) -> Self {
        match s.as_str() {
            "public-read" => Access::PublicRead,
            "private" => Access::Private,
            _ => Access::Other(s),
        }
    }
}

impl Serialize for Access {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Access {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Access::from)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn round_trips_known_and_unknown_values() {
        for (text, access) in [
            ("public-read", Access::PublicRead),
            ("private", Access::Private),
            ("team-only", Access::Other("team-only".into())),
        ] {
            assert_eq!(Access::from(text), access);
            assert_eq!(Access::from(text.to_owned()), access);
            assert_eq!(text.parse::<Access>(), Ok(access.clone()));
            assert_eq!(access.to_string(), text);
            let json = serde_json::to_string(&access).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<Access>(&json).unwrap(), access);
        }
    }

    #[test]
    fn access_wire_values() {
        assert_eq!(Access::PublicRead.to_string(), "public-read");
        assert_eq!(
            serde_json::from_value::<Access>(json!("private")).unwrap(),
            Access::Private
        );
        // An unknown value decodes (responses never break) but cannot be sent.
        let unknown = serde_json::from_value::<Access>(json!("public")).unwrap();
        assert_eq!(unknown, Access::Other("public".into()));
        assert!(unknown.validate().is_err());
        assert!(serde_json::from_value::<Access>(json!(1)).is_err());
    }

    #[test]
    fn unknown_values_are_refused_in_requests() {
        assert!(Access::PublicRead.validate().is_ok());
        assert!(Access::Private.validate().is_ok());
        let err = Access::from("public").validate().unwrap_err();
        assert!(matches!(err, Error::IllegalArgument(_)));
        assert_eq!(
            err.to_string(),
            "access: Must be one of: public-read, private."
        );
    }
}

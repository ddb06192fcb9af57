//! Query strings the way the reference builds them for GET requests, from a parameter
//! struct's own `Serialize`.
//!
//! Fields go out in declaration order (the reference's order), lists indexed
//! (`tags[0]=a&tags[1]=b`), booleans as `true`/`false`, and unset or empty values are left out
//! (the reference skips every falsy value; an explicit `false` is the one deliberate
//! difference: it is sent, because a caller who sets it means it).

use std::fmt;

use pixelbin_http::{ApiRequest, Error};
use serde::Serialize;
use serde::ser::{self, Impossible, SerializeStruct};
use serde_json::Value;

/// Ordered `name=value` pairs; encoding is left to the transport.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Encodes a parameter struct (a `#[derive(Serialize)]` struct of scalars, options and
    /// lists of scalars) field by field.
    ///
    /// The structs are ours, so a shape this cannot encode (a nested object, a top-level
    /// non-struct) is a programming error; it is reported, never panicked on.
    pub(crate) fn from_params<T: Serialize>(params: &T) -> Result<Self, Error> {
        params
            .serialize(StructEncoder)
            .map_err(|shape| Error::IllegalArgument(shape.to_string()))
    }

    /// The pairs in insertion order.
    #[cfg(test)]
    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Appends every pair to the request.
    pub(crate) fn apply(self, mut request: ApiRequest) -> ApiRequest {
        for (name, value) in self.pairs {
            request = request.query(name, value);
        }
        request
    }

    /// Adds one field's value: null and empty text add nothing, a list adds `name[i]` pairs.
    fn push(&mut self, name: &str, value: Value) -> Result<(), QueryShapeError> {
        match value {
            Value::Null => {}
            Value::String(text) if text.is_empty() => {}
            Value::Array(items) => {
                for (index, item) in items.into_iter().enumerate() {
                    let Some(text) = scalar_text(item) else {
                        return Err(QueryShapeError(name.to_owned()));
                    };
                    self.pairs.push((format!("{name}[{index}]"), text));
                }
            }
            other => match scalar_text(other) {
                Some(text) => self.pairs.push((name.to_owned(), text)),
                None => return Err(QueryShapeError(name.to_owned())),
            },
        }
        Ok(())
    }
}

/// A scalar as the query writes it; `None` for objects and lists.
fn scalar_text(value: Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Number(number) => Some(number.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// A parameter struct had a field (named here) that a query string cannot carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryShapeError(String);

impl fmt::Display for QueryShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "query parameter `{}` is not a scalar or a list of scalars",
            self.0
        )
    }
}

impl std::error::Error for QueryShapeError {}

impl ser::Error for QueryShapeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

/// Accepts exactly one struct; each field's value is read through `serde_json::Value`.
struct StructEncoder;

/// Collects the fields of the struct being encoded.
struct FieldEncoder(Query);

impl SerializeStruct for FieldEncoder {
    type Ok = Query;
    type Error = QueryShapeError;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Self::Error> {
        let value = serde_json::to_value(value).map_err(|_| QueryShapeError(key.to_owned()))?;
        self.0.push(key, value)
    }

    fn skip_field(&mut self, _key: &'static str) -> Result<(), Self::Error> {
        Ok(())
    }

    fn end(self) -> Result<Query, Self::Error> {
        Ok(self.0)
    }
}

/// Every shape but a struct is refused with the same error.
macro_rules! refuse {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Query, QueryShapeError> {
            Err(QueryShapeError("(not a struct)".to_owned()))
        })*
    };
}

impl ser::Serializer for StructEncoder {
    type Ok = Query;
    type Error = QueryShapeError;
    type SerializeSeq = Impossible<Query, QueryShapeError>;
    type SerializeTuple = Impossible<Query, QueryShapeError>;
    type SerializeTupleStruct = Impossible<Query, QueryShapeError>;
    type SerializeTupleVariant = Impossible<Query, QueryShapeError>;
    type SerializeMap = Impossible<Query, QueryShapeError>;
    type SerializeStruct = FieldEncoder;
    type SerializeStructVariant = Impossible<Query, QueryShapeError>;

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Self::Error> {
        Ok(FieldEncoder(Query::default()))
    }

    refuse!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<Query, Self::Error> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Query, Self::Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<Query, Self::Error> {
        Err(QueryShapeError("(not a struct)".to_owned()))
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Self::Error> {
        Err(QueryShapeError("(not a struct)".to_owned()))
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Self::Error> {
        Err(QueryShapeError("(not a struct)".to_owned()))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Self::Error> {
        Err(QueryShapeError("(not a struct)".to_owned()))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Self::Error> {
        Err(QueryShapeError("(not a struct)".to_owned()))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Self::Error> {
        Err(QueryShapeError("(not a struct)".to_owned()))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Self::Error> {
        Err(QueryShapeError("(not a struct)".to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &Query) -> Vec<(&str, &str)> {
        q.pairs()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Sample {
        name: Option<String>,
        path: Option<String>,
        format: Option<String>,
        tags: Vec<String>,
        only_files: Option<bool>,
        only_folders: Option<bool>,
        archived: Option<bool>,
        page_no: Option<u32>,
        page_size: Option<u32>,
    }

    #[test]
    fn encodes_like_the_reference_in_field_order() {
        let q = Query::from_params(&Sample {
            name: Some("cat".into()),
            path: None,
            format: Some(String::new()),
            tags: vec!["cats".into(), "animals".into()],
            only_files: Some(true),
            only_folders: Some(false),
            archived: None,
            page_no: Some(2),
            page_size: None,
        })
        .unwrap();
        assert_eq!(
            pairs(&q),
            [
                ("name", "cat"),
                ("tags[0]", "cats"),
                ("tags[1]", "animals"),
                ("onlyFiles", "true"),
                ("onlyFolders", "false"),
                ("pageNo", "2"),
            ]
        );
    }

    #[test]
    fn empty_list_adds_nothing() {
        #[derive(Serialize)]
        struct Sort {
            sort: Vec<String>,
        }
        let q = Query::from_params(&Sort { sort: vec![] }).unwrap();
        assert!(q.pairs().is_empty());
    }

    #[test]
    fn shapes_a_query_cannot_carry_are_errors_not_panics() {
        #[derive(Serialize)]
        struct Nested {
            inner: std::collections::BTreeMap<String, u8>,
        }
        let err = Query::from_params(&Nested {
            inner: [("a".to_owned(), 1)].into(),
        })
        .unwrap_err();
        assert!(err.to_string().contains("`inner`"), "{err}");
        assert!(Query::from_params(&vec![1, 2]).is_err());
        assert!(Query::from_params(&"text").is_err());
    }
}

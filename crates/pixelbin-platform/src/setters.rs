//! Chainable setters for the parameter structs (`ListFilesParams::new().path("cats")`).
//!
//! Every field stays public, so struct literals with `..Default::default()` work as well.

/// `setters!(Type { field: kind, ... })` writes one `fn field(self, value) -> Self` per field.
///
/// Kinds: `text` (`Option<String>`), `flag` (`Option<bool>`), `number` (`Option<u32>`),
/// `seconds` (`Option<u64>`), `list` (`Vec<String>`), `opt_list` (`Option<Vec<String>>`),
/// `access` (`Option<Access>`), `json` (`Option<serde_json::Value>`).
macro_rules! setters {
    ($ty:ident { $($field:ident : $kind:ident),* $(,)? }) => {
        impl $ty {
            $( crate::setters::setter!($field, $kind); )*
        }
    };
}

macro_rules! setter {
    ($field:ident, text) => {
        #[doc = concat!("Sets `", stringify!($field), "`.")]
        #[must_use]
        pub fn $field(mut self, value: impl Into<String>) -> Self {
            self.$field = Some(value.into());
            self
        }
    };
    ($field:ident, flag) => {
        #[doc = concat!("Sets `", stringify!($field), "`.")]
        #[must_use]
        pub fn $field(mut self, value: bool) -> Self {
            self.$field = Some(value);
            self
        }
    };
    ($field:ident, number) => {
        #[doc = concat!("Sets `", stringify!($field), "`.")]
        #[must_use]
        pub fn $field(mut self, value: u32) -> Self {
            self.$field = Some(value);
            self
        }
    };
    ($field:ident, seconds) => {
        #[doc = concat!("Sets `", stringify!($field), "` (seconds).")]
        #[must_use]
        pub fn $field(mut self, value: u64) -> Self {
            self.$field = Some(value);
            self
        }
    };
    ($field:ident, list) => {
        #[doc = concat!("Sets `", stringify!($field), "`.")]
        #[must_use]
        pub fn $field<I, S>(mut self, values: I) -> Self
        where
            I: IntoIterator<Item = S>,
            S: Into<String>,
        {
            self.$field = values.into_iter().map(Into::into).collect();
            self
        }
    };
    ($field:ident, opt_list) => {
        #[doc = concat!("Sets `", stringify!($field), "` (an empty list clears it on the service).")]
        #[must_use]
        pub fn $field<I, S>(mut self, values: I) -> Self
        where
            I: IntoIterator<Item = S>,
            S: Into<String>,
        {
            self.$field = Some(values.into_iter().map(Into::into).collect());
            self
        }
    };
    ($field:ident, access) => {
        #[doc = concat!("Sets `", stringify!($field), "` (`Access::PublicRead`, `Access::Private` or `\"public-read\"`/`\"private\"`).")]
        #[must_use]
        pub fn $field(mut self, value: impl Into<crate::Access>) -> Self {
            self.$field = Some(value.into());
            self
        }
    };
    ($field:ident, json) => {
        #[doc = concat!("Sets `", stringify!($field), "` (a JSON object).")]
        #[must_use]
        pub fn $field(mut self, value: serde_json::Value) -> Self {
            self.$field = Some(value);
            self
        }
    };
}

pub(crate) use {setter, setters};

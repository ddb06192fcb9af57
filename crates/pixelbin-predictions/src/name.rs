//! Model names: `plugin_operation`, e.g. `erase_bg`.

use crate::error::Error;

/// A model name split into its plugin and operation, as the create endpoint's path needs them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelName<'a> {
    /// The part before `_` (e.g. `erase`).
    pub plugin: &'a str,
    /// The part after `_` (e.g. `bg`).
    pub operation: &'a str,
}

impl<'a> ModelName<'a> {
    /// Splits `name` on `_` into exactly two non-empty parts, as the reference does.
    ///
    /// ```
    /// use pixelbin_predictions::ModelName;
    /// let n = ModelName::parse("erase_bg").unwrap();
    /// assert_eq!((n.plugin, n.operation), ("erase", "bg"));
    /// assert!(ModelName::parse("erase-bg").is_err());
    /// ```
    pub fn parse(name: &'a str) -> Result<Self, Error> {
        if name.is_empty() {
            return Err(Error::IllegalArgument("name (string) is required".into()));
        }
        let mut parts = name.split('_');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(plugin), Some(operation), None)
                if !plugin.is_empty() && !operation.is_empty() =>
            {
                Ok(ModelName { plugin, operation })
            }
            _ => Err(Error::InvalidName {
                name: name.to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::NAME_FORMAT_MESSAGE;

    #[test]
    fn valid_names() {
        for (name, plugin, op) in [("erase_bg", "erase", "bg"), ("sr_upscale", "sr", "upscale")] {
            let n = ModelName::parse(name).unwrap();
            assert_eq!((n.plugin, n.operation), (plugin, op));
        }
    }

    #[test]
    fn invalid_names_give_the_reference_message() {
        for name in ["erase", "erase_", "_bg", "a_b_c", "_", "erase-bg", "a__b"] {
            let err = ModelName::parse(name).unwrap_err();
            assert!(matches!(err, Error::InvalidName { .. }), "{name}");
            assert_eq!(err.to_string(), NAME_FORMAT_MESSAGE);
        }
    }

    #[test]
    fn empty_name_is_required() {
        let err = ModelName::parse("").unwrap_err();
        assert_eq!(err.to_string(), "name (string) is required");
    }
}

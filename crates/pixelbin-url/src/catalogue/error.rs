//! [`CatalogueError`]: what is wrong with a name or value checked against the catalogue.

/// A transformation name, parameter or value the catalogue does not accept. Every variant
/// names what was wrong and what is accepted instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogueError {
    /// No operation has this `Plugin.operation` name.
    #[error("unknown transformation '{name}': {}", unknown_hint(plugin_operations))]
    UnknownOperation {
        /// The name as given.
        name: String,
        /// The operations of the named plugin, when the plugin exists.
        plugin_operations: Vec<&'static str>,
    },

    /// The operation has no parameter of this long name or URL id.
    #[error(
        "{operation} has no parameter '{name}'; it accepts: {}",
        list(accepted)
    )]
    UnknownParameter {
        /// The operation (`Basic.resize`).
        operation: String,
        /// The parameter name as given.
        name: String,
        /// The long names the operation accepts.
        accepted: Vec<&'static str>,
    },

    /// A value is not of the parameter's type.
    #[error(
        "invalid value '{value}' for parameter '{parameter}' of {operation}: expected {expected}"
    )]
    InvalidValue {
        /// The operation (`Basic.resize`).
        operation: String,
        /// The parameter's long name.
        parameter: &'static str,
        /// The value as given.
        value: String,
        /// What the parameter accepts.
        expected: String,
    },

    /// The same parameter was given twice.
    #[error("parameter '{parameter}' of {operation} is given more than once; give it once")]
    RepeatedParameter {
        /// The operation (`Basic.resize`).
        operation: String,
        /// The parameter's long name.
        parameter: &'static str,
    },

    /// Text that is not a colour.
    #[error("invalid colour '{value}': expected 6 or 8 hex digits (RRGGBB or RRGGBBAA)")]
    InvalidColor {
        /// The text as given.
        value: String,
    },
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "no parameters".to_owned()
    } else {
        names.join(", ")
    }
}

fn unknown_hint(plugin_operations: &[&str]) -> String {
    if plugin_operations.is_empty() {
        "expected Plugin.operation as @pixelbin/core names it, such as Basic.resize or EraseBG.bg"
            .to_owned()
    } else {
        format!("the plugin has {}", plugin_operations.join(", "))
    }
}

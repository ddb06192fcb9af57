//! The catalogue of Pixelbin transformations: every plugin, operation and parameter that
//! `@pixelbin/core` 7.0.0 knows, with each parameter's URL id, type, allowed values and
//! default.
//!
//! The typed builders in [`plugins`](crate::plugins) are generated from it at development
//! time (`cargo xtask codegen`, from `catalogue/transformations.json`); this module is its
//! run-time face, for callers that only know names at run time (a CLI, a config file, edge
//! code rewriting URLs):
//!
//! - [`build_operation`] builds an operation from `Plugin.operation` and long-name
//!   parameters, with errors that name the parameter and what it accepts;
//! - [`Transformation::describe`] tells what a parsed transformation means, flagging unknown
//!   operations, unknown parameters and invalid values.
//!
//! ```
//! use pixelbin_url::catalogue::{build_operation, CatalogueError};
//!
//! let resize = build_operation("Basic.resize", [("height", "100"), ("w", "200"), ("fit", "contain")])?;
//! assert_eq!(resize.to_string(), "t.resize(h:100,w:200,f:contain)");
//!
//! let err = build_operation("Basic.resize", [("fit", "cover2")]).unwrap_err();
//! assert!(matches!(err, CatalogueError::InvalidValue { parameter: "fit", .. }));
//! assert_eq!(
//!     err.to_string(),
//!     "invalid value 'cover2' for parameter 'fit' of Basic.resize: expected one of cover, contain, fill, inside, outside"
//! );
//! # Ok::<(), CatalogueError>(())
//! ```
//!
//! Describing what a URL does:
//!
//! ```
//! use pixelbin_url::{url_to_obj, UrlToObjOptions};
//!
//! let obj = url_to_obj(
//!     "https://cdn.pixelbin.io/v2/my-cloud/t.resize(h:100,f:cover2)~erase.bg(i:car)/a.jpeg",
//!     UrlToObjOptions::default(),
//! )?;
//! let resize = obj.transformations[0].describe();
//! assert_eq!(resize.operation.map(|op| op.full_name()), Some("Basic.resize".to_string()));
//! assert_eq!(resize.params[0].spec.map(|p| p.name), Some("height"));
//! assert!(resize.params[1].problem.is_some()); // `cover2` is not a fit
//! assert!(obj.transformations[1].describe().is_valid());
//! # Ok::<(), pixelbin_url::UrlError>(())
//! ```

mod builder;
mod color;
mod describe;
mod error;
mod number;
pub(crate) mod table;

use std::borrow::Cow;

pub(crate) use builder::{operation_builder, value_enum};
pub use color::Color;
pub use describe::{Description, ParamDescription};
pub use error::CatalogueError;

use crate::{Param, Transformation};

/// The type of a transformation parameter, as the catalogue names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamType {
    /// A whole number, written in decimal (`-3`, `100`).
    Integer,
    /// A number, written as JavaScript writes numbers (`1`, `0.5`, `1e-7`).
    Float,
    /// `true` or `false`.
    Boolean,
    /// One of a fixed list of words.
    Enum(&'static [&'static str]),
    /// A colour as 6 or 8 hex digits (`RRGGBB`, `RRGGBBAA`), see [`Color`].
    Color,
    /// Free text.
    String,
    /// Text of a form the plugin defines (a base64 prompt, a transformation pattern).
    Custom,
    /// A file on Pixelbin storage.
    File,
    /// A bounding box.
    Bbox,
    /// A list of bounding boxes.
    BboxList,
    /// A list of polygons.
    PolygonList,
}

impl ParamType {
    /// The type's name in the catalogue: `integer`, `float`, `boolean`, `enum`, `color`,
    /// `string`, `custom`, `file`, `bbox`, `bboxList` or `polygonList`.
    pub fn name(&self) -> &'static str {
        match self {
            ParamType::Integer => "integer",
            ParamType::Float => "float",
            ParamType::Boolean => "boolean",
            ParamType::Enum(_) => "enum",
            ParamType::Color => "color",
            ParamType::String => "string",
            ParamType::Custom => "custom",
            ParamType::File => "file",
            ParamType::Bbox => "bbox",
            ParamType::BboxList => "bboxList",
            ParamType::PolygonList => "polygonList",
        }
    }

    /// The allowed values of an enum; empty for other types.
    pub fn values(&self) -> &'static [&'static str] {
        match self {
            ParamType::Enum(values) => values,
            _ => &[],
        }
    }

    /// What a value of this type looks like, for error messages.
    pub fn expected(&self) -> String {
        match self {
            ParamType::Integer => "a whole number such as 100 or -3".to_owned(),
            ParamType::Float => "a finite number such as 1.5".to_owned(),
            ParamType::Boolean => "true or false".to_owned(),
            ParamType::Enum(values) => format!("one of {}", values.join(", ")),
            ParamType::Color => "a colour as 6 or 8 hex digits (RRGGBB or RRGGBBAA)".to_owned(),
            _ => format!(
                "non-empty text ({}) without any of {RESERVED_DISPLAY} or spaces",
                self.name()
            ),
        }
    }

    /// Reads `text` as a value of this type and returns it as it goes into the URL
    /// (numbers are rewritten as `@pixelbin/core` writes them: `1.50` becomes `1.5`).
    /// The single check behind [`build_operation`] and [`Transformation::describe`].
    ///
    /// # Errors
    /// `Err(expected)` (see [`ParamType::expected`]) when the text is not such a value.
    pub fn normalize<'t>(&self, text: &'t str) -> Result<Cow<'t, str>, String> {
        let ok = match self {
            ParamType::Integer => {
                return text
                    .parse::<i64>()
                    .map(|v| Cow::Owned(v.to_string()))
                    .map_err(|_| self.expected());
            }
            ParamType::Float => {
                return match text.parse::<f64>() {
                    Ok(v) if v.is_finite() => Ok(Cow::Owned(number::js_number(v))),
                    _ => Err(self.expected()),
                };
            }
            ParamType::Boolean => text == "true" || text == "false",
            ParamType::Enum(values) => values.contains(&text),
            ParamType::Color => Color::is_valid_hex(text),
            _ => is_plain_text(text),
        };
        if ok {
            Ok(Cow::Borrowed(text))
        } else {
            Err(self.expected())
        }
    }
}

/// Characters that would end a value, a parameter, an operation or the URL path segment.
const RESERVED: &[char] = &[',', ':', '(', ')', '~', '/', '?', '#', '&'];
const RESERVED_DISPLAY: &str = ", : ( ) ~ / ? # &";

/// Text that reads back as one parameter value.
fn is_plain_text(text: &str) -> bool {
    !text.is_empty()
        && !text
            .chars()
            .any(|c| RESERVED.contains(&c) || c.is_whitespace() || c.is_control())
}

/// One parameter of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParamSpec {
    /// The long name `@pixelbin/core` uses (`height`, `industryType`).
    pub name: &'static str,
    /// The short id in the URL (`h`, `i`).
    pub id: &'static str,
    /// The value's type.
    pub kind: ParamType,
    /// The default value as it would be written in the URL, when there is one.
    pub default: Option<&'static str>,
}

/// One operation of a plugin, such as `Basic.resize` (`t.resize` in URLs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OperationSpec {
    /// The plugin's name as `@pixelbin/core` names it (`Basic`, `EraseBG`).
    pub plugin: &'static str,
    /// The operation's name (`resize`, `bg`).
    pub name: &'static str,
    /// What the URL writes before `(`: `t.resize`, `erase.bg`.
    pub prefix: &'static str,
    /// The parameters, in the order the URL writes them.
    pub parameters: &'static [ParamSpec],
}

impl OperationSpec {
    /// `Plugin.operation`, e.g. `Basic.resize`.
    pub fn full_name(&self) -> String {
        format!("{}.{}", self.plugin, self.name)
    }

    /// The plugin's id in URLs (`t` for `t.resize`).
    pub fn plugin_id(&self) -> &'static str {
        self.prefix.split_once('.').map_or(self.prefix, |(p, _)| p)
    }

    /// The operation's id in URLs (`resize` for `t.resize`).
    pub fn operation_id(&self) -> &'static str {
        self.prefix.split_once('.').map_or("", |(_, o)| o)
    }

    /// The parameter with the long name `name`.
    pub fn param(&self, name: &str) -> Option<&'static ParamSpec> {
        self.parameters.iter().find(|p| p.name == name)
    }

    /// The parameter with the URL id `id`.
    pub fn param_by_id(&self, id: &str) -> Option<&'static ParamSpec> {
        self.parameters.iter().find(|p| p.id == id)
    }

    /// Builds this operation from parameters given as text by long name (`width`) or URL id
    /// (`w`), checking each name and value. Parameters are written in the catalogue's order
    /// whatever the order given; an empty value leaves the parameter out, as
    /// `@pixelbin/core` does.
    ///
    /// # Errors
    /// [`CatalogueError::UnknownParameter`], [`CatalogueError::InvalidValue`] or
    /// [`CatalogueError::RepeatedParameter`], naming the parameter.
    pub fn build<N, V>(
        &'static self,
        params: impl IntoIterator<Item = (N, V)>,
    ) -> Result<Transformation<'static>, CatalogueError>
    where
        N: AsRef<str>,
        V: AsRef<str>,
    {
        let mut values: Vec<Option<String>> = vec![None; self.parameters.len()];
        let mut given = vec![false; self.parameters.len()];
        for (name, value) in params {
            let (name, value) = (name.as_ref(), value.as_ref());
            let by_name = self.parameters.iter().position(|p| p.name == name);
            let Some(index) = by_name.or_else(|| self.parameters.iter().position(|p| p.id == name))
            else {
                return Err(CatalogueError::UnknownParameter {
                    operation: self.full_name(),
                    name: name.to_owned(),
                    accepted: self.parameters.iter().map(|p| p.name).collect(),
                });
            };
            let spec = &self.parameters[index];
            if std::mem::replace(&mut given[index], true) {
                return Err(CatalogueError::RepeatedParameter {
                    operation: self.full_name(),
                    parameter: spec.name,
                });
            }
            if value.is_empty() {
                continue;
            }
            let text =
                spec.kind
                    .normalize(value)
                    .map_err(|expected| CatalogueError::InvalidValue {
                        operation: self.full_name(),
                        parameter: spec.name,
                        value: value.to_owned(),
                        expected,
                    })?;
            values[index] = Some(text.into_owned());
        }
        Ok(self.transformation(values))
    }

    /// The transformation with the given values, one slot per parameter in catalogue order;
    /// empty or missing values are left out. Shared by [`OperationSpec::build`] and the
    /// generated builders, so both write the same text.
    pub(crate) fn transformation(
        &self,
        values: impl IntoIterator<Item = Option<String>>,
    ) -> Transformation<'static> {
        let mut transformation = Transformation::new(self.plugin_id(), self.operation_id());
        for (spec, value) in self.parameters.iter().zip(values) {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                transformation.values.push(Param::new(spec.id, value));
            }
        }
        transformation
    }
}

/// One plugin and its operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PluginSpec {
    /// The plugin's name as `@pixelbin/core` names it (`Basic`, `EraseBG`).
    pub name: &'static str,
    /// Its operations.
    pub operations: &'static [OperationSpec],
}

/// Every plugin of the catalogue, in `@pixelbin/core`'s order.
pub fn plugins() -> &'static [PluginSpec] {
    table::PLUGINS
}

/// Every operation of the catalogue.
pub fn operations() -> impl Iterator<Item = &'static OperationSpec> {
    table::PLUGINS.iter().flat_map(|p| p.operations.iter())
}

/// The operation named `Plugin.operation` (`Basic.resize`, `EraseBG.bg`), as
/// `@pixelbin/core` names it.
pub fn find_operation(full_name: &str) -> Option<&'static OperationSpec> {
    let (plugin, name) = full_name.split_once('.')?;
    operations().find(|op| op.plugin == plugin && op.name == name)
}

/// The operation a URL writes as `plugin_id.operation_id(...)` (`t`, `resize`).
pub fn find_by_prefix(plugin_id: &str, operation_id: &str) -> Option<&'static OperationSpec> {
    operations().find(|op| op.plugin_id() == plugin_id && op.operation_id() == operation_id)
}

/// Builds the operation `Plugin.operation` (or its URL prefix, `t.resize`) from parameters
/// given as text by long name or URL id; see [`OperationSpec::build`].
///
/// ```
/// use pixelbin_url::catalogue::build_operation;
///
/// let long = build_operation("Basic.resize", [("width", "300")])?;
/// let short = build_operation("t.resize", [("w", "300")])?;
/// assert_eq!((long.to_string(), short.to_string()), ("t.resize(w:300)".into(), "t.resize(w:300)".into()));
/// # Ok::<(), pixelbin_url::catalogue::CatalogueError>(())
/// ```
///
/// # Errors
/// [`CatalogueError::UnknownOperation`] (listing the plugin's operations when the plugin
/// exists), or the errors of [`OperationSpec::build`].
pub fn build_operation<N, V>(
    full_name: &str,
    params: impl IntoIterator<Item = (N, V)>,
) -> Result<Transformation<'static>, CatalogueError>
where
    N: AsRef<str>,
    V: AsRef<str>,
{
    let by_prefix = || {
        let (plugin_id, operation_id) = full_name.split_once('.')?;
        find_by_prefix(plugin_id, operation_id)
    };
    let Some(op) = find_operation(full_name).or_else(by_prefix) else {
        let plugin = full_name.split_once('.').map_or(full_name, |(p, _)| p);
        let known = table::PLUGINS.iter().find(|p| p.name == plugin);
        return Err(CatalogueError::UnknownOperation {
            name: full_name.to_owned(),
            plugin_operations: known
                .map(|p| p.operations.iter().map(|o| o.name).collect())
                .unwrap_or_default(),
        });
    };
    op.build(params)
}

impl Transformation<'_> {
    /// What this transformation means according to the catalogue: its operation, each
    /// parameter's long name and type, and what is wrong (unknown operation, unknown
    /// parameter, invalid value). Presets are not in the catalogue.
    pub fn describe(&self) -> Description<'_> {
        describe::describe(self)
    }

    /// This transformation checked against the catalogue and written as the catalogue writes
    /// it (parameters in catalogue order, numbers as `@pixelbin/core` writes them): the one
    /// check every caller that refuses a pattern before sending it uses. A preset passes as it
    /// is: presets are the account's own, not the catalogue's.
    ///
    /// ```
    /// use pixelbin_url::parse_pattern;
    ///
    /// let steps = parse_pattern("t.resize(f:contain,w:300)~t.resize(w:abc)")?;
    /// assert_eq!(steps[0].checked()?.to_string(), "t.resize(w:300,f:contain)");
    /// let err = steps[1].checked().unwrap_err();
    /// assert!(err.to_string().contains("'width' of Basic.resize"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// The [`CatalogueError`] naming the unknown operation, or the parameter and value at fault.
    pub fn checked(&self) -> Result<Transformation<'static>, CatalogueError> {
        if self.is_preset() {
            return Ok(self.clone().into_owned());
        }
        build_operation(
            &format!("{}.{}", self.plugin, self.name),
            self.values
                .iter()
                .map(|p| (p.key.as_ref(), p.value.as_ref())),
        )
    }
}

/// Writes JavaScript's text for a number, as `@pixelbin/core` puts numbers into URLs.
pub(crate) use number::js_number;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_is_a_valid_value() {
        for op in operations() {
            for p in op.parameters {
                if let Some(default) = p.default {
                    assert_eq!(
                        p.kind.normalize(default).as_deref(),
                        Ok(default),
                        "{}.{}",
                        op.full_name(),
                        p.name
                    );
                }
            }
        }
    }

    #[test]
    fn names_and_prefixes_are_unique() {
        let all: Vec<_> = operations().collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a.full_name(), b.full_name());
                assert_ne!(a.prefix, b.prefix);
            }
            assert_eq!(find_by_prefix(a.plugin_id(), a.operation_id()), Some(*a));
            assert_eq!(find_operation(&a.full_name()), Some(*a));
        }
    }

    #[test]
    fn build_checks_names_values_and_order() {
        let t = build_operation("Basic.resize", [("fit", "contain"), ("height", "100")]).unwrap();
        assert_eq!(t.to_string(), "t.resize(h:100,f:contain)");
        let t = build_operation("Basic.resize", [("dpr", "2.50"), ("width", "")]).unwrap();
        assert_eq!(t.to_string(), "t.resize(dpr:2.5)");

        let err = build_operation("Basic.resize", [("hieght", "1")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Basic.resize has no parameter 'hieght'; it accepts: height, width, fit, background, position, algorithm, dpr"
        );
        let err = build_operation("Basic.resize", [("height", "1.5")]).unwrap_err();
        assert!(err.to_string().contains("expected a whole number"), "{err}");
        let err = build_operation("Basic.resize", [("height", "1"), ("height", "2")]).unwrap_err();
        assert_eq!(
            err,
            CatalogueError::RepeatedParameter {
                operation: "Basic.resize".into(),
                parameter: "height"
            }
        );
        let err = build_operation("Basic.resise", [("a", "b")]).unwrap_err();
        assert!(
            err.to_string().contains("the plugin has resize, compress"),
            "{err}"
        );
        let err = build_operation("Nope", Vec::<(&str, &str)>::new()).unwrap_err();
        assert!(matches!(err, CatalogueError::UnknownOperation { .. }));
    }

    #[test]
    fn values_are_checked_by_type() {
        let check = |kind: ParamType, text: &str| kind.normalize(text).ok().map(Cow::into_owned);
        assert_eq!(check(ParamType::Integer, "-3").as_deref(), Some("-3"));
        assert_eq!(check(ParamType::Integer, "1e3"), None);
        assert_eq!(check(ParamType::Float, "1e-7").as_deref(), Some("1e-7"));
        assert_eq!(check(ParamType::Float, "NaN"), None);
        assert_eq!(check(ParamType::Float, "inf"), None);
        assert_eq!(check(ParamType::Boolean, "True"), None);
        assert_eq!(check(ParamType::Color, "ff00AA").as_deref(), Some("ff00AA"));
        assert_eq!(check(ParamType::Color, "ff00a"), None);
        assert_eq!(
            check(ParamType::String, "0_0_100_100").as_deref(),
            Some("0_0_100_100")
        );
        assert_eq!(check(ParamType::String, "a,b"), None);
        assert_eq!(check(ParamType::File, "a/b.png"), None);
        assert_eq!(check(ParamType::Custom, ""), None);
    }
}

//! The transformation pattern of [`transforms`](super::transforms), read and checked against
//! the catalogue before anything is sent.

use crate::url::catalogue::{OperationSpec, find_by_prefix};
use crate::url::{Transformation, UrlError, format_pattern, parse_pattern};

use super::Error;

/// The parameter the industry type of a run goes to.
const INDUSTRY_TYPE: &str = "industryType";

/// A checked pattern.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    /// Its operations, each known to the catalogue with valid values (presets pass as they
    /// are: they are the account's own).
    pub transformations: Vec<Transformation<'static>>,
    /// The canonical text: each operation's parameters in the catalogue's order.
    pub text: String,
    /// The format of the outputs, when the pattern decides it.
    pub format: OutputFormat,
}

/// What decides the format of an output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OutputFormat {
    /// The pattern's last `t.toFormat` (its `f`).
    Fixed(String),
    /// Only basic operations, none changing the format: the input's.
    Input,
    /// Known only once fetched (`f:auto`, AI operations, presets).
    Unknown,
}

/// Reads `text`, checks every operation against the catalogue and sets `industry_type` on
/// every step that takes one.
///
/// # Errors
/// [`Error::Pattern`] naming the operation and parameter at fault; [`Error::IndustryType`]
/// when no step takes an industry type or the value is not one.
pub(crate) fn check(text: &str, industry_type: Option<&str>) -> Result<Pattern, Error> {
    let bad = |why: String| Error::Pattern {
        pattern: text.to_string(),
        why,
    };
    if text.trim().is_empty() {
        return Err(bad(
            "it is empty; give operations such as t.resize(w:300)".into()
        ));
    }
    let parsed = parse_pattern(text).map_err(|e| match e {
        UrlError::InvalidPattern { operation, .. } => bad(format!(
            "the operation `{operation}` does not read; write each as plugin.name(key:value,...), joined by ~"
        )),
        other => bad(other.to_string()),
    })?;
    let mut transformations = Vec::with_capacity(parsed.len());
    let mut format = OutputFormat::Input;
    for (index, step) in parsed.iter().enumerate() {
        let place = format!("operation {} (`{step}`)", index + 1);
        if step.is_preset() {
            format = OutputFormat::Unknown;
            transformations.push(step.clone().into_owned());
            continue;
        }
        let built = step.checked().map_err(|e| bad(format!("{place}: {e}")))?;
        let Some(op) = find_by_prefix(&built.plugin, &built.name) else {
            return Err(bad(format!("{place}: not an operation of the catalogue")));
        };
        format = next_format(format, op, &built);
        transformations.push(built);
    }
    if let Some(value) = industry_type {
        set_industry_type(&mut transformations, value)?;
    }
    let text = format_pattern(&transformations).map_err(|e| bad(e.to_string()))?;
    Ok(Pattern {
        transformations,
        text,
        format,
    })
}

/// The output format after `step` (an operation of `op`).
fn next_format(
    before: OutputFormat,
    op: &OperationSpec,
    step: &Transformation<'_>,
) -> OutputFormat {
    match (op.plugin, op.name) {
        ("Basic", "toFormat") => match step.get("f") {
            Some("auto") | None => OutputFormat::Unknown,
            Some(format) => OutputFormat::Fixed(format.to_string()),
        },
        ("Basic", _) => before,
        _ => OutputFormat::Unknown,
    }
}

/// Sets `value` as the industry type of every step that takes one.
fn set_industry_type(steps: &mut [Transformation<'static>], value: &str) -> Result<(), Error> {
    let mut takers = 0;
    for step in steps.iter_mut().filter(|s| !s.is_preset()) {
        let Some(op) = find_by_prefix(&step.plugin, &step.name) else {
            continue;
        };
        let Some(spec) = op.param(INDUSTRY_TYPE) else {
            continue;
        };
        let value = spec
            .kind
            .normalize(value)
            .map_err(|expected| Error::IndustryType {
                why: format!(
                    "{value:?} is not an industry type of {}: expected {expected}",
                    op.full_name()
                ),
            })?;
        step.set(spec.id, value);
        // Written again in the catalogue's order, as every other step.
        let values = step
            .values
            .iter()
            .map(|p| (p.key.as_ref(), p.value.as_ref()));
        let built = op
            .build(values)
            .map_err(|e| Error::IndustryType { why: e.to_string() })?;
        *step = built;
        takers += 1;
    }
    if takers == 0 {
        let names: Vec<String> = crate::url::catalogue::operations()
            .filter(|op| op.param(INDUSTRY_TYPE).is_some())
            .map(|op| op.prefix.to_string())
            .collect();
        return Err(Error::IndustryType {
            why: format!(
                "no operation of the pattern takes an industry type (those that do: {})",
                names.join(", ")
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_is_checked_and_made_canonical() {
        let p = check("t.resize(f:contain,w:64)~t.toFormat(f:webp)", None).unwrap();
        assert_eq!(p.text, "t.resize(w:64,f:contain)~t.toFormat(f:webp)");
        assert_eq!(p.format, OutputFormat::Fixed("webp".into()));
        assert_eq!(check("t.flip()", None).unwrap().format, OutputFormat::Input);
        assert_eq!(
            check("erase.bg()~t.flip()", None).unwrap().format,
            OutputFormat::Unknown
        );
    }

    #[test]
    fn errors_name_the_operation_and_parameter() {
        let err = check("t.resize(w:64)~t.nope(x:1)", None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("operation 2") && err.contains("t.nope"),
            "{err}"
        );
        let err = check("t.resize(w:abc)", None).unwrap_err().to_string();
        assert!(
            err.contains("'width'") && err.contains("Basic.resize"),
            "{err}"
        );
        let err = check("t.resize(zz:1)", None).unwrap_err().to_string();
        assert!(err.contains("zz"), "{err}");
        let err = check("resize", None).unwrap_err().to_string();
        assert!(err.contains("`resize`"), "{err}");
    }

    #[test]
    fn the_industry_type_goes_to_the_steps_that_take_it() {
        let p = check("erase.bg()~t.resize(w:10)", Some("car")).unwrap();
        assert_eq!(p.text, "erase.bg(i:car)~t.resize(w:10)");
        let err = check("t.resize(w:10)", Some("general"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("erase.bg"), "{err}");
        let err = check("erase.bg()", Some("boats")).unwrap_err().to_string();
        assert!(err.contains("boats") && err.contains("general"), "{err}");
    }
}

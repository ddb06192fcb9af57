//! The transformation grammar: `op~op~...`, where an op is `plugin.name(key:value,...)` or a
//! preset `p:name(...)` / `p:name`.
//!
//! Reading follows the reference's (lenient) rules exactly, so any pattern the reference
//! reads gives the same transformations:
//! - the plugin is the text before the first `.`, the name the text up to the next `.`
//!   (presets: the text after `p:` up to the next `:`), both before the first `(`;
//! - the parameters are the text between the first `(` and the next `(` (or the end), with
//!   every `)` removed and one leading `-` dropped, split on `,`;
//! - a parameter without `:` or with an empty key is ignored; a repeated key keeps its first
//!   place and takes the last value.
//!
//! An op without `.` (other than a preset), an op other than a preset without `(`, and a
//! parameter with two `:` are errors, as in the reference.

use std::borrow::Cow;

use nom::bytes::complete::tag;
use nom::character::complete::char;
use nom::combinator::{opt, rest};
use nom::sequence::preceded;
use nom::{IResult, Parser};

use crate::error::PatternFault;
use crate::scan;
use crate::{Param, Transformation, UrlError};

type ParseResult<'a, O> = IResult<&'a str, O>;

/// A nom parser taking the text up to (not including) the first ASCII `delimiter`, or all of
/// it. Like `take_till`, but it compares bytes rather than decoding characters, which is
/// several times faster on these short tokens. Cutting at an ASCII byte keeps UTF-8 whole.
fn till(delimiter: u8) -> impl Fn(&str) -> ParseResult<'_, &str> {
    move |input: &str| {
        let end = input
            .bytes()
            .position(|b| b == delimiter)
            .unwrap_or(input.len());
        Ok((&input[end..], &input[..end]))
    }
}

/// The op's head (up to the first `(`) and, when there is a `(`, the parameter text up to the
/// next `(`.
fn head_and_args(op: &str) -> ParseResult<'_, (&str, Option<&str>)> {
    (till(b'('), opt(preceded(char('('), till(b'(')))).parse(op)
}

/// `p:name[:...]` -> `name`.
fn preset_name(head: &str) -> ParseResult<'_, &str> {
    preceded(tag("p:"), till(b':')).parse(head)
}

/// `plugin.name[.…]` -> `(plugin, name)`.
fn plugin_and_name(head: &str) -> ParseResult<'_, (&str, &str)> {
    (till(b'.'), preceded(char('.'), till(b'.'))).parse(head)
}

/// `key:value` -> `(key, value)`; fails when there is no `:`.
fn key_value(item: &str) -> ParseResult<'_, (&str, &str)> {
    (till(b':'), preceded(char(':'), rest)).parse(item)
}

/// Reads a whole pattern. `""` and `original` mean no transformations.
///
/// # Errors
/// [`UrlError::InvalidPattern`] for an op the reference cannot read either.
///
/// ```
/// use pixelbin_url::parse_pattern;
/// let ops = parse_pattern("t.resize(h:100,w:200)~t.flip()~p:my-preset")?;
/// assert_eq!(ops.len(), 3);
/// assert_eq!(ops[0].param("w"), Some("200"));
/// assert!(ops[2].is_preset());
/// # Ok::<(), pixelbin_url::UrlError>(())
/// ```
pub fn parse_pattern(pattern: &str) -> Result<Vec<Transformation<'_>>, UrlError> {
    if pattern.is_empty() || pattern == "original" {
        return Ok(Vec::new());
    }
    let operations = scan::count(pattern.as_bytes(), b'~') + 1;
    let mut transformations = Vec::with_capacity(operations);
    for op in scan::split(pattern, b'~') {
        let transformation = parse_operation(op).map_err(|reason| UrlError::InvalidPattern {
            operation: op.to_owned(),
            reason,
        })?;
        transformations.push(transformation);
    }
    Ok(transformations)
}

/// Reads one op of a pattern.
pub(crate) fn parse_operation(op: &str) -> Result<Transformation<'_>, PatternFault> {
    // `take_till` and `opt` cannot fail, so neither can their pair.
    let (head, args) = head_and_args(op)
        .map(|(_, parsed)| parsed)
        .unwrap_or((op, None));
    let preset = if head.starts_with("p:") {
        preset_name(head).ok()
    } else {
        None
    };
    let (plugin, name) = match preset {
        Some((_, name)) => ("p", name),
        None => plugin_and_name(head)
            .map(|(_, parsed)| parsed)
            .map_err(|_| PatternFault::MissingDot)?,
    };
    let values = match args {
        Some(args) => parse_params(args)?,
        // Presets (and any `p` plugin op) may leave the parentheses out.
        None if plugin == "p" => Vec::new(),
        None => return Err(PatternFault::MissingParentheses),
    };
    Ok(Transformation {
        plugin: Cow::Borrowed(plugin),
        name: Cow::Borrowed(name),
        values,
    })
}

/// Reads the parameter text of an op (what follows its first `(`).
fn parse_params(args: &str) -> Result<Vec<Param<'_>>, PatternFault> {
    let kept = args.len() - args.bytes().rev().take_while(|&b| b == b')').count();
    let trimmed = &args[..kept];
    if trimmed.bytes().any(|b| b == b')') {
        // A `)` inside the text: the reference removes all of them, so the keys and values
        // are no longer slices of the URL.
        let without: String = args.chars().filter(|&c| c != ')').collect();
        return Ok(split_params(&without)?
            .into_iter()
            .map(Param::into_owned)
            .collect());
    }
    split_params(trimmed)
}

fn split_params(text: &str) -> Result<Vec<Param<'_>>, PatternFault> {
    let text = text.strip_prefix('-').unwrap_or(text);
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let items = scan::count(text.as_bytes(), b',') + 1;
    let mut params: Vec<Param<'_>> = Vec::with_capacity(items);
    for item in scan::split_short(text, b',') {
        let Ok((_, (key, value))) = key_value(item) else {
            continue;
        };
        if value.bytes().any(|b| b == b':') {
            return Err(PatternFault::TooManyColons);
        }
        if key.is_empty() {
            continue;
        }
        match params.iter_mut().find(|p| p.key == key) {
            Some(existing) => existing.value = Cow::Borrowed(value),
            None => params.push(Param {
                key: Cow::Borrowed(key),
                value: Cow::Borrowed(value),
            }),
        }
    }
    Ok(params)
}

/// Writes transformations as the pattern text of a URL, checking that every parameter has a
/// key and a value. An empty list gives `original`.
///
/// # Errors
/// [`UrlError::MissingParamKey`] and [`UrlError::MissingParamValue`].
///
/// ```
/// use pixelbin_url::{format_pattern, ops::{erase, t}};
/// let pattern = format_pattern(&[
///     t::resize().arg("h", 100).arg("w", 200),
///     t::flip(),
///     erase::bg().arg("shadow", true),
/// ])?;
/// assert_eq!(pattern, "t.resize(h:100,w:200)~t.flip()~erase.bg(shadow:true)");
/// assert_eq!(format_pattern(&[])?, "original");
/// # Ok::<(), pixelbin_url::UrlError>(())
/// ```
pub fn format_pattern(transformations: &[Transformation<'_>]) -> Result<String, UrlError> {
    if transformations.is_empty() {
        return Ok("original".to_owned());
    }
    let mut out = String::new();
    write_pattern(transformations, &mut out).map_err(|(_, error)| error)?;
    Ok(out)
}

/// Writes the pattern into `out`. On error, also gives the position of the fault (index of
/// the transformation, then of the check within it) so callers can order faults the way the
/// reference meets them.
pub(crate) fn write_pattern(
    transformations: &[Transformation<'_>],
    out: &mut String,
) -> Result<(), ((usize, usize), UrlError)> {
    for (index, transformation) in transformations.iter().enumerate() {
        for (p, param) in transformation.values.iter().enumerate() {
            if param.key.is_empty() {
                return Err((
                    (index, 2 + 2 * p),
                    UrlError::MissingParamKey {
                        name: transformation.name.to_string(),
                    },
                ));
            }
            if param.value.is_empty() {
                return Err((
                    (index, 3 + 2 * p),
                    UrlError::MissingParamValue {
                        name: transformation.name.to_string(),
                        key: param.key.to_string(),
                    },
                ));
            }
        }
        if index > 0 {
            out.push('~');
        }
        transformation.write_to(out);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A transformation as plain owned data: (plugin, name, [(key, value)]).
    type Plain = (String, String, Vec<(String, String)>);

    fn parsed(pattern: &str) -> Vec<Plain> {
        parse_pattern(pattern)
            .expect("parses")
            .into_iter()
            .map(|t| {
                (
                    t.plugin.into_owned(),
                    t.name.into_owned(),
                    t.values
                        .into_iter()
                        .map(|p| (p.key.into_owned(), p.value.into_owned()))
                        .collect(),
                )
            })
            .collect()
    }

    fn one(plugin: &str, name: &str, values: &[(&str, &str)]) -> Plain {
        (
            plugin.into(),
            name.into(),
            values
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
        )
    }

    #[test]
    fn canonical_patterns() {
        assert_eq!(
            parsed("t.resize(h:100,w:200)~t.flip()~erase.bg(shadow:true)"),
            vec![
                one("t", "resize", &[("h", "100"), ("w", "200")]),
                one("t", "flip", &[]),
                one("erase", "bg", &[("shadow", "true")]),
            ]
        );
        assert_eq!(parsed("original"), vec![]);
        assert_eq!(parsed(""), vec![]);
    }

    #[test]
    fn presets() {
        assert_eq!(parsed("p:preset1"), vec![one("p", "preset1", &[])]);
        assert_eq!(parsed("p:preset1()"), vec![one("p", "preset1", &[])]);
        assert_eq!(
            parsed("p:preset1(a:12"),
            vec![one("p", "preset1", &[("a", "12")])]
        );
        assert_eq!(parsed("p:x:y(a:1)"), vec![one("p", "x", &[("a", "1")])]);
        assert_eq!(parsed("p.apply"), vec![one("p", "apply", &[])]);
        assert_eq!(
            parsed("p.apply(n:presetNameXyx)"),
            vec![one("p", "apply", &[("n", "presetNameXyx")])]
        );
    }

    #[test]
    fn reference_quirks() {
        assert_eq!(parsed("t.resize(h)"), vec![one("t", "resize", &[])]);
        assert_eq!(parsed("t.resize(:2)"), vec![one("t", "resize", &[])]);
        assert_eq!(
            parsed("t.resize(h:)"),
            vec![one("t", "resize", &[("h", "")])]
        );
        assert_eq!(
            parsed("t.resize(a:1,b:2,a:3)"),
            vec![one("t", "resize", &[("a", "3"), ("b", "2")])]
        );
        assert_eq!(
            parsed("t.resize(a:1)(b:2)"),
            vec![one("t", "resize", &[("a", "1")])]
        );
        assert_eq!(
            parsed("t.re.size(a:1)"),
            vec![one("t", "re", &[("a", "1")])]
        );
        assert_eq!(parsed("t.x(-a:1)"), vec![one("t", "x", &[("a", "1")])]);
        assert_eq!(parsed("t.x(a:b)c)"), vec![one("t", "x", &[("a", "bc")])]);
        assert_eq!(parsed(".x()"), vec![one("", "x", &[])]);
        assert_eq!(parsed("t.()"), vec![one("t", "", &[])]);
        assert_eq!(
            parsed("t.rotate(a:-249)"),
            vec![one("t", "rotate", &[("a", "-249")])]
        );
    }

    #[test]
    fn reference_errors() {
        let fault = |p: &str| match parse_pattern(p) {
            Err(UrlError::InvalidPattern { reason, .. }) => Some(reason),
            _ => None,
        };
        assert_eq!(fault("test"), Some(PatternFault::MissingDot));
        assert_eq!(
            fault("t.compress~t.resize()"),
            Some(PatternFault::MissingParentheses)
        );
        assert_eq!(fault("t.x()~"), Some(PatternFault::MissingDot));
        assert_eq!(fault("~"), Some(PatternFault::MissingDot));
        assert_eq!(fault("t.resize(h:1:2)"), Some(PatternFault::TooManyColons));
        let message = parse_pattern("t.resize(h:1:2)")
            .expect_err("fails")
            .to_string();
        assert_eq!(
            message,
            "Error Processing url. Please check the url is correct, too many values to unpack (expected 2)"
        );
    }

    #[test]
    fn borrows_in_the_common_case() {
        let ops = parse_pattern("t.resize(h:100,w:200)").expect("parses");
        assert!(matches!(ops[0].values[0].value, Cow::Borrowed(_)));
    }

    #[test]
    fn format_checks_keys_and_values() {
        let empty_value = [Transformation::new("t", "resize").arg("h", "")];
        assert_eq!(
            format_pattern(&empty_value).expect_err("fails").to_string(),
            "value not specified for 'h' in 'resize'"
        );
        let empty_key = [Transformation::new("t", "resize").arg("", "1")];
        assert_eq!(
            format_pattern(&empty_key).expect_err("fails").to_string(),
            "key not specified in 'resize'"
        );
    }
}

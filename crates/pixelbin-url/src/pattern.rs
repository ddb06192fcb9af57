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

use nom::branch::alt;
use nom::combinator::opt;
use nom::sequence::{preceded, terminated};
use nom::{IResult, Parser};

use crate::error::PatternFault;
use crate::scan;
use crate::{Param, Transformation, UrlError};

type ParseResult<'a, O> = IResult<&'a str, O>;

// The grammar reads the whole pattern in one left-to-right pass: every parser below stops at
// the `~` that ends an op, so ops are not cut out beforehand, and each byte is looked at
// about once. The primitives compare bytes rather than decode characters (the delimiters are
// ASCII, so cutting there keeps UTF-8 whole).

/// A set of ASCII delimiters as a lookup table: one load per byte instead of a comparison
/// per delimiter.
struct Stops([bool; 256]);

impl Stops {
    const fn new(delimiters: &[u8]) -> Stops {
        let mut table = [false; 256];
        let mut i = 0;
        while i < delimiters.len() {
            table[delimiters[i] as usize] = true;
            i += 1;
        }
        Stops(table)
    }
}

/// Where a plugin or a name ends.
static HEAD_PART: Stops = Stops::new(b".(~");
/// Where a preset's name ends.
static PRESET_NAME: Stops = Stops::new(b":(~");
/// Where an op's head, and its parameter text, end.
static HEAD_OR_ARGS: Stops = Stops::new(b"(~");
/// Where an op ends.
static OP: Stops = Stops::new(b"~");
/// Where a parameter's key or value ends: the next item, a `)`, a second `:`, or the end of
/// the parameter text.
static PARAM_PART: Stops = Stops::new(b":,)(~");

/// `input` cut before its first byte of `stop` (or at its end): `(taken, rest)`.
#[inline(always)]
fn cut<'a>(input: &'a str, stop: &Stops) -> (&'a str, &'a str) {
    let end = input
        .bytes()
        .position(|b| stop.0[usize::from(b)])
        .unwrap_or(input.len());
    input.split_at(end)
}

/// Like nom's `take_till`: the text up to (not including) the first byte of `stop`, or all
/// of it. Never fails.
#[inline(always)]
fn till(stop: &'static Stops) -> impl Fn(&str) -> ParseResult<'_, &str> {
    move |input: &str| {
        let (taken, rest) = cut(input, stop);
        Ok((rest, taken))
    }
}

/// Like nom's `char`, for an ASCII byte.
#[inline(always)]
fn byte(expected: u8) -> impl Fn(&str) -> ParseResult<'_, ()> {
    move |input: &str| match scan::strip_byte(input, expected) {
        Some(rest) => Ok((rest, ())),
        None => Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Char,
        ))),
    }
}

/// Skips the text up to the first byte of `stop` (or to the end). Never fails. Like
/// `till(stop)` with the text thrown away, one slice cheaper.
#[inline(always)]
fn skip(stop: &'static Stops) -> impl Fn(&str) -> ParseResult<'_, ()> {
    move |input: &str| {
        let end = input
            .bytes()
            .position(|b| stop.0[usize::from(b)])
            .unwrap_or(input.len());
        Ok((&input[end..], ()))
    }
}

/// A preset's head, `p:name[:…]` up to the op's first `(` -> `("p", name)`.
fn preset_head(input: &str) -> ParseResult<'_, (&str, &str)> {
    preceded(
        (byte(b'p'), byte(b':')),
        terminated(till(&PRESET_NAME), skip(&HEAD_OR_ARGS)),
    )
    .map(|name| ("p", name))
    .parse(input)
}

/// Any other op's head, `plugin.name[.…]` up to the op's first `(` -> `(plugin, name)`.
/// Fails when there is no `.` before the first `(`.
fn plugin_head(input: &str) -> ParseResult<'_, (&str, &str)> {
    (
        till(&HEAD_PART),
        preceded(
            byte(b'.'),
            terminated(till(&HEAD_PART), skip(&HEAD_OR_ARGS)),
        ),
    )
        .parse(input)
}

/// The op's head: a preset when it starts with `p:`, else `plugin.name`.
fn head(input: &str) -> ParseResult<'_, (&str, &str)> {
    alt((preset_head, plugin_head)).parse(input)
}

/// One parameter, `key[:value]` (`None` without `:`), up to what ends it: `,` before the next
/// one, `)`, a second `:`, or the end of the parameter text. Never fails.
#[inline(always)]
fn param(input: &str) -> ParseResult<'_, (&str, Option<&str>)> {
    (
        till(&PARAM_PART),
        opt(preceded(byte(b':'), till(&PARAM_PART))),
    )
        .parse(input)
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
    // Most patterns have a few ops: room for four is one allocation, as the first push would
    // make, without growing it first.
    let mut transformations = Vec::with_capacity(4);
    let mut gathered = [("", ""); GATHERED];
    let mut rest = pattern;
    loop {
        let after = operation(rest, &mut transformations, &mut gathered).map_err(|reason| {
            UrlError::InvalidPattern {
                operation: rest[..scan::find(rest, b'~').unwrap_or(rest.len())].to_owned(),
                reason,
            }
        })?;
        // `after` is empty or starts with the `~` before the next op.
        match after.get(1..) {
            Some(next) => rest = next,
            None => break,
        }
    }
    Ok(transformations)
}

/// Reads the op at the start of `input` (up to its `~`) into `out`; gives what follows it.
/// `gathered` is room for [`params`].
fn operation<'a>(
    input: &'a str,
    out: &mut Vec<Transformation<'a>>,
    gathered: &mut Gathered<'a>,
) -> Result<&'a str, PatternFault> {
    let (after_head, (plugin, name)) = head(input).map_err(|_| PatternFault::MissingDot)?;
    let (after, values) = match scan::strip_byte(after_head, b'(') {
        Some(args) => params(args, gathered)?,
        // Presets (and any `p` plugin op) may leave the parentheses out.
        None if plugin == "p" => (after_head, Vec::new()),
        None => return Err(PatternFault::MissingParentheses),
    };
    out.push(Transformation {
        plugin: Cow::Borrowed(plugin),
        name: Cow::Borrowed(name),
        values,
    });
    Ok(after)
}

/// How many distinct parameters [`gather_params`] keeps on the stack.
const GATHERED: usize = 8;

/// Room on the stack for the `(key, value)` pairs of one op, so that its `Vec` is allocated
/// once at its final size. Made once per pattern and reused by each op.
type Gathered<'a> = [(&'a str, &'a str); GATHERED];

/// Reads the parameters of an op from `input`, the text after its first `(`; gives what
/// follows the op. The parameter text ends at the next `(` (or the op's end); the reference
/// removes every `)` from it, drops one leading `-`, splits it on `,`, skips items without
/// `:` or with an empty key, and lets a repeated key keep its first place and take the last
/// value.
fn params<'a>(
    input: &'a str,
    gathered: &mut Gathered<'a>,
) -> Result<(&'a str, Vec<Param<'a>>), PatternFault> {
    let (after_params, values) = match gather_params(input, gathered)? {
        Some((after, count)) => {
            let values = gathered[..count]
                .iter()
                .map(|&(key, value)| Param {
                    key: Cow::Borrowed(key),
                    value: Cow::Borrowed(value),
                })
                .collect();
            (after, values)
        }
        None => general_params(input)?,
    };
    // Whatever follows, from the next `(` up to the end of the op, is ignored.
    let after = match scan::strip_byte(after_params, b'(') {
        Some(ignored) => cut(ignored, &OP).1,
        None => after_params,
    };
    Ok((after, values))
}

/// The usual case of [`params`], in one pass and without allocating: no `)` inside the
/// parameter text (only at its end) and at most [`GATHERED`] distinct keys. Gives what
/// follows the parameter text and how many parameters are now at the start of `gathered`;
/// `None` for anything else.
fn gather_params<'a>(
    input: &'a str,
    gathered: &mut Gathered<'a>,
) -> Result<Option<(&'a str, usize)>, PatternFault> {
    let mut count = 0;
    let mut rest = scan::strip_byte(input, b'-').unwrap_or(input);
    loop {
        let Ok((after, (key, value))) = param(rest) else {
            return Ok(None);
        };
        let after = match after.as_bytes().first() {
            Some(b':') => return Err(PatternFault::TooManyColons),
            Some(b')') => match after_closing(after) {
                Some(end) => end,
                None => return Ok(None),
            },
            _ => after,
        };
        if let Some(value) = value.filter(|_| !key.is_empty()) {
            match gathered[..count].iter_mut().find(|(k, _)| same(k, key)) {
                Some(existing) => existing.1 = value,
                None if count == GATHERED => return Ok(None),
                None => {
                    gathered[count] = (key, value);
                    count += 1;
                }
            }
        }
        match scan::strip_byte(after, b',') {
            Some(next) => rest = next,
            // The end of the parameter text: `(`, `~` or the end.
            None => return Ok(Some((after, count))),
        }
    }
}

/// When `text` starts with `)`s that run to the end of the parameter text (the next `(`, `~`
/// or the end), what follows them.
fn after_closing(text: &str) -> Option<&str> {
    let closing = text.bytes().take_while(|&b| b == b')').count();
    let rest = &text[closing..];
    matches!(rest.as_bytes().first(), None | Some(b'(' | b'~')).then_some(rest)
}

/// [`params`] for any parameter text: cut out first, its `)` removed (then keys and values
/// are no longer slices of the URL and are copied).
fn general_params(input: &str) -> Result<(&str, Vec<Param<'_>>), PatternFault> {
    let (args, after) = cut(input, &HEAD_OR_ARGS);
    let trimmed = args.trim_end_matches(')');
    if !trimmed.contains(')') {
        return Ok((after, split_params(trimmed)?));
    }
    let without: String = args.chars().filter(|&c| c != ')').collect();
    let values = split_params(&without)?
        .into_iter()
        .map(Param::into_owned)
        .collect();
    Ok((after, values))
}

/// Splits parameter text that holds no `)`, `(` or `~` into parameters.
fn split_params(text: &str) -> Result<Vec<Param<'_>>, PatternFault> {
    let text = scan::strip_byte(text, b'-').unwrap_or(text);
    let mut values: Vec<Param<'_>> = Vec::new();
    let mut rest = text;
    while let Ok((after, (key, value))) = param(rest) {
        if after.starts_with(':') {
            return Err(PatternFault::TooManyColons);
        }
        if let Some(value) = value.filter(|_| !key.is_empty()) {
            match values.iter_mut().find(|p| same(&p.key, key)) {
                Some(existing) => existing.value = Cow::Borrowed(value),
                None => values.push(Param {
                    key: Cow::Borrowed(key),
                    value: Cow::Borrowed(value),
                }),
            }
        }
        match scan::strip_byte(after, b',') {
            Some(next) => rest = next,
            None => break,
        }
    }
    Ok(values)
}

/// String equality, inlined: keys are a few bytes long, where a call to `memcmp` costs more
/// than the comparison.
#[inline]
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
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
    fn many_parameters_read_the_same() {
        let text: Vec<String> = (0..12).map(|i| format!("k{i}:{i}")).collect();
        let pattern = format!("t.x({})~t.y()", text.join(","));
        let ops = parse_pattern(&pattern).expect("parses");
        assert_eq!(ops[0].values.len(), 12);
        assert_eq!(ops[0].param("k11"), Some("11"));
        assert!(matches!(ops[0].values[0].key, Cow::Borrowed(_)));
        assert_eq!(ops[1].name, "y");
        let repeated = parsed("t.x(a:1,b:2,c:3,d:4,e:5,f:6,g:7,h:8,a:9,i:10)");
        assert_eq!(repeated[0].2.len(), 9);
        assert_eq!(repeated[0].2[0], ("a".into(), "9".into()));
        assert_eq!(repeated[0].2[8], ("i".into(), "10".into()));
        assert!(matches!(
            parse_pattern("t.x(a:1,b:2,c:3,d:4,e:5,f:6,g:7,h:8,i:9,j:1:2)"),
            Err(UrlError::InvalidPattern {
                reason: PatternFault::TooManyColons,
                ..
            })
        ));
        // Closing parentheses: only at the end they leave the text borrowed.
        assert_eq!(
            parsed("t.x(a:1)))~t.y(b:2)(c:3)"),
            vec![one("t", "x", &[("a", "1")]), one("t", "y", &[("b", "2")])]
        );
        assert_eq!(
            parsed("t.x(a:1)),b:2)"),
            vec![one("t", "x", &[("a", "1"), ("b", "2")])]
        );
        assert_eq!(parsed("t.x()-)"), vec![one("t", "x", &[])]);
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

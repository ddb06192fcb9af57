//! The `dpr` option and the Python number rules it follows.
//!
//! The reference reads `dpr` with Python's `float()` and writes it back with Python's
//! `repr()` (`2` becomes `2.0`). Both rules are reproduced here so that every value the
//! reference accepts reads, and prints, the same.

use std::borrow::Cow;
use std::fmt;

use crate::UrlError;

/// The device pixel ratio of a Pixelbin URL (`?dpr=`): a number between 0.1 and 5.0, or
/// `auto`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dpr {
    /// `dpr=auto`: let the CDN pick.
    Auto,
    /// A ratio; valid between 0.1 and 5.0 inclusive.
    Value(f64),
}

impl Dpr {
    /// Reads a `dpr` text as the reference does: `auto`, or any number Python's `float()`
    /// reads (`2`, ` 2.50 `, `1_0`, `2e0`, ...), which must lie between 0.1 and 5.0.
    ///
    /// # Errors
    /// [`UrlError::InvalidDpr`] for anything else.
    ///
    /// ```
    /// use pixelbin_url::Dpr;
    /// assert_eq!(Dpr::parse("2"), Ok(Dpr::Value(2.0)));
    /// assert_eq!(Dpr::parse("auto"), Ok(Dpr::Auto));
    /// assert!(Dpr::parse("9").is_err());
    /// ```
    #[inline]
    pub fn parse(text: &str) -> Result<Dpr, UrlError> {
        // The usual `2.0`, read without the general parser (which would try it first too).
        if let Some(value) = plain_decimal(text.as_bytes()) {
            return Dpr::Value(value).validated();
        }
        if text == "auto" {
            return Ok(Dpr::Auto);
        }
        python_float(text)
            .map(Dpr::Value)
            .ok_or_else(|| UrlError::InvalidDpr {
                value: text.to_owned(),
            })?
            .validated()
    }

    /// Checks the range: `Auto`, or a value between 0.1 and 5.0.
    ///
    /// # Errors
    /// [`UrlError::InvalidDpr`] when the value is out of range or not a number.
    pub fn validated(self) -> Result<Dpr, UrlError> {
        match self {
            Dpr::Auto => Ok(self),
            // NaN fails both comparisons in the reference and slips through; refuse it here.
            Dpr::Value(v) if (0.1..=5.0).contains(&v) => Ok(self),
            Dpr::Value(v) => Err(UrlError::InvalidDpr {
                value: python_float_repr(v),
            }),
        }
    }
}

impl From<f64> for Dpr {
    fn from(value: f64) -> Self {
        Dpr::Value(value)
    }
}

/// `auto`, or the number as Python prints a float (`2.0`, `2.5`).
impl fmt::Display for Dpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dpr::Auto => f.write_str("auto"),
            Dpr::Value(v) => f.write_str(&python_float_repr(*v)),
        }
    }
}

/// Zeros of the Unicode decimal digit runs (`Nd`, Unicode 14) that Python's `float()` reads.
const UNICODE_DIGIT_ZEROS: &[u32] = &[
    0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6,
    0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50,
    0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

fn unicode_digit(c: char) -> Option<u8> {
    let code = u32::from(c);
    let zero = UNICODE_DIGIT_ZEROS
        .iter()
        .rev()
        .find(|&&zero| zero <= code)?;
    let digit = code - zero;
    (digit < 10).then_some(digit as u8)
}

/// Python's `float(text)`: surrounding whitespace ignored, `_` allowed between digits,
/// `inf`/`nan` in any case, any Unicode decimal digit. `None` where Python raises.
pub(crate) fn python_float(text: &str) -> Option<f64> {
    if let Some(value) = plain_decimal(text.as_bytes()) {
        return Some(value);
    }
    // Python first maps non-ASCII spaces to ' ' and non-ASCII digits to ASCII ones, and
    // stops at any other non-ASCII character.
    let ascii: Cow<'_, str> = if text.is_ascii() {
        Cow::Borrowed(text)
    } else {
        let mut mapped = String::with_capacity(text.len());
        for c in text.chars() {
            if c.is_ascii() {
                mapped.push(c);
            } else if c.is_whitespace() {
                mapped.push(' ');
            } else {
                mapped.push(char::from(b'0' + unicode_digit(c)?));
            }
        }
        Cow::Owned(mapped)
    };
    let trimmed = ascii.trim_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    if !trimmed.contains('_') {
        return trimmed.parse().ok();
    }
    let bytes = trimmed.as_bytes();
    let between_digits = |i: usize| {
        i > 0
            && i + 1 < bytes.len()
            && bytes[i - 1].is_ascii_digit()
            && bytes[i + 1].is_ascii_digit()
    };
    if (0..bytes.len()).any(|i| bytes[i] == b'_' && !between_digits(i)) {
        return None;
    }
    trimmed.replace('_', "").parse().ok()
}

/// Reads short plain decimals (`2`, `2.0`, `0.75`) without the general parser: with at most
/// 15 digits, `digits / 10^fraction_digits` is one correctly rounded division of two exact
/// doubles, so it is the double nearest the text, as `float()` gives. `None` for anything else.
#[inline]
fn plain_decimal(bytes: &[u8]) -> Option<f64> {
    const POWERS: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    // A digit first (so at least one), then digits and at most one `.`: at most 16 bytes
    // keeps the digits at 15 or fewer when there is a `.`; 16 digits and no `.` is refused
    // below.
    if !bytes.first().is_some_and(u8::is_ascii_digit) || bytes.len() > 16 {
        return None;
    }
    let mut digits: u64 = 0;
    let mut point = None;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'0'..=b'9' => digits = digits * 10 + u64::from(b - b'0'),
            b'.' if point.is_none() => point = Some(i),
            _ => return None,
        }
    }
    let fraction_digits = match point {
        Some(i) => bytes.len() - i - 1,
        None if bytes.len() > 15 => return None,
        None => 0,
    };
    // `digits` < 10^15 < 2^53, so the conversion is exact.
    Some(digits as f64 / POWERS[fraction_digits])
}

/// Python's `repr(float)`: the shortest text that reads back the same, with `.0` on whole
/// numbers and an exponent below 1e-4 or from 1e16 up (`1e-05`, `1e+16`).
pub(crate) fn python_float_repr(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    // Rust's `{:e}` prints the same shortest digits Python uses, as `d.ddde[-]x`.
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let decimal_point = exponent + 1; // digits are 0.d1d2... x 10^decimal_point
    let mut out = String::from(sign);
    if (-3..=16).contains(&decimal_point) {
        if decimal_point <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n(
                '0',
                decimal_point.unsigned_abs() as usize,
            ));
            out.push_str(&digits);
        } else {
            let point = decimal_point as usize;
            if digits.len() <= point {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', point - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exponent < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exponent.unsigned_abs()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_python_float() {
        let cases: &[(&str, Option<f64>)] = &[
            ("2", Some(2.0)),
            (" 2.5 ", Some(2.5)),
            ("1_0", Some(10.0)),
            ("_1", None),
            ("1__0", None),
            ("1_.5", None),
            ("1e1_0", Some(1e10)),
            ("1.", Some(1.0)),
            (".5", Some(0.5)),
            ("+.5", Some(0.5)),
            ("1e", None),
            ("0x1", None),
            ("\x1c1", None),
            ("\u{85}1", Some(1.0)),
            ("\u{3000}1\u{a0}", Some(1.0)),
            ("\u{661}", Some(1.0)),
            ("1\u{661}", Some(11.0)),
            ("\u{ff15}", Some(5.0)),
            ("é", None),
            ("", None),
            ("%201", None),
        ];
        for (text, expected) in cases {
            assert_eq!(python_float(text), *expected, "{text:?}");
        }
        assert!(python_float("iNfInItY").is_some_and(|v| v.is_infinite()));
        assert!(python_float("+nan").is_some_and(f64::is_nan));
    }

    #[test]
    fn plain_decimals_read_exactly() {
        for text in [
            "2",
            "2.0",
            "0.1",
            "0.3",
            "2.5",
            "5.00",
            "1.",
            "0.12345678901234",
            "123456789012345",
        ] {
            assert_eq!(
                plain_decimal(text.as_bytes()),
                text.parse::<f64>().ok(),
                "{text}"
            );
        }
        for text in ["", ".5", "1.2.3", "1e5", "-1", "1234567890123456", "."] {
            assert_eq!(plain_decimal(text.as_bytes()), None, "{text}");
        }
        // The general path still reads what the fast path leaves.
        assert_eq!(python_float(".5"), Some(0.5));
        assert_eq!(python_float("1234567890123456"), Some(1234567890123456.0));
    }

    #[test]
    fn prints_like_python_repr() {
        let cases: &[(f64, &str)] = &[
            (2.0, "2.0"),
            (2.5, "2.5"),
            (0.1, "0.1"),
            (1.2, "1.2"),
            (100.0, "100.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e16, "1e+16"),
            (1234567890123456.0, "1234567890123456.0"),
            (1.5e300, "1.5e+300"),
            (-2.0, "-2.0"),
            (0.0, "0.0"),
            (123.456, "123.456"),
        ];
        for (value, expected) in cases {
            assert_eq!(python_float_repr(*value), *expected);
        }
    }

    #[test]
    fn dpr_range_and_auto() {
        assert_eq!(Dpr::parse("0.1"), Ok(Dpr::Value(0.1)));
        assert_eq!(Dpr::parse("5.0"), Ok(Dpr::Value(5.0)));
        assert!(Dpr::parse("5.5").is_err());
        assert!(Dpr::parse("nan").is_err());
        assert!(Dpr::parse("inf").is_err());
        assert!(Dpr::parse("AUTO").is_err());
        assert_eq!(Dpr::Value(2.0).to_string(), "2.0");
        assert_eq!(Dpr::Auto.to_string(), "auto");
    }
}

//! Query strings read and written the way the reference's signer does
//! (`urllib.parse.parse_qs` then `urlencode(..., doseq=True)`): `+` and `%XX` decoded, pairs
//! without `=` or with an empty value dropped, values grouped by name in first-seen order,
//! and everything re-encoded with `quote_plus`.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::scan;

/// The decoded `name=value` pairs of a query, in order of appearance.
#[derive(Debug, Default)]
pub(crate) struct Query<'a> {
    pairs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> Query<'a> {
    /// Reads a raw query (without `?`) like `parse_qs(query)`.
    pub(crate) fn parse(query: &'a str) -> Self {
        let mut pairs = Vec::new();
        if !query.is_empty() {
            // Room for every field plus the three a signature adds.
            pairs.reserve(query.bytes().filter(|&b| b == b'&').count() + 4);
            for field in scan::split(query, b'&') {
                let Some((name, value)) = scan::split_once(field, b'=') else {
                    continue;
                };
                if value.is_empty() {
                    continue;
                }
                pairs.push((unquote_plus(name), unquote_plus(value)));
            }
        }
        Query { pairs }
    }

    /// All values given for `name`, in order.
    pub(crate) fn values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.pairs
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_ref())
    }

    /// Whether `name` has at least one value.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| same(n, name))
    }

    /// Whether there are no pairs.
    pub(crate) fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Gives `name` the single value `value`: in place of its old values (at the position of
    /// the first one), or at the end when it had none, like assigning to the reference's dict.
    pub(crate) fn set(&mut self, name: &'a str, value: Cow<'a, str>) {
        match self.pairs.iter().position(|(n, _)| same(n, name)) {
            Some(first) => {
                self.pairs[first].1 = value;
                let mut index = 0;
                self.pairs.retain(|(n, _)| {
                    let keep = index <= first || !same(n, name);
                    index += 1;
                    keep
                });
            }
            None => self.pairs.push((Cow::Borrowed(name), value)),
        }
    }

    /// Writes the pairs like `urlencode(parse_qs(...), doseq=True)`: every value of a name
    /// together, names in first-seen order, each part `quote_plus`-encoded.
    pub(crate) fn encode_into(&self, out: &mut String) {
        let mut first_pair = true;
        let mut emit = |out: &mut String, name: &str, value: &str| {
            if !first_pair {
                out.push('&');
            }
            first_pair = false;
            quote_plus_into(name, out);
            out.push('=');
            quote_plus_into(value, out);
        };
        if self.pairs.len() <= 16 {
            // Few pairs (the usual case): a quadratic scan costs less than a hash map.
            for (i, (name, _)) in self.pairs.iter().enumerate() {
                if self.pairs[..i].iter().any(|(n, _)| same(n, name)) {
                    continue;
                }
                for (_, value) in self.pairs[i..].iter().filter(|(n, _)| same(n, name)) {
                    emit(out, name, value);
                }
            }
        } else {
            let mut groups: HashMap<&str, Vec<&str>> = HashMap::new();
            let mut order = Vec::new();
            for (name, value) in &self.pairs {
                groups
                    .entry(name.as_ref())
                    .or_insert_with(|| {
                        order.push(name.as_ref());
                        Vec::new()
                    })
                    .push(value.as_ref());
            }
            for name in order {
                for value in &groups[name] {
                    emit(out, name, value);
                }
            }
        }
    }
}

/// String equality, inlined: the names compared here are a few bytes long, where a call to
/// `memcmp` costs more than the comparison.
#[inline]
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// `unquote(s.replace('+', ' '))`: `%XX` decoded, invalid UTF-8 replaced by U+FFFD.
pub(crate) fn unquote_plus(s: &str) -> Cow<'_, str> {
    if !scan::contains_any(s.as_bytes(), [b'%', b'+']) {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() && hex_pair(bytes[i + 1], bytes[i + 2]).is_some() => {
                out.extend(hex_pair(bytes[i + 1], bytes[i + 2]));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    Cow::Owned(match String::from_utf8(out) {
        Ok(valid) => valid,
        Err(invalid) => String::from_utf8_lossy(invalid.as_bytes()).into_owned(),
    })
}

fn hex_pair(high: u8, low: u8) -> Option<u8> {
    let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    Some(digit(high)? << 4 | digit(low)?)
}

/// `quote_plus(s)`: ASCII letters, digits and `_.-~` kept, space as `+`, the rest `%XX`.
pub(crate) fn quote_plus_into(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    const SAFE: [bool; 256] = scan::byte_table!(|b| {
        b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'~')
    });
    if s.bytes().all(|b| SAFE[usize::from(b)]) {
        out.push_str(s);
        return;
    }
    // Runs of safe bytes are copied whole. A run starts after an escaped byte and holds ASCII
    // only, so its ends are char boundaries (`get` would refuse anything else).
    let mut run_start = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        if SAFE[usize::from(b)] {
            continue;
        }
        if let Some(run) = s.get(run_start..i) {
            out.push_str(run);
        }
        if b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
        run_start = i + 1;
    }
    if let Some(run) = s.get(run_start..) {
        out.push_str(run);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reencode(query: &str) -> String {
        let mut out = String::new();
        Query::parse(query).encode_into(&mut out);
        out
    }

    #[test]
    fn drops_blank_and_bare_fields() {
        assert_eq!(reencode("a=1&b=&c&&d=2"), "a=1&d=2");
    }

    #[test]
    fn groups_repeated_names_in_first_seen_order() {
        assert_eq!(reencode("a=1&b=2&a=3"), "a=1&a=3&b=2");
        let many: Vec<String> = (0..40).map(|i| format!("k{}={i}", i % 3)).collect();
        let out = reencode(&many.join("&"));
        assert!(out.starts_with("k0=0&k0=3&k0=6"), "{out}");
    }

    #[test]
    fn decodes_and_reencodes_like_python() {
        assert_eq!(reencode("a=b+c&x=%7E%2a%zz"), "a=b+c&x=~%2A%25zz");
        assert_eq!(reencode("n=%C3%A9%C3"), "n=%C3%A9%EF%BF%BD");
        assert_eq!(reencode("e=%"), "e=%25");
    }

    #[test]
    fn set_replaces_in_place_or_appends() {
        let mut q = Query::parse("pbe=1&x=2&pbe=3");
        q.set("pbe", Cow::Borrowed("9"));
        q.set("pbt", Cow::Borrowed("k"));
        let mut out = String::new();
        q.encode_into(&mut out);
        assert_eq!(out, "pbe=9&x=2&pbt=k");
    }
}

//! Cutting a URL into scheme, host, path, query and fragment exactly the way the reference
//! does (Python 3.11 `urllib.parse.urlparse` / `urlunparse`), so that every URL the reference
//! accepts gives the same parts here. A WHATWG parser (the `url` crate) would normalise paths
//! and hosts and so give different answers; this module does no normalisation at all.

use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::UrlError;
use crate::scan;

/// Schemes after which `;params` are split off the last path segment (`uses_params`).
const USES_PARAMS: &[&str] = &[
    "", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp", "rtsp", "rtsps", "rtspu",
    "sip", "sips", "mms", "sftp", "tel",
];

/// Schemes whose URLs get a `//` authority when rebuilt (`uses_netloc`).
const USES_NETLOC: &[&str] = &[
    "", "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file", "mms", "https", "shttp",
    "snews", "prospero", "rtsp", "rtsps", "rtspu", "rsync", "svn", "svn+ssh", "sftp", "nfs", "git",
    "git+ssh", "ws", "wss",
];

/// Characters whose NFKC form contains `/`, `?`, `#`, `@` or `:` (Unicode 14, as in the
/// reference's Python). A host holding one of them is refused, as the reference does.
const NFKC_DELIMITER_CHARS: &[char] = &[
    '\u{2047}', '\u{2048}', '\u{2049}', '\u{2100}', '\u{2101}', '\u{2105}', '\u{2106}', '\u{2a74}',
    '\u{fe13}', '\u{fe16}', '\u{fe55}', '\u{fe56}', '\u{fe5f}', '\u{fe6b}', '\u{ff03}', '\u{ff0f}',
    '\u{ff1a}', '\u{ff1f}', '\u{ff20}',
];

/// The parts of a URL, as slices of the (cleaned) input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UrlParts<'a> {
    /// The scheme as written (compare with [`UrlParts::scheme_is`]; it is ASCII).
    pub scheme: &'a str,
    /// Everything between `//` and the path.
    pub netloc: &'a str,
    /// The path, without `;params`.
    pub path: &'a str,
    /// The `;params` of the last path segment, without the `;`.
    pub params: &'a str,
    /// The query, without the `?`.
    pub query: &'a str,
    /// The fragment, without the `#`.
    pub fragment: &'a str,
}

/// Drops leading C0 controls and spaces and removes every tab, CR and LF, as the reference's
/// `urlsplit` does before anything else. Borrows unless something had to be removed.
pub(crate) fn clean(url: &str) -> Cow<'_, str> {
    let url = url.trim_start_matches(|c: char| c <= ' ');
    // Tab, LF and CR are all below 0x0e: one cheap test clears the usual URL.
    if scan::any_below(url.as_bytes(), 0x0e)
        && scan::contains_any(url.as_bytes(), [b'\t', b'\r', b'\n'])
    {
        Cow::Owned(
            url.chars()
                .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
                .collect(),
        )
    } else {
        Cow::Borrowed(url)
    }
}

fn is_scheme_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')
}

/// Splits a URL already passed through [`clean`].
pub(crate) fn urlparse(url: &str) -> Result<UrlParts<'_>, UrlError> {
    let bytes = url.as_bytes();
    let mut rest = url;
    let mut scheme = "";
    // The reference takes the text before the first `:` as the scheme when it is made of
    // scheme characters and starts with a letter: scanning scheme characters up to a `:`
    // finds exactly that.
    let scheme_len = bytes.iter().take_while(|&&b| is_scheme_byte(b)).count();
    if scheme_len > 0 && bytes.get(scheme_len) == Some(&b':') && bytes[0].is_ascii_alphabetic() {
        scheme = &url[..scheme_len];
        rest = &url[scheme_len + 1..];
    }

    let mut netloc = "";
    if let Some(after) = rest.strip_prefix("//") {
        let end = scan::find_any(after.as_bytes(), [b'/', b'?', b'#']).unwrap_or(after.len());
        netloc = &after[..end];
        rest = &after[end..];
        check_brackets(netloc)?;
    }

    // The fragment is split off first, then the query from what precedes it. One scan also
    // tells whether the path holds a `;`.
    let mut fragment = "";
    let mut query = "";
    let mut has_semicolon = false;
    let mut from = 0;
    while let Some(i) = scan::find_any(&rest.as_bytes()[from..], [b'?', b'#', b';']) {
        let i = from + i;
        if rest.as_bytes()[i] == b';' {
            has_semicolon = true;
            from = i + 1;
            continue;
        }
        let after = &rest[i + 1..];
        if rest.as_bytes()[i] == b'#' {
            fragment = after;
        } else if let Some((q, f)) = scan::split_once(after, b'#') {
            query = q;
            fragment = f;
        } else {
            query = after;
        }
        rest = &rest[..i];
        break;
    }
    check_nfkc(netloc)?;

    let mut path = rest;
    let mut params = "";
    if has_semicolon && USES_PARAMS.iter().any(|s| s.eq_ignore_ascii_case(scheme)) {
        let split_at = match path.rfind('/') {
            Some(slash) => path[slash..].find(';').map(|i| slash + i),
            None => path.find(';'),
        };
        if let Some(i) = split_at {
            params = &path[i + 1..];
            path = &path[..i];
        }
    }

    Ok(UrlParts {
        scheme,
        netloc,
        path,
        params,
        query,
        fragment,
    })
}

/// Flags (see [`scan::ascii_run`]) of the bytes of `word` that may stand in a host name that
/// needs no further look: lower-case ASCII letters, digits, `.` and `-` (no user info, port,
/// brackets, zone, upper case or non-ASCII).
#[inline(always)]
fn plain_host_flags(word: u64) -> u64 {
    // `-`, `.` and the digits are `-..=9` without `/`.
    scan::in_range(word, b'a', b'z') | (scan::in_range(word, b'-', b'9') & !scan::equal(word, b'/'))
}

/// [`clean`] then [`urlparse`], in one pass, for the usual shape of URL: `http://` or
/// `https://`, a non-empty host of [`plain_host_flags`] bytes, then a `/` path without `;`, an
/// optional `?query`, no `#` and no byte below 0x0e (which covers tab, CR and LF). Such a URL
/// needs no cleaning, its host no check, and `scheme://host` is its own
/// [`UrlParts::hostname`] form, so callers may borrow it as the base URL.
///
/// `None` for any other URL: it takes the general path, which gives the same answer for the
/// URLs taken here.
pub(crate) fn split_plain(url: &str) -> Option<UrlParts<'_>> {
    let scheme = if url.starts_with("https://") {
        "https"
    } else if url.starts_with("http://") {
        "http"
    } else {
        return None;
    };
    let after_scheme = &url[scheme.len() + 3..];
    let bytes = after_scheme.as_bytes();
    let host_len = scan::ascii_run(bytes, plain_host_flags);
    if host_len == 0 || bytes.get(host_len) != Some(&b'/') {
        return None;
    }
    let (netloc, rest) = after_scheme.split_at(host_len);
    let path_end = scan::find_first(rest.as_bytes(), |b| {
        (b == b'?') | (b == b'#') | (b == b';') | (b < 0x0e)
    });
    let (path, query) = match path_end {
        None => (rest, ""),
        Some(i) if rest.as_bytes()[i] == b'?' => {
            let query = &rest[i + 1..];
            if scan::find_first(query.as_bytes(), |b| (b == b'#') | (b < 0x0e)).is_some() {
                return None;
            }
            (&rest[..i], query)
        }
        Some(_) => return None,
    };
    let parts = UrlParts {
        scheme,
        netloc,
        path,
        params: "",
        query,
        fragment: "",
    };
    debug_assert_eq!(clean(url), url);
    debug_assert_eq!(urlparse(url), Ok(parts));
    debug_assert_eq!(parts.hostname(), Some(Cow::Borrowed(netloc)));
    Some(parts)
}

impl<'a> UrlParts<'a> {
    /// The host name as the reference's `hostname` gives it: no user info, no port,
    /// no brackets, lower-cased up to a `%` zone. `None` when empty.
    pub(crate) fn hostname(&self) -> Option<Cow<'a, str>> {
        const SPECIAL: [bool; 256] = scan::byte_table!(|b| {
            matches!(b, b'@' | b'[' | b':' | b'%') || b.is_ascii_uppercase() || !b.is_ascii()
        });
        let plain = !self
            .netloc
            .bytes()
            .fold(false, |special, b| special | SPECIAL[usize::from(b)]);
        if plain {
            // No user info, port, brackets, zone or upper case: the host is the netloc.
            return (!self.netloc.is_empty()).then_some(Cow::Borrowed(self.netloc));
        }
        let hostinfo = match self.netloc.rfind('@') {
            Some(i) => &self.netloc[i + 1..],
            None => self.netloc,
        };
        let host = match hostinfo.split_once('[') {
            Some((_, bracketed)) => bracketed.split_once(']').map_or(bracketed, |(h, _)| h),
            None => hostinfo.split_once(':').map_or(hostinfo, |(h, _)| h),
        };
        if host.is_empty() {
            return None;
        }
        let (name, zone) = match host.find('%') {
            Some(i) => host.split_at(i),
            None => (host, ""),
        };
        if name.chars().any(|c| c.is_uppercase() || !c.is_ascii()) {
            Some(Cow::Owned(format!("{}{}", name.to_lowercase(), zone)))
        } else {
            Some(Cow::Borrowed(host))
        }
    }

    /// The port written after the host (`8080` in `user@host:8080`), when there is one.
    /// Kept verbatim (digits only), so a URL rebuilt from its parts reaches the same origin.
    pub(crate) fn port(&self) -> Option<&'a str> {
        let hostinfo = match self.netloc.rfind('@') {
            Some(i) => &self.netloc[i + 1..],
            None => self.netloc,
        };
        let after_host = match hostinfo.rfind(']') {
            Some(i) => &hostinfo[i + 1..],
            None => hostinfo,
        };
        let (_, port) = after_host.rsplit_once(':')?;
        (!port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())).then_some(port)
    }

    /// Whether the scheme is `name` (given in lower case).
    pub(crate) fn scheme_is(&self, name: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(name)
    }

    /// Writes the URL up to (without) its query, as the reference's `urlunparse` does:
    /// scheme lower-cased, `//` added after schemes that use an authority.
    pub(crate) fn unparse_head(&self, out: &mut String) {
        let has_scheme = !self.scheme.is_empty();
        let netloc_scheme = USES_NETLOC.iter().any(|s| self.scheme_is(s));
        if has_scheme {
            if self.scheme.bytes().any(|b| b.is_ascii_uppercase()) {
                push_lower(out, self.scheme);
            } else {
                out.push_str(self.scheme);
            }
            out.push(':');
        }
        if !self.netloc.is_empty() || (has_scheme && netloc_scheme && !self.path.starts_with("//"))
        {
            out.push_str("//");
            out.push_str(self.netloc);
            // `path;params` taken together, as the reference joins them before this step.
            let combined_empty = self.path.is_empty() && self.params.is_empty();
            if !combined_empty && !self.path.starts_with('/') {
                out.push('/');
            }
        }
        out.push_str(self.path);
        if !self.params.is_empty() {
            out.push(';');
            out.push_str(self.params);
        }
    }

    /// Writes `#fragment` when there is one.
    pub(crate) fn unparse_fragment(&self, out: &mut String) {
        if !self.fragment.is_empty() {
            out.push('#');
            out.push_str(self.fragment);
        }
    }
}

fn push_lower(out: &mut String, ascii: &str) {
    out.extend(ascii.chars().map(|c| c.to_ascii_lowercase()));
}

/// The reference refuses hosts with unbalanced brackets and bracketed hosts that are not
/// IPv6 (or IPvFuture) addresses.
fn check_brackets(netloc: &str) -> Result<(), UrlError> {
    if !scan::contains_any(netloc.as_bytes(), [b'[', b']']) {
        return Ok(());
    }
    let open = netloc.contains('[');
    let close = netloc.contains(']');
    if open != close {
        return Err(UrlError::InvalidHost {
            reason: "the host has an unmatched '[' or ']'",
        });
    }
    if !open {
        return Ok(());
    }
    let bracketed = netloc
        .split_once('[')
        .map(|(_, after)| after.split_once(']').map_or(after, |(h, _)| h))
        .unwrap_or_default();
    if let Some(future) = bracketed.strip_prefix('v') {
        // \Av[a-fA-F0-9]+\..+\Z
        let hex_len = future.bytes().take_while(u8::is_ascii_hexdigit).count();
        let after_hex = &future[hex_len..];
        let ok = hex_len > 0 && after_hex.len() > 1 && after_hex.starts_with('.');
        return if ok {
            Ok(())
        } else {
            Err(UrlError::InvalidHost {
                reason: "the bracketed host is not a valid IPvFuture address",
            })
        };
    }
    if bracketed.parse::<Ipv4Addr>().is_ok() {
        return Err(UrlError::InvalidHost {
            reason: "an IPv4 address cannot be in brackets",
        });
    }
    let (address, scope) = match bracketed.split_once('%') {
        Some((a, s)) => (a, Some(s)),
        None => (bracketed, None),
    };
    let scope_ok = scope.is_none_or(|s| !s.is_empty() && !s.contains('%'));
    if scope_ok && address.parse::<Ipv6Addr>().is_ok() {
        Ok(())
    } else {
        Err(UrlError::InvalidHost {
            reason: "the bracketed host is not a valid IPv6 address",
        })
    }
}

fn check_nfkc(netloc: &str) -> Result<(), UrlError> {
    if netloc.is_ascii() || !netloc.contains(NFKC_DELIMITER_CHARS) {
        return Ok(());
    }
    Err(UrlError::InvalidHost {
        reason: "the host contains characters that turn into '/', '?', '#', '@' or ':' under \
                 NFKC normalization",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(url: &str) -> UrlParts<'_> {
        urlparse(url).expect("parses")
    }

    #[test]
    fn splits_like_urlparse() {
        let p = parts("https://User@CDN.pixelbin.io:8080/v2/a/b.jpeg;x=1?dpr=2#frag");
        assert_eq!(p.scheme, "https");
        assert_eq!(p.netloc, "User@CDN.pixelbin.io:8080");
        assert_eq!(p.path, "/v2/a/b.jpeg");
        assert_eq!(p.params, "x=1");
        assert_eq!(p.query, "dpr=2");
        assert_eq!(p.fragment, "frag");
        assert_eq!(p.hostname().as_deref(), Some("cdn.pixelbin.io"));
    }

    #[test]
    fn params_only_split_in_the_last_segment() {
        let p = parts("https://h/a;b/c");
        assert_eq!(p.path, "/a;b/c");
        assert_eq!(p.params, "");
        let p = parts("custom://h/a/c;d");
        assert_eq!(p.path, "/a/c;d");
    }

    #[test]
    fn no_scheme_no_host() {
        let p = parts("/v2/x/y");
        assert_eq!(p.scheme, "");
        assert_eq!(p.netloc, "");
        assert_eq!(p.hostname(), None);
        let p = parts("1http://x/y");
        assert_eq!(p.scheme, "");
        assert_eq!(p.path, "1http://x/y");
    }

    #[test]
    fn brackets_are_checked() {
        assert!(urlparse("https://[::1]/a").is_ok());
        assert_eq!(
            parts("https://[::1]:80/a").hostname().as_deref(),
            Some("::1")
        );
        assert!(urlparse("https://[::1/a").is_err());
        assert!(urlparse("https://[1.2.3.4]/a").is_err());
        assert!(urlparse("https://[v1.x]/a").is_ok());
        assert!(urlparse("https://[v1.]/a").is_err());
        assert!(urlparse("https://[fe80::1%eth0]/a").is_ok());
        assert!(urlparse("https://[fe80::1%]/a").is_err());
    }

    #[test]
    fn nfkc_delimiters_in_host_are_refused() {
        assert!(urlparse("https://a\u{ff0f}b/x").is_err());
        assert!(urlparse("https://é.com/x").is_ok());
    }

    /// URLs of the usual shape, and variations on each part.
    const SHAPES: &[&str] = &[
        "https://cdn.pixelbin.io/v2/red-scene-95b6ea/z-slug/t.resize(h:100,w:200)~t.flip()/path/to/image.jpeg?dpr=2.0&f_auto=true",
        "http://cdn.pixelbin.io/v2/cloud/original/a.jpeg",
        "https://a/b",
        "https://a/",
        "https://a/b?",
        "https://a/b?x=1?y=2",
        "https://host-1.example.com/p/q;r?s",
        "https://host.example.com/p?q;r",
        "https://host/p#f",
        "https://host/p?q#f",
        "https://Host/p",
        "https://host:8080/p",
        "https://user@host/p",
        "https://[::1]/p",
        "https://host?q",
        "https://host",
        "https:///p",
        "HTTPS://host/p",
        "ftp://host/p",
        " https://host/p",
        "https://host/p\tq",
        "https://hö.st/p",
        "https://host/pä/ö?ü=1",
    ];

    #[test]
    fn plain_split_agrees_with_the_general_one() {
        let check = |url: &str| {
            if let Some(plain) = split_plain(url) {
                assert_eq!(urlparse(&clean(url)), Ok(plain), "{url:?}");
                assert_eq!(
                    plain.hostname(),
                    Some(Cow::Borrowed(plain.netloc)),
                    "{url:?}"
                );
            }
        };
        for url in SHAPES {
            check(url);
        }
        assert!(split_plain(SHAPES[0]).is_some());
        assert!(split_plain(SHAPES[1]).is_some());
        // Every byte value at every position of a short URL of the usual shape.
        let template = "https://h.io/v2/c/t.a(b:c)/f.jpeg?dpr=2";
        for at in 0..template.len() {
            for b in 0..=127u8 {
                let mut bytes = template.as_bytes().to_vec();
                bytes[at] = b;
                if let Ok(url) = String::from_utf8(bytes) {
                    check(&url);
                }
            }
            for extra in ["é", "\u{ff0f}", "\u{2100}"] {
                let mut url = template.to_owned();
                url.insert_str(at, extra);
                check(&url);
            }
        }
    }

    #[test]
    fn plain_host_flags_are_exact() {
        for b in 0..=255u8 {
            let flagged = plain_host_flags(u64::from(b) << 16) & 1 << 23 != 0;
            let plain = b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-';
            assert_eq!(flagged, plain, "{b}");
        }
    }

    #[test]
    fn clean_strips_like_python() {
        assert_eq!(clean(" \x01https://a/b"), "https://a/b");
        assert_eq!(clean("https://a/\tb\n"), "https://a/b");
        assert!(matches!(clean("https://a/b"), Cow::Borrowed(_)));
    }

    fn unparse(url: &str, query: &str) -> String {
        let p = parts(url);
        let mut out = String::new();
        p.unparse_head(&mut out);
        if !query.is_empty() {
            out.push('?');
            out.push_str(query);
        }
        p.unparse_fragment(&mut out);
        out
    }

    #[test]
    fn unparse_matches_urlunparse() {
        assert_eq!(unparse("HTTPS://h/p;q?a=1#f", "z=2"), "https://h/p;q?z=2#f");
        assert_eq!(unparse("https:p", "z=2"), "https:///p?z=2");
        assert_eq!(unparse("https:;x", "z=2"), "https:///;x?z=2");
        assert_eq!(unparse("/only/path", "z=2"), "/only/path?z=2");
        assert_eq!(unparse("mailto:x@y", "z"), "mailto:x@y?z");
        assert_eq!(unparse("https://h", "z"), "https://h?z");
        assert_eq!(unparse("https:////x", "z"), "https://x?z");
    }
}

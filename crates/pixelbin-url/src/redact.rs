//! The one redaction of the SDK: every `Debug`, error, log line, trace field
//! and CLI message that would show a secret shows [`REDACTED`] in its place,
//! and every URL shown passes through [`redact_url`] (or [`redact_text`] for
//! free text that may contain URLs, [`redact_query`] for a bare query).
//!
//! It lives here, in the lowest crate (no I/O), because this crate makes the
//! signed queries (`pbs`, `pbe`, `pbt`) and has secrets of its own to hide;
//! `pixelbin-http` re-exports it for everything above.
//!
//! Presigned upload URLs carry their own signature fields (`x-amz-*`,
//! `signature`, `policy`, `token`, ...). Their values are replaced with
//! [`REDACTED`]; the names stay so the URL's shape is still visible. User info
//! and fragments are dropped.

use std::fmt;

use url::Url;

/// What a secret, or a signed query value, is shown as. The one spelling:
/// the same as `secrecy`'s `Debug` of a secret.
pub const REDACTED: &str = "[REDACTED]";

/// Stands for a secret in `Debug` (and `Display`) output: prints [`REDACTED`].
///
/// ```
/// use pixelbin_url::redact::Redacted;
///
/// struct Key { id: String, secret: String }
/// impl std::fmt::Debug for Key {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.debug_struct("Key").field("id", &self.id).field("secret", &Redacted).finish()
///     }
/// }
/// let key = Key { id: "k1".into(), secret: "hunter2".into() };
/// assert_eq!(format!("{key:?}"), r#"Key { id: "k1", secret: [REDACTED] }"#);
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// `text` with every occurrence of `secret` replaced by [`REDACTED`] (an
/// empty `secret` changes nothing): for output that may echo a secret back.
///
/// ```
/// use pixelbin_url::redact::redact_secret;
///
/// assert_eq!(redact_secret("key=s3cr3t; again s3cr3t", "s3cr3t"), "key=[REDACTED]; again [REDACTED]");
/// ```
pub fn redact_secret(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        text.to_owned()
    } else {
        text.replace(secret, REDACTED)
    }
}

/// `url` without secrets: query values of signing parameters replaced with
/// [`REDACTED`], user info and fragment removed. A string that is not an
/// absolute URL has every query value replaced.
///
/// ```
/// use pixelbin_url::redact::redact_url;
///
/// assert_eq!(
///     redact_url("https://cdn.test/v2/a.jpg?pbs=9f2c&pbe=1695635915&pbt=key&w=10"),
///     "https://cdn.test/v2/a.jpg?pbs=[REDACTED]&pbe=[REDACTED]&pbt=[REDACTED]&w=10"
/// );
/// assert_eq!(
///     redact_url("https://u:pw@up.test/p?X-Amz-Signature=ab&partNumber=2#frag"),
///     "https://up.test/p?X-Amz-Signature=[REDACTED]&partNumber=2"
/// );
/// ```
pub fn redact_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.has_host() => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_fragment(None);
            let query = parsed.query().map(redact_query);
            parsed.set_query(None);
            let mut out = parsed.to_string();
            if let Some(query) = query {
                out.push('?');
                out.push_str(&query);
            }
            out
        }
        // Not a URL we understand: keep only what precedes the query.
        _ => match url.split_once('?') {
            Some((before, query)) => {
                let query = query.split('#').next().unwrap_or_default();
                format!("{before}?{}", redact_query_with(query, |_| true))
            }
            None => url.split('#').next().unwrap_or_default().to_owned(),
        },
    }
}

/// `text` with every `http://` or `https://` URL in it passed through
/// [`redact_url`]; for messages that came from elsewhere (a server's error
/// text) before they are shown.
///
/// ```
/// let shown = pixelbin_url::redact::redact_text("GET https://cdn.test/a.png?pbs=ff failed");
/// assert_eq!(shown, "GET https://cdn.test/a.png?pbs=[REDACTED] failed");
/// ```
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = find_url_start(rest) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
            .unwrap_or(tail.len());
        out.push_str(&redact_url(&tail[..end]));
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn find_url_start(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    match (lower.find("http://"), lower.find("https://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// `query` (the part after `?`, without it) with the values of signing
/// parameters replaced by [`REDACTED`], as [`redact_url`] does.
///
/// ```
/// use pixelbin_url::redact::redact_query;
///
/// assert_eq!(redact_query("pbs=ab12&w=10"), "pbs=[REDACTED]&w=10");
/// ```
pub fn redact_query(query: &str) -> String {
    redact_query_with(query, is_signing_parameter)
}

fn redact_query_with(query: &str, sensitive: impl Fn(&str) -> bool) -> String {
    query
        .split('&')
        .map(|pair| {
            let raw_name = pair.split('=').next().unwrap_or_default();
            let name = url::form_urlencoded::parse(raw_name.as_bytes())
                .next()
                .map(|(n, _)| n.into_owned())
                .unwrap_or_default();
            if pair.contains('=') && sensitive(&name) {
                format!("{raw_name}={REDACTED}")
            } else {
                pair.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Whether a query parameter may carry a signature, a credential or signing
/// material.
fn is_signing_parameter(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    matches!(
        name.as_str(),
        "pbs" | "pbe" | "pbt" | "sig" | "se" | "sp" | "sv"
    ) || name.starts_with("x-amz-")
        || name.starts_with("x-goog-")
        || [
            "signature",
            "token",
            "key",
            "secret",
            "policy",
            "credential",
            "auth",
            "password",
        ]
        .iter()
        .any(|word| name.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_parameters_are_redacted_and_others_kept() {
        let cases = [
            (
                "https://up.test/p?pbs=abc&pbe=1&pbt=k&partNumber=3",
                "https://up.test/p?pbs=[REDACTED]&pbe=[REDACTED]&pbt=[REDACTED]&partNumber=3",
            ),
            (
                "https://s3.test/b?X-Amz-Credential=a%2Fb&X-Amz-Signature=ff&Policy=e30",
                "https://s3.test/b?X-Amz-Credential=[REDACTED]&X-Amz-Signature=[REDACTED]&Policy=[REDACTED]",
            ),
            (
                "http://127.0.0.1:9/x?token=t&access_token=u&name=cat",
                "http://127.0.0.1:9/x?token=[REDACTED]&access_token=[REDACTED]&name=cat",
            ),
            ("https://api.test/a/b", "https://api.test/a/b"),
            ("https://u:p@api.test/a#f", "https://api.test/a"),
            (
                "not a url?pbs=1&x=2#f",
                "not a url?pbs=[REDACTED]&x=[REDACTED]",
            ),
            ("/relative/path?token=1", "/relative/path?token=[REDACTED]"),
        ];
        for (input, expected) in cases {
            assert_eq!(redact_url(input), expected, "{input}");
        }
    }

    #[test]
    fn text_has_every_url_redacted() {
        let text = "download of \"https://cdn.test/o.png?pbs=deadbeef\" failed; see HTTPS://x.test/?token=abc now";
        let shown = redact_text(text);
        assert!(!shown.contains("deadbeef"), "{shown}");
        assert!(!shown.contains("abc"), "{shown}");
        assert!(shown.starts_with("download of \"https://cdn.test/o.png?pbs=[REDACTED]\" failed"));
        assert!(shown.ends_with(" now"), "{shown}");
        assert_eq!(redact_text("no urls here"), "no urls here");
    }
}

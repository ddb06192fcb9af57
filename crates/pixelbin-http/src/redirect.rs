//! Redirects: followed only within the origin of the request's first URL.
//!
//! Policy: a redirect is followed when its target has the same scheme, host
//! and port as the URL the request was sent to, up to
//! [`MAX_REDIRECTS`] hops. A redirect to any other origin is not followed:
//! the call fails with [`Error::Api`](crate::Error::Api) naming the
//! (redacted) target. So a request that carries the API `Authorization`
//! header — only ever sent to the configured API origin, see
//! [`AuthLayer`](crate::middleware::AuthLayer) — never reaches another
//! origin on any hop, and presigned and output URLs (sent without it) cannot
//! be bounced to a host the caller did not choose.
//!
//! A client passed to
//! [`TransportBuilder::client`](crate::TransportBuilder::client)
//! keeps its own policy; build it with [`policy`] to keep this guarantee.

use url::Url;

/// Most redirects followed for one request.
pub const MAX_REDIRECTS: usize = 10;

/// The redirect policy of the SDK's `reqwest::Client` (see the module docs).
pub fn policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| same_origin(first, attempt.url()));
        if same_origin && attempt.previous().len() <= MAX_REDIRECTS {
            attempt.follow()
        } else {
            // The 3xx response itself is returned and reported by the transport.
            attempt.stop()
        }
    })
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme().eq_ignore_ascii_case(b.scheme())
        && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
}

/// The error for a redirect that was not followed.
pub(crate) fn not_followed(status: http::StatusCode, headers: &http::HeaderMap) -> crate::Error {
    let target = headers
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(crate::redact_url)
        .unwrap_or_else(|| "an unnamed location".into());
    crate::Error::Api {
        status: status.as_u16(),
        message: format!(
            "the server redirected to {target}, which was not followed: redirects are followed only within the same origin (at most {MAX_REDIRECTS}), so credentials never leave it"
        ),
        error_code: None,
        exception: None,
        info: None,
        body: None,
        raw: None,
        retry_after_secs: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(same_origin(
            &u("https://API.test/a"),
            &u("https://api.test:443/b?c")
        ));
        assert!(!same_origin(
            &u("https://api.test/a"),
            &u("http://api.test/a")
        ));
        assert!(!same_origin(
            &u("http://127.0.0.1:1/a"),
            &u("http://127.0.0.1:2/a")
        ));
        assert!(!same_origin(
            &u("https://api.test/a"),
            &u("https://api.test.evil/a")
        ));
    }
}

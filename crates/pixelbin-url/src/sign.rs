//! Signing of Pixelbin CDN URLs (`pbs`, `pbe`, `pbt`) and the check of signed URLs.
//!
//! `pbs = hex(HMAC-SHA256(token, path_without_leading_slash + expiry))`, `pbe` is the expiry
//! as a unix time in seconds and `pbt` the access key (token id). Only the path is signed: the
//! query may carry other parameters (`dpr`, `f_auto`, ...) before or after signing.

use std::borrow::Cow;
use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::UrlError;
use crate::query::{Query, quote_plus_into};
use crate::split;

type HmacSha256 = Hmac<Sha256>;

/// The MAC over `path_without_leading_slash + expiry`, ready to finalise or verify.
fn url_mac(url_path: &str, expiry_timestamp: u64, token: &str) -> HmacSha256 {
    let mut digits = [0u8; 20];
    url_mac_digits(url_path, decimal(expiry_timestamp, &mut digits), token)
}

/// [`url_mac`] with the expiry already written in decimal.
fn url_mac_digits(url_path: &str, expiry_digits: &str, token: &str) -> HmacSha256 {
    let path = url_path.strip_prefix('/').unwrap_or(url_path);
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(token.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(path.as_bytes());
    mac.update(expiry_digits.as_bytes());
    mac
}

/// Computes the `pbs` signature: `hex(HMAC-SHA256(token, path_without_leading_slash + expiry))`.
///
/// `url_path` is the path of the URL as written (not percent-decoded), with or without its
/// leading `/`.
///
/// ```
/// let pbs = pixelbin_url::generate_signature(
///     "/v2/dummy-cloudname/original/__playground/playground-default.jpeg",
///     1695635915,
///     "dummy-token",
/// );
/// assert_eq!(pbs, "8eb6a00af74e57967a42316e4de238aa88d92961649764fad1832c1bff101f25");
/// ```
pub fn generate_signature(url_path: &str, expiry_timestamp: u64, token: &str) -> String {
    let mut hex = [0u8; 64];
    hex_signature(url_mac(url_path, expiry_timestamp, token), &mut hex).to_owned()
}

fn hex_signature(mac: HmacSha256, out: &mut [u8; 64]) -> &str {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (pair, byte) in out.chunks_exact_mut(2).zip(mac.finalize().into_bytes()) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 15)];
    }
    // Only ASCII hex digits were written.
    std::str::from_utf8(out).unwrap_or_default()
}

/// Writes `n` in decimal into `buf` and returns it as text.
fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[start..]).unwrap_or_default()
}

/// Signs `url` so that it is valid until `expiry_timestamp` (a unix time in seconds).
///
/// This is the clock-free form of [`sign_url`]: `pbe` is exactly `expiry_timestamp`, so it
/// works where there is no system clock (wasm) and gives reproducible results.
/// The query is rewritten as the reference does: existing parameters are decoded and
/// re-encoded (those without a value are dropped), then `pbs`, `pbe` and `pbt` are set.
///
/// # Errors
/// [`UrlError::AlreadySigned`] when the URL has a `pbs` parameter already, and
/// [`UrlError::InvalidHost`] when its host part is malformed.
///
/// ```
/// let signed = pixelbin_url::sign_url_at(
///     "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg",
///     1695635915,
///     "6227274d-92c9-4b74-bef8-2528542516d8",
///     "dummy-token",
/// )?;
/// assert_eq!(
///     signed,
///     "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg\
///      ?pbs=8eb6a00af74e57967a42316e4de238aa88d92961649764fad1832c1bff101f25\
///      &pbe=1695635915&pbt=6227274d-92c9-4b74-bef8-2528542516d8"
/// );
/// # Ok::<(), pixelbin_url::UrlError>(())
/// ```
pub fn sign_url_at(
    url: &str,
    expiry_timestamp: u64,
    access_key: &str,
    token: &str,
) -> Result<String, UrlError> {
    let cleaned = split::clean(url);
    let parts = split::urlparse(&cleaned)?;
    let mut query = Query::parse(parts.query);
    if query.contains("pbs") {
        return Err(UrlError::AlreadySigned);
    }
    let mut digits = [0u8; 20];
    let expiry = decimal(expiry_timestamp, &mut digits);
    let mut hex = [0u8; 64];
    let signature = hex_signature(url_mac_digits(parts.path, expiry, token), &mut hex);

    let mut out = String::with_capacity(cleaned.len() + 100 + 3 * access_key.len());
    parts.unparse_head(&mut out);
    out.push('?');
    if query.contains("pbe") || query.contains("pbt") {
        // Assigning replaces those in place, as in the reference's dict.
        query.set("pbs", Cow::Borrowed(signature));
        query.set("pbe", Cow::Borrowed(expiry));
        query.set("pbt", Cow::Borrowed(access_key));
        query.encode_into(&mut out);
    } else {
        // The usual case: the three go at the end. Hex digits and decimal digits need no
        // quoting.
        if !query.is_empty() {
            query.encode_into(&mut out);
            out.push('&');
        }
        out.push_str("pbs=");
        out.push_str(signature);
        out.push_str("&pbe=");
        out.push_str(expiry);
        out.push_str("&pbt=");
        quote_plus_into(access_key, &mut out);
    }
    parts.unparse_fragment(&mut out);
    Ok(out)
}

/// Signs `url` so that it is valid for `expiry_seconds` from now (system clock).
///
/// Same as [`sign_url_at`] with `now + expiry_seconds`.
///
/// # Errors
/// As [`sign_url_at`], plus [`UrlError::ExpiryOutOfRange`] when the expiry overflows and
/// [`UrlError::ClockUnavailable`] on `wasm32-unknown-unknown`, which has no clock (call
/// [`sign_url_at`] there).
///
/// ```
/// let signed = pixelbin_url::sign_url(
///     "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg",
///     20,
///     "6227274d-92c9-4b74-bef8-2528542516d8",
///     "dummy-token",
/// )?;
/// assert!(signed.contains("?pbs=") && signed.contains("&pbe=") && signed.contains("&pbt="));
/// # Ok::<(), pixelbin_url::UrlError>(())
/// ```
pub fn sign_url(
    url: &str,
    expiry_seconds: u64,
    access_key: &str,
    token: &str,
) -> Result<String, UrlError> {
    let expiry = unix_now()?
        .checked_add(expiry_seconds)
        .ok_or(UrlError::ExpiryOutOfRange)?;
    sign_url_at(url, expiry, access_key, token)
}

/// The current unix time in whole seconds.
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub(crate) fn unix_now() -> Result<u64, UrlError> {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .map_err(|_| UrlError::ExpiryOutOfRange)
}

/// `std::time::SystemTime::now` panics on `wasm32-unknown-unknown`, so say so instead.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
pub(crate) fn unix_now() -> Result<u64, UrlError> {
    Err(UrlError::ClockUnavailable)
}

/// The arguments of the reference's `sign_url`, as data: for callers that receive them
/// loosely typed (JSON, a command line). With the `serde` feature,
/// `SignUrlRequest::from_json` reads them with the reference's checks and messages.
///
/// `Debug` leaves the token out.
#[derive(Clone, PartialEq, Eq)]
pub struct SignUrlRequest {
    /// The URL to sign.
    pub url: String,
    /// How long the signed URL stays valid, in seconds from the signing time.
    pub expiry_seconds: i64,
    /// The access key (token id), written as `pbt`.
    pub access_key: String,
    /// The signing token (secret).
    pub token: String,
}

impl fmt::Debug for SignUrlRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignUrlRequest")
            .field("url", &self.url)
            .field("expiry_seconds", &self.expiry_seconds)
            .field("access_key", &self.access_key)
            .field("token", &crate::redact::Redacted)
            .finish()
    }
}

impl SignUrlRequest {
    /// Signs with `pbe = now + expiry_seconds` (`now` in unix seconds).
    ///
    /// # Errors
    /// [`UrlError::ExpiryOutOfRange`] when the expiry falls before 1970 or overflows, and
    /// those of [`sign_url_at`].
    pub fn sign_at(&self, now: u64) -> Result<String, UrlError> {
        let expiry = u64::try_from(i128::from(now) + i128::from(self.expiry_seconds))
            .map_err(|_| UrlError::ExpiryOutOfRange)?;
        sign_url_at(&self.url, expiry, &self.access_key, &self.token)
    }

    /// Signs with the system clock.
    ///
    /// # Errors
    /// As [`SignUrlRequest::sign_at`], plus [`UrlError::ClockUnavailable`] on
    /// `wasm32-unknown-unknown`.
    pub fn sign(&self) -> Result<String, UrlError> {
        self.sign_at(unix_now()?)
    }
}

/// The signature parameters read from a signed URL.
///
/// `Debug` leaves the signature out: a signed URL is a credential until it expires.
#[derive(Clone, PartialEq, Eq)]
pub struct SignatureParams {
    /// `pbe`: the unix time (seconds) the URL is valid until, inclusive.
    pub expiry: u64,
    /// `pbt`: the access key (token id) the URL was signed for, when present.
    pub access_key: Option<String>,
    signature: [u8; 32],
}

impl fmt::Debug for SignatureParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignatureParams")
            .field("expiry", &self.expiry)
            .field("access_key", &self.access_key)
            .field("signature", &crate::redact::Redacted)
            .finish()
    }
}

/// Reads `pbs`, `pbe` and `pbt` from a signed URL without checking them.
///
/// Use it to find out which access key (`pbt`) signed a URL, to look up its token, then call
/// [`verify_signed_url`]. `url` may be a full URL or just `path?query`.
///
/// # Errors
/// [`UrlError::MissingSignatureParam`] when `pbs` or `pbe` is absent,
/// [`UrlError::MalformedSignatureParam`] when one is repeated, `pbs` is not 64 hex digits or
/// `pbe` is not a number, and [`UrlError::InvalidHost`] for a malformed host.
pub fn read_signature(url: &str) -> Result<SignatureParams, UrlError> {
    let cleaned = split::clean(url);
    let parts = split::urlparse(&cleaned)?;
    read_params(&Query::parse(parts.query))
}

fn single<'q>(query: &'q Query<'_>, name: &'static str) -> Result<Option<&'q str>, UrlError> {
    let mut values = query.values(name);
    let first = values.next();
    if values.next().is_some() {
        return Err(UrlError::MalformedSignatureParam { name });
    }
    Ok(first)
}

fn read_params(query: &Query<'_>) -> Result<SignatureParams, UrlError> {
    let pbs = single(query, "pbs")?.ok_or(UrlError::MissingSignatureParam { name: "pbs" })?;
    let pbe = single(query, "pbe")?.ok_or(UrlError::MissingSignatureParam { name: "pbe" })?;
    let pbt = single(query, "pbt")?;
    let mut signature = [0u8; 32];
    hex::decode_to_slice(pbs, &mut signature)
        .map_err(|_| UrlError::MalformedSignatureParam { name: "pbs" })?;
    let expiry = if !pbe.is_empty() && pbe.bytes().all(|b| b.is_ascii_digit()) {
        pbe.parse::<u64>().ok()
    } else {
        None
    }
    .ok_or(UrlError::MalformedSignatureParam { name: "pbe" })?;
    Ok(SignatureParams {
        expiry,
        access_key: pbt.map(str::to_owned),
        signature,
    })
}

/// Checks a signed URL against the current clock: [`verify_signed_url_at`] with the system's
/// unix time.
///
/// # Errors
/// As [`verify_signed_url_at`], plus [`UrlError::ClockUnavailable`] on
/// `wasm32-unknown-unknown`, which has no clock (call [`verify_signed_url_at`] there).
///
/// ```
/// use pixelbin_url::{sign_url, verify_signed_url, UrlError};
///
/// let url = "https://cdn.pixelbin.io/v2/my-cloud/original/photo.jpeg";
/// let signed = sign_url(url, 600, "key-id", "token")?;
/// assert_eq!(verify_signed_url(&signed, "token")?.access_key.as_deref(), Some("key-id"));
/// assert_eq!(verify_signed_url(&signed, "other-token"), Err(UrlError::SignatureMismatch));
/// # Ok::<(), UrlError>(())
/// ```
pub fn verify_signed_url(url: &str, token: &str) -> Result<SignatureParams, UrlError> {
    verify_signed_url_at(url, token, unix_now()?)
}

/// Checks a signed URL: recomputes `pbs` from the URL's path and `pbe` with `token`, compares
/// it in constant time, then checks that `now` (unix seconds) is not after `pbe`.
///
/// # Errors
/// Those of [`read_signature`], then [`UrlError::SignatureMismatch`] and
/// [`UrlError::Expired`].
///
/// ```
/// use pixelbin_url::{sign_url_at, verify_signed_url_at, UrlError};
///
/// let url = "https://cdn.pixelbin.io/v2/my-cloud/original/photo.jpeg";
/// let signed = sign_url_at(url, 1_700_000_600, "key-id", "token")?;
/// let params = verify_signed_url_at(&signed, "token", 1_700_000_000)?;
/// assert_eq!(params.access_key.as_deref(), Some("key-id"));
///
/// assert_eq!(verify_signed_url_at(&signed, "other-token", 1_700_000_000), Err(UrlError::SignatureMismatch));
/// assert!(matches!(verify_signed_url_at(&signed, "token", 1_700_000_601), Err(UrlError::Expired { .. })));
/// # Ok::<(), UrlError>(())
/// ```
pub fn verify_signed_url_at(url: &str, token: &str, now: u64) -> Result<SignatureParams, UrlError> {
    let cleaned = split::clean(url);
    let parts = split::urlparse(&cleaned)?;
    let params = read_params(&Query::parse(parts.query))?;
    url_mac(parts.path, params.expiry, token)
        .verify_slice(&params.signature)
        .map_err(|_| UrlError::SignatureMismatch)?;
    if now > params.expiry {
        return Err(UrlError::Expired {
            expiry: params.expiry,
            now,
        });
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAYGROUND: &str =
        "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg";

    #[test]
    fn known_answer_from_the_design() {
        assert_eq!(
            generate_signature(
                "/v2/dummy-cloudname/original/__playground/playground-default.jpeg",
                1695635915,
                "dummy-token"
            ),
            "8eb6a00af74e57967a42316e4de238aa88d92961649764fad1832c1bff101f25"
        );
    }

    #[test]
    fn leading_slash_is_optional() {
        assert_eq!(
            generate_signature("/a/b", 1, "t"),
            generate_signature("a/b", 1, "t")
        );
    }

    #[test]
    fn decimal_writes_all_digits() {
        let mut buf = [0u8; 20];
        assert_eq!(decimal(0, &mut buf), "0");
        assert_eq!(decimal(u64::MAX, &mut buf), u64::MAX.to_string());
    }

    #[test]
    fn refuses_signed_urls() {
        let url = format!("{PLAYGROUND}?pbs=abc&pbe=1&pbt=2");
        assert_eq!(sign_url_at(&url, 5, "k", "t"), Err(UrlError::AlreadySigned));
        let encoded = format!("{PLAYGROUND}?%70bs=abc");
        assert_eq!(
            sign_url_at(&encoded, 5, "k", "t"),
            Err(UrlError::AlreadySigned)
        );
        // An empty `pbs` is no signature (the reference's parse_qs drops it).
        let empty = format!("{PLAYGROUND}?pbs=");
        assert!(sign_url_at(&empty, 5, "k", "t").is_ok());
    }

    #[test]
    fn existing_pbe_and_pbt_are_replaced_in_place() {
        let signed = sign_url_at(
            &format!("{PLAYGROUND}?pbt=old&a=1&pbe=2&pbe=3"),
            7,
            "k",
            "t",
        )
        .expect("signs");
        let sig = generate_signature(
            "/v2/dummy-cloudname/original/__playground/playground-default.jpeg",
            7,
            "t",
        );
        assert_eq!(signed, format!("{PLAYGROUND}?pbt=k&a=1&pbe=7&pbs={sig}"));
    }

    #[test]
    fn keeps_and_reencodes_the_query() {
        let signed =
            sign_url_at(&format!("{PLAYGROUND}?dpr=2.0&x=a b#frag"), 7, "k y", "t").expect("signs");
        let sig = generate_signature(
            "/v2/dummy-cloudname/original/__playground/playground-default.jpeg",
            7,
            "t",
        );
        assert_eq!(
            signed,
            format!("{PLAYGROUND}?dpr=2.0&x=a+b&pbs={sig}&pbe=7&pbt=k+y#frag")
        );
    }

    #[test]
    fn verify_round_trip_and_failures() {
        let signed = sign_url_at(PLAYGROUND, 100, "key", "token").expect("signs");
        assert_eq!(
            verify_signed_url_at(&signed, "token", 100).map(|p| p.expiry),
            Ok(100)
        );
        assert_eq!(
            verify_signed_url_at(&signed, "token", 101),
            Err(UrlError::Expired {
                expiry: 100,
                now: 101
            })
        );
        assert_eq!(
            verify_signed_url_at(&signed, "nope", 0),
            Err(UrlError::SignatureMismatch)
        );
        let moved = signed.replace("original", "t.flip()");
        assert_eq!(
            verify_signed_url_at(&moved, "token", 0),
            Err(UrlError::SignatureMismatch)
        );
        let later = signed.replace("pbe=100", "pbe=200");
        assert_eq!(
            verify_signed_url_at(&later, "token", 0),
            Err(UrlError::SignatureMismatch)
        );
        // Path and query alone verify too (what a server sees).
        let path_only = signed.trim_start_matches("https://cdn.pixelbin.io");
        assert!(verify_signed_url_at(path_only, "token", 0).is_ok());
    }

    #[test]
    fn malformed_params() {
        assert_eq!(
            read_signature(PLAYGROUND),
            Err(UrlError::MissingSignatureParam { name: "pbs" })
        );
        let bad_hex = format!("{PLAYGROUND}?pbs=zz&pbe=1");
        assert_eq!(
            read_signature(&bad_hex),
            Err(UrlError::MalformedSignatureParam { name: "pbs" })
        );
        let sig = "0".repeat(64);
        let bad_pbe = format!("{PLAYGROUND}?pbs={sig}&pbe=-1");
        assert_eq!(
            read_signature(&bad_pbe),
            Err(UrlError::MalformedSignatureParam { name: "pbe" })
        );
        let twice = format!("{PLAYGROUND}?pbs={sig}&pbe=1&pbe=2");
        assert_eq!(
            read_signature(&twice),
            Err(UrlError::MalformedSignatureParam { name: "pbe" })
        );
    }

    #[test]
    fn request_signs_relative_to_now() {
        let request = SignUrlRequest {
            url: PLAYGROUND.into(),
            expiry_seconds: -5,
            access_key: "k".into(),
            token: "dummy-token".into(),
        };
        assert_eq!(request.sign_at(3), Err(UrlError::ExpiryOutOfRange));
        assert!(request.sign_at(10).is_ok_and(|url| url.contains("&pbe=5&")));
        let shown = format!("{request:?}");
        assert!(
            !shown.contains("dummy-token") && shown.contains("token: [REDACTED]"),
            "{shown}"
        );
    }

    #[test]
    fn debug_redacts_the_signature() {
        let signed = sign_url_at(PLAYGROUND, 100, "key", "token").expect("signs");
        let params = read_signature(&signed).expect("reads");
        let shown = format!("{params:?}");
        assert!(shown.contains("signature: [REDACTED]"), "{shown}");
        // The signed URL itself, when shown, has its query redacted with the same marker.
        let url = crate::redact::redact_url(&signed);
        assert!(
            url.contains("pbs=[REDACTED]") && url.contains("pbt=[REDACTED]"),
            "{url}"
        );
        let pbs = generate_signature(
            "/v2/dummy-cloudname/original/__playground/playground-default.jpeg",
            100,
            "token",
        );
        assert!(!shown.contains(&pbs[..16]), "{shown}");
    }
}

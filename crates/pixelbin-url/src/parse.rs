//! URL to object: [`url_to_obj`].
//!
//! The path layouts, tried in this order (as the reference does):
//!
//! | Pixelbin CDN                                    | custom domain                      |
//! |-------------------------------------------------|------------------------------------|
//! | `/[v1\|v2/]<cloud>/<zone>/wrkr/<worker path>`   | `/v1\|v2/<zone>/wrkr/<worker path>` |
//! | `/[v1\|v2/]<cloud>/wrkr/<worker path>`          | `/v1\|v2/wrkr/<worker path>`        |
//! | `/[v1\|v2/]<cloud>/<zone>/<pattern>/<file path>` | `/v1\|v2/<zone>/<pattern>/<file path>` |
//! | `/[v1\|v2/]<cloud>/<pattern>/<file path>`       | `/v1\|v2/<pattern>/<file path>`     |
//!
//! A cloud name is `[a-zA-Z0-9_-]` (at least 3), a zone exactly 6 of those.

use std::borrow::Cow;

use crate::scan;
use crate::split::{self, UrlParts};
use crate::{Dpr, UrlError, UrlObj, UrlOptions, UrlToObjOptions, parse_pattern};

/// Takes a Pixelbin URL apart.
///
/// Text fields borrow from `url` (call [`UrlObj::into_owned`] to keep the object longer).
///
/// # Errors
/// - [`UrlError::InvalidUrl`] (the reference's error) when the path has no Pixelbin layout,
///   [`UrlError::IncompletePath`], [`UrlError::UnrecognisedPath`] and
///   [`UrlError::InvalidHost`] where the reference crashes;
/// - [`UrlError::InvalidDpr`] / [`UrlError::InvalidFAuto`] for bad `dpr` / `f_auto` values;
/// - [`UrlError::InvalidPattern`] when the transformation pattern cannot be read.
///
/// ```
/// use pixelbin_url::{url_to_obj, UrlToObjOptions};
///
/// let obj = url_to_obj(
///     "https://cdn.pixelbin.io/v2/my-cloud/t.resize(h:100)/photo.jpeg",
///     UrlToObjOptions::default(),
/// )?;
/// assert_eq!(obj.cloud_name.as_deref(), Some("my-cloud"));
/// assert_eq!(obj.transformations[0].param("h"), Some("100"));
/// # Ok::<(), pixelbin_url::UrlError>(())
/// ```
pub fn url_to_obj(url: &str, opts: UrlToObjOptions) -> Result<UrlObj<'_>, UrlError> {
    if let Some(parts) = split::split_plain(url) {
        // The usual URL: `scheme://host` is written as the reference gives it back.
        let base_url = &url[..parts.scheme.len() + 3 + parts.netloc.len()];
        debug_assert_eq!(base_url, self::base_url(url, &parts));
        return read_parts(&parts, Cow::Borrowed(base_url), opts);
    }
    match split::clean(url) {
        Cow::Borrowed(url) => parse_clean(url, opts),
        Cow::Owned(url) => parse_clean(&url, opts).map(UrlObj::into_owned),
    }
}

fn parse_clean(url: &str, opts: UrlToObjOptions) -> Result<UrlObj<'_>, UrlError> {
    let parts = split::urlparse(url)?;
    read_parts(&parts, base_url(url, &parts), opts)
}

/// The object from the parts of a URL and its base URL.
fn read_parts<'a>(
    parts: &UrlParts<'a>,
    base_url: Cow<'a, str>,
    opts: UrlToObjOptions,
) -> Result<UrlObj<'a>, UrlError> {
    let layout = if opts.is_custom_domain {
        custom_domain_layout(parts.path)?
    } else {
        pixelbin_layout(parts.path)?
    };
    // The reference reads the query before it notices a custom-domain path it cannot place.
    let options = parse_options(parts.query)?;
    let layout = layout.ok_or_else(|| UrlError::UnrecognisedPath {
        path: parts.path.to_owned(),
    })?;
    let transformations = if layout.pattern.is_empty() {
        Vec::new()
    } else {
        parse_pattern(layout.pattern)?
    };
    Ok(UrlObj {
        base_url,
        version: Cow::Borrowed(layout.version),
        cloud_name: layout.cloud_name.map(Cow::Borrowed),
        zone: layout.zone.map(Cow::Borrowed),
        pattern: Cow::Borrowed(layout.pattern),
        file_path: Cow::Borrowed(layout.file_path),
        worker: layout.worker,
        worker_path: Cow::Borrowed(layout.worker_path),
        options,
        transformations,
        is_custom_domain: opts.is_custom_domain,
        skipped_transformations: 0,
    })
}

/// `scheme://hostname[:port]`: the reference's `scheme://hostname` (lower case; `None` for a
/// missing host), plus the port, which the reference drops (a deliberate difference: a URL
/// on `127.0.0.1:36349` must rebuild to the same origin). An IPv6 host with a port keeps its
/// brackets. Borrowed from the URL when it is written that way already.
fn base_url<'a>(url: &'a str, parts: &UrlParts<'a>) -> Cow<'a, str> {
    let host = parts.hostname();
    if let Some(port) = parts.port() {
        let host = host.as_deref().unwrap_or("None");
        let scheme = parts.scheme.to_ascii_lowercase();
        return Cow::Owned(if host.contains(':') {
            format!("{scheme}://[{host}]:{port}")
        } else {
            format!("{scheme}://{host}:{port}")
        });
    }
    let plain = !parts.scheme.is_empty()
        && !parts.scheme.bytes().any(|b| b.is_ascii_uppercase())
        && matches!(&host, Some(Cow::Borrowed(h)) if *h == parts.netloc);
    if plain {
        // The URL starts with `scheme://netloc` exactly.
        let len = parts.scheme.len() + 3 + parts.netloc.len();
        if let Some(prefix) = url.get(..len) {
            return Cow::Borrowed(prefix);
        }
    }
    Cow::Owned(format!(
        "{}://{}",
        parts.scheme.to_ascii_lowercase(),
        host.as_deref().unwrap_or("None")
    ))
}

/// Where the parts of a URL sit in its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout<'a> {
    version: &'a str,
    cloud_name: Option<&'a str>,
    zone: Option<&'a str>,
    pattern: &'a str,
    file_path: &'a str,
    worker: bool,
    worker_path: &'a str,
}

impl<'a> Layout<'a> {
    fn worker(
        version: &'a str,
        cloud_name: Option<&'a str>,
        zone: Option<&'a str>,
        path: &'a str,
    ) -> Self {
        Layout {
            version,
            cloud_name,
            zone,
            pattern: "",
            file_path: "",
            worker: true,
            worker_path: path,
        }
    }

    fn file(
        version: &'a str,
        cloud_name: Option<&'a str>,
        zone: Option<&'a str>,
        pattern: &'a str,
        file_path: &'a str,
    ) -> Self {
        Layout {
            version,
            cloud_name,
            zone,
            pattern,
            file_path,
            worker: false,
            worker_path: "",
        }
    }
}

/// `[a-zA-Z0-9_-]`, the characters of cloud names and zones.
const SLUG: [bool; 256] =
    scan::byte_table!(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');

/// [`SLUG`] flags of the eight bytes of `word` (see [`scan::ascii_run`]).
#[inline(always)]
fn slug_flags(word: u64) -> u64 {
    const CASE: u64 = 0x2020_2020_2020_2020;
    scan::in_range(word | CASE, b'a', b'z')
        | scan::in_range(word, b'0', b'9')
        | scan::equal(word, b'_')
        | scan::equal(word, b'-')
}

fn is_slug(s: &str) -> bool {
    s.bytes().all(|b| SLUG[usize::from(b)])
}

fn is_zone(s: &str) -> bool {
    s.len() == 6 && is_slug(s)
}

fn is_version(s: &str) -> bool {
    s == "v1" || s == "v2"
}

/// The first segment of `s` and what follows its `/` (`None` when there is no `/`).
#[inline(always)]
fn segment(s: &str) -> (&str, Option<&str>) {
    match scan::split_once(s, b'/') {
        Some((first, rest)) => (first, Some(rest)),
        None => (s, None),
    }
}

/// The layouts tried after `/<cloud>/` (Pixelbin CDN) or `/<version>/` (custom domain).
/// `rest` is what follows that prefix. Each `/` is looked for once.
fn place<'a>(version: &'a str, cloud_name: Option<&'a str>, rest: &'a str) -> Option<Layout<'a>> {
    // Most URLs have a zone: six slug characters then `/`, told without looking further.
    let (first, after_first, zone) = match rest.as_bytes().get(6) {
        Some(b'/') if is_slug(&rest[..6]) => (&rest[..6], Some(&rest[7..]), true),
        _ => {
            let (first, after_first) = segment(rest);
            (first, after_first, is_zone(first))
        }
    };
    let second = after_first.map(segment);
    if zone && let Some(("wrkr", Some(worker_path))) = second {
        return Some(Layout::worker(
            version,
            cloud_name,
            Some(first),
            worker_path,
        ));
    }
    if first == "wrkr"
        && let Some(worker_path) = after_first
    {
        return Some(Layout::worker(version, cloud_name, None, worker_path));
    }
    if zone
        && let Some((pattern, Some(file_path))) = second
        && inner_slash(pattern, file_path)
    {
        return Some(Layout::file(
            version,
            cloud_name,
            Some(first),
            pattern,
            file_path,
        ));
    }
    if let Some(after_first) = after_first
        && inner_slash(first, after_first)
    {
        return Some(Layout::file(version, cloud_name, None, first, after_first));
    }
    None
}

/// Whether `head/tail` (a segment, then what follows its `/`) has a `/` after its first
/// character: true unless `head` is empty, when `tail` must hold another `/`.
fn inner_slash(head: &str, tail: &str) -> bool {
    !head.is_empty() || scan::find(tail, b'/').is_some()
}

fn pixelbin_layout(path: &str) -> Result<Option<Layout<'_>>, UrlError> {
    let incomplete = || UrlError::IncompletePath {
        path: path.to_owned(),
    };
    let (root, mut rest) = match scan::strip_byte(path, b'/') {
        Some(rest) => ("", rest),
        None => match segment(path) {
            (root, Some(rest)) => (root, rest),
            (_, None) => return Err(incomplete()),
        },
    };
    // The first segment is a version when it is `v1` or `v2` exactly.
    let mut version = "v1";
    if let [b'v', b'1' | b'2', next @ ..] = rest.as_bytes()
        && next.first().is_none_or(|&b| b == b'/')
    {
        version = &rest[..2];
        rest = rest.get(3..).ok_or_else(incomplete)?;
    }
    // The cloud name: the next segment, at least 3 characters of [a-zA-Z0-9_-]. The first
    // byte that is not one of those must be the `/` ending it, or no layout fits; nor does
    // one fit a path not starting with `/`.
    let cloud_len = scan::ascii_run(rest.as_bytes(), slug_flags);
    if cloud_len < 3 || rest.as_bytes().get(cloud_len) != Some(&b'/') || !root.is_empty() {
        return Err(UrlError::InvalidUrl);
    }
    let (cloud_name, after_cloud) = (&rest[..cloud_len], &rest[cloud_len + 1..]);
    match place(version, Some(cloud_name), after_cloud) {
        Some(layout) => Ok(Some(layout)),
        None => Err(UrlError::InvalidUrl),
    }
}

fn custom_domain_layout(path: &str) -> Result<Option<Layout<'_>>, UrlError> {
    let (root, Some(rest)) = segment(path) else {
        return Err(UrlError::IncompletePath {
            path: path.to_owned(),
        });
    };
    let (version, after_version) = segment(rest);
    if !is_version(version) {
        return Err(UrlError::InvalidUrl);
    }
    if !root.is_empty() {
        return Ok(None);
    }
    Ok(after_version.and_then(|rest| place(version, None, rest)))
}

/// Reads `dpr` and `f_auto` from the raw query; other parameters are ignored, as are
/// fields without exactly one `=`. A repeated option takes its last value.
fn parse_options(query: &str) -> Result<UrlOptions, UrlError> {
    let mut options = UrlOptions::default();
    let mut rest = Some(query);
    while let Some(fields) = rest {
        // A field's name is the text before its first `=`, so the name is `dpr` exactly when
        // the field starts with `dpr=`; other fields are only skipped.
        if let Some(after) = fields.strip_prefix("dpr=") {
            let (value, next) = field_value(after);
            rest = next;
            if let Some(value) = value {
                options.dpr = Some(Dpr::parse(value)?);
            }
        } else if let Some(after) = fields.strip_prefix("f_auto=") {
            let (value, next) = field_value(after);
            rest = next;
            if let Some(value) = value {
                let f_auto = match value {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(UrlError::InvalidFAuto {
                            value: value.to_owned(),
                        });
                    }
                };
                if options.f_auto.is_none() && options.dpr.is_none() {
                    options.f_auto_first = true;
                }
                options.f_auto = Some(f_auto);
            }
        } else {
            rest = scan::split_once(fields, b'&').map(|(_, next)| next);
        }
    }
    Ok(options)
}

/// The value of a field, from after its first `=` up to the `&` that ends the field (`None`
/// when it holds another `=`), and what follows that `&` (`None` after the last field).
#[inline]
fn field_value(text: &str) -> (Option<&str>, Option<&str>) {
    match scan::find_any(text.as_bytes(), [b'&', b'=']) {
        None => (Some(text), None),
        Some(i) if text.as_bytes()[i] == b'&' => (Some(&text[..i]), Some(&text[i + 1..])),
        Some(_) => (None, scan::split_once(text, b'&').map(|(_, next)| next)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<UrlObj<'_>, UrlError> {
        url_to_obj(url, UrlToObjOptions::default())
    }

    fn custom(url: &str) -> Result<UrlObj<'_>, UrlError> {
        url_to_obj(
            url,
            UrlToObjOptions {
                is_custom_domain: true,
            },
        )
    }

    #[test]
    fn the_readme_url() {
        let obj = parse(
            "https://cdn.pixelbin.io/v2/your-cloud-name/z-slug/t.resize(h:100,w:200)~t.flip()/path/to/image.jpeg?dpr=2.0&f_auto=true",
        )
        .expect("parses");
        assert_eq!(obj.base_url, "https://cdn.pixelbin.io");
        assert!(matches!(obj.base_url, Cow::Borrowed(_)));
        assert_eq!(obj.version, "v2");
        assert_eq!(obj.cloud_name.as_deref(), Some("your-cloud-name"));
        assert_eq!(obj.zone.as_deref(), Some("z-slug"));
        assert_eq!(obj.pattern, "t.resize(h:100,w:200)~t.flip()");
        assert_eq!(obj.file_path, "path/to/image.jpeg");
        assert_eq!(
            obj.options,
            UrlOptions::new(Some(Dpr::Value(2.0)), Some(true))
        );
        assert_eq!(obj.transformations.len(), 2);
        assert!(!obj.worker);
    }

    #[test]
    fn versions_and_zones() {
        let obj = parse("https://cdn.pixelbin.io/red-scene-95b6ea/zonesl/t.resize()/a.jpeg")
            .expect("parses");
        assert_eq!(obj.version, "v1");
        assert_eq!(obj.zone.as_deref(), Some("zonesl"));
        assert_eq!(
            parse("https://cdn.pixelbin.io/v3/abc/original/a.jpeg").err(),
            Some(UrlError::InvalidUrl)
        );
        assert_eq!(
            parse("https://cdn.pixelbin.io/v2/ab/original/x").err(),
            Some(UrlError::InvalidUrl)
        );
        assert_eq!(
            parse("https://cdn.pixelbin.io/v2/abc/x.jpeg").err(),
            Some(UrlError::InvalidUrl)
        );
        assert!(matches!(
            parse("https://cdn.pixelbin.io/v2"),
            Err(UrlError::IncompletePath { .. })
        ));
        assert!(matches!(parse(""), Err(UrlError::IncompletePath { .. })));
    }

    #[test]
    fn odd_but_accepted_urls() {
        let obj = parse("https://cdn.pixelbin.io/abc/original/").expect("parses");
        assert_eq!((obj.version.as_ref(), obj.file_path.as_ref()), ("v1", ""));
        let obj = parse("/v2/abc/original/x.jpeg").expect("parses");
        assert_eq!(obj.base_url, "://None");
        let obj =
            parse("HTTPS://User:pw@CDN.pixelbin.io:8080/v2/abc/original/x.jpeg").expect("parses");
        assert_eq!(obj.base_url, "https://cdn.pixelbin.io:8080");
        let obj = parse("https://[::1]/v2/abc/original/x.jpeg").expect("parses");
        assert_eq!(obj.base_url, "https://::1");
        let obj = parse("https://cdn.pixelbin.io/v2/abc/zonesl//a/b").expect("parses");
        assert_eq!((obj.pattern.as_ref(), obj.file_path.as_ref()), ("", "a/b"));
    }

    #[test]
    fn the_port_survives_parse_and_build() {
        for url in [
            "http://127.0.0.1:36349/v2/my-cloud/t.resize(w:300)/a.jpeg",
            "http://localhost:8080/v2/my-cloud/original/a.jpeg?dpr=2.0",
            "https://[::1]:8443/v2/my-cloud/original/a.jpeg",
        ] {
            let obj = parse(url).expect("parses");
            assert_eq!(crate::obj_to_url(&obj).as_deref(), Ok(url));
        }
        // A port-less URL and an empty port give the reference's answer.
        assert_eq!(
            parse("http://127.0.0.1:/v2/my-cloud/original/a.jpeg").map(|o| o.base_url),
            Ok(Cow::Borrowed("http://127.0.0.1"))
        );
    }

    #[test]
    fn workers() {
        let obj = parse("https://cdn.pixelbin.io/v2/falling-surf-7c8bb8/fyndnp/wrkr/robots.txt")
            .expect("parses");
        assert!(obj.worker);
        assert_eq!(obj.zone.as_deref(), Some("fyndnp"));
        assert_eq!(obj.worker_path, "robots.txt");
        let obj =
            custom("https://cdn.twist.vision/v2/wrkr/resize:w200,h200/image.jpeg").expect("parses");
        assert_eq!(obj.worker_path, "resize:w200,h200/image.jpeg");
        let obj = custom("https://cdn.twist.vision/v2/original/z0/orgs/33/wrkr/icons/x.png")
            .expect("parses");
        assert!(!obj.worker);
        assert_eq!(obj.file_path, "z0/orgs/33/wrkr/icons/x.png");
    }

    #[test]
    fn custom_domains() {
        let obj = custom("https://cdn.twist.vision/v2/z-slug/t.resize(h:600,w:800)/W2.jpeg")
            .expect("parses");
        assert_eq!(obj.cloud_name, None);
        assert_eq!(obj.zone.as_deref(), Some("z-slug"));
        assert!(obj.is_custom_domain);
        assert_eq!(
            custom("https://cdn.twist.vision/v3/original/a").err(),
            Some(UrlError::InvalidUrl)
        );
        assert!(matches!(
            custom("https://cdn.twist.vision/v2"),
            Err(UrlError::UnrecognisedPath { .. })
        ));
        // The query is read first, as in the reference.
        assert!(matches!(
            custom("https://cdn.twist.vision/v2?dpr=9"),
            Err(UrlError::InvalidDpr { .. })
        ));
    }

    #[test]
    fn the_fast_path_answers_as_the_general_one() {
        let urls = [
            "https://cdn.pixelbin.io/v2/red-scene-95b6ea/z-slug/t.resize(h:100,w:200)~t.flip()~erase.bg(shadow:true)/path/to/image.jpeg?dpr=2.0&f_auto=true",
            "https://cdn.pixelbin.io/v2/cloud/original/a.jpeg?f_auto=false&dpr=auto",
            "https://cdn.pixelbin.io/cloud/z-slug/wrkr/resize:h100/a.jpeg",
            "https://cdn.pixelbin.io/v1/cloud/p:preset/a.jpeg?dpr=9",
            "https://cdn.pixelbin.io/v2/cl/original/a.jpeg",
            "https://cdn.pixelbin.io/v2/cloud/t.resize(h:1:2)/a.jpeg",
            "https://cdn.pixelbin.io/v2/cloud",
            "https://xyz.designify.media/v2/z-slug/t.flip()/a.jpeg?f_auto=yes",
            "https://xyz.designify.media/v3/z-slug/t.flip()/a.jpeg",
        ];
        for url in urls {
            assert!(split::split_plain(url).is_some(), "{url}");
            for is_custom_domain in [false, true] {
                let opts = UrlToObjOptions { is_custom_domain };
                let fast = url_to_obj(url, opts);
                let general = parse_clean(url, opts);
                // `Debug` shows the order `f_auto` and `dpr` were found in, too.
                assert_eq!(format!("{fast:?}"), format!("{general:?}"), "{url}");
            }
        }
    }

    #[test]
    fn slug_flags_match_the_table() {
        for b in 0..=255u8 {
            let flagged = slug_flags(u64::from(b) << 16) & 1 << 23 != 0;
            assert_eq!(flagged, SLUG[usize::from(b)], "{b}");
        }
    }

    #[test]
    fn query_options() {
        let opts = |q: &str| parse_options(q);
        assert_eq!(
            opts("dpr=2&dpr=3").map(|o| o.dpr),
            Ok(Some(Dpr::Value(3.0)))
        );
        assert_eq!(opts("f_auto=true=1&dpr=2").map(|o| o.f_auto), Ok(None));
        assert!(opts("f_auto=True").is_err());
        assert!(opts("dpr=abc").is_err());
        assert!(opts("f_auto=true&dpr=2").is_ok_and(|o| o.f_auto_first));
        assert!(opts("dpr=2&f_auto=true").is_ok_and(|o| !o.f_auto_first));
    }

    #[test]
    fn cleaned_urls_are_owned() {
        let obj = parse(" https://cdn.pixelbin.io/v2/ab\tc/original/a.jpeg\n").expect("parses");
        assert_eq!(obj.cloud_name.as_deref(), Some("abc"));
        assert_eq!(obj.file_path, "a.jpeg");
    }
}

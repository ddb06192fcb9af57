//! Object to URL: [`obj_to_url`].

use std::fmt::Write as _;

use crate::pattern::write_pattern;
use crate::{Dpr, UrlError, UrlObj};

/// Where in the reference's `obj_to_url` a fault is met: (step, transformation, check). Used
/// to report, among several faults, the one the reference reports.
pub(crate) type FaultPosition = (u8, usize, usize);

/// Steps of the reference's `obj_to_url`, in order. Building meets only some of them; the
/// others are met while reading JSON (`serde` feature).
#[cfg_attr(not(feature = "serde"), allow(dead_code))]
pub(crate) mod step {
    pub const CLOUD_NAME: u8 = 1;
    pub const FILE_PATH: u8 = 2;
    pub const WORKER_PATH: u8 = 3;
    pub const TRANSFORMATIONS: u8 = 4;
    pub const VERSION: u8 = 5;
    pub const ZONE: u8 = 6;
    pub const DPR: u8 = 7;
    pub const F_AUTO: u8 = 8;
    pub const JOIN: u8 = 9;
}

/// Builds a Pixelbin URL from its parts.
///
/// As the reference: `baseUrl`, version, cloud name, zone, pattern and file path (or `wrkr` and
/// the worker path) joined with `/`, each left out when empty; the pattern written from
/// `transformations` (`original` when there are none); a version other than `v1`/`v2` becomes
/// `v2`; a zone without six `[a-zA-Z0-9_-]` in a row is dropped; then `?dpr=...&f_auto=...`.
///
/// # Errors
/// The reference's own: [`UrlError::MissingCloudName`], [`UrlError::CloudNameOnCustomDomain`],
/// [`UrlError::MissingFilePath`], [`UrlError::MissingParamKey`],
/// [`UrlError::MissingParamValue`] and [`UrlError::InvalidDpr`].
///
/// ```
/// use pixelbin_url::{obj_to_url, ops::t, UrlObj};
///
/// let obj = UrlObj::new("my-cloud", "photo.jpeg").transform(t::flip()).dpr(2.0);
/// assert_eq!(
///     obj_to_url(&obj)?,
///     "https://cdn.pixelbin.io/v2/my-cloud/t.flip()/photo.jpeg?dpr=2.0"
/// );
/// # Ok::<(), pixelbin_url::UrlError>(())
/// ```
pub fn obj_to_url(obj: &UrlObj<'_>) -> Result<String, UrlError> {
    build(obj).map_err(|(_, error)| error)
}

/// [`obj_to_url`], also telling where the fault was met.
pub(crate) fn build(obj: &UrlObj<'_>) -> Result<String, (FaultPosition, UrlError)> {
    let has_cloud_name = obj.cloud_name.as_deref().is_some_and(|c| !c.is_empty());
    if !obj.is_custom_domain && !has_cloud_name {
        return Err(((step::CLOUD_NAME, 0, 0), UrlError::MissingCloudName));
    }
    if obj.is_custom_domain && has_cloud_name {
        return Err(((step::CLOUD_NAME, 0, 0), UrlError::CloudNameOnCustomDomain));
    }
    if !obj.worker && obj.file_path.is_empty() {
        return Err(((step::FILE_PATH, 0, 0), UrlError::MissingFilePath));
    }
    let version = if obj.version == "v1"
        || obj.version == "v2"
        // The reference's `^v[1-2]$` also matches before a final newline.
        || obj.version == "v1\n"
        || obj.version == "v2\n"
    {
        obj.version.as_ref()
    } else {
        "v2"
    };
    let zone = obj
        .zone
        .as_deref()
        .filter(|z| has_zone_slug(z))
        .unwrap_or("");
    let cloud_name = obj.cloud_name.as_deref().unwrap_or("");
    let last = if obj.worker {
        obj.worker_path.as_ref()
    } else {
        obj.file_path.as_ref()
    };

    let mut out = String::with_capacity(estimated_len(obj));
    let push_part = |out: &mut String, part: &str| {
        if !part.is_empty() {
            if !out.is_empty() {
                out.push('/');
            }
            out.push_str(part);
        }
    };
    push_part(&mut out, &obj.base_url);
    push_part(&mut out, version);
    push_part(&mut out, cloud_name);
    push_part(&mut out, zone);
    if obj.worker {
        push_part(&mut out, "wrkr");
    } else if obj.transformations.is_empty() && obj.skipped_transformations == 0 {
        push_part(&mut out, "original");
    } else if !obj.transformations.is_empty() {
        // Written in place: `/` first, then the pattern, which is never empty here.
        if !out.is_empty() {
            out.push('/');
        }
        write_pattern(&obj.transformations, &mut out)
            .map_err(|((index, check), error)| ((step::TRANSFORMATIONS, index, check), error))?;
    }
    push_part(&mut out, last);

    // Checked after the pattern, as the reference does.
    let dpr = obj
        .options
        .dpr
        .map(Dpr::validated)
        .transpose()
        .map_err(|error| ((step::DPR, 0, 0), error))?;
    if let Some(dpr) = dpr {
        out.push_str("?dpr=");
        match dpr {
            Dpr::Auto => out.push_str("auto"),
            // Within 0.1..=5.0, Rust's `{:?}` is Python's `repr` (shortest, `.0` on whole
            // numbers, no exponent).
            Dpr::Value(v) => write_dpr(v, &mut out),
        }
    }
    if let Some(f_auto) = obj.options.f_auto {
        out.push_str(if dpr.is_some() { "&" } else { "?" });
        out.push_str("f_auto=");
        out.push_str(if f_auto { "true" } else { "false" });
    }
    Ok(out)
}

/// Writes a valid dpr value as Python's `repr` does. Within 0.1..=5.0 that is Rust's `{:?}`
/// (shortest text, `.0` on whole numbers, no exponent); tenths, the usual values, are
/// written directly.
fn write_dpr(value: f64, out: &mut String) {
    let tenths = (value * 10.0).round();
    if (1.0..=50.0).contains(&tenths) && tenths / 10.0 == value {
        // `tenths` is a whole number from 1 to 50, so the casts are exact.
        let tenths = tenths as u8;
        out.push(char::from(b'0' + tenths / 10));
        out.push('.');
        out.push(char::from(b'0' + tenths % 10));
    } else {
        let _ = write!(out, "{value:?}");
    }
}

/// The reference keeps a zone when `[a-zA-Z0-9_-]{6}` is found anywhere in it.
fn has_zone_slug(zone: &str) -> bool {
    let mut run = 0;
    for b in zone.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            run += 1;
            if run == 6 {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// An upper estimate of the URL length, so that it is written without reallocating.
fn estimated_len(obj: &UrlObj<'_>) -> usize {
    let text = |s: Option<&str>| s.map_or(0, str::len) + 1;
    let pattern: usize = obj
        .transformations
        .iter()
        .map(|t| {
            t.plugin.len()
                + t.name.len()
                + 4
                + t.values
                    .iter()
                    .map(|p| p.key.len() + p.value.len() + 2)
                    .sum::<usize>()
        })
        .sum();
    text(Some(&obj.base_url))
        + text(Some(&obj.version)).max(3)
        + text(obj.cloud_name.as_deref())
        + text(obj.zone.as_deref())
        + pattern.max(9)
        + text(Some(&obj.file_path)).max(text(Some(&obj.worker_path)))
        + 5
        + 32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Transformation, UrlOptions};

    #[test]
    fn dpr_is_written_like_python() {
        let text = |v: f64| {
            let mut out = String::new();
            write_dpr(v, &mut out);
            out
        };
        assert_eq!(text(2.0), "2.0");
        assert_eq!(text(0.1), "0.1");
        assert_eq!(text(5.0), "5.0");
        assert_eq!(text(2.5), "2.5");
        assert_eq!(text(0.3), "0.3");
        assert_eq!(text(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(text(1.25), "1.25");
        for tenths in 1..=50u32 {
            let v = f64::from(tenths) / 10.0;
            assert_eq!(text(v), format!("{v:?}"));
        }
    }

    #[test]
    fn original_and_zone_rules() {
        let obj = UrlObj::new("red-scene-95b6ea", "a.jpeg").zone("z-slu1");
        assert_eq!(
            obj_to_url(&obj).as_deref(),
            Ok("https://cdn.pixelbin.io/v2/red-scene-95b6ea/z-slu1/original/a.jpeg")
        );
        let short_zone = UrlObj::new("c12", "a.jpeg").zone("abc");
        assert_eq!(
            obj_to_url(&short_zone).as_deref(),
            Ok("https://cdn.pixelbin.io/v2/c12/original/a.jpeg")
        );
        let long_zone = UrlObj::new("c12", "a.jpeg").zone("ab.cdefghi");
        assert_eq!(
            obj_to_url(&long_zone).as_deref(),
            Ok("https://cdn.pixelbin.io/v2/c12/ab.cdefghi/original/a.jpeg")
        );
    }

    #[test]
    fn version_fallback() {
        let obj = UrlObj::new("c12", "a.jpeg").version("v3");
        assert_eq!(
            obj_to_url(&obj).as_deref(),
            Ok("https://cdn.pixelbin.io/v2/c12/original/a.jpeg")
        );
        let obj = UrlObj::new("c12", "a.jpeg").version("v1");
        assert_eq!(
            obj_to_url(&obj).as_deref(),
            Ok("https://cdn.pixelbin.io/v1/c12/original/a.jpeg")
        );
    }

    #[test]
    fn skipped_transformations_drop_the_pattern() {
        let mut obj = UrlObj::new("c12", "a.jpeg");
        obj.skipped_transformations = 1;
        assert_eq!(
            obj_to_url(&obj).as_deref(),
            Ok("https://cdn.pixelbin.io/v2/c12/a.jpeg")
        );
    }

    #[test]
    fn reference_errors_in_order() {
        let mut obj = UrlObj::default();
        assert_eq!(obj_to_url(&obj), Err(UrlError::MissingCloudName));
        obj.is_custom_domain = true;
        assert_eq!(obj_to_url(&obj), Err(UrlError::MissingFilePath));
        obj.cloud_name = Some("x".into());
        assert_eq!(obj_to_url(&obj), Err(UrlError::CloudNameOnCustomDomain));
        let obj = UrlObj::new("c12", "a.jpeg").dpr(5.5);
        assert!(matches!(obj_to_url(&obj), Err(UrlError::InvalidDpr { .. })));
        let obj =
            UrlObj::new("c12", "a.jpeg").transform(Transformation::new("t", "resize").arg("h", ""));
        assert_eq!(
            obj_to_url(&obj),
            Err(UrlError::MissingParamValue {
                name: "resize".into(),
                key: "h".into()
            })
        );
    }

    #[test]
    fn options_and_worker() {
        let mut obj = UrlObj::for_worker("c12", "resize:w200,h200/image.jpeg").zone("abcdef");
        obj.options = UrlOptions::new(Some(Dpr::Value(1.0)), Some(false));
        assert_eq!(
            obj_to_url(&obj).as_deref(),
            Ok(
                "https://cdn.pixelbin.io/v2/c12/abcdef/wrkr/resize:w200,h200/image.jpeg?dpr=1.0&f_auto=false"
            )
        );
        let obj = UrlObj::for_worker("c12", "");
        assert_eq!(
            obj_to_url(&obj).as_deref(),
            Ok("https://cdn.pixelbin.io/v2/c12/wrkr")
        );
        let obj = UrlObj::new("c12", "a.jpeg").f_auto(true).base_url("");
        assert_eq!(
            obj_to_url(&obj).as_deref(),
            Ok("v2/c12/original/a.jpeg?f_auto=true")
        );
    }
}

//! Responsive images: a URL object to an HTML `srcset` string ([`srcset`]).
//!
//! Each candidate is the same URL at another width (a `t.resize` width, described `300w`) or
//! another device pixel ratio (the `dpr` option, described `2x`). Like imgix's
//! `createSrcSet`, [`target_widths`] gives a range of widths that grow by a fixed tolerance,
//! so that every rendered width is at most that much larger than needed.

use std::fmt::Write as _;

use crate::{Dpr, Transformation, UrlError, UrlObj};

/// What a `srcset` varies: the width of the image or the device pixel ratio.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Candidates<'c> {
    /// One candidate per width in pixels, described `<width>w`. The last `t.resize` of the
    /// pattern gets the width (its other parameters stay), or one is added at the end.
    Widths(&'c [u32]),
    /// One candidate per device pixel ratio (0.1 to 5.0), described `<ratio>x`, set as the
    /// URL's `dpr` option. Use it for an image shown at a fixed size.
    Dprs(&'c [f64]),
}

/// The `srcset` attribute of `obj`: one `url descriptor` candidate per width or ratio, in the
/// order given, separated by `, `.
///
/// # Errors
/// [`UrlError::InvalidSrcSet`] when there is no candidate, a width is 0 or a ratio is outside
/// 0.1 to 5.0; the errors of [`obj_to_url`](crate::obj_to_url) for an object that does not
/// build.
///
/// ```
/// use pixelbin_url::plugins::basic;
/// use pixelbin_url::srcset::{srcset, Candidates};
/// use pixelbin_url::UrlObj;
///
/// let obj = UrlObj::new("my-cloud", "shoe.jpeg").transform(basic::resize().fit(basic::ResizeFit::Inside));
/// assert_eq!(
///     srcset(&obj, Candidates::Widths(&[320, 640]))?,
///     "https://cdn.pixelbin.io/v2/my-cloud/t.resize(w:320,f:inside)/shoe.jpeg 320w, \
///      https://cdn.pixelbin.io/v2/my-cloud/t.resize(w:640,f:inside)/shoe.jpeg 640w"
/// );
///
/// let fixed = UrlObj::new("my-cloud", "logo.png").transform(basic::resize().width(100));
/// assert_eq!(
///     srcset(&fixed, Candidates::Dprs(&[1.0, 2.0]))?,
///     "https://cdn.pixelbin.io/v2/my-cloud/t.resize(w:100)/logo.png?dpr=1.0 1x, \
///      https://cdn.pixelbin.io/v2/my-cloud/t.resize(w:100)/logo.png?dpr=2.0 2x"
/// );
/// # Ok::<(), pixelbin_url::UrlError>(())
/// ```
pub fn srcset(obj: &UrlObj<'_>, candidates: Candidates<'_>) -> Result<String, UrlError> {
    let invalid = |reason: String| Err(UrlError::InvalidSrcSet { reason });
    let mut out = String::new();
    let mut push = |url: String, descriptor: std::fmt::Arguments<'_>| {
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(&url);
        // Writing to a String cannot fail.
        let _ = write!(out, " {descriptor}");
    };
    match candidates {
        Candidates::Widths([]) | Candidates::Dprs([]) => {
            return invalid("no widths or ratios given; pass at least one".to_owned());
        }
        Candidates::Widths(widths) => {
            let mut candidate = obj.clone();
            let resize = match candidate
                .transformations
                .iter()
                .rposition(|t| t.plugin == "t" && t.name == "resize")
            {
                Some(index) => index,
                None => {
                    candidate
                        .transformations
                        .push(Transformation::new("t", "resize"));
                    candidate.transformations.len() - 1
                }
            };
            for &width in widths {
                if width == 0 {
                    return invalid("a width is 0; widths are pixels, 1 or more".to_owned());
                }
                candidate.transformations[resize].set("w", width);
                push(candidate.to_url()?, format_args!("{width}w"));
            }
        }
        Candidates::Dprs(ratios) => {
            let mut candidate = obj.clone();
            for &ratio in ratios {
                if Dpr::Value(ratio).validated().is_err() {
                    return invalid(format!(
                        "the ratio {ratio} is outside 0.1 to 5.0, the ratios Pixelbin renders"
                    ));
                }
                candidate.options.dpr = Some(Dpr::Value(ratio));
                push(candidate.to_url()?, format_args!("{ratio}x"));
            }
        }
    }
    Ok(out)
}

/// Widths from about `min` to `max` pixels, as imgix's `createSrcSet` makes them: starting at
/// `min`, each `1 + 2 * tolerance` times the one before (`tolerance` is a fraction: `0.08`
/// is 8%), rounded to even pixels, then `max` itself. A browser picking the next larger
/// width then downloads at most about `tolerance` more than it shows. imgix's defaults are
/// 100, 8192 and 0.08.
///
/// # Errors
/// [`UrlError::InvalidSrcSet`] when `min` is 0, `min > max` or `tolerance` is below 0.01
/// (which would make thousands of widths) or not a number.
///
/// ```
/// use pixelbin_url::srcset::target_widths;
///
/// assert_eq!(target_widths(100, 200, 0.2)?, [100, 140, 196, 200]);
/// assert_eq!(target_widths(100, 8192, 0.08)?.len(), 31);
/// # Ok::<(), pixelbin_url::UrlError>(())
/// ```
pub fn target_widths(min: u32, max: u32, tolerance: f64) -> Result<Vec<u32>, UrlError> {
    if min == 0 || min > max {
        return Err(UrlError::InvalidSrcSet {
            reason: format!("the width range {min} to {max} is empty; give 1 <= min <= max"),
        });
    }
    if tolerance.is_nan() || tolerance < 0.01 {
        return Err(UrlError::InvalidSrcSet {
            reason: format!("the tolerance {tolerance} is below 0.01 (1%); imgix uses 0.08"),
        });
    }
    let even = |width: f64| 2.0 * (width / 2.0).round();
    let mut widths: Vec<u32> = Vec::new();
    let mut width = f64::from(min);
    while width < f64::from(max) {
        // Below `max`, a u32, and positive: the cast keeps the value.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let next = even(width).min(f64::from(max)) as u32;
        if widths.last() != Some(&next) {
            widths.push(next);
        }
        width *= 1.0 + 2.0 * tolerance;
    }
    if widths.last() != Some(&max) {
        widths.push(max);
    }
    Ok(widths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_go_into_the_last_resize_or_a_new_one() {
        let obj = UrlObj::new("c12", "a.jpeg")
            .transform(Transformation::new("t", "resize").arg("h", 10))
            .transform(Transformation::new("t", "flip"))
            .transform(Transformation::new("t", "resize").arg("h", 20));
        assert_eq!(
            srcset(&obj, Candidates::Widths(&[5])),
            Ok("https://cdn.pixelbin.io/v2/c12/t.resize(h:10)~t.flip()~t.resize(h:20,w:5)/a.jpeg 5w".to_owned())
        );
        let plain = UrlObj::new("c12", "a.jpeg").f_auto(true);
        assert_eq!(
            srcset(&plain, Candidates::Widths(&[5, 10])),
            Ok("https://cdn.pixelbin.io/v2/c12/t.resize(w:5)/a.jpeg?f_auto=true 5w, https://cdn.pixelbin.io/v2/c12/t.resize(w:10)/a.jpeg?f_auto=true 10w".to_owned())
        );
    }

    #[test]
    fn bad_candidates_are_refused() {
        let obj = UrlObj::new("c12", "a.jpeg");
        for candidates in [
            Candidates::Widths(&[]),
            Candidates::Dprs(&[]),
            Candidates::Widths(&[10, 0]),
            Candidates::Dprs(&[1.0, 6.0]),
            Candidates::Dprs(&[f64::NAN]),
        ] {
            assert!(
                matches!(
                    srcset(&obj, candidates),
                    Err(UrlError::InvalidSrcSet { .. })
                ),
                "{candidates:?}"
            );
        }
        assert!(matches!(
            srcset(&UrlObj::default(), Candidates::Widths(&[1])),
            Err(UrlError::MissingCloudName)
        ));
        assert!(target_widths(0, 10, 0.08).is_err());
        assert!(target_widths(11, 10, 0.08).is_err());
        assert!(target_widths(1, 10, 0.0).is_err());
        assert!(target_widths(1, 10, f64::NAN).is_err());
    }

    #[test]
    fn target_widths_grow_within_the_tolerance() {
        assert_eq!(target_widths(300, 300, 0.08), Ok(vec![300]));
        let widths = target_widths(100, 8192, 0.08).unwrap();
        assert_eq!((widths[0], widths[widths.len() - 1]), (100, 8192));
        for pair in widths.windows(2) {
            assert!(pair[0] < pair[1], "{pair:?}");
            assert!(
                f64::from(pair[1]) <= f64::from(pair[0]) * 1.16 + 2.0,
                "{pair:?}"
            );
        }
    }
}

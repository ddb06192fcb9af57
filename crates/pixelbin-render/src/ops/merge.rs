//! `t.merge`: an overlay image (from [`RenderOptions::resolver`]) composited with the
//! image, with sharp's `composite` gravities, offsets, tiling and blend modes.

use image::{Rgba, RgbaImage};

use super::Limit;
use super::geometry::{Align, Resize};
use crate::canvas::Canvas;
use crate::step::Step;
use crate::{RenderError, RenderOptions};

/// How two pixels combine (sharp's `blend`; libvips' composite modes).
#[derive(Debug, Clone, Copy)]
enum Blend {
    Over,
    In,
    Out,
    Atop,
    Dest,
    DestOver,
    DestIn,
    DestOut,
    DestAtop,
    Xor,
    Add,
    Saturate,
    /// A separable PDF blend mode, by its function.
    Separable(fn(f64, f64) -> f64),
}

fn blend_mode(word: &str) -> Blend {
    match word {
        "in" => Blend::In,
        "out" => Blend::Out,
        "atop" => Blend::Atop,
        "dest" => Blend::Dest,
        "dest-over" => Blend::DestOver,
        "dest-in" => Blend::DestIn,
        "dest-out" => Blend::DestOut,
        "dest-atop" => Blend::DestAtop,
        "xor" => Blend::Xor,
        "add" => Blend::Add,
        "saturate" => Blend::Saturate,
        "multiply" => Blend::Separable(|b, s| b * s),
        "screen" => Blend::Separable(screen),
        "overlay" => Blend::Separable(|b, s| hard_light(s, b)),
        "darken" => Blend::Separable(f64::min),
        "lighten" => Blend::Separable(f64::max),
        "colour-dodge" | "color-dodge" => Blend::Separable(|b, s| {
            if b == 0.0 {
                0.0
            } else if s >= 1.0 {
                1.0
            } else {
                (b / (1.0 - s)).min(1.0)
            }
        }),
        "colour-burn" | "color-burn" => Blend::Separable(|b, s| {
            if b >= 1.0 {
                1.0
            } else if s <= 0.0 {
                0.0
            } else {
                1.0 - ((1.0 - b) / s).min(1.0)
            }
        }),
        "hard-light" => Blend::Separable(hard_light),
        "soft-light" => Blend::Separable(|b, s| {
            if s <= 0.5 {
                b - (1.0 - 2.0 * s) * b * (1.0 - b)
            } else {
                let d = if b <= 0.25 {
                    ((16.0 * b - 12.0) * b + 4.0) * b
                } else {
                    b.sqrt()
                };
                b + (2.0 * s - 1.0) * (d - b)
            }
        }),
        "difference" => Blend::Separable(|b, s| (b - s).abs()),
        "exclusion" => Blend::Separable(|b, s| b + s - 2.0 * b * s),
        _ => Blend::Over,
    }
}

fn screen(b: f64, s: f64) -> f64 {
    b + s - b * s
}

fn hard_light(b: f64, s: f64) -> f64 {
    if s <= 0.5 {
        b * 2.0 * s
    } else {
        screen(b, 2.0 * s - 1.0)
    }
}

/// `src` composited onto `dst` (straight colours, 0..1): the result, straight.
fn blend(mode: Blend, src: [f64; 4], dst: [f64; 4]) -> [f64; 4] {
    let (a_s, a_d) = (src[3], dst[3]);
    let ps = |c: usize| src[c] * a_s;
    let pd = |c: usize| dst[c] * a_d;
    let (alpha, colour): (f64, Box<dyn Fn(usize) -> f64>) = match mode {
        Blend::Over => (
            a_s + a_d * (1.0 - a_s),
            Box::new(|c| ps(c) + pd(c) * (1.0 - a_s)),
        ),
        Blend::In => (a_s * a_d, Box::new(|c| ps(c) * a_d)),
        Blend::Out => (a_s * (1.0 - a_d), Box::new(|c| ps(c) * (1.0 - a_d))),
        Blend::Atop => (a_d, Box::new(|c| ps(c) * a_d + pd(c) * (1.0 - a_s))),
        Blend::Dest => (a_d, Box::new(pd)),
        Blend::DestOver => (
            a_d + a_s * (1.0 - a_d),
            Box::new(|c| pd(c) + ps(c) * (1.0 - a_d)),
        ),
        Blend::DestIn => (a_s * a_d, Box::new(|c| pd(c) * a_s)),
        Blend::DestOut => (a_d * (1.0 - a_s), Box::new(|c| pd(c) * (1.0 - a_s))),
        Blend::DestAtop => (a_s, Box::new(|c| pd(c) * a_s + ps(c) * (1.0 - a_d))),
        Blend::Xor => (
            a_s + a_d - 2.0 * a_s * a_d,
            Box::new(|c| ps(c) * (1.0 - a_d) + pd(c) * (1.0 - a_s)),
        ),
        Blend::Add => ((a_s + a_d).min(1.0), Box::new(|c| ps(c) + pd(c))),
        Blend::Saturate => (
            (a_s + a_d).min(1.0),
            Box::new(|c| a_s.min(1.0 - a_d) * src[c] + pd(c)),
        ),
        Blend::Separable(f) => (
            a_s + a_d - a_s * a_d,
            // libvips applies the blend function to the premultiplied colours.
            Box::new(move |c| {
                (1.0 - a_d) * ps(c) + (1.0 - a_s) * pd(c) + a_s * a_d * f(pd(c), ps(c))
            }),
        ),
    };
    if alpha <= 0.0 {
        return [0.0; 4];
    }
    [
        colour(0) / alpha,
        colour(1) / alpha,
        colour(2) / alpha,
        alpha,
    ]
}

/// `t.merge`, its values read.
#[derive(Debug, Clone)]
pub(crate) struct Merge {
    /// The overlay's path; `None` merges a rectangle of the background colour instead.
    image: Option<String>,
    /// `w` and `h` (0: the image's own).
    size: (u32, u32),
    underlay: bool,
    background: [u8; 4],
    resize: Option<Resize>,
    /// `(left, top)` when the gravity is `custom`.
    offset: Option<(i64, i64)>,
    gravity: (Align, Align),
    blend_name: String,
    tile: bool,
}

impl Merge {
    pub(crate) fn parse(step: &Step<'_>) -> Result<Merge, RenderError> {
        let underlay = match step.word("mode") {
            "underlay" => true,
            "wrap" => {
                return Err(step.out_of_range(
                    "mode",
                    "overlay or underlay (wrap is not rendered by this engine)",
                ));
            }
            _ => false,
        };
        for unsupported in ["transformation", "listOfBboxes", "listOfPolygons"] {
            if step.given(unsupported) {
                return Err(step.out_of_range(
                    unsupported,
                    "nothing: this engine does not render this parameter of t.merge",
                ));
            }
        }
        let (width, height) = (
            step.int("width", 0, 100_000)?,
            step.int("height", 0, 100_000)?,
        );
        let resize = (width > 0 || height > 0).then(|| Resize::new(width as u32, height as u32));
        use Align::*;
        let (gravity, offset) = match step.word("gravity") {
            "northwest" => ((Start, Start), None),
            "north" => ((Centre, Start), None),
            "northeast" => ((End, Start), None),
            "east" => ((End, Centre), None),
            "west" => ((Start, Centre), None),
            "southwest" => ((Start, End), None),
            "south" => ((Centre, End), None),
            "southeast" => ((End, End), None),
            "custom" => (
                (Start, Start),
                Some((
                    step.int("left", -100_000, 100_000)?,
                    step.int("top", -100_000, 100_000)?,
                )),
            ),
            _ => ((Centre, Centre), None),
        };
        Ok(Merge {
            image: step.optional_text("image").map(str::to_owned),
            size: (width as u32, height as u32),
            underlay,
            background: step.color("background")?,
            resize,
            offset,
            gravity,
            blend_name: step.word("blend").to_owned(),
            tile: step.flag("tile"),
        })
    }

    /// The overlay image at `path`, from the resolver, resized to `w` x `h` when given.
    fn overlay_image(
        &self,
        path: &str,
        options: &RenderOptions,
        limit: &Limit<'_>,
    ) -> Result<Canvas, RenderError> {
        let overlay_error = |reason: String| RenderError::Overlay {
            path: path.to_owned(),
            reason,
        };
        let resolver = options.resolver.as_ref().ok_or_else(|| {
            overlay_error(
                "no resolver for stored files was given (RenderOptions::resolver)".to_owned(),
            )
        })?;
        let bytes = resolver.resolve(path).map_err(overlay_error)?;
        let overlay = crate::decode::decode(&bytes, options, |_, _| 1)
            .map_err(|e| overlay_error(e.to_string()))?
            .canvas;
        match &self.resize {
            Some(resize) => resize.apply(overlay, limit),
            None => Ok(overlay),
        }
    }

    pub(crate) fn apply(
        &self,
        canvas: Canvas,
        options: &RenderOptions,
        limit: &Limit<'_>,
    ) -> Result<Canvas, RenderError> {
        let (w, h) = (canvas.width(), canvas.height());
        let (overlay, rest) = match &self.image {
            Some(path) => (self.overlay_image(path, options, limit)?, self.background),
            None => {
                // Pixelbin merges a rectangle of the background colour when no image is given.
                let (bw, bh) = (self.size.0.max(1), self.size.1.max(1));
                let (bw, bh) = (
                    if self.size.0 == 0 { w } else { bw },
                    if self.size.1 == 0 { h } else { bh },
                );
                limit("t.merge background", u64::from(bw), u64::from(bh))?;
                let rect = RgbaImage::from_pixel(bw, bh, Rgba(self.background));
                (Canvas::new(rect, self.background[3] < 255, false), [0; 4])
            }
        };
        let (ow, oh) = (overlay.width(), overlay.height());
        let mut layer = RgbaImage::from_pixel(w, h, Rgba(rest));
        if self.tile {
            // sharp: tiles across and down, an odd count when centred, then cropped by gravity.
            let across = odd_when_centred(w.div_ceil(ow), self.gravity.0);
            let down = odd_when_centred(h.div_ceil(oh), self.gravity.1);
            let (tw, th) = (
                u64::from(across) * u64::from(ow),
                u64::from(down) * u64::from(oh),
            );
            limit("t.merge tiles", tw, th)?;
            let (dx, dy) = match self.offset {
                Some((l, t)) => (l.rem_euclid(i64::from(ow)), t.rem_euclid(i64::from(oh))),
                None => (
                    i64::from(self.gravity.0.crop(tw as u32 - w.min(tw as u32))),
                    i64::from(self.gravity.1.crop(th as u32 - h.min(th as u32))),
                ),
            };
            for (x, y, p) in layer.enumerate_pixels_mut() {
                let sx = (i64::from(x) + dx).rem_euclid(i64::from(ow)) as u32;
                let sy = (i64::from(y) + dy).rem_euclid(i64::from(oh)) as u32;
                *p = *overlay.image.get_pixel(sx, sy);
            }
        } else {
            let (left, top) = match self.offset {
                Some(offset) => offset,
                None => {
                    if ow > w || oh > h {
                        return Err(RenderError::Inapplicable {
                            operation: "t.merge".to_owned(),
                            reason: format!(
                                "the {ow}x{oh} overlay is larger than the {w}x{h} image; give w and h to resize it"
                            ),
                        });
                    }
                    (
                        i64::from(self.gravity.0.crop(w - ow)),
                        i64::from(self.gravity.1.crop(h - oh)),
                    )
                }
            };
            image::imageops::replace(&mut layer, &overlay.image, left, top);
        }
        let mode = blend_mode(&self.blend_name);
        let norm = |p: &Rgba<u8>| p.0.map(|v| f64::from(v) / 255.0);
        let mut out = canvas.image.clone();
        for (p, l) in out.pixels_mut().zip(layer.pixels()) {
            let (base, over) = (norm(p), norm(l));
            let result = if self.underlay {
                blend(mode, base, over)
            } else {
                blend(mode, over, base)
            };
            *p = Rgba(result.map(|v| (v * 255.0).round().clamp(0.0, 255.0) as u8));
        }
        let alpha = canvas.alpha || out.pixels().any(|p| p[3] < 255);
        let grey =
            canvas.grey && overlay.grey && out.pixels().all(|p| p[0] == p[1] && p[1] == p[2]);
        Ok(Canvas::new(out, alpha, grey))
    }
}

fn odd_when_centred(count: u32, align: Align) -> u32 {
    if align == Align::Centre {
        count | 1
    } else {
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_an_opaque_base_mixes_by_alpha() {
        let got = blend(Blend::Over, [1.0, 0.0, 0.0, 0.5], [0.0, 0.0, 1.0, 1.0]);
        assert_eq!(got, [0.5, 0.0, 0.5, 1.0]);
        let got = blend(
            blend_mode("multiply"),
            [0.5, 0.5, 0.5, 1.0],
            [0.5, 1.0, 0.0, 1.0],
        );
        assert_eq!(got, [0.25, 0.5, 0.0, 1.0]);
        assert_eq!(
            blend(Blend::DestOut, [0.0, 0.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0])[3],
            0.0
        );
    }
}

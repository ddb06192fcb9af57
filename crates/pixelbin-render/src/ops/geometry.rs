//! Operations that change the image's geometry: `t.resize`, `t.extend`, `t.extract`,
//! `t.trim`, `t.rotate` (sharp's sizes, gravities and rounding).

use fast_image_resize as fir;
use image::{Rgba, RgbaImage};

use super::{Limit, Op};
use crate::RenderError;
use crate::canvas::Canvas;
use crate::step::Step;

/// How `t.resize` fits the image into the box (sharp's `fit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fit {
    Cover,
    Contain,
    Fill,
    Inside,
    Outside,
}

/// Where along one axis (sharp's gravity, one axis at a time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Start,
    Centre,
    End,
}

impl Align {
    /// The offset of a crop of `excess` pixels (sharp's `CalculateCrop` rounds the centre up).
    pub(crate) fn crop(self, excess: u32) -> u32 {
        match self {
            Align::Start => 0,
            Align::Centre => excess.div_ceil(2),
            Align::End => excess,
        }
    }

    /// The offset of an image embedded in `room` spare pixels (sharp's
    /// `CalculateEmbedPosition` rounds the centre down).
    pub(crate) fn embed(self, room: u32) -> u32 {
        match self {
            Align::Start => 0,
            Align::Centre => room / 2,
            Align::End => room,
        }
    }
}

/// A position (`t.resize(p:...)`) as `(horizontal, vertical)` alignment.
fn position(word: &str) -> (Align, Align) {
    use Align::*;
    match word {
        "top" => (Centre, Start),
        "bottom" => (Centre, End),
        "left" => (Start, Centre),
        "right" => (End, Centre),
        "right_top" => (End, Start),
        "right_bottom" => (End, End),
        "left_top" => (Start, Start),
        "left_bottom" => (Start, End),
        _ => (Centre, Centre),
    }
}

/// The resampling kernel (sharp's `kernel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kernel {
    Nearest,
    Cubic,
    Mitchell,
    Lanczos2,
    Lanczos3,
}

/// `t.resize`, its values read.
#[derive(Debug, Clone)]
pub(crate) struct Resize {
    /// Target width, 0 for "from the height".
    pub width: u32,
    /// Target height, 0 for "from the width".
    pub height: u32,
    fit: Fit,
    background: [u8; 4],
    position: (Align, Align),
    kernel: Kernel,
}

/// The largest side any operation may ask for (libvips' limit).
const MAX_SIDE: i64 = 10_000_000;

impl Resize {
    /// sharp's `resize(width, height)` with its defaults (cover, centre, lanczos3).
    pub(crate) fn new(width: u32, height: u32) -> Resize {
        Resize {
            width,
            height,
            fit: Fit::Cover,
            background: [0, 0, 0, 255],
            position: (Align::Centre, Align::Centre),
            kernel: Kernel::Lanczos3,
        }
    }

    pub(crate) fn parse(step: &Step<'_>, url_dpr: Option<f64>) -> Result<Resize, RenderError> {
        let dpr = step.dpr(url_dpr)?;
        let side = |name: &str| -> Result<u32, RenderError> {
            let value = step.int(name, 0, MAX_SIDE)?;
            Ok((value as f64 * dpr).round() as u32)
        };
        let fit = match step.word("fit") {
            "contain" => Fit::Contain,
            "fill" => Fit::Fill,
            "inside" => Fit::Inside,
            "outside" => Fit::Outside,
            _ => Fit::Cover,
        };
        let kernel = match step.word("algorithm") {
            "nearest" => Kernel::Nearest,
            "cubic" => Kernel::Cubic,
            "mitchell" => Kernel::Mitchell,
            "lanczos2" => Kernel::Lanczos2,
            _ => Kernel::Lanczos3,
        };
        Ok(Resize {
            width: side("width")?,
            height: side("height")?,
            fit,
            background: step.color("background")?,
            position: position(step.word("position")),
            kernel,
        })
    }

    /// The factors sharp divides the input's sides by (`ResolveShrink`), for an input of
    /// `width x height`.
    pub(crate) fn shrink(&self, width: u32, height: u32) -> (f64, f64) {
        let (w, h) = (f64::from(width), f64::from(height));
        let (tw, th) = (f64::from(self.width), f64::from(self.height));
        let (mut hshrink, mut vshrink) = (1.0, 1.0);
        if self.width > 0 && self.height > 0 {
            hshrink = w / tw;
            vshrink = h / th;
            match self.fit {
                Fit::Cover | Fit::Outside => {
                    let s = hshrink.min(vshrink);
                    (hshrink, vshrink) = (s, s);
                }
                Fit::Contain | Fit::Inside => {
                    let s = hshrink.max(vshrink);
                    (hshrink, vshrink) = (s, s);
                }
                Fit::Fill => {}
            }
        } else if self.width > 0 {
            hshrink = w / tw;
            if self.fit != Fit::Fill {
                vshrink = hshrink;
            }
        } else if self.height > 0 {
            vshrink = h / th;
            if self.fit != Fit::Fill {
                hshrink = vshrink;
            }
        }
        // Never send an axis to 0.
        (hshrink.min(w), vshrink.min(h))
    }

    /// The size the image is resampled to before any crop or embed.
    fn resampled_size(&self, width: u32, height: u32) -> (u32, u32) {
        let (hshrink, vshrink) = self.shrink(width, height);
        let side = |n: u32, s: f64| ((f64::from(n) / s).round() as u32).max(1);
        (side(width, hshrink), side(height, vshrink))
    }

    pub(crate) fn apply(&self, canvas: Canvas, limit: &Limit<'_>) -> Result<Canvas, RenderError> {
        if self.width == 0 && self.height == 0 {
            return Ok(canvas);
        }
        let (rw, rh) = self.resampled_size(canvas.width(), canvas.height());
        limit("t.resize output", u64::from(rw), u64::from(rh))?;
        limit(
            "t.resize output",
            u64::from(self.width),
            u64::from(self.height),
        )?;
        let mut canvas = resample(canvas, rw, rh, self.kernel)?;
        if self.width == 0 || self.height == 0 {
            return Ok(canvas);
        }
        let (tw, th) = (self.width, self.height);
        match self.fit {
            Fit::Cover if rw != tw || rh != th => {
                let (w, h) = (tw.min(rw), th.min(rh));
                let left = self.position.0.crop(rw - w);
                let top = self.position.1.crop(rh - h);
                canvas = crop(canvas, left, top, w, h);
            }
            Fit::Contain if rw != tw || rh != th => {
                let left = self.position.0.embed(tw.saturating_sub(rw));
                let top = self.position.1.embed(th.saturating_sub(rh));
                canvas = embed(canvas, tw, th, left, top, self.background);
            }
            _ => {}
        }
        Ok(canvas)
    }
}

/// Resamples to `width x height` with `kernel`, premultiplying alpha as sharp does.
pub(crate) fn resample(
    canvas: Canvas,
    width: u32,
    height: u32,
    kernel: Kernel,
) -> Result<Canvas, RenderError> {
    if canvas.width() == width && canvas.height() == height {
        return Ok(canvas);
    }
    let fail = |e: &dyn std::fmt::Display| RenderError::Inapplicable {
        operation: "t.resize".to_owned(),
        reason: e.to_string(),
    };
    let (sw, sh) = (canvas.width(), canvas.height());
    let src = fir::images::Image::from_vec_u8(
        sw,
        sh,
        canvas.image.as_raw().clone(),
        fir::PixelType::U8x4,
    )
    .map_err(|e| fail(&e))?;
    let mut dst = fir::images::Image::new(width, height, fir::PixelType::U8x4);
    let algorithm = match kernel {
        Kernel::Nearest => fir::ResizeAlg::Nearest,
        Kernel::Cubic => fir::ResizeAlg::Convolution(fir::FilterType::CatmullRom),
        Kernel::Mitchell => fir::ResizeAlg::Convolution(fir::FilterType::Mitchell),
        Kernel::Lanczos2 => fir::ResizeAlg::Convolution(lanczos2()),
        Kernel::Lanczos3 => fir::ResizeAlg::Convolution(fir::FilterType::Lanczos3),
    };
    let options = fir::ResizeOptions::new()
        .resize_alg(algorithm)
        .use_alpha(canvas.alpha);
    fir::Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| fail(&e))?;
    let image = RgbaImage::from_raw(width, height, dst.into_vec())
        .ok_or_else(|| fail(&"resampled buffer has the wrong size"))?;
    Ok(canvas.with_image(image))
}

fn lanczos2() -> fir::FilterType {
    fn lanczos2(x: f64) -> f64 {
        let sinc = |x: f64| {
            if x == 0.0 {
                1.0
            } else {
                let x = x * std::f64::consts::PI;
                x.sin() / x
            }
        };
        if x.abs() < 2.0 {
            sinc(x) * sinc(x / 2.0)
        } else {
            0.0
        }
    }
    // The support is a positive constant, so creation does not fail; Lanczos3 is the
    // nearest kernel if it ever did.
    fir::Filter::new("lanczos2", lanczos2, 2.0)
        .map_or(fir::FilterType::Lanczos3, fir::FilterType::Custom)
}

/// The `width x height` area at `left, top` (inside the image).
fn crop(canvas: Canvas, left: u32, top: u32, width: u32, height: u32) -> Canvas {
    let image = image::imageops::crop_imm(&canvas.image, left, top, width, height).to_image();
    canvas.with_image(image)
}

/// `canvas` placed at `left, top` on a `width x height` background.
fn embed(
    canvas: Canvas,
    width: u32,
    height: u32,
    left: u32,
    top: u32,
    background: [u8; 4],
) -> Canvas {
    let mut out = RgbaImage::from_pixel(width, height, Rgba(background));
    image::imageops::replace(&mut out, &canvas.image, i64::from(left), i64::from(top));
    Canvas::new(
        out,
        canvas.alpha || background[3] < 255,
        canvas.grey && is_grey(background),
    )
}

fn is_grey(c: [u8; 4]) -> bool {
    c[0] == c[1] && c[1] == c[2]
}

/// How `t.extend` fills its borders (`bt`), sharp's `extendWith`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Border {
    /// `constant`: the background colour.
    Constant,
    /// `replicate`: the edge pixels repeated (sharp `copy`).
    Replicate,
    /// `reflect`: the image mirrored at its edges (sharp `mirror`).
    Reflect,
    /// `wrap`: the image tiled (sharp `repeat`).
    Wrap,
}

pub(crate) fn parse_extend(step: &Step<'_>, url_dpr: Option<f64>) -> Result<Op, RenderError> {
    let dpr = step.dpr(url_dpr)?;
    let side = |name: &str| -> Result<u32, RenderError> {
        Ok((step.int(name, 0, MAX_SIDE)? as f64 * dpr).round() as u32)
    };
    let border = match step.word("borderType") {
        "replicate" => Border::Replicate,
        "reflect" => Border::Reflect,
        "wrap" => Border::Wrap,
        _ => Border::Constant,
    };
    Ok(Op::Extend {
        sides: [side("top")?, side("left")?, side("bottom")?, side("right")?],
        background: step.color("background")?,
        border,
    })
}

/// Where output coordinate `i` (relative to the image's first pixel) reads from in an image
/// of `n` pixels; `None` for the background.
fn border_source(i: i64, n: i64, border: Border) -> Option<u32> {
    if (0..n).contains(&i) {
        return Some(i as u32);
    }
    let j = match border {
        Border::Constant => return None,
        Border::Replicate => i.clamp(0, n - 1),
        Border::Wrap => i.rem_euclid(n),
        Border::Reflect => {
            // Mirrored copies side by side: ... 1 0 | 0 1 ... n-1 | n-1 n-2 ...
            let period = 2 * n;
            let k = i.rem_euclid(period);
            if k < n { k } else { period - 1 - k }
        }
    };
    Some(j as u32)
}

pub(crate) fn extend(
    canvas: Canvas,
    [top, left, bottom, right]: [u32; 4],
    background: [u8; 4],
    border: Border,
    limit: &Limit<'_>,
) -> Result<Canvas, RenderError> {
    let (w, h) = (u64::from(canvas.width()), u64::from(canvas.height()));
    let (ow, oh) = (
        w + u64::from(left) + u64::from(right),
        h + u64::from(top) + u64::from(bottom),
    );
    limit("t.extend output", ow, oh)?;
    let (ow, oh) = (ow as u32, oh as u32);
    let (wi, hi) = (w as i64, h as i64);
    let src = &canvas.image;
    let out = RgbaImage::from_fn(ow, oh, |x, y| {
        let sx = border_source(i64::from(x) - i64::from(left), wi, border);
        let sy = border_source(i64::from(y) - i64::from(top), hi, border);
        match (sx, sy) {
            (Some(sx), Some(sy)) => *src.get_pixel(sx, sy),
            _ => Rgba(background),
        }
    });
    let constant = border == Border::Constant && (top | left | bottom | right) != 0;
    Ok(Canvas::new(
        out,
        canvas.alpha || (constant && background[3] < 255),
        canvas.grey && (!constant || is_grey(background)),
    ))
}

pub(crate) fn parse_extract(step: &Step<'_>) -> Result<Op, RenderError> {
    if step.given("boundingBox") {
        return Err(step.out_of_range(
            "boundingBox",
            "no bbox: this engine renders t.extract from t, l, h and w",
        ));
    }
    Ok(Op::Extract {
        area: [
            step.int("left", 0, MAX_SIDE)? as u32,
            step.int("top", 0, MAX_SIDE)? as u32,
            step.int("width", 1, MAX_SIDE)? as u32,
            step.int("height", 1, MAX_SIDE)? as u32,
        ],
    })
}

pub(crate) fn extract(
    canvas: Canvas,
    [left, top, width, height]: [u32; 4],
) -> Result<Canvas, RenderError> {
    let fits =
        |start: u32, len: u32, size: u32| u64::from(start) + u64::from(len) <= u64::from(size);
    if !fits(left, width, canvas.width()) || !fits(top, height, canvas.height()) {
        return Err(RenderError::Inapplicable {
            operation: "t.extract".to_owned(),
            reason: format!(
                "the area l:{left}, t:{top}, w:{width}, h:{height} is not inside the {}x{} image",
                canvas.width(),
                canvas.height()
            ),
        });
    }
    Ok(crop(canvas, left, top, width, height))
}

/// `t.trim`: crops to the box of pixels that differ from the top-left one by more than
/// `threshold` (colour bands, and the alpha band on its own, as sharp does); an image with
/// nothing to keep is returned whole.
pub(crate) fn trim(canvas: Canvas, threshold: f64) -> Result<Canvas, RenderError> {
    if canvas.width() < 3 && canvas.height() < 3 {
        return Err(RenderError::Inapplicable {
            operation: "t.trim".to_owned(),
            reason: "the image to trim must be at least 3x3 pixels".to_owned(),
        });
    }
    // libvips smooths with a 3x3 median first, so lone specks do not widen the box.
    let smoothed = super::filter::median(canvas.clone(), 3);
    let image = &smoothed.image;
    let background = *image.get_pixel(0, 0);
    let mut colour_box = BoundingBox::default();
    let mut alpha_box = BoundingBox::default();
    for (x, y, p) in image.enumerate_pixels() {
        let colour_diff = (0..3)
            .map(|c| (f64::from(p[c]) - f64::from(background[c])).abs())
            .fold(0.0, f64::max);
        if colour_diff > threshold {
            colour_box.add(x, y);
        }
        if canvas.alpha && (f64::from(p[3]) - f64::from(background[3])).abs() > threshold {
            alpha_box.add(x, y);
        }
    }
    let Some([x0, y0, x1, y1]) = colour_box.union(alpha_box).0 else {
        return Ok(canvas);
    };
    Ok(crop(canvas, x0, y0, x1 - x0 + 1, y1 - y0 + 1))
}

/// `[x0, y0, x1, y1]`, inclusive; `None` while empty.
#[derive(Debug, Default, Clone, Copy)]
struct BoundingBox(Option<[u32; 4]>);

impl BoundingBox {
    fn add(&mut self, x: u32, y: u32) {
        self.0 = Some(match self.0 {
            None => [x, y, x, y],
            Some([x0, y0, x1, y1]) => [x0.min(x), y0.min(y), x1.max(x), y1.max(y)],
        });
    }

    fn union(mut self, other: BoundingBox) -> BoundingBox {
        if let Some([x0, y0, x1, y1]) = other.0 {
            self.add(x0, y0);
            self.add(x1, y1);
        }
        self
    }
}

/// `t.rotate`: clockwise by `angle` degrees; multiples of 90 exactly, others into the
/// rotated bounding box filled with `background` (bilinear, as libvips' rotate).
pub(crate) fn rotate(
    canvas: Canvas,
    angle: i64,
    background: [u8; 4],
    limit: &Limit<'_>,
) -> Result<Canvas, RenderError> {
    let angle = angle.rem_euclid(360);
    let image = &canvas.image;
    let rotated = match angle {
        0 => return Ok(canvas),
        90 => image::imageops::rotate90(image),
        180 => image::imageops::rotate180(image),
        270 => image::imageops::rotate270(image),
        _ => return rotate_any(canvas, angle as f64, background, limit),
    };
    Ok(canvas.with_image(rotated))
}

fn rotate_any(
    canvas: Canvas,
    degrees: f64,
    background: [u8; 4],
    limit: &Limit<'_>,
) -> Result<Canvas, RenderError> {
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (w, h) = (f64::from(canvas.width()), f64::from(canvas.height()));
    // libvips' affine: the input's corners turned about the origin; the output is their
    // bounding box on whole pixels, and pixel centres sit on whole coordinates.
    let corners = [(0.0, 0.0), (w, 0.0), (0.0, h), (w, h)]
        .map(|(x, y)| (x * cos - y * sin, x * sin + y * cos));
    let left = corners
        .iter()
        .map(|c| c.0)
        .fold(f64::INFINITY, f64::min)
        .floor();
    let top = corners
        .iter()
        .map(|c| c.1)
        .fold(f64::INFINITY, f64::min)
        .floor();
    let right = corners
        .iter()
        .map(|c| c.0)
        .fold(f64::NEG_INFINITY, f64::max)
        .ceil();
    let bottom = corners
        .iter()
        .map(|c| c.1)
        .fold(f64::NEG_INFINITY, f64::max)
        .ceil();
    let (ow, oh) = ((right - left).max(1.0), (bottom - top).max(1.0));
    limit("t.rotate output", ow as u64, oh as u64)?;
    let src = &canvas.image;
    let bg = background.map(f64::from);
    let sample = |x: i64, y: i64| -> [f64; 4] {
        if x < 0 || y < 0 || x >= i64::from(src.width()) || y >= i64::from(src.height()) {
            bg
        } else {
            src.get_pixel(x as u32, y as u32).0.map(f64::from)
        }
    };
    let out = RgbaImage::from_fn(ow as u32, oh as u32, |x, y| {
        let (ox, oy) = (f64::from(x) + left, f64::from(y) + top);
        let sx = ox * cos + oy * sin;
        let sy = -ox * sin + oy * cos;
        let (x0, y0) = (sx.floor(), sy.floor());
        let (fx, fy) = (sx - x0, sy - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let (p00, p10, p01, p11) = (
            sample(x0, y0),
            sample(x0 + 1, y0),
            sample(x0, y0 + 1),
            sample(x0 + 1, y0 + 1),
        );
        let mut px = [0u8; 4];
        for c in 0..4 {
            let top = p00[c] * (1.0 - fx) + p10[c] * fx;
            let bottom = p01[c] * (1.0 - fx) + p11[c] * fx;
            px[c] = (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8;
        }
        Rgba(px)
    });
    Ok(Canvas::new(
        out,
        canvas.alpha || background[3] < 255,
        canvas.grey && is_grey(background),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflect_mirrors_with_the_edge_repeated() {
        let got: Vec<_> = (-3..6)
            .map(|i| border_source(i, 3, Border::Reflect))
            .collect();
        let want = [2, 1, 0, 0, 1, 2, 2, 1, 0].map(Some);
        assert_eq!(got, want);
        assert_eq!(border_source(-1, 3, Border::Wrap), Some(2));
        assert_eq!(border_source(5, 3, Border::Replicate), Some(2));
        assert_eq!(border_source(-1, 3, Border::Constant), None);
    }

    #[test]
    fn crop_rounds_the_centre_up_and_embed_down() {
        assert_eq!(Align::Centre.crop(3), 2);
        assert_eq!(Align::Centre.embed(3), 1);
        assert_eq!(Align::End.crop(3), 3);
    }
}

//! The basic operations: each `t.*` transformation read into an [`Op`] (every value checked,
//! before the image is decoded) and applied to a [`Canvas`] with sharp's semantics.

mod colour;
mod filter;
mod geometry;
mod merge;

use pixelbin_url::Transformation;

use crate::canvas::Canvas;
use crate::step::Step;
use crate::{OutputFormat, RenderError, RenderOptions};

pub(crate) use geometry::Resize;
pub(crate) use merge::Merge;

/// One checked basic operation with its values.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// `t.resize`.
    Resize(Resize),
    /// `t.extend`: borders of `[top, left, bottom, right]` pixels.
    Extend {
        sides: [u32; 4],
        background: [u8; 4],
        border: geometry::Border,
    },
    /// `t.extract`: `[left, top, width, height]`.
    Extract { area: [u32; 4] },
    /// `t.trim`.
    Trim { threshold: f64 },
    /// `t.rotate`.
    Rotate { angle: i64, background: [u8; 4] },
    /// `t.flip`: upside down.
    Flip,
    /// `t.flop`: mirror left to right.
    Flop,
    /// `t.sharpen`.
    Sharpen { sigma: f64 },
    /// `t.median`.
    Median { size: u32 },
    /// `t.blur`.
    Blur { sigma: f64 },
    /// `t.flatten`.
    Flatten { background: [u8; 4] },
    /// `t.negate`.
    Negate,
    /// `t.normalise`.
    Normalise,
    /// `t.linear`: `a * value + b`.
    Linear { a: f64, b: f64 },
    /// `t.modulate`.
    Modulate {
        brightness: f64,
        saturation: f64,
        hue: f64,
    },
    /// `t.grey`.
    Grey,
    /// `t.tint`.
    Tint { color: [u8; 4] },
    /// `t.toFormat`.
    ToFormat { format: OutputFormat, quality: u8 },
    /// `t.density`: metadata only.
    Density,
    /// `t.merge`.
    Merge(Box<Merge>),
    /// `t.compress`: the output's quality.
    Compress { quality: u8 },
}

/// Reads one transformation into an [`Op`], checking every value.
pub(crate) fn parse(
    transformation: &Transformation<'_>,
    url_dpr: Option<f64>,
) -> Result<Op, RenderError> {
    let step = Step::check(transformation)?;
    Ok(match step.name() {
        "resize" => Op::Resize(Resize::parse(&step, url_dpr)?),
        "extend" => geometry::parse_extend(&step, url_dpr)?,
        "extract" => geometry::parse_extract(&step)?,
        "trim" => Op::Trim {
            threshold: step.int("threshold", 0, 255)? as f64,
        },
        "rotate" => Op::Rotate {
            angle: step.int("angle", -3600, 3600)?,
            background: step.color("background")?,
        },
        "flip" => Op::Flip,
        "flop" => Op::Flop,
        "sharpen" => Op::Sharpen {
            sigma: step.float("sigma", 0.000_001, 10.0)?,
        },
        "median" => Op::Median {
            size: step.int("size", 1, 1000)? as u32,
        },
        "blur" => Op::Blur {
            sigma: step.float("sigma", 0.3, 1000.0)? * step.dpr(url_dpr)?,
        },
        "flatten" => Op::Flatten {
            background: step.color("background")?,
        },
        "negate" => Op::Negate,
        "normalise" => Op::Normalise,
        "linear" => Op::Linear {
            a: step.int("a", -1000, 1000)? as f64,
            b: step.int("b", -1000, 1000)? as f64,
        },
        "modulate" => Op::Modulate {
            brightness: step.float("brightness", 0.0, 1000.0)?,
            saturation: step.float("saturation", 0.0, 1000.0)?,
            hue: step.int("hue", -3600, 3600)? as f64,
        },
        "grey" => Op::Grey,
        "tint" => Op::Tint {
            color: step.color("color")?,
        },
        "toFormat" => {
            let format = step.word("format");
            let format = format.parse::<OutputFormat>().map_err(|_| {
                step.out_of_range("format", "jpeg, png, webp, tiff, avif, bmp or heif")
            })?;
            Op::ToFormat {
                format,
                quality: step.quality("quality")?,
            }
        }
        "density" => {
            step.int("density", 1, 100_000)?;
            Op::Density
        }
        "merge" => Op::Merge(Box::new(Merge::parse(&step)?)),
        "compress" => Op::Compress {
            quality: step.int("quality", 1, 100)? as u8,
        },
        other => {
            return Err(RenderError::UnknownOperation {
                operation: format!("t.{other}"),
            });
        }
    })
}

/// What the steps decided about the output so far.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OutputChoice {
    pub format: Option<OutputFormat>,
    pub quality: Option<u8>,
}

/// Applies one operation. `limit` is checked before an operation allocates a larger image.
pub(crate) fn apply(
    op: &Op,
    canvas: Canvas,
    options: &RenderOptions,
    output: &mut OutputChoice,
) -> Result<Canvas, RenderError> {
    let limit = |what: &str, width: u64, height: u64| {
        check_pixels(what, width, height, options.max_output_pixels)
    };
    Ok(match op {
        Op::Resize(resize) => resize.apply(canvas, &limit)?,
        Op::Extend {
            sides,
            background,
            border,
        } => geometry::extend(canvas, *sides, *background, *border, &limit)?,
        Op::Extract { area } => geometry::extract(canvas, *area)?,
        Op::Trim { threshold } => geometry::trim(canvas, *threshold)?,
        Op::Rotate { angle, background } => geometry::rotate(canvas, *angle, *background, &limit)?,
        Op::Flip => {
            let mut canvas = canvas;
            image::imageops::flip_vertical_in_place(&mut canvas.image);
            canvas
        }
        Op::Flop => {
            let mut canvas = canvas;
            image::imageops::flip_horizontal_in_place(&mut canvas.image);
            canvas
        }
        Op::Sharpen { sigma } => filter::sharpen(canvas, *sigma),
        Op::Median { size } => {
            let per_pixel = 4 * (2 * u64::from(*size) + 256);
            check_work(&canvas, "t.median", &format!("s:{size}"), per_pixel)?;
            filter::median(canvas, *size)
        }
        Op::Blur { sigma } => {
            let per_pixel = 4 * 2 * filter::blur_taps(*sigma);
            check_work(&canvas, "t.blur", &format!("s:{sigma}"), per_pixel)?;
            filter::blur(canvas, *sigma)
        }
        Op::Flatten { background } => colour::flatten(canvas, *background),
        Op::Negate => colour::negate(canvas),
        Op::Normalise => colour::normalise(canvas),
        Op::Linear { a, b } => colour::linear(canvas, *a, *b),
        Op::Modulate {
            brightness,
            saturation,
            hue,
        } => colour::modulate(canvas, *brightness, *saturation, *hue),
        Op::Grey => colour::grey(canvas),
        Op::Tint { color } => colour::tint(canvas, *color),
        Op::ToFormat { format, quality } => {
            output.format = Some(*format);
            output.quality = Some(*quality);
            canvas
        }
        // Density is metadata (DPI) only: the pixels do not change, and the encoders here
        // write no resolution.
        Op::Density => canvas,
        Op::Merge(merge) => merge.apply(canvas, options, &limit)?,
        Op::Compress { quality } => {
            output.quality = Some(*quality);
            canvas
        }
    })
}

/// Refuses an image of `width x height` over `limit` pixels (or of no pixels).
pub(crate) fn check_pixels(
    what: &str,
    width: u64,
    height: u64,
    limit: u64,
) -> Result<(), RenderError> {
    let pixels = width.saturating_mul(height);
    if pixels > limit || width > u64::from(u32::MAX) || height > u64::from(u32::MAX) {
        return Err(RenderError::TooManyPixels {
            what: what.to_owned(),
            width,
            height,
            pixels,
            limit,
        });
    }
    Ok(())
}

/// The most work one filter step may take, in multiply-adds: about 10 s of one core. A filter
/// whose window grows with its parameter (`t.blur` sigma up to 1000, `t.median` size up to
/// 1000) would otherwise keep a request busy for hours on a large image.
pub(crate) const MAX_FILTER_WORK: u64 = 10_000_000_000;

/// Refuses a filter step that would take more than [`MAX_FILTER_WORK`] on this image.
fn check_work(
    canvas: &Canvas,
    operation: &str,
    value: &str,
    per_pixel: u64,
) -> Result<(), RenderError> {
    let pixels = u64::from(canvas.width()) * u64::from(canvas.height());
    let work = pixels.saturating_mul(per_pixel);
    if work > MAX_FILTER_WORK {
        return Err(RenderError::Inapplicable {
            operation: operation.to_owned(),
            reason: format!(
                "{value} on a {}x{} image takes {work} operations, over the limit of {MAX_FILTER_WORK}; use a smaller value or resize first",
                canvas.width(),
                canvas.height()
            ),
        });
    }
    Ok(())
}

/// The pixel-size check an operation calls before allocating its result.
pub(crate) type Limit<'a> = dyn Fn(&str, u64, u64) -> Result<(), RenderError> + 'a;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `t.*` operation of the catalogue is rendered, with its defaults: a catalogue
    /// update that adds one, or renames a parameter read here, fails this test.
    #[test]
    fn every_basic_operation_of_the_catalogue_parses_with_its_defaults() {
        let basic: Vec<_> = pixelbin_url::catalogue::operations()
            .filter(|op| op.plugin_id() == "t")
            .collect();
        assert_eq!(basic.len(), 21);
        for op in basic {
            let mut step = Transformation::new("t", op.operation_id());
            if op.operation_id() == "merge" {
                step = step.arg("i", "logo.png");
            }
            if let Err(e) = parse(&step, None) {
                panic!("{}: {e}", op.prefix);
            }
        }
    }
}

//! Deterministic stand-ins for AI operations, so an app sees an answer of the right kind
//! offline: `erase.bg` a transparent background, `sr.upscale` a larger image. Every other AI
//! operation leaves its input unchanged.

use std::io::Cursor;

use bytes::Bytes;
use pixelbin_render::{RenderError, RenderOptions};
use pixelbin_url::Transformation;

use super::Output;

/// Neighbouring pixels this close (sum of absolute RGB differences) belong to the same
/// region of the matte.
const MATTE_STEP: u32 = 24;

/// The size of an image from its header, refused over the input pixel limit.
pub(super) fn dimensions(input: &[u8], options: &RenderOptions) -> Result<(u32, u32), RenderError> {
    let (width, height) = image::ImageReader::new(Cursor::new(input))
        .with_guessed_format()
        .map_err(|e| decode_error(&e))?
        .into_dimensions()
        .map_err(|e| decode_error(&e))?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > options.max_input_pixels {
        return Err(RenderError::TooManyPixels {
            what: "input".into(),
            width: width.into(),
            height: height.into(),
            pixels,
            limit: options.max_input_pixels,
        });
    }
    Ok((width, height))
}

fn decode_error(error: &dyn std::fmt::Display) -> RenderError {
    RenderError::Decode {
        reason: error.to_string(),
    }
}

/// `erase.bg`: the same image as PNG with its background transparent. The background is
/// what a flood fill from the border reaches through small colour steps (a simple matte that
/// follows smooth gradients and stops at a subject's edge; not a model).
pub fn erase_bg(input: &[u8], options: &RenderOptions) -> Result<Output, RenderError> {
    dimensions(input, options)?;
    let mut image = image::load_from_memory(input)
        .map_err(|e| decode_error(&e))?
        .into_rgba8();
    let (width, height) = image.dimensions();
    let index = |x: u32, y: u32| y as usize * width as usize + x as usize;
    let mut background = vec![false; width as usize * height as usize];
    let mut queue = std::collections::VecDeque::new();
    for (x, y, _) in image.enumerate_pixels() {
        if x == 0 || y == 0 || x + 1 == width || y + 1 == height {
            background[index(x, y)] = true;
            queue.push_back((x, y));
        }
    }
    while let Some((x, y)) = queue.pop_front() {
        let here = image.get_pixel(x, y).0;
        let neighbours = [
            (x.wrapping_sub(1), y),
            (x + 1, y),
            (x, y.wrapping_sub(1)),
            (x, y + 1),
        ];
        for (nx, ny) in neighbours {
            if nx >= width || ny >= height || background[index(nx, ny)] {
                continue;
            }
            let there = image.get_pixel(nx, ny).0;
            let step: u32 = (0..3).map(|c| u32::from(here[c].abs_diff(there[c]))).sum();
            if step <= MATTE_STEP {
                background[index(nx, ny)] = true;
                queue.push_back((nx, ny));
            }
        }
    }
    for (pixel, is_background) in image.pixels_mut().zip(background) {
        if is_background {
            pixel.0[3] = 0;
        }
    }
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| RenderError::Encode {
            format: pixelbin_render::OutputFormat::Png,
            reason: e.to_string(),
        })?;
    Ok(Output {
        bytes: Bytes::from(out.into_inner()),
        content_type: "image/png".into(),
    })
}

/// `sr.upscale`: the `t.resize` that enlarges the image by the step's factor (`t:2x`, `4x`
/// or `8x`; 2x by default), ignoring the URL's dpr.
pub fn upscale_step(
    input: &[u8],
    step: &Transformation<'_>,
    options: &RenderOptions,
) -> Result<Transformation<'static>, RenderError> {
    let factor = match step.param("t") {
        None => 2,
        Some(value) => match value.trim_end_matches('x').parse::<u32>() {
            Ok(factor @ (2 | 4 | 8)) => factor,
            _ => {
                return Err(RenderError::InvalidParameter {
                    operation: "sr.upscale".into(),
                    parameter: "t (type)".into(),
                    reason: format!("'{value}': expected 2x, 4x or 8x"),
                });
            }
        },
    };
    let (width, height) = dimensions(input, options)?;
    Ok(Transformation::new("t", "resize")
        .arg("w", u64::from(width) * u64::from(factor))
        .arg("h", u64::from(height) * u64::from(factor))
        .arg("f", "fill")
        .arg("dpr", 1))
}

//! Reading the input: its format from its bytes, its size from its header (refused over the
//! pixel limit before any pixel is decoded), and JPEGs decoded at 1/2, 1/4 or 1/8 scale when
//! the first step shrinks them that much (sharp's shrink-on-load).

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbaImage};

use crate::canvas::Canvas;
use crate::ops::check_pixels;
use crate::{OutputFormat, RenderError, RenderOptions};

/// A decoded input.
pub(crate) struct Decoded {
    pub canvas: Canvas,
    pub format: OutputFormat,
}

fn decode_error(e: impl std::fmt::Display) -> RenderError {
    RenderError::Decode {
        reason: e.to_string(),
    }
}

/// Decodes `input`. `jpeg_shrink` is given the input's size and answers the factor (1, 2,
/// 4 or 8) a JPEG may be decoded smaller by.
pub(crate) fn decode(
    input: &[u8],
    options: &RenderOptions,
    jpeg_shrink: impl FnOnce(u32, u32) -> u32,
) -> Result<Decoded, RenderError> {
    let format = image::guess_format(input).map_err(|_| RenderError::Decode {
        reason: "unrecognised format (expected JPEG, PNG, WebP, GIF, TIFF or BMP bytes)".to_owned(),
    })?;
    let mut reader = ImageReader::with_format(Cursor::new(input), format);
    let mut limits = image::Limits::default();
    // The pixel limit is checked below; this bounds what a decoder may allocate besides.
    limits.max_alloc = Some(options.max_input_pixels.saturating_mul(8).max(1 << 20));
    reader.limits(limits);
    let decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Unsupported(_) => RenderError::Decode {
            reason: format!(
                "{} input is not supported by this engine",
                format_name(format)
            ),
        },
        other => decode_error(other),
    })?;
    let (width, height) = decoder.dimensions();
    check_pixels(
        "input",
        u64::from(width),
        u64::from(height),
        options.max_input_pixels,
    )?;
    let colour = decoder.color_type();
    let (alpha, grey) = (colour.has_alpha(), !colour.has_color());
    let output = OutputFormat::of_input(format);

    let shrink = if format == ImageFormat::Jpeg {
        jpeg_shrink(width, height)
    } else {
        1
    };
    if shrink > 1 {
        drop(decoder);
        if let Some(canvas) = decode_jpeg_scaled(input, width, height, shrink)? {
            return Ok(Decoded {
                canvas,
                format: output,
            });
        }
    } else {
        let image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
        return Ok(Decoded {
            canvas: Canvas::new(image.into_rgba8(), alpha, grey),
            format: output,
        });
    }
    // A JPEG the scaling decoder does not take (CMYK, 16-bit): decoded whole.
    let image = image::load_from_memory_with_format(input, format).map_err(decode_error)?;
    Ok(Decoded {
        canvas: Canvas::new(image.into_rgba8(), alpha, grey),
        format: output,
    })
}

/// A JPEG decoded at `1/shrink` of its size, or `None` for pixel formats left to the
/// full decoder.
fn decode_jpeg_scaled(
    input: &[u8],
    width: u32,
    height: u32,
    shrink: u32,
) -> Result<Option<Canvas>, RenderError> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(input));
    let wanted = |n: u32| u16::try_from(n.div_ceil(shrink)).unwrap_or(u16::MAX);
    let (w, h) = decoder
        .scale(wanted(width), wanted(height))
        .map_err(decode_error)?;
    let pixels = decoder.decode().map_err(decode_error)?;
    let Some(info) = decoder.info() else {
        return Ok(None);
    };
    let (w, h) = (u32::from(w), u32::from(h));
    let image = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => {
            image::RgbImage::from_raw(w, h, pixels).map(|i| DynamicImage::ImageRgb8(i).into_rgba8())
        }
        jpeg_decoder::PixelFormat::L8 => image::GrayImage::from_raw(w, h, pixels)
            .map(|i| DynamicImage::ImageLuma8(i).into_rgba8()),
        _ => None,
    };
    Ok(image.map(|image: RgbaImage| {
        let grey = info.pixel_format == jpeg_decoder::PixelFormat::L8;
        Canvas::new(image, false, grey)
    }))
}

fn format_name(format: ImageFormat) -> &'static str {
    format.extensions_str().first().copied().unwrap_or("this")
}

//! Writing the output in the chosen format, with sharp's default qualities.

use std::io::Cursor;

use image::{ExtendedColorType, ImageEncoder, RgbaImage};

use crate::canvas::Canvas;
use crate::{OutputFormat, RenderError};

/// sharp's default quality for JPEG and WebP output.
const DEFAULT_QUALITY: u8 = 80;
/// sharp's default AVIF quality.
const DEFAULT_AVIF_QUALITY: u8 = 50;
/// rav1e's speed (0 slowest .. 10 fastest) for AVIF: a CDN-like balance of time and size.
#[cfg(feature = "avif")]
const AVIF_SPEED: u8 = 8;

/// The canvas's bands as the encoders take them: grey or colour, with or without alpha.
fn pixels(canvas: &Canvas, keep_alpha: bool) -> (Vec<u8>, ExtendedColorType) {
    let image = &canvas.image;
    let alpha = keep_alpha && canvas.alpha;
    match (canvas.grey, alpha) {
        (true, true) => (
            image.pixels().flat_map(|p| [p[0], p[3]]).collect(),
            ExtendedColorType::La8,
        ),
        (true, false) => (
            image.pixels().map(|p| p[0]).collect(),
            ExtendedColorType::L8,
        ),
        (false, true) => (image.as_raw().clone(), ExtendedColorType::Rgba8),
        (false, false) => (
            image.pixels().flat_map(|p| [p[0], p[1], p[2]]).collect(),
            ExtendedColorType::Rgb8,
        ),
    }
}

/// The canvas over black, for formats without alpha (as libvips saves JPEG).
fn flattened(canvas: &Canvas) -> Canvas {
    if !canvas.alpha {
        return canvas.clone();
    }
    let mut image: RgbaImage = canvas.image.clone();
    for p in image.pixels_mut() {
        let a = u16::from(p[3]);
        for c in 0..3 {
            p[c] = ((u16::from(p[c]) * a + 127) / 255) as u8;
        }
        p[3] = 255;
    }
    Canvas::new(image, false, canvas.grey)
}

/// Encodes `canvas` as `format`; `quality` (1..=100) for the lossy formats.
pub(crate) fn encode(
    canvas: &Canvas,
    format: OutputFormat,
    quality: Option<u8>,
) -> Result<Vec<u8>, RenderError> {
    let (w, h) = (canvas.width(), canvas.height());
    let fail = |e: &dyn std::fmt::Display| RenderError::Encode {
        format,
        reason: e.to_string(),
    };
    let mut out = Vec::new();
    match format {
        OutputFormat::Jpeg => {
            let canvas = flattened(canvas);
            let (data, colour) = pixels(&canvas, false);
            image::codecs::jpeg::JpegEncoder::new_with_quality(
                &mut out,
                quality.unwrap_or(DEFAULT_QUALITY),
            )
            .write_image(&data, w, h, colour)
            .map_err(|e| fail(&e))?;
        }
        OutputFormat::Png => {
            let (data, colour) = pixels(canvas, true);
            image::codecs::png::PngEncoder::new_with_quality(
                &mut out,
                image::codecs::png::CompressionType::Fast,
                image::codecs::png::FilterType::Adaptive,
            )
            .write_image(&data, w, h, colour)
            .map_err(|e| fail(&e))?;
        }
        OutputFormat::Webp => {
            let quality = f32::from(quality.unwrap_or(DEFAULT_QUALITY));
            let encoder = if canvas.alpha {
                webp::Encoder::from_rgba(canvas.image.as_raw(), w, h)
            } else {
                let rgb: Vec<u8> = canvas
                    .image
                    .pixels()
                    .flat_map(|p| [p[0], p[1], p[2]])
                    .collect();
                return webp_rgb(&rgb, w, h, quality).map_err(|e| fail(&e));
            };
            out = encoder
                .encode_simple(false, quality)
                .map_err(|e| fail(&format!("{e:?}")))?
                .to_vec();
        }
        OutputFormat::Avif => return encode_avif(canvas, quality.unwrap_or(DEFAULT_AVIF_QUALITY)),
        OutputFormat::Tiff => {
            // sharp writes JPEG-compressed TIFF, which holds no alpha: flattened, as sharp's.
            let canvas = flattened(canvas);
            let (data, colour) = pixels(&canvas, false);
            let mut cursor = Cursor::new(Vec::new());
            image::codecs::tiff::TiffEncoder::new(&mut cursor)
                .write_image(&data, w, h, colour)
                .map_err(|e| fail(&e))?;
            out = cursor.into_inner();
        }
        OutputFormat::Bmp => {
            let (data, colour) = pixels(canvas, true);
            image::codecs::bmp::BmpEncoder::new(&mut out)
                .write_image(&data, w, h, colour)
                .map_err(|e| fail(&e))?;
        }
        OutputFormat::Gif => {
            let mut encoder = image::codecs::gif::GifEncoder::new(&mut out);
            encoder
                .encode(canvas.image.as_raw(), w, h, ExtendedColorType::Rgba8)
                .map_err(|e| fail(&e))?;
        }
        OutputFormat::Heif => {
            return Err(RenderError::UnsupportedFormat {
                format: "heif".to_owned(),
                reason: "no maintained HEIF/HEVC encoder exists for Rust without linking libheif; use avif (the same container with AV1) or webp".to_owned(),
            });
        }
    }
    Ok(out)
}

fn webp_rgb(rgb: &[u8], w: u32, h: u32, quality: f32) -> Result<Vec<u8>, String> {
    webp::Encoder::from_rgb(rgb, w, h)
        .encode_simple(false, quality)
        .map(|memory| memory.to_vec())
        .map_err(|e| format!("{e:?}"))
}

#[cfg(feature = "avif")]
fn encode_avif(canvas: &Canvas, quality: u8) -> Result<Vec<u8>, RenderError> {
    let (data, colour) = pixels(canvas, true);
    let (data, colour) = match colour {
        // rav1e through `image` takes RGB(A) only.
        ExtendedColorType::L8 | ExtendedColorType::La8 => {
            let expanded = Canvas::new(canvas.image.clone(), canvas.alpha, false);
            pixels(&expanded, true)
        }
        _ => (data, colour),
    };
    let mut out = Vec::new();
    image::codecs::avif::AvifEncoder::new_with_speed_quality(&mut out, AVIF_SPEED, quality)
        .write_image(&data, canvas.width(), canvas.height(), colour)
        .map_err(|e| RenderError::Encode {
            format: OutputFormat::Avif,
            reason: e.to_string(),
        })?;
    Ok(out)
}

#[cfg(not(feature = "avif"))]
fn encode_avif(_: &Canvas, _: u8) -> Result<Vec<u8>, RenderError> {
    Err(RenderError::UnsupportedFormat {
        format: "avif".to_owned(),
        reason: "this build of pixelbin-render has no AVIF encoder (enable its `avif` feature)"
            .to_owned(),
    })
}

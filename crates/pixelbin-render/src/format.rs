//! [`OutputFormat`]: the image formats the engine writes, their names and content types.

use std::fmt;
use std::str::FromStr;

/// An image format the renderer can be asked to write (`t.toFormat(f:...)`, or the input's
/// own format when the pattern does not change it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// JPEG (lossy; `q` is the quality).
    Jpeg,
    /// PNG (lossless).
    Png,
    /// WebP, lossy through libwebp (`q` is the quality).
    Webp,
    /// AVIF through rav1e (needs the `avif` feature).
    Avif,
    /// TIFF (uncompressed).
    Tiff,
    /// BMP.
    Bmp,
    /// HEIF: accepted by the catalogue, but no maintained Rust encoder exists, so asking for
    /// it is an [`UnsupportedFormat`](crate::RenderError::UnsupportedFormat) error.
    Heif,
    /// GIF: never asked for by `t.toFormat`, kept when the input is a GIF.
    Gif,
}

impl OutputFormat {
    /// The name `t.toFormat` uses (`jpeg`, `png`, ...).
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "jpeg",
            OutputFormat::Png => "png",
            OutputFormat::Webp => "webp",
            OutputFormat::Avif => "avif",
            OutputFormat::Tiff => "tiff",
            OutputFormat::Bmp => "bmp",
            OutputFormat::Heif => "heif",
            OutputFormat::Gif => "gif",
        }
    }

    /// The HTTP content type of the format (`image/jpeg`, ...).
    pub fn content_type(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "image/jpeg",
            OutputFormat::Png => "image/png",
            OutputFormat::Webp => "image/webp",
            OutputFormat::Avif => "image/avif",
            OutputFormat::Tiff => "image/tiff",
            OutputFormat::Bmp => "image/bmp",
            OutputFormat::Heif => "image/heif",
            OutputFormat::Gif => "image/gif",
        }
    }

    /// The format of an input the decoder recognised, when the engine can write it back.
    pub(crate) fn of_input(format: image::ImageFormat) -> OutputFormat {
        match format {
            image::ImageFormat::Jpeg => OutputFormat::Jpeg,
            image::ImageFormat::WebP => OutputFormat::Webp,
            image::ImageFormat::Tiff => OutputFormat::Tiff,
            image::ImageFormat::Bmp => OutputFormat::Bmp,
            image::ImageFormat::Gif => OutputFormat::Gif,
            image::ImageFormat::Avif => OutputFormat::Avif,
            // PNG, and anything else decoded, is written as lossless PNG.
            _ => OutputFormat::Png,
        }
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not one of the formats.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown image format '{0}': expected jpeg, png, webp, avif, tiff, bmp, heif or gif")]
pub struct UnknownFormat(pub String);

impl FromStr for OutputFormat {
    type Err = UnknownFormat;

    /// Reads a format name (`jpeg`/`jpg`, `png`, `webp`, `avif`, `tiff`/`tif`, `bmp`,
    /// `heif`, `gif`), ignoring case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "jpeg" | "jpg" => OutputFormat::Jpeg,
            "png" => OutputFormat::Png,
            "webp" => OutputFormat::Webp,
            "avif" => OutputFormat::Avif,
            "tiff" | "tif" => OutputFormat::Tiff,
            "bmp" => OutputFormat::Bmp,
            "heif" | "heic" => OutputFormat::Heif,
            "gif" => OutputFormat::Gif,
            _ => return Err(UnknownFormat(s.to_owned())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for format in [
            OutputFormat::Jpeg,
            OutputFormat::Png,
            OutputFormat::Webp,
            OutputFormat::Avif,
            OutputFormat::Tiff,
            OutputFormat::Bmp,
            OutputFormat::Heif,
            OutputFormat::Gif,
        ] {
            assert_eq!(format.name().parse::<OutputFormat>(), Ok(format));
            assert!(format.content_type().starts_with("image/"));
        }
        assert_eq!("JPG".parse::<OutputFormat>(), Ok(OutputFormat::Jpeg));
        assert!("jxl".parse::<OutputFormat>().is_err());
    }
}

//! [`Canvas`]: the image between steps, as 8-bit RGBA plus what its bands mean.

use image::RgbaImage;

/// The image being rendered. Pixels are always held as straight (not premultiplied) RGBA;
/// `alpha` and `grey` say which bands the image really has, as sharp keeps band counts: an
/// opaque image stays without alpha in the output, `t.grey` gives a one-band image.
#[derive(Debug, Clone)]
pub(crate) struct Canvas {
    /// The pixels.
    pub image: RgbaImage,
    /// The image has an alpha band.
    pub alpha: bool,
    /// The image has one colour band (red = green = blue).
    pub grey: bool,
}

impl Canvas {
    /// A canvas from RGBA pixels and what bands they stand for.
    pub fn new(image: RgbaImage, alpha: bool, grey: bool) -> Canvas {
        Canvas { image, alpha, grey }
    }

    pub fn width(&self) -> u32 {
        self.image.width()
    }

    pub fn height(&self) -> u32 {
        self.image.height()
    }

    /// The same bands over other pixels (an operation's result).
    pub fn with_image(&self, image: RgbaImage) -> Canvas {
        Canvas {
            image,
            alpha: self.alpha,
            grey: self.grey,
        }
    }
}

/// An RGBA colour from a pattern's hex (`RRGGBB` is opaque).
pub(crate) fn parse_hex_color(hex: &str) -> Option<[u8; 4]> {
    if !(hex.len() == 6 || hex.len() == 8) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    let alpha = if hex.len() == 8 { byte(6)? } else { 255 };
    Some([byte(0)?, byte(2)?, byte(4)?, alpha])
}

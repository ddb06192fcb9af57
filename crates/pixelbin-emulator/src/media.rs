//! Just enough image handling for an emulator: recognise formats and sizes (through the SDK's
//! sniffing) and write small valid PNG and JPEG files.
//!
//! Public: [`sample_png`], a generated photo for demos and tests, so they need no image on disk
//! and no image crate.
//!
//! ```
//! let png = pixelbin_emulator::media::sample_png(64, 48);
//! assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
//! ```

/// What the first bytes of a file say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sniffed {
    /// MIME type, e.g. `image/png`.
    pub(crate) content_type: &'static str,
    /// Short format name used in file objects, e.g. `png`.
    pub(crate) format: &'static str,
}

/// Recognises image formats by their magic bytes (the SDK's sniffing, so the emulator judges
/// content exactly as the SDK does).
pub(crate) fn sniff(bytes: &[u8]) -> Option<Sniffed> {
    let content_type = pixelbin_http::model::content_type_of(bytes)?;
    Some(Sniffed {
        content_type,
        format: pixelbin_http::model::format_for_content_type(content_type)?,
    })
}

/// Width and height read from an image header (PNG, JPEG, GIF, WebP and BMP).
pub(crate) use pixelbin_http::model::dimensions_of as dimensions;

/// The MIME type that goes with a file extension.
pub(crate) fn content_type_for_extension(ext: &str) -> Option<&'static str> {
    pixelbin_http::model::content_type_for_name(&format!("x.{ext}"))
}

/// The asset type (`image`, `video`, `raw`) of a MIME type.
pub(crate) fn asset_type(content_type: &str) -> &'static str {
    if content_type.starts_with("image/") {
        "image"
    } else if content_type.starts_with("video/") {
        "video"
    } else if content_type.starts_with("audio/") {
        "audio"
    } else {
        "raw"
    }
}

/// Largest side of a [`sample_png`]: 4096 x 4096 RGB is 48 MiB uncompressed.
const MAX_SAMPLE_SIDE: u32 = 4096;

/// A photo-like RGB PNG of `width` x `height` pixels: a coloured disc (the "subject") on a
/// gradient (the "background"), the kind of picture `erase_bg` works on.
///
/// Sides are clamped to `1..=4096`. Pixels are stored uncompressed, so the file is about
/// `3 * width * height` bytes (~190 KiB at 256 x 256), big enough to upload in parts. Same
/// dimensions, same bytes.
pub fn sample_png(width: u32, height: u32) -> Vec<u8> {
    let width = width.clamp(1, MAX_SAMPLE_SIDE);
    let height = height.clamp(1, MAX_SAMPLE_SIDE);
    let (cx, cy) = (f64::from(width) / 2.0, f64::from(height) / 2.0);
    let radius = f64::from(width.min(height)) / 3.0;
    encode_png(width, height, |x, y| {
        let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
        if dx * dx + dy * dy <= radius * radius {
            [230, 90, 40]
        } else {
            // x < width <= 4096, so the products fit and the results stay below 256.
            [
                (40 + x * 120 / width) as u8,
                (120 + y * 100 / height) as u8,
                200,
            ]
        }
    })
}

/// Writes an RGBA PNG of `width` x `height` (each clamped to 1..=256) whose pixels are a pattern
/// derived from `seed`, with a fully transparent border (the "removed background").
pub(crate) fn generate_png(width: u32, height: u32, seed: &[u8]) -> Vec<u8> {
    let width = width.clamp(1, 256);
    let height = height.clamp(1, 256);
    let pick = |i: usize| seed.get(i % seed.len().max(1)).copied().unwrap_or(0x80);
    encode_png(width, height, |x, y| {
        let border =
            x < width / 8 || y < height / 8 || x >= width - width / 8 || y >= height - height / 8;
        let alpha = if border { 0 } else { 255 };
        [pick(0) ^ (x as u8), pick(1) ^ (y as u8), pick(2), alpha]
    })
}

/// Encodes a PNG whose pixel at `(x, y)` is `pixel(x, y)`: RGB for 3 channels, RGBA for 4.
///
/// Callers keep the sides small (a few thousand at most): the pixels are held in memory
/// uncompressed.
fn encode_png<const CHANNELS: usize>(
    width: u32,
    height: u32,
    pixel: impl Fn(u32, u32) -> [u8; CHANNELS],
) -> Vec<u8> {
    // PNG colour types: 2 is 8-bit RGB, 6 is 8-bit RGBA.
    let color_type: u8 = const {
        match CHANNELS {
            3 => 2,
            4 => 6,
            _ => panic!("PNG pixels here are RGB (3 bytes) or RGBA (4 bytes)"),
        }
    };
    let mut raw = Vec::with_capacity(height as usize * (1 + CHANNELS * width as usize));
    for y in 0..height {
        raw.push(0); // filter type "None" for every scanline
        for x in 0..width {
            raw.extend_from_slice(&pixel(x, y));
        }
    }
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    // 8-bit depth, colour type, deflate, adaptive filtering, no interlace.
    ihdr.extend_from_slice(&[8, color_type, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(&mut png, b"IDAT", &zlib_stored(&raw));
    png_chunk(&mut png, b"IEND", &[]);
    png
}

/// Appends a PNG chunk: length, type, data, CRC of type and data.
fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream of uncompressed ("stored") deflate blocks of at most 65535 bytes: valid and
/// simple.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let chunks: Vec<&[u8]> = if data.is_empty() {
        vec![&[]]
    } else {
        data.chunks(65_535).collect()
    };
    let last = chunks.len() - 1;
    for (i, chunk) in chunks.into_iter().enumerate() {
        out.push(u8::from(i == last)); // BFINAL on the last block, BTYPE 00 (stored)
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

/// A valid baseline JPEG of `width` x `height` (each 1..=65535) in flat mid grey.
///
/// Every 8x8 block has DC difference 0 and only an end-of-block AC code, so the entropy data is
/// two 1-bit codes per block; Huffman tables with a single code each keep it that small.
pub(crate) fn generate_jpeg(width: u16, height: u16) -> Vec<u8> {
    let width = width.max(1);
    let height = height.max(1);
    let mut out = vec![0xFF, 0xD8];
    // DQT: table 0, all ones.
    out.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x43, 0x00]);
    out.extend_from_slice(&[1u8; 64]);
    // SOF0: 8-bit, one component, no subsampling, quant table 0.
    out.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 0x08]);
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&width.to_be_bytes());
    out.extend_from_slice(&[0x01, 0x01, 0x11, 0x00]);
    // DHT: DC table 0 with one 1-bit code for category 0; AC table 0 with one 1-bit code for EOB.
    for class in [0x00u8, 0x10] {
        out.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x14, class]);
        let mut counts = [0u8; 16];
        counts[0] = 1;
        out.extend_from_slice(&counts);
        out.push(0x00);
    }
    // SOS: one component using tables 0/0, full spectral range.
    out.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    let blocks = usize::from(width.div_ceil(8)) * usize::from(height.div_ceil(8));
    let bits = blocks * 2; // "0" (DC category 0) + "0" (EOB) per block
    let mut data = vec![0u8; bits.div_ceil(8)];
    let pad = data.len() * 8 - bits;
    if pad > 0 {
        // Pad the last byte with 1 bits, as the format requires.
        if let Some(last) = data.last_mut() {
            *last = (1u8 << pad) - 1;
        }
    }
    out.extend_from_slice(&data); // zero bytes never need 0xFF stuffing
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_roundtrips_through_sniffing() {
        let png = generate_png(20, 10, b"seed");
        assert_eq!(sniff(&png).map(|s| s.format), Some("png"));
        assert_eq!(dimensions(&png), Some((20, 10)));
    }

    #[test]
    fn jpeg_roundtrips_through_sniffing() {
        let jpeg = generate_jpeg(640, 480);
        assert_eq!(sniff(&jpeg).map(|s| s.content_type), Some("image/jpeg"));
        assert_eq!(dimensions(&jpeg), Some((640, 480)));
    }

    #[test]
    fn crc_and_adler_known_answers() {
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    #[test]
    fn sample_png_has_the_right_structure() {
        let png = sample_png(256, 256);
        assert_eq!(sniff(&png).map(|s| s.format), Some("png"));
        assert_eq!(dimensions(&png), Some((256, 256)));
        assert_eq!(png[25], 2, "colour type RGB");
        assert_eq!(&png[png.len() - 8..png.len() - 4], b"IEND");
        // Raw pixels + per-row filter bytes + zlib and chunk framing.
        let raw = 256 * (1 + 3 * 256);
        assert!(png.len() > raw && png.len() < raw + 200, "{}", png.len());
        assert_eq!(png, sample_png(256, 256), "same dimensions, same bytes");
    }

    #[test]
    fn sample_png_sides_are_clamped() {
        assert_eq!(dimensions(&sample_png(0, 0)), Some((1, 1)));
        assert_eq!(dimensions(&sample_png(5000, 1)), Some((4096, 1)));
        assert_eq!(dimensions(&sample_png(3, 7)), Some((3, 7)));
    }

    #[test]
    fn generated_png_is_rgba() {
        let png = generate_png(300, 0, b"");
        assert_eq!(dimensions(&png), Some((256, 1)));
        assert_eq!(png[25], 6, "colour type RGBA");
    }

    #[test]
    fn stored_blocks_split_at_64_kib() {
        let data = vec![7u8; 70_000];
        let z = zlib_stored(&data);
        // zlib header + 2 block headers + data + Adler-32
        assert_eq!(z.len(), 2 + 5 * 2 + 70_000 + 4);
        assert_eq!(z[2], 0); // first block not final
        assert_eq!(z[2 + 5 + 65_535], 1); // second block final
        assert_eq!(zlib_stored(&[]).len(), 2 + 5 + 4);
    }

    #[test]
    fn unknown_bytes_are_not_images() {
        assert_eq!(sniff(b"hello world"), None);
    }
}

//! Just enough image handling for an emulator: recognise formats from magic bytes, read
//! dimensions from headers, and write small valid PNG and JPEG files.

/// What the first bytes of a file say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    /// MIME type, e.g. `image/png`.
    pub content_type: &'static str,
    /// Short format name used in file objects, e.g. `png`.
    pub format: &'static str,
}

/// Recognises common image formats by their magic bytes.
pub fn sniff(bytes: &[u8]) -> Option<Sniffed> {
    let found = |content_type, format| {
        Some(Sniffed {
            content_type,
            format,
        })
    };
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        found("image/png", "png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        found("image/jpeg", "jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        found("image/gif", "gif")
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        found("image/webp", "webp")
    } else if bytes.starts_with(b"BM") && bytes.len() >= 26 {
        found("image/bmp", "bmp")
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        found("image/tiff", "tiff")
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        match &bytes[8..12] {
            b"avif" | b"avis" => found("image/avif", "avif"),
            b"heic" | b"heix" | b"mif1" | b"msf1" => found("image/heic", "heic"),
            _ => None,
        }
    } else {
        None
    }
}

/// Width and height read from an image header, for PNG, JPEG, GIF, WebP and BMP.
pub fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let format = sniff(bytes)?.format;
    match format {
        "png" if bytes.len() >= 24 => Some((be32(&bytes[16..20]), be32(&bytes[20..24]))),
        "gif" if bytes.len() >= 10 => Some((
            u32::from(u16::from_le_bytes([bytes[6], bytes[7]])),
            u32::from(u16::from_le_bytes([bytes[8], bytes[9]])),
        )),
        "bmp" => Some((
            le32(&bytes[18..22]),
            // Negative heights mean top-down rows.
            i32::from_le_bytes([bytes[22], bytes[23], bytes[24], bytes[25]]).unsigned_abs(),
        )),
        "jpeg" => jpeg_dimensions(bytes),
        "webp" => webp_dimensions(bytes),
        _ => None,
    }
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// Walks JPEG segments up to the first start-of-frame marker.
fn jpeg_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            return None;
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1; // fill byte
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        let is_sof = (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker);
        if is_sof {
            let seg = bytes.get(i + 4..i + 9)?;
            let height = u16::from_be_bytes([seg[1], seg[2]]);
            let width = u16::from_be_bytes([seg[3], seg[4]]);
            return Some((u32::from(width), u32::from(height)));
        }
        i += 2 + len;
    }
    None
}

fn webp_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let chunk = bytes.get(12..16)?;
    match chunk {
        b"VP8X" => {
            let b = bytes.get(24..30)?;
            let w = u32::from_le_bytes([b[0], b[1], b[2], 0]) + 1;
            let h = u32::from_le_bytes([b[3], b[4], b[5], 0]) + 1;
            Some((w, h))
        }
        b"VP8 " => {
            let b = bytes.get(26..30)?;
            let w = u32::from(u16::from_le_bytes([b[0], b[1]]) & 0x3FFF);
            let h = u32::from(u16::from_le_bytes([b[2], b[3]]) & 0x3FFF);
            Some((w, h))
        }
        b"VP8L" => {
            let b = bytes.get(21..25)?;
            let bits = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        _ => None,
    }
}

/// The MIME type that goes with a file extension.
pub fn content_type_for_extension(ext: &str) -> Option<&'static str> {
    Some(match ext.to_ascii_lowercase().as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "bmp" => "image/bmp",
        "tif" | "tiff" => "image/tiff",
        "avif" => "image/avif",
        "heic" => "image/heic",
        "svg" => "image/svg+xml",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "txt" => "text/plain",
        "json" => "application/json",
        _ => return None,
    })
}

/// The asset type (`image`, `video`, `raw`) of a MIME type.
pub fn asset_type(content_type: &str) -> &'static str {
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

/// Writes an RGBA PNG of `width` x `height` whose pixels are a pattern derived from `seed`,
/// with a fully transparent border (the "removed background").
pub fn generate_png(width: u32, height: u32, seed: &[u8]) -> Vec<u8> {
    let width = width.clamp(1, 256);
    let height = height.clamp(1, 256);
    let pick = |i: usize| seed.get(i % seed.len().max(1)).copied().unwrap_or(0x80);
    let mut raw = Vec::with_capacity((height * (width * 4 + 1)) as usize);
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            let border = x < width / 8
                || y < height / 8
                || x >= width - width / 8
                || y >= height - height / 8;
            let alpha = if border { 0 } else { 255 };
            raw.extend_from_slice(&[pick(0) ^ (x as u8), pick(1) ^ (y as u8), pick(2), alpha]);
        }
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA, no interlace
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(&mut png, b"IDAT", &zlib_stored(&raw));
    png_chunk(&mut png, b"IEND", &[]);
    png
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream of uncompressed ("stored") deflate blocks: valid and simple.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let chunks: Vec<&[u8]> = if data.is_empty() {
        vec![&[]]
    } else {
        data.chunks(65_535).collect()
    };
    let last = chunks.len() - 1;
    for (i, chunk) in chunks.into_iter().enumerate() {
        out.push(u8::from(i == last));
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
pub fn generate_jpeg(width: u16, height: u16) -> Vec<u8> {
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
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    #[test]
    fn unknown_bytes_are_not_images() {
        assert_eq!(sniff(b"hello world"), None);
        assert_eq!(dimensions(b"hello world"), None);
        assert_eq!(dimensions(&[0xFF, 0xD8, 0xFF]), None);
    }

    #[test]
    fn gif_and_webp_dimensions() {
        let gif = b"GIF89a\x10\x00\x20\x00rest";
        assert_eq!(dimensions(gif), Some((16, 32)));
        let mut webp = b"RIFF\0\0\0\0WEBPVP8X".to_vec();
        webp.extend_from_slice(&[0; 8]);
        webp.extend_from_slice(&[99, 0, 0, 49, 0, 0]);
        assert_eq!(dimensions(&webp), Some((100, 50)));
    }
}

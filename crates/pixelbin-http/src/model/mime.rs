//! Content types, in one place for the SDK and the emulator: from a file name's extension
//! ([`content_type_for_name`]), from the bytes themselves ([`content_type_of`], magic numbers
//! only, nothing decoded), the format name that goes with one ([`format_for_content_type`]), and
//! an image's pixel size from its header ([`dimensions_of`]).

/// The content type for a file name's extension (case-insensitive), `None`
/// for an extension the table does not know.
///
/// ```
/// use pixelbin_http::model::content_type_for_name;
///
/// assert_eq!(content_type_for_name("Cat.JPEG"), Some("image/jpeg"));
/// assert_eq!(content_type_for_name("clip.mov"), Some("video/quicktime"));
/// assert_eq!(content_type_for_name("README"), None);
/// ```
pub fn content_type_for_name(filename: &str) -> Option<&'static str> {
    let ext = filename.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" | "jfif" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "avif" => "image/avif",
        "heic" | "heif" => "image/heic",
        "tif" | "tiff" => "image/tiff",
        "bmp" => "image/bmp",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mov" => "video/quicktime",
        "json" => "application/json",
        "txt" => "text/plain",
        _ => return None,
    })
}

/// The short format name Pixelbin uses for a content type (`image/jpeg` is `jpeg`), the
/// extension of stored files; `None` for a type the table does not know.
///
/// ```
/// use pixelbin_http::model::format_for_content_type;
///
/// assert_eq!(format_for_content_type("image/jpeg"), Some("jpeg"));
/// assert_eq!(format_for_content_type("image/PNG; charset=binary"), Some("png"));
/// assert_eq!(format_for_content_type("application/x-unknown"), None);
/// ```
pub fn format_for_content_type(content_type: &str) -> Option<&'static str> {
    // A header value may carry parameters and any case (`image/PNG; charset=binary`).
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    Some(match essence.as_str() {
        "image/jpeg" => "jpeg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        "image/avif" => "avif",
        "image/heic" => "heic",
        "image/tiff" => "tiff",
        "image/bmp" => "bmp",
        "image/svg+xml" => "svg",
        "image/x-icon" => "ico",
        "application/pdf" => "pdf",
        "video/mp4" => "mp4",
        "video/webm" => "webm",
        "video/quicktime" => "mov",
        "application/json" => "json",
        "text/plain" => "txt",
        _ => return None,
    })
}

/// The content type of `data` from its magic bytes, for the image formats Pixelbin accepts;
/// `None` for anything else (text, truncated headers, unknown formats). Only the first bytes are
/// read, so a file's head is enough.
///
/// ```
/// use pixelbin_http::model::content_type_of;
///
/// assert_eq!(content_type_of(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
/// assert_eq!(content_type_of(b"not an image, whatever the name"), None);
/// ```
pub fn content_type_of(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if data.len() >= 12 && &data[0..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Some("image/webp")
    } else if data.starts_with(b"BM") && data.len() >= 26 {
        Some("image/bmp")
    } else if data.starts_with(b"II*\0") || data.starts_with(b"MM\0*") {
        Some("image/tiff")
    } else if data.len() >= 12 && &data[4..8] == b"ftyp" {
        match &data[8..12] {
            b"avif" | b"avis" => Some("image/avif"),
            b"heic" | b"heix" | b"mif1" | b"msf1" | b"heim" | b"heis" => Some("image/heic"),
            _ => None,
        }
    } else {
        None
    }
}

/// Width and height in pixels read from the header of a PNG, JPEG, GIF, WebP or BMP (nothing is
/// decoded); `None` when not recognised or truncated.
pub fn dimensions_of(data: &[u8]) -> Option<(u32, u32)> {
    match content_type_of(data)? {
        "image/png" => {
            // IHDR is always the first chunk: width and height are big-endian at 16 and 20.
            Some((be32(data, 16)?, be32(data, 20)?))
        }
        "image/gif" => Some((u32::from(le16(data, 6)?), u32::from(le16(data, 8)?))),
        "image/jpeg" => jpeg_dimensions(data),
        "image/webp" => webp_dimensions(data),
        "image/bmp" => {
            let w = i32::from_le_bytes(data.get(18..22)?.try_into().ok()?);
            let h = i32::from_le_bytes(data.get(22..26)?.try_into().ok()?);
            // A negative height means a top-down bitmap.
            Some((w.unsigned_abs(), h.unsigned_abs()))
        }
        _ => None,
    }
}

fn be16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(d.get(at..at + 2)?.try_into().ok()?))
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

fn le16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(d.get(at..at + 2)?.try_into().ok()?))
}

fn le24(d: &[u8], at: usize) -> Option<u32> {
    let b = d.get(at..at + 3)?;
    Some(u32::from(b[0]) | (u32::from(b[1]) << 8) | (u32::from(b[2]) << 16))
}

/// Walks the JPEG markers up to the first start-of-frame, which holds the size.
fn jpeg_dimensions(d: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    loop {
        // Markers may be padded with any number of 0xFF bytes.
        while *d.get(i)? == 0xFF && *d.get(i + 1)? == 0xFF {
            i += 1;
        }
        if *d.get(i)? != 0xFF {
            return None;
        }
        let marker = *d.get(i + 1)?;
        // Standalone markers carry no length.
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            i += 2;
            continue;
        }
        let len = usize::from(be16(d, i + 2)?);
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let h = be16(d, i + 5)?;
            let w = be16(d, i + 7)?;
            return Some((u32::from(w), u32::from(h)));
        }
        if marker == 0xD9 || marker == 0xDA || len < 2 {
            return None;
        }
        i += 2 + len;
    }
}

fn webp_dimensions(d: &[u8]) -> Option<(u32, u32)> {
    match d.get(12..16)? {
        b"VP8 " => {
            // Lossy: 14-bit sizes after the 3-byte frame tag and 3-byte start code.
            let w = le16(d, 26)? & 0x3FFF;
            let h = le16(d, 28)? & 0x3FFF;
            Some((u32::from(w), u32::from(h)))
        }
        b"VP8L" => {
            let b = d.get(21..25)?;
            let bits = u32::from_le_bytes(b.try_into().ok()?);
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => Some((le24(d, 24)? + 1, le24(d, 27)? + 1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal PNG header (signature + IHDR) for a `w` x `h` image.
    fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
        v.extend_from_slice(&13u32.to_be_bytes());
        v.extend_from_slice(b"IHDR");
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        v
    }

    #[test]
    fn png() {
        let d = png_header(640, 480);
        assert_eq!(content_type_of(&d), Some("image/png"));
        assert_eq!(dimensions_of(&d), Some((640, 480)));
    }

    #[test]
    fn jpeg_walks_segments_to_sof() {
        let mut d = vec![0xFF, 0xD8];
        // APP0 segment of length 16.
        d.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
        d.extend_from_slice(&[0u8; 14]);
        // SOF0: length 17, precision 8, height 300, width 200.
        d.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x2C, 0x00, 0xC8]);
        d.extend_from_slice(&[0u8; 10]);
        assert_eq!(content_type_of(&d), Some("image/jpeg"));
        assert_eq!(dimensions_of(&d), Some((200, 300)));
        // Truncated data gives no answer rather than a panic.
        assert_eq!(dimensions_of(&d[..10]), None);
    }

    #[test]
    fn gif_and_webp() {
        let mut gif = b"GIF89a".to_vec();
        gif.extend_from_slice(&[0x10, 0x00, 0x20, 0x00]);
        assert_eq!(dimensions_of(&gif), Some((16, 32)));

        let mut vp8x = b"RIFF\0\0\0\0WEBPVP8X".to_vec();
        vp8x.extend_from_slice(&[0u8; 8]);
        vp8x.extend_from_slice(&[99, 0, 0, 49, 0, 0]);
        assert_eq!(content_type_of(&vp8x), Some("image/webp"));
        assert_eq!(dimensions_of(&vp8x), Some((100, 50)));
    }

    #[test]
    fn garbage_is_unknown() {
        for d in [&b""[..], b"hello world", &[0xFF, 0xD8, 0xFF, 0xFF, 0xFF]] {
            assert_eq!(dimensions_of(d), None);
        }
        assert_eq!(content_type_of(b"hello"), None);
    }

    #[test]
    fn names() {
        assert_eq!(content_type_for_name("image.JPG"), Some("image/jpeg"));
        assert_eq!(content_type_for_name("a.b.png"), Some("image/png"));
        assert_eq!(content_type_for_name("noext"), None);
        assert_eq!(content_type_for_name("x.unknown"), None);
    }
}

//! A small, valid PNG made in code, so `pixelbin demo` needs no image on disk.
//!
//! The picture is a coloured disc (the "subject") on a gradient ("background"), the kind of
//! photo `erase_bg` works on. Pixels are stored uncompressed (deflate "stored" blocks): the file
//! stays simple to write and big enough (~190 KiB at 256x256) to upload in several parts.

/// An RGB PNG of `width` x `height` pixels.
pub fn demo_png(width: u32, height: u32) -> Vec<u8> {
    let mut raw = Vec::with_capacity((height as usize) * (1 + 3 * width as usize));
    let (cx, cy) = (width as f64 / 2.0, height as f64 / 2.0);
    let radius = width.min(height) as f64 / 3.0;
    for y in 0..height {
        raw.push(0); // filter type "None" for every scanline
        for x in 0..width {
            let (dx, dy) = (x as f64 - cx, y as f64 - cy);
            let pixel = if dx * dx + dy * dy <= radius * radius {
                [230, 90, 40]
            } else {
                [
                    (40 + x * 120 / width.max(1)) as u8,
                    (120 + y * 100 / height.max(1)) as u8,
                    200,
                ]
            };
            raw.extend_from_slice(&pixel);
        }
    }
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit depth, RGB, deflate, adaptive, no interlace

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &zlib_stored(&raw));
    chunk(&mut png, b"IEND", &[]);
    png
}

/// Appends a PNG chunk: length, type, data, CRC of type and data.
fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream of uncompressed deflate blocks (at most 65535 bytes each).
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let mut blocks = data.chunks(u16::MAX as usize).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        out.push(u8::from(blocks.peek().is_none())); // BFINAL on the last block, BTYPE 00
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_known_answers() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }

    #[test]
    fn png_has_the_right_structure() {
        let png = demo_png(256, 256);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 256);
        assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 256);
        assert_eq!(&png[png.len() - 8..png.len() - 4], b"IEND");
        // Raw pixels + per-row filter bytes + zlib and chunk framing.
        let raw = 256 * (1 + 3 * 256);
        assert!(png.len() > raw && png.len() < raw + 200, "{}", png.len());
    }

    #[test]
    fn stored_blocks_split_at_64_kib() {
        let data = vec![7u8; 70_000];
        let z = zlib_stored(&data);
        // header + 2 block headers + data + adler
        assert_eq!(z.len(), 2 + 5 * 2 + 70_000 + 4);
        assert_eq!(z[2], 0); // first block not final
        assert_eq!(z[2 + 5 + 65_535], 1); // second block final
        assert_eq!(zlib_stored(&[]).len(), 2 + 5 + 4);
    }
}

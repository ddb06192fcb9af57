//! Shared by the examples: the sample image and the optional file argument.
//!
//! Every example reads `PIXELBIN_API_TOKEN` and `PIXELBIN_DOMAIN` (through
//! `PixelbinConfig::from_env`), so the same binary runs against the real service or against
//! `pixelbin-emulator` (`PIXELBIN_DOMAIN=http://127.0.0.1:PORT`).

// Each example uses only part of this module.
#![allow(dead_code)]

use std::path::PathBuf;

/// The reference documentation's sample image; the emulator serves it too.
pub const PLAYGROUND_IMAGE: &str =
    "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg";

/// A 1x1 transparent PNG, uploaded when no file is given on the command line.
pub const SAMPLE_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// The file named by the first command-line argument, if any (`-- myimage.png`).
pub fn file_arg() -> Option<PathBuf> {
    std::env::args_os().nth(1).map(PathBuf::from)
}

/// The bytes to upload: the file named on the command line, else [`SAMPLE_PNG`].
pub fn image_bytes() -> std::io::Result<Vec<u8>> {
    match file_arg() {
        Some(path) => std::fs::read(path),
        None => Ok(SAMPLE_PNG.to_vec()),
    }
}

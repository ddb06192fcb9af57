//! Upload from a buffer (blocking), with the reference's upload options.
//!
//! `cargo run -p pixelbin --features blocking --example upload_bytes_blocking [-- myimage.png]`

use pixelbin::blocking::PixelbinClient;
use pixelbin::upload::Access;
use pixelbin::{PixelbinConfig, UploadOptions, UploadRequest};

/// A 1x1 transparent PNG, uploaded when no file is given on the command line.
const SAMPLE_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// The file named by the first command-line argument, if any (`-- myimage.png`).
fn file_arg() -> Option<std::path::PathBuf> {
    std::env::args_os().nth(1).map(std::path::PathBuf::from)
}

/// The bytes to upload: the file named on the command line, else [`SAMPLE_PNG`].
fn image_bytes() -> std::io::Result<Vec<u8>> {
    match file_arg() {
        Some(path) => std::fs::read(path),
        None => Ok(SAMPLE_PNG.to_vec()),
    }
}

fn main() -> anyhow::Result<()> {
    let pixelbin = PixelbinClient::new(PixelbinConfig::from_env()?)?;

    // Read the file into a buffer.
    let buffer = image_bytes()?;

    let result = pixelbin.uploader().upload(
        buffer.into(),
        UploadRequest::new()
            .name("myimage")
            .path("folder")
            .format("png")
            .tags(Vec::<String>::new())
            .metadata(pixelbin::serde_json::Map::new())
            .overwrite(false)
            .filename_override(true)
            .access(Access::PublicRead),
        UploadOptions::default()
            .chunk_size(5 * 1024 * 1024) // 5 MiB
            .concurrency(2) // 2 chunks in flight
            .max_retries(1) // 1 retry for errors that can be retried
            .exponential_factor(2.0), // backoff grows 2x per retry
    )?;
    // e.g. "https://cdn.pixelbin.io/v2/mycloudname/original/folder/myimage.png"
    println!("{}", result.url.unwrap_or_default());
    Ok(())
}

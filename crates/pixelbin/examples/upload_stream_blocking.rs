//! Upload from a stream (blocking): any `std::io::Read`, read one chunk at a time.
//!
//! `cargo run -p pixelbin --features blocking --example upload_stream_blocking [-- myimage.png]`

use std::io::Read;

use pixelbin::blocking::{BlockingReader, PixelbinClient};
use pixelbin::upload::Access;
use pixelbin::{PixelbinConfig, UploadOptions, UploadRequest, UploadSource};

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

fn main() -> anyhow::Result<()> {
    let pixelbin = PixelbinClient::new(PixelbinConfig::from_env()?)?;

    // Open the file as a stream (any std::io::Read works: a file, stdin, a decoder, ...).
    let (reader, len): (Box<dyn Read + Send>, u64) = match file_arg() {
        Some(path) => {
            let file = std::fs::File::open(&path)?;
            let len = file.metadata()?.len();
            (Box::new(file), len)
        }
        None => (
            Box::new(std::io::Cursor::new(SAMPLE_PNG)),
            SAMPLE_PNG.len() as u64,
        ),
    };

    let result = pixelbin.uploader().upload(
        UploadSource::from_reader(BlockingReader::new(reader), Some(len)),
        UploadRequest::new()
            .name("myimage")
            .path("folder")
            .format("png")
            .overwrite(false)
            .filename_override(true)
            .access(Access::PublicRead),
        UploadOptions::default()
            .chunk_size(5 * 1024 * 1024)
            .concurrency(2)
            .max_retries(1)
            .exponential_factor(2.0),
    )?;
    println!("{}", result.url.unwrap_or_default());
    Ok(())
}

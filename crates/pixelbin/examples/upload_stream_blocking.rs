//! Upload from a stream (blocking): any `std::io::Read`, read one chunk at a time.
//!
//! `cargo run -p pixelbin --features blocking --example upload_stream_blocking [-- myimage.png]`

mod support;

use std::io::Read;

use pixelbin::blocking::{BlockingReader, PixelbinClient};
use pixelbin::upload::Access;
use pixelbin::{PixelbinConfig, UploadOptions, UploadRequest, UploadSource};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let pixelbin = PixelbinClient::new(PixelbinConfig::from_env()?)?;

    // Open the file as a stream (any std::io::Read works: a file, stdin, a decoder, ...).
    let (reader, len): (Box<dyn Read + Send>, u64) = match support::file_arg() {
        Some(path) => {
            let file = std::fs::File::open(&path)?;
            let len = file.metadata()?.len();
            (Box::new(file), len)
        }
        None => (
            Box::new(std::io::Cursor::new(support::SAMPLE_PNG)),
            support::SAMPLE_PNG.len() as u64,
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

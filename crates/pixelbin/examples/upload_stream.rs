//! Upload from a stream (async): the file is read one chunk at a time, never whole.
//!
//! `cargo run -p pixelbin --example upload_stream [-- myimage.png]` (without a file, a small
//! in-memory sample is streamed instead).

use pixelbin::upload::Access;
use pixelbin::{PixelbinClient, PixelbinConfig, UploadOptions, UploadRequest, UploadSource};

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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let pixelbin = PixelbinClient::new(PixelbinConfig::from_env()?)?;

    // Open the file as a stream; knowing its length lets the upload report progress.
    let source = match file_arg() {
        Some(path) => {
            let file = tokio::fs::File::open(&path).await?;
            let len = file.metadata().await?.len();
            UploadSource::from_reader(file, Some(len))
        }
        None => UploadSource::from_reader(
            std::io::Cursor::new(SAMPLE_PNG),
            Some(SAMPLE_PNG.len() as u64),
        ),
    };

    let result = pixelbin
        .uploader()
        .upload(
            source,
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
                .exponential_factor(2.0)
                .on_progress(|p| {
                    if let Some(fraction) = p.fraction() {
                        eprintln!("uploaded {:.0}%", fraction * 100.0);
                    }
                }),
        )
        .await?;
    println!("{}", result.url.unwrap_or_default());
    Ok(())
}

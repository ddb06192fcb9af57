//! Upload from a stream (async): the file is read one chunk at a time, never whole.
//!
//! `cargo run -p pixelbin --example upload_stream [-- myimage.png]` (without a file, a small
//! in-memory sample is streamed instead).

mod support;

use pixelbin::upload::Access;
use pixelbin::{PixelbinClient, PixelbinConfig, UploadOptions, UploadRequest, UploadSource};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let pixelbin = PixelbinClient::new(PixelbinConfig::from_env()?)?;

    // Open the file as a stream; knowing its length lets the upload report progress.
    let source = match support::file_arg() {
        Some(path) => {
            let file = tokio::fs::File::open(&path).await?;
            let len = file.metadata().await?.len();
            UploadSource::from_reader(file, Some(len))
        }
        None => UploadSource::from_reader(
            std::io::Cursor::new(support::SAMPLE_PNG),
            Some(support::SAMPLE_PNG.len() as u64),
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

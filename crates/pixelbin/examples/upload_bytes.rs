//! Upload from a buffer (async), with the reference's upload options.
//!
//! `cargo run -p pixelbin --example upload_bytes [-- myimage.png]`

mod support;

use pixelbin::upload::Access;
use pixelbin::{PixelbinClient, PixelbinConfig, UploadOptions, UploadRequest};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let pixelbin = PixelbinClient::new(PixelbinConfig::from_env()?)?;

    // Read the file into a buffer.
    let buffer = support::image_bytes()?;

    let result = pixelbin
        .uploader()
        .upload(
            buffer.into(),
            UploadRequest::new()
                .name("myimage")
                .path("folder")
                .format("png")
                .tags(Vec::<String>::new())
                .metadata(Default::default())
                .overwrite(false)
                .filename_override(true)
                .access(Access::PublicRead),
            UploadOptions::default()
                .chunk_size(5 * 1024 * 1024) // 5 MiB
                .concurrency(2) // 2 chunks in flight
                .max_retries(1) // 1 retry for errors that can be retried
                .exponential_factor(2.0), // backoff grows 2x per retry
        )
        .await?;
    // e.g. "https://cdn.pixelbin.io/v2/mycloudname/original/folder/myimage.png"
    println!("{}", result.url.unwrap_or_default());
    Ok(())
}

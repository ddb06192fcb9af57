//! Predictions step by step (async): `create`, then `get`, then `wait`.
//!
//! The reference's "Implementation using create, get and wait". Run it with
//! `PIXELBIN_API_TOKEN=... cargo run -p pixelbin --example predictions`; pass an image path
//! (`-- photo.jpeg`) to send a file instead of the sample URL.

mod support;

use pixelbin::{PixelbinClient, PixelbinConfig, PredictionInput, WaitOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let pixelbin = PixelbinClient::new(PixelbinConfig::from_env()?)?;

    let image = match support::file_arg() {
        Some(path) => PredictionInput::new().file_path("image", path),
        None => PredictionInput::new().url("image", support::PLAYGROUND_IMAGE),
    };
    let input = image
        .text("industry_type", "general")
        .text("quality_type", "original")
        .bool("shadow", false)
        .bool("refine", true);

    // 1) Create the prediction (a webhook URL is optional).
    let job = pixelbin
        .predictions()
        .create("erase_bg", input, None)
        .await?;
    println!("Created: {} {}", job.id, job.status);

    // 2) Get its details.
    let details = pixelbin.predictions().get(&job.id).await?;
    println!("Details: {}", details.status);

    // 3) Wait for completion (every 4 s, at most 150 times, by default).
    let result = pixelbin
        .predictions()
        .wait(&job.id, WaitOptions::default())
        .await?;
    println!("Final: {} {:?}", result.status, result.output_urls());
    Ok(())
}

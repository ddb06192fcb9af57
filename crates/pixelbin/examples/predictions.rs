//! Predictions step by step (async): `create`, then `get`, then `wait`.
//!
//! The reference's "Implementation using create, get and wait". Run it with
//! `PIXELBIN_API_TOKEN=... cargo run -p pixelbin --example predictions`; pass an image path
//! (`-- photo.jpeg`) to send a file instead of the sample URL.

use pixelbin::{PixelbinClient, PixelbinConfig, PredictionInput, WaitOptions};

/// The reference documentation's sample image; `pixelbin-emulator` serves it too.
const PLAYGROUND_IMAGE: &str =
    "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg";

/// The file named by the first command-line argument, if any (`-- myimage.png`).
fn file_arg() -> Option<std::path::PathBuf> {
    std::env::args_os().nth(1).map(std::path::PathBuf::from)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let pixelbin = PixelbinClient::new(PixelbinConfig::from_env()?)?;

    let image = match file_arg() {
        Some(path) => PredictionInput::new().file_path("image", path),
        None => PredictionInput::new().url("image", PLAYGROUND_IMAGE),
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

//! `create_and_wait` (async): submit a prediction and wait for its result in one call.
//!
//! `cargo run -p pixelbin --example create_and_wait`

use std::time::Duration;

use pixelbin::{PixelbinClient, PixelbinConfig, PredictionInput, WaitOptions};

/// The reference documentation's sample image; `pixelbin-emulator` serves it too.
const PLAYGROUND_IMAGE: &str =
    "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let pixelbin = PixelbinClient::new(PixelbinConfig::from_env()?)?;

    let input = PredictionInput::new()
        .url("image", PLAYGROUND_IMAGE)
        .text("industry_type", "general")
        .text("quality_type", "original")
        .bool("shadow", false)
        .bool("refine", true);
    // The reference's options: {"maxAttempts": 60, "retryFactor": 1, "retryInterval": 2.0}.
    let options = WaitOptions::new()
        .max_attempts(60)
        .retry_factor(1.0)
        .retry_interval(Duration::from_secs(2));

    let result = pixelbin
        .predictions()
        .create_and_wait("erase_bg", input, None, options)
        .await?;
    println!("Final: {} {:?}", result.status, result.output_urls());
    if let Some(error) = &result.error {
        println!("Error: {error}");
    }
    Ok(())
}

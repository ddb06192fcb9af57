//! Predictions step by step (blocking): `create`, then `get`, then `wait`.
//!
//! `cargo run -p pixelbin --features blocking --example predictions_blocking [-- photo.jpeg]`

use pixelbin::blocking::PixelbinClient;
use pixelbin::{PixelbinConfig, PredictionInput, WaitOptions};

/// The reference documentation's sample image; `pixelbin-emulator` serves it too.
const PLAYGROUND_IMAGE: &str =
    "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg";

/// The file named by the first command-line argument, if any (`-- myimage.png`).
fn file_arg() -> Option<std::path::PathBuf> {
    std::env::args_os().nth(1).map(std::path::PathBuf::from)
}

fn main() -> anyhow::Result<()> {
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
    let job = pixelbin.predictions().create("erase_bg", input, None)?;
    println!("Created: {} {}", job.id, job.status);

    // 2) Get its details.
    let details = pixelbin.predictions().get(&job.id)?;
    println!("Details: {}", details.status);

    // 3) Wait for completion (every 4 s, at most 150 times, by default).
    let result = pixelbin
        .predictions()
        .wait(&job.id, WaitOptions::default())?;
    println!("Final: {} {:?}", result.status, result.output_urls());
    Ok(())
}

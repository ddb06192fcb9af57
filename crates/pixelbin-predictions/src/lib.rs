//! Create, track and wait for Pixelbin AI prediction jobs (`erase_bg`, `sr_upscale`, ...).
//!
//! [`Predictions`] wraps a [`pixelbin_http::Transport`] and offers the reference SDK's six
//! operations, async: [`create`](Predictions::create), [`get`](Predictions::get),
//! [`wait`](Predictions::wait), [`create_and_wait`](Predictions::create_and_wait),
//! [`list`](Predictions::list) and [`get_schema`](Predictions::get_schema). On top of them:
//! bounded waiting (attempts *and* a deadline) with a per-poll callback
//! ([`wait_with`](Predictions::wait_with)), opt-in schema validation
//! ([`validate_input`], [`create_checked`](Predictions::create_checked)) and output downloads
//! ([`download_outputs`](Predictions::download_outputs)).
//!
//! ```no_run
//! use std::time::Duration;
//! use pixelbin_http::{PixelbinConfig, Transport};
//! use pixelbin_predictions::{Predictions, PredictionInput, WaitOptions};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let transport = Transport::new(PixelbinConfig::from_env()?)?;
//! let predictions = Predictions::new(transport);
//!
//! let input = PredictionInput::new()
//!     .file_path("image", "photo.jpeg")       // read when the request is sent
//!     .text("industry_type", "general")
//!     .bool("shadow", false);
//! let options = WaitOptions::new()
//!     .retry_interval(Duration::from_secs(2))
//!     .deadline(Duration::from_secs(120));
//! let done = predictions
//!     .create_and_wait_with("erase_bg", input, None, options, |p| {
//!         eprintln!("{} is {}", p.id, p.status);
//!     })
//!     .await?
//!     .into_result()?;                          // FAILURE becomes an error
//! let files = predictions.download_outputs(&done, "out").await?;
//! println!("wrote {files:?}");
//! # Ok(())
//! # }
//! ```
//!
//! Waiting distinguishes every way it can end:
//!
//! ```no_run
//! # use pixelbin_predictions::{Error, Predictions, PredictionStatus, WaitOptions};
//! # async fn run(predictions: Predictions, id: &str) {
//! match predictions.wait(id, WaitOptions::default()).await {
//!     Ok(p) if p.status == PredictionStatus::Success => println!("{:?}", p.output_urls()),
//!     Ok(p) => println!("failed: {}", p.error.unwrap_or_default()),
//!     Err(Error::WaitExhausted { last, attempts }) => {
//!         println!("still {} after {attempts} polls", last.status)
//!     }
//!     Err(Error::DeadlineExceeded { last, .. }) => println!("timed out, last seen {last:?}"),
//!     Err(e) => println!("request failed: {e} (errorCode {:?})", e.error_code()),
//! }
//! # }
//! ```
//!
//! Differences from the reference SDK, on purpose: running out of attempts is an error carrying
//! the last state (the reference returns the unfinished job as if it were final); no pause
//! follows the last attempt (the reference sleeps once more before giving up); numbers in
//! multipart bodies are sent as text (the reference cannot send them).

pub mod batch;
mod client;
pub mod download;
mod encode;
mod error;
mod input;
mod name;
mod prediction;
mod validate;
mod wait;
mod webhook;

pub use batch::{BatchItem, BatchOptions, BatchStream};
pub use client::Predictions;
pub use download::{DEFAULT_OUTPUT_STEM, existing_outputs, output_file, output_path, output_stem};
pub use error::{Error, InputProblem, NAME_FORMAT_MESSAGE};
pub use input::{FileInput, InputValue, MAX_STREAMED_INPUT, PredictionInput};
pub use name::ModelName;
/// How output downloads treat existing files and large bodies (from `pixelbin-http`).
pub use pixelbin_http::DownloadOptions;
pub use prediction::{ModelInfo, ModelSchema, Prediction, PredictionStatus, PredictionUrls};
pub use validate::{check_file_size, validate_input};
pub use wait::{
    DEFAULT_MAX_ATTEMPTS, DEFAULT_RETRY_FACTOR, DEFAULT_RETRY_INTERVAL, MAX_ATTEMPTS_LIMIT,
    MAX_RETRY_FACTOR, MAX_RETRY_INTERVAL, MIN_RETRY_INTERVAL, WaitOptions,
};
pub use webhook::{WEBHOOK_SIGNATURE_HEADER, WebhookError, WebhookEvent};

/// Image bytes for unit tests.
#[cfg(test)]
pub(crate) mod test_images {
    /// A minimal PNG header (signature + IHDR) for a `w` x `h` image: enough for sniffing.
    pub(crate) fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
        v.extend_from_slice(&13u32.to_be_bytes());
        v.extend_from_slice(b"IHDR");
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        v
    }
}

//! Shared by the integration tests: emulators, configured clients and test data.

// Each test binary uses only part of this module.
#![allow(dead_code)]

use std::time::Duration;

use pixelbin::{PixelbinConfig, RetryPolicy};
use pixelbin_emulator::{Emulator, EmulatorOptions};
use sha2::{Digest, Sha256};

/// The only API secret the test emulators accept.
pub const SECRET: &str = "facade-test-secret";

/// The reference documentation's sample image; the emulator serves it.
pub const PLAYGROUND_IMAGE: &str =
    "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg";

/// A 1x1 transparent PNG: a real image the emulator's models accept.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// Emulator options: only [`SECRET`] accepted, predictions final after `prediction_delay`.
pub fn options(prediction_delay: Duration) -> EmulatorOptions {
    EmulatorOptions {
        api_secret: Some(SECRET.into()),
        prediction_delay,
        ..EmulatorOptions::default()
    }
}

/// Starts an emulator on the current runtime.
pub async fn start(prediction_delay: Duration) -> Emulator {
    Emulator::start(options(prediction_delay))
        .await
        .expect("start the emulator")
}

/// Starts an emulator on its own thread (for blocking tests).
pub fn spawn(prediction_delay: Duration) -> Emulator {
    Emulator::spawn(options(prediction_delay)).expect("spawn the emulator")
}

/// A configuration for `emulator` with `secret`; no transport retries, so injected faults
/// reach the layer under test unchanged.
pub fn config_with_secret(emulator: &Emulator, secret: &str) -> PixelbinConfig {
    PixelbinConfig::builder()
        .api_secret(secret)
        .domain(emulator.url())
        .retry(RetryPolicy::none())
        .build()
        .expect("a valid config")
}

/// A configuration for `emulator` with the right secret.
pub fn config(emulator: &Emulator) -> PixelbinConfig {
    config_with_secret(emulator, SECRET)
}

/// `len` bytes of a deterministic, non-repeating-looking payload.
pub fn payload(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 31 + i / 251) as u8).wrapping_add(seed))
        .collect()
}

/// Hex SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

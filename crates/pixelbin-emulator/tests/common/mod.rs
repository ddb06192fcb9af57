//! Helpers shared by the emulator's integration tests.
#![allow(dead_code)]

use base64::Engine;
use pixelbin_emulator::{Emulator, EmulatorOptions};
use serde_json::Value;

pub const SECRET: &str = "test-api-secret";

/// An emulator that only accepts [`SECRET`], with a short prediction delay.
pub async fn emulator() -> Emulator {
    Emulator::start(EmulatorOptions {
        api_secret: Some(SECRET.into()),
        prediction_delay: std::time::Duration::from_millis(50),
        ..EmulatorOptions::default()
    })
    .await
    .expect("emulator starts")
}

pub fn bearer(secret: &str) -> String {
    format!(
        "Bearer {}",
        base64::engine::general_purpose::STANDARD.encode(secret)
    )
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// A request with the right Authorization header.
pub fn authed(method: reqwest::Method, url: String) -> reqwest::RequestBuilder {
    client()
        .request(method, url)
        .header("authorization", bearer(SECRET))
}

/// Sends and returns (status, JSON body or Null).
pub async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("request is answered");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("body is read");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, body)
}

/// Asserts the Pixelbin error body shape and returns its message.
pub fn error_message(status: u16, body: &Value) -> String {
    assert_eq!(body["status"], status, "{body}");
    for key in ["message", "errorCode", "exception", "info"] {
        assert!(body[key].is_string(), "missing {key} in {body}");
    }
    body["message"].as_str().unwrap().to_string()
}

/// A small real RGB PNG of `width` x `height`.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    pixelbin_emulator::media::sample_png(width, height)
}

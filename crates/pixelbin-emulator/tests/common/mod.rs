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

/// A small real PNG.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    // IHDR-only PNG headers are enough for sniffing; build a complete one through the emulator's
    // own CDN would be circular, so assemble a minimal valid file here.
    let mut raw = Vec::new();
    for _ in 0..height {
        raw.push(0u8);
        raw.extend(std::iter::repeat_n(0x7fu8, (width * 3) as usize));
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    let mut z = vec![0x78, 0x01];
    for (i, block) in raw.chunks(65535).enumerate() {
        let last = (i + 1) * 65535 >= raw.len();
        z.push(u8::from(last));
        let len = block.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    chunk(&mut png, b"IDAT", &z);
    chunk(&mut png, b"IEND", &[]);
    png
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in &out[start..] {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    out.extend_from_slice(&(!crc).to_be_bytes());
}

//! Shared helpers: an in-process emulator and a `pixelbin` command pointed at it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use pixelbin_emulator::{Emulator, EmulatorOptions};
use serde_json::Value;

/// The secret every test emulator accepts.
pub const SECRET: &str = "cli-test-secret";

/// An emulator accepting only [`SECRET`], finishing predictions after `delay`.
pub fn emulator_with_delay(delay: Duration) -> Emulator {
    Emulator::spawn(EmulatorOptions {
        api_secret: Some(SECRET.into()),
        prediction_delay: delay,
        ..EmulatorOptions::default()
    })
    .expect("the emulator starts")
}

/// An emulator whose predictions finish after 300 ms.
pub fn emulator() -> Emulator {
    emulator_with_delay(Duration::from_millis(300))
}

/// `pixelbin` with a clean environment (no token, domain or log settings from the host).
pub fn bare() -> Command {
    let mut cmd = Command::cargo_bin("pixelbin").expect("the pixelbin binary is built");
    for var in [
        "PIXELBIN_API_TOKEN",
        "PIXELBIN_DOMAIN",
        "PIXELBIN_EMULATOR_API_SECRET",
        "PIXELBIN_URL_SIGNING_TOKEN",
        "PIXELBIN_WEBHOOK_SECRET",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd.timeout(Duration::from_secs(60));
    cmd
}

/// `pixelbin --domain <emulator> --api-secret <SECRET>`.
pub fn pixelbin(emulator: &Emulator) -> Command {
    let mut cmd = bare();
    cmd.args(["--domain", &emulator.url(), "--api-secret", SECRET]);
    cmd
}

/// Runs `cmd`, asserts success and parses stdout as JSON.
pub fn json_of(cmd: &mut Command) -> Value {
    let output = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&output).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&output)
        )
    })
}

/// Runs `cmd`, asserts success and returns stdout as text.
pub fn stdout_of(cmd: &mut Command) -> String {
    let output = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(output).expect("stdout is UTF-8")
}

/// A small valid PNG (the emulator reads its size from the header).
pub fn png(width: u32, height: u32) -> Vec<u8> {
    // Uncompressed deflate blocks keep this dependency-free.
    let mut raw = Vec::new();
    for _ in 0..height {
        raw.push(0);
        raw.extend(std::iter::repeat_n(0x7f, 3 * width as usize));
    }
    let mut idat = vec![0x78, 0x01];
    let chunks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in chunks.iter().enumerate() {
        idat.push(u8::from(i + 1 == chunks.len()));
        let len = block.len() as u16;
        idat.extend_from_slice(&len.to_le_bytes());
        idat.extend_from_slice(&(!len).to_le_bytes());
        idat.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    idat.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(&b"IHDR"[..], &ihdr[..]), (b"IDAT", &idat), (b"IEND", &[])] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = png.len();
        png.extend_from_slice(kind);
        png.extend_from_slice(data);
        let crc = crc32(&png[start..]);
        png.extend_from_slice(&crc.to_be_bytes());
    }
    png
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Writes a `width` x `height` PNG into `dir` and returns its path.
pub fn png_file(dir: &Path, name: &str, width: u32, height: u32) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, png(width, height)).expect("the test image is written");
    path
}

/// The path as a `&str` (test paths are UTF-8).
pub fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

//! `cargo xtask bench ...`: benchmarks that drive the release binaries against a local
//! emulator and print their figures. Not part of the gate: they take minutes.
//!
//! - [`batch`]: 500 images through `pixelbin predict erase_bg --each` under the emulator's
//!   rate and running-job limits, the reference SDK's way beside it, and a `kill -9` resume.
//! - [`render`]: `pixelbin-render` against sharp on a 12 MP JPEG and a 3 MP PNG, in turns,
//!   with time per image and peak memory.
//! - [`upload`]: one large file through `pixelbin upload` over the emulator's network model
//!   (a grid of RTTs and per-connection caps) and on loopback, beside the reference SDK.

pub mod batch;
pub mod render;
pub mod upload;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::cmd;

/// Builds the `pixelbin` and `pixelbin-emulator` binaries in release mode and returns the
/// directory holding them.
pub fn build_release(root: &Path) -> Result<PathBuf> {
    cmd::run(&mut cmd::new(
        "cargo",
        &[
            "build",
            "--release",
            "-p",
            "pixelbin-cli",
            "-p",
            "pixelbin-emulator",
        ],
        root,
    ))?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    Ok(target.join("release"))
}

/// A running emulator binary, killed on drop.
pub struct EmulatorProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl EmulatorProcess {
    /// Starts `bin/pixelbin-emulator` with `args` and waits for its listening line.
    ///
    /// Its temporary directory (every stored part and file) goes to `/dev/shm` where there is
    /// one: on disk, the writeback of one run's hundreds of MiB would slow the next at random.
    pub fn start(bin: &Path, args: &[&str]) -> Result<EmulatorProcess> {
        let mut command = Command::new(bin.join("pixelbin-emulator"));
        let shm = Path::new("/dev/shm");
        if shm.is_dir() {
            command.env("TMPDIR", shm);
        }
        let mut child = command
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("could not start pixelbin-emulator")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let Some(url) = line.trim().strip_prefix("pixelbin-emulator listening on ") else {
            let _ = child.kill();
            bail!("unexpected first line from the emulator: {line:?}");
        };
        Ok(EmulatorProcess {
            url: url.to_string(),
            child,
        })
    }

    /// `GET /_emulator/stats`.
    pub fn stats(&self) -> Result<serde_json::Value> {
        let body = admin(&self.url, "GET", "/_emulator/stats")?;
        serde_json::from_str(&body).context("stats are not JSON")
    }

    /// `POST /_emulator/reset`.
    pub fn reset(&self) -> Result<()> {
        admin(&self.url, "POST", "/_emulator/reset").map(drop)
    }
}

impl Drop for EmulatorProcess {
    /// Asks the emulator to stop (SIGTERM: it removes its temporary directory), and kills it
    /// if it has not within 5 s.
    fn drop(&mut self) {
        let asked = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if asked {
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            while std::time::Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One plain HTTP/1.0 request to the emulator's admin API (loopback, tiny bodies).
fn admin(base: &str, method: &str, path: &str) -> Result<String> {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: {host}\r\nContent-Length: 0\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    if !head.starts_with("HTTP/1.1 2") && !head.starts_with("HTTP/1.0 2") {
        bail!("{method} {path} answered {head}");
    }
    Ok(body.to_string())
}

/// A valid `width` x `height` RGB PNG (stored deflate blocks, no compression) filled with a
/// colour derived from `seed`.
pub fn png(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let colour = [(seed * 37) as u8, (seed * 91) as u8, (seed * 53) as u8];
    // Each row: filter byte 0 (none), then the pixels.
    let row: Vec<u8> = std::iter::once(0)
        .chain(colour.iter().copied().cycle().take(3 * width as usize))
        .collect();
    let raw = row.repeat(height as usize);
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(b"IHDR", &ihdr), (b"IDAT", &zlib), (b"IEND", &Vec::new())] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = png.len();
        png.extend_from_slice(kind);
        png.extend_from_slice(data);
        let crc = crc32(&png[start..]);
        png.extend_from_slice(&crc.to_be_bytes());
    }
    png
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_and_adler_known_answers() {
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    #[test]
    fn png_has_its_size_in_the_header() {
        let png = png(7, 5, 1);
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(&png[16..24], &[0, 0, 0, 7, 0, 0, 0, 5]);
        assert!(png.ends_with(&[0xAE, 0x42, 0x60, 0x82]));
    }
}

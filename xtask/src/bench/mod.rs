//! `cargo xtask bench ...`: benchmarks that drive the release binaries against a local
//! emulator and print their figures. Not part of the gate: they take minutes.
//!
//! - [`batch`]: 500 images through `pixelbin predict erase_bg --each` under the emulator's
//!   rate and running-job limits, the reference SDK's way beside it, and a `kill -9` resume.
//! - [`render`]: the emulator's CDN route (over HTTP) and `pixelbin-render` alone against
//!   sharp on a 12 MP JPEG and a 3 MP PNG, in turns, with time per image and peak memory.
//! - [`store`]: 100,000 small files uploaded one at a time into an emulator with `--data-dir`:
//!   the upload rate per thousand as the store grows, and the time to read it back.
//! - [`upload`]: one large file through `pixelbin upload` over the emulator's network model
//!   (a grid of RTTs and per-connection caps) and on loopback, beside the reference SDK.

pub mod batch;
pub mod render;
pub mod store;
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
    build_release_of(root, &["-p", "pixelbin-cli", "-p", "pixelbin-emulator"])
}

/// `cargo build --release` with `selection` (`-p CRATE`, `--example NAME`, ...) and returns
/// the directory of release binaries (`examples/` below it).
pub fn build_release_of(root: &Path, selection: &[&str]) -> Result<PathBuf> {
    let mut args = vec!["build", "--release"];
    args.extend_from_slice(selection);
    cmd::run(&mut cmd::new("cargo", &args, root))?;
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

    /// The emulator's peak resident memory since it started or since the last
    /// [`reset_peak_rss`](Self::reset_peak_rss), in KiB (`VmHWM` of `/proc/PID/status`).
    pub fn peak_rss_kib(&self) -> Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .context("could not read the emulator's /proc status")?;
        vm_hwm(&status)
            .map(|bytes| bytes / 1024)
            .context("no VmHWM in the emulator's /proc status")
    }

    /// Starts the peak-memory count afresh (writes `5` to `/proc/PID/clear_refs`), so what an
    /// upload took before a measurement is not counted in it.
    pub fn reset_peak_rss(&self) -> Result<()> {
        std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5")
            .context("could not reset the emulator's peak RSS")
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
    let (status, body) = request(base, method, path, &[], &[])?;
    let body = String::from_utf8_lossy(&body).into_owned();
    if !(200..300).contains(&status) {
        bail!("{method} {path} answered {status}: {body}");
    }
    Ok(body)
}

/// How long the benchmarks wait for one answer of the emulator (a 12 MP render included).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// One plain HTTP/1.0 request to the emulator on loopback (one connection each, so no
/// chunked bodies): its status and its body.
pub fn request(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<(u16, Vec<u8>)> {
    let host = base.trim_start_matches("http://");
    let mut stream =
        TcpStream::connect(host).with_context(|| format!("could not connect to {host}"))?;
    stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
    stream.set_write_timeout(Some(REQUEST_TIMEOUT))?;
    let mut head = format!(
        "{method} {path} HTTP/1.0\r\nHost: {host}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .with_context(|| format!("{method} {path}: the answer has no end of headers"))?;
    let status_line = String::from_utf8_lossy(&response[..split]);
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("{method} {path}: unexpected status line {status_line:?}"))?;
    Ok((status, response[split + 4..].to_vec()))
}

/// `Authorization` of the benchmarks' emulators, started without `--api-secret` (any base64
/// token of 5 or more characters): base64 of `bench-secret`.
pub const BEARER: &str = "Bearer YmVuY2gtc2VjcmV0";

/// Stores `bytes` as `path/name` through the direct upload route (one multipart request) and
/// returns the file object the emulator answers.
pub fn direct_upload(
    base: &str,
    path: &str,
    name: &str,
    filename: &str,
    bytes: &[u8],
) -> Result<serde_json::Value> {
    const BOUNDARY: &str = "pixelbin-bench-boundary-7d1f";
    let mut body = Vec::with_capacity(bytes.len() + 512);
    for (field, value) in [("path", path), ("name", name)] {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let (status, answer) = request(
        base,
        "POST",
        "/service/platform/assets/v1.0/upload/direct",
        &[("Authorization", BEARER), ("Content-Type", &content_type)],
        &body,
    )?;
    if status != 200 {
        bail!(
            "direct upload of {path}/{name} answered {status}: {}",
            String::from_utf8_lossy(&answer)
        );
    }
    serde_json::from_slice(&answer).context("the upload's answer is not JSON")
}

/// `VmHWM` of a `/proc/PID/status`, in bytes.
pub fn vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
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
    fn reads_the_high_water_mark() {
        let status = "Name:\tpixelbin\nVmPeak:\t  9000 kB\nVmHWM:\t    2048 kB\nVmRSS:\t 1024 kB\n";
        assert_eq!(vm_hwm(status), Some(2048 * 1024));
        assert_eq!(vm_hwm("Name: x\n"), None);
    }

    #[test]
    fn png_has_its_size_in_the_header() {
        let png = png(7, 5, 1);
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(&png[16..24], &[0, 0, 0, 7, 0, 0, 0, 5]);
        assert!(png.ends_with(&[0xAE, 0x42, 0x60, 0x82]));
    }
}

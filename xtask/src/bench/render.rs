//! `cargo xtask bench render`: the emulator's CDN route and `pixelbin-render` alone against
//! sharp (libvips) on the same images, in the same run, in turns.
//!
//! Two cases, the issue's:
//!
//! 1. a 12 MP photo-like JPEG (4000x3000) through `t.resize(w:800)~t.toFormat(f:webp,q:80)`;
//! 2. a 3 MP PNG with alpha (2000x1500) through
//!    `t.extract(t:100,l:100,h:1000,w:1500)~t.rotate(a:90)~t.blur(s:2)` (PNG out).
//!
//! Three sides, in turns for `PIXELBIN_BENCH_ROUNDS` rounds (default 5), each rendering
//! `PIXELBIN_BENCH_IMAGES` times a round (default 10; the first of each round is a warm-up
//! and not counted):
//!
//! - `emulator`: the release `pixelbin-emulator` binary, one per case, with the image uploaded
//!   once (direct upload); then `GET /v2/{cloud}/{pattern}/{fileId}?bench=ROUND-I` over
//!   loopback HTTP, timed from connect to the last body byte. The cache is defeated by a
//!   distinct URL per request (the emulator keys its render cache by URL and ignores unknown
//!   query parameters), so every request decodes, renders and encodes. Its peak RSS is the
//!   emulator's (VmHWM, counted afresh after the upload).
//! - `engine`: `pixelbin-render` alone, in its own process
//!   (`crates/pixelbin-render/examples/render_bench.rs`), rendering from memory.
//! - `sharp`: `crates/pixelbin-render/benches/sharp_bench.mjs` with node, from memory.
//!
//! Printed per side: the median and 90th percentile time per image, peak RSS (the largest of
//! its rounds) and the output; then each side's median over sharp's, the goal being <= 1.5
//! for the emulator's route.
//!
//! sharp comes from `PIXELBIN_SHARP_DIR`, a folder where `npm install sharp` ran (skipped, and
//! said so, without it). Both sides use every core (sharp's default, and the renderer's).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use super::{EmulatorProcess, build_release_of};

/// The two cases: (label, input file, pattern).
const CASES: [(&str, &str, &str); 2] = [
    (
        "12 MP JPEG -> 800 px WebP",
        "bench.jpg",
        "t.resize(w:800)~t.toFormat(f:webp,q:80)",
    ),
    (
        "3 MP PNG extract/rotate/blur",
        "bench.png",
        "t.extract(t:100,l:100,h:1000,w:1500)~t.rotate(a:90)~t.blur(s:2)",
    ),
];

/// What either side prints: one JSON line per process.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    millis: Vec<f64>,
    bytes: u64,
    format: String,
    width: u32,
    height: u32,
    peak_kib: u64,
}

/// The figures of one side over all its rounds.
#[derive(Debug, Default)]
struct Side {
    millis: Vec<f64>,
    peak_kib: u64,
    output: String,
}

impl Side {
    fn add(&mut self, report: Report) {
        // The first render of a process warms caches and thread pools.
        self.millis.extend(report.millis.iter().skip(1));
        self.peak_kib = self.peak_kib.max(report.peak_kib);
        self.output = format!(
            "{}x{} {} {} KiB",
            report.width,
            report.height,
            report.format,
            report.bytes / 1024
        );
    }

    fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.millis.clone();
        sorted.sort_by(f64::total_cmp);
        if sorted.is_empty() {
            return f64::NAN;
        }
        let index = ((sorted.len() - 1) as f64 * p).round() as usize;
        sorted[index]
    }

    fn line(&self, name: &str) -> String {
        format!(
            "  {name:<8} median {:>8.1} ms  p90 {:>8.1} ms  peak RSS {:>6.1} MiB  ({} renders; {})",
            self.percentile(0.5),
            self.percentile(0.9),
            self.peak_kib as f64 / 1024.0,
            self.millis.len(),
            self.output
        )
    }
}

/// Runs the benchmark and prints its figures.
pub fn run(root: &Path) -> Result<()> {
    let images: usize = env_or("PIXELBIN_BENCH_IMAGES", 10);
    let rounds: usize = env_or("PIXELBIN_BENCH_ROUNDS", 5);
    if images < 2 {
        bail!("PIXELBIN_BENCH_IMAGES must be at least 2 (the first render is a warm-up)");
    }
    build_release_of(
        root,
        &["-p", "pixelbin-render", "--example", "render_bench"],
    )?;
    let bin = build_release_of(
        root,
        &["-p", "pixelbin-emulator", "--bin", "pixelbin-emulator"],
    )?;
    let ours = bin.join("examples/render_bench");
    let work = root.join("target/bench-render");
    if !work.join("bench.jpg").is_file() || !work.join("bench.png").is_file() {
        let status = Command::new(&ours)
            .arg("make-inputs")
            .arg(&work)
            .status()
            .context("could not run render_bench make-inputs")?;
        if !status.success() {
            bail!("render_bench make-inputs failed ({status})");
        }
    }
    let sharp_dir = std::env::var_os("PIXELBIN_SHARP_DIR").map(PathBuf::from);
    let script = root.join("crates/pixelbin-render/benches/sharp_bench.mjs");
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!(
        "bench render: {rounds} rounds x {images} renders per side (first of each not counted), sides in turns, {cores} cores"
    );
    println!(
        "  emulator: release binary, GET over loopback HTTP, a distinct URL per request (?bench=ROUND-I) so its render cache never answers"
    );
    if sharp_dir.is_none() {
        println!(
            "sharp: skipped (set PIXELBIN_SHARP_DIR to a folder where `npm install sharp` ran)"
        );
    }
    for (label, file, pattern) in CASES {
        let input = work.join(file);
        let emulator = EmulatorProcess::start(&bin, &[])?;
        let path = uploaded_path(&emulator, &input, pattern)?;
        emulator.reset_peak_rss()?;
        let count = images.to_string();
        let args = [
            input.to_string_lossy().into_owned(),
            pattern.to_owned(),
            count,
        ];
        let (mut served, mut engine, mut theirs) =
            (Side::default(), Side::default(), Side::default());
        for round in 0..rounds {
            served.add(through_emulator(&emulator, &path, round, images)?);
            engine.add(report(Command::new(&ours).arg("run").args(&args))?);
            if let Some(dir) = &sharp_dir {
                theirs.add(report(
                    Command::new("node")
                        .env("SHARP_DIR", dir)
                        .arg(&script)
                        .args(&args),
                )?);
            }
        }
        println!("{label}: {pattern}");
        println!("{}", served.line("emulator"));
        println!("{}", engine.line("engine"));
        if sharp_dir.is_some() {
            println!("{}", theirs.line("sharp"));
            let sharp = theirs.percentile(0.5);
            println!(
                "  emulator/sharp (median): {:.2} (goal <= 1.5); engine/sharp: {:.2}",
                served.percentile(0.5) / sharp,
                engine.percentile(0.5) / sharp
            );
        }
    }
    Ok(())
}

/// Uploads `input` to the emulator and returns the path of its rendered URL for `pattern`
/// (`/v2/{cloud}/{pattern}/{fileId}`).
fn uploaded_path(emulator: &EmulatorProcess, input: &Path, pattern: &str) -> Result<String> {
    let bytes = std::fs::read(input).with_context(|| format!("could not read {input:?}"))?;
    let filename = input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = filename.split('.').next().unwrap_or("bench");
    let file = super::direct_upload(&emulator.url, "bench", name, &filename, &bytes)?;
    let url = file["url"]
        .as_str()
        .context("the upload's answer has no url")?;
    let original = url
        .strip_prefix(&emulator.url)
        .context("the file's url is not on the emulator")?;
    let (cloud, file_id) = original
        .strip_prefix("/v2/")
        .and_then(|rest| rest.split_once("/original/"))
        .with_context(|| format!("unexpected file url {url}"))?;
    Ok(format!("/v2/{cloud}/{pattern}/{file_id}"))
}

/// One round of `images` GETs of the rendered URL, each with its own query so none is served
/// from the emulator's cache; reported like the other sides.
fn through_emulator(
    emulator: &EmulatorProcess,
    path: &str,
    round: usize,
    images: usize,
) -> Result<Report> {
    let mut millis = Vec::with_capacity(images);
    let mut last = Vec::new();
    let mut format = String::new();
    for i in 0..images {
        let url = format!("{path}?bench={round}-{i}");
        let started = Instant::now();
        let (status, body) = super::request(&emulator.url, "GET", &url, &[], &[])?;
        millis.push(started.elapsed().as_secs_f64() * 1000.0);
        if status != 200 {
            bail!(
                "GET {url} answered {status}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        format = sniff(&body).to_string();
        last = body;
    }
    let (width, height) = dimensions(&last).unwrap_or((0, 0));
    Ok(Report {
        millis,
        bytes: last.len() as u64,
        format,
        width,
        height,
        peak_kib: emulator.peak_rss_kib()?,
    })
}

/// The format of an answer, by its magic bytes (the two the benchmark produces).
fn sniff(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG") {
        "png"
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "webp"
    } else {
        "other"
    }
}

/// Width and height of a PNG (IHDR) or a lossy/lossless WebP (VP8 / VP8L / VP8X header).
fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let u32_be = |at: usize| Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    let u16_le = |at: usize| {
        Some(u32::from(u16::from_le_bytes(
            bytes.get(at..at + 2)?.try_into().ok()?,
        )))
    };
    let u24_le = |at: usize| {
        let b = bytes.get(at..at + 3)?;
        Some(u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16)
    };
    match sniff(bytes) {
        "png" => Some((u32_be(16)?, u32_be(20)?)),
        "webp" => match bytes.get(12..16)? {
            b"VP8 " => Some((u16_le(26)? & 0x3fff, u16_le(28)? & 0x3fff)),
            b"VP8L" => {
                let bits = u32::from_le_bytes(bytes.get(21..25)?.try_into().ok()?);
                Some(((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1))
            }
            b"VP8X" => Some((u24_le(24)? + 1, u24_le(27)? + 1)),
            _ => None,
        },
        _ => None,
    }
}

/// Runs one side's process and reads its JSON line.
fn report(command: &mut Command) -> Result<Report> {
    let output = command
        .output()
        .with_context(|| format!("could not run {command:?}"))?;
    if !output.status.success() {
        bail!(
            "{command:?} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).with_context(|| format!("unexpected output of {command:?}: {line}"))
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warm_up_is_left_out_and_percentiles_are_read_sorted() {
        let mut side = Side::default();
        side.add(Report {
            millis: vec![500.0, 30.0, 10.0, 20.0],
            bytes: 2048,
            format: "webp".into(),
            width: 800,
            height: 600,
            peak_kib: 1024,
        });
        assert_eq!(side.millis, vec![30.0, 10.0, 20.0]);
        assert_eq!(side.percentile(0.5), 20.0);
        assert_eq!(side.percentile(0.9), 30.0);
        assert_eq!(side.output, "800x600 webp 2 KiB");
    }

    #[test]
    fn answers_are_measured_from_their_headers() {
        let png = super::super::png(7, 5, 1);
        assert_eq!(sniff(&png), "png");
        assert_eq!(dimensions(&png), Some((7, 5)));
        // A lossy WebP's frame header: 800 x 600 after the VP8 start code.
        let mut webp = b"RIFF\0\0\0\0WEBPVP8 \0\0\0\0".to_vec();
        webp.extend_from_slice(&[0, 0, 0, 0x9d, 0x01, 0x2a]);
        webp.extend_from_slice(&800u16.to_le_bytes());
        webp.extend_from_slice(&600u16.to_le_bytes());
        assert_eq!(sniff(&webp), "webp");
        assert_eq!(dimensions(&webp), Some((800, 600)));
        assert_eq!(dimensions(b"nothing"), None);
    }
}

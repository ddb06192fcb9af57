//! `cargo xtask bench render`: `pixelbin-render` against sharp (libvips) on the same images,
//! in the same run, in turns.
//!
//! Two cases, the issue's:
//!
//! 1. a 12 MP photo-like JPEG (4000x3000) through `t.resize(w:800)~t.toFormat(f:webp,q:80)`;
//! 2. a 3 MP PNG with alpha (2000x1500) through
//!    `t.extract(t:100,l:100,h:1000,w:1500)~t.rotate(a:90)~t.blur(s:2)` (PNG out).
//!
//! Each side runs in its own process (`crates/pixelbin-render/examples/render_bench.rs`, built
//! in release; `crates/pixelbin-render/benches/sharp_bench.mjs` with node), which reads the
//! file once and renders it `PIXELBIN_BENCH_IMAGES` times (default 10) from memory; the first
//! render of each process is a warm-up and not counted. The two sides alternate for
//! `PIXELBIN_BENCH_ROUNDS` rounds (default 5). Printed per side: the median and 90th
//! percentile time per image, the process's peak RSS (VmHWM / `maxRSS`, the largest of its
//! rounds), and the output; then ours over sharp's median, the goal being <= 1.5.
//!
//! sharp comes from `PIXELBIN_SHARP_DIR`, a folder where `npm install sharp` ran (skipped, and
//! said so, without it). Both sides use every core (sharp's default, and the renderer's).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::cmd;

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
            "  {name:<7} median {:>8.1} ms  p90 {:>8.1} ms  peak RSS {:>6.1} MiB  ({} renders; {})",
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
    cmd::run(&mut cmd::new(
        "cargo",
        &[
            "build",
            "--release",
            "-p",
            "pixelbin-render",
            "--example",
            "render_bench",
        ],
        root,
    ))?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let ours = target.join("release/examples/render_bench");
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
        "bench render: {rounds} rounds x {images} renders per process (first not counted), sides in turns, {cores} cores"
    );
    if sharp_dir.is_none() {
        println!(
            "sharp: skipped (set PIXELBIN_SHARP_DIR to a folder where `npm install sharp` ran)"
        );
    }
    for (label, file, pattern) in CASES {
        let input = work.join(file);
        let count = images.to_string();
        let args = [
            input.to_string_lossy().into_owned(),
            pattern.to_owned(),
            count,
        ];
        let (mut mine, mut theirs) = (Side::default(), Side::default());
        for _ in 0..rounds {
            mine.add(report(Command::new(&ours).arg("run").args(&args))?);
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
        println!("{}", mine.line("ours"));
        if sharp_dir.is_some() {
            println!("{}", theirs.line("sharp"));
            println!(
                "  ours/sharp (median): {:.2} (goal <= 1.5)",
                mine.percentile(0.5) / theirs.percentile(0.5)
            );
        }
    }
    Ok(())
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
}

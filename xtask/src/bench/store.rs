//! `cargo xtask bench store`: the emulator's store under bulk use, a file at a time.
//!
//! Starts the release `pixelbin-emulator` with `--data-dir` (SQLite in WAL mode, blobs as files)
//! and uploads `--files` small PNGs (a few hundred bytes each, 1,000 per folder) one after
//! the other through the direct upload route over loopback HTTP. Prints the upload rate of
//! each thousand at the first thousand, every tenth thousand and the last, then the first,
//! slowest and last thousand's rates side by side: a store that slows as it grows shows here.
//! Then the data directory's size, the emulator's peak RSS, and the time a restarted emulator
//! takes to read the store back (start to its listening line).
//!
//! The data directory is `--data-dir` (kept afterwards), else `target/bench-store/data`
//! (removed afterwards: 100,000 files are about 400 MiB of blobs and database).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Result, bail};

use super::{EmulatorProcess, build_release_of, direct_upload, png};

/// Files per folder, and files per measured group.
const GROUP: usize = 1000;

/// Options of the store benchmark.
#[derive(Debug, Clone)]
pub struct Options {
    /// Number of files to upload.
    pub files: usize,
    /// Where the emulator keeps its store; `None`: a directory under `target/`, removed after.
    pub data_dir: Option<PathBuf>,
}

/// Runs the benchmark and prints its figures.
pub fn run(root: &Path, options: &Options) -> Result<()> {
    if options.files < GROUP {
        bail!("--files must be at least {GROUP} (rates are measured per thousand)");
    }
    let bin = build_release_of(
        root,
        &["-p", "pixelbin-emulator", "--bin", "pixelbin-emulator"],
    )?;
    let (dir, remove_after) = match &options.data_dir {
        Some(dir) => (dir.clone(), false),
        None => {
            let dir = root.join("target/bench-store/data");
            let _ = std::fs::remove_dir_all(&dir);
            (dir, true)
        }
    };
    std::fs::create_dir_all(&dir)?;
    let result = measure(&bin, &dir, options.files);
    if remove_after {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn measure(bin: &Path, dir: &Path, files: usize) -> Result<()> {
    let dir_arg = dir.to_string_lossy().into_owned();
    let args = ["--data-dir", dir_arg.as_str()];
    let emulator = EmulatorProcess::start(bin, &args)?;
    // A new store holds the playground's asset.
    let before = emulator.stats()?["files"].as_u64().unwrap_or(0);
    println!(
        "bench store: {files} files, one at a time, direct upload over loopback; data dir {}",
        dir.display()
    );
    let mut rates = Vec::with_capacity(files / GROUP);
    let mut started = Instant::now();
    let whole = Instant::now();
    for i in 0..files {
        if i % GROUP == 0 {
            started = Instant::now();
        }
        let content = png(4 + (i % 7) as u32, 4, i as u32);
        let folder = format!("bench/{}", i / GROUP);
        direct_upload(
            &emulator.url,
            &folder,
            &format!("file-{i}"),
            "f.png",
            &content,
        )?;
        let done = i + 1;
        if done % GROUP == 0 {
            let rate = GROUP as f64 / started.elapsed().as_secs_f64();
            rates.push(rate);
            if done == GROUP || done == files || done % (10 * GROUP) == 0 {
                println!(
                    "  files {:>7}..{done:>7}: {rate:>7.0} uploads/s",
                    done - GROUP
                );
            }
        }
    }
    let total = whole.elapsed().as_secs_f64();
    let peak = emulator.peak_rss_kib()?;
    drop(emulator);
    let (first, last) = (rates[0], rates[rates.len() - 1]);
    let slowest = rates.iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "  rate: first thousand {first:.0}/s, last thousand {last:.0}/s (last/first {:.2}), slowest thousand {slowest:.0}/s; {files} files in {total:.1} s",
        last / first
    );
    let (content, allocated) = dir_size(dir);
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    println!(
        "  data dir {:.1} MiB of content, {:.1} MiB allocated on disk; emulator peak RSS {:.1} MiB",
        mib(content),
        mib(allocated),
        peak as f64 / 1024.0
    );
    let restart = Instant::now();
    let emulator = EmulatorProcess::start(bin, &args)?;
    let read_back = restart.elapsed().as_secs_f64();
    let stats = emulator.stats()?;
    let kept = stats["files"].as_u64().unwrap_or(0);
    println!("  restart: listening after {read_back:.2} s with {kept} files");
    let expected = before + files as u64;
    if kept != expected {
        bail!("the restarted emulator has {kept} files, not {expected}");
    }
    Ok(())
}

/// Bytes of the regular files under `dir`, and the bytes the file system allocated for them
/// (whole blocks: many small files take far more than their length).
fn dir_size(dir: &Path) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (0, 0);
    };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => dir_size(&entry.path()),
            Ok(_) => entry
                .metadata()
                .map_or((0, 0), |m| (m.len(), m.blocks() * 512)),
            Err(_) => (0, 0),
        })
        .fold((0, 0), |(a, b), (c, d)| (a + c, b + d))
}

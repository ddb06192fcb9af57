//! `cargo xtask bench upload`: `pixelbin upload` of one large file over a modelled WAN.
//!
//! Against the emulator binary in its own process with its network model on
//! (`--rtt-ms`, `--conn-mbit` per connection, `--link-mbit` shared uplink, `--connect-rtts 2`),
//! for each grid point (RTT 20 / 80 / 200 ms x per-connection cap 32 / 128 Mbit/s, uplink
//! 512 Mbit/s) it uploads the same file with:
//!
//! 1. `pixelbin upload FILE` with the defaults (adaptive concurrency) and an empty cache
//!    folder: no estimate of the path, the parts in flight ramp from 3;
//! 2. the same again: it starts from the estimate the first run left in the cache folder
//!    (`$XDG_CACHE_HOME/pixelbin/upload-paths.json`, a folder of its own per grid point);
//! 3. `pixelbin upload FILE --concurrency 3` (what the reference does);
//! 4. the reference SDK (`crates/pixelbin-upload/benches/reference_upload.py`, default options),
//!    with the Python named by `PIXELBIN_REFERENCE_PYTHON` (skipped, and said so, without it);
//!
//! then the same three on loopback without the model (ours: the median of 15 runs taken in
//! turns, a run there lasts a fraction of a second). Each line gives the throughput (file bytes over the
//! client's wall time, process start to exit), its share of the uplink, and the client's peak
//! RSS (VmHWM, sampled until it exits).
//!
//! Each grid point also prints its *bound*: the throughput of a client that fills the uplink
//! from the first byte, on every part connection at once, and still pays the path's fixed
//! costs (see `bound_seconds`). No client can beat it; on a short file over a long path it
//! sits well below the uplink.
//!
//! First, the many-small-files point: `MANY_FILES` files of `MANY_FILE_BYTES` bytes in one
//! folder through the same model at 48 Mbit/s per connection (RTT 20 / 80 / 200 ms), with
//! `pixelbin upload DIR` (defaults) against the reference's asyncio loop, `uploadAsync` 16 at a
//! time (`crates/pixelbin-upload/benches/reference_upload_many.py`), in the same emulator. Each
//! RTT prints its *floor* (see `many_floor_seconds`) and each client's time, its ratio to the
//! floor, and ours over the reference.
//!
//! Environment: `PIXELBIN_BENCH_MIB` (file size, default 256), `PIXELBIN_BENCH_GRID`
//! (`RTTxMBIT,...`, default the whole grid; `none` for loopback only), `PIXELBIN_BENCH_MANY`
//! (the many-files RTTs, `20,80,200` by default; `none` to skip them).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::{EmulatorProcess, build_release, vm_hwm};

/// The API secret the reference script uses.
const SECRET: &str = "bench-secret";
/// Uplink of the model, Mbit/s.
const LINK_MBIT: f64 = 512.0;
/// The default grid: (RTT ms, per-connection Mbit/s).
const GRID: [(u64, f64); 6] = [
    (20, 32.0),
    (20, 128.0),
    (80, 32.0),
    (80, 128.0),
    (200, 32.0),
    (200, 128.0),
];

/// Connection set-up cost of the model, in RTTs (TCP and TLS handshakes).
const CONNECT_RTTS: u32 = 2;
/// Runs of ours on loopback, whose median is printed.
const LOOPBACK_RUNS: usize = 15;

/// The least wall time of any client uploading `bytes` over the model: the signed-URL request
/// on a new connection (`CONNECT_RTTS + 1` RTTs), new connections for the parts
/// (`CONNECT_RTTS` RTTs), the bytes at the uplink's rate, the last part's answer (1 RTT) and
/// the completion (1 RTT).
fn bound_seconds(bytes: u64, rtt_ms: u64) -> f64 {
    let rtt = rtt_ms as f64 / 1000.0;
    let fixed_rtts = f64::from(CONNECT_RTTS + 1) + f64::from(CONNECT_RTTS) + 2.0;
    fixed_rtts * rtt + bytes as f64 * 8.0 / (LINK_MBIT * 1e6)
}

/// Files of the many-small-files point.
const MANY_FILES: usize = 300;
/// Size of each of them (60 KB, a product photo).
const MANY_FILE_BYTES: usize = 60_000;
/// Per-connection cap of the many-small-files point, Mbit/s.
const MANY_CONN_MBIT: f64 = 48.0;
/// The reference user's files in flight.
const REFERENCE_IN_FLIGHT: usize = 16;
/// The most connections (files in flight) a client opens: ours stops at 64
/// (`pixelbin_upload::MAX_FILES_IN_FLIGHT`).
const MANY_CONNECTIONS: usize = 64;

/// The least wall time of a client sending `files` files of `bytes` each over the model, one
/// request per file (the fewest the API allows), at most [`MANY_CONNECTIONS`] at once: the
/// connections' set-up (`CONNECT_RTTS` RTTs), one round trip per wave of
/// `MANY_CONNECTIONS` files, and every byte at the uplink's rate.
fn many_floor_seconds(files: usize, bytes: usize, rtt_ms: u64) -> f64 {
    let rtt = rtt_ms as f64 / 1000.0;
    let waves = files.div_ceil(MANY_CONNECTIONS) as f64;
    (f64::from(CONNECT_RTTS) + waves) * rtt + (files * bytes) as f64 * 8.0 / (LINK_MBIT * 1e6)
}

/// One client run.
struct Run {
    seconds: f64,
    peak_rss: u64,
    /// Final parts in flight, from `--json` (ours only).
    concurrency: Option<u64>,
}

/// Runs the benchmark and prints its figures.
pub fn run(root: &Path) -> Result<()> {
    let bin = build_release(root)?;
    let mib: u64 = env_or("PIXELBIN_BENCH_MIB", 256);
    let work = root.join("target/bench-upload");
    std::fs::create_dir_all(&work)?;
    let file = work.join(format!("data-{mib}mib.bin"));
    write_data(&file, mib << 20)?;
    // Read once, so that no client pays for the first read from disk (a build just before
    // may have pushed the file out of the page cache).
    std::io::copy(&mut std::fs::File::open(&file)?, &mut std::io::sink())?;
    let bytes = mib << 20;
    let python = std::env::var_os("PIXELBIN_REFERENCE_PYTHON").map(PathBuf::from);
    let script = root.join("crates/pixelbin-upload/benches/reference_upload.py");
    let grid = grid()?;

    many_small_files(root, &bin, python.as_deref())?;

    println!(
        "bench upload: {mib} MiB from a file; uplink {LINK_MBIT} Mbit/s; connection set-up 2 RTT"
    );
    if python.is_none() {
        println!(
            "reference: skipped (set PIXELBIN_REFERENCE_PYTHON to a python with pixelbin==4.3.0, e.g. /work/ref/venv/bin/python)"
        );
    }
    println!(
        "{:<22} {:<18} {:>9} {:>8} {:>9} {:>6} {:>7}",
        "network", "client", "Mbit/s", "uplink", "peak RSS", "parts", "bound"
    );
    let mut points: Vec<(String, Vec<String>, Option<u64>)> = grid
        .iter()
        .map(|&(rtt, conn)| {
            let args = vec![
                "--rtt-ms".to_string(),
                rtt.to_string(),
                "--conn-mbit".to_string(),
                conn.to_string(),
                "--link-mbit".to_string(),
                LINK_MBIT.to_string(),
                "--connect-rtts".to_string(),
                CONNECT_RTTS.to_string(),
            ];
            (format!("rtt {rtt} ms, {conn} Mbit/s"), args, Some(rtt))
        })
        .collect();
    points.push(("loopback (no model)".to_string(), Vec::new(), None));

    for (point, (label, model, rtt)) in points.iter().enumerate() {
        let bound = rtt.map(|rtt| bytes as f64 * 8.0 / 1e6 / bound_seconds(bytes, rtt));
        if let Some(mbit) = bound {
            println!(
                "{:<22} {:<18} {:>9.1} {:>6.0} %",
                label,
                "bound (any client)",
                mbit,
                100.0 * mbit / LINK_MBIT
            );
        }
        let mut args = vec!["--api-secret", SECRET];
        args.extend(model.iter().map(String::as_str));
        let emulator = EmulatorProcess::start(&bin, &args)?;
        let shaped = !model.is_empty();
        // Each point's own cache folder, empty at first: the path estimates of its uploads.
        let cache = work.join(format!("cache-{point}"));
        let _ = std::fs::remove_dir_all(&cache);
        let clients: [(&str, Vec<&str>); 2] = [
            ("ours, defaults", vec![]),
            ("ours, Fixed(3)", vec!["--concurrency", "3"]),
        ];
        let command = |extra: &[&str]| {
            let mut cmd = Command::new(bin.join("pixelbin"));
            cmd.args(["--domain", &emulator.url, "--api-secret", SECRET, "upload"])
                .arg(&file)
                .args([
                    "--name",
                    "bench",
                    "--path",
                    "bench",
                    "--overwrite",
                    "--json",
                ])
                .args(extra)
                .env("XDG_CACHE_HOME", &cache);
            cmd
        };
        let first = measure(command(&[]))?;
        print_line(label, "ours, empty cache", bytes, &first, bound);
        // On loopback a run lasts a fraction of a second and the emulator's disk writes
        // come and go: the clients take turns (each first in every other turn), and each prints
        // its median.
        let runs = if shaped { 1 } else { LOOPBACK_RUNS };
        let mut all: Vec<Vec<Run>> = clients.iter().map(|_| Vec::new()).collect();
        for turn in 0..runs {
            // Each goes first in every other turn.
            let order: Vec<usize> = if turn % 2 == 0 {
                vec![0, 1]
            } else {
                vec![1, 0]
            };
            for i in order {
                all[i].push(measure(command(&clients[i].1))?);
            }
        }
        for ((name, _), mut results) in clients.iter().zip(all) {
            results.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
            print_line(label, name, bytes, &results[results.len() / 2], bound);
        }
        if let Some(python) = &python {
            let mut cmd = Command::new(python);
            cmd.arg(&script)
                .args(["--domain", &emulator.url, "--file"])
                .arg(&file);
            let run = measure(cmd)?;
            print_line(label, "reference 4.3.0", bytes, &run, bound);
        }
    }
    Ok(())
}

/// The many-small-files point at each RTT of `PIXELBIN_BENCH_MANY`.
fn many_small_files(root: &Path, bin: &Path, python: Option<&Path>) -> Result<()> {
    let rtts: Vec<u64> = match std::env::var("PIXELBIN_BENCH_MANY") {
        Ok(spec) if spec == "none" => return Ok(()),
        Ok(spec) => spec
            .split(',')
            .map(|r| {
                r.trim()
                    .parse()
                    .context("PIXELBIN_BENCH_MANY: RTTs in ms, e.g. 20,80")
            })
            .collect::<Result<_>>()?,
        Err(_) => vec![20, 80, 200],
    };
    let dir = root.join("target/bench-upload/many");
    std::fs::create_dir_all(&dir)?;
    for i in 0..MANY_FILES {
        let path = dir.join(format!("img-{i:03}.bin"));
        write_data_seeded(&path, MANY_FILE_BYTES as u64, i as u64 + 1)?;
    }
    let script = root.join("crates/pixelbin-upload/benches/reference_upload_many.py");
    println!(
        "bench upload, many small files: {MANY_FILES} x {MANY_FILE_BYTES} B; {MANY_CONN_MBIT} Mbit/s per connection, uplink {LINK_MBIT} Mbit/s, connection set-up {CONNECT_RTTS} RTT"
    );
    println!(
        "{:<10} {:<26} {:>8} {:>9} {:>9} {:>9}",
        "rtt", "client", "seconds", "x floor", "peak RSS", "x ref"
    );
    for rtt in rtts {
        let floor = many_floor_seconds(MANY_FILES, MANY_FILE_BYTES, rtt);
        println!(
            "{:<10} {:<26} {:>8.2}",
            format!("{rtt} ms"),
            "floor (1 request/file, 64 conns)",
            floor
        );
        let model = [
            "--api-secret".to_string(),
            SECRET.to_string(),
            "--rtt-ms".to_string(),
            rtt.to_string(),
            "--conn-mbit".to_string(),
            MANY_CONN_MBIT.to_string(),
            "--link-mbit".to_string(),
            LINK_MBIT.to_string(),
            "--connect-rtts".to_string(),
            CONNECT_RTTS.to_string(),
        ];
        let args: Vec<&str> = model.iter().map(String::as_str).collect();
        let emulator = EmulatorProcess::start(bin, &args)?;
        let mut cmd = Command::new(bin.join("pixelbin"));
        cmd.args(["--domain", &emulator.url, "--api-secret", SECRET, "upload"])
            .arg(&dir)
            .args(["--path", "bench-many", "--overwrite", "--json"]);
        let ours = measure(cmd)?;
        let reference = match python {
            Some(python) => {
                let mut cmd = Command::new(python);
                cmd.arg(&script)
                    .args(["--domain", &emulator.url, "--dir"])
                    .arg(&dir)
                    .args(["--in-flight", &REFERENCE_IN_FLIGHT.to_string()]);
                Some(measure(cmd)?)
            }
            None => None,
        };
        let line = |client: &str, run: &Run, ratio: Option<f64>| {
            println!(
                "{:<10} {:<26} {:>8.2} {:>9.2} {:>5.0} MiB {:>9}",
                format!("{rtt} ms"),
                client,
                run.seconds,
                run.seconds / floor,
                run.peak_rss as f64 / (1 << 20) as f64,
                ratio.map_or("-".to_string(), |r| format!("{r:.1}x"))
            );
        };
        line(
            "ours, defaults",
            &ours,
            reference.as_ref().map(|r| r.seconds / ours.seconds),
        );
        if let Some(reference) = &reference {
            line(
                &format!("reference, {REFERENCE_IN_FLIGHT} in flight"),
                reference,
                None,
            );
        }
    }
    Ok(())
}

/// One client's line; `bound` is the point's bound in Mbit/s (none on loopback), of which
/// the last column gives the client's share.
fn print_line(network: &str, client: &str, bytes: u64, run: &Run, bound: Option<f64>) {
    let mbit = bytes as f64 * 8.0 / 1e6 / run.seconds;
    let (share, of_bound) = match bound {
        Some(bound) => (
            format!("{:.0} %", 100.0 * mbit / LINK_MBIT),
            format!("{:.0} %", 100.0 * mbit / bound),
        ),
        None => ("-".to_string(), "-".to_string()),
    };
    println!(
        "{:<22} {:<18} {:>9.1} {:>8} {:>6.0} MiB {:>6} {:>7}",
        network,
        client,
        mbit,
        share,
        run.peak_rss as f64 / (1 << 20) as f64,
        run.concurrency.map_or("-".to_string(), |c| c.to_string()),
        of_bound
    );
}

/// Runs `cmd` to its end, sampling its peak RSS; fails when it fails.
fn measure(mut cmd: Command) -> Result<Run> {
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("could not start the client")?;
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_rss = 0;
    let status = loop {
        if let Some(hwm) = std::fs::read_to_string(&status_path)
            .ok()
            .and_then(|s| vm_hwm(&s))
        {
            peak_rss = peak_rss.max(hwm);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let seconds = started.elapsed().as_secs_f64();
    let output = child.wait_with_output()?;
    if !status.success() {
        bail!(
            "the client failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let json: Option<serde_json::Value> = serde_json::from_slice(&output.stdout).ok();
    Ok(Run {
        seconds,
        peak_rss,
        concurrency: json
            .as_ref()
            .and_then(|j| j["transfer"]["concurrency"].as_u64()),
    })
}

/// Writes `len` bytes that do not compress, unless the file is already there.
fn write_data(path: &Path, len: u64) -> Result<()> {
    write_data_seeded(path, len, 0)
}

/// [`write_data`] with its own bytes per `seed`.
fn write_data_seeded(path: &Path, len: u64, seed: u64) -> Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() == len) {
        return Ok(());
    }
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15 ^ seed.wrapping_mul(0x2545_f491_4f6c_dd1d);
    let mut data = Vec::with_capacity(len as usize);
    while (data.len() as u64) < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data.extend_from_slice(&x.to_le_bytes());
    }
    data.truncate(len as usize);
    std::fs::write(path, data)?;
    Ok(())
}

fn grid() -> Result<Vec<(u64, f64)>> {
    let Ok(spec) = std::env::var("PIXELBIN_BENCH_GRID") else {
        return Ok(GRID.to_vec());
    };
    if spec == "none" {
        return Ok(Vec::new());
    }
    spec.split(',')
        .map(|point| {
            let (rtt, conn) = point
                .split_once('x')
                .with_context(|| format!("grid point {point:?} is not RTTxMBIT, e.g. 80x32"))?;
            Ok((rtt.trim().parse()?, conn.trim().parse()?))
        })
        .collect()
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_pays_the_fixed_costs() {
        // 256 MiB at 512 Mbit/s is 4.19 s; at 200 ms RTT, 7 RTTs of fixed costs add 1.4 s.
        let at = |rtt| 256.0 * 8.0 * 1.048_576 / bound_seconds(256 << 20, rtt);
        assert!((at(0) - 512.0).abs() < 0.01, "{}", at(0));
        assert!((at(200) - 383.9).abs() < 0.5, "{}", at(200));
        assert!((at(20) - 495.5).abs() < 0.5, "{}", at(20));
    }

    #[test]
    fn the_many_files_floor_pays_connections_waves_and_bytes() {
        // 300 x 60 KB at 80 ms: 2 RTTs of set-up, 5 waves of 64, 18 MB at 512 Mbit/s.
        let floor = many_floor_seconds(300, 60_000, 80);
        assert!((floor - (7.0 * 0.08 + 0.28125)).abs() < 1e-9, "{floor}");
    }
}

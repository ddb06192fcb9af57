//! Uploads 1 GiB from a file on loopback and prints throughput, CPU time and
//! peak memory of `pixelbin-upload` and of the reference Python SDK.
//!
//! ```text
//! cargo bench -p pixelbin-upload --bench upload_1gib
//! ```
//!
//! Two servers, each in its own process:
//! - `emulator`: `pixelbin-emulator`, which writes every part to its temporary
//!   directory and, on completion, keeps the parts as the file;
//! - `sink`: a minimal server speaking the same three steps that discards the
//!   data, so the client is the bottleneck and its ceiling shows.
//!
//! Every client round runs in a fresh client process (this binary
//! re-executed, or `benches/reference_upload.py`), so its peak memory (VmHWM)
//! and CPU time are its own, against a fresh server process, so no round pays
//! for what an earlier one left behind. Rounds alternate between the clients;
//! each client's best is shown with the spread (slowest to fastest) of its
//! rounds.
//!
//! Environment:
//! - `PIXELBIN_BENCH_BYTES`: size to upload (default 1 GiB);
//! - `PIXELBIN_BENCH_ROUNDS`: rounds per client and server (default 3);
//! - `PIXELBIN_BENCH_SERVERS`: `emulator,sink` (default both);
//! - `PIXELBIN_REF_PYTHON`: Python with `pixelbin==4.3.0` (default
//!   `/work/venv-ref/bin/python` when it exists); `PIXELBIN_BENCH_SKIP_REFERENCE=1`
//!   skips the reference.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use pixelbin_http::{ApiRequest, PixelbinConfig, Transport};
use pixelbin_upload::{UploadOptions, UploadRequest, UploadSource, Uploader};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const ROLE_VAR: &str = "PIXELBIN_BENCH_ROLE";
const MIB: f64 = 1024.0 * 1024.0;

fn main() {
    match std::env::var(ROLE_VAR).as_deref() {
        Ok("emulator") => return serve_emulator(),
        Ok("sink") => return sink::serve(),
        Ok("client") => return client(),
        _ => {}
    }
    // `cargo bench` passes `--bench`; `cargo test --all-targets` does not:
    // a 1 GiB upload only runs when asked for.
    if !std::env::args().any(|a| a == "--bench") {
        println!("upload_1gib: skipped (run with `cargo bench`)");
        return;
    }
    let size: u64 = env_or("PIXELBIN_BENCH_BYTES", 1 << 30);
    let rounds: usize = env_or("PIXELBIN_BENCH_ROUNDS", 3).max(1);
    let servers =
        std::env::var("PIXELBIN_BENCH_SERVERS").unwrap_or_else(|_| "emulator,sink".into());
    let python = reference_python();

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("upload.bin");
    let sha = write_data(&path, size);

    let options = UploadOptions::default();
    let budget = options.memory_budget as f64 + 64.0 * MIB;
    let mut report = Vec::new();
    for server in servers.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        eprintln!("{server} (a separate process, fresh for every round)");
        let verify = server == "emulator";
        let mut rust = Vec::new();
        let mut reference = Vec::new();
        let mut server_peak: Option<u64> = None;
        let mut note_peak = |peak: Option<u64>| {
            server_peak = server_peak.max(peak);
        };
        for _ in 0..rounds {
            let process = Server::spawn(server);
            let r = run_client(&process.url, &path, size, &sha, verify);
            eprintln!("  pixelbin-upload: {r:?}");
            rust.push(r);
            note_peak(process.stop());
            if let Some(python) = &python {
                let process = Server::spawn(server);
                if let Some(r) = run_reference(python, &process.url, &path) {
                    eprintln!("  reference:       {r:?}");
                    reference.push(r);
                }
                note_peak(process.stop());
            }
        }
        report.push((server.to_owned(), rust, reference, server_peak));
    }

    println!();
    println!(
        "Upload of {:.0} MiB from a file, default options (automatic chunk size and concurrency), best of {rounds} (spread: slowest-fastest).",
        size as f64 / MIB
    );
    println!(
        "end to end: signed URL + parts + completion; transfer: until the last part is acknowledged;"
    );
    println!("CPU: client process user+system time; RSS: client process peak (VmHWM).");
    for (server, rust, reference, server_peak) in &report {
        println!();
        let note = match server.as_str() {
            "emulator" => "writes parts to disk, keeps them as the file on completion",
            _ => "discards the data: the client is the bottleneck",
        };
        println!("server: {server} ({note})");
        println!(
            "  {:<16} {:<28}  {:<28}  {:>8}  {:>10}",
            "", "end to end (spread)", "transfer (spread)", "CPU", "peak RSS"
        );
        let (rust, reference) = (best(rust), best(reference));
        if let Some(f) = &rust {
            row("pixelbin-upload", f);
        }
        match (&rust, &reference) {
            (Some(r), Some(p)) => {
                row("reference (py)", p);
                let (r, p) = (&r.best, &p.best);
                println!(
                    "  {:<16} {:7.2}x{:20}  {:7.2}x{:20}  {:5.2}x less CPU",
                    "ratio",
                    r.mb_per_s / p.mb_per_s,
                    "",
                    r.transfer_mb_per_s / p.transfer_mb_per_s,
                    "",
                    p.cpu_seconds / r.cpu_seconds.max(1e-9)
                );
            }
            _ => println!(
                "  reference (py)  skipped (set PIXELBIN_REF_PYTHON to a Python with pixelbin==4.3.0)"
            ),
        }
        if let Some(peak) = server_peak {
            println!(
                "  server process peak RSS {:.1} MiB (not counted above)",
                *peak as f64 / MIB
            );
        }
    }
    println!();
    println!(
        "client memory budget: memory_budget + 64 MiB = {:.0} MiB",
        budget / MIB
    );
}

fn row(name: &str, f: &Best) {
    println!(
        "  {name:<16} {:7.1} MB/s ({:6.1}-{:6.1})  {:7.1} MB/s ({:6.1}-{:6.1})  {:6.2} s  {:6.1} MiB",
        f.best.mb_per_s,
        f.slowest_mb_per_s,
        f.best.mb_per_s,
        f.best.transfer_mb_per_s,
        f.slowest_transfer_mb_per_s,
        f.best.transfer_mb_per_s,
        f.best.cpu_seconds,
        f.best.peak_rss as f64 / MIB
    );
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Debug)]
struct Figures {
    /// End to end.
    mb_per_s: f64,
    /// Until the last part is acknowledged.
    transfer_mb_per_s: f64,
    cpu_seconds: f64,
    peak_rss: u64,
}

impl Figures {
    fn from_json(json: &Value) -> Option<Figures> {
        Some(Figures {
            mb_per_s: json["mb_per_s"].as_f64()?,
            transfer_mb_per_s: json["parts_mb_per_s"].as_f64()?,
            cpu_seconds: json["cpu_seconds"].as_f64()?,
            peak_rss: json["peak_rss_bytes"].as_u64()?,
        })
    }
}

/// The best of a client's rounds and the slowest speeds, for the spread.
struct Best {
    best: Figures,
    slowest_mb_per_s: f64,
    slowest_transfer_mb_per_s: f64,
}

/// The fastest speeds, the lowest CPU time, the largest peak memory (memory
/// is a bound, not a race), and the slowest speeds; `None` without rounds.
fn best(rounds: &[Figures]) -> Option<Best> {
    let first = rounds.first()?;
    let fold = |pick: fn(f64, f64) -> f64, get: fn(&Figures) -> f64| {
        rounds.iter().map(get).fold(get(first), pick)
    };
    Some(Best {
        best: Figures {
            mb_per_s: fold(f64::max, |f| f.mb_per_s),
            transfer_mb_per_s: fold(f64::max, |f| f.transfer_mb_per_s),
            cpu_seconds: fold(f64::min, |f| f.cpu_seconds),
            peak_rss: rounds.iter().map(|f| f.peak_rss).max().unwrap_or(0),
        },
        slowest_mb_per_s: fold(f64::min, |f| f.mb_per_s),
        slowest_transfer_mb_per_s: fold(f64::min, |f| f.transfer_mb_per_s),
    })
}

/// Runs one Rust client round in a fresh process.
fn run_client(url: &str, path: &Path, size: u64, sha: &str, verify: bool) -> Figures {
    let output = Command::new(std::env::current_exe().expect("current exe"))
        .env(ROLE_VAR, "client")
        .env("BENCH_URL", url)
        .env("BENCH_FILE", path)
        .env("BENCH_SIZE", size.to_string())
        .env("BENCH_SHA", if verify { sha } else { "" })
        .stderr(Stdio::inherit())
        .output()
        .expect("run the client process");
    assert!(output.status.success(), "client round failed");
    let json: Value = serde_json::from_slice(&output.stdout).expect("client output");
    Figures::from_json(&json).expect("client figures")
}

/// Client process: one upload with default options, figures as JSON on stdout.
fn client() {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let (url, path, sha) = (
        var("BENCH_URL"),
        PathBuf::from(var("BENCH_FILE")),
        var("BENCH_SHA"),
    );
    let size: u64 = var("BENCH_SIZE").parse().expect("BENCH_SIZE");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let figures = runtime.block_on(async {
        let config = PixelbinConfig::builder()
            .api_secret("bench-secret")
            .domain(&url)
            .build()
            .expect("config");
        let uploader = Uploader::new(Transport::new(config).expect("transport"));

        let cpu_before = cpu_seconds();
        let started = Instant::now();
        let last_ack = Arc::new(Mutex::new(started));
        let mark = last_ack.clone();
        let options = UploadOptions::default().on_progress(move |_| {
            if let Ok(mut t) = mark.lock() {
                *t = Instant::now();
            }
        });
        let file = uploader
            .upload(
                UploadSource::from_path(&path),
                UploadRequest::new()
                    .name("rust")
                    .path("bench")
                    .overwrite(true),
                options,
            )
            .await
            .expect("upload");
        let seconds = started.elapsed().as_secs_f64();
        let parts_seconds = last_ack
            .lock()
            .map(|t| (*t - started).as_secs_f64())
            .unwrap_or(seconds);
        let cpu = cpu_seconds() - cpu_before;
        let peak_rss = proc_status("VmHWM:").unwrap_or(0);

        // Check the stored bytes, streamed, after the figures were taken.
        if !sha.is_empty() {
            assert_eq!(file.size, Some(size));
            let mut response = uploader
                .transport()
                .send_streaming(
                    ApiRequest::get(file.url.as_deref().expect("file url").parse().expect("url")),
                    None,
                )
                .await
                .expect("download");
            let mut hasher = Sha256::new();
            while let Some(chunk) = response.chunk().await.expect("download body") {
                hasher.update(&chunk);
            }
            assert_eq!(hex::encode(hasher.finalize()), sha, "stored bytes differ");
        }
        json!({
            "bytes": size,
            "seconds": seconds,
            "mb_per_s": size as f64 / seconds / 1e6,
            "parts_seconds": parts_seconds,
            "parts_mb_per_s": size as f64 / parts_seconds / 1e6,
            "cpu_seconds": cpu,
            "peak_rss_bytes": peak_rss,
            "verified": !sha.is_empty(),
        })
    });
    println!("{figures}");
}

fn reference_python() -> Option<PathBuf> {
    if std::env::var_os("PIXELBIN_BENCH_SKIP_REFERENCE").is_some() {
        return None;
    }
    std::env::var_os("PIXELBIN_REF_PYTHON")
        .map(PathBuf::from)
        .or_else(|| {
            let default = PathBuf::from("/work/venv-ref/bin/python");
            default.exists().then_some(default)
        })
}

fn run_reference(python: &Path, url: &str, path: &Path) -> Option<Figures> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/reference_upload.py");
    let output = Command::new(python)
        .arg(&script)
        .arg("--domain")
        .arg(url)
        .arg("--file")
        .arg(path)
        .output()
        .expect("run the reference script");
    if !output.status.success() {
        eprintln!(
            "reference upload failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        return None;
    }
    let json: Value = serde_json::from_slice(&output.stdout).ok()?;
    Figures::from_json(&json)
}

/// Writes `size` pseudo-random bytes (not compressible, not periodic) and
/// returns their SHA-256.
fn write_data(path: &Path, size: u64) -> String {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("create data file"));
    let mut hasher = Sha256::new();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut block = vec![0u8; 1 << 20];
    let mut left = size;
    while left > 0 {
        for word in block.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
        let n = left.min(block.len() as u64) as usize;
        file.write_all(&block[..n]).expect("write data file");
        hasher.update(&block[..n]);
        left -= n as u64;
    }
    file.flush().expect("flush data file");
    hex::encode(hasher.finalize())
}

/// A value in KiB from /proc/self/status, in bytes.
fn proc_status(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// User + system CPU time of this process (all threads), from /proc/self/stat
/// (fields 14 and 15, in clock ticks of 1/100 s on Linux).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // The command name (field 2) may contain spaces: count from after its ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // `rest` starts at field 3, so fields 14 and 15 are at 11 and 12.
    (ticks(11) + ticks(12)) / 100.0
}

/// A server in a child process (this binary with another role).
struct Server {
    child: Child,
    url: String,
    stdout: BufReader<std::process::ChildStdout>,
}

impl Server {
    fn spawn(role: &str) -> Server {
        let mut child = Command::new(std::env::current_exe().expect("current exe"))
            .env(ROLE_VAR, role)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the server process");
        let mut stdout = BufReader::new(child.stdout.take().expect("child stdout"));
        let mut url = String::new();
        stdout.read_line(&mut url).expect("server url");
        Server {
            child,
            url: url.trim().to_owned(),
            stdout,
        }
    }

    /// Stops the child (closing its stdin) and returns its peak RSS.
    fn stop(mut self) -> Option<u64> {
        drop(self.child.stdin.take());
        let mut line = String::new();
        self.stdout.read_line(&mut line).ok()?;
        let _ = self.child.wait();
        line.trim().parse().ok()
    }
}

/// Blocks until stdin closes (the parent's signal to stop), then prints the peak RSS.
fn wait_for_stdin_close() {
    let mut sink = String::new();
    while std::io::stdin()
        .read_line(&mut sink)
        .map(|n| n > 0)
        .unwrap_or(false)
    {}
}

fn serve_emulator() {
    let emulator = pixelbin_emulator::Emulator::spawn(Default::default()).expect("emulator");
    println!("{}", emulator.url());
    let _ = std::io::stdout().flush();
    wait_for_stdin_close();
    drop(emulator);
    println!("{}", proc_status("VmHWM:").unwrap_or(0));
}

/// A server speaking the three upload steps that keeps nothing.
mod sink {
    use std::io::Write;

    use axum::Router;
    use axum::body::Body;
    use axum::extract::Request;
    use axum::http::StatusCode;
    use axum::routing::{post, put};
    use futures::StreamExt;
    use serde_json::json;

    const PART_PATH: &str = "/sink/signed-multipart";

    pub fn serve() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let signed_url = format!("{base}{PART_PATH}?pbs=sink&pbe=0");
        let app = Router::new()
            .route(
                "/service/platform/assets/v2.0/upload/signed-url",
                post(move || {
                    let url = signed_url.clone();
                    async move {
                        axum::Json(json!({"presignedUrl": {
                            "url": url,
                            "fields": {"x-pixb-meta-assetdata": "{\"name\":\"sink\"}"}
                        }}))
                    }
                }),
            )
            .route(PART_PATH, put(drain).post(complete));
        runtime.spawn(async move { axum::serve(listener, app).await });
        println!("{base}");
        let _ = std::io::stdout().flush();
        super::wait_for_stdin_close();
        println!("{}", super::proc_status("VmHWM:").unwrap_or(0));
    }

    /// A part: read the body to the end, keep nothing.
    async fn drain(request: Request) -> StatusCode {
        let mut body = request.into_body().into_data_stream();
        while let Some(chunk) = body.next().await {
            if chunk.is_err() {
                return StatusCode::BAD_REQUEST;
            }
        }
        StatusCode::NO_CONTENT
    }

    async fn complete(body: Body) -> axum::Json<serde_json::Value> {
        let _ = axum::body::to_bytes(body, 1 << 20).await;
        axum::Json(json!({"name": "sink", "type": "file"}))
    }
}

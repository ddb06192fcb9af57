//! The `pixelbin-emulator` binary: its first line, flags, and memory use on a large upload.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::*;
use reqwest::Method;
use serde_json::json;

/// A running binary, killed on drop. Its temporary directory lives in `_tmp`,
/// removed after the kill (SIGKILL leaves the binary no chance to remove it).
struct Running {
    child: Child,
    url: String,
    _tmp: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(args: &[&str]) -> Running {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pixelbin-emulator"))
        .args(args)
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .strip_prefix("pixelbin-emulator listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .trim_end_matches('\n')
        .to_string();
    let port: u16 = url
        .strip_prefix("http://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected URL in {line:?}"));
    assert_ne!(port, 0);
    assert_eq!(line, format!("pixelbin-emulator listening on {url}\n"));
    Running {
        child,
        url,
        _tmp: tmp,
    }
}

#[tokio::test]
async fn first_line_and_api_secret() {
    let server = run(&["--api-secret", SECRET, "--prediction-delay-ms", "10"]);
    let list_files = format!("{}/service/platform/assets/v1.0/listFiles", server.url);
    let (status, body) = send(authed(Method::GET, list_files.clone())).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["page"]["itemTotal"].is_number());
    let (status, _) = send(
        client()
            .get(&list_files)
            .header("authorization", bearer("another-secret")),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn fault_flags() {
    let server = run(&[
        "--fail-rate",
        "1",
        "--fail-status",
        "429",
        "--retry-after",
        "3",
        "--routes",
        "predictions.list,upload.*",
        "--seed",
        "5",
    ]);
    let response = client()
        .get(format!(
            "{}/service/public/transformation/v1.0/predictions",
            server.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "3");
    let (status, _) = send(client().get(format!(
        "{}/service/public/transformation/v1.0/predictions/schema/erase_bg",
        server.url
    )))
    .await;
    assert_eq!(status, 200);
    let (status, _) = send(
        authed(
            Method::POST,
            format!(
                "{}/service/platform/assets/v2.0/upload/signed-url",
                server.url
            ),
        )
        .json(&json!({})),
    )
    .await;
    assert_eq!(status, 429);
}

#[test]
fn bad_flags_are_refused() {
    for args in [
        &["--routes", "no.such.route"][..],
        &["--fail-rate", "2"],
        &["--fail-status", "200"],
        &["--port", "x"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_pixelbin-emulator"))
            .args(args)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(!output.stderr.is_empty(), "{args:?}");
    }
}

/// Peak resident memory (VmHWM) of a process, in KiB.
#[cfg(target_os = "linux")]
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Uploads 128 MiB (or `PIXELBIN_EMULATOR_BIG_UPLOAD_PARTS` parts of 32 MiB) streamed from the
/// client, and checks the emulator's peak memory hardly moves: parts go to disk, not memory.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn large_uploads_stream_to_disk() {
    use futures::StreamExt;
    use reqwest::multipart::{Form, Part};

    const PART: u64 = 32 * 1024 * 1024;
    let parts: u32 = std::env::var("PIXELBIN_EMULATOR_BIG_UPLOAD_PARTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let server = run(&[]);
    let pid = server.child.id();
    let (_, answer) = send(
        authed(
            Method::POST,
            format!(
                "{}/service/platform/assets/v2.0/upload/signed-url",
                server.url
            ),
        )
        .json(&json!({"name": "huge", "format": "bin"})),
    )
    .await;
    let url = answer["presignedUrl"]["url"].as_str().unwrap().to_string();
    let fields = answer["presignedUrl"]["fields"].clone();
    let asset_data = fields["x-pixb-meta-assetdata"]
        .as_str()
        .unwrap()
        .to_string();
    let before = peak_rss_kib(pid);
    for n in 1..=parts {
        let chunks = futures::stream::iter(0..PART / 65_536)
            .map(move |i| Ok::<_, std::io::Error>(vec![(i as u8) ^ (n as u8); 65_536]));
        let part =
            Part::stream_with_length(reqwest::Body::wrap_stream(chunks), PART).file_name("file");
        let form = Form::new()
            .part("file", part)
            .text("x-pixb-meta-assetdata", asset_data.clone());
        let (status, body) = send(
            client()
                .put(format!("{url}&partNumber={n}"))
                .multipart(form),
        )
        .await;
        assert_eq!(status, 204, "{body}");
    }
    let (status, file) = send(client().post(&url).json(&json!({
        "parts": (1..=parts).collect::<Vec<_>>(),
        "x-pixb-meta-assetdata": asset_data,
    })))
    .await;
    assert_eq!(status, 200, "{file}");
    assert_eq!(file["size"], PART * u64::from(parts));
    // Serving streams too.
    let mut served = client()
        .get(file["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes_stream();
    let mut total = 0u64;
    while let Some(chunk) = served.next().await {
        total += chunk.unwrap().len() as u64;
    }
    assert_eq!(total, PART * u64::from(parts));
    let growth_kib = peak_rss_kib(pid).saturating_sub(before);
    eprintln!(
        "emulator peak RSS growth over a {} MiB upload: {growth_kib} KiB",
        u64::from(parts) * 32
    );
    assert!(growth_kib < 16 * 1024, "peak RSS grew by {growth_kib} KiB");
}

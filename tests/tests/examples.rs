//! The `pixelbin` crate's examples, built once (with `cargo build --examples`) and run against
//! the in-process emulator, exactly as a user would run them against Pixelbin: configured only
//! through `PIXELBIN_API_TOKEN` and `PIXELBIN_DOMAIN`.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Duration;

use common::{PNG, SECRET, sha256, spawn};
use pixelbin_emulator::Emulator;

/// Environment variables that would change where the examples connect.
const CLEARED_ENV: &[&str] = &[
    "PIXELBIN_API_TOKEN",
    "PIXELBIN_DOMAIN",
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// Builds every example once per test binary and maps each name to its executable.
fn examples() -> &'static HashMap<String, PathBuf> {
    static BUILT: OnceLock<Result<HashMap<String, PathBuf>, String>> = OnceLock::new();
    match BUILT.get_or_init(build_examples) {
        Ok(map) => map,
        Err(e) => panic!("{e}"),
    }
}

fn build_examples() -> Result<HashMap<String, PathBuf>, String> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("the test crate has no parent directory")?;
    // This test runs from <target>/<profile>/deps/: build into the same target directory and
    // profile, so the dependencies compiled for the tests are reused.
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("unexpected test executable location")?;
    let target_dir = profile_dir.parent().ok_or("unexpected target layout")?;
    let mut cargo = Command::new(env!("CARGO"));
    cargo
        .current_dir(workspace)
        .args([
            "build",
            "--package",
            "pixelbin",
            "--examples",
            "--features",
            "blocking",
        ])
        .args(["--message-format", "json-render-diagnostics"])
        .arg("--target-dir")
        .arg(target_dir);
    if profile_dir.file_name().is_some_and(|p| p == "release") {
        cargo.arg("--release");
    }
    let output = cargo
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "building the examples failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let mut executables = HashMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let is_example = message["target"]["kind"]
            .as_array()
            .is_some_and(|kinds| kinds.iter().any(|k| k == "example"));
        if let (true, Some(name), Some(exe)) = (
            is_example,
            message["target"]["name"].as_str(),
            message["executable"].as_str(),
        ) {
            executables.insert(name.to_owned(), PathBuf::from(exe));
        }
    }
    Ok(executables)
}

/// Runs example `name` with `args`, configured for `emulator` unless `env` overrides it.
fn run(name: &str, args: &[&str], emulator: Option<&Emulator>, env: &[(&str, &str)]) -> Output {
    let exe = examples()
        .get(name)
        .unwrap_or_else(|| panic!("no example named {name} was built"));
    let mut command = Command::new(exe);
    command.args(args);
    for var in CLEARED_ENV {
        command.env_remove(var);
    }
    if let Some(emulator) = emulator {
        command
            .env("PIXELBIN_API_TOKEN", SECRET)
            .env("PIXELBIN_DOMAIN", emulator.url());
    }
    command.envs(env.iter().copied());
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {name}: {e}"));
    assert!(
        output.status.success(),
        "example {name} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Downloads a URL the emulator serves.
fn fetch(emulator: &Emulator, url: &str) -> Vec<u8> {
    let client = pixelbin::blocking::PixelbinClient::new(common::config(emulator)).unwrap();
    let mut bytes = Vec::new();
    client
        .predictions()
        .download_output(url.trim(), &mut bytes)
        .unwrap();
    bytes
}

#[test]
fn prediction_examples_run_against_the_emulator() {
    let emulator = spawn(Duration::ZERO);
    for name in ["predictions", "predictions_blocking"] {
        let out = stdout(&run(name, &[], Some(&emulator), &[]));
        assert!(out.contains("Created: erase--bg--"), "{name}: {out}");
        assert!(out.contains("Final: SUCCESS"), "{name}: {out}");
    }
    for name in ["create_and_wait", "create_and_wait_blocking"] {
        let out = stdout(&run(name, &[], Some(&emulator), &[]));
        assert!(out.contains("Final: SUCCESS"), "{name}: {out}");
    }
    for name in ["models", "models_blocking"] {
        let out = stdout(&run(name, &[], Some(&emulator), &[]));
        assert!(out.contains("erase_bg"), "{name}: {out}");
        assert!(out.contains("Schema of erase_bg"), "{name}: {out}");
    }
    assert_eq!(emulator.request_count("predictions.create"), 4);

    // With a file argument the image is sent as a multipart file part.
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("photo.png");
    std::fs::write(&image, PNG).unwrap();
    let out = stdout(&run(
        "predictions_blocking",
        &[image.to_str().unwrap()],
        Some(&emulator),
        &[],
    ));
    assert!(out.contains("Final: SUCCESS"), "{out}");
    let sent = emulator.recorded("predictions.create").pop().unwrap();
    assert!(
        sent.content_type
            .as_deref()
            .is_some_and(|ct| ct.starts_with("multipart/form-data")),
        "{sent:?}"
    );
}

#[test]
fn upload_examples_run_against_the_emulator() {
    let emulator = spawn(Duration::ZERO);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("myimage.png");
    let data = common::payload(70_000, 5);
    std::fs::write(&file, &data).unwrap();
    let file_arg = file.to_str().unwrap();

    for name in [
        "upload_bytes",
        "upload_bytes_blocking",
        "upload_stream",
        "upload_stream_blocking",
    ] {
        // Without an argument the built-in sample is uploaded...
        let url = stdout(&run(name, &[], Some(&emulator), &[]));
        assert!(url.starts_with(&emulator.url()), "{name}: {url}");
        assert_eq!(fetch(&emulator, &url), PNG, "{name}");
        // ...with one, the named file.
        let url = stdout(&run(name, &[file_arg], Some(&emulator), &[]));
        assert_eq!(sha256(&fetch(&emulator, &url)), sha256(&data), "{name}");
    }
    // Same name every time: filenameOverride gave each upload its own file. Small uploads of
    // a known length take the one-request route, streams of unknown length the signed one.
    let (direct, signed) = (
        emulator.request_count("upload.direct"),
        emulator.request_count("upload.complete"),
    );
    assert_eq!((direct + signed, direct > 0, signed > 0), (8, true, true));
    let sent = emulator.recorded("upload.signed_url_v2").pop().unwrap();
    let body = sent.body.json().cloned().unwrap_or_default();
    assert_eq!(body["name"], "myimage", "{body}");
    assert_eq!(body["path"], "folder", "{body}");
    assert_eq!(body["access"], "public-read", "{body}");
    assert_eq!(body["filenameOverride"], true, "{body}");
}

/// `trust_env` sends the requests through `HTTP_PROXY`: the API domain does not resolve, so
/// only the proxy (the emulator, answering requests in absolute form) can serve them.
#[test]
fn proxy_examples_list_files_through_the_proxy() {
    let emulator = spawn(Duration::ZERO);
    let api = "http://pixelbin-api.invalid";
    for name in ["proxy_list_files", "proxy_list_files_blocking"] {
        let out = stdout(&run(
            name,
            &[],
            None,
            &[
                ("PIXELBIN_API_TOKEN", SECRET),
                ("PIXELBIN_DOMAIN", api),
                ("HTTP_PROXY", &emulator.url()),
            ],
        ));
        assert!(out.contains("items"), "{name}: {out}");
    }
    let listed = emulator.recorded("files.list");
    assert_eq!(listed.len(), 2);
    for request in listed {
        let host = request
            .headers
            .iter()
            .find(|(name, _)| name == "host")
            .map(|(_, value)| value.as_str());
        assert_eq!(host, Some("pixelbin-api.invalid"), "{request:?}");
        assert!(request.has_authorization);
    }
}

#[test]
fn url_examples_reproduce_the_reference_outputs() {
    let out = stdout(&run("signed_urls", &[], None, &[]));
    assert!(
        out.contains("https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg?pbs=8eb6a00af74e57967a42316e4de238aa88d92961649764fad1832c1bff101f25&pbe=1695635915&pbt=6227274d-92c9-4b74-bef8-2528542516d8"),
        "{out}"
    );
    assert!(
        out.contains("https://test.example.com/v2/original/__playground/playground-default.jpeg?pbs=1848fb2d715a4e27d387a77a7fadc48174cf1806717f51e3fec70bb9b6f2eb96&pbe=1695705975&pbt=22"),
        "{out}"
    );
    assert!(out.contains("already signed: refused"), "{out}");

    let out = stdout(&run("url_utils", &[], None, &[]));
    for expected in [
        "https://cdn.pixelbin.io/v2/your-cloud-name/z-slug/t.resize(h:100,w:200)~t.flip()/path/to/image.jpeg?dpr=2.0&f_auto=true",
        "https://xyz.designify.media/v2/z-slug/t.resize(h:100,w:200)~t.flip()/path/to/image.jpeg",
        "https://cdn.pixelbin.io/v2/your-cloud-name/z-slug/wrkr/resize:h100,w:200/folder/image.jpeg",
        "\"workerPath\": \"resize:h100,w:200/folder/image.jpeg\"",
        "Invalid pixelbin url. Please make sure the url is correct.",
    ] {
        assert!(out.contains(expected), "missing {expected} in:\n{out}");
    }
}

/// Images `p0.png`..`p{n-1}.png` under `dir/sub`, and one at the top.
fn image_tree(dir: &Path, n: usize) {
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("top.png"), PNG).unwrap();
    for i in 0..n {
        std::fs::write(dir.join(format!("sub/p{i}.png")), PNG).unwrap();
    }
}

#[test]
fn bulk_examples_run_and_rerun_against_the_emulator() {
    let emulator = spawn(Duration::from_millis(20));
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    image_tree(&photos, 3);
    let photos_arg = photos.to_str().unwrap();
    for (n, name) in ["bulk_upload", "bulk_upload_blocking"]
        .into_iter()
        .enumerate()
    {
        let folder = format!("shop{n}");
        let files = emulator.file_count();
        let out = stdout(&run(name, &[photos_arg, &folder], Some(&emulator), &[]));
        assert!(out.contains("4 inputs: 4 done"), "{name}: {out}");
        assert_eq!(emulator.file_count(), files + 4, "{name}");
        // The journal in the folder makes the rerun skip everything.
        let out = stdout(&run(name, &[photos_arg, &folder], Some(&emulator), &[]));
        assert!(out.contains("4 skipped"), "{name}: {out}");
        assert_eq!(emulator.file_count(), files + 4, "{name}");
    }
    for (n, name) in ["bulk_predict", "bulk_predict_blocking"]
        .into_iter()
        .enumerate()
    {
        let out_dir = dir.path().join(format!("out{n}"));
        let out_arg = out_dir.to_str().unwrap();
        let created = emulator.predictions_created();
        let out = stdout(&run(name, &[photos_arg, out_arg], Some(&emulator), &[]));
        assert!(out.contains("4 inputs: 4 done"), "{name}: {out}");
        assert!(out_dir.join("sub/p2.png").is_file() && out_dir.join("top.png").is_file());
        let out = stdout(&run(name, &[photos_arg, out_arg], Some(&emulator), &[]));
        assert!(out.contains("4 skipped"), "{name}: {out}");
        assert_eq!(emulator.predictions_created(), created + 4, "{name}");
    }
}

#[test]
fn bulk_transform_examples_run_and_rerun_against_the_emulator() {
    let emulator = spawn(Duration::from_millis(20));
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    image_tree(&photos, 3);
    let photos_arg = photos.to_str().unwrap();
    let pattern = "t.flip()~t.toFormat(f:webp)";
    for (n, name) in ["bulk_transform", "bulk_transform_blocking"]
        .into_iter()
        .enumerate()
    {
        let out_dir = dir.path().join(format!("thumbs{n}"));
        let out_arg = out_dir.to_str().unwrap();
        let files = emulator.file_count();
        let out = stdout(&run(
            name,
            &[photos_arg, out_arg, pattern],
            Some(&emulator),
            &[],
        ));
        assert!(out.contains("4 inputs: 4 done"), "{name}: {out}");
        for file in ["sub/p2.webp", "top.webp"] {
            let bytes = std::fs::read(out_dir.join(file)).unwrap();
            assert_eq!(&bytes[8..12], b"WEBP", "{name}: {file}");
        }
        assert_eq!(
            emulator.file_count(),
            files,
            "{name}: working uploads deleted"
        );
        let uploads = emulator.request_count("upload.*");
        let out = stdout(&run(
            name,
            &[photos_arg, out_arg, pattern],
            Some(&emulator),
            &[],
        ));
        assert!(out.contains("4 skipped"), "{name}: {out}");
        assert_eq!(emulator.request_count("upload.*"), uploads, "{name}");
    }
}

#[test]
fn bulk_predict_resumes_after_kill_9() {
    // Jobs take a second: the kill lands with jobs created and not finished.
    let emulator = spawn(Duration::from_secs(1));
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    image_tree(&photos, 5);
    let out_dir = dir.path().join("out");
    let journal = out_dir.join(".pixelbin-journal.jsonl");
    let exe = &examples()["bulk_predict"];
    let mut child = Command::new(exe)
        .args([photos.to_str().unwrap(), out_dir.to_str().unwrap()])
        .env("PIXELBIN_API_TOKEN", SECRET)
        .env("PIXELBIN_DOMAIN", emulator.url())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !std::fs::read_to_string(&journal)
        .unwrap_or_default()
        .contains(r#""status":"created""#)
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no job created"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let created_at_kill: usize = std::fs::read_to_string(&journal)
        .unwrap()
        .matches(r#""status":"created""#)
        .count();
    // A create the killed process had sent may still be landing: count once the emulator's
    // count stops moving (at most one step per input), or the rerun is blamed for it.
    let mut before = emulator.predictions_created();
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let now = emulator.predictions_created();
        if now == before {
            break;
        }
        before = now;
    }
    let before = before as usize;
    let out = stdout(&run(
        "bulk_predict",
        &[photos.to_str().unwrap(), out_dir.to_str().unwrap()],
        Some(&emulator),
        &[],
    ));
    assert!(out.contains("6 inputs:"), "{out}");
    for i in 0..5 {
        assert!(
            out_dir.join(format!("sub/p{i}.png")).is_file(),
            "p{i}: {out}"
        );
    }
    assert!(out_dir.join("top.png").is_file());
    // Jobs journaled as created were waited for, only the others created.
    assert_eq!(
        emulator.predictions_created() as usize,
        before + 6 - created_at_kill
    );
}

#[test]
fn the_webhook_endpoint_example_receives_a_signed_delivery_and_refuses_a_forged_one() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;

    const WEBHOOK_SECRET: &str = "example-webhook-secret";
    let emulator = Emulator::spawn(pixelbin_emulator::EmulatorOptions {
        webhook_secret: Some(WEBHOOK_SECRET.into()),
        ..common::options(Duration::ZERO)
    })
    .expect("spawn the emulator");
    let exe = examples()
        .get("webhook_endpoint")
        .expect("the webhook_endpoint example was built");
    let mut child = Command::new(exe)
        .arg("127.0.0.1:0")
        .env("PIXELBIN_WEBHOOK_SECRET", WEBHOOK_SECRET)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed however the test ends.
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    // Lines arrive through a channel, so every wait for one is bounded.
    let (sender, lines) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut child = Kill(child);
    let next_line = || {
        lines
            .recv_timeout(Duration::from_secs(60))
            .expect("the endpoint printed a line in time")
    };
    let first = next_line();
    let endpoint = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{first}"))
        .to_owned();

    // A forged delivery is refused before its body is trusted.
    let port_and_path = endpoint.trim_start_matches("http://");
    let (address, path) = port_and_path.split_once('/').unwrap();
    let mut socket = std::net::TcpStream::connect(address).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let body = br#"{"_id":"forged","status":"SUCCESS"}"#;
    write!(
        socket,
        "POST /{path} HTTP/1.1\r\nhost: {address}\r\nx-erbg-signature: 00\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    socket.write_all(body).unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut socket, &mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");

    // A job created with the endpoint as its webhook is delivered, signed, when it finishes.
    let client = pixelbin::blocking::PixelbinClient::new(common::config(&emulator)).unwrap();
    let job = client
        .predictions()
        .create(
            "erase_bg",
            pixelbin::PredictionInput::new()
                .url("image", "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg"),
            Some(endpoint.as_str()),
        )
        .unwrap();
    let line = next_line();
    assert!(
        line.starts_with(&format!("job {} SUCCESS", job.id)),
        "{line}"
    );
    assert!(
        child.0.try_wait().unwrap().is_none(),
        "the endpoint keeps serving"
    );
}

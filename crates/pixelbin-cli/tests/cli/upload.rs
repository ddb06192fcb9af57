//! `pixelbin upload`

use pixelbin_emulator::RecordedBody;
use predicates::prelude::*;
use serde_json::json;

use crate::support::{emulator, json_of, pixelbin, png_file, s, stdout_of};

#[test]
fn upload_prints_the_file_object_with_json() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let photo = png_file(dir.path(), "shoe.png", 64, 48);
    let size = std::fs::metadata(&photo).unwrap().len();
    let chunk = 2048;
    let file = json_of(pixelbin(&emu).args([
        "upload",
        s(&photo),
        "--path",
        "products/shoes",
        "--access",
        "private",
        "--tag",
        "summer",
        "--tag",
        "sale",
        "--metadata",
        r#"{"sku":"A-1"}"#,
        "--chunk-size",
        &chunk.to_string(),
        "--concurrency",
        "2",
        "--max-retries",
        "0",
        "--json",
    ]));
    assert_eq!(file["name"], "shoe.png");
    assert_eq!(file["path"], "products/shoes");
    assert_eq!(file["fileId"], "products/shoes/shoe.png");
    assert_eq!(file["format"], "png");
    assert_eq!(file["access"], "private");
    assert_eq!(file["tags"], json!(["summer", "sale"]));
    assert_eq!(file["size"], size);
    assert_eq!(file["width"], 64);
    assert_eq!(file["height"], 48);
    assert!(file["_id"].is_string());
    assert!(
        file["url"]
            .as_str()
            .unwrap()
            .ends_with("/products/shoes/shoe.png")
    );

    let signed = emu.recorded("upload.signed_url_v2");
    assert_eq!(
        signed[0].body,
        RecordedBody::Json(json!({
            "name": "shoe", "path": "products/shoes", "format": "png", "access": "private",
            "tags": ["summer", "sale"], "metadata": {"sku": "A-1"}
        }))
    );
    assert_eq!(emu.request_count("upload.part"), size.div_ceil(chunk));
    assert_eq!(emu.request_count("upload.complete"), 1);
}

#[test]
fn upload_prints_only_the_url_for_people() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let photo = png_file(dir.path(), "photo.jpg.png", 8, 8);
    let text = stdout_of(pixelbin(&emu).args(["upload", s(&photo), "--name", "hero"]));
    assert_eq!(
        text,
        format!("{}/v2/emulator-cloud/original/hero.png\n", emu.url())
    );
    // Uploading again needs --overwrite or --filename-override.
    pixelbin(&emu)
        .args(["upload", s(&photo), "--name", "hero"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("409"));
    pixelbin(&emu)
        .args(["upload", s(&photo), "--name", "hero", "--overwrite"])
        .assert()
        .success();
    let renamed = stdout_of(pixelbin(&emu).args([
        "upload",
        s(&photo),
        "--name",
        "hero",
        "--filename-override",
    ]));
    assert!(!renamed.ends_with("/hero.png\n"), "{renamed}");
}

#[test]
fn upload_reads_stdin() {
    let emu = emulator();
    let data = crate::support::png(10, 10);
    let file = json_of(
        pixelbin(&emu)
            .args([
                "upload", "-", "--name", "piped", "--format", "png", "--json",
            ])
            .write_stdin(data.clone()),
    );
    assert_eq!(file["fileId"], "piped.png");
    assert_eq!(file["size"], data.len());
}

#[test]
fn bad_sources_and_options_exit_with_2_before_any_request() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let photo = png_file(dir.path(), "photo.png", 8, 8);
    let empty = dir.path().join("empty.png");
    std::fs::write(&empty, b"").unwrap();
    let cases: [(&[&str], &str); 5] = [
        (
            &["upload", "/definitely/not/here.png"],
            "cannot read /definitely/not/here.png",
        ),
        (&["upload", s(&empty)], "nothing to upload"),
        (
            &["upload", s(&photo), "--chunk-size", "0"],
            "Invalid chunkSize",
        ),
        (&["upload", s(&photo), "--concurrency", "0"], "concurrency"),
        (
            &["upload", s(&photo), "--metadata", "[1]"],
            "--metadata must be a JSON object",
        ),
    ];
    for (args, message) in cases {
        pixelbin(&emu)
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    pixelbin(&emu)
        .args(["upload", s(&photo), "--access", "public"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("public-read"));
    assert_eq!(emu.request_count("upload.*"), 0);
}

/// The body of a plain HTTP GET of `url` (an emulator URL on 127.0.0.1).
fn http_get(url: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = std::net::TcpStream::connect(host).expect("the emulator answers");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let at = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers end");
    assert!(response.starts_with(b"HTTP/1.0 200") || response.starts_with(b"HTTP/1.1 200"));
    response.split_off(at + 4)
}

#[test]
fn an_upload_killed_midway_is_finished_by_rerunning_with_the_resume_file() {
    use pixelbin_emulator::Fault;
    use std::time::{Duration, Instant};

    let emu = emulator();
    // Slow parts, so the upload is surely mid-way when it is killed.
    emu.set_faults(vec![
        Fault::delaying(Duration::from_millis(100)).on_routes(["upload.part"]),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backup.bin");
    let bytes: Vec<u8> = (0..24 * 4096u32).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(&path, &bytes).unwrap();
    let state_file = dir.path().join("backup.upload");
    let args = [
        "upload",
        s(&path),
        "--chunk-size",
        "4096",
        "--concurrency",
        "2",
        "--resume-file",
        s(&state_file),
        "--json",
    ];

    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("pixelbin"))
        .args([
            "--domain",
            &emu.url(),
            "--api-secret",
            crate::support::SECRET,
        ])
        .args(args)
        .env_remove("PIXELBIN_API_TOKEN")
        .env(
            "XDG_CACHE_HOME",
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("pixelbin-cli-cache"),
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let recorded = loop {
        let parts = std::fs::read(&state_file)
            .ok()
            .and_then(|text| serde_json::from_slice::<serde_json::Value>(&text).ok())
            .map(|state| state["acknowledgedParts"].as_array().map_or(0, Vec::len));
        if parts.is_some_and(|n| n >= 4) {
            break parts.unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "the state file never recorded 4 parts"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the upload ended too soon"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    assert_eq!(emu.request_count("upload.complete"), 0);

    // What the state file says was stored (it may lag behind the server, never lead it).
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&state_file).unwrap()).unwrap();
    let stored: Vec<u64> = state["acknowledgedParts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    assert!(stored.len() >= recorded && stored.len() < 24, "{stored:?}");

    emu.set_faults(Vec::new());
    emu.reset_counts();
    let file = json_of(pixelbin(&emu).args(args));
    let missing: Vec<u64> = (1..=24).filter(|n| !stored.contains(n)).collect();
    assert_eq!(
        emu.request_count("upload.signed_url_v2"),
        0,
        "the same upload goes on"
    );
    assert_eq!(emu.request_count("upload.part"), missing.len() as u64);
    let mut sent: Vec<u64> = emu
        .recorded("upload.part")
        .iter()
        .map(|r| {
            let query = r.query.as_deref().unwrap_or_default();
            let number = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("partNumber="));
            number.expect("a part number").parse().unwrap()
        })
        .collect();
    sent.sort_unstable();
    assert_eq!(sent, missing);
    assert_eq!(emu.request_count("upload.complete"), 1);
    assert_eq!(http_get(file["url"].as_str().unwrap()), bytes, "byte-exact");
    assert!(
        file["transfer"]["concurrency"].as_u64() == Some(2),
        "{file}"
    );
    assert!(!state_file.exists(), "removed once the upload completed");
}

#[test]
fn a_resume_file_for_a_changed_file_is_refused_until_restart() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.bin");
    std::fs::write(&path, vec![7u8; 10_000]).unwrap();
    let state_file = dir.path().join("doc.upload");
    // An interrupted upload: the completion is refused, the state file stays.
    emu.fail_next("upload.complete", 1, 400);
    let args = [
        "upload",
        s(&path),
        "--chunk-size",
        "4096",
        "--resume-file",
        s(&state_file),
    ];
    pixelbin(&emu).args(args).assert().failure();
    assert!(state_file.exists());

    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&path, vec![8u8; 10_000]).unwrap();
    emu.reset_counts();
    pixelbin(&emu).args(args).assert().code(2).stderr(
        predicate::str::contains("modified since").and(predicate::str::contains("--restart")),
    );
    assert_eq!(emu.request_count("upload.*"), 0);

    let file = json_of(pixelbin(&emu).args(args).args(["--restart", "--json"]));
    assert_eq!(http_get(file["url"].as_str().unwrap()), vec![8u8; 10_000]);
    assert_eq!(emu.request_count("upload.part"), 3);
    assert!(!state_file.exists());
}

#[test]
fn a_remote_folder_that_leaves_the_root_is_refused_before_any_request() {
    let emu = crate::support::emulator();
    let dir = tempfile::tempdir().unwrap();
    let photo = crate::support::png_file(dir.path(), "photo.png", 8, 8);
    for bad in ["../../../etc", "/etc", "a//b"] {
        crate::support::pixelbin(&emu)
            .args(["upload", crate::support::s(&photo), "--path", bad])
            .assert()
            .code(2)
            .stderr(predicates::str::contains("--path"));
    }
    assert_eq!(emu.request_count("*"), 0);
}

#[test]
fn a_large_upload_starts_from_what_the_last_one_to_the_host_showed() {
    // The signed URL takes 50 ms: a long path, on which the estimate below applies.
    let emu = pixelbin_emulator::Emulator::spawn(pixelbin_emulator::EmulatorOptions {
        api_secret: Some(crate::support::SECRET.into()),
        faults: vec![
            pixelbin_emulator::Fault::delaying(std::time::Duration::from_millis(50))
                .on_routes(["upload.signed_url_v2"]),
        ],
        ..pixelbin_emulator::EmulatorOptions::default()
    })
    .expect("the emulator starts");
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.bin");
    std::fs::write(&path, vec![7u8; 40 * 65536]).unwrap();
    let upload = |extra: &[&str]| {
        json_of(
            pixelbin(&emu)
                .env("XDG_CACHE_HOME", cache.path())
                .args([
                    "upload",
                    s(&path),
                    "--overwrite",
                    "--chunk-size",
                    "65536",
                    "--json",
                ])
                .args(extra),
        )
    };
    let first = upload(&[]);
    let transfer = &first["transfer"];
    assert_eq!(transfer["startedFromEstimate"], false, "{first}");
    // The part sizing comes from the library's report.
    assert_eq!(transfer["parts"], 40);
    assert_eq!(transfer["chunkSize"], 65536);
    assert_eq!(transfer["chunkGrown"], false);
    assert!(
        transfer["maxPartsInFlight"].as_u64().unwrap() >= 3,
        "{first}"
    );
    let estimates = cache.path().join("pixelbin/upload-paths.json");
    assert!(
        estimates.is_file(),
        "the estimate is kept in the cache folder"
    );
    assert_eq!(upload(&[])["transfer"]["startedFromEstimate"], true);
    assert_eq!(
        upload(&["--no-path-cache"])["transfer"]["startedFromEstimate"],
        false
    );
}

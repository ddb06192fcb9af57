//! `pixelbin demo` and `pixelbin emulator`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use predicates::prelude::*;

use crate::support::{bare, json_of};

#[test]
fn demo_runs_every_step_and_exits_0() {
    let out = bare().arg("demo").assert().success().get_output().clone();
    let text = String::from_utf8(out.stdout).unwrap();
    for step in [
        "[1/9] Start a Pixelbin emulator",
        "[2/9] Upload a 256x256 PNG",
        "[3/9] Create an erase_bg prediction",
        "[4/9] Get the job",
        "[5/9] Wait for it to finish and download the result",
        "[6/9] List the models",
        "[7/9] Show erase_bg's input schema",
        "[8/9] Sign the result URL for an hour",
        "[9/9] Parse and rebuild a transformation URL",
        "Done in ",
    ] {
        assert!(text.contains(step), "{step} missing:\n{text}");
    }
    assert!(text.contains("in 4 parts of 64.0 KiB"), "{text}");
    assert!(text.contains("SUCCESS"), "{text}");
    assert!(text.contains("?pbs="), "{text}");
    assert!(
        text.contains("rebuilt from the parsed object: identical"),
        "{text}"
    );
    // Not a terminal: no progress bar or spinner is drawn.
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "");
}

#[test]
fn demo_json_is_one_document_with_every_step() {
    let report = json_of(bare().args(["demo", "--json"]));
    let steps = report["steps"].as_array().unwrap();
    let names: Vec<&str> = steps.iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "emulator", "upload", "create", "get", "wait", "models", "schema", "sign", "url"
        ]
    );
    assert!(
        report["emulator"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    let result = |name: &str| &steps[names.iter().position(|n| *n == name).unwrap()]["result"];
    assert_eq!(result("upload")["fileId"], "demo/demo-photo.png");
    assert_eq!(result("create")["status"], "ACCEPTED");
    assert_eq!(result("wait")["status"], "SUCCESS");
    assert_eq!(result("url")["url"], result("url")["rebuilt"]);
    assert_eq!(result("url")["object"]["cloudName"], "emulator-cloud");
    assert!(result("sign")["url"].as_str().unwrap().contains("&pbe="));
    assert!(report["elapsedMs"].as_u64().is_some());
}

/// A `pixelbin emulator` child process, killed on drop. Its temporary
/// directory lives in `_tmp`, removed after the kill (SIGKILL leaves the
/// emulator no chance to remove it itself).
struct Served {
    child: Child,
    _tmp: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `pixelbin emulator ARGS` and returns it with its first stdout line.
fn serve(args: &[&str], env: &[(&str, &str)]) -> (Served, String) {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("pixelbin"));
    cmd.arg("emulator")
        .args(args)
        .env("TMPDIR", tmp.path())
        .env_remove("PIXELBIN_API_TOKEN")
        .env_remove("PIXELBIN_EMULATOR_API_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (key, value) in env {
        cmd.env(key, value);
    }
    let mut child = cmd.spawn().expect("pixelbin emulator starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let served = Served { child, _tmp: tmp };
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("a first line");
    (served, line)
}

#[test]
fn emulator_serves_in_the_foreground() {
    let (_served, line) = serve(&["--port", "0", "--prediction-delay-ms", "0"], &[]);
    let url = line
        .trim_end()
        .strip_prefix("pixelbin-emulator listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    // Any well-formed secret is accepted when none was given.
    bare()
        .args([
            "--domain",
            &url,
            "--api-secret",
            "any-secret",
            "predictions",
            "list",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("erase_bg"));
}

#[test]
fn emulator_accepts_only_a_typed_secret_and_ignores_the_api_token_variable() {
    let (_served, line) = serve(
        &["--api-secret", "typed-secret", "--json"],
        &[("PIXELBIN_API_TOKEN", "from-the-env")],
    );
    let url: serde_json::Value = serde_json::from_str(&line).expect("one JSON line");
    let url = url["url"].as_str().unwrap().to_string();
    bare()
        .args([
            "--domain",
            &url,
            "--api-secret",
            "typed-secret",
            "files",
            "list",
        ])
        .assert()
        .success();
    bare()
        .args([
            "--domain",
            &url,
            "--api-secret",
            "from-the-env",
            "files",
            "list",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("401"));

    // PIXELBIN_API_TOKEN alone does not lock the emulator.
    let (_served, line) = serve(&[], &[("PIXELBIN_API_TOKEN", "from-the-env")]);
    let url = line.trim_end().rsplit(' ').next().unwrap().to_string();
    bare()
        .args([
            "--domain",
            &url,
            "--api-secret",
            "something-else",
            "files",
            "list",
        ])
        .assert()
        .success();
}

#[test]
fn emulator_faults_come_from_the_flags() {
    let (_served, line) = serve(
        &[
            "--fail-rate",
            "1",
            "--fail-status",
            "400",
            "--routes",
            "predictions.list",
        ],
        &[],
    );
    let url = line.trim_end().rsplit(' ').next().unwrap().to_string();
    bare()
        .args([
            "--domain",
            &url,
            "--api-secret",
            "any-secret",
            "predictions",
            "list",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("400"));
    bare()
        .args([
            "--domain",
            &url,
            "--api-secret",
            "any-secret",
            "predictions",
            "schema",
            "erase_bg",
        ])
        .assert()
        .success();
}

#[test]
fn emulator_refuses_bad_flags() {
    bare()
        .args(["emulator", "--routes", "nope.*"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("matches no route"));
    bare()
        .args(["emulator", "--fail-rate", "2"])
        .assert()
        .code(2);
}

//! Failures: one line on stderr, the right exit code, never the secret.

use predicates::prelude::*;

use crate::support::{SECRET, bare, emulator, pixelbin};

#[test]
fn a_bad_token_is_one_line_with_the_error_code_and_info() {
    let emu = emulator();
    let wrong = "not-the-right-secret";
    let out = bare()
        .args([
            "--domain",
            &emu.url(),
            "--api-secret",
            wrong,
            "files",
            "list",
        ])
        .assert()
        .code(1)
        .stdout("")
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: Pixelbin API error 401 Unauthorized [PB-EMU-0401]"),
        "{stderr}"
    );
    assert!(stderr.contains("Invalid API Secret Token"), "{stderr}");
    assert!(
        stderr.trim_end().ends_with(
            "(more: https://github.com/pixelbin-rs/pixelbin-rs/tree/main/crates/pixelbin-emulator)"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains(wrong), "{stderr}");
}

#[test]
fn the_token_from_the_environment_is_used_and_never_printed() {
    let emu = emulator();
    bare()
        .args(["--domain", &emu.url(), "predictions", "list", "-vv"])
        .env("PIXELBIN_API_TOKEN", SECRET)
        .assert()
        .success()
        .stdout(predicate::str::contains("erase_bg"))
        .stderr(predicate::str::contains("pixelbin_http.request"))
        .stderr(predicate::str::contains(SECRET).not());
    // Nor in help, which shows where the value comes from but not the value.
    bare()
        .args(["--help"])
        .env("PIXELBIN_API_TOKEN", SECRET)
        .assert()
        .success()
        .stdout(predicate::str::contains("PIXELBIN_API_TOKEN"))
        .stdout(predicate::str::contains(SECRET).not());
}

#[test]
fn a_missing_or_short_secret_is_a_usage_error() {
    let emu = emulator();
    bare()
        .args(["--domain", &emu.url(), "files", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "error: No API Secret Token Present: pass --api-secret or set PIXELBIN_API_TOKEN",
        ));
    bare()
        .args([
            "--domain",
            &emu.url(),
            "--api-secret",
            "abc",
            "files",
            "list",
        ])
        .assert()
        .code(2)
        .stderr(
            "error: Invalid API Secret Token: the token from --api-secret or PIXELBIN_API_TOKEN \
             is shorter than 5 characters; check that it holds the whole token\n",
        );
    assert_eq!(emu.request_count("*"), 0);
}

#[test]
fn a_bad_domain_is_a_usage_error() {
    bare()
        .args([
            "--domain",
            "not a url",
            "--api-secret",
            SECRET,
            "predictions",
            "list",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid domain \"not a url\""))
        .stderr(predicate::str::contains(
            "check --domain or PIXELBIN_DOMAIN",
        ));
    bare()
        .args(["predictions", "list", "--api-secret", SECRET])
        .env("PIXELBIN_DOMAIN", "ftp://example.com")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("http or https"));
}

#[test]
fn clap_usage_errors_exit_with_2() {
    bare()
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Usage"));
    bare().args(["nope"]).assert().code(2);
    bare()
        .args(["files", "list", "--page-size", "0"])
        .assert()
        .code(2);
    bare()
        .args(["--version"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("pixelbin "));
}

#[test]
fn help_lists_every_command_and_the_exit_codes() {
    let out = bare()
        .arg("--help")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let help = String::from_utf8(out).unwrap();
    for command in [
        "predict",
        "predictions",
        "upload",
        "files",
        "folders",
        "url",
        "webhook",
        "emulator",
        "demo",
    ] {
        assert!(
            help.contains(&format!("\n  {command} ")),
            "{command} missing:\n{help}"
        );
    }
    for flag in ["--domain", "--api-secret", "--json", "--verbose"] {
        assert!(help.contains(flag), "{flag} missing:\n{help}");
    }
    assert!(help.contains("Exit codes:"), "{help}");
    // The JSON flag is global: it is accepted before and after the command.
    let emu = emulator();
    pixelbin(&emu)
        .args(["--json", "predictions", "list"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("["));
}

#[test]
fn with_json_an_api_error_is_a_json_object_on_stdout() {
    let emu = emulator();
    let wrong = "not-the-right-secret";
    let out = bare()
        .args([
            "--domain",
            &emu.url(),
            "--api-secret",
            wrong,
            "--json",
            "files",
            "list",
        ])
        .assert()
        .code(1)
        .stderr("")
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains(wrong), "{stdout}");
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    let error = &value["error"];
    assert_eq!(error["kind"], "api", "{value}");
    assert_eq!(error["status"], 401, "{value}");
    assert_eq!(error["errorCode"], "PB-EMU-0401", "{value}");
    assert_eq!(error["exitCode"], 1, "{value}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("Invalid API Secret Token"), "{message}");
}

#[test]
fn with_json_a_usage_error_keeps_its_exit_code() {
    let emu = emulator();
    let out = bare()
        .args(["--domain", &emu.url(), "--json", "files", "list"])
        .assert()
        .code(2)
        .stderr("")
        .get_output()
        .clone();
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(value["error"]["kind"], "usage", "{value}");
    assert_eq!(value["error"]["exitCode"], 2, "{value}");
    assert!(value["error"].get("status").is_none(), "{value}");
    assert!(
        value["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("No API Secret Token Present"),
        "{value}"
    );
}

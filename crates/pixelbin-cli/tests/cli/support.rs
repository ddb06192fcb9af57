//! Shared helpers: an in-process emulator and a `pixelbin` command pointed at it.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use pixelbin_emulator::{Emulator, EmulatorOptions};
use serde_json::Value;

/// The secret every test emulator accepts.
pub const SECRET: &str = "cli-test-secret";

/// An emulator accepting only [`SECRET`], finishing predictions after `delay`.
pub fn emulator_with_delay(delay: Duration) -> Emulator {
    Emulator::spawn(EmulatorOptions {
        api_secret: Some(SECRET.into()),
        prediction_delay: delay,
        ..EmulatorOptions::default()
    })
    .expect("the emulator starts")
}

/// An emulator whose predictions finish after 300 ms.
pub fn emulator() -> Emulator {
    emulator_with_delay(Duration::from_millis(300))
}

/// `pixelbin` with a clean environment (no token, domain or log settings from the host).
pub fn bare() -> Command {
    let mut cmd = Command::cargo_bin("pixelbin").expect("the pixelbin binary is built");
    for var in [
        "PIXELBIN_API_TOKEN",
        "PIXELBIN_DOMAIN",
        "PIXELBIN_EMULATOR_API_SECRET",
        "PIXELBIN_URL_SIGNING_TOKEN",
        "PIXELBIN_WEBHOOK_SECRET",
        "PIXELBIN_PROFILE",
        "PIXELBIN_OUTPUT",
        "PIXELBIN_REQUEST_TIMEOUT",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    // The user's own profiles never reach a test: a config folder that nothing writes to.
    cmd.env(
        "XDG_CONFIG_HOME",
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("pixelbin-cli-no-config"),
    );
    // Nor their cache: the path estimates of large uploads go to a test folder.
    cmd.env(
        "XDG_CACHE_HOME",
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("pixelbin-cli-cache"),
    );
    cmd.timeout(Duration::from_secs(60));
    cmd
}

/// `pixelbin --domain <emulator> --api-secret <SECRET>`.
pub fn pixelbin(emulator: &Emulator) -> Command {
    let mut cmd = bare();
    cmd.args(["--domain", &emulator.url(), "--api-secret", SECRET]);
    cmd
}

/// Runs `cmd`, asserts success and parses stdout as JSON.
pub fn json_of(cmd: &mut Command) -> Value {
    let output = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&output).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&output)
        )
    })
}

/// Runs `cmd`, asserts success and returns stdout as text.
pub fn stdout_of(cmd: &mut Command) -> String {
    let output = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(output).expect("stdout is UTF-8")
}

/// A small valid PNG (the emulator reads its size from the header).
pub fn png(width: u32, height: u32) -> Vec<u8> {
    pixelbin_emulator::media::sample_png(width, height)
}

/// Writes a `width` x `height` PNG into `dir` and returns its path.
pub fn png_file(dir: &Path, name: &str, width: u32, height: u32) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, png(width, height)).expect("the test image is written");
    path
}

/// The path as a `&str` (test paths are UTF-8).
pub fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// The JSON lines of a bulk command's stdout.
pub fn json_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// `pixelbin ARGS` against `emu`, in the background.
pub fn spawn(emu: &Emulator, args: &[&str]) -> Child {
    spawn_at(&emu.url(), args)
}

/// `pixelbin ARGS` against the API at `domain`, in the background.
pub fn spawn_at(domain: &str, args: &[&str]) -> Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("pixelbin"))
        .args(["--domain", domain, "--api-secret", SECRET])
        .args(args)
        .env_remove("PIXELBIN_API_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits (bounded) until `journal` holds `count` records of `status`.
pub fn wait_for(journal: &Path, status: &str, count: usize) {
    let started = Instant::now();
    let needle = format!(r#""status":"{status}""#);
    while std::fs::read_to_string(journal)
        .unwrap_or_default()
        .matches(&needle)
        .count()
        < count
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no {status} record came"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

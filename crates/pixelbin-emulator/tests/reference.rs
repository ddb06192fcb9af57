//! The reference Python SDK (PyPI `pixelbin==4.3.0`) runs its documented flows, unchanged,
//! against the emulator.
//!
//! Opt-in, because it needs Python and the package: create a venv with
//! `python3 -m venv venv && venv/bin/pip install pixelbin==4.3.0`, then run
//! `PIXELBIN_REFERENCE_PYTHON=$PWD/venv/bin/python cargo test -p pixelbin-emulator --test reference -- --ignored`.

use std::process::Command;
use std::time::Duration;

use pixelbin_emulator::{Emulator, EmulatorOptions};

#[test]
#[ignore = "needs PIXELBIN_REFERENCE_PYTHON pointing at a python with pixelbin==4.3.0"]
fn reference_sdk_flows_run_unchanged() {
    let python = std::env::var("PIXELBIN_REFERENCE_PYTHON")
        .expect("set PIXELBIN_REFERENCE_PYTHON to a python that has `pip install pixelbin==4.3.0`");
    let secret = "reference-test-secret";
    let emulator = Emulator::spawn(EmulatorOptions {
        api_secret: Some(secret.into()),
        prediction_delay: Duration::from_millis(100),
        ..EmulatorOptions::default()
    })
    .unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/reference_flows.py"
    );
    let output = Command::new(&python)
        .arg(script)
        .arg(emulator.url())
        .arg(secret)
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .output()
        .unwrap_or_else(|e| panic!("could not run {python}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("ALL FLOWS PASSED"),
        "reference flows failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    // The flows went through the routes they are documented to use.
    for route in [
        "predictions.create",
        "predictions.get",
        "predictions.list",
        "predictions.schema",
        "upload.signed_url_v2",
        "upload.part",
        "upload.complete",
        "files.list",
    ] {
        assert!(emulator.request_count(route) > 0, "{route} was not called");
    }
    // Parts were sent without Authorization, each with the signed field.
    for part in emulator.recorded("upload.part") {
        assert!(!part.has_authorization);
        assert!(part.body.text("x-pixb-meta-assetdata").is_some());
    }
}

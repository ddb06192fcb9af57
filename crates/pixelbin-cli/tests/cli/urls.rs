//! `pixelbin url ...` and `pixelbin webhook verify` (offline: no emulator needed).

use predicates::prelude::*;
use serde_json::{Value, json};

use crate::support::{bare, json_of, stdout_of};

const PLAYGROUND: &str =
    "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg";

#[test]
fn parse_prints_the_reference_object() {
    let url = "https://cdn.pixelbin.io/v2/your-cloud-name/z-slug/t.resize(h:100,w:200)~t.flip()/path/to/image.jpeg?dpr=2.0&f_auto=true";
    let text = stdout_of(bare().args(["url", "parse", url]));
    let obj: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        obj,
        json!({
            "baseUrl": "https://cdn.pixelbin.io",
            "version": "v2",
            "cloudName": "your-cloud-name",
            "zone": "z-slug",
            "pattern": "t.resize(h:100,w:200)~t.flip()",
            "filePath": "path/to/image.jpeg",
            "worker": false,
            "workerPath": "",
            "options": {"dpr": 2.0, "f_auto": true},
            "transformations": [
                {"plugin": "t", "name": "resize", "values": [
                    {"key": "h", "value": "100"}, {"key": "w", "value": "200"}
                ]},
                {"plugin": "t", "name": "flip"}
            ]
        })
    );
    // Keys come in the reference's order.
    let keys: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("  \""))
        .map(|l| l.trim().split('"').nth(1).unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "baseUrl",
            "version",
            "cloudName",
            "zone",
            "pattern",
            "filePath",
            "worker",
            "workerPath",
            "options",
            "transformations"
        ]
    );
    // --json prints the same object.
    assert_eq!(json_of(bare().args(["url", "parse", url, "--json"])), obj);
}

#[test]
fn parse_custom_domain_and_worker_urls() {
    let obj = json_of(bare().args([
        "url",
        "parse",
        "https://xyz.designify.media/v2/z-slug/t.resize(h:100,w:200)~t.flip()/path/to/image.jpeg",
        "--custom-domain",
    ]));
    assert_eq!(obj["baseUrl"], "https://xyz.designify.media");
    assert_eq!(obj["cloudName"], Value::Null);
    assert_eq!(obj["zone"], "z-slug");
    assert_eq!(obj["options"], json!({}));
    let obj = json_of(bare().args([
        "url",
        "parse",
        "https://cdn.pixelbin.io/v2/your-cloud-name/z-slug/wrkr/resize:h100,w:200/folder/image.jpeg",
    ]));
    assert_eq!(obj["worker"], true);
    assert_eq!(obj["workerPath"], "resize:h100,w:200/folder/image.jpeg");
    assert_eq!(obj["transformations"], json!([]));
}

#[test]
fn build_reads_the_object_on_stdin() {
    let url = "https://cdn.pixelbin.io/v2/my-cloud/t.resize(h:100)~p:mypreset/photo.jpeg?dpr=2.5";
    let obj = stdout_of(bare().args(["url", "parse", url]));
    let rebuilt = stdout_of(bare().args(["url", "build"]).write_stdin(obj.clone()));
    assert_eq!(rebuilt, format!("{url}\n"));
    assert_eq!(
        json_of(bare().args(["url", "build", "--json"]).write_stdin(obj)),
        json!({ "url": url })
    );
    let hand_written = r#"{"cloudName": "c1", "filePath": "a/b.png",
        "transformations": [{"plugin": "t", "name": "flip"}], "options": {"f_auto": true}}"#;
    assert_eq!(
        stdout_of(bare().args(["url", "build"]).write_stdin(hand_written)),
        "https://cdn.pixelbin.io/v2/c1/t.flip()/a/b.png?f_auto=true\n"
    );
}

#[test]
fn build_takes_steps_from_flags_or_stdin() {
    assert_eq!(
        stdout_of(bare().args([
            "url",
            "build",
            "--cloud-name",
            "my-cloud",
            "--path",
            "shoes/red.jpeg",
            "--dpr",
            "2",
            "Basic.resize",
            "w=300",
            "--",
            "EraseBG.bg"
        ])),
        "https://cdn.pixelbin.io/v2/my-cloud/t.resize(w:300)~erase.bg()/shoes/red.jpeg?dpr=2.0\n"
    );
    // The port of an emulator's origin survives.
    let url = "http://127.0.0.1:36349/v2/my-cloud/t.resize(w:200)/a.jpeg";
    let obj = stdout_of(bare().args(["url", "parse", url]));
    assert_eq!(
        stdout_of(bare().args(["url", "build", "t.flip"]).write_stdin(obj)),
        "http://127.0.0.1:36349/v2/my-cloud/t.resize(w:200)~t.flip()/a.jpeg\n"
    );
    bare()
        .args([
            "url",
            "build",
            "--cloud-name",
            "c1",
            "--path",
            "a.png",
            "Basic.resize",
            "fit=x",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "invalid value 'x' for parameter 'fit'",
        ));
}

#[test]
fn bad_urls_and_objects_exit_with_2() {
    bare()
        .args(["url", "parse", "https://cdn.pixelbin.io/xx"])
        .assert()
        .code(2)
        .stdout("")
        .stderr("error: Invalid pixelbin url. Please make sure the url is correct.\n");
    bare()
        .args(["url", "parse", "not a url at all"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error: Invalid pixelbin url"));
    bare()
        .args(["url", "build"])
        .write_stdin(r#"{"filePath": "a.png"}"#)
        .assert()
        .code(2)
        .stderr("error: key cloudName should be defined\n");
    bare()
        .args(["url", "build"])
        .write_stdin("not json")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("stdin is not a JSON object"));
    bare()
        .args(["url", "build"])
        .write_stdin(&b"{\"cloudName\": \"a\xff\"}"[..])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "error: stdin is not UTF-8 text",
        ))
        .stderr(predicate::str::contains('\n').count(1));
}

#[test]
fn sign_and_verify() {
    let signed = stdout_of(bare().args([
        "url",
        "sign",
        PLAYGROUND,
        "--expiry-seconds",
        "60",
        "--access-key",
        "6227274d-92c9-4b74-bef8-2528542516d8",
        "--token",
        "dummy-token",
    ]));
    let signed = signed.trim_end();
    assert!(
        signed.starts_with(&format!("{PLAYGROUND}?pbs=")),
        "{signed}"
    );
    assert!(signed.contains("&pbe="), "{signed}");
    assert!(
        signed.ends_with("&pbt=6227274d-92c9-4b74-bef8-2528542516d8"),
        "{signed}"
    );
    assert!(!signed.contains("dummy-token"));

    let ok = json_of(bare().args(["url", "verify", signed, "--token", "dummy-token", "--json"]));
    assert_eq!(ok["valid"], true);
    assert_eq!(ok["accessKey"], "6227274d-92c9-4b74-bef8-2528542516d8");
    // The token can come from the environment, so it stays out of `ps`.
    bare()
        .args(["url", "verify", signed])
        .env("PIXELBIN_URL_SIGNING_TOKEN", "dummy-token")
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "valid: signed for access key 6227274d",
        ));
    bare()
        .args(["url", "verify", signed, "--token", "other-token"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("does not verify"));
    bare()
        .args(["url", "verify", PLAYGROUND, "--token", "dummy-token"])
        .assert()
        .code(3);
    // Signing twice is refused.
    bare()
        .args([
            "url",
            "sign",
            signed,
            "--expiry-seconds",
            "1",
            "--access-key",
            "k",
            "--token",
            "t",
        ])
        .assert()
        .code(2)
        .stderr("error: URL already has a signature\n");
}

#[test]
fn sign_json_shape() {
    let out = json_of(bare().args([
        "url",
        "sign",
        PLAYGROUND,
        "--expiry-seconds",
        "20",
        "--access-key",
        "22",
        "--token",
        "dummy-token",
        "--json",
    ]));
    let url = out["url"].as_str().unwrap();
    assert!(url.ends_with("&pbt=22"), "{url}");
    assert_eq!(out.as_object().unwrap().len(), 1);
}

#[test]
fn webhook_verify() {
    // The well-known HMAC-SHA256 test vector (key "key").
    let body = b"The quick brown fox jumps over the lazy dog";
    let signature = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8";
    bare()
        .args([
            "webhook",
            "verify",
            "--secret",
            "key",
            "--signature",
            signature,
        ])
        .write_stdin(&body[..])
        .assert()
        .success()
        .stdout(format!(
            "valid: the signature matches the body ({} bytes)\n",
            body.len()
        ));
    assert_eq!(
        json_of(
            bare()
                .args(["webhook", "verify", "--signature", signature, "--json"])
                .env("PIXELBIN_WEBHOOK_SECRET", "key")
                .write_stdin(&body[..])
        ),
        json!({ "valid": true })
    );
    // One byte more (a trailing newline) and it no longer matches.
    let mut changed = body.to_vec();
    changed.push(b'\n');
    let out = bare()
        .args([
            "webhook",
            "verify",
            "--secret",
            "key",
            "--signature",
            signature,
            "--json",
        ])
        .write_stdin(changed)
        .assert()
        .code(3)
        .get_output()
        .clone();
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["valid"], false);
    bare()
        .args([
            "webhook",
            "verify",
            "--secret",
            "wrong",
            "--signature",
            signature,
        ])
        .write_stdin(&body[..])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("does not verify"))
        .stderr(predicate::str::contains("wrong").not());
    bare()
        .args(["webhook", "verify", "--secret", "key", "--signature", "zz"])
        .write_stdin(&body[..])
        .assert()
        .code(3);
}

#[test]
fn webhook_verify_reads_a_body_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("body.json");
    std::fs::write(&path, b"The quick brown fox jumps over the lazy dog").unwrap();
    let signature = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8";
    bare()
        .args([
            "webhook",
            "verify",
            "--secret",
            "key",
            "--signature",
            signature,
            "--body-file",
            path.to_str().unwrap(),
        ])
        .assert()
        .success();
}

//! `pixelbin webhook listen` and `pixelbin usage`, against in-process emulators.

use std::io::{BufRead, BufReader, Lines};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use pixelbin_emulator::{Emulator, EmulatorOptions};
use serde_json::{Value, json};

use crate::support::{SECRET, json_of, pixelbin};

const WEBHOOK_SECRET: &str = "cli-webhook-secret";

/// A `pixelbin webhook listen` child process, killed on drop.
struct Listener {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    url: String,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Listener {
    /// The next stdout line, as JSON.
    fn next_json(&mut self) -> Value {
        let line = self.lines.next().expect("a line").expect("readable stdout");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }
}

/// Starts `pixelbin webhook listen --port 0 --secret WEBHOOK_SECRET --json EXTRA`.
fn listen(extra: &[&str]) -> Listener {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("pixelbin"))
        .args([
            "webhook",
            "listen",
            "--port",
            "0",
            "--secret",
            WEBHOOK_SECRET,
            "--json",
        ])
        .args(extra)
        .env_remove("PIXELBIN_WEBHOOK_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pixelbin webhook listen starts");
    let stderr = child.stderr.take().expect("piped stderr");
    let mut first = String::new();
    BufReader::new(stderr)
        .read_line(&mut first)
        .expect("a first stderr line");
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();
    let lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    Listener { child, lines, url }
}

fn post(url: &str, body: &[u8], signature: Option<&str>) -> u16 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut request = reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(signature) = signature {
            request = request.header("x-erbg-signature", signature);
        }
        request.send().await.unwrap().status().as_u16()
    })
}

#[test]
fn listen_accepts_a_valid_delivery_and_rejects_a_tampered_one() {
    let mut listener = listen(&[]);
    let body = br#"{"_id":"erase--bg--1","status":"SUCCESS","output":["http://x/y.png"]}"#;
    let signature = pixelbin::url::webhook_signature(body, WEBHOOK_SECRET);
    let hook = format!("{}hooks/any/path", listener.url);
    assert_eq!(post(&hook, body, Some(&signature)), 200);
    let line = listener.next_json();
    assert_eq!(line["valid"], true);
    assert_eq!(line["event"]["_id"], "erase--bg--1");

    let tampered = br#"{"_id":"erase--bg--1","status":"FAILURE","output":["http://x/y.png"]}"#;
    assert_eq!(post(&hook, tampered, Some(&signature)), 401);
    let line = listener.next_json();
    assert_eq!(line["valid"], false);
    assert_eq!(line["event"]["status"], "FAILURE");
    assert!(
        line["reason"].as_str().unwrap().contains("does not verify"),
        "{line}"
    );

    assert_eq!(post(&hook, body, None), 401);
    assert_eq!(listener.next_json()["valid"], false);
}

#[test]
fn the_emulator_delivers_to_listen_which_forwards_valid_deliveries() {
    // Deliveries go emulator -> first listener -> (forward) -> second listener.
    let mut target = listen(&[]);
    let mut first = listen(&["--forward", &format!("{}forwarded", target.url)]);
    let emulator = Emulator::spawn(EmulatorOptions {
        api_secret: Some(SECRET.into()),
        prediction_delay: Duration::from_millis(20),
        webhook_secret: Some(WEBHOOK_SECRET.into()),
        ..EmulatorOptions::default()
    })
    .unwrap();
    let job = json_of(pixelbin(&emulator).args([
        "predict",
        "erase_bg",
        "-i",
        "image=https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg",
        "--webhook",
        &format!("{}hook", first.url),
        "--json",
    ]));
    let id = job["_id"].as_str().unwrap();
    let received = first.next_json();
    assert_eq!(received["valid"], true, "{received}");
    assert_eq!(received["event"]["_id"], id);
    assert_eq!(received["event"]["status"], "SUCCESS");
    let forwarded = target.next_json();
    assert_eq!(
        forwarded, received,
        "forwarded unchanged, signature included"
    );
    // The emulator records an attempt once the receiver's answer is back, which may be just
    // after the receiver printed its line: wait for the record (generously), then count.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while emulator.webhook_attempts().is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(emulator.webhook_attempts().len(), 1);
}

#[test]
fn usage_and_the_usage_limit_error() {
    let emulator = Emulator::spawn(EmulatorOptions {
        api_secret: Some(SECRET.into()),
        prediction_delay: Duration::from_millis(10),
        credits: Some(1),
        ..EmulatorOptions::default()
    })
    .unwrap();
    let image = "image=https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg";
    json_of(pixelbin(&emulator).args(["predict", "erase_bg", "-i", image, "--json"]));
    let output = pixelbin(&emulator)
        .args(["predict", "erase_bg", "-i", image, "--json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let error: Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(error["error"]["kind"], "usage_limit", "{error}");
    assert_eq!(error["error"]["errorCode"], "JR-1000");
    assert_eq!(error["error"]["status"], 403);
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("pixelbin usage"),
        "{error}"
    );

    let usage = json_of(pixelbin(&emulator).args(["usage", "--json"]));
    assert_eq!(usage["credits"], json!({"total": 1, "used": 1}));
    let text = pixelbin(&emulator)
        .arg("usage")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("credits: 1 of 1 used, 0 left"), "{text}");
    assert!(text.contains("storage: "), "{text}");
}

#[test]
fn listen_answers_400_to_a_signed_body_that_is_not_json_and_413_over_its_limit() {
    let mut listener = listen(&[]);
    let body = b"this is not json";
    let signature = pixelbin::url::webhook_signature(body, WEBHOOK_SECRET);
    assert_eq!(post(&listener.url, body, Some(&signature)), 400);
    let line = listener.next_json();
    assert_eq!(line["valid"], false);
    assert!(
        line["reason"].as_str().unwrap().contains("not JSON"),
        "{line}"
    );
    // Over the limit: answered 413 (a client sending the whole body may see the connection
    // closed before it reads the answer, so the exchange is raw).
    use std::io::{Read, Write};
    let address = listener
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let mut big = std::net::TcpStream::connect(address).unwrap();
    big.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    big.write_all(
        format!(
            "POST /hook HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n",
            4 * 1024 * 1024 + 1
        )
        .as_bytes(),
    )
    .unwrap();
    // The body, as far as the receiver reads it before answering (it may stop early).
    let _ = big.write_all(&vec![b'x'; 4 * 1024 * 1024 + 1]);
    let mut answer = [0u8; 12];
    big.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"HTTP/1.1 413");
}

#[cfg(unix)]
#[test]
fn listen_stops_on_sigterm_even_with_a_client_stalled_mid_request() {
    use std::io::Write;
    let mut listener = listen(&[]);
    let address = listener
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let mut stalled = std::net::TcpStream::connect(address).unwrap();
    // Headers promise 1000 bytes; 10 arrive, then nothing.
    stalled
        .write_all(
            b"POST /hook HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"_id\": 1",
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let status = Command::new("kill")
        .args(["-TERM", &listener.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    // Bounded: polled for at most 10 s (the receiver cuts stalled requests after half a
    // second), failing instead of hanging.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(exit) = listener.child.try_wait().unwrap() {
            assert!(exit.success(), "{exit:?}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "webhook listen did not stop on SIGTERM with a stalled client"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(stalled);
}

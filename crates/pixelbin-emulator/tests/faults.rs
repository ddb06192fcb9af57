//! Fault injection, counters and recorded requests.

mod common;

use std::time::Duration;

use common::*;
use pixelbin_emulator::{Emulator, EmulatorOptions, Fault, RecordedBody};
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::json;

const LIST: &str = "/service/public/transformation/v1.0/predictions";
const LIST_FILES: &str = "/service/platform/assets/v1.0/listFiles";

async fn with_faults(faults: Vec<Fault>, seed: u64) -> Emulator {
    Emulator::start(EmulatorOptions {
        faults,
        seed,
        ..EmulatorOptions::default()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn failures_carry_status_retry_after_and_error_body() {
    let emu = with_faults(
        vec![
            Fault::failing(503, 1.0)
                .on_routes(["predictions.list"])
                .with_retry_after(7),
        ],
        0,
    )
    .await;
    let response = client()
        .get(format!("{}{LIST}", emu.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "7");
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(error_message(503, &body).contains("Injected fault"));
    assert_eq!(body["exception"], "ServiceUnavailableError");
    // Other routes are untouched; faulted requests are counted.
    let (status, _) = send(authed(Method::GET, format!("{}{LIST_FILES}", emu.url()))).await;
    assert_eq!(status, 200);
    assert_eq!(emu.request_count("predictions.list"), 1);
    assert_eq!(emu.request_count("files.list"), 1);
    assert_eq!(
        emu.recorded("predictions.list")[0].body,
        RecordedBody::Empty
    );

    emu.set_faults(vec![Fault::failing(429, 1.0)]);
    let (status, body) = send(authed(Method::GET, format!("{}{LIST_FILES}", emu.url()))).await;
    assert_eq!(status, 429);
    assert_eq!(body["exception"], "TooManyRequestsError");
    emu.set_faults(Vec::new());
    assert_eq!(
        send(client().get(format!("{}{LIST}", emu.url()))).await.0,
        200
    );
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults() {
    async fn statuses(seed: u64) -> Vec<u16> {
        let emu = with_faults(vec![Fault::failing(500, 0.5)], seed).await;
        let mut out = Vec::new();
        for _ in 0..24 {
            out.push(send(client().get(format!("{}{LIST}", emu.url()))).await.0);
        }
        out
    }
    let first = statuses(11).await;
    assert_eq!(first, statuses(11).await);
    assert_ne!(first, statuses(12).await);
    assert!(first.contains(&500) && first.contains(&200), "{first:?}");
}

#[tokio::test]
async fn resets_drop_the_connection_without_an_answer() {
    let emu = with_faults(vec![Fault::resetting(1.0).on_routes(["predictions.*"])], 0).await;
    let error = client()
        .get(format!("{}{LIST}", emu.url()))
        .send()
        .await
        .expect_err("the connection is reset");
    assert!(error.status().is_none(), "{error}");
    assert_eq!(emu.request_count("predictions.list"), 1);
    // The server keeps serving other routes and new connections.
    let (status, _) = send(authed(Method::GET, format!("{}{LIST_FILES}", emu.url()))).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn resets_in_the_middle_of_an_upload() {
    let emu = with_faults(vec![Fault::resetting(1.0).on_routes(["upload.part"])], 0).await;
    let (_, answer) = send(
        authed(
            Method::POST,
            format!(
                "{}/service/platform/assets/v2.0/upload/signed-url",
                emu.url()
            ),
        )
        .json(&json!({"name": "r"})),
    )
    .await;
    let url = answer["presignedUrl"]["url"].as_str().unwrap();
    let form = Form::new().part(
        "file",
        Part::bytes(vec![7u8; 4 * 1024 * 1024]).file_name("file"),
    );
    let error = client()
        .put(format!("{url}&partNumber=1"))
        .multipart(form)
        .send()
        .await
        .expect_err("the connection is reset");
    assert!(error.status().is_none());
    assert_eq!(emu.pending_uploads(), 1);
}

#[tokio::test]
async fn injected_failures_reach_clients_still_sending_a_body() {
    let emu = with_faults(vec![Fault::failing(503, 1.0).on_routes(["upload.part"])], 0).await;
    let (_, answer) = send(
        authed(
            Method::POST,
            format!(
                "{}/service/platform/assets/v2.0/upload/signed-url",
                emu.url()
            ),
        )
        .json(&json!({"name": "f"})),
    )
    .await;
    let url = answer["presignedUrl"]["url"].as_str().unwrap();
    let form = Form::new().part(
        "file",
        Part::bytes(vec![7u8; 8 * 1024 * 1024]).file_name("file"),
    );
    let (status, body) = send(client().put(format!("{url}&partNumber=1")).multipart(form)).await;
    assert_eq!(status, 503, "{body}");
}

#[tokio::test]
async fn fail_next_is_deterministic() {
    let emu = with_faults(Vec::new(), 0).await;
    emu.fail_next("predictions.*", 2, 502);
    let url = format!("{}{LIST}", emu.url());
    assert_eq!(send(client().get(&url)).await.0, 502);
    assert_eq!(send(client().get(&url)).await.0, 502);
    assert_eq!(send(client().get(&url)).await.0, 200);
    assert_eq!(emu.request_count("predictions.list"), 3);
    emu.reset_counts();
    assert_eq!(emu.request_count("*"), 0);
    assert!(emu.recorded("predictions.list").is_empty());
}

#[tokio::test(start_paused = true)]
async fn latency_delays_answers_on_the_tokio_clock() {
    let emu = with_faults(
        vec![Fault::delaying(Duration::from_secs(3600)).on_routes(["predictions.list"])],
        0,
    )
    .await;
    let started = tokio::time::Instant::now();
    assert_eq!(
        send(client().get(format!("{}{LIST}", emu.url()))).await.0,
        200
    );
    assert!(started.elapsed() >= Duration::from_secs(3600));
    let started = tokio::time::Instant::now();
    assert_eq!(
        send(authed(Method::GET, format!("{}{LIST_FILES}", emu.url())))
            .await
            .0,
        200
    );
    assert!(started.elapsed() < Duration::from_secs(3600));
}

#[tokio::test]
async fn recorded_requests_show_what_was_sent() {
    let emu = emulator().await;
    let url = format!(
        "{}{LIST_FILES}?tags%5B0%5D=a&tags%5B1%5D=b&pageNo=1",
        emu.url()
    );
    send(authed(Method::GET, url).header("user-agent", "probe/1")).await;
    let recorded = emu.recorded("files.*");
    assert_eq!(recorded.len(), 1);
    let request = &recorded[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, LIST_FILES);
    assert_eq!(request.query_param("tags[1]").as_deref(), Some("b"));
    assert_eq!(request.header("user-agent"), Some("probe/1"));
    assert!(request.has_authorization);
    assert_eq!(
        request.header("authorization"),
        Some(pixelbin_url::redact::REDACTED)
    );
    assert!(!format!("{request:?}").contains(&bearer(SECRET)));
    // Unknown routes are answered 404 and recorded as "unmatched".
    let (status, body) = send(authed(Method::GET, format!("{}/nope", emu.url()))).await;
    assert_eq!(status, 404);
    error_message(404, &body);
    assert_eq!(emu.request_count("unmatched"), 1);
    let (status, body) = send(authed(Method::DELETE, format!("{}{LIST_FILES}", emu.url()))).await;
    assert_eq!(status, 405);
    error_message(405, &body);
}

#[test]
fn spawned_emulators_work_from_sync_code() {
    let emu = Emulator::spawn(EmulatorOptions::default()).unwrap();
    let url = emu.url();
    assert_eq!(format!("http://{}", emu.addr()), url);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = runtime.block_on(async { send(client().get(format!("{url}{LIST}"))).await.0 });
    assert_eq!(status, 200);
    assert_eq!(emu.request_count("predictions.list"), 1);
    drop(emu);
    // Dropping stops the server.
    let refused = runtime.block_on(async { client().get(format!("{url}{LIST}")).send().await });
    assert!(refused.is_err());
}

#[tokio::test]
async fn dropping_a_started_emulator_stops_it() {
    let emu = emulator().await;
    let url = format!("{}{LIST}", emu.url());
    assert_eq!(send(client().get(&url)).await.0, 200);
    drop(emu);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(client().get(&url).send().await.is_err());
}

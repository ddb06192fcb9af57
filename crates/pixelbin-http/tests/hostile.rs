//! The transport against a hostile server: every call ends, bounded in time
//! and memory, without leaking the secret or a signed query, and without
//! damaging files on disk. Time bounds are short configured timeouts checked
//! with generous margins.

#[path = "support/hostile.rs"]
mod hostile;

use std::path::Path;
use std::time::{Duration, Instant};

use hostile::{Hostile, encode};
use pixelbin_http::{
    ApiRequest, DownloadOptions, Error, PixelbinConfig, RetryPolicy, StallProtection, Transport,
};

const SECRET: &str = "hostile-test-secret";
/// A signature that must never show up in anything printed.
const SIGNED: &str = hostile::SIGNED_QUERY;
/// Far above the configured limits below: a call that ends has ended because of them.
const GENEROUS: Duration = Duration::from_secs(20);

fn transport(api: &Hostile, retries: u32) -> Transport {
    let config = PixelbinConfig::builder()
        .api_secret(SECRET)
        .domain(api.origin())
        .timeout(Duration::from_millis(800))
        .connect_timeout(Duration::from_millis(800))
        .max_response_bytes(1 << 20)
        .stall_protection(StallProtection {
            grace: Duration::from_millis(400),
            min_bytes: 1024,
        })
        .retry(RetryPolicy {
            max_retries: retries,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            retry_deadline: Duration::from_secs(5),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    Transport::new(config).unwrap()
}

fn get(url: &str) -> ApiRequest {
    ApiRequest::get(url::Url::parse(url).unwrap())
}

/// Sends `path` (with a signed query) and returns the error and how long it took.
async fn send_err(api: &Hostile, path: &str) -> (Error, Duration) {
    let started = Instant::now();
    let sep = if path.contains('?') { '&' } else { '?' };
    let result = transport(api, 0)
        .send(get(&api.url(&format!("{path}{sep}{SIGNED}"))))
        .await;
    let took = started.elapsed();
    let err = result.expect_err("the hostile server must not produce a success");
    assert!(took < GENEROUS, "{path} took {took:?}");
    assert_no_signed_query(&err);
    (err, took)
}

/// Neither the message nor any source in the chain shows the signature.
fn assert_no_signed_query(err: &(dyn std::error::Error + 'static)) {
    let mut next = Some(err);
    while let Some(e) = next {
        let text = format!("{e} {e:?}");
        assert!(!text.contains("5ec7e75167"), "{text}");
        assert!(!text.contains(SECRET), "{text}");
        next = e.source();
    }
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed() {
    let api = Hostile::start();
    let other = Hostile::start();
    // Two hops within the API origin, then away: no hop may carry the secret away.
    let away = api.url(&format!(
        "/away?to={}",
        encode(&other.url(&format!("/ok?{SIGNED}")))
    ));
    let (err, _) = send_err(&api, &format!("/away?to={}", encode(&away))).await;
    assert_eq!(err.status(), Some(302));
    assert!(err.to_string().contains("not followed"), "{err}");
    assert!(other.requests().is_empty(), "{:?}", other.requests());
    assert!(!other.saw_authorization());
}

#[tokio::test]
async fn a_redirect_within_the_api_origin_is_followed_with_the_credential() {
    let api = Hostile::start();
    let value: serde_json::Value = transport(&api, 0)
        .send_json(get(&api.url("/same?n=3")))
        .await
        .unwrap();
    assert_eq!(value["ok"], true);
    let seen = api.requests();
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert!(
        seen.iter()
            .all(|h| h.contains("\r\nauthorization: bearer "))
    );
}

#[tokio::test]
async fn an_unauthenticated_request_is_not_redirected_away_either() {
    let api = Hostile::start();
    let cdn = Hostile::start();
    let other = Hostile::start();
    let url = cdn.url(&format!("/away?to={}", encode(&other.url("/ok"))));
    let err = transport(&api, 0)
        .send(get(&url).without_auth())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(302));
    assert!(other.requests().is_empty());
    assert!(!cdn.saw_authorization());
}

#[tokio::test]
async fn a_stall_after_the_headers_times_out() {
    let api = Hostile::start();
    let (err, _) = send_err(&api, "/stall-headers").await;
    assert!(
        matches!(err, Error::Timeout { .. } | Error::Stalled { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_stall_after_an_error_status_still_reports_the_status() {
    let api = Hostile::start();
    let (err, _) = send_err(&api, "/stall-error").await;
    assert_eq!(err.status(), Some(404), "{err:?}");
}

#[tokio::test]
async fn a_dripping_body_fails_as_stalled() {
    let api = Hostile::start();
    let (err, _) = send_err(&api, "/drip").await;
    assert!(matches!(err, Error::Stalled { .. }), "{err:?}");
    assert!(err.to_string().contains("stalled"), "{err}");
}

#[tokio::test]
async fn a_truncated_body_is_an_error() {
    let api = Hostile::start();
    let (err, _) = send_err(&api, "/truncate").await;
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

#[tokio::test]
async fn a_huge_body_is_refused_at_the_cap() {
    let api = Hostile::start();
    let (err, _) = send_err(&api, "/huge").await;
    assert!(matches!(err, Error::TooLarge { limit: 1048576 }), "{err:?}");
}

#[tokio::test]
async fn an_endless_body_is_refused_at_the_cap() {
    let api = Hostile::start();
    let (err, _) = send_err(&api, "/endless").await;
    assert!(matches!(err, Error::TooLarge { limit: 1048576 }), "{err:?}");
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let api = Hostile::start();
    let (err, _) = send_err(&api, "/silent").await;
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
}

/// A folder with one file that was there before any download.
fn folder_with_existing_file() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join("out.png");
    std::fs::write(&existing, b"precious").unwrap();
    (dir, existing)
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_download_is_written_whole_and_atomically() {
    let api = Hostile::start();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("file.png");
    let n = transport(&api, 0)
        .download(get(&api.url("/file")), &target, &DownloadOptions::default())
        .await
        .unwrap();
    assert_eq!(n, 64 * 1024);
    assert_eq!(std::fs::read(&target).unwrap(), vec![b'x'; 64 * 1024]);
    assert_eq!(entries(dir.path()), ["file.png"]);
}

#[tokio::test]
async fn an_existing_file_is_refused_without_a_request() {
    let api = Hostile::start();
    let (dir, existing) = folder_with_existing_file();
    let err = transport(&api, 0)
        .download(
            get(&api.url("/file")),
            &existing,
            &DownloadOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::OutputExists { .. }), "{err:?}");
    assert!(api.requests().is_empty());
    assert_eq!(std::fs::read(&existing).unwrap(), b"precious");
    assert_eq!(entries(dir.path()), ["out.png"]);
}

#[tokio::test]
async fn failed_downloads_leave_existing_files_untouched_and_no_litter() {
    let api = Hostile::start();
    for path in [
        "/truncate",
        "/drip",
        "/stall-headers",
        "/endless",
        "/silent",
    ] {
        let (dir, existing) = folder_with_existing_file();
        let started = Instant::now();
        let err = transport(&api, 1)
            .download(
                get(&api.url(&format!("{path}?{SIGNED}"))),
                &existing,
                &DownloadOptions::default()
                    .overwrite(true)
                    .max_bytes(4 << 20),
            )
            .await
            .unwrap_err();
        assert!(started.elapsed() < GENEROUS, "{path}");
        assert_no_signed_query(&err);
        assert_eq!(std::fs::read(&existing).unwrap(), b"precious", "{path}");
        assert_eq!(entries(dir.path()), ["out.png"], "{path}");
    }
}

#[tokio::test]
async fn a_broken_download_is_fetched_again() {
    let api = Hostile::start();
    let dir = tempfile::tempdir().unwrap();
    let err = transport(&api, 2)
        .download(
            get(&api.url("/truncate")),
            &dir.path().join("t.bin"),
            &DownloadOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(api.requests().len(), 3);
    assert!(entries(dir.path()).is_empty());
}

#[tokio::test]
async fn a_huge_download_is_refused_at_its_cap() {
    let api = Hostile::start();
    let dir = tempfile::tempdir().unwrap();
    let err = transport(&api, 0)
        .download(
            get(&api.url("/huge")),
            &dir.path().join("h.bin"),
            &DownloadOptions::default().max_bytes(8 << 20),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err:?}");
    assert!(entries(dir.path()).is_empty());
}

//! Uploads against the in-process emulator (127.0.0.1, port 0): byte-exact
//! results, retries, faults, cancellation, resume, and refusals that send nothing.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use pixelbin_emulator::{Emulator, EmulatorOptions, Fault, RecordedBody, RecordedField};
use pixelbin_http::{ApiRequest, PixelbinConfig, Transport};
use pixelbin_upload::{
    Access, FileObject, ManyOptions, PathEstimate, PathMemory, Progress, ResumeState, Route,
    START_FILES, UploadError, UploadItem, UploadOptions, UploadRequest, UploadSource, Uploader,
};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

const CHUNK: usize = 64 * 1024;

async fn start(options: EmulatorOptions) -> (Arc<Emulator>, Uploader) {
    let emulator = Emulator::start(options).await.expect("emulator starts");
    let config = PixelbinConfig::builder()
        .api_secret("test-secret")
        .domain(emulator.url())
        .build()
        .expect("config");
    let uploader = Uploader::new(Transport::new(config).expect("transport"));
    (Arc::new(emulator), uploader)
}

/// Fast retries so fault tests take milliseconds.
fn options(concurrency: usize) -> UploadOptions {
    UploadOptions::default()
        .chunk_size(CHUNK)
        .concurrency(concurrency)
        .initial_backoff(Duration::from_millis(1))
}

fn data(len: usize, seed: u8) -> Vec<u8> {
    // Not periodic in the chunk size, so a misplaced part changes the hash.
    let mut x: u32 = 0x9e37_79b9 ^ u32::from(seed);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// The error's message and its causes', joined (each cause reads once, in `source()`).
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// SHA-256 of what the emulator serves at the file's URL.
async fn served_sha256(uploader: &Uploader, file: &FileObject) -> String {
    let url = file.url.as_deref().expect("the file has a url");
    let response = uploader
        .transport()
        .send(ApiRequest::get(url.parse().expect("a valid url")))
        .await
        .expect("the file is served");
    sha256(&response.body)
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Bytes,
    File,
    Stream,
}

fn source(kind: Kind, bytes: &[u8], dir: &tempfile::TempDir) -> UploadSource {
    match kind {
        Kind::Bytes => UploadSource::from(bytes.to_vec()),
        Kind::File => {
            let path = dir.path().join(format!("src-{}", bytes.len()));
            // Written once: rewriting would change its modification time, and a
            // resume rightly refuses a file modified since.
            if std::fs::read(&path).ok().as_deref() != Some(bytes) {
                std::fs::write(&path, bytes).expect("write temp file");
            }
            UploadSource::from_path(path)
        }
        // Unknown length: the hardest case (emptiness and the total are found by reading).
        Kind::Stream => UploadSource::from_reader(std::io::Cursor::new(bytes.to_vec()), None),
    }
}

/// Part numbers of the recorded part requests, in arrival order.
fn part_numbers(emulator: &Emulator) -> Vec<u32> {
    emulator
        .recorded("upload.part")
        .iter()
        .map(|r| {
            let query = r.query.as_deref().unwrap_or_default();
            url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "partNumber")
                .and_then(|(_, v)| v.parse().ok())
                .expect("every part request has a partNumber")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_byte_exact_for_every_size_source_and_concurrency() {
    let (emulator, uploader) = start(EmulatorOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let sizes = [1, CHUNK - 1, CHUNK, CHUNK + 1, CHUNK * 7 / 2];
    for concurrency in [1, 3, 8] {
        for (i, &len) in sizes.iter().enumerate() {
            for kind in [Kind::Bytes, Kind::File, Kind::Stream] {
                let bytes = data(len, i as u8);
                emulator.reset_counts();
                let file = uploader
                    .upload(
                        source(kind, &bytes, &dir),
                        UploadRequest::new()
                            .name(format!("f-{concurrency}-{len}-{kind:?}"))
                            .path("tests")
                            .access(Access::Private),
                        options(concurrency),
                    )
                    .await
                    .unwrap_or_else(|e| panic!("{kind:?} {len} c{concurrency}: {e}"));
                let what = format!("{kind:?} len {len} concurrency {concurrency}");
                assert_eq!(
                    served_sha256(&uploader, &file).await,
                    sha256(&bytes),
                    "{what}"
                );
                assert_eq!(file.size, Some(len as u64), "{what}");
                assert_eq!(file.access, Some(Access::Private), "{what}");
                // A named file of known length within one part goes up in one request.
                let one_request = len <= CHUNK && !matches!(kind, Kind::Stream);
                let parts = if one_request {
                    0
                } else {
                    len.div_ceil(CHUNK) as u32
                };
                let mut numbers = part_numbers(&emulator);
                numbers.sort_unstable();
                assert_eq!(numbers, (1..=parts).collect::<Vec<_>>(), "{what}");
                let multipart = u64::from(!one_request);
                let signed = emulator.request_count("upload.signed_url_v2");
                assert_eq!(signed, multipart, "{what}");
                assert_eq!(
                    emulator.request_count("upload.complete"),
                    multipart,
                    "{what}"
                );
                let direct = emulator.request_count("upload.direct");
                assert_eq!(direct, u64::from(one_request), "{what}");
            }
        }
    }
}

#[tokio::test]
async fn the_wire_format_matches_the_reference() {
    let (emulator, uploader) = start(EmulatorOptions::default()).await;
    let bytes = data(CHUNK + 10, 1);
    uploader
        .upload(
            bytes.clone().into(),
            UploadRequest::new().name("wire").tags(["a"]).expiry(600),
            options(1),
        )
        .await
        .unwrap();

    let signed = &emulator.recorded("upload.signed_url_v2")[0];
    assert!(signed.has_authorization, "the API call is authenticated");
    assert_eq!(
        signed.body,
        RecordedBody::Json(serde_json::json!({"name": "wire", "tags": ["a"], "expiry": 600}))
    );

    let parts = emulator.recorded("upload.part");
    assert_eq!(parts.len(), 2);
    for (i, part) in parts.iter().enumerate() {
        assert_eq!(part.method, "PUT");
        assert!(
            !part.has_authorization,
            "presigned URLs carry their own signature"
        );
        let RecordedBody::Multipart(fields) = &part.body else {
            panic!("part body is not multipart: {:?}", part.body)
        };
        // Every signed field as text, then the chunk as `file`.
        let names: Vec<&str> = fields.iter().map(RecordedField::name).collect();
        assert_eq!(names, ["x-pixb-meta-assetdata", "file"]);
        let (lo, hi) = if i == 0 {
            (0, CHUNK)
        } else {
            (CHUNK, CHUNK + 10)
        };
        match &fields[1] {
            RecordedField::File {
                size, sha256: sum, ..
            } => {
                assert_eq!(*size, (hi - lo) as u64);
                assert_eq!(sum, &sha256(&bytes[lo..hi]));
            }
            other => panic!("`file` is not a file part: {other:?}"),
        }
    }

    let complete = &emulator.recorded("upload.complete")[0];
    assert!(!complete.has_authorization);
    let RecordedBody::Json(body) = &complete.body else {
        panic!("completion is not JSON")
    };
    assert_eq!(body["parts"], serde_json::json!([1, 2]));
    assert!(body["x-pixb-meta-assetdata"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_part_in_five_failing_with_503_still_gives_the_exact_file() {
    let (emulator, uploader) = start(EmulatorOptions {
        faults: vec![Fault::failing(503, 0.2).on_routes(["upload.part"])],
        seed: 7,
        ..EmulatorOptions::default()
    })
    .await;
    let bytes = data(CHUNK * 40 + 123, 3);
    for concurrency in [1, 3, 8] {
        emulator.reset_counts();
        let file = uploader
            .upload(
                bytes.clone().into(),
                UploadRequest::new().name(format!("flaky-{concurrency}")),
                // 0.2^11: a part failing every attempt will not happen.
                options(concurrency).max_retries(10),
            )
            .await
            .unwrap();
        assert_eq!(served_sha256(&uploader, &file).await, sha256(&bytes));
        let attempts = emulator.request_count("upload.part");
        assert!(
            attempts > 41,
            "some parts were retried ({attempts} requests)"
        );
    }
}

#[tokio::test]
async fn a_4xx_part_fails_at_once_without_retry() {
    let (emulator, uploader) = start(EmulatorOptions::default()).await;
    emulator.fail_next("upload.part", 1, 403);
    let err = uploader
        .upload(
            data(CHUNK * 3, 4).into(),
            UploadRequest::new(),
            options(1).max_retries(5),
        )
        .await
        .unwrap_err();
    match &err {
        UploadError::Part {
            part_number,
            source,
            ..
        } => {
            assert_eq!(*part_number, 1);
            assert_eq!(source.status(), Some(403));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(err.to_string(), "part 1 failed");
    assert!(chain(&err).contains("403"), "{}", chain(&err));
    assert_eq!(emulator.request_count("upload.part"), 1);
    assert_eq!(emulator.request_count("upload.complete"), 0);
}

#[tokio::test]
async fn retries_follow_max_retries() {
    let (emulator, uploader) = start(EmulatorOptions::default()).await;
    // maxRetries 0: the first 503 ends the upload.
    emulator.fail_next("upload.part", 1, 503);
    let err = uploader
        .upload(
            data(CHUNK * 2, 5).into(),
            UploadRequest::new(),
            options(1).max_retries(0),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, UploadError::Part { part_number: 1, .. }),
        "{err:?}"
    );
    assert_eq!(emulator.request_count("upload.part"), 1);

    // maxRetries 2 survives two failures of the same part, and no more requests
    // than that are made: the transport does not retry on its own as well.
    emulator.reset_counts();
    emulator.fail_next("upload.part", 2, 503);
    let bytes = data(CHUNK * 2, 6);
    let file = uploader
        .upload(
            bytes.clone().into(),
            UploadRequest::new(),
            options(1).max_retries(2),
        )
        .await
        .unwrap();
    assert_eq!(served_sha256(&uploader, &file).await, sha256(&bytes));
    assert_eq!(emulator.request_count("upload.part"), 4);

    // Three failures exceed maxRetries 2: exactly 3 attempts.
    emulator.reset_counts();
    emulator.fail_next("upload.part", 3, 500);
    let err = uploader
        .upload(
            data(CHUNK, 7).into(),
            UploadRequest::new(),
            options(1).max_retries(2),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, UploadError::Part { part_number: 1, .. }),
        "{err:?}"
    );
    assert_eq!(emulator.request_count("upload.part"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_upload_sends_no_further_parts() {
    let (emulator, uploader) = start(EmulatorOptions {
        faults: vec![Fault::delaying(Duration::from_millis(40)).on_routes(["upload.part"])],
        ..EmulatorOptions::default()
    })
    .await;
    let (tx, mut rx) = watch::channel(Progress::default());
    let upload = uploader.upload(
        data(CHUNK * 30, 8).into(),
        UploadRequest::new(),
        options(2).progress_watch(tx),
    );
    tokio::select! {
        result = upload => panic!("the upload should not finish first: {result:?}"),
        _ = rx.wait_for(|p| p.parts_done >= 2) => {}
    }
    // The upload future is dropped here. A part already written to the socket may reach the
    // emulator's count a moment later; let those land, then nothing new may start.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = emulator.request_count("upload.part");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        emulator.request_count("upload.part"),
        sent,
        "no part after the drop"
    );
    assert!(sent < 30, "{sent}");
    assert_eq!(emulator.request_count("upload.complete"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_sends_only_the_missing_parts() {
    let (emulator, uploader) = start(EmulatorOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let bytes = data(CHUNK * 9 / 2, 9); // 5 parts
    for kind in [Kind::Bytes, Kind::File, Kind::Stream] {
        emulator.reset_counts();
        // Part 3 fails for good (maxRetries 0) once parts 1 and 2 are in.
        let trigger = emulator.clone();
        let options = options(1).max_retries(0).on_progress(move |p| {
            if p.parts_done == 2 {
                trigger.fail_next("upload.part", 1, 500);
            }
        });
        let err = uploader
            .upload(source(kind, &bytes, &dir), UploadRequest::new(), options)
            .await
            .unwrap_err();
        assert_eq!(err.part_number(), Some(3), "{kind:?}: {err}");
        let state = err.into_resume_state().expect("a resume state");
        assert_eq!(state.acknowledged_parts, vec![1, 2]);
        assert_eq!(state.acknowledged_bytes, 2 * CHUNK as u64);

        // It survives being stored and loaded.
        let state: ResumeState =
            serde_json::from_str(&serde_json::to_string(&state).unwrap()).unwrap();
        emulator.reset_counts();
        let progress = Arc::new(Mutex::new(Vec::new()));
        let seen = progress.clone();
        let file = uploader
            .resume(
                source(kind, &bytes, &dir),
                state,
                options_for_resume().on_progress(move |p| seen.lock().unwrap().push(p)),
            )
            .await
            .unwrap();
        let mut sent = part_numbers(&emulator);
        sent.sort_unstable();
        assert_eq!(sent, vec![3, 4, 5], "{kind:?}");
        assert_eq!(emulator.request_count("upload.signed_url_v2"), 0);
        assert_eq!(emulator.request_count("upload.complete"), 1);
        assert_eq!(
            served_sha256(&uploader, &file).await,
            sha256(&bytes),
            "{kind:?}"
        );
        let progress = progress.lock().unwrap();
        assert_eq!(
            progress.first().unwrap().parts_done,
            2,
            "resumed progress starts at 2"
        );
        assert_eq!(
            progress.last().unwrap().bytes_acknowledged,
            bytes.len() as u64
        );
    }
}

fn options_for_resume() -> UploadOptions {
    // The chunk size comes from the state: a different one here must not matter.
    options(3).chunk_size(1000)
}

#[tokio::test]
async fn a_failed_completion_is_resumed_without_sending_parts() {
    let (emulator, uploader) = start(EmulatorOptions::default()).await;
    let bytes = data(CHUNK * 2, 10);
    emulator.fail_next("upload.complete", 1, 400);
    let err = uploader
        .upload(bytes.clone().into(), UploadRequest::new(), options(2))
        .await
        .unwrap_err();
    assert!(matches!(err, UploadError::Complete { .. }), "{err:?}");
    let state = err.into_resume_state().unwrap();
    assert_eq!(state.missing_parts(), Some(vec![]));
    emulator.reset_counts();
    let file = uploader
        .resume(bytes.clone().into(), state, options(2))
        .await
        .unwrap();
    assert_eq!(emulator.request_count("upload.part"), 0);
    assert_eq!(served_sha256(&uploader, &file).await, sha256(&bytes));
}

#[tokio::test]
async fn resume_refuses_different_data_before_any_request() {
    let (emulator, uploader) = start(EmulatorOptions::default()).await;
    emulator.fail_next("upload.part", 1, 403);
    let err = uploader
        .upload(data(CHUNK * 2, 11).into(), UploadRequest::new(), options(1))
        .await
        .unwrap_err();
    let state = err.into_resume_state().unwrap();
    emulator.reset_counts();
    let err = uploader
        .resume(data(CHUNK * 3, 11).into(), state, options(1))
        .await
        .unwrap_err();
    assert!(matches!(err, UploadError::InvalidState(_)), "{err:?}");
    assert_eq!(emulator.request_count("upload.*"), 0);
}

#[tokio::test]
async fn invalid_options_and_empty_input_send_no_request() {
    let (emulator, uploader) = start(EmulatorOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            options(1).chunk_size(0),
            "Invalid chunkSize: Must be a positive integer.",
        ),
        (
            options(0),
            "Invalid concurrency: Must be a positive integer.",
        ),
        (
            options(1).exponential_factor(-2.0),
            "Invalid exponentialFactor: Must be a positive number.",
        ),
    ];
    for (options, message) in cases {
        let err = uploader
            .upload(data(10, 0).into(), UploadRequest::new(), options)
            .await
            .unwrap_err();
        assert!(matches!(err, UploadError::InvalidOptions(_)), "{err:?}");
        assert_eq!(err.to_string(), message);
    }
    // An access level only a response may carry is refused before anything is sent.
    let err = uploader
        .upload(
            data(10, 0).into(),
            UploadRequest::new().access(Access::from("public")),
            options(1),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, UploadError::InvalidOptions(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "access: Must be one of: public-read, private."
    );
    for kind in [Kind::Bytes, Kind::File, Kind::Stream] {
        let err = uploader
            .upload(source(kind, &[], &dir), UploadRequest::new(), options(1))
            .await
            .unwrap_err();
        assert!(matches!(err, UploadError::EmptySource), "{kind:?}: {err:?}");
        assert!(err.to_string().contains("empty"), "{err}");
    }
    let err = uploader
        .upload(
            UploadSource::from_path(dir.path().join("missing")),
            UploadRequest::new(),
            options(1),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, UploadError::Source { resume: None, .. }),
        "{err:?}"
    );
    // A reader declared empty that holds data is a length mismatch, not an empty source.
    let err = uploader
        .upload(
            UploadSource::from_reader(std::io::Cursor::new(data(10, 0)), Some(0)),
            UploadRequest::new(),
            options(1),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, UploadError::Source { resume: None, .. }),
        "{err:?}"
    );
    assert!(
        chain(&err).contains("more than its declared length of 0 bytes"),
        "{err}"
    );
    assert_eq!(emulator.request_count("*"), 0);
}

#[tokio::test]
async fn progress_reaches_the_total_through_callback_and_watch() {
    let (_emulator, uploader) = start(EmulatorOptions::default()).await;
    let seen = Arc::new(Mutex::new(Vec::<Progress>::new()));
    let sink = seen.clone();
    let (tx, rx) = watch::channel(Progress::default());
    let len = CHUNK * 5 / 2;
    uploader
        .upload(
            data(len, 12).into(),
            UploadRequest::new(),
            options(2)
                .on_progress(move |p| sink.lock().unwrap().push(p))
                .progress_watch(tx),
        )
        .await
        .unwrap();
    let seen = seen.lock().unwrap();
    // The start, then one per part.
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[0].bytes_acknowledged, 0);
    assert_eq!(seen[0].total_bytes, Some(len as u64));
    assert_eq!(seen[0].total_parts, Some(3));
    let last = *rx.borrow();
    assert_eq!(last, *seen.last().unwrap());
    assert_eq!((last.parts_done, last.bytes_acknowledged), (3, len as u64));
}

#[tokio::test]
async fn a_signed_url_failure_is_reported_as_such() {
    let (emulator, uploader) = start(EmulatorOptions::default()).await;
    emulator.fail_next("upload.signed_url_v2", 1, 400);
    let err = uploader
        .upload(data(10, 0).into(), UploadRequest::new(), options(1))
        .await
        .unwrap_err();
    assert!(matches!(err, UploadError::SignedUrl(_)), "{err:?}");
    assert_eq!(err.status(), Some(400));
    assert!(err.resume_state().is_none());
}

#[tokio::test]
async fn resume_with_a_shorter_stream_is_refused_before_completing() {
    let (emulator, uploader) = start(EmulatorOptions::default()).await;
    // All 4 parts are in, the completion failed.
    emulator.fail_next("upload.complete", 1, 400);
    let bytes = data(CHUNK * 4, 13);
    let err = uploader
        .upload(bytes.clone().into(), UploadRequest::new(), options(2))
        .await
        .unwrap_err();
    let mut state = err.into_resume_state().unwrap();
    // A stream of unknown length: the mismatch shows only once it ends.
    state.source_len = None;
    emulator.reset_counts();
    let short = UploadSource::from_reader(std::io::Cursor::new(bytes[..CHUNK * 2].to_vec()), None);
    let err = uploader.resume(short, state, options(2)).await.unwrap_err();
    assert!(matches!(err, UploadError::InvalidState(_)), "{err:?}");
    assert!(err.to_string().contains("the source has 2 parts"), "{err}");
    assert_eq!(emulator.request_count("upload.complete"), 0);
}

#[tokio::test]
async fn the_completion_timeout_applies_to_the_completion() {
    let (emulator, uploader) = start(EmulatorOptions {
        faults: vec![Fault::delaying(Duration::from_millis(400)).on_routes(["upload.complete"])],
        ..EmulatorOptions::default()
    })
    .await;
    let bytes = data(CHUNK, 14);
    let err = uploader
        .upload(
            bytes.clone().into(),
            UploadRequest::new(),
            options(1)
                .max_retries(0)
                .complete_timeout(Duration::from_millis(100)),
        )
        .await
        .unwrap_err();
    match &err {
        UploadError::Complete { source, .. } => {
            assert!(
                matches!(**source, pixelbin_http::Error::Timeout { .. }),
                "{source:?}"
            )
        }
        other => panic!("unexpected {other:?}"),
    }
    // Parts are not subject to it.
    assert_eq!(emulator.request_count("upload.part"), 1);
    let state = err.into_resume_state().unwrap();
    let file = uploader
        .resume(
            bytes.clone().into(),
            state,
            options(1).complete_timeout(Duration::from_secs(5)),
        )
        .await
        .unwrap();
    assert_eq!(served_sha256(&uploader, &file).await, sha256(&bytes));
}

#[tokio::test]
async fn a_chunk_size_needing_more_than_10000_parts_sends_nothing() {
    let (emulator, uploader) = start(EmulatorOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big");
    std::fs::write(&path, data(10_001, 20)).unwrap();
    let err = uploader
        .upload(
            UploadSource::from_path(&path),
            UploadRequest::new(),
            UploadOptions::default().chunk_size(1),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, UploadError::InvalidOptions(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("10001 parts") && text.contains("10000"),
        "{text}"
    );
    assert_eq!(emulator.request_count("*"), 0);
    // Exactly 10,000 parts is allowed.
    std::fs::write(&path, data(10_000, 20)).unwrap();
    let fits = UploadOptions::default().chunk_size(1);
    assert_eq!(fits.chunk_size_for(Some(10_000)).unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_changed_during_the_upload_is_not_completed() {
    let (emulator, uploader) = start(EmulatorOptions {
        faults: vec![Fault::delaying(Duration::from_millis(30)).on_routes(["upload.part"])],
        ..EmulatorOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("growing.bin");
    std::fs::write(&path, data(CHUNK * 8, 21)).unwrap();
    let (tx, mut rx) = watch::channel(Progress::default());
    let upload = uploader.upload(
        UploadSource::from_path(&path),
        UploadRequest::new(),
        options(1).progress_watch(tx),
    );
    let writer = async {
        // Rewrite the file in place (same size, new bytes) once a part is stored.
        rx.wait_for(|p| p.parts_done >= 1).await.unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[CHUNK * 6] ^= 0xff;
        std::thread::sleep(Duration::from_millis(20)); // a visible change of mtime
        std::fs::write(&path, &bytes).unwrap();
    };
    let (result, ()) = tokio::join!(upload, writer);
    let err = result.unwrap_err();
    match &err {
        UploadError::SourceChanged { path: p, what } => {
            assert_eq!(p, &path);
            assert_eq!(what, "modified");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        err.to_string().contains("changed during the upload"),
        "{err}"
    );
    assert_eq!(emulator.request_count("upload.complete"), 0);

    // Appending changes the size, and says so. The append happens inside the
    // progress callback, which runs on the upload's own task: no read of the
    // file can be in flight meanwhile, so no check can land inside the write
    // (Linux sets the modification time before it extends the size).
    std::fs::write(&path, data(CHUNK * 8, 22)).unwrap();
    let appended = path.clone();
    let options = options(1).on_progress(move |p| {
        if p.parts_done == 1 {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&appended)
                .unwrap();
            f.write_all(b"more").unwrap();
        }
    });
    let result = uploader
        .upload(
            UploadSource::from_path(&path),
            UploadRequest::new(),
            options,
        )
        .await;
    match result.unwrap_err() {
        UploadError::SourceChanged { what, .. } => {
            assert_eq!(
                what,
                format!("size {} -> {} bytes", CHUNK * 8, CHUNK * 8 + 4)
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(emulator.request_count("upload.complete"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_part_is_hedged_and_the_upload_finishes() {
    let (emulator, uploader) = start(EmulatorOptions::default()).await;
    // The first part request hangs for an hour; the others answer at once.
    emulator.delay_next("upload.part", 1, Duration::from_secs(3600));
    let bytes = data(CHUNK * 12, 23);
    let upload = uploader.upload(
        bytes.clone().into(),
        UploadRequest::new(),
        // A part timeout far beyond the test's bound: only a hedge can finish it in time.
        options(3).part_timeout(Duration::from_secs(600)),
    );
    let file = tokio::time::timeout(Duration::from_secs(60), upload)
        .await
        .expect("the hedge finished the upload")
        .unwrap();
    assert_eq!(served_sha256(&uploader, &file).await, sha256(&bytes));
    // 12 parts, and the slow one sent twice.
    let mut sent = part_numbers(&emulator);
    sent.sort_unstable();
    let twice = sent.windows(2).filter(|w| w[0] == w[1]).count();
    assert!(twice >= 1, "{sent:?}");
    sent.dedup();
    assert_eq!(sent, (1..=12).collect::<Vec<_>>());
}

#[tokio::test]
async fn the_state_file_lets_another_process_finish_the_upload() {
    let (emulator, uploader) = start(EmulatorOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("photo.bin");
    let bytes = data(CHUNK * 5, 24);
    std::fs::write(&path, &bytes).unwrap();
    let state_file = dir.path().join("photo.upload");
    // Part 4 is refused: the first three are stored and recorded.
    emulator.fail_next("upload.part", 1, 400);
    emulator.reset_counts();
    let err = uploader
        .upload(
            UploadSource::from_path(&path),
            UploadRequest::new(),
            options(1).state_file(&state_file).hedge(false),
        )
        .await;
    // fail_next hits the first part request.
    assert!(
        matches!(err, Err(UploadError::Part { part_number: 1, .. })),
        "{err:?}"
    );
    let state = ResumeState::load(&state_file).unwrap();
    assert!(state.acknowledged_parts.is_empty());
    assert_eq!(state.source_len, Some(bytes.len() as u64));
    assert!(state.source_modified_ns.is_some() && state.expires_at_ms.is_some());

    // A second run from the saved state, slowed down, stopped (dropped) once
    // the state file records two parts.
    emulator.set_faults(vec![
        Fault::delaying(Duration::from_millis(150)).on_routes(["upload.part"]),
    ]);
    let run = uploader.resume(
        UploadSource::from_path(&path),
        state,
        options(1).state_file(&state_file),
    );
    let recorded = async {
        loop {
            let state = ResumeState::load(&state_file).unwrap();
            if state.acknowledged_parts.len() >= 2 {
                return state;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    let state = tokio::select! {
        _ = run => panic!("the upload was meant to be interrupted"),
        state = recorded => state,
    };
    assert_eq!(&state.acknowledged_parts[..2], &[1, 2]);
    let stored = state.acknowledged_parts.len() as u32;
    emulator.set_faults(Vec::new());
    emulator.reset_counts();
    let file = uploader
        .resume(
            UploadSource::from_path(&path),
            ResumeState::load(&state_file).unwrap(),
            options(1).state_file(&state_file),
        )
        .await
        .unwrap();
    let missing: Vec<u32> = (stored + 1..=5).collect();
    // (The stopped run's last request may reach the emulator after the reset.)
    let mut sent = part_numbers(&emulator);
    sent.sort_unstable();
    sent.dedup();
    assert_eq!(sent, missing);
    assert_eq!(served_sha256(&uploader, &file).await, sha256(&bytes));
    assert!(!state_file.exists(), "removed once the upload completed");

    // A file modified since is refused before any request.
    let err = uploader
        .resume(
            UploadSource::from_path(&path),
            {
                let mut s = ResumeState::new(
                    pixelbin_upload::PresignedUrl::new(
                        emulator.url() + "/x?pbs=1",
                        Default::default(),
                    ),
                    CHUNK,
                );
                s.source_modified_ns = Some(1);
                s
            },
            options(1),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, UploadError::InvalidState(_)), "{err:?}");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fifo_uploads_as_a_stream_and_one_without_writer_times_out() {
    let (emulator, uploader) = start(EmulatorOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let bytes = data(CHUNK * 3 + 17, 25);
    let writer = {
        let (fifo, bytes) = (fifo.clone(), bytes.clone());
        std::thread::spawn(move || std::fs::write(fifo, bytes).unwrap())
    };
    let file = uploader
        .upload(
            UploadSource::from_path(&fifo),
            UploadRequest::new(),
            options(2),
        )
        .await
        .unwrap();
    writer.join().unwrap();
    assert_eq!(served_sha256(&uploader, &file).await, sha256(&bytes));
    assert_eq!(emulator.request_count("upload.part"), 4);

    // No writer: a clear error after the open timeout, nothing sent.
    emulator.reset_counts();
    let err = uploader
        .upload(
            UploadSource::from_path(&fifo),
            UploadRequest::new(),
            options(2).open_timeout(Duration::from_millis(200)),
        )
        .await
        .unwrap_err();
    assert!(
        chain(&err).contains("no process wrote to this FIFO"),
        "{err}"
    );
    assert_eq!(emulator.request_count("*"), 0);
}

/// A path source names the file as the CLI does: an unset name from the file stem, an unset
/// format from the extension (`JPG` as `jpeg`); set fields win.
#[tokio::test]
async fn a_path_source_fills_name_and_format_from_the_file_name() {
    let (_emulator, uploader) = start(EmulatorOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("myimage.JPG");
    std::fs::write(&photo, data(100, 7)).unwrap();

    let stored = uploader
        .upload(
            UploadSource::from_path(&photo),
            UploadRequest::new().path("named"),
            options(1),
        )
        .await
        .unwrap();
    assert_eq!(stored.name.as_deref(), Some("myimage.jpeg"), "{stored:?}");
    assert_eq!(stored.format.as_deref(), Some("jpeg"));

    let stored = uploader
        .upload(
            UploadSource::from_path(&photo),
            UploadRequest::new()
                .path("named")
                .name("hero")
                .format("png"),
            options(1),
        )
        .await
        .unwrap();
    assert_eq!(stored.name.as_deref(), Some("hero.png"), "{stored:?}");
    assert_eq!(stored.format.as_deref(), Some("png"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_part_halves_the_automatic_concurrency() {
    // Every part takes 40 ms whatever the number in flight, so more parts pay
    // and the automatic limit grows; then one part is answered 429 (and
    // retried): the limit halves at once.
    let (emulator, uploader) = start(EmulatorOptions {
        faults: vec![Fault::delaying(Duration::from_millis(40)).on_routes(["upload.part"])],
        ..EmulatorOptions::default()
    })
    .await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let trigger = emulator.clone();
    let options = UploadOptions::default()
        .chunk_size(CHUNK)
        .initial_backoff(Duration::from_millis(1))
        .hedge(false)
        .on_progress(move |p| {
            if p.parts_done == 100 {
                trigger.fail_next("upload.part", 1, 429);
            }
            record.lock().unwrap().push((p.parts_done, p.concurrency));
        });
    let bytes = data(CHUNK * 200, 12);
    let file = uploader
        .upload(bytes.clone().into(), UploadRequest::new(), options)
        .await
        .unwrap();
    assert_eq!(served_sha256(&uploader, &file).await, sha256(&bytes));
    assert_eq!(emulator.request_count("upload.part"), 201, "one retry");
    let seen = seen.lock().unwrap().clone();
    let grown = seen
        .iter()
        .filter(|(done, _)| *done <= 100)
        .map(|(_, c)| *c)
        .max()
        .unwrap();
    assert!(grown >= 4, "the limit grew before the 429: {seen:?}");
    // At least 2 at the 429, not the 4 it grew to: on a loaded machine two slow rounds in a
    // row may have halved it already (the path looks worse), which is no reason to fail.
    let halved = seen
        .windows(2)
        .filter(|w| w[0].0 >= 100)
        .any(|w| w[0].1 >= 2 && w[1].1 == w[0].1 / 2);
    assert!(halved, "a halving after the 429: {seen:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_in_flight_halve_on_429_and_grow_back_under_the_rate_limit() {
    // 50 platform requests per second: the first files pass at once, then the service answers
    // 429 with Retry-After. Each 429 halves the files in flight; between bursts they grow again.
    let (emulator, uploader) = start(EmulatorOptions {
        rate_limit: Some(50),
        ..EmulatorOptions::default()
    })
    .await;
    let files: Vec<Vec<u8>> = (0..200).map(|i| data(2000 + i, i as u8)).collect();
    let items: Vec<_> = files
        .iter()
        .enumerate()
        .map(|(i, bytes)| {
            UploadItem::new(
                i,
                UploadSource::from(bytes.clone()),
                UploadRequest::new().name(format!("f{i}")).path("rate"),
            )
        })
        .collect();
    // Enough retries that no file runs out of them while the window finds the limit.
    let upload = UploadOptions::default()
        .max_retries(20)
        .initial_backoff(Duration::from_millis(1));
    let mut results = uploader.upload_many(items, ManyOptions::new().upload(upload));
    assert_eq!(results.files_in_flight(), START_FILES);
    let mut history = vec![results.files_in_flight()];
    let mut stored = Vec::new();
    while let Some((i, result)) = results.next().await {
        let file = result.unwrap_or_else(|e| panic!("file {i}: {}", chain(&e)));
        stored.push((i, file));
        history.push(results.files_in_flight());
    }
    assert_eq!(stored.len(), files.len());
    assert!(
        emulator.request_count("upload.direct") > files.len() as u64,
        "some requests were refused with 429 and retried"
    );
    // Shrunk: steps that halved the window; grew back: after one of them, the window rose
    // above what the halving left.
    let halvings: Vec<usize> = history
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[1] < w[0] && w[1] <= w[0].div_ceil(2))
        .map(|(i, _)| i + 1)
        .collect();
    assert!(!halvings.is_empty(), "no halving: {history:?}");
    assert!(
        halvings
            .iter()
            .any(|&h| history[h + 1..].iter().any(|&n| n > history[h])),
        "no growth after a halving: {history:?}"
    );
    for (i, file) in stored.iter().step_by(17) {
        assert_eq!(served_sha256(&uploader, file).await, sha256(&files[*i]));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_files_go_in_one_request_with_the_same_result_and_clash_rules() {
    let (emulator, uploader) = start(EmulatorOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let small = data(3000, 1);
    let large = data(600 * 1024, 2);
    std::fs::write(dir.path().join("small.png"), &small).unwrap();
    std::fs::write(dir.path().join("large.png"), &large).unwrap();
    let run = |overwrite: Option<bool>| {
        let mut base = UploadRequest::new().path("many").tags(["t"]);
        if let Some(o) = overwrite {
            base = base.overwrite(o);
        }
        let items = ["small.png", "large.png"].map(|name| {
            let path = dir.path().join(name);
            UploadItem::new(name, UploadSource::from_path(&path), base.clone())
        });
        uploader.upload_many(items, ManyOptions::new())
    };
    let mut results: Vec<_> = run(None).collect().await;
    results.sort_by_key(|(name, _)| *name);
    assert_eq!(emulator.request_count("upload.direct"), 1, "the small file");
    assert_eq!(
        emulator.request_count("upload.signed_url_v2"),
        1,
        "the large file"
    );
    for ((_, result), bytes) in results.iter().zip([&large, &small]) {
        let file = result.as_ref().unwrap();
        assert_eq!(served_sha256(&uploader, file).await, sha256(bytes));
    }
    // Both paths store the same kind of object: name from the file, format, folder, tags.
    let small_file = results[1].1.as_ref().unwrap();
    let large_file = results[0].1.as_ref().unwrap();
    assert_eq!(
        small_file.name.as_deref(),
        Some("small.png"),
        "{small_file:?}"
    );
    assert_eq!(
        large_file.name.as_deref(),
        Some("large.png"),
        "{large_file:?}"
    );
    for file in [small_file, large_file] {
        assert_eq!(file.format.as_deref(), Some("png"));
        assert_eq!(file.path.as_deref(), Some("many"));
        assert_eq!(file.tags, vec!["t".to_string()]);
    }
    // A name taken: refused the same way on both paths, nothing repeated.
    let again: Vec<_> = run(None).collect().await;
    for (name, result) in &again {
        let error = result.as_ref().expect_err(name);
        assert_eq!(error.status(), Some(409), "{name}: {}", chain(error));
    }
    assert_eq!(emulator.request_count("upload.direct"), 2);
    // Overwrite replaces on both paths.
    let replaced: Vec<_> = run(Some(true)).collect().await;
    assert!(replaced.iter().all(|(_, r)| r.is_ok()), "{replaced:?}");
}

/// Uploads 40 parts with the automatic concurrency and `memory`: the report, and the parts
/// allowed in flight when the first part was acknowledged (where the ramp started).
async fn upload_remembering(
    uploader: &Uploader,
    memory: PathMemory,
    seed: u8,
) -> (pixelbin_upload::UploadReport, usize) {
    let first = Arc::new(Mutex::new(None));
    let record = first.clone();
    let options = UploadOptions::default()
        .chunk_size(CHUNK)
        .hedge(false)
        .path_memory(memory)
        .on_progress(move |p: Progress| {
            let mut first = record.lock().unwrap();
            if p.parts_done >= 1 && first.is_none() {
                *first = Some(p.concurrency);
            }
        });
    let bytes = data(CHUNK * 40, seed);
    let uploaded = uploader
        .upload_with_report(bytes.clone().into(), UploadRequest::new(), options)
        .await
        .unwrap();
    assert_eq!(
        served_sha256(uploader, &uploaded.file).await,
        sha256(&bytes)
    );
    let start = first.lock().unwrap().expect("parts were acknowledged");
    (uploaded.report, start)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_upload_starts_where_the_path_estimate_is_and_updates_it() {
    // The signed URL takes 50 ms: a long path, as the estimates below say.
    let (emulator, uploader) = start(EmulatorOptions {
        faults: vec![
            Fault::delaying(Duration::from_millis(50)).on_routes(["upload.signed_url_v2"]),
            Fault::delaying(Duration::from_millis(5)).on_routes(["upload.part"]),
        ],
        ..EmulatorOptions::default()
    })
    .await;
    let cache = tempfile::tempdir().unwrap();
    let path = cache.path().join("pixelbin/upload-paths.json");
    let memory = PathMemory::File(path.clone());
    let hosts = |path: &std::path::Path| -> serde_json::Map<String, serde_json::Value> {
        let file: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        file["hosts"].as_object().unwrap().clone()
    };

    // Nothing known: the ramp starts at 3; the upload leaves its estimate for the host.
    let (report, start) = upload_remembering(&uploader, memory.clone(), 1).await;
    assert_eq!(start, 3);
    assert!(!report.started_from_estimate);
    assert_eq!((report.chunk_size, report.parts), (CHUNK, 40));
    assert!(!report.chunk_grown);
    assert!(report.peak_parts_in_flight >= 3, "{report:?}");
    let learned = hosts(&path);
    assert_eq!(learned.len(), 1, "{learned:?}");
    let (origin, entry) = learned.iter().next().unwrap();
    assert_eq!(origin, &emulator.url().trim_end_matches('/').to_string());
    assert_eq!(entry["chunkSize"], CHUNK);
    assert_eq!(entry["parts"], report.concurrency);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains('?') && !text.contains("pbs"),
        "no signed URL: {text}"
    );

    // A remembered estimate of 12 parts on this path: the upload starts there.
    let estimate = serde_json::json!({"version": 1, "hosts": {origin.clone(): {
        "parts": 12, "chunkSize": CHUNK, "throughput": 50e6, "partThroughput": 5e6,
        "roundTripMs": 60, "settled": true, "updated": 1}}});
    std::fs::write(&path, estimate.to_string()).unwrap();
    let (report, start) = upload_remembering(&uploader, memory.clone(), 2).await;
    assert_eq!(start, 12, "no ramp: {report:?}");
    assert!(report.started_from_estimate);
    assert!(report.peak_parts_in_flight >= 12, "{report:?}");

    // A damaged file is ignored (no error, the ramp from 3) and replaced by a good one.
    std::fs::write(&path, b"{\"version\":1,\"hosts\":{\"http://127.0").unwrap();
    let (report, start) = upload_remembering(&uploader, memory.clone(), 3).await;
    assert_eq!(start, 3);
    assert!(!report.started_from_estimate);
    assert_eq!(hosts(&path).len(), 1);

    // An estimate for another part size does not apply; one given directly does.
    let other = PathEstimate::new(9, CHUNK * 2, 50e6, 5e6, Duration::from_millis(60), true);
    let (_, start) = upload_remembering(&uploader, PathMemory::Given(other), 4).await;
    assert_eq!(start, 3);
    let given = PathEstimate::new(9, CHUNK, 50e6, 5e6, Duration::from_millis(60), true);
    let (report, start) = upload_remembering(&uploader, PathMemory::Given(given), 5).await;
    assert_eq!(start, 9);
    assert!(report.started_from_estimate);
    // Off (the library's default) starts from 3 and writes nothing.
    let before = std::fs::read(&path).unwrap();
    let (_, start) = upload_remembering(&uploader, PathMemory::Off, 6).await;
    assert_eq!(start, 3);
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_small_named_file_goes_up_in_one_request() {
    let (emulator, uploader) = start(EmulatorOptions::default()).await;
    let bytes = data(3000, 21);
    let request = UploadRequest::new()
        .name("one")
        .format("png")
        .path("single");
    let uploaded = uploader
        .upload_with_report(
            bytes.clone().into(),
            request.clone(),
            UploadOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(uploaded.report.route, Route::OneRequest);
    assert_eq!((uploaded.report.parts, uploaded.report.bytes), (1, 3000));
    assert_eq!(emulator.request_count("upload.direct"), 1);
    assert_eq!(emulator.request_count("upload.*"), 1, "nothing else");
    assert_eq!(
        emulator.request_count("files.*"),
        0,
        "no lookup: the create refuses a clash"
    );
    assert_eq!(
        served_sha256(&uploader, &uploaded.file).await,
        sha256(&bytes)
    );
    assert_eq!(uploaded.file.file_id.as_deref(), Some("single/one.png"));

    // Unnamed (the signed flow picks an id), or a state file kept: the signed multipart upload.
    uploader
        .upload(
            bytes.clone().into(),
            UploadRequest::new(),
            UploadOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(emulator.request_count("upload.signed_url_v2"), 1);
    assert_eq!(emulator.request_count("upload.direct"), 1);

    // An uncertain create is not repeated: a 502 may have stored it, and says so.
    emulator.fail_next("upload.direct", 1, 502);
    let error = uploader
        .upload(
            bytes.into(),
            UploadRequest::new().name("two").format("png"),
            UploadOptions::default().initial_backoff(Duration::from_millis(1)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            UploadError::Direct {
                may_be_stored: true,
                ..
            }
        ),
        "{}",
        chain(&error)
    );
    assert_eq!(emulator.request_count("upload.direct"), 2, "sent once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_name_is_refused_by_one_lookup_before_any_part() {
    let (emulator, uploader) = start(EmulatorOptions::default()).await;
    let bytes = data(CHUNK * 12, 22);
    let request = UploadRequest::new().name("big").format("bin").path("taken");
    let options = || options(3);
    let first = uploader
        .upload(bytes.clone().into(), request.clone(), options())
        .await
        .unwrap();
    assert_eq!(
        emulator.request_count("files.get_by_file_id"),
        1,
        "404: go on"
    );
    let (signed, parts) = (
        emulator.request_count("upload.signed_url_v2"),
        emulator.request_count("upload.part"),
    );
    let error = uploader
        .upload(bytes.clone().into(), request.clone(), options())
        .await
        .unwrap_err();
    match &error {
        UploadError::NameTaken { file_id } => assert_eq!(Some(file_id), first.file_id.as_ref()),
        other => panic!("not NameTaken: {}", chain(other)),
    }
    assert!(error.to_string().contains("overwrite"), "{error}");
    assert_eq!(error.status(), Some(409));
    assert_eq!(
        emulator.request_count("files.get_by_file_id"),
        2,
        "one lookup"
    );
    assert_eq!(
        emulator.request_count("upload.signed_url_v2"),
        signed,
        "no signed URL"
    );
    assert_eq!(emulator.request_count("upload.part"), parts, "no part");
    // With overwrite there is nothing to look up: it replaces.
    uploader
        .upload(bytes.into(), request.overwrite(true), options())
        .await
        .unwrap();
    assert_eq!(emulator.request_count("files.get_by_file_id"), 2);
}

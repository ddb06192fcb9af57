//! Retry timing against an in-memory innermost service, on paused tokio time:
//! the waits are virtual, so these tests take no real time.

mod common;

use std::time::{Duration, SystemTime};

use common::*;
use pixelbin_http::{ApiRequest, Error, RetryPolicy};
use tokio::time::Instant;

const API: &str = "https://api.pixelbin.test";

fn url(path: &str) -> url::Url {
    url::Url::parse(&format!("{API}{path}")).unwrap()
}

#[tokio::test(start_paused = true)]
async fn retry_after_seconds_is_honoured() {
    let policy = RetryPolicy {
        max_retries: 3,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_secs(60),
        retry_deadline: Duration::from_secs(600),
        ..RetryPolicy::default()
    };
    let (transport, attempts) = fake_transport(config(API, policy), |n, _req| async move {
        Ok(if n == 1 {
            response(429, &[("retry-after", "30")], r#"{"message":"slow down"}"#)
        } else {
            response(200, &[], r#"{"ok":true}"#)
        })
    });
    let started = Instant::now();
    // A POST: a 429 is a refusal, safe to repeat even unmarked.
    let resp = transport.send(ApiRequest::post(url("/p"))).await.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(count(&attempts), 2);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(30) && waited < Duration::from_secs(31),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn retry_after_http_date_is_honoured() {
    let policy = RetryPolicy {
        max_backoff: Duration::from_secs(600),
        retry_deadline: Duration::from_secs(600),
        ..RetryPolicy::default()
    };
    let (transport, attempts) = fake_transport(config(API, policy), |n, _req| async move {
        if n == 1 {
            // The date is computed from the wall clock, which paused tokio
            // time does not stop; 2 minutes leaves room for the HTTP-date's
            // one-second resolution.
            let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
            let mut resp = response(503, &[], "");
            resp.headers_mut()
                .insert("retry-after", at.parse().unwrap());
            Ok(resp)
        } else {
            Ok(response(200, &[], "{}"))
        }
    });
    let started = Instant::now();
    transport.send(ApiRequest::get(url("/g"))).await.unwrap();
    assert_eq!(count(&attempts), 2);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(118) && waited <= Duration::from_secs(120),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_clamped_to_max_backoff() {
    let policy = RetryPolicy {
        max_retries: 1,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_secs(5),
        retry_deadline: Duration::from_secs(600),
        ..RetryPolicy::default()
    };
    let (transport, attempts) = fake_transport(config(API, policy), |_n, _req| async move {
        Ok(response(503, &[("retry-after", "3600")], ""))
    });
    let started = Instant::now();
    let err = transport
        .send(ApiRequest::get(url("/g")))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(count(&attempts), 2);
    assert_eq!(started.elapsed(), Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn retry_deadline_stops_retrying() {
    let policy = RetryPolicy {
        max_retries: 100,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_secs(60),
        retry_deadline: Duration::from_secs(25),
        ..RetryPolicy::default()
    };
    let (transport, attempts) = fake_transport(config(API, policy), |_n, _req| async move {
        Ok(response(503, &[("retry-after", "10")], "busy"))
    });
    let err = transport
        .send(ApiRequest::get(url("/g")))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    // Attempts at 0 s, 10 s and 20 s; a fourth at 30 s would pass the deadline.
    assert_eq!(count(&attempts), 3);
}

#[tokio::test(start_paused = true)]
async fn backoff_waits_grow_but_stay_under_the_ceiling() {
    let policy = RetryPolicy {
        max_retries: 4,
        initial_backoff: Duration::from_secs(1),
        max_backoff: Duration::from_secs(4),
        retry_deadline: Duration::from_secs(600),
        ..RetryPolicy::default()
    };
    let (transport, attempts) = fake_transport(config(API, policy), |_n, _req| async move {
        Ok(response(500, &[], ""))
    });
    let started = Instant::now();
    transport
        .send(ApiRequest::delete(url("/d")))
        .await
        .unwrap_err();
    assert_eq!(count(&attempts), 5);
    // Full jitter: each wait is at most 1, 2, 4, 4 seconds.
    assert!(
        started.elapsed() <= Duration::from_secs(11),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn slow_server_times_out_each_attempt() {
    let (transport, attempts) = fake_transport(
        PixelbinConfig::builder()
            .api_secret(SECRET)
            .domain(API)
            .timeout(Duration::from_secs(2))
            .retry(RetryPolicy {
                max_retries: 2,
                initial_backoff: Duration::from_millis(1),
                max_backoff: Duration::from_millis(1),
                retry_deadline: Duration::from_secs(600),
                ..RetryPolicy::default()
            })
            .build()
            .unwrap(),
        |_n, _req| async move {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(response(200, &[], "{}"))
        },
    );
    let started = Instant::now();
    let err = transport
        .send(ApiRequest::get(url("/slow")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { after } if after == Duration::from_secs(2)),
        "{err}"
    );
    assert_eq!(count(&attempts), 3);
    assert!(started.elapsed() < Duration::from_secs(7));

    // A POST that timed out may have been carried out: one attempt only.
    let before = count(&attempts);
    let err = transport
        .send(ApiRequest::post(url("/slow")))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }));
    assert_eq!(count(&attempts) - before, 1);

    // A per-request timeout overrides the configured one.
    let err = transport
        .send(
            ApiRequest::get(url("/slow"))
                .timeout(Duration::from_millis(300))
                .max_retries(0),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { after } if after == Duration::from_millis(300)));
}

use pixelbin_http::PixelbinConfig;

#[tokio::test(start_paused = true)]
async fn per_request_max_retries_overrides_the_policy() {
    let (transport, attempts) = fake_transport(config(API, fast_retry(5)), |_n, _req| async move {
        Ok(response(502, &[], "<html>bad gateway</html>"))
    });
    let err = transport
        .send(ApiRequest::get(url("/g")).max_retries(1))
        .await
        .unwrap_err();
    assert_eq!(count(&attempts), 2);
    match err {
        Error::Api { status, raw, .. } => {
            assert_eq!(status, 502);
            assert_eq!(raw.as_deref(), Some("<html>bad gateway</html>"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn retried_bodies_are_identical() {
    let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = bodies.clone();
    let (transport, _) = fake_transport(config(API, fast_retry(2)), move |n, req| {
        let seen = seen.clone();
        async move {
            let form = match req.into_body() {
                pixelbin_http::Body::Multipart(form) => form.to_bytes().unwrap(),
                other => panic!("expected multipart, got {other:?}"),
            };
            seen.lock().unwrap().push(form);
            Ok(if n < 3 {
                response(503, &[], "")
            } else {
                response(204, &[], "")
            })
        }
    });
    let data = bytes::Bytes::from(vec![42u8; 256 * 1024]);
    let form = pixelbin_http::Form::new()
        .text("x-amz-signature", "abc")
        .file("file", "part.bin", "application/octet-stream", data);
    let resp = transport
        .send(ApiRequest::put(url("/upload?partNumber=1")).multipart(form))
        .await
        .unwrap();
    assert_eq!(resp.status, 204);
    let bodies = bodies.lock().unwrap();
    assert_eq!(bodies.len(), 3);
    assert!(bodies.iter().all(|b| *b == bodies[0]));
}

#[tokio::test(start_paused = true)]
async fn throttled_and_failed_attempts_are_counted_for_the_caller() {
    use pixelbin_http::retry::Pushback;

    let policy = RetryPolicy {
        max_retries: 4,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(10),
        retry_deadline: Duration::from_secs(600),
        ..RetryPolicy::default()
    };
    // 429 and 503 ask to slow down, a 500 is a failure worth retrying, then success.
    let (transport, attempts) = fake_transport(config(API, policy), |n, _req| async move {
        Ok(match n {
            1 => response(429, &[], r#"{"message":"slow down"}"#),
            2 => response(503, &[], r#"{"message":"busy"}"#),
            3 => response(500, &[], r#"{"message":"oops"}"#),
            5 => response(404, &[], r#"{"message":"no such upload"}"#),
            _ => response(204, &[], ""),
        })
    });
    let pushback = Pushback::new();
    let req = ApiRequest::put(url("/part"))
        .idempotent(true)
        .record_pushback(&pushback);
    transport.send(req).await.unwrap();
    assert_eq!(count(&attempts), 4);
    assert_eq!((pushback.throttled(), pushback.failed()), (2, 1));

    // A refusal that is not worth retrying (404) counts nothing; neither does a success.
    let quiet = Pushback::new();
    let refused = transport
        .send(ApiRequest::put(url("/part")).record_pushback(&quiet))
        .await;
    assert!(refused.is_err());
    transport
        .send(ApiRequest::put(url("/part")).record_pushback(&quiet))
        .await
        .unwrap();
    assert!(!quiet.any());
    assert_eq!((pushback.throttled(), pushback.failed()), (2, 1));
}

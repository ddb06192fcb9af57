//! Captures every tracing event and span (all targets, TRACE level) across a
//! failing, retried call and checks that no secret leaks into them.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use pixelbin_http::{ApiRequest, Transport};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn traces_never_contain_the_secret_or_signatures() {
    let server = MockServer::start().await;
    Mock::given(path("/service/platform/assets/v1.0/upload"))
        .respond_with(ResponseTemplate::new(503).set_body_string("try later"))
        .mount(&server)
        .await;

    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // Current-thread test runtime: every task is polled on this thread.
    let _guard = tracing::subscriber::set_default(subscriber);

    let transport = Transport::new(config(&server.uri(), fast_retry(2))).unwrap();
    let url = url::Url::parse(&format!(
        "{}/service/platform/assets/v1.0/upload?pbs=0123abcd&pbe=1700000000&pbt=key",
        server.uri()
    ))
    .unwrap();
    let err = transport
        .send(ApiRequest::get(url).query("signature", "sig-value"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    // Something else that must not leak: Debug of the error and config.
    tracing::error!(error = ?err, transport = ?transport, "final");

    let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    // The capture is not vacuous: the span and the retries are there.
    assert!(text.contains("pixelbin_http.request"), "{text}");
    assert!(
        text.contains("path=/service/platform/assets/v1.0/upload"),
        "{text}"
    );
    assert!(text.contains("method=GET"), "{text}");
    assert!(text.contains("attempt=3"), "{text}");
    assert_eq!(text.matches("retrying request").count(), 2, "{text}");
    assert!(text.contains(" WARN "), "{text}");
    for secret in [
        SECRET,
        SECRET_B64,
        "pbs=",
        "0123abcd",
        "sig-value",
        "Bearer",
    ] {
        assert!(
            !text.contains(secret),
            "{secret:?} leaked into traces:\n{text}"
        );
    }
}

//! Errors read once: a cause is either in an error's message or returned by `source()`, never
//! both, so `anyhow`'s `{:#}` (or any chain printer) shows each piece one time. Checked on real
//! errors of every kind: I/O, a refused connection, a timeout, an API 4xx and a bad body.

use std::error::Error as StdError;
use std::time::Duration;

use pixelbin::{
    PixelbinClient, PixelbinConfig, PredictionInput, RetryPolicy, UploadOptions, UploadRequest,
    UploadSource,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Walks the chain of `err`, asserting no message repeats its source's, and returns the
/// messages (top first) so a test can check that the cause is still told somewhere.
fn assert_reads_once(err: &(dyn StdError + 'static)) -> Vec<String> {
    let mut messages = vec![err.to_string()];
    let mut current = err;
    while let Some(source) = current.source() {
        let outer = current.to_string();
        let inner = source.to_string();
        assert!(
            !inner.is_empty() && !outer.contains(&inner),
            "{outer:?} repeats its source {inner:?}"
        );
        messages.push(inner);
        current = source;
    }
    messages
}

fn client(domain: &str, timeout: Duration) -> PixelbinClient {
    let config = PixelbinConfig::builder()
        .api_secret("error-chain-secret")
        .domain(domain)
        .timeout(timeout)
        .retry(RetryPolicy::none())
        .build()
        .expect("config");
    PixelbinClient::new(config).expect("client")
}

/// A server that answers every request on one connection with `response` (or never, when
/// `None`), for as many connections as come.
async fn serve(response: Option<&'static str>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                match response {
                    Some(text) => {
                        let _ = socket.write_all(text.as_bytes()).await;
                        let _ = socket.shutdown().await;
                    }
                    // Hold the connection open without answering.
                    None => tokio::time::sleep(Duration::from_secs(60)).await,
                }
            });
        }
    });
    format!("http://{addr}")
}

/// Uploads a few bytes, expecting the upload to fail.
async fn upload_small(client: &PixelbinClient) -> pixelbin::upload::UploadError {
    client
        .uploader()
        .upload(
            UploadSource::from(vec![1u8; 8]),
            UploadRequest::new(),
            UploadOptions::default(),
        )
        .await
        .unwrap_err()
}

/// A local port nothing listens on.
async fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

#[tokio::test]
async fn io_errors_read_once() {
    let missing = std::env::temp_dir().join("pixelbin-error-chain-no-such-dir/no-such-file.png");
    let client = client("http://127.0.0.1:9", Duration::from_secs(5));

    let err = client
        .uploader()
        .upload(
            UploadSource::from_path(&missing),
            UploadRequest::new(),
            UploadOptions::default(),
        )
        .await
        .unwrap_err();
    let err = pixelbin::Error::from(err);
    let chain = assert_reads_once(&err);
    assert!(chain.len() >= 2, "{chain:?}");
    assert!(chain.iter().any(|m| m.contains("os error")), "{chain:?}");

    let err = client
        .predictions()
        .create(
            "erase_bg",
            PredictionInput::new().file_path("image", &missing),
            None,
        )
        .await
        .unwrap_err();
    let chain = assert_reads_once(&pixelbin::Error::from(err));
    assert!(chain[0].contains("image"), "{chain:?}");
    assert!(chain.iter().any(|m| m.contains("os error")), "{chain:?}");
}

#[tokio::test]
async fn a_refused_connection_reads_once() {
    let client = client(&closed_port().await, Duration::from_secs(5));
    let err = client
        .organization()
        .get_app_org_details()
        .await
        .unwrap_err();
    let chain = assert_reads_once(&err);
    assert!(chain[0].contains("could not connect"), "{chain:?}");
    assert!(
        chain.iter().any(|m| m.to_lowercase().contains("refused")),
        "the reason is still told: {chain:?}"
    );

    // The same cause, wrapped by the uploader and by the facade.
    let err = upload_small(&client).await;
    let chain = assert_reads_once(&pixelbin::Error::from(err));
    assert!(chain.len() >= 3, "{chain:?}");
}

#[tokio::test]
async fn a_timeout_reads_once() {
    let client = client(&serve(None).await, Duration::from_millis(300));
    let err = client.assets().get_file_by_id("abc").await.unwrap_err();
    assert!(
        matches!(err, pixelbin::http::Error::Timeout { .. }),
        "{err:?}"
    );
    assert_reads_once(&err);
    let err = client.predictions().get("a--b--1").await.unwrap_err();
    assert_reads_once(&pixelbin::Error::from(err));
}

#[tokio::test]
async fn an_api_4xx_reads_once() {
    let body = r#"{"message":"File not found","status":404,"errorCode":"JR-0404"}"#;
    let response: &'static str = Box::leak(
        format!(
            "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_boxed_str(),
    );
    let client = client(&serve(Some(response)).await, Duration::from_secs(5));
    let err = client.assets().get_file_by_id("abc").await.unwrap_err();
    let chain = assert_reads_once(&pixelbin::Error::from(err));
    assert!(chain[0].contains("File not found"), "{chain:?}");

    let err = upload_small(&client).await;
    let chain = assert_reads_once(&pixelbin::Error::from(err));
    assert_eq!(chain.len(), 2, "{chain:?}");
    assert!(chain[1].contains("404"), "{chain:?}");
}

#[tokio::test]
async fn a_decode_error_reads_once_and_names_what_is_wrong() {
    let response = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 8\r\nconnection: close\r\n\r\nnot json";
    let client = client(&serve(Some(response)).await, Duration::from_secs(5));
    let err = client.predictions().get("a--b--1").await.unwrap_err();
    let chain = assert_reads_once(&pixelbin::Error::from(err));
    assert!(chain[0].contains("could not decode"), "{chain:?}");
    assert!(
        chain[0].contains("not valid JSON: expected ident at line 1 column 2"),
        "the decoder's reason is told: {chain:?}"
    );
}

#[test]
fn setup_errors_read_once_and_say_what_to_do() {
    let err = PixelbinConfig::builder().build().unwrap_err();
    let chain = assert_reads_once(&err);
    assert!(
        chain[0].starts_with("No API Secret Token Present: "),
        "{chain:?}"
    );
    assert!(chain[0].contains("api_secret"), "{chain:?}");
    let err = PixelbinConfig::builder()
        .api_secret("abc")
        .build()
        .unwrap_err();
    assert!(
        err.to_string().starts_with("Invalid API Secret Token: "),
        "{err}"
    );
}

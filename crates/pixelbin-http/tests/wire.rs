//! The transport against real loopback servers (wiremock), real time with
//! millisecond backoffs.

mod common;

use std::time::Duration;

use common::*;
use http::{HeaderValue, Method};
use pixelbin_http::{ApiRequest, Error, Form, Transport};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn url(server: &MockServer, path_and_query: &str) -> url::Url {
    url::Url::parse(&format!("{}{path_and_query}", server.uri())).unwrap()
}

async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

#[tokio::test]
async fn service_unavailable_is_retried_up_to_max_retries() {
    let server = MockServer::start().await;
    Mock::given(path("/busy"))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .mount(&server)
        .await;
    let transport = Transport::new(config(&server.uri(), fast_retry(2))).unwrap();
    let err = transport
        .send(ApiRequest::get(url(&server, "/busy")))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(err.is_retryable());
    assert_eq!(received(&server).await.len(), 3);
}

#[tokio::test]
async fn a_transient_failure_then_success() {
    let server = MockServer::start().await;
    Mock::given(path("/flaky"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/flaky"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true})))
        .mount(&server)
        .await;
    let transport = Transport::new(config(&server.uri(), fast_retry(3))).unwrap();
    let value: serde_json::Value = transport
        .send_json(ApiRequest::get(url(&server, "/flaky")))
        .await
        .unwrap();
    assert_eq!(value["ok"], true);
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn too_many_requests_with_retry_after_is_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/limited"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/limited"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let transport = Transport::new(config(&server.uri(), fast_retry(3))).unwrap();
    // Even an unmarked POST: 429 means the server refused before doing anything.
    transport
        .send(ApiRequest::post(url(&server, "/limited")))
        .await
        .unwrap();
    assert_eq!(received(&server).await.len(), 3);
}

#[tokio::test]
async fn an_unretried_refusal_carries_its_retry_after() {
    let server = MockServer::start().await;
    Mock::given(path("/refused"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "7")
                .set_body_json(serde_json::json!({"message": "slow down", "status": 429})),
        )
        .mount(&server)
        .await;
    let transport = Transport::new(config(&server.uri(), fast_retry(3))).unwrap();
    let err = transport
        .send(ApiRequest::post(url(&server, "/refused")).max_retries(0))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = MockServer::start().await;
    for status in [400u16, 401, 403, 404] {
        Mock::given(path(format!("/status/{status}")))
            .respond_with(
                ResponseTemplate::new(status).set_body_json(serde_json::json!({
                    "message": format!("failed with {status}"),
                    "status": status,
                    "errorCode": "JR-1000",
                    "exception": "SomeError",
                    "info": "see docs",
                })),
            )
            .mount(&server)
            .await;
    }
    let transport = Transport::new(config(&server.uri(), fast_retry(3))).unwrap();
    for status in [400u16, 401, 403, 404] {
        let before = received(&server).await.len();
        let err = transport
            .send(ApiRequest::get(url(&server, &format!("/status/{status}"))))
            .await
            .unwrap_err();
        assert_eq!(
            received(&server).await.len() - before,
            1,
            "{status} was retried"
        );
        assert!(!err.is_retryable());
        match err {
            Error::Api {
                status: s,
                message,
                error_code,
                exception,
                info,
                body,
                ..
            } => {
                assert_eq!(s, status);
                assert_eq!(message, format!("failed with {status}"));
                assert_eq!(error_code.as_deref(), Some("JR-1000"));
                assert_eq!(exception.as_deref(), Some("SomeError"));
                assert_eq!(info.as_deref(), Some("see docs"));
                assert!(body.is_some());
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn unmarked_post_is_not_retried_after_a_server_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/predictions"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let transport = Transport::new(config(&server.uri(), fast_retry(3))).unwrap();
    let req = ApiRequest::post(url(&server, "/predictions"))
        .json(&serde_json::json!({"input": {"image": "https://x.test/a.jpg"}}))
        .unwrap();
    transport.send(req.clone()).await.unwrap_err();
    assert_eq!(received(&server).await.len(), 1);

    // Marked idempotent by the caller: retried.
    transport.send(req.idempotent(true)).await.unwrap_err();
    assert_eq!(received(&server).await.len(), 1 + 4);

    // And a PUT is idempotent by definition.
    transport
        .send(ApiRequest::put(url(&server, "/predictions")))
        .await
        .unwrap_err();
    assert_eq!(received(&server).await.len(), 1 + 4 + 1);
}

#[tokio::test]
async fn idempotent_false_stops_get_retries() {
    let server = MockServer::start().await;
    Mock::given(path("/x"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let transport = Transport::new(config(&server.uri(), fast_retry(3))).unwrap();
    transport
        .send(ApiRequest::get(url(&server, "/x")).idempotent(false))
        .await
        .unwrap_err();
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn connection_refused_is_retried_even_for_post() {
    // A port nobody listens on: bind, note the port, close.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let domain = format!("http://127.0.0.1:{port}");
    let (transport, attempts) = counting_transport(config(&domain, fast_retry(2)));
    let target = url::Url::parse(&format!("{domain}/service/x?pbs=deadbeef")).unwrap();
    let err = transport.send(ApiRequest::post(target)).await.unwrap_err();
    assert_eq!(count(&attempts), 3);
    match &err {
        Error::Transport {
            not_sent, message, ..
        } => {
            assert!(*not_sent);
            // The host it tried is named; the path and query are not.
            let tried = format!("could not connect to 127.0.0.1:{port};");
            assert!(message.contains(&tried), "{message}");
            assert!(!message.contains("/service/x"), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.is_retryable());
    // The URL (and its signature) stays out of the error.
    let text = format!("{err} {err:?}");
    assert!(!text.contains("deadbeef"), "{text}");
}

#[tokio::test]
async fn slow_server_times_out_and_is_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let config = pixelbin_http::PixelbinConfig::builder()
        .api_secret(SECRET)
        .domain(server.uri())
        .timeout(Duration::from_millis(100))
        .retry(fast_retry(1))
        .build()
        .unwrap();
    let transport = Transport::new(config).unwrap();
    let err = transport
        .send(ApiRequest::get(url(&server, "/slow")))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn a_request_timeout_can_exceed_the_default() {
    // A long operation (an upload completion) raises its own limit above the
    // configured default; nothing client-wide may cap it back.
    let server = MockServer::start().await;
    Mock::given(path("/long"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(400)))
        .mount(&server)
        .await;
    let config = pixelbin_http::PixelbinConfig::builder()
        .api_secret(SECRET)
        .domain(server.uri())
        .timeout(Duration::from_millis(100))
        .retry(fast_retry(0))
        .build()
        .unwrap();
    let transport = Transport::new(config).unwrap();
    let resp = transport
        .send(ApiRequest::get(url(&server, "/long")).timeout(Duration::from_secs(5)))
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn auth_header_only_for_the_api_origin() {
    let api = MockServer::start().await;
    let other = MockServer::start().await;
    for server in [&api, &other] {
        Mock::given(path("/any"))
            .respond_with(ResponseTemplate::new(200))
            .mount(server)
            .await;
    }
    let transport = Transport::new(config(&api.uri(), fast_retry(0))).unwrap();
    transport
        .send(ApiRequest::get(url(&api, "/any")))
        .await
        .unwrap();
    transport
        .send(ApiRequest::put(url(&other, "/any?signature=abc")))
        .await
        .unwrap();
    // Presigned URLs on the API host itself opt out explicitly.
    transport
        .send(ApiRequest::put(url(&api, "/any?signature=abc")).without_auth())
        .await
        .unwrap();

    let api_requests = received(&api).await;
    assert_eq!(
        api_requests[0].headers.get("authorization").unwrap(),
        &format!("Bearer {SECRET_B64}")
    );
    assert!(api_requests[1].headers.get("authorization").is_none());
    let other_requests = received(&other).await;
    assert!(other_requests[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn user_agent_with_and_without_prefix() {
    let server = MockServer::start().await;
    Mock::given(path("/ua"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let plain = Transport::new(config(&server.uri(), fast_retry(0))).unwrap();
    plain
        .send(ApiRequest::get(url(&server, "/ua")))
        .await
        .unwrap();
    let prefixed = Transport::new(
        pixelbin_http::PixelbinConfig::builder()
            .api_secret(SECRET)
            .domain(server.uri())
            .user_agent_prefix("acme-importer/3.1")
            .build()
            .unwrap(),
    )
    .unwrap();
    prefixed
        .send(ApiRequest::get(url(&server, "/ua")))
        .await
        .unwrap();
    let requests = received(&server).await;
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        requests[0].headers.get("user-agent").unwrap(),
        &format!("pixelbin-rust/{version}")
    );
    assert_eq!(
        requests[1].headers.get("user-agent").unwrap(),
        &format!("acme-importer/3.1 pixelbin-rust/{version}")
    );
}

#[tokio::test]
async fn multipart_is_sent_with_content_length_and_exact_bytes() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/part"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let transport = Transport::new(config(&server.uri(), fast_retry(0))).unwrap();
    let data = bytes::Bytes::from((0..=255u8).cycle().take(300_000).collect::<Vec<u8>>());
    let form = Form::new().text("key", "uploads/a.jpg").file(
        "file",
        "blob",
        "application/octet-stream",
        data,
    );
    let expected = form.to_bytes().unwrap();
    let content_type = form.content_type();
    let resp = transport
        .send(
            ApiRequest::put(url(&server, "/part"))
                .query("partNumber", "1")
                .multipart(form)
                .without_auth(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status, 204);
    let req = &received(&server).await[0];
    assert_eq!(req.url.query(), Some("partNumber=1"));
    assert_eq!(
        req.headers.get("content-type").unwrap(),
        content_type.as_str()
    );
    assert_eq!(
        req.headers.get("content-length").unwrap(),
        expected.len().to_string().as_str()
    );
    assert!(req.headers.get("transfer-encoding").is_none());
    assert_eq!(req.body, expected);
}

#[tokio::test]
async fn json_bodies_and_query_parameters() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/service/platform/thing"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"_id": "1"})))
        .mount(&server)
        .await;
    let transport = Transport::new(config(&server.uri(), fast_retry(0))).unwrap();
    let url = transport.api_url("/service/platform/thing");
    let resp = transport
        .send(
            ApiRequest::post(url)
                .query("tags[0]", "a b")
                .json(&serde_json::json!({"name": "cat"}))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.json::<serde_json::Value>().unwrap()["_id"], "1");
    let req = &received(&server).await[0];
    assert_eq!(req.url.query(), Some("tags%5B0%5D=a+b"));
    assert_eq!(req.body, br#"{"name":"cat"}"#);
}

#[tokio::test]
async fn non_json_error_bodies_are_kept_capped() {
    let server = MockServer::start().await;
    let page = format!(
        "<html><title>502 Bad Gateway</title>{}</html>",
        "x".repeat(100_000)
    );
    Mock::given(path("/gw"))
        .respond_with(ResponseTemplate::new(502).set_body_string(page))
        .mount(&server)
        .await;
    let transport = Transport::new(config(&server.uri(), fast_retry(0))).unwrap();
    let err = transport
        .send(ApiRequest::get(url(&server, "/gw")))
        .await
        .unwrap_err();
    match err {
        Error::Api {
            status,
            raw,
            body,
            message,
            ..
        } => {
            assert_eq!(status, 502);
            assert!(body.is_none());
            assert_eq!(raw.unwrap().len(), pixelbin_http::MAX_RAW_ERROR_BODY);
            assert!(message.starts_with("<html><title>502 Bad Gateway</title>"));
            assert!(message.len() < 1000);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn send_streaming_returns_the_unread_body() {
    let server = MockServer::start().await;
    let payload = vec![9u8; 1 << 20];
    Mock::given(path("/download"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(payload.clone()))
        .mount(&server)
        .await;
    Mock::given(path("/missing"))
        .respond_with(ResponseTemplate::new(404).set_body_string(r#"{"message":"gone"}"#))
        .mount(&server)
        .await;
    let transport = Transport::new(config(&server.uri(), fast_retry(0))).unwrap();
    let mut resp = transport
        .send_streaming(ApiRequest::get(url(&server, "/download")), None)
        .await
        .unwrap();
    let mut total = 0;
    while let Some(chunk) = resp.chunk().await.unwrap() {
        total += chunk.len();
    }
    assert_eq!(total, payload.len());
    let err = transport
        .send_streaming(ApiRequest::get(url(&server, "/missing")), None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api { status: 404, ref message, .. } if message == "gone"));
}

#[tokio::test]
async fn user_layers_wrap_the_stack_and_never_see_the_credential() {
    let server = MockServer::start().await;
    Mock::given(path("/layered"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let saw_auth = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = saw_auth.clone();
    let transport = Transport::builder(config(&server.uri(), fast_retry(0)))
        .layer(tower::util::MapRequestLayer::new(
            move |mut req: pixelbin_http::HttpRequest| {
                if req.headers().contains_key("authorization") {
                    flag.store(true, std::sync::atomic::Ordering::SeqCst);
                }
                req.headers_mut()
                    .insert("x-trace-id", HeaderValue::from_static("t-1"));
                req
            },
        ))
        .build()
        .unwrap();
    transport
        .send(ApiRequest::new(Method::GET, url(&server, "/layered")))
        .await
        .unwrap();
    let req = &received(&server).await[0];
    assert_eq!(req.headers.get("x-trace-id").unwrap(), "t-1");
    assert!(req.headers.get("authorization").is_some());
    assert!(!saw_auth.load(std::sync::atomic::Ordering::SeqCst));
}

#[tokio::test]
async fn clones_are_send_sync_and_usable_concurrently() {
    fn assert_send_sync<T: Send + Sync + Clone + 'static>(_: &T) {}
    let server = MockServer::start().await;
    Mock::given(path("/p"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let transport = Transport::new(config(&server.uri(), fast_retry(0))).unwrap();
    assert_send_sync(&transport);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let t = transport.clone();
        let u = url(&server, "/p");
        tasks.push(tokio::spawn(
            async move { t.send(ApiRequest::get(u)).await },
        ));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(received(&server).await.len(), 8);
}
